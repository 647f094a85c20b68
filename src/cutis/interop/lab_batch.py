"""Many lab results at once, all or nothing, through the same lab service as the web form.

Every entry is stored with `record_lab_value` / `record_test_result` (unit conversion, plausibility,
history, monitoring closed) inside one transaction; any refusal rolls back the whole batch. A dry
run does the same and always rolls back, so a preview says exactly what committing would do.
An entry already on the dog's record (same test, date and canonical value or result) is skipped
and reported, so importing the same file twice stores nothing twice.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction

from cutis.clinic.models import Dog, Observation
from cutis.clinic.services.labs import (
    CultureDetail,
    LabEntryError,
    LabRow,
    canonical_value,
    lab_row,
    record_lab_value,
    record_test_result,
)


@dataclass(frozen=True)
class Problem:
    """Why one entry (a CSV line, a FHIR entry) cannot be stored: where, which field, what."""

    where: str
    field: str
    message: str


@dataclass(frozen=True)
class LabEntry:
    """One result to store: a numeric value with its unit, or a result-type test's result."""

    where: str
    dog: Dog
    code: str
    on: datetime.date
    value: float | None = None
    unit: str = ""
    result: str = ""
    culture: CultureDetail | None = None


@dataclass(frozen=True)
class Outcome:
    entry: LabEntry
    row: LabRow | None = None
    already_recorded: bool = False


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stored: bool = False

    @property
    def observations(self) -> list[Observation]:
        return [o.row.observation for o in self.outcomes if o.row is not None]


def store_lab_entries(
    entries: list[LabEntry],
    recorded_by: User,
    *,
    keep: bool,
    field_names: dict[str, str] | None = None,
) -> BatchResult:
    """Store every entry or none; `keep=False` is the dry run. `field_names` renames the lab
    service's fields (code, unit, value, date, result...) to the caller's (a CSV column, a FHIR
    element) in the problems reported."""
    names = field_names or {}
    result = BatchResult()
    with transaction.atomic():
        for entry in entries:
            try:
                result.outcomes.append(_store(entry, recorded_by))
            except LabEntryError as error:
                field_name = names.get(error.field, error.field)
                result.problems.append(Problem(entry.where, field_name, error.message))
        result.stored = keep and not result.problems
        if not result.stored:
            transaction.set_rollback(True)
    return result


def _store(entry: LabEntry, recorded_by: User) -> Outcome:
    standing = entry.dog.observations.filter(voided_at__isnull=True, code=entry.code, date=entry.on)
    if entry.result:
        existing = standing.filter(result=entry.result).first()
        if existing is not None:
            return Outcome(entry, lab_row(existing), already_recorded=True)
        observation = record_test_result(
            entry.dog,
            code=entry.code,
            result=entry.result,
            culture=entry.culture,
            on=entry.on,
            recorded_by=recorded_by,
        )
        return Outcome(entry, lab_row(observation))
    if entry.value is None:
        raise LabEntryError("value", "no value given")
    canonical = canonical_value(entry.code, entry.value, entry.unit)
    existing = standing.filter(value=canonical).first()
    if existing is not None:
        return Outcome(entry, lab_row(existing), already_recorded=True)
    observation = record_lab_value(
        entry.dog,
        code=entry.code,
        value=entry.value,
        unit=entry.unit,
        on=entry.on,
        recorded_by=recorded_by,
    )
    return Outcome(entry, lab_row(observation))
