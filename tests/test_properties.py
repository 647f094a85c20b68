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

from cutis import InvalidCase, assess, load_knowledge, parse_case
from tests.conftest import AS_OF

KNOWLEDGE = load_knowledge()

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# "<field path>: <message>", one line: what the CLI prints and the API returns per problem
SEGMENT = r'(?:[A-Za-z_]\w*|\[(?:\d+|"(?:[^"\\]|\\.)*")\])'
PROBLEM = re.compile(rf"{SEGMENT}(?:\.[A-Za-z_]\w*|\[(?:\d+|\"(?:[^\"\\]|\\.)*\")\])*: .+")
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

SEXES = ("female", "female_spayed", "male", "male_neutered", "unknown")
ROUTES = ("oral", "topical", "injection", "depot_injection", "otic", "ophthalmic", "inhaled")
TRAUMA_KINDS = ("injury", "injection", "pressure", "sting", "surgery")
MORPHOLOGIES = ("papule", "plaque", "nodule", "ulcer")
FEATURES = (
    "erythema",
    "white_yellow_crust",
    "dark_crust",
    "ulceration",
    "draining_tract",
    "chalky_discharge",
    "alopecia",
    "swelling",
    "tenderness",
)
DRUG_IDS = sorted(KNOWLEDGE.drugs)
# names a clinic types that the knowledge does not know; kept and reported, never dropped
UNKNOWN_DRUG_NAMES = ("pred 5mg", "Apoquel", "fish oil", "gabapentin", "meloxicam", "O'Neil's balm")
DRUG_CLASSES = ("glucocorticoid", "antibiotic", "nonsteroidal_antipruritic", "supplement")
NUMERIC_CODES = sorted(code for code, lab in KNOWLEDGE.labs.items() if lab["kind"] == "numeric")
RESULT_CODES = sorted(code for code, lab in KNOWLEDGE.labs.items() if lab["kind"] == "result")
INTERVALS = (6, 8, 12, 24, 36, 48, 72, 168, 336, 672, 0.5, 36.5)

identifiers = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
names = st.text(st.characters(codec="utf-8"), min_size=1, max_size=20).filter(str.strip)


def iso(day: datetime.date) -> str:
    return day.isoformat()


def days_before(on: datetime.date, most: int) -> st.SearchStrategy[datetime.date]:
    return st.integers(0, most).map(lambda days: on - datetime.timedelta(days=days))


def optional(
    document: dict[str, Any], draw: st.DrawFn, field: str, values: st.SearchStrategy[Any]
) -> None:
    """Set `field` to a drawn value, or leave it out: most case fields are optional."""
    if draw(st.booleans()):
        document[field] = draw(values)


@st.composite
def patients(draw: st.DrawFn, on: datetime.date, dated: bool) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "species": "dog",
        "weight_kg": draw(st.floats(0.5, 120)),
    }
    # birth_date gives the age on assessed_on; without assessed_on it would count from today
    if dated and draw(st.booleans()):
        patient["birth_date"] = iso(draw(days_before(on, int(29.9 * 365))))
    else:
        patient["age_years"] = draw(st.floats(0, 30) | st.integers(0, 30))
    optional(patient, draw, "sex", st.sampled_from(SEXES))
    optional(patient, draw, "name", names)
    optional(patient, draw, "breed", names)
    return patient


@st.composite
def medications(draw: st.DrawFn, on: datetime.date) -> dict[str, Any]:
    known = draw(st.booleans())
    drug = draw(st.sampled_from(DRUG_IDS) if known else st.sampled_from(UNKNOWN_DRUG_NAMES))
    start = draw(days_before(on, 4000))
    medication: dict[str, Any] = {"drug": drug, "start": iso(start)}
    if not known:
        optional(medication, draw, "class", st.sampled_from(DRUG_CLASSES))
    optional(
        medication,
        draw,
        "dose_mg",
        st.floats(0.05, 2000) | st.sampled_from((1.25, 2.5, 5, 10, 20, 50, 100)),
    )
    optional(medication, draw, "interval_hours", st.sampled_from(INTERVALS))
    optional(medication, draw, "route", st.sampled_from(ROUTES))
    optional(
        medication,
        draw,
        "end",
        st.none()
        | st.integers(0, 2000).map(lambda days: iso(start + datetime.timedelta(days=days))),
    )
    optional(medication, draw, "reason", names)
    return medication


@st.composite
def histories(draw: st.DrawFn, on: datetime.date) -> dict[str, Any]:
    dates = st.none() | days_before(on, 3000).map(iso)
    return {
        "medications": draw(st.lists(medications(on), max_size=4)),
        "signs": draw(st.lists(st.sampled_from(sorted(KNOWLEDGE.sign_ids)), max_size=6)),
        "conditions": draw(st.lists(st.sampled_from(sorted(KNOWLEDGE.condition_ids)), max_size=3)),
        "exposures": draw(
            st.lists(
                st.fixed_dictionaries(
                    {"agent": st.sampled_from(sorted(KNOWLEDGE.exposure_ids))},
                    optional={"date": dates},
                ),
                max_size=2,
            )
        ),
        "skin_trauma": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "region": st.sampled_from(sorted(KNOWLEDGE.region_ids)),
                        "kind": st.sampled_from(TRAUMA_KINDS),
                    },
                    optional={"date": dates},
                ),
                max_size=2,
            )
        ),
    }


def lesions(on: datetime.date) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "region": st.sampled_from(sorted(KNOWLEDGE.region_ids)),
            "morphology": st.sampled_from(MORPHOLOGIES),
        },
        optional={
            "count": st.integers(1, 40),
            "size_cm": st.floats(0.05, 30),
            "firm_gritty": st.booleans(),
            "features": st.lists(st.sampled_from(FEATURES), max_size=4),
            "pruritic": st.booleans(),
            "onset": days_before(on, 2000).map(iso),
        },
    )


def plausible_values(lab: dict[str, Any]) -> st.SearchStrategy[float]:
    """Values across the plausible range, and often near the reference limit where rules turn."""
    low, high = (float(limit) for limit in lab["plausible"])
    anywhere = st.floats(low, high)
    upper = (lab.get("reference_interval") or {}).get("high")
    if upper is None:
        return anywhere
    return st.floats(max(low, upper * 0.25), min(high, upper * 3)) | anywhere


@st.composite
def numeric_observations(draw: st.DrawFn, on: datetime.date) -> dict[str, Any]:
    code = draw(st.sampled_from(NUMERIC_CODES))
    lab = KNOWLEDGE.labs[code]
    unit = draw(st.sampled_from(sorted(lab["units"])))
    low, high = (float(limit) for limit in lab["plausible"])
    # mostly plausible in the canonical unit; now and then typed in the wrong unit or mistyped
    if draw(st.integers(0, 4)) == 0:
        canonical = draw(
            st.floats(high * 1.01 + 1, high * 50)
            | st.floats(-100, low * 0.99 if low > 0 else -0.01)
        )
    else:
        canonical = draw(plausible_values(lab))
    observation: dict[str, Any] = {"code": code, "value": canonical / float(lab["units"][unit])}
    if unit or draw(st.booleans()):
        observation["unit"] = unit
    optional(observation, draw, "date", days_before(on, 1000).map(iso))
    return observation


@st.composite
def result_observations(draw: st.DrawFn, on: datetime.date) -> dict[str, Any]:
    code = draw(st.sampled_from(RESULT_CODES))
    observation: dict[str, Any] = {
        "code": code,
        "result": draw(st.sampled_from(KNOWLEDGE.labs[code]["results"])),
    }
    if code == "bacterial_culture" and draw(st.booleans()):
        drug_ids = st.lists(st.sampled_from(DRUG_IDS), max_size=5)
        observation["detail"] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "organism": st.sampled_from(
                        ("Staphylococcus pseudintermedius", "Pseudomonas", "E. coli")
                    ),
                    "susceptible": drug_ids,
                    "resistant": drug_ids,
                    "methicillin_resistant": st.booleans(),
                },
            )
        )
    optional(observation, draw, "date", days_before(on, 1000).map(iso))
    return observation


@st.composite
def valid_cases(draw: st.DrawFn) -> tuple[dict[str, Any], datetime.date]:
    """A cutis-case/1 document parse_case must accept, and the date to assess it on."""
    on = draw(st.dates(datetime.date(2012, 1, 1), datetime.date(2035, 12, 31)))
    dated = draw(st.booleans())
    case: dict[str, Any] = {"format": "cutis-case/1"}
    if dated:
        case["assessed_on"] = iso(on)
    case["patient"] = draw(patients(on, dated))
    case["history"] = draw(histories(on))
    case["lesions"] = draw(st.lists(lesions(on), max_size=5))
    case["observations"] = draw(
        st.lists(numeric_observations(on) | result_observations(on), max_size=8)
    )
    optional(case, draw, "extensions", st.dictionaries(identifiers, st.integers() | names))
    return case, on


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

# keys a case uses, so arbitrary documents reach past the top level now and then
CASE_KEYS = (
    "format",
    "assessed_on",
    "patient",
    "history",
    "lesions",
    "observations",
    "extensions",
    "species",
    "weight_kg",
    "age_years",
    "birth_date",
    "medications",
    "drug",
    "start",
    "end",
    "region",
    "morphology",
    "count",
    "code",
    "value",
    "unit",
    "result",
    "detail",
)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(("cutis-case/1", "dog", "2025-07-26", "back", "calcium_total"))
)
# any key: an unknown one that is not a plain name is quoted in the field path
json_keys = st.sampled_from(CASE_KEYS) | identifiers | st.text(max_size=8)
json_documents = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(json_keys, children, max_size=5)
    ),
    max_leaves=25,
)


def outcome(document: Any, on: datetime.date = AS_OF) -> list[str]:
    """The problems parse_case reports; a case it accepts must also be assessed."""
    try:
        case = parse_case(document, KNOWLEDGE)
    except InvalidCase as invalid:
        return invalid.problems
    assess(case, KNOWLEDGE, on)
    return []


def badly_formed(problems: list[str]) -> list[str]:
    return [problem for problem in problems if not PROBLEM.fullmatch(problem)]


@PROPERTY
@given(json_documents)
def test_arbitrary_json_is_refused_with_field_named_problems(document: Any) -> None:
    assert badly_formed(outcome(document)) == []


@PROPERTY
@given(st.dictionaries(json_keys, json_documents, max_size=8))
def test_arbitrary_objects_are_refused_with_field_named_problems(document: Any) -> None:
    assert badly_formed(outcome(document)) == []


def fields(document: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(field path as the problems name it, container, key) for every non-null value of a case.

    Skips what is free-form: `extensions`, and the detail of a result other than a culture.
    """
    if isinstance(document, dict):
        free_form = document.get("code") != "bacterial_culture"
        for key, value in document.items():
            if key == "extensions" or (key == "detail" and free_form) or value is None:
                continue
            child = f"{path}.{key}" if path else key
            yield child, document, key
            yield from fields(value, child)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            child = f"{path}[{index}]"
            if value is not None:
                yield child, document, index
                yield from fields(value, child)


def objects(document: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, object) for every object of a case whose fields are fixed by the spec."""
    if isinstance(document, dict):
        yield path, document
    for child, container, key in fields(document, path):
        value = container[key]
        if isinstance(value, dict):
            yield child, value


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


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


WRONG_VALUES = {"boolean": True, "number": 7, "string": "seven", "array": [7], "object": {"n": 7}}


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
