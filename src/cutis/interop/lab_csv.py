"""Lab results from a CSV file: a preview of every row, then all rows stored or none.

The format (README, "Interoperability"): UTF-8, comma-separated, a header row naming the columns
`dog_id,code,value,unit,date` in any order; one numeric result per row; `code` a Cutis lab code
(or a LOINC code the knowledge maps); `unit` as the lab printed it (empty for unitless tests);
`date` as YYYY-MM-DD. A dog id that is not one of the clinic's dogs is "unknown dog", whoever's
dog it may be. The preview returns the file's SHA-256; committing needs it, so what is stored is
exactly what was previewed.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import math
from dataclasses import dataclass, field

from django.contrib.auth.models import User

from cutis.clinic.models import Clinic, Dog, Observation
from cutis.clinic.services.cases import knowledge
from cutis.clinic.services.labs import LabRow, numeric_tests, with_unit
from cutis.interop import codes
from cutis.interop.lab_batch import LabEntry, Problem, store_lab_entries

COLUMNS = ("dog_id", "code", "value", "unit", "date")
LARGEST_ID = 2**63 - 1  # a bigger number names no dog, and no database could be asked for it


def dog_number(text: str) -> int | None:
    """The dog id a cell names: ASCII digits within a database key's range, else none."""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= LARGEST_ID else None


MAX_ROWS = 5000
# set on a row whose cell count differs from the header's (a stray comma shifts every column)
WIDTH = "(cells)"


@dataclass(frozen=True)
class CsvRow:
    """One line as read, and what it would store (canonical value and flag) or why not."""

    line: int
    cells: dict[str, str]
    dog: Dog | None = None
    label: str = ""
    stored: LabRow | None = None
    already_recorded: bool = False
    problems: tuple[Problem, ...] = ()


@dataclass
class CsvPreview:
    sha256: str
    rows: list[CsvRow] = field(default_factory=list)
    # problems with the file as a whole (encoding, header, size): no row is read then
    file_problems: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return [problem for row in self.rows for problem in row.problems]

    @property
    def ok(self) -> bool:
        return not self.file_problems and not self.problems and bool(self.rows)


@dataclass
class CsvResult:
    preview: CsvPreview
    committed: bool = False
    observations: list[Observation] = field(default_factory=list)


def file_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def decode(data: bytes) -> str | None:
    """The file's text (UTF-8, with or without a byte-order mark), or None."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def preview_lab_csv(clinic: Clinic, text: str, by_user: User) -> CsvPreview:
    """Every row checked as committing would check it, and nothing stored."""
    return _run(clinic, text, by_user, keep=False).preview


def commit_lab_csv(clinic: Clinic, text: str, by_user: User, *, expected_sha256: str) -> CsvResult:
    """Store every row or none; refused unless the file is the one previewed (its SHA-256)."""
    if file_sha256(text) != expected_sha256:
        preview = CsvPreview(sha256=file_sha256(text))
        preview.file_problems.append(
            "the file is not the one previewed (its SHA-256 differs): preview it again"
        )
        return CsvResult(preview)
    return _run(clinic, text, by_user, keep=True)


def _run(clinic: Clinic, text: str, by_user: User, *, keep: bool) -> CsvResult:
    preview = CsvPreview(sha256=file_sha256(text))
    rows = _read(text, preview)
    if preview.file_problems:
        return CsvResult(preview)
    dogs = _dogs(clinic, rows)
    parsed = [_parse(line, cells, dogs) for line, cells in rows]
    entries = [entry for _row, entry in parsed if entry is not None]
    if not entries and not any(row.problems for row, _entry in parsed):
        preview.file_problems.append("the file has a header but no rows")
        return CsvResult(preview)
    # rows with their own problems are not tried; the rest go through the lab service
    batch = store_lab_entries(entries, by_user, keep=keep and len(entries) == len(parsed))
    outcomes = {outcome.entry.where: outcome for outcome in batch.outcomes}
    refused: dict[str, list[Problem]] = {}
    for problem in batch.problems:
        refused.setdefault(problem.where, []).append(problem)
    for row, entry in parsed:
        if entry is not None:
            outcome = outcomes.get(entry.where)
            row = CsvRow(
                line=row.line,
                cells=row.cells,
                dog=row.dog,
                label=row.label,
                stored=outcome.row if outcome else None,
                already_recorded=bool(outcome and outcome.already_recorded),
                problems=tuple(refused.get(entry.where, ())),
            )
        preview.rows.append(row)
    return CsvResult(preview, committed=batch.stored, observations=batch.observations)


def _read(text: str, preview: CsvPreview) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        preview.file_problems.append("the file is empty: the first line names the columns")
        return []
    except csv.Error as error:
        preview.file_problems.append(f"line 1: {error}")
        return []
    missing = [name for name in COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing:
        preview.file_problems.append(
            f"the header lacks {', '.join(missing)} (columns: {', '.join(COLUMNS)})"
        )
    if unknown:
        preview.file_problems.append(f"unknown column {', '.join(map(repr, unknown))}")
    if missing or unknown:
        return []
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_ROWS:
                preview.file_problems.append(f"more than {MAX_ROWS} rows: split the file")
                return []
            row = dict(zip(header, (cell.strip() for cell in cells), strict=False))
            row = {name: row.get(name, "") for name in header}
            if len(cells) != len(header):
                row[WIDTH] = str(len(cells))
            rows.append((reader.line_num, row))
    except csv.Error as error:
        preview.file_problems.append(f"line {reader.line_num}: {error}")
        return []
    return rows


def _dogs(clinic: Clinic, rows: list[tuple[int, dict[str, str]]]) -> dict[int, Dog]:
    wanted = {dog_number(cells["dog_id"]) for _line, cells in rows} - {None}
    # scoped to the caller's clinic: another clinic's dog is simply not found
    found = Dog.objects.filter(clinic=clinic, voided_at__isnull=True, pk__in=wanted)
    return {dog.pk: dog for dog in found}


def _parse(
    line: int, cells: dict[str, str], dogs: dict[int, Dog]
) -> tuple[CsvRow, LabEntry | None]:
    where = f"line {line}"
    problems: list[Problem] = []

    def refuse(column: str, message: str) -> None:
        problems.append(Problem(where, column, message))

    width = cells.pop(WIDTH, None)
    if width is not None:
        refuse("(row)", f"the row has {width} cells, the header {len(COLUMNS)}")
    number = dog_number(cells["dog_id"])
    dog = dogs.get(number) if number is not None else None
    if dog is None:
        refuse("dog_id", f"unknown dog {cells['dog_id']!r}" if cells["dog_id"] else "missing")
    code = _code(cells["code"])
    if code is None:
        refuse("code", f"{cells['code']!r} is not a numeric lab test Cutis knows")
    try:
        value = float(cells["value"])
        if not math.isfinite(value):
            raise ValueError
    except ValueError:
        value = None
        refuse("value", f"{cells['value']!r} is not a number" if cells["value"] else "missing")
    try:
        on = datetime.date.fromisoformat(cells["date"])
        if len(cells["date"]) != 10:
            raise ValueError
    except ValueError:
        on = None
        refuse("date", f"{cells['date']!r} is not a date as YYYY-MM-DD")
    label = knowledge().labs[code]["label"] if code else ""
    row = CsvRow(line=line, cells=cells, dog=dog, label=label, problems=tuple(problems))
    if problems or dog is None or code is None or value is None or on is None:
        return row, None
    entry = LabEntry(where=where, dog=dog, code=code, on=on, value=value, unit=cells["unit"])
    return row, entry


def _code(text: str) -> str | None:
    numeric = dict(numeric_tests())
    if text in numeric:
        return text
    mapped = codes.lab_code_for_loinc(text)
    return mapped if mapped in numeric else None


def entered_text(row: CsvRow) -> str:
    try:
        return with_unit(float(row.cells["value"]), row.cells["unit"])
    except ValueError:
        return f"{row.cells['value']} {row.cells['unit']}".strip()
