"""The API's error bodies: one shape for a refusal of any kind, each problem naming its field.

`{"detail": "...", "errors": [{"field": "patient.weight_kg", "message": "must be ..."}]}` is what a
422 carries, whether the refusal came from the request's shape (pydantic), a clinic service
(EntryError) or the clinical core (InvalidCase). 401, 403 and 404 carry `{"detail": "..."}`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError

from cutis import InvalidCase
from cutis.clinic.services.errors import EntryError


class Problem(Schema):
    detail: str


class FieldProblem(Schema):
    field: str
    message: str


class Refusal(Schema):
    detail: str
    errors: list[FieldProblem]


# the refusals each kind of route documents: each one can happen (no token: 401; a record out of
# the caller's reach: 404; an owner or a nurse asking a vet's act: 403; a refused entry or an id
# that is not one: 422)
UNSCOPED: dict[int, Any] = {401: Problem}
READ: dict[int, Any] = {401: Problem, 404: Problem, 422: Refusal}
CREATE: dict[int, Any] = {401: Problem, 403: Problem, 422: Refusal}
WRITE: dict[int, Any] = {**CREATE, 404: Problem}
CHECKED_READ = READ  # a read that runs the clinical core: 422 also for an incomplete record


def refusal(problems: list[tuple[str, str]]) -> dict[str, Any]:
    errors = [{"field": field, "message": message} for field, message in problems]
    return {"detail": "; ".join(f"{f}: {m}" for f, m in problems), "errors": errors}


def _field_of(location: tuple[Any, ...] | list[Any]) -> str:
    # pydantic says ("body", "payload", "weight_kg") or ("path", "dog_id"): the client named
    # neither "body" nor our parameter's name, only the field
    parts = list(location)
    if parts and parts[0] == "body":
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts and parts[0] in ("path", "query", "header"):
        parts = parts[1:]
    return ".".join(str(part) for part in parts) or "body"


def install(api: NinjaAPI) -> None:
    """Answer every refusal with the one shape above."""

    def invalid_request(request: HttpRequest, error: ValidationError) -> HttpResponse:
        problems = [
            (_field_of(e.get("loc", ())), str(e.get("msg", "is invalid"))) for e in error.errors
        ]
        return api.create_response(request, refusal(problems), status=422)

    def refused_entry(request: HttpRequest, error: EntryError) -> HttpResponse:
        problems = getattr(error, "problems", None) or [(error.field, error.message)]
        return api.create_response(request, refusal(problems), status=422)

    def invalid_case(request: HttpRequest, error: InvalidCase) -> HttpResponse:
        return api.create_response(request, refusal(case_problems(error)), status=422)

    def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        if error.status_code == 400:
            # ninja's "cannot parse request body": one refusal shape for every bad request body
            body = refusal([("body", "is not a JSON document")])
            return api.create_response(request, body, status=422)
        return api.create_response(request, {"detail": str(error)}, status=error.status_code)

    handlers: dict[type[Exception], Any] = {
        ValidationError: invalid_request,
        HttpError: http_error,
        EntryError: refused_entry,
        InvalidCase: invalid_case,
    }
    for exception, handler in handlers.items():
        api.add_exception_handler(exception, handler)


def case_problems(error: InvalidCase) -> list[tuple[str, str]]:
    """The core's `field: message` lines as (field, message) pairs."""
    pairs = []
    for problem in error.problems:
        field, _, message = problem.partition(": ")
        pairs.append((field, message) if message else ("case", problem))
    return pairs
