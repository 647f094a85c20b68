"""Lab results: numeric values stored in their canonical unit, result-type tests, and voiding.

A value is converted with the factor the knowledge gives for the unit it was typed in; what was
typed is kept beside it. A value that is implausible in its canonical unit is refused, not stored:
it was almost certainly typed in another unit, and a wrong calcium drives wrong advice.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from cutis.clinic.models import Dog, Observation
from cutis.clinic.services.cases import knowledge
from cutis.clinic.services.errors import EntryError
from cutis.clinic.services.monitoring import close_due_items
from cutis.clinic.services.records import void_record

# the result-type tests a clinic records here; any other result code is the assessment's business
RESULT_TESTS = (
    "skin_biopsy",
    "skin_cytology",
    "skin_scraping",
    "bacterial_culture",
    "abdominal_ultrasound",
)
CULTURE = "bacterial_culture"


class LabEntryError(EntryError):
    """A result that cannot be stored as entered."""


@dataclass(frozen=True)
class CultureDetail:
    organism: str
    susceptible: tuple[str, ...]
    resistant: tuple[str, ...]
    methicillin_resistant: bool


@dataclass(frozen=True)
class LabRow:
    """One result as the clinic reads it: value, what was typed, reference interval and flag."""

    observation: Observation
    label: str
    shown: str
    entered: str
    interval: str
    interval_sources: str
    flag: str


def number_text(value: float) -> str:
    """A lab number as a clinician writes it: four significant figures, no exponent."""
    if abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{value:.4g}"


def with_unit(value: float, unit: str) -> str:
    return f"{number_text(value)} {unit}".strip()


def numeric_tests() -> list[tuple[str, str]]:
    """(code, label) of every numeric lab code, in the knowledge's order."""
    return [(code, lab["label"]) for code, lab in knowledge().labs.items() if _is_numeric(lab)]


def result_tests() -> list[tuple[str, str]]:
    return [(code, knowledge().labs[code]["label"]) for code in RESULT_TESTS]


def units_for(code: str) -> list[str]:
    """The units accepted for a numeric code, canonical first; empty for anything else."""
    lab = knowledge().labs.get(code)
    return list(lab["units"]) if lab is not None and _is_numeric(lab) else []


def all_units() -> list[str]:
    """Every unit any numeric code accepts, first-seen order (the picker before a test is chosen)."""
    seen: dict[str, None] = {}
    for code, _label in numeric_tests():
        seen.update(dict.fromkeys(units_for(code)))
    return list(seen)


def results_for(code: str) -> list[str]:
    lab = knowledge().labs.get(code)
    return list(lab["results"]) if lab is not None and code in RESULT_TESTS else []


def result_text(result: str) -> str:
    return result.replace("_", " ")


def antibiotics() -> list[tuple[str, str]]:
    """(drug id, name) of the antibiotics a culture's susceptibility panel can name."""
    drugs = knowledge().drugs
    return [
        (drug_id, drugs[drug_id]["name"]) for drug_id in knowledge().drugs_in_class("antibiotic")
    ]


def canonical_value(code: str, value: float, unit: str) -> float:
    """The value in the code's canonical unit; refuses a unit or a value that cannot be right."""
    lab = knowledge().labs.get(code)
    if lab is None or not _is_numeric(lab):
        raise LabEntryError("code", f"{code!r} is not a numeric lab test")
    units: dict[str, float] = lab["units"]
    if unit not in units:
        shown = unit or "a missing unit"
        accepted = ", ".join(u or "(no unit)" for u in units)
        raise LabEntryError("unit", f"{shown} is not accepted for {lab['label']} (use {accepted})")
    canonical = round(value * units[unit], 6)
    low, high = lab["plausible"]
    if not low <= canonical <= high:
        raise LabEntryError("value", _implausible(lab, value, unit))
    return canonical


def _implausible(lab: dict[str, Any], value: float, unit: str) -> str:
    low, high = lab["plausible"]
    message = f"{with_unit(value, unit)} is not a plausible {lab['label']}"
    # the commonest slip is the other unit on the lab report: name it when it fits
    likely = [
        other
        for other, factor in lab["units"].items()
        if other != unit and low <= value * factor <= high
    ]
    if likely:
        message += f"; was it entered in {likely[0] or 'no unit'}?"
    else:
        message += "; check the value and its unit"
    plausible = f"{number_text(low)}–{number_text(high)} {lab['canonical_unit']}".strip()
    return f"{message} (a plausible value is {plausible})"


def culture_detail(
    organism: str, susceptible: Iterable[str], resistant: Iterable[str], methicillin: bool
) -> CultureDetail:
    """A susceptibility panel; a drug cannot be both susceptible and resistant."""
    known = dict(antibiotics())
    detail = CultureDetail(
        organism=organism.strip(),
        susceptible=tuple(susceptible),
        resistant=tuple(resistant),
        methicillin_resistant=methicillin,
    )
    for field in ("susceptible", "resistant"):
        unknown = [drug for drug in getattr(detail, field) if drug not in known]
        if unknown:
            raise LabEntryError(field, f"{', '.join(unknown)} is not an antibiotic Cutis knows")
    both = [known[drug] for drug in detail.resistant if drug in detail.susceptible]
    if both:
        raise LabEntryError("resistant", f"{', '.join(both)} is also marked susceptible")
    return detail


@transaction.atomic
def record_lab_value(
    dog: Dog,
    *,
    code: str,
    value: float,
    unit: str,
    on: datetime.date,
    recorded_by: User,
) -> Observation:
    """Store a numeric result in its canonical unit, keeping what was typed."""
    canonical = canonical_value(code, value, unit)
    _refuse_future(on)
    observation = Observation.objects.create(
        dog=dog,
        code=code,
        date=on,
        value=canonical,
        unit=knowledge().labs[code]["canonical_unit"],
        entered_value=value,
        entered_unit=unit,
        recorded_by=recorded_by,
    )
    close_due_items(observation)
    return observation


@transaction.atomic
def record_test_result(
    dog: Dog,
    *,
    code: str,
    result: str,
    culture: CultureDetail | None,
    on: datetime.date,
    recorded_by: User,
) -> Observation:
    """Store a result-type test; a culture with growth carries its organism and panel."""
    if code not in RESULT_TESTS:
        raise LabEntryError("code", f"{code!r} is not a result-type test")
    accepted = results_for(code)
    if result not in accepted:
        label = knowledge().labs[code]["label"]
        choices = ", ".join(result_text(r) for r in accepted)
        raise LabEntryError(
            "result", f"{result_text(result)} is not a result of {label} ({choices})"
        )
    growth = code == CULTURE and result == "growth"
    if culture is not None and not growth:
        raise LabEntryError("organism", "only a bacterial culture with growth has an organism")
    if growth and (culture is None or not culture.organism):
        raise LabEntryError("organism", "name the organism the culture grew")
    _refuse_future(on)
    detail: dict[str, Any] = {}
    if growth and culture is not None:
        detail = {
            "organism": culture.organism,
            "susceptible": list(culture.susceptible),
            "resistant": list(culture.resistant),
            "methicillin_resistant": culture.methicillin_resistant,
        }
    observation = Observation.objects.create(
        dog=dog, code=code, date=on, result=result, detail=detail, recorded_by=recorded_by
    )
    close_due_items(observation)
    return observation


@transaction.atomic
def void_observation(observation: Observation, *, reason: str, voided_by: User) -> Observation:
    """Void a result with a reason: it stays on record and in history, out of the reasoning."""
    return void_record(
        observation, reason=reason, voided_by=voided_by, what="result", error=LabEntryError
    )


def _refuse_future(on: datetime.date) -> None:
    if on > timezone.localdate():
        raise LabEntryError("date", f"{on.isoformat()} is in the future")


def flag_for(code: str, value: float | None) -> str:
    """'high', 'low' or '' against the code's reference interval (canonical units)."""
    lab = knowledge().labs.get(code)
    interval = lab.get("reference_interval") if lab is not None else None
    if value is None or not interval:
        return ""
    if interval.get("high") is not None and value > interval["high"]:
        return "high"
    if interval.get("low") is not None and value < interval["low"]:
        return "low"
    return ""


def interval_text(code: str) -> tuple[str, str]:
    """The reference interval as shown ('9–11.5 mg/dL') and its sources' citations."""
    lab = knowledge().labs.get(code)
    interval = lab.get("reference_interval") if lab is not None else None
    if lab is None or not interval:
        return "", ""
    low, high, unit = interval.get("low"), interval.get("high"), lab["canonical_unit"]
    if low is not None and high is not None:
        shown = f"{number_text(low)}–{number_text(high)}"
    elif high is not None:
        shown = f"≤ {number_text(high)}"
    else:
        shown = f"≥ {number_text(low)}"
    return f"{shown} {unit}".strip(), citations(interval.get("sources", []))


def citations(source_ids: Iterable[str]) -> str:
    sources = knowledge().sources
    return "; ".join(sources[s]["citation"] for s in source_ids if s in sources)


def lab_row(observation: Observation) -> LabRow:
    lab = knowledge().labs.get(observation.code)
    label = lab["label"] if lab is not None else observation.code
    if observation.result:
        return LabRow(
            observation=observation,
            label=label,
            shown=_result_shown(observation),
            entered="",
            interval="",
            interval_sources="",
            flag="",
        )
    value = observation.value
    shown = with_unit(value, observation.unit) if value is not None else ""
    entered = ""
    if observation.entered_value is not None and observation.entered_unit != observation.unit:
        entered = with_unit(observation.entered_value, observation.entered_unit)
    interval, sources = interval_text(observation.code)
    return LabRow(
        observation=observation,
        label=label,
        shown=shown,
        entered=entered,
        interval=interval,
        interval_sources=sources,
        flag=flag_for(observation.code, value),
    )


def lab_rows(observations: Iterable[Observation]) -> list[LabRow]:
    return [lab_row(observation) for observation in observations]


def latest_lab_rows(dog: Dog) -> list[LabRow]:
    """The latest standing result of each code, most recent first (what the reasoning uses)."""
    latest: dict[str, Observation] = {}
    for observation in dog.observations.filter(voided_at__isnull=True).order_by("-date", "-id"):
        latest.setdefault(observation.code, observation)
    return lab_rows(latest.values())


def _result_shown(observation: Observation) -> str:
    shown = result_text(observation.result)
    detail = observation.detail or {}
    if observation.code != CULTURE or not detail:
        return shown
    names = dict(antibiotics())
    parts = [f"{shown}: {detail.get('organism') or 'organism not named'}"]
    for field in ("susceptible", "resistant"):
        drugs = [names.get(drug, drug) for drug in detail.get(field, [])]
        if drugs:
            parts.append(f"{field} to {', '.join(drugs)}")
    if detail.get("methicillin_resistant"):
        parts.append("methicillin-resistant")
    return "; ".join(parts)


def _is_numeric(lab: dict[str, Any]) -> bool:
    return bool(lab["kind"] == "numeric")
