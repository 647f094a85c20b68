"""The knowledge the engine reasons with: versioned YAML under `data/`, every number with a source.

The YAML is validated with pydantic (`cutis.knowledge.schema`) when compiled into `compiled.json`.
`load_knowledge()` reads that snapshot when its recorded digest matches the YAML on disk and
recompiles (and validates) otherwise, so an edited YAML file is never silently ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as True

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from cutis.core.formats import JSON

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
SNAPSHOT_NAME = "compiled.json"


class KnowledgeError(ValueError):
    """The knowledge files are inconsistent or invalid."""


class Knowledge:
    """A read-only, indexed view over one compiled knowledge document."""

    __slots__ = (
        "conditions",
        "document",
        "drugs",
        "exposures",
        "labs",
        "protocols",
        "regions",
        "rules",
        "signs",
        "sources",
        "thresholds",
        "version",
    )

    def __init__(self, document: JSON) -> None:
        self.document = document
        self.version: str = document["knowledge_version"]
        self.sources: dict[str, JSON] = _index(document["sources"])
        self.regions: dict[str, JSON] = _index(document["regions"])
        self.signs: dict[str, JSON] = _index(document["signs"])
        self.conditions: dict[str, JSON] = _index(document["conditions"])
        self.exposures: dict[str, JSON] = _index(document["exposures"])
        self.drugs: dict[str, JSON] = _index(document["drugs"])
        self.labs: dict[str, JSON] = {lab["code"]: lab for lab in document["labs"]}
        self.thresholds: dict[str, JSON] = _index(document["thresholds"])
        self.rules: dict[str, JSON] = _index(document["rules"])
        self.protocols: JSON = document["protocols"]

    @property
    def region_ids(self) -> frozenset[str]:
        return frozenset(self.regions)

    @property
    def sign_ids(self) -> frozenset[str]:
        return frozenset(self.signs)

    @property
    def condition_ids(self) -> frozenset[str]:
        return frozenset(self.conditions)

    @property
    def exposure_ids(self) -> frozenset[str]:
        return frozenset(self.exposures)

    @property
    def lab_codes(self) -> frozenset[str]:
        return frozenset(self.labs)

    def value(self, threshold_id: str) -> float:
        """The number of a threshold; a missing id is a bug in the engine, not in the case."""
        return float(self.thresholds[threshold_id]["value"])

    def drugs_in_class(self, drug_class: str) -> list[str]:
        return [drug_id for drug_id, drug in self.drugs.items() if drug_class in drug["classes"]]


def _index(items: Iterable[JSON]) -> dict[str, JSON]:
    return {item["id"]: item for item in items}


def _yaml_files(directory: str) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".yaml"))


def source_digest(directory: str = DATA_DIR) -> str:
    """A checksum of the YAML sources, recorded in the snapshot to detect stale compiles."""
    digest = 0
    for name in _yaml_files(directory):
        with open(os.path.join(directory, name), "rb") as handle:
            digest = zlib.crc32(name.encode() + b"\0" + handle.read(), digest)
    return f"crc32:{digest:08x}"


def compile_knowledge(directory: str = DATA_DIR) -> JSON:
    """Merge and validate the YAML files; returns the JSON-ready knowledge document."""
    import yaml

    merged: dict[str, object] = {}
    for name in _yaml_files(directory):
        with open(os.path.join(directory, name), encoding="utf-8") as handle:
            content = yaml.safe_load(handle) or {}
        if not isinstance(content, dict):
            raise KnowledgeError(f"{name}: must hold a mapping of sections")
        for key, value in content.items():
            if key in merged:
                raise KnowledgeError(f"{name}: section '{key}' is defined twice")
            merged[key] = value
    return validate_document(merged)


def validate_document(document: Mapping[str, object]) -> JSON:
    """Validate a knowledge document (from YAML or built in memory) with pydantic."""
    from pydantic import ValidationError

    from cutis.knowledge.schema import KnowledgeFiles

    try:
        model = KnowledgeFiles.model_validate(document)
    except ValidationError as error:
        lines = [
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        ]
        raise KnowledgeError("invalid knowledge:\n" + "\n".join(lines)) from error
    result: JSON = model.model_dump(mode="json")
    return result


def knowledge_from_document(document: Mapping[str, object]) -> Knowledge:
    """Build knowledge in memory (tests, alternative knowledge sets), validated like the files."""
    return Knowledge(validate_document(document))


def write_snapshot(directory: str = DATA_DIR) -> str:
    """Compile the YAML and write `compiled.json` beside it; returns the snapshot's path."""
    snapshot = {
        "source_digest": source_digest(directory),
        "knowledge": compile_knowledge(directory),
    }
    path = os.path.join(directory, SNAPSHOT_NAME)
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(snapshot, handle, indent=1, ensure_ascii=False, sort_keys=True)
        handle.write("\n")
    os.replace(temporary, path)
    return path


def load_knowledge(directory: str = DATA_DIR) -> Knowledge:
    """The knowledge in `directory`, from its snapshot when fresh, else compiled from YAML."""
    path = os.path.join(directory, SNAPSHOT_NAME)
    try:
        with open(path, encoding="utf-8") as handle:
            snapshot = json.load(handle)
    except (OSError, ValueError):
        snapshot = None
    if isinstance(snapshot, dict) and snapshot.get("source_digest") == source_digest(directory):
        return Knowledge(snapshot["knowledge"])
    document = compile_knowledge(directory)
    with contextlib.suppress(OSError):  # a read-only install still works, only slower
        write_snapshot(directory)
    return Knowledge(document)
