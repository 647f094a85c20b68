"""Lab results from a CSV file: previewed row by row, then every row stored or none."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from cutis.clinic.models import Dog, Observation
from cutis.interop.lab_batch import Problem
from cutis.interop.lab_csv import commit_lab_csv, file_sha256, preview_lab_csv

pytestmark = pytest.mark.django_db
HEADER = "dog_id,code,value,unit,date\n"


def csv_for(*rows: str) -> str:
    return HEADER + "".join(f"{row}\n" for row in rows)


def test_the_preview_shows_each_row_in_canonical_units_with_its_flag_and_stores_nothing(
    dog_a: Dog, vet_a: User
) -> None:
    text = csv_for(f"{dog_a.pk},calcium_total,3.2,mmol/L,2025-07-20",
                   f"{dog_a.pk},2160-0,97,umol/L,2025-07-20")
    preview = preview_lab_csv(dog_a.clinic, text, vet_a)
    assert preview.ok and preview.sha256 == file_sha256(text)
    calcium, creatinine = preview.rows
    assert (calcium.line, calcium.label) == (2, "total calcium")
    assert calcium.stored is not None and creatinine.stored is not None
    assert (calcium.stored.shown, calcium.stored.flag) == ("12.83 mg/dL", "high")
    assert (creatinine.label, creatinine.stored.shown) == ("creatinine", "1.097 mg/dL")
    assert not Observation.objects.exists()


def test_commit_stores_every_row_through_the_lab_service_with_history(
    dog_a: Dog, vet_a: User
) -> None:
    text = csv_for(f"{dog_a.pk},calcium_total,3.2,mmol/L,2025-07-20",
                   f"{dog_a.pk},usg,1.012,,2025-07-21")
    preview = preview_lab_csv(dog_a.clinic, text, vet_a)
    result = commit_lab_csv(dog_a.clinic, text, vet_a, expected_sha256=preview.sha256)
    assert result.committed
    stored = {o.code: o for o in dog_a.observations.all()}
    assert stored["calcium_total"].value == pytest.approx(12.8256)
    assert stored["calcium_total"].entered_unit == "mmol/L"
    assert stored["usg"].value == 1.012
    assert all(o.recorded_by == vet_a and o.history.count() == 1 for o in stored.values())


# a bad row -> (column named, message); the good rows beside it are not stored either
BAD_ROWS = [
    # a unit the test does not take
    ("{dog},calcium_total,2.6,g/L,2025-07-20", "unit",
     "g/L is not accepted for total calcium (use mg/dL, mmol/L)"),
    # almost certainly typed in the other unit
    ("{dog},calcium_total,2.95,mg/dL,2025-07-20", "value",
     "2.95 mg/dL is not a plausible total calcium; was it entered in mmol/L? "
     "(a plausible value is 4–25 mg/dL)"),
    ("{dog},calcium_total,high,mg/dL,2025-07-20", "value", "'high' is not a number"),
    ("{dog},sodium,140,mmol/L,2025-07-20", "code",
     "'sodium' is not a numeric lab test Cutis knows"),
    ("{dog},calcium_total,10.2,mg/dL,20/07/2025", "date", "'20/07/2025' is not a date as YYYY-MM-DD"),
    ("{dog},calcium_total,10.2,mg/dL,2999-01-01", "date", "2999-01-01 is in the future"),
    ("{other},calcium_total,10.2,mg/dL,2025-07-20", "dog_id", "unknown dog '{other}'"),
    ("999999,calcium_total,10.2,mg/dL,2025-07-20", "dog_id", "unknown dog '999999'"),
    # found by the form fuzz: a number past any database key was a server error
    ("99999999999999999999999,calcium_total,10.2,mg/dL,2025-07-20", "dog_id",
     "unknown dog '99999999999999999999999'"),
    ("³3,calcium_total,10.2,mg/dL,2025-07-20", "dog_id", "unknown dog '³3'"),
]


@pytest.mark.parametrize(("bad", "column", "message"), BAD_ROWS)
def test_a_bad_row_is_reported_by_column_and_nothing_is_stored(
    bad: str, column: str, message: str, dog_a: Dog, dog_b: Dog, vet_a: User
) -> None:
    bad = bad.format(dog=dog_a.pk, other=dog_b.pk)
    text = csv_for(f"{dog_a.pk},creatinine,1.1,mg/dL,2025-07-20", bad)
    preview = preview_lab_csv(dog_a.clinic, text, vet_a)
    assert preview.problems == [Problem("line 3", column, message.format(other=dog_b.pk))]
    result = commit_lab_csv(dog_a.clinic, text, vet_a, expected_sha256=preview.sha256)
    assert not result.committed
    assert not Observation.objects.exists()


def test_another_clinics_dog_reads_exactly_as_a_dog_that_does_not_exist(
    dog_a: Dog, dog_b: Dog, vet_a: User
) -> None:
    preview = preview_lab_csv(dog_a.clinic, csv_for(
        f"{dog_b.pk},creatinine,1.1,mg/dL,2025-07-20"), vet_a)
    (row,) = preview.rows
    assert row.dog is None and row.stored is None
    assert dog_b.name not in repr(preview)


def test_a_file_changed_after_its_preview_is_not_committed(dog_a: Dog, vet_a: User) -> None:
    previewed = csv_for(f"{dog_a.pk},creatinine,1.1,mg/dL,2025-07-20")
    preview = preview_lab_csv(dog_a.clinic, previewed, vet_a)
    changed = previewed.replace("1.1", "11")
    result = commit_lab_csv(dog_a.clinic, changed, vet_a, expected_sha256=preview.sha256)
    assert not result.committed
    assert "not the one previewed" in result.preview.file_problems[0]
    assert not Observation.objects.exists()


@pytest.mark.parametrize(("text", "problem"), [
    ("", "the file is empty: the first line names the columns"),
    ("dog,code,value,unit,date\n1,creatinine,1,mg/dL,2025-07-20\n",
     "the header lacks dog_id (columns: dog_id, code, value, unit, date)"),
    (HEADER, "the file has a header but no rows"),
])
def test_a_file_without_usable_rows_is_refused_as_a_whole(
    text: str, problem: str, dog_a: Dog, vet_a: User
) -> None:
    preview = preview_lab_csv(dog_a.clinic, text, vet_a)
    assert problem in preview.file_problems
    assert not preview.ok


def test_a_row_already_on_record_is_skipped_not_stored_twice(dog_a: Dog, vet_a: User) -> None:
    text = csv_for(f"{dog_a.pk},creatinine,1.1,mg/dL,2025-07-20")
    commit_lab_csv(dog_a.clinic, text, vet_a, expected_sha256=file_sha256(text))
    preview = preview_lab_csv(dog_a.clinic, text, vet_a)
    assert preview.rows[0].already_recorded
    commit_lab_csv(dog_a.clinic, text, vet_a, expected_sha256=file_sha256(text))
    assert dog_a.observations.count() == 1
