"""Visits (weight, signs, conditions, notes) and the lesions charted at each."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from cutis.api.errors import READ, WRITE
from cutis.api.fields import Count, Day, Entry, Flag, Note, Number, OneOf, VoidIn, record_id
from cutis.api.forms import cleaned
from cutis.api.scope import caller, standing_one
from cutis.clinic.forms import VisitForm
from cutis.clinic.models import Dog, Lesion, Visit
from cutis.clinic.services.cases import knowledge
from cutis.clinic.services.lesions import (
    FEATURES,
    MORPHOLOGIES,
    LesionFindings,
    change_lesion,
    chart_lesion,
    lesion_summary,
    live_lesions,
    void_lesion,
)
from cutis.clinic.services.records import record_visit

router = Router(tags=["visits and lesions"])
DOG_ID = record_id("The dog's id")
VISIT_ID = record_id("The visit's id")
LESION_ID = record_id("The lesion's id")

Sign = Annotated[str, OneOf(tuple(knowledge().signs))]
Condition = Annotated[str, OneOf(tuple(knowledge().conditions))]
Region = Annotated[str, OneOf(tuple(knowledge().regions))]
Morphology = Annotated[str, OneOf(MORPHOLOGIES)]
Feature = Annotated[str, OneOf(FEATURES)]
# the size column holds 4 digits before the point and 1 after
SizeCm = Annotated[Decimal, Field(gt=0, max_digits=5, decimal_places=1)]


class VisitOut(Schema):
    id: int
    date: datetime.date
    weight_kg: float
    signs: list[str]
    conditions: list[str]
    notes: str


class VisitIn(Entry):
    date: Day
    weight_kg: Number = Field(description="0.5 to 120 kg, at most 2 decimals")
    signs: list[Sign] = Field(default_factory=list, max_length=50)
    conditions: list[Condition] = Field(default_factory=list, max_length=50)
    notes: Note = ""


def visit_out(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "date": visit.date,
        "weight_kg": float(visit.weight_kg),
        "signs": list(visit.signs),
        "conditions": list(visit.conditions),
        "notes": visit.notes,
    }


def as_typed(value: float) -> str:
    """The number as the client wrote it (200, not 200.0), for the form to check and quote."""
    text = repr(value)
    return text.removesuffix(".0")


def _visit(dog: Dog, visit_id: int) -> Visit:
    return standing_one(dog.visits.all(), visit_id, "no such visit")


@router.get(
    "/dogs/{dog_id}/visits", response={200: list[VisitOut], **READ}, operation_id="list_visits"
)
def list_visits(request: HttpRequest, dog_id: int = DOG_ID) -> Any:
    dog = caller(request).dog(dog_id)
    return [visit_out(visit) for visit in dog.visits.filter(voided_at__isnull=True)]


@router.post(
    "/dogs/{dog_id}/visits", response={201: VisitOut, **WRITE}, operation_id="record_visit"
)
def create_visit(request: HttpRequest, payload: VisitIn, dog_id: int = DOG_ID) -> Any:
    """Record a visit with the web form's checks (weight 0.5 to 120 kg, known signs)."""
    who = caller(request)
    who.clinic_staff()
    dog = who.dog(dog_id)
    data = cleaned(VisitForm({**payload.dict(), "weight_kg": as_typed(payload.weight_kg)}))
    return Status(201, visit_out(record_visit(dog, data)))


class LesionOut(Schema):
    id: int
    visit_id: int
    region: str
    morphology: str
    count: int
    size_cm: float | None
    firm_gritty: bool | None
    features: list[str]
    pruritic: bool | None
    onset: datetime.date | None
    summary: str


class LesionIn(Entry):
    morphology: Morphology
    count: Count = 1
    size_cm: SizeCm | None = None
    firm_gritty: Flag | None = None
    features: list[Feature] = Field(default_factory=list, max_length=len(FEATURES))
    pruritic: Flag | None = None
    onset: Day | None = None

    def findings(self) -> LesionFindings:
        return LesionFindings(
            morphology=self.morphology,
            count=self.count,
            size_cm=self.size_cm,
            firm_gritty=self.firm_gritty,
            features=tuple(self.features),
            pruritic=self.pruritic,
            onset=self.onset,
        )


class NewLesionIn(LesionIn):
    region: Region


def lesion_out(lesion: Lesion) -> dict[str, Any]:
    return {
        "id": lesion.pk,
        "visit_id": lesion.visit_id,
        "region": lesion.region,
        "morphology": lesion.morphology,
        "count": lesion.count,
        "size_cm": None if lesion.size_cm is None else float(lesion.size_cm),
        "firm_gritty": lesion.firm_gritty,
        "features": list(lesion.features),
        "pruritic": lesion.pruritic,
        "onset": lesion.onset,
        "summary": lesion_summary(lesion),
    }


def _lesion(dog: Dog, lesion_id: int) -> Lesion:
    on_standing_visits = Lesion.objects.filter(visit__dog=dog, visit__voided_at__isnull=True)
    return standing_one(on_standing_visits.select_related("visit"), lesion_id, "no such lesion")


@router.get(
    "/dogs/{dog_id}/visits/{visit_id}/lesions",
    response={200: list[LesionOut], **READ},
    operation_id="list_lesions",
)
def list_lesions(request: HttpRequest, dog_id: int = DOG_ID, visit_id: int = VISIT_ID) -> Any:
    visit = _visit(caller(request).dog(dog_id), visit_id)
    return [lesion_out(lesion) for lesion in live_lesions(visit)]


@router.post(
    "/dogs/{dog_id}/visits/{visit_id}/lesions",
    response={201: LesionOut, **WRITE},
    operation_id="chart_lesion",
)
def create_lesion(
    request: HttpRequest, payload: NewLesionIn, dog_id: int = DOG_ID, visit_id: int = VISIT_ID
) -> Any:
    """Chart a lesion on a region of the visit's body map."""
    who = caller(request)
    who.clinic_staff()
    visit = _visit(who.dog(dog_id), visit_id)
    return Status(201, lesion_out(chart_lesion(visit, payload.region, payload.findings())))


@router.put(
    "/dogs/{dog_id}/lesions/{lesion_id}",
    response={200: LesionOut, **WRITE},
    operation_id="change_lesion",
)
def update_lesion(
    request: HttpRequest, payload: LesionIn, dog_id: int = DOG_ID, lesion_id: int = LESION_ID
) -> Any:
    """Correct a charted lesion; the version it replaces stays in its history."""
    who = caller(request)
    who.clinic_staff()
    lesion = _lesion(who.dog(dog_id), lesion_id)
    return lesion_out(change_lesion(lesion, payload.findings()))


@router.post(
    "/dogs/{dog_id}/lesions/{lesion_id}/void",
    response={200: LesionOut, **WRITE},
    operation_id="void_lesion",
)
def void(
    request: HttpRequest, payload: VoidIn, dog_id: int = DOG_ID, lesion_id: int = LESION_ID
) -> Any:
    """Void a lesion with a reason: kept on record and in history, out of the assessment."""
    who = caller(request)
    staff = who.clinic_staff()
    lesion = _lesion(who.dog(dog_id), lesion_id)
    return lesion_out(void_lesion(lesion, reason=payload.reason, voided_by=staff.user))
