"""Field types of the API's request bodies: bounded so that no input reaches the database unchecked.

Bounds here are the storage's and the calendar's, not clinical ones: the clinical rules stay in
the clinic services, which refuse with a field-named message (422) whatever the caller.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Annotated, Any

from ninja import Schema
from ninja.params.functions import Path
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    StrictBool,
    WithJsonSchema,
)
from pydantic import StringConstraints as Text
from pydantic_core import core_schema

# the largest id either database stores (a 64-bit signed integer)
MAX_ID = 2**63 - 1
# the largest count a lesion row stores (a 32-bit signed integer)
MAX_COUNT = 2**31 - 1
# a date that arithmetic on (a taper's steps, a check's due date) cannot push off the calendar
EARLIEST, LATEST = datetime.date(1900, 1, 1), datetime.date(2199, 12, 31)
# PostgreSQL refuses NUL in text: such a string is refused here, not with a 500 there
NO_NUL = r"^[^\x00]*$"

Name = Annotated[str, Text(min_length=1, max_length=100, pattern=NO_NUL)]
Line = Annotated[str, Text(max_length=200, pattern=NO_NUL)]
Email = Annotated[
    str,
    Text(min_length=3, max_length=254, pattern=NO_NUL),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 254}),
]
Reason = Annotated[str, Text(min_length=1, max_length=300, pattern=NO_NUL)]
Note = Annotated[str, Text(max_length=10_000, pattern=NO_NUL)]
# strict: a number is a JSON number, a flag true or false; "12.5" or 1 are refused, not guessed
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Count = Annotated[int, Strict(), Field(ge=1, le=MAX_COUNT)]
Flag = StrictBool


def _iso_text(value: object) -> object:
    # pydantic would read 0 as 1970-01-01: a date must be written as one
    if not isinstance(value, str):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


def _in_calendar(day: datetime.date) -> datetime.date:
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST} (got {day})")
    return day


Day = Annotated[datetime.date, BeforeValidator(_iso_text), AfterValidator(_in_calendar)]


@dataclass(frozen=True)
class OneOf:
    """A string that must be one of `values` (ids of the public spec), documented as an enum."""

    values: tuple[str, ...]

    def check(self, value: str) -> str:
        if value not in self.values:
            shown = ", ".join(v or "(empty)" for v in self.values[:12])
            more = ", …" if len(self.values) > 12 else ""
            raise ValueError(f"{value!r} is not one of {shown}{more}")
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.values)}


def record_id(description: str) -> Any:
    return Path(..., ge=1, le=MAX_ID, description=description, example=1)


class Entry(Schema):
    """A request body: a field the API does not know is refused, not silently dropped (a typo
    must not lose clinical data, as the case format says)."""

    model_config = ConfigDict(extra="forbid")


class VoidIn(Entry):
    """Why a record is voided: required, kept with the record."""

    reason: Reason
