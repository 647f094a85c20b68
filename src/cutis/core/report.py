"""A plain-text report of an assessment for the vet: each conclusion, its reasons and citations."""

from __future__ import annotations

from cutis.core.plan import describe_dose

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as True

if TYPE_CHECKING:
    from cutis.core.formats import JSON, Because
    from cutis.knowledge import Knowledge

WIDTH = 78


def text_report(assessment: JSON, knowledge: Knowledge) -> str:
    lines: list[str] = []
    cited: list[str] = []

    def reasons(because: list[Because], indent: str = "    ") -> None:
        for reason in because:
            marks = []
            for source in reason["sources"]:
                if source not in cited:
                    cited.append(source)
                marks.append(str(cited.index(source) + 1))
            lines.append(f"{indent}- {reason['text']} [{', '.join(marks)}]")

    patient = assessment["patient"]
    name = patient.get("name") or "Unnamed dog"
    lines.append(f"CUTIS ASSESSMENT: {name}, {patient['age_years']} y, {patient['weight_kg']} kg")
    lines.append(
        f"assessed on {assessment['assessed_on']} | engine {assessment['engine_version']}"
        f" | knowledge {assessment['knowledge_version']}"
    )
    lines.append("=" * WIDTH)
    if assessment["alerts"]:
        lines.append("ALERTS")
        for alert in assessment["alerts"]:
            lines.append(f"  [{alert['severity'].upper()}] {alert['id']}")
            reasons(alert["because"])
    suspicion = assessment["suspicion"]
    lines.append(f"SUSPICION: {suspicion['level']}")
    reasons(suspicion["because"])
    lines.append(f"FORM: {assessment['form']['id']}")
    reasons(assessment["form"]["because"])
    lines.append("CAUSES")
    for cause in assessment["causes"]:
        lines.append(f"  {cause['id']}: {cause['likelihood']}")
        reasons(cause["because"])
    if assessment["findings"]:
        lines.append("FINDINGS")
        for finding in assessment["findings"]:
            value = finding.get("value")
            shown = f" ({value} {finding.get('unit', '')})".rstrip() if value is not None else ""
            lines.append(f"  {finding['id']}{shown}")
            reasons(finding["because"])
    lines.append("NEXT TESTS")
    for test in assessment["diagnostics"]:
        lines.append(f"  {test['priority']}. {test['id']}: {test['status']}")
        reasons(test["because"])
        reasons(test.get("timing", []), indent="      timing ")
    lines.append("PLAN")
    for treatment in assessment["treatments"]:
        drug = f" -> {treatment['drug']}" if treatment.get("drug") else ""
        lines.append(f"  {treatment['id']}: {treatment['status']}{drug}")
        if treatment.get("dose"):
            lines.append(f"    dose: {describe_dose(treatment['dose'])}")
        for field in ("regimen", "duration"):
            if treatment.get(field):
                lines.append(f"    {field}: {treatment[field]}")
        reasons(treatment["because"])
        for option in treatment.get("options", []):
            dose = f": {describe_dose(option['dose'])}" if option.get("dose") else ""
            lines.append(f"    option {option['drug']}{dose}")
        for excluded in treatment.get("excluded", []):
            lines.append(f"    not {excluded['drug']}: {excluded['because'][0]['text']}")
    lines.append("MONITORING")
    for item in assessment["monitoring"]:
        when = (
            f"first in {item['first_in_days']} days"
            if item["first_in_days"] is not None
            else "interval set by the vet"
        )
        if item.get("then_at_days"):
            when += ", then at days " + ", ".join(str(d) for d in item["then_at_days"])
        if item["every_days"]:
            when += f", then every {item['every_days']} days"
        lines.append(f"  {item['id']}: {when}")
        reasons(item["because"])
    if assessment["unrecognised"]:
        lines.append("UNRECOGNISED: " + "; ".join(assessment["unrecognised"]))
    lines.append("SOURCES")
    for number, source_id in enumerate(cited, start=1):
        source = knowledge.sources[source_id]
        lines.append(f"  [{number}] {source['citation']} {source['url']}")
    return "\n".join(lines) + "\n"
