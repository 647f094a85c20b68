"""From a dog's record to a cutis-case/1 document, and to its assessment by the clinical core."""

from __future__ import annotations

import datetime
import functools
from typing import Any

from cutis import Knowledge, assess, load_knowledge, parse_case
from cutis.clinic.models import Dog, Lesion, Visit


@functools.cache
def knowledge() -> Knowledge:
    """Loaded once per process: the compiled snapshot, validated when it was built."""
    return load_knowledge()


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def latest_visit(dog: Dog) -> Visit | None:
    return dog.visits.filter(voided_at__isnull=True).order_by("-date", "-id").first()


def _lesions_of(visit: Visit) -> list[Lesion]:
    return list(visit.lesions.filter(voided_at__isnull=True).order_by("id"))


def charted_lesions(dog: Dog, latest: Visit | None) -> list[Lesion]:
    """The not-voided lesions the case charts: the latest visit's own when it has any (the visit
    the query below would pick anyway), which spares that query on the usual page."""
    if latest is None:
        return []
    lesions = _lesions_of(latest)
    if lesions:
        return lesions
    charted = (
        # both conditions on one lesion row: a visit with at least one standing lesion
        dog.visits.filter(
            voided_at__isnull=True, lesions__isnull=False, lesions__voided_at__isnull=True
        )
        .order_by("-date", "-id")
        .first()
    )
    return [] if charted is None else _lesions_of(charted)


def case_for(dog: Dog, on: datetime.date) -> dict[str, Any]:
    """The dog's current record as the public case format.

    Signs, conditions, exposures and trauma come from the latest visit; lesions from the latest
    visit that charted any; every lab result counts (the core keeps the latest of each code).
    """
    visit = latest_visit(dog)
    medications = [
        {
            key: value
            for key, value in {
                "drug": medication.drug,
                "class": medication.drug_class or None,
                "dose_mg": _number(medication.dose_mg),
                "interval_hours": _number(medication.interval_hours),
                "route": medication.route or None,
                "start": medication.start.isoformat(),
                "end": medication.end.isoformat() if medication.end else None,
                "reason": medication.reason or None,
            }.items()
            if value is not None or key == "end"
        }
        for medication in dog.medications.filter(voided_at__isnull=True)
    ]
    lesions = []
    for lesion in charted_lesions(dog, visit):
        entry: dict[str, Any] = {
            "region": lesion.region,
            "morphology": lesion.morphology,
            "count": lesion.count,
            "features": list(lesion.features),
        }
        if lesion.size_cm is not None:
            entry["size_cm"] = float(lesion.size_cm)
        if lesion.firm_gritty is not None:
            entry["firm_gritty"] = lesion.firm_gritty
        if lesion.pruritic is not None:
            entry["pruritic"] = lesion.pruritic
        if lesion.onset is not None:
            entry["onset"] = lesion.onset.isoformat()
        lesions.append(entry)
    observations = []
    for observation in dog.observations.filter(voided_at__isnull=True).order_by("date", "id"):
        if observation.result:
            item: dict[str, Any] = {
                "code": observation.code,
                "result": observation.result,
                "date": observation.date.isoformat(),
            }
            if observation.detail:
                item["detail"] = observation.detail
        else:
            item = {
                "code": observation.code,
                "value": observation.value,
                "unit": observation.unit,
                "date": observation.date.isoformat(),
            }
        observations.append(item)
    return {
        "format": "cutis-case/1",
        "assessed_on": on.isoformat(),
        "patient": {
            "name": dog.name,
            "species": "dog",
            "breed": dog.breed or None,
            "sex": dog.sex,
            "birth_date": dog.birth_date.isoformat(),
            "weight_kg": float(visit.weight_kg) if visit else None,
        },
        "history": {
            "medications": medications,
            "signs": list(visit.signs) if visit else [],
            "conditions": list(visit.conditions) if visit else [],
            "exposures": list(visit.exposures) if visit else [],
            "skin_trauma": list(visit.skin_trauma) if visit else [],
        },
        "lesions": lesions,
        "observations": observations,
        "extensions": {"cutis_dog_id": dog.pk},
    }


def assess_dog(dog: Dog, on: datetime.date) -> tuple[dict[str, Any], dict[str, Any]]:
    """The case and its assessment; raises cutis.InvalidCase when the record is incomplete."""
    document = case_for(dog, on)
    case = parse_case(document, knowledge())
    return document, assess(case, knowledge(), on)
