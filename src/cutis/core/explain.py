"""Reasons: every item the engine returns says why, in the vet's and the owner's words, with sources."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as True

if TYPE_CHECKING:
    from cutis.core.formats import Because
    from cutis.knowledge import Knowledge


def number(value: float, places: int = 2) -> str:
    """A number as a clinician writes it: no trailing zeros, no float noise."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


class Reasons:
    """Builds `because` entries from the knowledge's rule texts."""

    __slots__ = ("knowledge",)

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge

    def because(self, rule_id: str, **values: object) -> Because:
        rule = self.knowledge.rules[rule_id]
        sources: list[str] = list(rule["sources"])
        for threshold_id in rule["thresholds"]:
            for source_id in self.knowledge.thresholds[threshold_id]["sources"]:
                if source_id not in sources:
                    sources.append(source_id)
        shown = {key: number(v) if isinstance(v, float) else v for key, v in values.items()}
        return {
            "rule": rule_id,
            "text": rule["vet"].format(**shown),
            "owner_text": rule["owner"].format(**shown),
            "sources": sources,
        }
