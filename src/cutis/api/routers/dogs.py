"""Dogs, their medications and their current assessment."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from cutis.api.errors import CHECKED_READ, CREATE, READ, UNSCOPED, WRITE
from cutis.api.fields import Day, Email, Entry, Line, Name, Number, OneOf, record_id
from cutis.api.forms import cleaned
from cutis.api.public_formats import ASSESSMENT, json_response
from cutis.api.scope import caller
from cutis.clinic.forms import DogForm, MedicationForm
from cutis.clinic.models import ROUTE_CHOICES, SEX_CHOICES, Dog, Medication
from cutis.clinic.services.cases import assess_dog
from cutis.clinic.services.records import record_medication, register_dog

router = Router(tags=["dogs"])
DOG_ID = record_id("The dog's id")

Sex = Annotated[str, OneOf(tuple(sex for sex, _ in SEX_CHOICES))]
Route = Annotated[str, OneOf(("", *(route for route, _ in ROUTE_CHOICES)))]


class OwnerOut(Schema):
    id: int
    name: str


class DogOut(Schema):
    id: int
    name: str
    breed: str
    sex: str
    birth_date: datetime.date
    owners: list[OwnerOut]


class DogIn(Entry):
    name: Name
    breed: Line = ""
    sex: Sex = "unknown"
    birth_date: Day
    owner_name: Line = ""
    owner_email: Email | None = None


def dog_out(dog: Dog) -> dict[str, Any]:
    return {
        "id": dog.pk,
        "name": dog.name,
        "breed": dog.breed,
        "sex": dog.sex,
        "birth_date": dog.birth_date,
        "owners": [
            {"id": owner.pk, "name": owner.name}
            for owner in dog.owners.all()
            if not owner.is_voided
        ],
    }


@router.get("/dogs", response={200: list[DogOut], **UNSCOPED}, operation_id="list_dogs")
def list_dogs(request: HttpRequest) -> Any:
    """The caller's dogs: their clinic's, or for an owner their own."""
    return [dog_out(dog) for dog in caller(request).dogs().prefetch_related("owners")]


@router.post("/dogs", response={201: DogOut, **CREATE}, operation_id="register_dog")
def create_dog(request: HttpRequest, payload: DogIn) -> Any:
    """Register a dog in the caller's clinic (staff only), optionally with a new owner."""
    staff = caller(request).clinic_staff()
    data = cleaned(DogForm(payload.dict()))
    return Status(201, dog_out(register_dog(staff.clinic, data)))


@router.get("/dogs/{dog_id}", response={200: DogOut, **READ}, operation_id="get_dog")
def get_dog(request: HttpRequest, dog_id: int = DOG_ID) -> Any:
    return dog_out(caller(request).dog(dog_id))


@router.get(
    "/dogs/{dog_id}/assessment",
    response={200: dict[str, Any], **CHECKED_READ},
    operation_id="assess_dog",
    openapi_extra={
        "responses": {200: json_response(ASSESSMENT, "The cutis-assessment/1 of the record now.")}
    },
)
def assessment(request: HttpRequest, dog_id: int = DOG_ID) -> Any:
    """The clinical core's assessment of the dog's record today (not saved).

    422 when the record is incomplete (for example no visit with a weight), naming what is missing.
    """
    _case, result = assess_dog(caller(request).dog(dog_id), timezone.localdate())
    return result


class MedicationOut(Schema):
    id: int
    drug: str
    dose_mg: float | None
    interval_hours: float | None
    route: str
    start: datetime.date
    end: datetime.date | None
    reason: str


class MedicationIn(Entry):
    drug: Name
    dose_mg: Number | None = None
    interval_hours: Number | None = None
    route: Route = ""
    start: Day
    end: Day | None = None
    reason: Line = ""


def medication_out(medication: Medication) -> dict[str, Any]:
    def plain(value: Any) -> float | None:
        return None if value is None else float(value)

    return {
        "id": medication.pk,
        "drug": medication.drug,
        "dose_mg": plain(medication.dose_mg),
        "interval_hours": plain(medication.interval_hours),
        "route": medication.route,
        "start": medication.start,
        "end": medication.end,
        "reason": medication.reason,
    }


@router.get(
    "/dogs/{dog_id}/medications",
    response={200: list[MedicationOut], **READ},
    operation_id="list_medications",
)
def list_medications(request: HttpRequest, dog_id: int = DOG_ID) -> Any:
    dog = caller(request).dog(dog_id)
    return [medication_out(m) for m in dog.medications.filter(voided_at__isnull=True)]


@router.post(
    "/dogs/{dog_id}/medications",
    response={201: MedicationOut, **WRITE},
    operation_id="record_medication",
)
def create_medication(request: HttpRequest, payload: MedicationIn, dog_id: int = DOG_ID) -> Any:
    """Record a medication the dog is or was on (the web form's checks: end not before start)."""
    who = caller(request)
    who.clinic_staff()
    dog = who.dog(dog_id)
    data = cleaned(MedicationForm({k: v for k, v in payload.dict().items() if v is not None}))
    return Status(201, medication_out(record_medication(dog, data)))
