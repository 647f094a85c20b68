"""The public case and assessment formats (src/cutis/schemas) as OpenAPI components.

The API documents exactly the JSON Schemas the spec publishes, so schemathesis checks every
assessment the API returns against the public assessment schema. Their `$defs` move into the
OpenAPI components, prefixed so the two formats cannot collide.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

CASE = "CaseDocument"
ASSESSMENT = "AssessmentDocument"
FORMATS = {
    CASE: ("case.schema.json", "case_"),
    ASSESSMENT: ("assessment.schema.json", "assessment_"),
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _rewrite(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                f"#/components/schemas/{prefix}{value.removeprefix('#/$defs/')}"
                if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/")
                else _rewrite(value, prefix)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite(item, prefix) for item in node]
    return node


@functools.cache
def components() -> dict[str, Any]:
    """Both formats and their definitions, ready for `components.schemas`."""
    found: dict[str, Any] = {}
    for name, (filename, prefix) in FORMATS.items():
        document = json.loads((resources.files("cutis") / "schemas" / filename).read_text("utf-8"))
        definitions = document.pop("$defs", {})
        for key in ("$schema", "$id"):
            document.pop(key, None)
        found[name] = _rewrite(document, prefix)
        found.update(
            {f"{prefix}{key}": _rewrite(value, prefix) for key, value in definitions.items()}
        )
    return found


def treatment_ids() -> tuple[str, ...]:
    """The treatment ids the public assessment format names."""
    treatments = components()[ASSESSMENT]["properties"]["treatments"]
    return tuple(treatments["items"]["properties"]["id"]["enum"])


def json_body(name: str, description: str) -> dict[str, Any]:
    return {
        "required": True,
        "description": description,
        "content": {"application/json": {"schema": ref(name)}},
    }


def json_response(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref(name)}}}
