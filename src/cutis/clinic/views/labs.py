"""Lab results: the list with reference intervals and flags, entry forms, voiding.

The forms only parse what was typed; the lab services decide whether it can be stored and name the
field at fault, so the same rules hold wherever a result comes from.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from cutis.clinic.forms import VoidForm
from cutis.clinic.models import Dog
from cutis.clinic.scoping import dog_for, staff_of
from cutis.clinic.services.labs import (
    CULTURE,
    LabEntryError,
    LabRow,
    all_units,
    antibiotics,
    culture_detail,
    lab_row,
    lab_rows,
    latest_lab_rows,
    numeric_tests,
    record_lab_value,
    record_test_result,
    result_tests,
    result_text,
    results_for,
    units_for,
    void_observation,
)

# ISO, whatever the locale: an <input type="date"> shows nothing for "24/11/2026"
DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _offer(field: forms.Field, choices: list[tuple[str, Any]]) -> None:
    """Set the choices a field accepts (and shows, until `_show` narrows what is shown)."""
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{field!r} has no choices")
    field.choices = choices


def _show(field: forms.Field, choices: list[tuple[str, str]]) -> None:
    """Narrow the options shown without narrowing what validates."""
    if not isinstance(field.widget, forms.widgets.ChoiceWidget):
        raise TypeError(f"{field.widget!r} has no choices")
    field.widget.choices = choices


def _unit_choices(units: list[str]) -> list[tuple[str, str]]:
    return [(unit, unit or "(no unit)") for unit in units]


NO_RESULT = ("", "choose a result")


def _result_choices(results: list[str]) -> list[tuple[str, str]]:
    return [(result, result_text(result)) for result in results]


def _results_by_test() -> list[tuple[str, Any]]:
    """Every result grouped under its test: what the picker shows before a test is chosen."""
    grouped = [(label, _result_choices(results_for(code))) for code, label in result_tests()]
    return [NO_RESULT, *grouped]


class LabValueForm(forms.Form):
    code = forms.ChoiceField(label="Test")
    value = forms.FloatField(label="Value")
    # every known unit validates here; the lab service refuses one the chosen test does not accept
    unit = forms.ChoiceField(label="Unit", required=False)
    date = forms.DateField(label="Date", widget=DATE_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self.fields["code"], [("", "choose a test"), *numeric_tests()])
        _offer(self.fields["unit"], _unit_choices(all_units()))
        code = self.data.get("code") if self.is_bound else self.initial.get("code")
        offered = units_for(str(code or ""))
        typed = self.data.get("unit") if self.is_bound else None
        if offered and typed is not None and typed not in offered:
            offered.append(typed)  # keep what was typed on screen beside the message about it
        if offered:
            _show(self.fields["unit"], _unit_choices(offered))


class LabTestForm(forms.Form):
    code = forms.ChoiceField(label="Test")
    result = forms.ChoiceField(label="Result")
    organism = forms.CharField(label="Organism", max_length=120, required=False)
    susceptible = forms.MultipleChoiceField(
        label="Susceptible to", required=False, widget=forms.CheckboxSelectMultiple
    )
    resistant = forms.MultipleChoiceField(
        label="Resistant to", required=False, widget=forms.CheckboxSelectMultiple
    )
    methicillin_resistant = forms.BooleanField(label="Methicillin-resistant", required=False)
    date = forms.DateField(label="Date", widget=DATE_WIDGET)

    CULTURE_FIELDS = ("organism", "susceptible", "resistant", "methicillin_resistant")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _offer(self.fields["code"], [("", "choose a test"), *result_tests()])
        _offer(self.fields["result"], _results_by_test())
        for name in ("susceptible", "resistant"):
            _offer(self.fields[name], antibiotics())
        code = self.data.get("code") if self.is_bound else self.initial.get("code")
        offered = results_for(str(code or ""))
        typed = self.data.get("result") if self.is_bound else None
        if offered and typed and typed not in offered:
            offered.append(typed)
        if offered:
            _show(self.fields["result"], [NO_RESULT, *_result_choices(offered)])

    def culture_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CULTURE_FIELDS]

    def test_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.CULTURE_FIELDS]


def _options_attrs(dog: Dog, field: str) -> dict[str, str]:
    # htmx refreshes the unit or result options when the test changes; without JavaScript the
    # full list stays and the service refuses a unit or result the test does not accept
    return {
        "hx-get": reverse("clinic:lab_options", args=[dog.pk]),
        "hx-vals": json.dumps({"field": field}),
        "hx-target": f"#id_{field}",
        "hx-swap": "outerHTML",
        "hx-trigger": "change",
    }


@login_required
@require_GET
def lab_list(request: HttpRequest, dog_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    observations = dog.observations.select_related("voided_by").order_by("-date", "-id")
    context = {
        "dog": dog,
        "rows": lab_rows(o for o in observations if not o.is_voided),
        "voided": lab_rows(o for o in observations if o.is_voided),
    }
    return render(request, "clinic/labs/list.html", context)


@login_required
@require_GET
def lab_panel(request: HttpRequest, dog_id: int) -> HttpResponse:
    """The latest result of each test with flags: the dog page loads it with htmx."""
    dog = dog_for(request, dog_id)
    rows: list[LabRow] = latest_lab_rows(dog)
    return render(request, "clinic/labs/_table.html", {"dog": dog, "lab_rows": rows})


@login_required
@require_GET
def lab_options(request: HttpRequest, dog_id: int) -> HttpResponse:
    """The unit or result picker offering what the chosen test accepts (all, when none is)."""
    dog_for(request, dog_id)
    initial = {"code": request.GET.get("code", "")}
    if request.GET.get("field") == "result":
        picker = LabTestForm(initial=initial)["result"]
    else:
        picker = LabValueForm(initial=initial)["unit"]
    return HttpResponse(str(picker))


@login_required
def lab_value_create(request: HttpRequest, dog_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    initial = {"date": timezone.localdate(), "code": request.GET.get("code", "")}
    form = LabValueForm(request.POST or None, initial=initial)
    form.fields["code"].widget.attrs.update(_options_attrs(dog, "unit"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            observation = record_lab_value(
                dog,
                code=data["code"],
                value=data["value"],
                unit=data["unit"],
                on=data["date"],
                recorded_by=staff_of(request).user,
            )
        except LabEntryError as error:
            form.add_error(error.field, error.message)
        else:
            row = lab_row(observation)
            flag = f" ({row.flag})" if row.flag else ""
            entered = f", entered as {row.entered}" if row.entered else ""
            messages.success(request, f"Saved {row.label} {row.shown}{entered}{flag}.")
            return redirect("clinic:lab_list", dog_id=dog.pk)
    return render(
        request,
        "clinic/labs/form.html",
        {"form": form, "dog": dog, "title": f"Lab value for {dog.name}"},
    )


@login_required
def lab_test_create(request: HttpRequest, dog_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    initial = {"date": timezone.localdate(), "code": request.GET.get("code", "")}
    form = LabTestForm(request.POST or None, initial=initial)
    form.fields["code"].widget.attrs.update(_options_attrs(dog, "result"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entered_culture = any(data[name] for name in LabTestForm.CULTURE_FIELDS)
        try:
            culture = (
                culture_detail(
                    data["organism"],
                    data["susceptible"],
                    data["resistant"],
                    data["methicillin_resistant"],
                )
                if entered_culture
                else None
            )
            observation = record_test_result(
                dog,
                code=data["code"],
                result=data["result"],
                culture=culture,
                on=data["date"],
                recorded_by=staff_of(request).user,
            )
        except LabEntryError as error:
            form.add_error(error.field, error.message)
        else:
            row = lab_row(observation)
            messages.success(request, f"Saved {row.label}: {row.shown}.")
            return redirect("clinic:lab_list", dog_id=dog.pk)
    return render(
        request,
        "clinic/labs/test_form.html",
        {"form": form, "dog": dog, "title": f"Test result for {dog.name}", "culture": CULTURE},
    )


@login_required
def lab_void(request: HttpRequest, dog_id: int, observation_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    observation = get_object_or_404(dog.observations, pk=observation_id)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            void_observation(
                observation, reason=form.cleaned_data["reason"], voided_by=staff_of(request).user
            )
        except LabEntryError as error:
            form.add_error(error.field, error.message)
        else:
            row = lab_row(observation)
            messages.success(request, f"Voided {row.label} of {observation.date}.")
            return redirect("clinic:lab_list", dog_id=dog.pk)
    return render(
        request,
        "clinic/labs/void.html",
        {"form": form, "dog": dog, "row": lab_row(observation)},
    )
