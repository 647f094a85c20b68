"""Hypothesis strategies for the cutis-case/1 format: valid cases, subtly broken ones, any JSON.

One module so every door a case comes in by (the core, `cutis assess`, the web forms, the assess
API) is driven by the same cases. Cases are built from the knowledge's own ids, so a new region,
sign or lab code is exercised as soon as it is added.

- `valid_cases()`: (document, as-of date) that parse_case must accept.
- `broken_cases()`: a valid case with one mutation (wrong type, number out of range, unknown key,
  impossible date, unknown id, huge text, deep nesting...) and the field path a refusal must name
  when the mutation cannot be valid.
- `json_documents`: arbitrary JSON, now and then shaped like a case.
"""

from __future__ import annotations

import copy
import datetime
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from cutis import load_knowledge
from cutis.core import case as case_format

KNOWLEDGE = load_knowledge()

# "<field path>: <message>", one line: what the CLI prints and the API returns per problem
SEGMENT = r'(?:[A-Za-z_]\w*|\[(?:\d+|"(?:[^"\\]|\\.)*")\])'
PROBLEM = re.compile(rf"{SEGMENT}(?:\.[A-Za-z_]\w*|\[(?:\d+|\"(?:[^\"\\]|\\.)*\")\])*: .+")


def badly_formed(problems: list[str]) -> list[str]:
    """Problems that do not read "<field path>: <message>" on one line."""
    return [problem for problem in problems if not PROBLEM.fullmatch(problem)]


# --- how many cases to run ----------------------------------------------------------------------

# `make test` runs a bounded slice; `make fuzz` sets CUTIS_FUZZ_EXAMPLES for the long run
FUZZ_EXAMPLES = int(os.environ.get("CUTIS_FUZZ_EXAMPLES", "0"))
# how many cases each fuzz test ran, printed at the end of the session (see tests/conftest.py)
CASES_RUN: Counter[str] = Counter()


def fuzz_settings(slice_examples: int, share: float = 1.0) -> settings:
    """The normal bounded slice, or `share` of CUTIS_FUZZ_EXAMPLES when a long run asks for it.

    The long run is randomized (it explores new cases every time); the slice is derandomized, so
    CI explores the same cases on every run.
    """
    long_run = FUZZ_EXAMPLES > 0
    return settings(
        max_examples=max(1, int(FUZZ_EXAMPLES * share)) if long_run else slice_examples,
        deadline=None,
        derandomize=not long_run,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )


# --- valid cases -------------------------------------------------------------------------------

SEXES, ROUTES, TRAUMA_KINDS = case_format.SEXES, case_format.ROUTES, case_format.TRAUMA_KINDS
MORPHOLOGIES, FEATURES = case_format.MORPHOLOGIES, case_format.FEATURES
DRUG_IDS = sorted(KNOWLEDGE.drugs)
# names a clinic types that the knowledge does not know; kept and reported, never dropped
UNKNOWN_DRUG_NAMES = ("pred 5mg", "Apoquel", "fish oil", "gabapentin", "meloxicam", "O'Neil's balm")
DRUG_CLASSES = ("glucocorticoid", "antibiotic", "nonsteroidal_antipruritic", "supplement")
NUMERIC_CODES = sorted(code for code, lab in KNOWLEDGE.labs.items() if lab["kind"] == "numeric")
RESULT_CODES = sorted(code for code, lab in KNOWLEDGE.labs.items() if lab["kind"] == "result")
INTERVALS = (6, 8, 12, 24, 36, 48, 72, 168, 336, 672, 0.5, 36.5)

identifiers = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
# any UTF-8 text but NUL, which PostgreSQL cannot store and the core refuses
names = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=20
).filter(str.strip)


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


# --- any JSON ----------------------------------------------------------------------------------

# keys a case uses, so arbitrary documents reach past the top level now and then
CASE_KEYS = (
    *case_format.TOP_FIELDS,
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


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


WRONG_VALUES = {"boolean": True, "number": 7, "string": "seven", "array": [7], "object": {"n": 7}}

# --- subtly broken cases ------------------------------------------------------------------------

# the enumerated fields of the format and the ids a typo or an older client might send instead
ID_FIELDS = (
    (r"patient\.sex", ("spayed", "F", "Female")),
    (r"history\.signs\[\d+\]", ("itching", "PU/PD", "polyuria ")),
    (r"history\.conditions\[\d+\]", ("cushings", "CKD", "")),
    (r"history\.exposures\[\d+\]\.agent", ("rat bait", "vitamin_d", "calcipotriol")),
    (r"history\.skin_trauma\[\d+\]\.(region|kind)", ("nose", "bite", "Back")),
    (r"history\.medications\[\d+\]\.route", ("po", "by mouth", "IV")),
    (r"lesions\[\d+\]\.(region|morphology)", ("neck", "scab", "pinna", "back_left")),
    (r"lesions\[\d+\]\.features\[\d+\]", ("red", "crust", "")),
    (r"observations\[\d+\]\.code", ("calcium", "Ca", "CALCIUM_TOTAL", "sodium")),
    # units match whatever their case and µ or u (mg/dl is mg/dL): these match no unit at all
    (r"observations\[\d+\]\.unit", ("mmol", "mg/L", "per litre", "%")),
    (r"observations\[\d+\]\.result", ("positive", "MINERALIZATION_CONFIRMED", "unclear")),
)
# every field name the format knows at any level: one of them added elsewhere may still be refused,
# but is not counted on to be
SPEC_FIELDS = frozenset(
    case_format.TOP_FIELDS
    + case_format.PATIENT_FIELDS
    + case_format.HISTORY_FIELDS
    + case_format.MEDICATION_FIELDS
    + case_format.LESION_FIELDS
    + case_format.OBSERVATION_FIELDS
    + case_format.CULTURE_DETAIL_FIELDS
    + ("agent", "kind", "date")
)
DATE_FIELD = r".*(assessed_on|birth_date|start|end|onset|date)"
# strings that look like dates and are not YYYY-MM-DD calendar dates
IMPOSSIBLE_DATES = (
    "2025-02-30",
    "2025-13-01",
    "2025-00-10",
    "0000-01-01",
    "26/07/2025",
    "2025-7-26",
    "20250726",
    "2025-W30-6",
    "2025-07-26T10:00",
    "2025-07-26 ",
    "",
    "yesterday",
    "٢٠٢٥-٠٧-٢٦",
)
# real calendar dates at the ends of what a date can hold: accepted or refused, never a crash
EDGE_DATES = ("0001-01-01", "1900-02-28", "2000-02-29", "9999-12-31", "9999-12-01")
EDGE_NUMBERS = (
    0,
    -0.0,
    -1,
    1e-300,
    5e-324,
    1e308,
    -1e308,
    2**63,
    10**30,
    10**400,
    float("nan"),
    float("inf"),
    float("-inf"),
)
HUGE_TEXT_SIZES = (1_000, 100_000)
# lone surrogates and controls: legal in JSON text, traps for encoders and terminals
AWKWARD_TEXT = ("\ud800", "a\x00b", "\u202eevil", "\r\n", "'; DROP TABLE dog;--", "<b>x</b>")


@dataclass(frozen=True)
class Broken:
    """A case with one mutation; `must_name` is the path a refusal has to name ("" if it may pass)."""

    document: Any
    on: datetime.date
    mutation: str
    must_name: str = ""


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


def nested(depth: int) -> Any:
    value: Any = "deep"
    for level in range(depth):
        value = [value] if level % 2 else {"n": value}
    return value


Mutate = Callable[[st.DrawFn, dict[str, Any]], tuple[str, str]]


def _pick(draw: st.DrawFn, document: Any, pattern: str) -> tuple[str, Any, Any] | None:
    found = [f for f in fields(document) if re.fullmatch(pattern, f[0])]
    return draw(st.sampled_from(found)) if found else None


def _pick_typed(draw: st.DrawFn, document: Any, kind: str) -> tuple[str, Any, Any] | None:
    found = [f for f in fields(document) if json_type(f[1][f[2]]) == kind]
    return draw(st.sampled_from(found)) if found else None


def wrong_type(draw: st.DrawFn, case: dict[str, Any]) -> tuple[str, str]:
    path, container, key = draw(st.sampled_from(list(fields(case))))
    wrong = draw(
        st.sampled_from([kind for kind in WRONG_VALUES if kind != json_type(container[key])])
    )
    container[key] = WRONG_VALUES[wrong]
    return f"{path} as {wrong}", path


def edge_number(draw: st.DrawFn, case: dict[str, Any]) -> tuple[str, str]:
    picked = _pick_typed(draw, case, "number")
    if picked is None:
        return "no number to change", ""
    path, container, key = picked
    value = draw(st.sampled_from(EDGE_NUMBERS) | st.integers() | st.floats())
    container[key] = value
    # a value that is not a finite float cannot be a dose, weight or lab value
    try:
        finite = float(value) - float(value) == 0
    except OverflowError:
        finite = False
    return f"{path} = {value!r:.40}", "" if finite else path


def unknown_key(draw: st.DrawFn, case: dict[str, Any]) -> tuple[str, str]:
    path, target = draw(st.sampled_from(list(objects(case))))
    name = draw(st.sampled_from(("Weight_kg", "dose", "notes", "x", "")) | st.text(max_size=12))
    if name in target or name in SPEC_FIELDS:
        return f"{name!r} is a field of the format", ""
    target[name] = draw(st.integers() | st.text(max_size=5))
    # a key that is not a plain name is quoted, as the core quotes it
    shown = name if name.isidentifier() and name.isascii() else f"[{json.dumps(name)}]"
    return f"unknown key {name!r} at {path or 'the top'}", path or shown


def impossible_date(draw: st.DrawFn, case: dict[str, Any]) -> tuple[str, str]:
    picked = _pick(draw, case, DATE_FIELD)
    if picked is None:
        case["assessed_on"] = None
        picked = ("assessed_on", case, "assessed_on")
    path, container, key = picked
    container[key] = draw(st.sampled_from(IMPOSSIBLE_DATES))
    return f"{path} = {container[key]!r}", path


def edge_date(draw: st.DrawFn, case: dict[str, Any]) -> tuple[str, str]:
    picked = _pick(draw, case, DATE_FIELD)
    if picked is None:
        return "no date to change", ""
    path, container, key = picked
    container[key] = draw(st.sampled_from(EDGE_DATES))
    return f"{path} = {container[key]}", ""


def unknown_id(draw: st.DrawFn, case: dict[str, Any]) -> tuple[str, str]:
    pattern, typos = draw(st.sampled_from(ID_FIELDS))
    picked = _pick(draw, case, pattern)
    if picked is None:
        return "no such field here", ""
    path, container, key = picked
    typo = draw(st.sampled_from(typos))
    if typo == container[key]:
        return "same id", ""
    container[key] = typo
    # a unit of a code without units may be anything empty; everything else must be refused
    return f"{path} = {typo!r}", path


def huge_or_awkward_text(draw: st.DrawFn, case: dict[str, Any]) -> tuple[str, str]:
    picked = _pick_typed(draw, case, "string")
    if picked is None:
        return "no text to change", ""
    path, container, key = picked
    size = draw(st.sampled_from(HUGE_TEXT_SIZES))
    container[key] = draw(
        st.sampled_from(AWKWARD_TEXT) | st.just("x" * size) | st.text(min_size=1, max_size=30)
    )
    return f"{path} = text of {len(container[key])} characters", ""


def deep_nesting(draw: st.DrawFn, case: dict[str, Any]) -> tuple[str, str]:
    # deeper than the encoder's recursion limit is tested as raw JSON text (tests/test_fuzz.py)
    depth = draw(st.sampled_from((5, 50, 500)))
    if draw(st.booleans()):
        case.setdefault("extensions", {})["nested"] = nested(depth)
        return f"extensions nested {depth} deep", ""
    path, container, key = draw(st.sampled_from(list(fields(case))))
    container[key] = nested(depth)
    return f"{path} nested {depth} deep", path


def many_items(draw: st.DrawFn, case: dict[str, Any]) -> tuple[str, str]:
    picked = _pick_typed(draw, case, "array")
    if picked is None:
        return "no list to grow", ""
    path, container, key = picked
    container[key] = container[key] * draw(st.sampled_from((20, 200)))
    return f"{path} repeated", ""


MUTATIONS: tuple[Mutate, ...] = (
    wrong_type,
    edge_number,
    unknown_key,
    impossible_date,
    edge_date,
    unknown_id,
    huge_or_awkward_text,
    deep_nesting,
    many_items,
)


@st.composite
def broken_cases(draw: st.DrawFn) -> Broken:
    """A valid case with one mutation: valid or not, it must never crash what reads it."""
    case, on = draw(valid_cases())
    mutated = copy.deepcopy(case)
    mutate = draw(st.sampled_from(MUTATIONS))
    mutation, must_name = mutate(draw, mutated)
    return Broken(mutated, on, f"{mutate.__name__}: {mutation}", must_name)


def names_field(problems: list[str], path: str) -> bool:
    """Whether one of the problems is about `path` or something inside it."""
    return any(problem.startswith((f"{path}:", f"{path}.", f"{path}[")) for problem in problems)
