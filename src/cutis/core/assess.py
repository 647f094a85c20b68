"""The assessment: a validated case, a knowledge snapshot and a date in; a cutis-assessment/1 out."""

from __future__ import annotations

from cutis.core.alerts import alerts
from cutis.core.diagnosis import Picture, causes, form, suspicion
from cutis.core.explain import Reasons
from cutis.core.facts import Facts
from cutis.core.findings import lab_findings
from cutis.core.monitoring import monitoring
from cutis.core.plan import treatments
from cutis.core.workup import diagnostics

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as True

if TYPE_CHECKING:
    import datetime

    from cutis.core.formats import JSON, Case
    from cutis.knowledge import Knowledge

ENGINE_VERSION = "0.1.0"
ASSESSMENT_FORMAT = "cutis-assessment/1"


def assess(case: Case, knowledge: Knowledge, as_of: datetime.date) -> JSON:
    """Assess a validated case. Pure: reads no file, clock, database or network.

    `as_of` is used when the case has no `assessed_on`; durations are measured to that date.
    """
    on = case["assessed_on"] or as_of
    reasons = Reasons(knowledge)
    facts = Facts(case, knowledge, on)
    findings = lab_findings(facts, reasons)
    picture = Picture(facts, {finding["id"] for finding in findings})
    suspected = suspicion(facts, picture, reasons)
    form_found = form(facts, picture, reasons)
    ranked = causes(facts, picture, form_found["id"], reasons)
    likelihoods = {cause["id"]: cause["likelihood"] for cause in ranked}
    tests = diagnostics(facts, picture, form_found["id"], likelihoods, reasons)
    plan = treatments(facts, picture, form_found["id"], suspected["level"], likelihoods, reasons)
    return {
        "format": ASSESSMENT_FORMAT,
        "engine_version": ENGINE_VERSION,
        "knowledge_version": knowledge.version,
        "assessed_on": on.isoformat(),
        "patient": {
            "name": case["patient"]["name"],
            "weight_kg": facts.weight_kg,
            "age_years": round(facts.age_years, 2),
        },
        "suspicion": suspected,
        "form": form_found,
        "causes": ranked,
        "findings": findings,
        "diagnostics": tests,
        "treatments": plan,
        "monitoring": monitoring(facts, plan, reasons),
        "alerts": alerts(facts, picture, tests, plan, reasons),
        "unrecognised": facts.unrecognised,
    }
