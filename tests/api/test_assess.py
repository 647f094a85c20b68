"""POST /api/v1/assess: the public case in, the public assessment out, never stored."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from django.test import Client

from cutis import assess, load_knowledge, parse_case
from cutis.clinic.models import SavedAssessment
from tests.api.conftest import post_json
from tests.conftest import AS_OF, ROOT, make_case

pytestmark = pytest.mark.django_db
URL = "/api/v1/assess"
ASSESSMENT_SCHEMA = json.loads((ROOT / "src/cutis/schemas/assessment.schema.json").read_text())


def test_it_returns_the_same_assessment_as_the_core(vet_api: Client) -> None:
    case = json.loads(Path(ROOT / "examples/biscuit.json").read_text())
    response = post_json(vet_api, URL, case)
    assert response.status_code == 200
    body = response.json()
    jsonschema.validate(body, ASSESSMENT_SCHEMA)
    knowledge = load_knowledge()
    expected = json.loads(json.dumps(assess(parse_case(case, knowledge), knowledge, AS_OF)))
    assert body == expected
    assert any(alert["id"] == "glucocorticoid_taper_required" for alert in body["alerts"])
    assert not SavedAssessment.objects.exists()


# (what is wrong with the case, the field the refusal names)
REFUSALS = [
    (make_case(patient={"weight_kg": -3}), "patient.weight_kg"),
    (make_case(patient={"species": "cat"}), "patient.species"),
    ({**make_case(), "colour": "red"}, "colour"),
    (make_case(observations=[{"code": "calcium_total", "value": "high", "unit": "mg/dL"}]),
     "observations[0].value"),
]


@pytest.mark.parametrize(("case", "field"), REFUSALS)
def test_a_bad_case_is_refused_with_422_naming_the_field(vet_api: Client, case: dict[str, object],
                                                         field: str) -> None:
    response = post_json(vet_api, URL, case)
    assert response.status_code == 422
    fields = [error["field"] for error in response.json()["errors"]]
    assert field in fields, response.json()


def test_the_spec_message_comes_through_word_for_word(vet_api: Client) -> None:
    response = post_json(vet_api, URL, make_case(patient={"weight_kg": -3}))
    assert {"field": "patient.weight_kg", "message": "must be between 0.5 and 120 (got -3)"} in (
        response.json()["errors"])


@pytest.mark.parametrize("body", ["{not json", "\x00", "[1, 2]", "null"])
def test_a_body_that_is_not_a_case_is_refused_with_422(vet_api: Client, body: str) -> None:
    response = vet_api.post(URL, body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"]


def test_it_needs_a_token() -> None:
    assert post_json(Client(), URL, make_case()).status_code == 401
