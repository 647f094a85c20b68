"""The shared vignettes, read from ../shared/vignettes: every expectation must hold."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from cutis import load_knowledge
from tests.conftest import ROOT, load_json, vignette_files

ASSESSMENT_SCHEMA = Draft202012Validator(
    load_json(ROOT / "src" / "cutis" / "schemas" / "assessment.schema.json")
)


def cited_sources(node: Any) -> list[str]:
    """Every source id cited anywhere in the document."""
    if isinstance(node, dict):
        found = list(node["sources"]) if "rule" in node and "sources" in node else []
        return found + [s for value in node.values() for s in cited_sources(value)]
    if isinstance(node, list):
        return [s for item in node for s in cited_sources(item)]
    return []

ACTIVE_DIAGNOSTIC = ("recommended", "consider")
NOT_RECOMMENDED_DIAGNOSTIC = ("not_indicated", "completed")
ACTIVE_TREATMENT = ("recommended", "consider")
NOT_RECOMMENDED_TREATMENT = ("caution", "contraindicated")


def cli(case: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cutis.cli", "assess", "-"],
                          input=json.dumps(case), capture_output=True, text=True, check=False)


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


def check(assessment: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    """Every expectation key of shared/vignettes/README.md; returns what failed."""
    failures: list[str] = []
    causes = by_id(assessment["causes"])
    findings = {f["id"] for f in assessment["findings"]}
    tests = by_id(assessment["diagnostics"])
    plan = by_id(assessment["treatments"])
    alerts = by_id(assessment["alerts"])
    monitoring = {m["id"] for m in assessment["monitoring"]}

    def fail(key: str, detail: str) -> None:
        failures.append(f"{key}: {detail}")

    if "suspicion" in expect and assessment["suspicion"]["level"] not in expect["suspicion"]:
        fail("suspicion", f"got {assessment['suspicion']['level']}")
    if "form" in expect and assessment["form"]["id"] not in expect["form"]:
        fail("form", f"got {assessment['form']['id']}")
    if "top_cause" in expect:
        top = assessment["causes"][0]["id"] if assessment["causes"] else None
        if top not in expect["top_cause"]:
            fail("top_cause", f"got {top}")
    for cause in expect.get("causes_likely", []):
        if causes.get(cause, {}).get("likelihood") != "likely":
            fail("causes_likely", cause)
    for cause in expect.get("causes_present", []):
        if causes.get(cause, {}).get("likelihood") not in ("likely", "possible"):
            fail("causes_present", cause)
    for cause in expect.get("causes_not_likely", []):
        if causes.get(cause, {}).get("likelihood") == "likely":
            fail("causes_not_likely", cause)
    for finding in expect.get("findings", []):
        if finding not in findings:
            fail("findings", f"{finding} missing")
    for finding in expect.get("findings_absent", []):
        if finding in findings:
            fail("findings_absent", f"{finding} present")
    for test in expect.get("diagnostics", []):
        if tests.get(test, {}).get("status") not in ACTIVE_DIAGNOSTIC:
            fail("diagnostics", test)
    if "diagnostics_any" in expect and not any(
            tests.get(t, {}).get("status") in ACTIVE_DIAGNOSTIC for t in expect["diagnostics_any"]):
        fail("diagnostics_any", str(expect["diagnostics_any"]))
    for test in expect.get("diagnostics_not_recommended", []):
        if test in tests and tests[test]["status"] not in NOT_RECOMMENDED_DIAGNOSTIC:
            fail("diagnostics_not_recommended", f"{test} is {tests[test]['status']}")
    for treatment in expect.get("treatments", []):
        if plan.get(treatment, {}).get("status") not in ACTIVE_TREATMENT:
            fail("treatments", treatment)
    if "treatments_any" in expect and not any(
            plan.get(t, {}).get("status") in ACTIVE_TREATMENT for t in expect["treatments_any"]):
        fail("treatments_any", str(expect["treatments_any"]))
    for treatment in expect.get("treatments_not_recommended", []):
        if treatment in plan and plan[treatment]["status"] not in NOT_RECOMMENDED_TREATMENT:
            fail("treatments_not_recommended", f"{treatment} is {plan[treatment]['status']}")
    if "treatment_drug" in expect:
        rule = expect["treatment_drug"]
        drug = plan.get(rule["treatment"], {}).get("drug")
        if drug not in rule["one_of"] or drug in rule.get("not", []):
            fail("treatment_drug", f"{rule['treatment']} drug is {drug}")
    for rule in expect.get("doses", []):
        dose = plan.get(rule["treatment"], {}).get("dose")
        if not dose:
            fail("doses", f"{rule['treatment']} has no dose")
            continue
        low, high = rule.get("mg_per_kg", [0, float("inf")])
        if not low <= dose["mg_per_kg"] <= high:
            fail("doses", f"{rule['treatment']} {dose['mg_per_kg']} mg/kg outside {low}-{high}")
        if "interval_hours" in rule and dose["interval_hours"] not in rule["interval_hours"]:
            fail("doses", f"{rule['treatment']} every {dose['interval_hours']} h")
        if "strength_mg_in" in rule and (dose.get("product") or {}).get(
                "strength_mg") not in rule["strength_mg_in"]:
            fail("doses", f"{rule['treatment']} product {dose.get('product')}")
    for item in expect.get("monitoring", []):
        if item not in monitoring:
            fail("monitoring", item)
    for alert in expect.get("alerts", []):
        if alert not in alerts:
            fail("alerts", f"{alert} missing")
    for alert in expect.get("alerts_absent", []):
        if alert in alerts:
            fail("alerts_absent", f"{alert} present")
    if "alerts_any" in expect and not any(a in alerts for a in expect["alerts_any"]):
        fail("alerts_any", str(expect["alerts_any"]))
    for alert, severity in expect.get("alert_severity", {}).items():
        if alerts.get(alert, {}).get("severity") != severity:
            fail("alert_severity", f"{alert} is {alerts.get(alert, {}).get('severity')}")
    return failures


@pytest.mark.parametrize("path", vignette_files(), ids=lambda p: Path(p).stem)
def test_vignette_holds(path: Path) -> None:
    vignette = load_json(path)
    expect = vignette["expect"]
    completed = cli(vignette["case"])
    assert "Traceback" not in completed.stderr
    if "exit_status" in expect:
        assert completed.returncode == expect["exit_status"], completed.stderr
        for text in expect.get("error_mentions", []):
            assert text in completed.stderr, f"{vignette['id']}: error does not mention {text}"
        return
    assert completed.returncode == 0, completed.stderr
    assessment = json.loads(completed.stdout)
    ASSESSMENT_SCHEMA.validate(assessment)
    knowledge = load_knowledge()
    unresolved = {s for s in cited_sources(assessment) if s not in knowledge.sources}
    assert not unresolved, f"{vignette['id']}: unresolved sources {unresolved}"
    failures = check(assessment, expect)
    assert not failures, f"{vignette['id']} ({vignette['title']}): " + "; ".join(failures)
