"""The one way a service refuses a change: the form field at fault and a message naming it."""

from __future__ import annotations


class EntryError(ValueError):
    """A change that cannot be stored as entered; `field` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
