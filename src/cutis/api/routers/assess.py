"""POST /assess: the clinical core on a cutis-case/1 document, stateless (nothing is stored)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from cutis import InvalidCase, assess, parse_case
from cutis.api.errors import Problem, Refusal
from cutis.api.public_formats import ASSESSMENT, CASE, json_body, json_response
from cutis.clinic.services.cases import knowledge

router = Router(tags=["assessment"])


@router.post(
    "/assess",
    response={200: dict[str, Any], 401: Problem, 422: Refusal},
    operation_id="assess_case",
    summary="Assess a cutis-case/1 document",
    openapi_extra={
        "requestBody": json_body(CASE, "A case in the public cutis-case/1 format."),
        "responses": {200: json_response(ASSESSMENT, "The cutis-assessment/1 document.")},
    },
)
def assess_case(request: HttpRequest) -> Any:
    """The same assessment `cutis assess` prints; 422 names every field at fault."""
    try:
        document = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidCase([f"body: not a JSON document ({error})"]) from None
    case = parse_case(document, knowledge())
    return assess(case, knowledge(), timezone.localdate())
