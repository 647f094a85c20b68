"""Forms that name the field on bad input and keep what the user typed."""

from __future__ import annotations

from typing import Any

from django import forms

from cutis.clinic.models import ROUTE_CHOICES, SEX_CHOICES, Dog, Medication, Visit
from cutis.clinic.services.cases import knowledge


def _choices(group: str) -> list[tuple[str, str]]:
    items = getattr(knowledge(), group)
    return [(item_id, item["label"]) for item_id, item in items.items()]


class DogForm(forms.ModelForm):
    owner_name = forms.CharField(max_length=200, required=False, label="Owner's name")
    owner_email = forms.EmailField(required=False, label="Owner's e-mail")

    class Meta:
        model = Dog
        fields = ("name", "breed", "sex", "birth_date")
        labels = {"birth_date": "Date of birth"}
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class VisitForm(forms.ModelForm):
    signs = forms.MultipleChoiceField(
        choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    conditions = forms.MultipleChoiceField(
        choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Visit
        fields = ("date", "weight_kg", "signs", "conditions", "notes")
        labels = {"date": "Visit date", "weight_kg": "Weight (kg)"}
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signs"].choices = _choices("signs")  # type: ignore[attr-defined]
        self.fields["conditions"].choices = _choices("conditions")  # type: ignore[attr-defined]

    def clean_weight_kg(self) -> Any:
        weight = self.cleaned_data["weight_kg"]
        if weight is not None and not 0.5 <= float(weight) <= 120:
            raise forms.ValidationError(f"must be between 0.5 and 120 kg (got {weight})")
        return weight


class MedicationForm(forms.ModelForm):
    route = forms.ChoiceField(choices=[("", "—"), *ROUTE_CHOICES], required=False)

    class Meta:
        model = Medication
        fields = ("drug", "dose_mg", "interval_hours", "route", "start", "end", "reason")
        labels = {
            "dose_mg": "Dose (mg)",
            "interval_hours": "Every (hours)",
            "start": "Started on",
            "end": "Stopped on",
            "reason": "Given for",
        }
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", f"is before the start ({end} < {start})")
        return data


class VoidForm(forms.Form):
    """Why a clinical record is voided: required, kept with the record."""

    reason = forms.CharField(label="Reason", max_length=300)


SEXES = SEX_CHOICES
