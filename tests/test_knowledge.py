"""The knowledge base: valid, cited, versioned, and the snapshot in step with the YAML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cutis
from cutis import Knowledge
from cutis.core.findings import SIMPLE_FINDINGS
from cutis.knowledge import (
    DATA_DIR,
    KnowledgeError,
    compile_knowledge,
    knowledge_from_document,
    load_knowledge,
    source_digest,
)
from tests.conftest import ROOT, SHARED, load_json

CORE = ROOT / "src" / "cutis" / "core"


def test_the_committed_snapshot_matches_the_yaml() -> None:
    snapshot = load_json(Path(DATA_DIR) / "compiled.json")
    assert snapshot["source_digest"] == source_digest(), "run `make knowledge` and commit"
    assert snapshot["knowledge"] == compile_knowledge()


def test_every_rule_the_engine_names_exists_in_the_knowledge(knowledge: Knowledge) -> None:
    named = set()
    for path in CORE.glob("*.py"):
        named |= set(re.findall(r'"((?:finding|suspicion|form|cause|diagnostic|treatment|regimen|'
                                r'duration|exclude|option|monitoring|alert)\.[a-z0-9_.]+)"',
                                path.read_text(encoding="utf-8")))
    named |= {f"finding.iris_stage_{stage}" for stage in range(1, 5)}
    named |= {f"finding.{row[0]}" for row in SIMPLE_FINDINGS}
    named |= {f"option.{drug}" for drug in ("lokivetmab", "oclacitinib", "ciclosporin",
                                             "cetirizine")}
    assert named - set(knowledge.rules) == set()


def test_every_rule_has_both_registers_and_a_citation(knowledge: Knowledge) -> None:
    for rule in knowledge.rules.values():
        assert rule["vet"].strip() and rule["owner"].strip(), rule["id"]
        assert rule["sources"] or rule["thresholds"], rule["id"]


def test_every_threshold_and_dose_carries_a_resolvable_source(knowledge: Knowledge) -> None:
    for threshold in knowledge.thresholds.values():
        assert set(threshold["sources"]) <= set(knowledge.sources), threshold["id"]
    for drug in knowledge.drugs.values():
        for dose in drug["doses"]:
            assert set(dose["sources"]) <= set(knowledge.sources), drug["id"]
        for product in drug["products"]:
            assert product["sources"], f"{drug['id']} {product['strength_mg']} mg"


def test_every_spec_id_is_known(knowledge: Knowledge) -> None:
    spec = (SHARED / "spec" / "README.md").read_text(encoding="utf-8")
    drugs = re.search(r"\*\*drugs\*\*: (.+?)\n\n", spec, re.S)
    assert drugs is not None
    for drug_id in re.findall(r"`([a-z_]+)`", drugs.group(1)):
        assert drug_id in knowledge.drugs, drug_id
    regions = re.search(r"\*\*regions\*\*.+?: (.+?)Paws", spec, re.S)
    assert regions is not None
    assert set(re.findall(r"`([a-z_]+)`", regions.group(1))) == set(knowledge.regions)


def test_a_broken_reference_is_refused_with_its_place(knowledge: Knowledge) -> None:
    document = dict(knowledge.document)
    document["thresholds"] = [*document["thresholds"],
                              {"id": "made_up", "value": 1, "unit": "x", "sources": ["nowhere"]}]
    with pytest.raises(KnowledgeError, match="threshold made_up: unknown source 'nowhere'"):
        knowledge_from_document(document)


def test_a_target_outside_its_dose_range_is_refused(knowledge: Knowledge) -> None:
    document = dict(knowledge.document)
    drug = dict(document["drugs"][0])
    drug["doses"] = [{**drug["doses"][0], "target_mg_per_kg": 99}]
    document["drugs"] = [drug, *document["drugs"][1:]]
    with pytest.raises(KnowledgeError, match="target 99"):
        knowledge_from_document(document)


def test_a_stale_snapshot_is_recompiled(tmp_path: Path) -> None:
    for source in Path(DATA_DIR).glob("*.yaml"):
        (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    meta = tmp_path / "knowledge.yaml"
    # whatever the current version is: the test must not break with each knowledge release
    meta.write_text(re.sub(r'knowledge_version: "[^"]*"', 'knowledge_version: "test-9"',
                           meta.read_text(encoding="utf-8")), encoding="utf-8")
    (tmp_path / "compiled.json").write_text('{"source_digest": "old"}', encoding="utf-8")
    assert load_knowledge(str(tmp_path)).version == "test-9"
    assert load_json(tmp_path / "compiled.json")["source_digest"] == source_digest(str(tmp_path))


def test_the_public_surface_is_deliberate() -> None:
    assert sorted(cutis.__all__) == [
        "ASSESSMENT_FORMAT", "CASE_FORMAT", "ENGINE_VERSION", "InvalidCase", "Knowledge",
        "KnowledgeError", "__version__", "assess", "load_knowledge", "parse_case",
    ]


def test_the_engine_version_matches_the_package() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{cutis.ENGINE_VERSION}"' in pyproject
