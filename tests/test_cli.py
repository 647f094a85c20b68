"""The command line, run as a vet's script would run it: a real process, real files, real exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from cutis import ENGINE_VERSION, load_knowledge
from tests.conftest import ROOT, make_case

BISCUIT = ROOT / "examples" / "biscuit.json"
PREDNISOLONE = {
    "drug": "prednisolone",
    "dose_mg": 5,
    "interval_hours": 24,
    "route": "oral",
    "start": "2025-01-01",
    "end": None,
    "reason": "atopic dermatitis",
}
LESION = {"region": "back", "morphology": "plaque", "count": 2, "firm_gritty": True}
# libraries the CLI must never load: each costs more start-up time than the whole assessment
HEAVY = {"django", "numpy", "matplotlib", "pydantic", "yaml"}


def cutis(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cutis.cli", *args],
        input=stdin,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def write_case(tmp_path: Path, case: dict[str, Any]) -> Path:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    return path


def assert_refused(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_assessing_a_file_prints_the_assessment_as_json() -> None:
    result = cutis("assess", str(BISCUIT))
    assert result.returncode == 0, result.stderr
    assessment = json.loads(result.stdout)
    assert assessment["format"] == "cutis-assessment/1"
    assert assessment["patient"]["name"] == "Biscuit"


def test_a_dash_reads_the_case_from_standard_input() -> None:
    result = cutis("assess", "-", stdin=BISCUIT.read_text(encoding="utf-8"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["patient"]["name"] == "Biscuit"


def test_the_text_report_shows_the_alerts_and_the_sources_cited() -> None:
    result = cutis("assess", "--format", "text", str(BISCUIT))
    assert result.returncode == 0, result.stderr
    assert "ALERTS" in result.stdout
    assert "[CRITICAL] glucocorticoid_taper_required" in result.stdout
    sources = result.stdout.split("\nSOURCES\n", 1)[1]
    assert re.search(r"^  \[1\] .+ https?://\S+$", sources, re.MULTILINE), sources


def test_a_missing_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    result = cutis("assess", "no-such-case.json", cwd=tmp_path)
    assert_refused(result)
    assert "no-such-case.json: cannot read the case" in result.stderr


def test_invalid_json_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text('{\n  "format": "cutis-case/1",\n  "patient": {,\n}\n', encoding="utf-8")
    result = cutis("assess", str(path))
    assert_refused(result)
    assert "case: not valid JSON at line 3" in result.stderr


def test_an_invalid_case_is_refused_with_every_problem_at_once(tmp_path: Path) -> None:
    case = make_case(patient={"weight_kg": -3}, lesions=[{**LESION, "region": "elbow"}])
    result = cutis("assess", str(write_case(tmp_path, case)))
    assert_refused(result)
    assert result.stderr.splitlines() == [
        "patient.weight_kg: must be between 0.5 and 120 (got -3)",
        "lesions[0].region: 'elbow' is not a known body region",
    ]


def test_an_unknown_top_level_field_is_refused_by_name(tmp_path: Path) -> None:
    # a typo must not silently drop clinical data
    case = make_case()
    case["obsevations"] = [{"code": "calcium_total", "value": 13.2, "unit": "mg/dL"}]
    result = cutis("assess", str(write_case(tmp_path, case)))
    assert_refused(result)
    assert result.stderr.splitlines() == ["obsevations: unknown field"]


def test_an_unknown_drug_is_kept_and_reported_as_unrecognised(tmp_path: Path) -> None:
    case = make_case(history={"medications": [{"drug": "pred 5mg", "start": "2025-01-01"}]})
    result = cutis("assess", str(write_case(tmp_path, case)))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["unrecognised"] == ["drug: 'pred 5mg'"]


def test_as_of_dates_a_case_that_has_no_assessment_date(tmp_path: Path) -> None:
    case = make_case(history={"medications": [PREDNISOLONE]}, lesions=[LESION])
    del case["assessed_on"]
    result = cutis("assess", "--as-of", "2025-03-02", str(write_case(tmp_path, case)))
    assert result.returncode == 0, result.stderr
    assessment = json.loads(result.stdout)
    assert assessment["assessed_on"] == "2025-03-02"
    # on prednisolone from 1 January: durations are measured to the --as-of date
    taper = next(a for a in assessment["alerts"] if a["id"] == "glucocorticoid_taper_required")
    assert "for 60 days" in taper["message"]


def test_the_case_assessment_date_wins_over_as_of(tmp_path: Path) -> None:
    case = make_case(assessed_on="2025-07-26")
    result = cutis("assess", "--as-of", "2025-03-02", str(write_case(tmp_path, case)))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["assessed_on"] == "2025-07-26"


def test_an_as_of_that_is_not_a_date_is_refused() -> None:
    result = cutis("assess", "--as-of", "2 March", str(BISCUIT))
    assert_refused(result)
    assert "--as-of: must be a date as YYYY-MM-DD (got '2 March')" in result.stderr


def test_an_unknown_output_format_is_refused() -> None:
    result = cutis("assess", "--format", "xml", str(BISCUIT))
    assert_refused(result)
    assert "--format: must be json or text (got 'xml')" in result.stderr


def test_knowledge_prints_its_version_and_every_source() -> None:
    knowledge = load_knowledge()
    result = cutis("knowledge")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"knowledge_version: {knowledge.version}"
    listed = {line.split()[0] for line in lines if line.startswith("  ")}
    assert listed == set(knowledge.sources)


def test_version_prints_the_engine_version() -> None:
    result = cutis("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"cutis {ENGINE_VERSION}\n"


def test_an_unknown_command_is_refused() -> None:
    result = cutis("diagnose", str(BISCUIT))
    assert_refused(result)
    assert "unknown command 'diagnose'" in result.stderr


def test_assessing_a_case_loads_no_heavy_library() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cutis.cli", "assess", str(BISCUIT)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # lines read "import time: self [us] | cumulative | imported package", nested by indent
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert "cutis.core.assess" in imported
    assert {name.split(".")[0] for name in imported} & HEAVY == set()
