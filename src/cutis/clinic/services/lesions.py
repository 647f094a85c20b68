"""Charting lesions on a visit's body map: add, change and void, each in one transaction.

The ids (regions, morphologies, features) are the public case format's, so whatever is charted
here is a lesion the clinical core can reason about. simple-history keeps every version.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from cutis.clinic.models import MORPHOLOGY_CHOICES, Lesion, Visit
from cutis.clinic.services.cases import knowledge
from cutis.clinic.services.errors import EntryError
from cutis.clinic.services.records import void_record

# the case format's lesion features (spec README, `lesions[].features`): ids never change
FEATURE_LABELS = {
    "erythema": "erythema",
    "white_yellow_crust": "white/yellow crust",
    "dark_crust": "dark crust",
    "ulceration": "ulceration",
    "draining_tract": "draining tract",
    "chalky_discharge": "chalky discharge",
    "alopecia": "alopecia",
    "swelling": "swelling",
    "tenderness": "tenderness",
}
FEATURES = tuple(FEATURE_LABELS)
MORPHOLOGIES = tuple(morphology for morphology, _ in MORPHOLOGY_CHOICES)


class LesionEntryError(EntryError):
    """A lesion that cannot be stored as entered."""


@dataclass(frozen=True)
class LesionFindings:
    """What the clinician saw in one region: the fields of `lesions[]` in the case format."""

    morphology: str
    count: int
    size_cm: Decimal | None = None
    firm_gritty: bool | None = None
    features: tuple[str, ...] = ()
    pruritic: bool | None = None
    onset: datetime.date | None = None


def region_label(region: str) -> str:
    entry = knowledge().regions.get(region)
    return str(entry["label"]) if entry else region


def is_region(region: str) -> bool:
    return region in knowledge().regions


def live_lesions(visit: Visit) -> list[Lesion]:
    return list(visit.lesions.filter(voided_at__isnull=True).order_by("id"))


def lesions_by_region(visit: Visit) -> dict[str, list[Lesion]]:
    """The visit's lesions that stand (not voided), grouped in the knowledge's region order."""
    grouped: dict[str, list[Lesion]] = defaultdict(list)
    for lesion in live_lesions(visit):
        grouped[lesion.region].append(lesion)
    # a region the knowledge no longer lists still shows, last, rather than vanish
    order = {region: index for index, region in enumerate(knowledge().regions)}
    return dict(sorted(grouped.items(), key=lambda item: order.get(item[0], len(order))))


def lesion_summary(lesion: Lesion) -> str:
    """One line a clinician reads at a glance: `3 plaques, 2.5 cm, firm/gritty; erythema`."""
    noun = lesion.morphology if lesion.count == 1 else f"{lesion.morphology}s"
    parts = [f"{lesion.count} {noun}"]
    if lesion.size_cm is not None:
        parts.append(f"up to {lesion.size_cm.normalize():f} cm")
    if lesion.firm_gritty is not None:
        parts.append("firm/gritty" if lesion.firm_gritty else "not firm/gritty")
    if lesion.pruritic is not None:
        parts.append("pruritic" if lesion.pruritic else "not pruritic")
    summary = ", ".join(parts)
    if lesion.features:
        summary += "; " + ", ".join(FEATURE_LABELS.get(f, f) for f in lesion.features)
    if lesion.onset is not None:
        summary += f"; onset {lesion.onset.isoformat()}"
    return summary


def _check(visit: Visit, findings: LesionFindings) -> None:
    if findings.morphology not in MORPHOLOGIES:
        raise LesionEntryError(
            "morphology", f"{findings.morphology!r} is not one of {', '.join(MORPHOLOGIES)}"
        )
    if findings.count < 1:
        raise LesionEntryError("count", f"must be at least 1 (got {findings.count})")
    if findings.size_cm is not None and findings.size_cm <= 0:
        raise LesionEntryError("size_cm", f"must be more than 0 cm (got {findings.size_cm})")
    unknown = sorted(set(findings.features) - set(FEATURES))
    if unknown:
        raise LesionEntryError("features", f"unknown feature {', '.join(unknown)}")
    if findings.onset is not None:
        if findings.onset > timezone.localdate():
            raise LesionEntryError("onset", f"{findings.onset.isoformat()} is in the future")
        if findings.onset > visit.date:
            raise LesionEntryError(
                "onset",
                f"{findings.onset.isoformat()} is after the visit ({visit.date.isoformat()})",
            )


def _apply(lesion: Lesion, findings: LesionFindings) -> None:
    lesion.morphology = findings.morphology
    lesion.count = findings.count
    lesion.size_cm = findings.size_cm
    lesion.firm_gritty = findings.firm_gritty
    # stored in the spec's order, whatever order they were ticked in
    lesion.features = [feature for feature in FEATURES if feature in findings.features]
    lesion.pruritic = findings.pruritic
    lesion.onset = findings.onset


@transaction.atomic
def chart_lesion(visit: Visit, region: str, findings: LesionFindings) -> Lesion:
    """Add a lesion to a region of a visit's body map."""
    if visit.is_voided:
        raise LesionEntryError("__all__", "this visit was voided: chart on a current visit")
    if not is_region(region):
        raise LesionEntryError("__all__", f"{region!r} is not a body map region")
    _check(visit, findings)
    lesion = Lesion(visit=visit, region=region)
    _apply(lesion, findings)
    lesion.save()
    return lesion


@transaction.atomic
def change_lesion(lesion: Lesion, findings: LesionFindings) -> Lesion:
    """Correct a charted lesion; the version it replaces stays in its history."""
    locked = Lesion.objects.select_for_update().select_related("visit").get(pk=lesion.pk)
    if locked.is_voided:
        raise LesionEntryError("__all__", f"this lesion was voided ({locked.void_reason})")
    _check(locked.visit, findings)
    _apply(locked, findings)
    locked.save()
    return locked


@transaction.atomic
def void_lesion(lesion: Lesion, *, reason: str, voided_by: User) -> Lesion:
    """Void a lesion with a reason: it stays on record and in history, off the map and the case."""
    return void_record(
        lesion, reason=reason, voided_by=voided_by, what="lesion", error=LesionEntryError
    )
