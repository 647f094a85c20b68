"""Running the web app's Django forms on API input, so both refuse the same things the same way."""

from __future__ import annotations

from typing import Any

from django import forms

from cutis.clinic.services.errors import EntryError


class FormRefused(EntryError):
    """Every problem a form found, each with its field (the first one is the exception's)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(*problems[0])
        self.problems = problems


def cleaned(form: forms.BaseForm) -> dict[str, Any]:
    """The form's cleaned data, or FormRefused naming each field at fault."""
    if form.is_valid():
        return form.cleaned_data
    problems = [
        (field, str(message)) for field, messages in form.errors.items() for message in messages
    ]
    raise FormRefused(problems)
