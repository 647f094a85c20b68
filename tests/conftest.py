"""Shared fixtures: the real knowledge, the shared vignettes and a case builder."""

from __future__ import annotations

import copy
import datetime
import json
import os
from pathlib import Path
from typing import Any

import pytest

from cutis import Knowledge, assess, load_knowledge, parse_case

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CUTIS_SHARED", ROOT.parent / "shared")).resolve()
VIGNETTES = SHARED / "vignettes"
AS_OF = datetime.date(2025, 7, 26)

BASE_CASE: dict[str, Any] = {
    "format": "cutis-case/1",
    "assessed_on": "2025-07-26",
    "patient": {"species": "dog", "breed": "Labrador Retriever", "sex": "female_spayed",
                "age_years": 7, "weight_kg": 30},
    "history": {"medications": [], "signs": [], "conditions": [], "exposures": [],
                "skin_trauma": []},
    "lesions": [],
    "observations": [],
    "extensions": {},
}


def vignette_files() -> list[Path]:
    files = sorted(VIGNETTES.glob("*.json"))
    if not files:
        raise RuntimeError(f"no vignettes found in {VIGNETTES}: set CUTIS_SHARED")
    return files


@pytest.fixture(scope="session", autouse=True)
def plain_http_on_loopback() -> None:
    """Tests speak plain HTTP to the app; production redirects it to HTTPS.

    Session-wide and autouse, so it is in place before the live server builds its middleware;
    tests/web/test_deployment.py checks the redirect and the production defaults.
    """
    from django.conf import settings

    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge()


def make_case(**changes: Any) -> dict[str, Any]:
    """The base case with top-level sections replaced or patient/history fields merged."""
    case = copy.deepcopy(BASE_CASE)
    for key, value in changes.items():
        if key in ("patient", "history"):
            case[key].update(value)
        else:
            case[key] = value
    return case


def run(document: dict[str, Any], knowledge: Knowledge) -> dict[str, Any]:
    return assess(parse_case(document, knowledge), knowledge, AS_OF)


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How many cases each fuzz test ran: the figure `make fuzz` reports."""
    from tests.strategies import CASES_RUN

    if CASES_RUN:
        terminalreporter.section("fuzz cases run")
        for name, count in sorted(CASES_RUN.items()):
            terminalreporter.write_line(f"{name:<28} {count:>9,}")
        terminalreporter.write_line(f"{'total':<28} {sum(CASES_RUN.values()):>9,}")
