"""Bad input at the clinical core and at `cutis assess`: valid or broken, a case never crashes them.

The core either returns an assessment that is plain JSON or refuses the case with one
"<field path>: <message>" line per problem, naming the field a mutation broke. The command line
either prints the assessment (exit 0) or the problems (exit 2), never a traceback.

`make test` runs a bounded, derandomized slice; `make fuzz` runs the long, randomized one
(CUTIS_FUZZ_EXAMPLES) and prints how many cases each test ran.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cutis import InvalidCase, assess, parse_case
from cutis.cli import main as cutis_main
from tests.conftest import AS_OF, ROOT
from tests.strategies import (
    CASES_RUN,
    KNOWLEDGE,
    Broken,
    badly_formed,
    broken_cases,
    fuzz_settings,
    json_documents,
    names_field,
    valid_cases,
)

BISCUIT = ROOT / "examples" / "biscuit.json"


def outcome(document: Any, on: datetime.date) -> list[str]:
    """The problems parse_case reports; an accepted case must give an assessment in plain JSON."""
    try:
        case = parse_case(document, KNOWLEDGE)
    except InvalidCase as invalid:
        assert invalid.problems, "refused without saying why"
        return invalid.problems
    assessment = assess(case, KNOWLEDGE, on)
    # no NaN or infinity, nothing JSON cannot hold: what the API stores must read back identically
    assert json.loads(json.dumps(assessment, allow_nan=False)) == assessment
    return []


def assert_refused_by_name(broken: Broken, problems: list[str]) -> None:
    assert badly_formed(problems) == [], (broken.mutation, problems)
    if broken.must_name:
        assert names_field(problems, broken.must_name), (broken.mutation, problems[:5])


@fuzz_settings(300, share=0.6)
@given(broken_cases())
def test_the_core_assesses_or_refuses_a_broken_case_by_field(broken: Broken) -> None:
    CASES_RUN["core: broken cases"] += 1
    assert_refused_by_name(broken, outcome(broken.document, broken.on))


@fuzz_settings(100, share=0.2)
@given(json_documents)
def test_the_core_refuses_arbitrary_json_by_field(document: Any) -> None:
    CASES_RUN["core: arbitrary JSON"] += 1
    assert badly_formed(outcome(document, AS_OF)) == []


def run_cli(*args: str, stdin: str = "") -> tuple[int, str, str]:
    """`cutis assess` in this process, its output through strict UTF-8 as a terminal's would be."""
    stdout, stderr = (
        io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict") for _ in range(2)
    )
    original_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            status = cutis_main(["assess", *args])
            stdout.flush()
            stderr.flush()
    finally:
        sys.stdin = original_stdin
    out, err = (stream.buffer.getvalue().decode("utf-8") for stream in (stdout, stderr))
    return status, out, err


def check_cli_answer(status: int, out: str, err: str) -> None:
    assert "Traceback" not in err, err
    if status == 0:
        assert json.loads(out)["format"] == "cutis-assessment/1"
        assert err == ""
    else:
        assert status == 2, (status, err)
        assert out == ""
        problems = err.splitlines()
        assert problems, "refused without saying why"
        assert badly_formed(problems) == [], problems


def as_json_text(document: Any) -> str:
    # what a client that allows NaN and Infinity (Python's json, JavaScript's JSON5...) writes
    return json.dumps(document, ensure_ascii=False)


@fuzz_settings(150, share=0.15)
@given(broken_cases() | valid_cases().map(lambda drawn: Broken(drawn[0], drawn[1], "valid")))
def test_cutis_assess_prints_an_assessment_or_field_named_problems(broken: Broken) -> None:
    CASES_RUN["cli in process"] += 1
    text = as_json_text(broken.document)
    check_cli_answer(*run_cli("--as-of", broken.on.isoformat(), "-", stdin=text))


# raw texts no encoder writes: nesting past any recursion limit, numbers past any float, bad bytes
RAW_TEXTS = {
    "nested 100,000 deep": "[" * 100_000 + "]" * 100_000,
    "object nested 10,000 deep": '{"a":' * 10_000 + "1" + "}" * 10_000,
    "a 5,000-digit weight": BISCUIT.read_text(encoding="utf-8").replace(
        '"weight_kg": 12.4', '"weight_kg": ' + "9" * 5_000
    ),
    "an exponent past any float": BISCUIT.read_text(encoding="utf-8").replace(
        '"weight_kg": 12.4', '"weight_kg": 1e999999'
    ),
    "a lone surrogate escaped in a name": BISCUIT.read_text(encoding="utf-8").replace(
        '"Biscuit"', '"Bis\\ud800cuit"'
    ),
    "truncated": BISCUIT.read_text(encoding="utf-8")[:200],
    "empty": "",
    "a byte order mark": "\ufeff" + BISCUIT.read_text(encoding="utf-8"),
}


@pytest.mark.parametrize("name", sorted(RAW_TEXTS))
def test_cutis_assess_refuses_raw_text_no_encoder_writes_without_a_traceback(name: str) -> None:
    check_cli_answer(*run_cli("-", stdin=RAW_TEXTS[name]))


def sample_of_cases(count: int) -> list[Broken]:
    """A fixed sample of broken cases, drawn once: each costs a process start."""
    sample: list[Broken] = []

    @fuzz_settings(count, share=0.001)
    @given(broken_cases())
    def collect(broken: Broken) -> None:
        sample.append(broken)

    collect()
    return sample


def test_the_cutis_process_answers_a_sample_of_broken_cases_without_a_traceback(
    tmp_path: Path,
) -> None:
    sample = sample_of_cases(12)
    for index, broken in enumerate(sample):
        path = tmp_path / f"case-{index}.json"
        # escaped as ASCII: a file cannot hold an unpaired surrogate raw, only as \ud800
        path.write_text(json.dumps(broken.document), encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "cutis.cli", "assess", "--as-of", broken.on.isoformat(),
             str(path)],
            capture_output=True,
            check=False,
            timeout=60,
        )
        CASES_RUN["cli as a process"] += 1
        out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
        assert "Traceback" not in err, (broken.mutation, err)
        check_cli_answer(result.returncode, out, err)


@fuzz_settings(60, share=0.01)
@given(st.text(max_size=40))
def test_cutis_assess_refuses_any_as_of_date_it_cannot_read(as_of: str) -> None:
    CASES_RUN["cli --as-of"] += 1
    status, _out, err = run_cli("--as-of", as_of, str(BISCUIT))
    assert "Traceback" not in err
    assert status in (0, 2)
    if status == 2:
        assert err.startswith("--as-of: "), err
