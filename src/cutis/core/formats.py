"""Types of the public documents (cutis-case/1 in, cutis-assessment/1 out) for the type checker.

The engine imports this module only under TYPE_CHECKING: `typing` costs a measurable share of the
CLI's start-up budget, and at run time these are plain dicts and lists.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal, NotRequired, TypedDict

JSON = dict[str, Any]


class Patient(TypedDict):
    name: str | None
    species: str
    breed: str | None
    sex: str
    age_years: float
    birth_date: datetime.date | None
    weight_kg: float


class Medication(TypedDict):
    drug: str
    known: bool
    drug_class: str | None
    dose_mg: float | None
    interval_hours: float | None
    route: str | None
    start: datetime.date
    end: datetime.date | None
    reason: str | None


class Exposure(TypedDict):
    agent: str
    date: datetime.date | None


class SkinTrauma(TypedDict):
    region: str
    kind: str
    date: datetime.date | None


class History(TypedDict):
    medications: list[Medication]
    signs: list[str]
    conditions: list[str]
    exposures: list[Exposure]
    skin_trauma: list[SkinTrauma]


class Lesion(TypedDict):
    region: str
    morphology: str
    count: int
    size_cm: float | None
    firm_gritty: bool | None
    features: list[str]
    pruritic: bool | None
    onset: datetime.date | None


class Observation(TypedDict):
    index: int
    code: str
    value: float | None
    unit: str | None
    result: str | None
    detail: JSON
    date: datetime.date


class Case(TypedDict):
    """A validated case: ids checked, dates parsed, age known, unknown drugs marked."""

    assessed_on: datetime.date | None
    patient: Patient
    history: History
    lesions: list[Lesion]
    observations: list[Observation]
    extensions: JSON


class Because(TypedDict):
    rule: str
    text: str
    owner_text: str
    sources: list[str]


Severity = Literal["critical", "warning", "info"]


class Product(TypedDict):
    strength_mg: float
    units: float
    form: str
    mg: float


class Dose(TypedDict):
    mg_per_kg: float
    mg: float
    interval_hours: float
    route: str
    target_mg_per_kg: float
    range_mg_per_kg: list[float]
    per_day: bool
    within_range: bool
    product: Product | None
    note: NotRequired[str]


class DrugChoice(TypedDict):
    drug: str
    dose: Dose | None
    because: list[Because]


class Excluded(TypedDict):
    drug: str
    because: list[Because]


class Treatment(TypedDict):
    id: str
    status: str
    priority: int
    drug: NotRequired[str]
    dose: NotRequired[Dose | None]
    options: NotRequired[list[DrugChoice]]
    excluded: NotRequired[list[Excluded]]
    regimen: NotRequired[str]
    schedule: NotRequired[list[JSON]]
    duration: NotRequired[str]
    because: list[Because]


class Finding(TypedDict):
    id: str
    code: NotRequired[str]
    value: NotRequired[float | str | None]
    unit: NotRequired[str]
    because: list[Because]


class Cause(TypedDict):
    id: str
    likelihood: str
    because: list[Because]


class Diagnostic(TypedDict):
    id: str
    status: str
    priority: int
    timing: NotRequired[list[Because]]
    because: list[Because]


class Monitoring(TypedDict):
    id: str
    first_in_days: int | None
    every_days: int | None
    then_at_days: NotRequired[list[int]]
    because: list[Because]


class Alert(TypedDict):
    id: str
    severity: Severity
    message: str
    owner_message: str
    because: list[Because]


class Verdict(TypedDict):
    because: list[Because]


class Suspicion(Verdict):
    level: str


class Form(Verdict):
    id: str
