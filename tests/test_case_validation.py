"""Bad input: one message per problem, naming the field; nothing guessed."""

from __future__ import annotations

from typing import Any

import pytest

from cutis import InvalidCase, Knowledge, parse_case
from tests.conftest import make_case

LESION = {"region": "back", "morphology": "plaque", "count": 1}

# (case changes, message expected among the problems)
INVALID = [
    ({"patient": {"weight_kg": -3}}, "patient.weight_kg: must be between 0.5 and 120 (got -3)"),
    ({"patient": {"weight_kg": "12"}}, "patient.weight_kg: must be a number (got '12')"),
    ({"patient": {"weight_kg": True}}, "patient.weight_kg: must be a number (got true)"),
    ({"patient": {"species": "cat"}}, "patient.species: Cutis reasons about dogs only"),
    ({"patient": {"age_years": 31}}, "patient.age_years: must be between 0 and 30 (got 31)"),
    ({"patient": {"sex": "f"}}, "patient.sex: 'f' is not a known sex"),
    ({"patient": {"colour": "red"}}, "patient.colour: unknown field"),
    ({"format": "cutis-case/2"}, "format: must be 'cutis-case/1'"),
    ({"patient": {"eye colour": "red"}}, 'patient["eye colour"]: unknown field'),
    ({"assessed_on": "20250726"}, "assessed_on: must be a date as YYYY-MM-DD (got '20250726')"),
    ({"assessed_on": "26/07/2025"}, "assessed_on: must be a date as YYYY-MM-DD (got '26/07/2025')"),
    ({"lesions": [{**LESION, "region": "elbow"}]}, "lesions[0].region: 'elbow' is not a known body region"),
    ({"lesions": [{**LESION, "count": 0}]}, "lesions[0].count: must be a whole number of at least 1 (got 0)"),
    ({"lesions": [{**LESION, "features": ["sparkly"]}]}, "lesions[0].features[0]: 'sparkly' is not a known feature"),
    ({"lesions": [{**LESION, "size": 2}]}, "lesions[0].size: unknown field"),
    ({"history": {"signs": ["itchy"]}}, "history.signs[0]: 'itchy' is not a known sign"),
    ({"history": {"medications": [{"drug": "prednisolone"}]}}, "history.medications[0].start: is required"),
    ({"history": {"medications": [{"drug": "prednisolone", "start": "2025-02-01", "end": "2025-01-01"}]}},
     "history.medications[0].end: is before the start"),
    ({"history": {"medications": [{"drug": "", "start": "2025-02-01"}]}},
     "history.medications[0].drug: must not be empty"),
    ({"history": {"exposures": [{"agent": "chocolate"}]}}, "history.exposures[0].agent: 'chocolate' is not a known exposure"),
    ({"observations": [{"code": "calcium_total", "value": 10, "unit": "mg/L"}]},
     "observations[0].unit: 'mg/L' is not accepted for calcium_total (use mg/dL, mmol/L)"),
    ({"observations": [{"code": "calcium_total", "value": float("nan"), "unit": "mg/dL"}]},
     "observations[0].value: must be a finite number"),
    # found by the fuzz (make fuzz): an integer past any float crashed the range check
    ({"patient": {"weight_kg": 10**400}},
     "patient.weight_kg: must be a finite number (got an integer too large to be a measure)"),
    ({"patient": {"name": 10**400}}, "patient.name: must be text (got an integer too large"),
    ({"lesions": [{**LESION, "count": 10**400}]},
     "lesions[0].count: must be a whole number of at least 1 (got an integer too large to be a measure)"),
    # found by the fuzz: a lone surrogate crashed `cutis assess` writing its output
    ({"patient": {"name": "Bis\ud800cuit"}}, "patient.name: must be plain text (contains the code point U+D800)"),
    ({"history": {"medications": [{"drug": "pred\x00", "start": "2025-02-01"}]}},
     "history.medications[0].drug: must be plain text (contains the code point U+0000)"),
    ({"observations": [{"code": "skin_biopsy", "result": "maybe"}]},
     "observations[0].result: 'maybe' is not a known result for skin_biopsy"),
    ({"observations": [{"code": "ferritin", "value": 1}]}, "observations[0].code: 'ferritin' is not a known observation code"),
    ({"observations": [{"code": "skin_biopsy", "value": 1, "result": "pending"}]},
     "observations[0].value: does not apply to the result code skin_biopsy"),
]


@pytest.mark.parametrize(("changes", "message"), INVALID)
def test_invalid_input_names_the_field(knowledge: Knowledge, changes: dict[str, Any],
                                       message: str) -> None:
    with pytest.raises(InvalidCase) as caught:
        parse_case(make_case(**changes), knowledge)
    assert any(problem.startswith(message) for problem in caught.value.problems), (
        caught.value.problems)


def test_every_problem_is_reported_at_once(knowledge: Knowledge) -> None:
    document = make_case(patient={"weight_kg": 0, "species": "cat"},
                         lesions=[{**LESION, "region": "moon"}])
    with pytest.raises(InvalidCase) as caught:
        parse_case(document, knowledge)
    fields = {problem.split(":")[0] for problem in caught.value.problems}
    assert fields == {"patient.weight_kg", "patient.species", "lesions[0].region"}


def test_extensions_are_free_form(knowledge: Knowledge) -> None:
    case = parse_case(make_case(extensions={"clinic": {"anything": [1, 2]}}), knowledge)
    assert case["extensions"] == {"clinic": {"anything": [1, 2]}}


def test_birth_date_gives_the_age_on_the_assessment_date(knowledge: Knowledge) -> None:
    document = make_case()
    del document["patient"]["age_years"]
    document["patient"]["birth_date"] = "2023-07-26"
    assert parse_case(document, knowledge)["patient"]["age_years"] == pytest.approx(2.0, abs=0.01)


def test_units_are_matched_forgivingly(knowledge: Knowledge) -> None:
    document = make_case(observations=[{"code": "cortisol_basal", "value": 40, "unit": "NMOL/l"}])
    assert parse_case(document, knowledge)["observations"][0]["unit"] == "nmol/L"


def test_a_unitless_code_accepts_no_unit(knowledge: Knowledge) -> None:
    document = make_case(observations=[{"code": "usg", "value": 1.012}])
    assert parse_case(document, knowledge)["observations"][0]["value"] == 1.012


def test_unknown_drugs_are_kept_not_dropped(knowledge: Knowledge) -> None:
    document = make_case(history={"medications": [{"drug": "pred 5mg", "start": "2025-01-01"}]})
    case = parse_case(document, knowledge)
    assert case["history"]["medications"][0]["drug"] == "pred 5mg"
    assert case["history"]["medications"][0]["known"] is False
