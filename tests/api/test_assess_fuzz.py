"""Bad input at POST /api/v1/assess: valid or broken, a case never gets a 5xx.

The same cases as the core and `cutis assess` (tests/strategies.py), posted with a vet's token:
a case the core accepts gets 200 and the core's own assessment; a case it refuses gets 422, one
`errors[]` entry per problem, each naming its field, and the field the mutation broke among them.

`make test` runs a bounded, derandomized slice; `make fuzz` a share of CUTIS_FUZZ_EXAMPLES.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from hypothesis import given

from cutis import InvalidCase, assess, parse_case
from cutis.clinic.models import SavedAssessment
from tests.api.conftest import bearer
from tests.strategies import (
    CASES_RUN,
    KNOWLEDGE,
    Broken,
    badly_formed,
    broken_cases,
    fuzz_settings,
    names_field,
    valid_cases,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/assess"


def core_answer(document: Any) -> tuple[list[str], Any]:
    """(the core's problems, or [] and its assessment as JSON would carry it) for today's date."""
    try:
        case = parse_case(document, KNOWLEDGE)
    except InvalidCase as invalid:
        return invalid.problems, None
    return [], json.loads(json.dumps(assess(case, KNOWLEDGE, timezone.localdate())))


def post_case(client: Client, document: Any) -> Any:
    # escaped as ASCII, as a file holds it: a lone surrogate travels as \ud800, NaN as NaN
    return client.post(URL, json.dumps(document), content_type="application/json")


@pytest.fixture
def vet_client(vet_a: User) -> Client:
    # a 500 must show as a status, not as the test client re-raising the view's exception
    return Client(headers={"Authorization": f"Bearer {bearer(vet_a)}"},
                  raise_request_exception=False)


def check_api_answer(client: Client, broken: Broken) -> None:
    response = post_case(client, broken.document)
    assert response.status_code < 500, (broken.mutation, response.content[:300])
    problems, assessment = core_answer(broken.document)
    if not problems:
        assert response.status_code == 200, (broken.mutation, response.json())
        assert response.json() == assessment
        return
    assert response.status_code == 422, (broken.mutation, response.status_code)
    errors = response.json()["errors"]
    said = [f"{error['field']}: {error['message']}" for error in errors]
    assert said, "refused without saying why"
    assert badly_formed(said) == [], (broken.mutation, said[:5])
    assert said == problems, broken.mutation
    if broken.must_name:
        assert names_field(said, broken.must_name), (broken.mutation, said[:5])


@fuzz_settings(60, share=0.03)
@given(broken_cases() | valid_cases().map(lambda drawn: Broken(drawn[0], drawn[1], "valid")))
def test_the_assess_api_answers_a_case_with_an_assessment_or_field_named_problems(
    vet_client: Client, broken: Broken
) -> None:
    CASES_RUN["api: POST /assess"] += 1
    check_api_answer(vet_client, broken)
    assert not SavedAssessment.objects.exists()


@fuzz_settings(20, share=0.01)
@given(valid_cases())
def test_a_valid_case_gets_200_and_the_cores_assessment(
    vet_client: Client, drawn: tuple[dict[str, Any], Any]
) -> None:
    CASES_RUN["api: valid cases"] += 1
    document, _on = drawn
    response = post_case(vet_client, document)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["format"] == "cutis-assessment/1"
    assert response.json() == core_answer(document)[1]
