"""Properties that hold for every case: any valid case gives a well-formed, sourced, ordered
assessment, and any other input is refused with field-named problems, never a crash.

Cases are built from the knowledge's own ids, so a new region, sign or lab code is exercised as
soon as it is added. Runs are derandomized: CI explores the same cases every time.
"""

from __future__ import annotations

import copy
import datetime
import json
import math
import re
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from cutis import InvalidCase, assess, parse_case
from tests.conftest import AS_OF
from tests.strategies import (
    KNOWLEDGE,
    WRONG_VALUES,
    badly_formed,
    fields,
    identifiers,
    json_documents,
    json_keys,
    json_type,
    objects,
    valid_cases,
)

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SEVERITY_ORDER = ("critical", "warning", "info")
LIKELIHOOD_ORDER = ("likely", "possible", "unlikely", "ruled_out")
EPSILON_MG = 1e-6


def load_schema(name: str) -> Draft202012Validator:
    text = resources.files("cutis").joinpath("schemas", name).read_text(encoding="utf-8")
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


CASE_SCHEMA = load_schema("case.schema.json")
ASSESSMENT_SCHEMA = load_schema("assessment.schema.json")

# --- valid cases -------------------------------------------------------------------------------


def assessment_of(case: dict[str, Any], on: datetime.date) -> dict[str, Any]:
    return assess(parse_case(case, KNOWLEDGE), KNOWLEDGE, on)


def reasons_in(document: Any) -> Iterator[dict[str, Any]]:
    """Every `because` entry anywhere in an assessment (diagnostic `timing` entries too)."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key in ("because", "timing"):
                yield from value
            else:
                yield from reasons_in(value)
    elif isinstance(document, list):
        for item in document:
            yield from reasons_in(item)


def doses_in(document: Any) -> Iterator[dict[str, Any]]:
    """Every dose anywhere in an assessment: treatments and the options they offer."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "dose" and isinstance(value, dict):
                yield value
            else:
                yield from doses_in(value)
    elif isinstance(document, list):
        for item in document:
            yield from doses_in(item)


@PROPERTY
@given(valid_cases())
def test_every_generated_case_validates_against_the_case_schema(
    drawn: tuple[dict[str, Any], datetime.date],
) -> None:
    case, _ = drawn
    errors = [f"{list(error.path)}: {error.message}" for error in CASE_SCHEMA.iter_errors(case)]
    assert errors == []


@PROPERTY
@given(valid_cases())
def test_every_assessment_validates_against_the_assessment_schema(
    drawn: tuple[dict[str, Any], datetime.date],
) -> None:
    assessment = assessment_of(*drawn)
    errors = [
        f"{list(error.path)}: {error.message}"
        for error in ASSESSMENT_SCHEMA.iter_errors(assessment)
    ]
    assert errors == []


@PROPERTY
@given(valid_cases())
def test_every_assessment_is_plain_json(drawn: tuple[dict[str, Any], datetime.date]) -> None:
    assessment = assessment_of(*drawn)
    # no NaN or infinity, no dates or sets: what the API stores must read back identically
    assert json.loads(json.dumps(assessment, allow_nan=False)) == assessment


@PROPERTY
@given(valid_cases())
def test_every_source_cited_resolves_in_the_knowledge(
    drawn: tuple[dict[str, Any], datetime.date],
) -> None:
    cited = {source for reason in reasons_in(assessment_of(*drawn)) for source in reason["sources"]}
    assert cited - set(KNOWLEDGE.sources) == set()


@PROPERTY
@given(valid_cases())
def test_every_reason_speaks_to_the_vet_and_the_owner(
    drawn: tuple[dict[str, Any], datetime.date],
) -> None:
    for reason in reasons_in(assessment_of(*drawn)):
        assert reason["text"].strip(), reason["rule"]
        assert reason["owner_text"].strip(), reason["rule"]
        assert reason["sources"], reason["rule"]


@PROPERTY
@given(valid_cases())
def test_alerts_come_most_severe_first(drawn: tuple[dict[str, Any], datetime.date]) -> None:
    ranks = [SEVERITY_ORDER.index(alert["severity"]) for alert in assessment_of(*drawn)["alerts"]]
    assert ranks == sorted(ranks)


@PROPERTY
@given(valid_cases())
def test_causes_come_most_likely_first(drawn: tuple[dict[str, Any], datetime.date]) -> None:
    ranks = [
        LIKELIHOOD_ORDER.index(cause["likelihood"]) for cause in assessment_of(*drawn)["causes"]
    ]
    assert ranks == sorted(ranks)


@PROPERTY
@given(valid_cases())
def test_every_dose_given_as_a_product_is_whole_units_of_that_product(
    drawn: tuple[dict[str, Any], datetime.date],
) -> None:
    for dose in doses_in(assessment_of(*drawn)):
        product = dose["product"]
        if product is None:
            continue
        dispensed = product["strength_mg"] * product["units"]
        assert product["units"] > 0, dose
        assert math.isclose(dose["mg"], dispensed, rel_tol=0, abs_tol=EPSILON_MG), dose
        assert math.isclose(product["mg"], dispensed, rel_tol=0, abs_tol=EPSILON_MG), dose


# --- anything else -----------------------------------------------------------------------------


def outcome(document: Any, on: datetime.date = AS_OF) -> list[str]:
    """The problems parse_case reports; a case it accepts must also be assessed."""
    try:
        case = parse_case(document, KNOWLEDGE)
    except InvalidCase as invalid:
        return invalid.problems
    assess(case, KNOWLEDGE, on)
    return []


@PROPERTY
@given(json_documents)
def test_arbitrary_json_is_refused_with_field_named_problems(document: Any) -> None:
    assert badly_formed(outcome(document)) == []


@PROPERTY
@given(st.dictionaries(json_keys, json_documents, max_size=8))
def test_arbitrary_objects_are_refused_with_field_named_problems(document: Any) -> None:
    assert badly_formed(outcome(document)) == []


# what parse_case needs to assess at all: (path pattern, field)
REQUIRED = (
    (r"", "format"),
    (r"", "patient"),
    (r"patient", "species"),
    (r"patient", "weight_kg"),
    # a generated patient has one of the two, so dropping it leaves no age
    (r"patient", "age_years"),
    (r"patient", "birth_date"),
    (r"history\.medications\[\d+\]", "drug"),
    (r"history\.medications\[\d+\]", "start"),
    (r"history\.exposures\[\d+\]", "agent"),
    (r"history\.skin_trauma\[\d+\]", "region"),
    (r"history\.skin_trauma\[\d+\]", "kind"),
    (r"lesions\[\d+\]", "region"),
    (r"lesions\[\d+\]", "morphology"),
    (r"observations\[\d+\]", "code"),
    (r"observations\[\d+\]", "value"),
    (r"observations\[\d+\]", "result"),
)


@PROPERTY
@given(valid_cases(), st.data())
def test_a_case_missing_a_required_field_is_refused(
    drawn: tuple[dict[str, Any], datetime.date],
    data: st.DataObject,
) -> None:
    case, on = drawn
    mutated = copy.deepcopy(case)
    candidates = [
        (path, item, field)
        for path, item in objects(mutated)
        for pattern, field in REQUIRED
        if re.fullmatch(pattern, path) and field in item
    ]
    path, target, field = data.draw(st.sampled_from(candidates))
    del target[field]
    problems = outcome(mutated, on)
    assert problems, f"{path}.{field} dropped and the case was still accepted"
    assert badly_formed(problems) == []


@PROPERTY
@given(valid_cases(), st.data())
def test_a_field_of_the_wrong_type_is_refused_by_name(
    drawn: tuple[dict[str, Any], datetime.date],
    data: st.DataObject,
) -> None:
    case, on = drawn
    mutated = copy.deepcopy(case)
    path, container, key = data.draw(st.sampled_from(list(fields(mutated))))
    wrong = data.draw(
        st.sampled_from([kind for kind in WRONG_VALUES if kind != json_type(container[key])])
    )
    container[key] = WRONG_VALUES[wrong]
    problems = outcome(mutated, on)
    assert any(problem.startswith(f"{path}: ") for problem in problems), (path, wrong, problems)
    assert badly_formed(problems) == []


@PROPERTY
@given(valid_cases(), st.data(), identifiers)
def test_an_unknown_field_is_refused_by_name(
    drawn: tuple[dict[str, Any], datetime.date],
    data: st.DataObject,
    name: str,
) -> None:
    case, on = drawn
    mutated = copy.deepcopy(case)
    path, target = data.draw(st.sampled_from(list(objects(mutated))))
    # no field of the spec starts with x_, so this one is unknown wherever it lands
    target[f"x_{name}"] = 1
    field = f"{path}.x_{name}" if path else f"x_{name}"
    problems = outcome(mutated, on)
    assert f"{field}: unknown field" in problems, problems
    assert badly_formed(problems) == []


@pytest.mark.parametrize("document", [None, [], "case", 3, True])
def test_a_document_that_is_not_an_object_is_refused_as_a_whole(document: Any) -> None:
    problems = outcome(document)
    assert len(problems) == 1
    assert problems[0].startswith("case: must be a JSON object")
