"""FHIR R4B out and in, the lab CSV import and the clinic's full export, over the interop services.

The same services as the clinic pages (`cutis.interop`): the routes only read the body, scope the
caller and turn the service's report into JSON; every refusal is the API's 422 shape, each
problem named by where it is (`entry[1].valueQuantity.unit`, `line 3.unit`).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from ninja.params.functions import Query
from pydantic import Field

from cutis.api.errors import CREATE, READ, WRITE, FieldProblem, Problem, refusal
from cutis.api.fields import record_id
from cutis.api.routers.observations import ObservationOut, observation_out
from cutis.api.scope import caller
from cutis.clinic.services.labs import LabRow
from cutis.interop.clinic_export import export_download
from cutis.interop.fhir_export import kept_fhir_bundle_for
from cutis.interop.fhir_import import import_fhir_observations
from cutis.interop.lab_batch import Problem as EntryProblem
from cutis.interop.lab_csv import (
    COLUMNS,
    MAX_ROWS,
    CsvPreview,
    CsvRow,
    commit_lab_csv,
    decode,
    preview_lab_csv,
)

router = Router(tags=["interoperability"])
DOG_ID = record_id("The dog's id")
FHIR_JSON = "application/fhir+json"
# the web upload's limit, counted in characters here: what the schema can state
MAX_CSV_CHARACTERS = 5_000_000
SHA256 = "^[0-9a-f]{64}$"

BUNDLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A FHIR R4B Bundle (type collection); see README, FHIR R4B export.",
    "required": ["resourceType", "type", "entry"],
    "properties": {
        "resourceType": {"const": "Bundle"},
        "type": {"const": "collection"},
        "entry": {"type": "array", "items": {"type": "object"}},
    },
}
LAB_DOCUMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A FHIR R4B Bundle of lab Observations, or a DiagnosticReport.",
    "required": ["resourceType"],
    "properties": {"resourceType": {"enum": ["Bundle", "DiagnosticReport"]}},
}


class ImportedOut(Schema):
    where: str = Field(description="the entry it came from, e.g. entry[0]")
    observation: ObservationOut


class FhirImportOut(Schema):
    imported: list[ImportedOut] = Field(description="stored now")
    already_recorded: list[ImportedOut] = Field(description="on record already, not stored twice")
    notes: list[str] = Field(description="resources that are not lab results, left aside")


class CsvRowOut(Schema):
    line: int
    cells: dict[str, str] = Field(description="the row as read, by column")
    dog_id: int | None
    label: str
    shown: str = Field(description="the value as it would be stored, in the canonical unit")
    flag: str = Field(description="high, low or empty")
    already_recorded: bool
    problems: list[FieldProblem]


class CsvPreviewOut(Schema):
    sha256: str = Field(description="send it back as ?commit= to store exactly this file")
    ok: bool = Field(description="true when committing would store every row")
    rows: list[CsvRowOut]
    problems: list[FieldProblem] = Field(description="the file's and every row's")


class CsvCommittedRowOut(Schema):
    line: int
    already_recorded: bool
    observation: ObservationOut


class CsvCommitOut(Schema):
    sha256: str
    rows: list[CsvCommittedRowOut]


def _field(problem: EntryProblem) -> str:
    # a problem of the whole document names only its element
    return problem.field if problem.where == "document" else f"{problem.where}.{problem.field}"


def _refused(problems: list[EntryProblem]) -> Status[dict[str, Any]]:
    return Status(422, refusal([(_field(p), p.message) for p in problems]))


def _imported(pairs: list[tuple[str, LabRow]]) -> list[dict[str, Any]]:
    return [
        {"where": where, "observation": observation_out(row.observation)} for where, row in pairs
    ]


@router.get(
    "/dogs/{dog_id}/fhir",
    response=READ,
    operation_id="export_dog_fhir",
    openapi_extra={
        "responses": {
            200: {
                "description": "The dog's record as a FHIR R4B Bundle.",
                "content": {FHIR_JSON: {"schema": BUNDLE_SCHEMA}},
            }
        }
    },
)
def export_fhir(request: HttpRequest, dog_id: int = DOG_ID) -> Any:
    """The dog's record as a FHIR R4B collection Bundle, validated before it is sent.

    Staff of the dog's clinic and the dog's owners may read it.
    """
    bundle = kept_fhir_bundle_for(caller(request).dog(dog_id))
    return HttpResponse(
        json.dumps(bundle, ensure_ascii=False), content_type=f"{FHIR_JSON}; charset=utf-8"
    )


@router.post(
    "/dogs/{dog_id}/fhir/observations",
    response={200: FhirImportOut, 201: FhirImportOut, **WRITE},
    operation_id="import_fhir_observations",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                FHIR_JSON: {"schema": LAB_DOCUMENT_SCHEMA},
                "application/json": {"schema": LAB_DOCUMENT_SCHEMA},
            },
        }
    },
)
def import_fhir(request: HttpRequest, dog_id: int = DOG_ID) -> Any:
    """Store a Bundle (or DiagnosticReport) of lab Observations in the dog's record (staff only).

    All or nothing: 201 with what was stored; 200 when every result was on record already;
    422 listing every problem (unknown code, unit not accepted, no date...) and nothing stored.
    """
    who = caller(request)
    staff = who.clinic_staff()
    dog = who.dog(dog_id)
    try:
        document = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as error:
        return Status(422, refusal([("body", f"is not a JSON document ({error})")]))
    report = import_fhir_observations(dog, document, staff.user)
    if report.problems:
        return _refused(report.problems)
    found = {
        "imported": _imported(report.imported),
        "already_recorded": _imported(report.already_recorded),
        "notes": report.notes,
    }
    return Status(201 if report.imported else 200, found)


def _csv_row(row: CsvRow) -> dict[str, Any]:
    return {
        "line": row.line,
        "cells": row.cells,
        "dog_id": row.dog.pk if row.dog else None,
        "label": row.label,
        "shown": row.stored.shown if row.stored else "",
        "flag": row.stored.flag if row.stored else "",
        "already_recorded": row.already_recorded,
        "problems": [{"field": _field(p), "message": p.message} for p in row.problems],
    }


def _every_problem(preview: CsvPreview) -> list[EntryProblem]:
    whole_file = [EntryProblem("document", "body", problem) for problem in preview.file_problems]
    return whole_file + preview.problems


@router.post(
    "/labs/csv",
    response={200: CsvPreviewOut | CsvCommitOut, 201: CsvCommitOut, **CREATE},
    operation_id="import_lab_csv",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": (
                f"UTF-8 CSV, a header naming the columns {', '.join(COLUMNS)} in any order, "
                f"one numeric result per row, at most {MAX_ROWS} rows."
            ),
            "content": {
                "text/csv": {
                    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_CSV_CHARACTERS}
                }
            },
        }
    },
)
def import_lab_csv(
    request: HttpRequest,
    commit: str | None = Query(
        None,
        pattern=SHA256,
        description="the sha256 of the preview: store every row, or none (422)",
    ),
) -> Any:
    """Preview a lab CSV for the caller's clinic (staff only), then commit it with its sha256.

    Without `commit`: 200 with every row as it would be stored, or its problems; 422 when the
    file cannot be read as a lab CSV at all (no header, an unknown column, not UTF-8). With
    `commit`: 201 with the stored results (200 when all were on record already), or 422 with
    every problem, nothing stored, when any row is refused or the file is not the one previewed.
    """
    staff = caller(request).clinic_staff()
    text = decode(request.body)
    if text is None:
        return Status(422, refusal([("body", "is not UTF-8 text")]))
    if len(text) > MAX_CSV_CHARACTERS:
        return Status(422, refusal([("body", f"is longer than {MAX_CSV_CHARACTERS} characters")]))
    if commit is None:
        preview = preview_lab_csv(staff.clinic, text, staff.user)
        if preview.file_problems:
            return _refused(_every_problem(preview))
        rows = [_csv_row(row) for row in preview.rows]
        problems = [{"field": _field(p), "message": p.message} for p in preview.problems]
        return {"sha256": preview.sha256, "ok": preview.ok, "rows": rows, "problems": problems}
    result = commit_lab_csv(staff.clinic, text, staff.user, expected_sha256=commit)
    if not result.committed:
        return _refused(_every_problem(result.preview))
    committed = [
        {
            "line": row.line,
            "already_recorded": row.already_recorded,
            "observation": observation_out(row.stored.observation),
        }
        for row in result.preview.rows
        if row.stored is not None
    ]
    stored_now = any(not row["already_recorded"] for row in committed)
    return Status(201 if stored_now else 200, {"sha256": result.preview.sha256, "rows": committed})


@router.get(
    "/export",
    response={401: Problem, 403: Problem},
    operation_id="export_clinic",
    openapi_extra={
        "responses": {
            200: {
                "description": "All the clinic's data: a zip of JSON files with a manifest.",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def export(request: HttpRequest) -> Any:
    """All the caller's clinic's data as a zip (README, Full export): the clinic admin only."""
    staff = caller(request).clinic_admin()
    archive, name = export_download(staff.clinic)
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")
