"""Lab results: numeric values converted to their canonical unit as the web does, test results,
and voiding. The lab services decide what can be stored; this only parses the request."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from cutis.api.errors import READ, WRITE
from cutis.api.fields import Day, Entry, Flag, Line, Number, OneOf, VoidIn, record_id
from cutis.api.scope import caller, standing_one
from cutis.clinic.models import Dog, Observation
from cutis.clinic.services.labs import (
    RESULT_TESTS,
    all_units,
    antibiotics,
    culture_detail,
    lab_row,
    numeric_tests,
    record_lab_value,
    record_test_result,
    results_for,
    void_observation,
)

router = Router(tags=["lab results"])
DOG_ID = record_id("The dog's id")
OBSERVATION_ID = record_id("The result's id")

NumericCode = Annotated[str, OneOf(tuple(code for code, _ in numeric_tests()))]
Unit = Annotated[str, OneOf(tuple(all_units()))]
ResultCode = Annotated[str, OneOf(RESULT_TESTS)]
Result = Annotated[
    str, OneOf(tuple(dict.fromkeys(r for code in RESULT_TESTS for r in results_for(code))))
]
Antibiotic = Annotated[str, OneOf(tuple(drug for drug, _ in antibiotics()))]


class ObservationOut(Schema):
    id: int
    code: str
    label: str
    date: datetime.date
    value: float | None = Field(description="in the canonical unit")
    unit: str
    entered_value: float | None = Field(description="as typed, before conversion")
    entered_unit: str
    result: str
    detail: dict[str, Any]
    shown: str = Field(description="the value or result as the clinic reads it")
    reference_interval: str
    flag: str = Field(description="high, low or empty")


class ValueIn(Entry):
    code: NumericCode
    value: Number
    unit: Unit = Field(description="one the test accepts; empty for usg, upc, pruritus_vas")
    date: Day


class ResultIn(Entry):
    code: ResultCode
    result: Result
    date: Day
    organism: Line | None = Field(None, description="bacterial culture with growth only")
    susceptible: list[Antibiotic] = Field(default_factory=list, max_length=50)
    resistant: list[Antibiotic] = Field(default_factory=list, max_length=50)
    methicillin_resistant: Flag = False


def observation_out(observation: Observation) -> dict[str, Any]:
    row = lab_row(observation)
    return {
        "id": observation.pk,
        "code": observation.code,
        "label": row.label,
        "date": observation.date,
        "value": observation.value,
        "unit": observation.unit,
        "entered_value": observation.entered_value,
        "entered_unit": observation.entered_unit,
        "result": observation.result,
        "detail": observation.detail or {},
        "shown": row.shown,
        "reference_interval": row.interval,
        "flag": row.flag,
    }


def _observation(dog: Dog, observation_id: int) -> Observation:
    return standing_one(dog.observations.all(), observation_id, "no such result")


@router.get(
    "/dogs/{dog_id}/observations",
    response={200: list[ObservationOut], **READ},
    operation_id="list_observations",
)
def list_observations(request: HttpRequest, dog_id: int = DOG_ID) -> Any:
    """Every standing result, latest first, with reference intervals and flags."""
    dog = caller(request).dog(dog_id)
    standing = dog.observations.filter(voided_at__isnull=True).order_by("-date", "-id")
    return [observation_out(observation) for observation in standing]


@router.post(
    "/dogs/{dog_id}/observations/values",
    response={201: ObservationOut, **WRITE},
    operation_id="record_lab_value",
)
def create_value(request: HttpRequest, payload: ValueIn, dog_id: int = DOG_ID) -> Any:
    """Record a numeric result: stored in its canonical unit, what was sent kept beside it.

    An implausible value for its unit (calcium 2.6 "mg/dL") is refused, naming the likely unit.
    """
    who = caller(request)
    staff = who.clinic_staff()
    observation = record_lab_value(
        who.dog(dog_id),
        code=payload.code,
        value=payload.value,
        unit=payload.unit,
        on=payload.date,
        recorded_by=staff.user,
    )
    return Status(201, observation_out(observation))


@router.post(
    "/dogs/{dog_id}/observations/results",
    response={201: ObservationOut, **WRITE},
    operation_id="record_test_result",
)
def create_result(request: HttpRequest, payload: ResultIn, dog_id: int = DOG_ID) -> Any:
    """Record a biopsy, cytology, scraping, culture (with its panel) or ultrasound result."""
    who = caller(request)
    staff = who.clinic_staff()
    dog = who.dog(dog_id)
    entered_culture = (
        bool(payload.organism or payload.susceptible or payload.resistant)
        or payload.methicillin_resistant
    )
    culture = (
        culture_detail(
            payload.organism or "",
            payload.susceptible,
            payload.resistant,
            payload.methicillin_resistant,
        )
        if entered_culture
        else None
    )
    observation = record_test_result(
        dog,
        code=payload.code,
        result=payload.result,
        culture=culture,
        on=payload.date,
        recorded_by=staff.user,
    )
    return Status(201, observation_out(observation))


@router.post(
    "/dogs/{dog_id}/observations/{observation_id}/void",
    response={200: ObservationOut, **WRITE},
    operation_id="void_observation",
)
def void(
    request: HttpRequest,
    payload: VoidIn,
    dog_id: int = DOG_ID,
    observation_id: int = OBSERVATION_ID,
) -> Any:
    """Void a result with a reason: kept on record and in history, out of the assessment."""
    who = caller(request)
    staff = who.clinic_staff()
    observation = _observation(who.dog(dog_id), observation_id)
    return observation_out(
        void_observation(observation, reason=payload.reason, voided_by=staff.user)
    )
