"""The clinical core's assessment of a dog: shown with its reasons and citations, saved with versions.

What is shown is built from the assessment document alone (plus the knowledge's citations), so a
saved assessment replays exactly as it was assessed, whatever the dog's record says today.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from cutis import Knowledge
from cutis.clinic.models import Dog, SavedAssessment
from cutis.clinic.services.cases import assess_dog
from cutis.core.plan import describe_dose

# the statuses a vet may accept into the plan; "caution" and "contraindicated" need a fresh look
ACCEPTABLE = ("recommended", "consider")


@dataclass(frozen=True)
class Citation:
    number: int
    source_id: str
    text: str
    url: str


@dataclass(frozen=True)
class Reason:
    text: str
    citations: tuple[Citation, ...]
    # what the reason is about when it is not the item itself ("timing", "not oclacitinib")
    about: str = ""


@dataclass(frozen=True)
class Item:
    """One conclusion on a card: what it is, how sure or urgent, details, and why."""

    id: str
    title: str
    status: str = ""
    lines: tuple[str, ...] = ()
    reasons: tuple[Reason, ...] = ()
    # treatments only: the drugs the vet may accept it with, first the engine's choice
    drugs: tuple[tuple[str, str], ...] = ()
    acceptable: bool = False


@dataclass(frozen=True)
class Card:
    id: str
    title: str
    items: tuple[Item, ...]
    empty: str = "Nothing here."


@dataclass(frozen=True)
class ShownAssessment:
    assessed_on: str
    engine_version: str
    knowledge_version: str
    critical: tuple[Item, ...]
    cards: tuple[Card, ...]
    citations: tuple[Citation, ...]
    unrecognised: tuple[str, ...] = field(default=())


def words(identifier: str) -> str:
    """An id as the vet reads it: `iatrogenic_glucocorticoid` → `iatrogenic glucocorticoid`."""
    return identifier.replace("_", " ")


class _Citer:
    """Numbers sources in the order they are first cited, as the text report does."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.cited: dict[str, Citation] = {}

    def citation(self, source_id: str) -> Citation:
        if source_id not in self.cited:
            # a saved assessment may cite a source a later knowledge version no longer holds
            source = self.knowledge.sources.get(source_id)
            text = source["citation"] if source else f"{source_id} (not in the current knowledge)"
            url = source.get("url", "") if source else ""
            self.cited[source_id] = Citation(len(self.cited) + 1, source_id, text, url or "")
        return self.cited[source_id]

    def reasons(self, because: list[dict[str, Any]], about: str = "") -> tuple[Reason, ...]:
        return tuple(
            Reason(
                text=reason["text"],
                citations=tuple(self.citation(source) for source in reason["sources"]),
                about=about,
            )
            for reason in because
        )


def shown(assessment: dict[str, Any], knowledge: Knowledge) -> ShownAssessment:
    """The assessment as cards, critical alerts apart, every reason with numbered citations."""
    citer = _Citer(knowledge)
    alerts = assessment.get("alerts", [])
    critical = tuple(_alert(alert, citer) for alert in alerts if alert["severity"] == "critical")
    suspicion, form = assessment["suspicion"], assessment["form"]
    cards = (
        Card(
            "suspicion",
            "Suspicion of calcinosis cutis",
            (
                Item(
                    "suspicion",
                    suspicion["level"],
                    reasons=citer.reasons(suspicion["because"]),
                ),
            ),
        ),
        Card(
            "form",
            "Form",
            (Item(form["id"], words(form["id"]), reasons=citer.reasons(form["because"])),),
        ),
        Card(
            "causes",
            "Causes",
            tuple(
                Item(
                    cause["id"],
                    words(cause["id"]),
                    cause["likelihood"],
                    reasons=citer.reasons(cause["because"]),
                )
                for cause in assessment["causes"]
            ),
            empty="No cause identified yet.",
        ),
        Card(
            "findings",
            "Findings",
            tuple(_finding(finding, citer) for finding in assessment["findings"]),
            empty="No findings from the results recorded.",
        ),
        Card(
            "diagnostics",
            "Next tests",
            tuple(_diagnostic(test, citer) for test in assessment["diagnostics"]),
            empty="No further tests suggested.",
        ),
        Card(
            "treatments",
            "Plan",
            tuple(
                _treatment(treatment, citer, knowledge) for treatment in assessment["treatments"]
            ),
            empty="No treatment suggested.",
        ),
        Card(
            "monitoring",
            "Monitoring",
            tuple(_monitoring(item, citer) for item in assessment["monitoring"]),
            empty="No monitoring suggested.",
        ),
        Card(
            "alerts",
            "Other alerts",
            tuple(_alert(alert, citer) for alert in alerts if alert["severity"] != "critical"),
            empty="No other alerts.",
        ),
    )
    return ShownAssessment(
        assessed_on=assessment["assessed_on"],
        engine_version=assessment["engine_version"],
        knowledge_version=assessment["knowledge_version"],
        critical=critical,
        cards=cards,
        citations=tuple(citer.cited.values()),
        unrecognised=tuple(assessment.get("unrecognised", [])),
    )


def _alert(alert: dict[str, Any], citer: _Citer) -> Item:
    return Item(
        alert["id"],
        alert["message"],
        alert["severity"],
        reasons=citer.reasons(alert["because"]),
    )


def _finding(finding: dict[str, Any], citer: _Citer) -> Item:
    value = finding.get("value")
    lines = (f"{value} {finding.get('unit', '')}".strip(),) if value is not None else ()
    return Item(
        finding["id"], words(finding["id"]), lines=lines, reasons=citer.reasons(finding["because"])
    )


def _diagnostic(test: dict[str, Any], citer: _Citer) -> Item:
    return Item(
        test["id"],
        f"{test['priority']}. {words(test['id'])}",
        test["status"],
        reasons=citer.reasons(test["because"]) + citer.reasons(test.get("timing", []), "timing"),
    )


def _treatment(treatment: dict[str, Any], citer: _Citer, knowledge: Knowledge) -> Item:
    def drug_name(drug_id: str) -> str:
        drug = knowledge.drugs.get(drug_id)
        return str(drug["name"]) if drug else words(drug_id)

    lines: list[str] = []
    drugs: list[tuple[str, str]] = []
    if treatment.get("drug"):
        dose = treatment.get("dose")
        shown_dose = f": {describe_dose(dose)}" if dose else ""
        lines.append(f"{drug_name(treatment['drug'])}{shown_dose}")
        drugs.append((treatment["drug"], f"{drug_name(treatment['drug'])}{shown_dose}"))
        if dose and dose.get("note"):
            lines.append(f"note: {dose['note']}")
    reasons = citer.reasons(treatment["because"])
    for option in treatment.get("options", []):
        dose = option.get("dose")
        text = f"{drug_name(option['drug'])}: {describe_dose(dose)}" if dose else option["drug"]
        lines.append(f"or {text}")
        drugs.append((option["drug"], text))
        reasons += citer.reasons(option.get("because", []), drug_name(option["drug"]))
    for field_name in ("regimen", "duration"):
        if treatment.get(field_name):
            lines.append(f"{field_name}: {treatment[field_name]}")
    if treatment.get("schedule"):
        steps = ", ".join(
            f"{step['mg']:g} mg from day {step['from_day']}" for step in treatment["schedule"]
        )
        lines.append(f"default taper: {steps}")
    for excluded in treatment.get("excluded", []):
        reasons += citer.reasons(excluded["because"], f"not {drug_name(excluded['drug'])}")
    return Item(
        treatment["id"],
        words(treatment["id"]),
        treatment["status"],
        lines=tuple(lines),
        reasons=reasons,
        drugs=tuple(drugs),
        acceptable=treatment["status"] in ACCEPTABLE,
    )


def _monitoring(item: dict[str, Any], citer: _Citer) -> Item:
    if item["first_in_days"] is None:
        when = "interval set by the vet"
    else:
        when = f"first in {item['first_in_days']} days"
        if item.get("then_at_days"):
            when += ", then at days " + ", ".join(str(day) for day in item["then_at_days"])
        if item.get("every_days"):
            when += f", then every {item['every_days']} days"
    return Item(
        item["id"], words(item["id"]), lines=(when,), reasons=citer.reasons(item["because"])
    )


@transaction.atomic
def save_assessment(dog: Dog, *, saved_by: User, on: datetime.date) -> SavedAssessment:
    """Assess the dog's current record and store it with the engine and knowledge versions.

    Raises cutis.InvalidCase when the record cannot be assessed; nothing is stored then.
    """
    case, assessment = assess_dog(dog, on)
    return SavedAssessment.objects.create(
        dog=dog,
        created_by=saved_by,
        engine_version=assessment["engine_version"],
        knowledge_version=assessment["knowledge_version"],
        case=case,
        assessment=assessment,
    )


@transaction.atomic
def current_saved_assessment(dog: Dog, *, saved_by: User, on: datetime.date) -> SavedAssessment:
    """The latest saved assessment when it still says what the record says now; else a new one."""
    case, assessment = assess_dog(dog, on)
    latest = dog.assessments.order_by("-created", "-id").first()
    if latest is not None and _same(latest.assessment, assessment) and _same(latest.case, case):
        return latest
    return SavedAssessment.objects.create(
        dog=dog,
        created_by=saved_by,
        engine_version=assessment["engine_version"],
        knowledge_version=assessment["knowledge_version"],
        case=case,
        assessment=assessment,
    )


def _same(stored: Any, current: Any) -> bool:
    # what was stored came back through the database as JSON: tuples became lists
    return bool(stored == json.loads(json.dumps(current)))
