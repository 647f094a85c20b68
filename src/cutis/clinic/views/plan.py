"""The treatment plan, the dose calculator, the taper generator and the monitoring schedule.

The forms only parse what was typed; the plan and monitoring services check it and name the
field at fault. Changing the plan is a vet's act; every staff member of the clinic sees it and
keeps the monitoring up to date.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cutis import InvalidCase
from cutis.clinic.forms import VoidForm
from cutis.clinic.models import ROUTE_CHOICES, Dog, PlanItem, StaffMember
from cutis.clinic.scoping import dog_for, staff_of
from cutis.clinic.services.assessment import words
from cutis.clinic.services.cases import latest_visit
from cutis.clinic.services.monitoring import (
    MonitoringError,
    label,
    mark_done,
    schedule_for_plan,
    set_due,
)
from cutis.clinic.services.plan import (
    TAPER,
    DoseCalculation,
    PlanChange,
    PlanError,
    Product,
    TaperChoice,
    accept_treatment,
    calculate_plan_dose,
    change_plan_item,
    dose_text,
    may_prescribe,
    product_not_sold,
    products_for,
    store_taper,
    taper_defaults,
    taper_rows,
    taper_table,
    void_plan_item,
)
from cutis.core.explain import number

# ISO, whatever the locale: an <input type="date"> shows nothing for "24/11/2026"
DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _prescriber(request: HttpRequest) -> StaffMember:
    staff = staff_of(request)
    if not may_prescribe(staff):
        raise PermissionDenied("only a vet changes the treatment plan")
    return staff


def _plan_item(dog: Dog, item_id: int) -> PlanItem:
    return get_object_or_404(dog.plan_items.filter(voided_at__isnull=True), pk=item_id)


def _refuse(form: forms.Form, error: PlanError | MonitoringError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


# --- the plan --------------------------------------------------------------------------------------


@login_required
@require_GET
def plan(request: HttpRequest, dog_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    items = dog.plan_items.select_related("from_assessment", "voided_by").order_by("start", "id")
    context = {
        "dog": dog,
        "rows": [(item, dose_text(item)) for item in items if not item.is_voided],
        "voided": [(item, dose_text(item)) for item in items if item.is_voided],
        "can_prescribe": may_prescribe(staff_of(request)),
        "today": timezone.localdate(),
        "taper": TAPER,
    }
    return render(request, "clinic/plan/list.html", context)


class AcceptForm(forms.Form):
    treatment = forms.CharField(max_length=40)
    drug = forms.CharField(max_length=60, required=False)


@login_required
@require_POST
def plan_accept(request: HttpRequest, dog_id: int) -> HttpResponse:
    """Accept a treatment of the assessment into the plan, with its dose."""
    dog = dog_for(request, dog_id)
    staff = _prescriber(request)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a treatment to add to the plan.")
        return redirect("clinic:assessment", dog_id=dog.pk)
    try:
        item = accept_treatment(
            dog,
            treatment_id=form.cleaned_data["treatment"],
            drug=form.cleaned_data["drug"],
            accepted_by=staff.user,
            on=timezone.localdate(),
        )
    except PlanError as error:
        messages.error(request, f"Not added: {error.message}.")
        return redirect("clinic:assessment", dog_id=dog.pk)
    except InvalidCase as error:
        messages.error(request, "Not added: the record is incomplete. " + "; ".join(error.problems))
        return redirect("clinic:assessment", dog_id=dog.pk)
    shown = dose_text(item)
    messages.success(
        request, f"Added {words(item.treatment)} to the plan" + (f": {shown}." if shown else ".")
    )
    if product_not_sold(item, staff.clinic.market):
        messages.warning(
            request,
            f"The {number(float(item.product_strength_mg or 0))} mg {item.product_form} is not "
            f"sold in this clinic's market ({staff.clinic.market}): recalculate the dose.",
        )
    if item.treatment == TAPER:
        return redirect("clinic:plan_taper", dog_id=dog.pk, item_id=item.pk)
    return redirect("clinic:plan", dog_id=dog.pk)


class PlanItemForm(forms.Form):
    mg_per_kg = forms.FloatField(label="Dose (mg/kg)")
    weight_kg = forms.FloatField(label="Weight (kg)", help_text="from the latest visit")
    product = forms.ChoiceField(label="Product", required=False)
    interval_hours = forms.FloatField(label="Every (hours)", required=False)
    route = forms.ChoiceField(label="Route", choices=[("", "—"), *ROUTE_CHOICES], required=False)
    start = forms.DateField(label="Start date", widget=DATE_WIDGET)
    end = forms.DateField(label="Stop date", widget=DATE_WIDGET, required=False)
    instructions = forms.CharField(
        label="Instructions", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    DOSE_FIELDS = ("mg_per_kg", "weight_kg", "product")

    def __init__(self, *args: Any, products: list[Product], dosed: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.products = {product.key: product for product in products}
        if not dosed:
            for name in self.DOSE_FIELDS:
                del self.fields[name]
            return
        field = self.fields["product"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "none: measure the dose"),
            *((product.key, product.label) for product in products),
        ]

    @property
    def dosed(self) -> bool:
        return "mg_per_kg" in self.fields

    def dose_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.DOSE_FIELDS if name in self.fields]

    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.DOSE_FIELDS]

    def calculation(self) -> DoseCalculation | None:
        """The dose from the cleaned mg/kg, weight and product; errors land on their fields."""
        if not self.dosed:
            return None
        data = self.cleaned_data
        if data.get("mg_per_kg") is None or data.get("weight_kg") is None:
            return None
        try:
            return calculate_plan_dose(
                data["mg_per_kg"], data["weight_kg"], self.products.get(data.get("product") or "")
            )
        except PlanError as error:
            _refuse(self, error)
            return None


def _initial(item: PlanItem, dog: Dog, products: list[Product]) -> dict[str, Any]:
    visit = latest_visit(dog)
    product = next(
        (
            p.key
            for p in products
            if item.product_strength_mg is not None
            and (p.strength_mg, p.form) == (float(item.product_strength_mg), item.product_form)
        ),
        "",
    )
    return {
        "mg_per_kg": None if item.mg_per_kg is None else float(item.mg_per_kg),
        "weight_kg": float(visit.weight_kg) if visit else None,
        "product": product,
        "interval_hours": None if item.interval_hours is None else float(item.interval_hours),
        "route": item.route,
        "start": item.start,
        "end": item.end,
        "instructions": item.instructions,
    }


@login_required
def plan_item_edit(request: HttpRequest, dog_id: int, item_id: int) -> HttpResponse:
    """The dose calculator: mg/kg × weight → mg → units of the clinic's products; dates."""
    dog = dog_for(request, dog_id)
    staff = _prescriber(request)
    item = _plan_item(dog, item_id)
    products = products_for(item.drug, staff.clinic.market) if item.drug else []
    form = PlanItemForm(
        request.POST or None,
        initial=_initial(item, dog, products),
        products=products,
        dosed=bool(item.drug),
    )
    calculation = None
    if request.method == "POST" and form.is_valid():
        calculation = form.calculation()
        if request.POST.get("action") == "save" and form.is_valid():
            data = form.cleaned_data
            change = PlanChange(
                dose=calculation,
                interval_hours=data["interval_hours"],
                route=data["route"],
                start=data["start"],
                end=data["end"],
                instructions=data["instructions"],
            )
            try:
                saved = change_plan_item(item, change)
            except PlanError as error:
                _refuse(form, error)
            else:
                messages.success(
                    request, f"Saved {words(saved.treatment)}: {dose_text(saved) or 'no dose'}."
                )
                return redirect("clinic:plan", dog_id=dog.pk)
    context = {
        "dog": dog,
        "item": item,
        "form": form,
        "calculation": calculation,
        "current": dose_text(item),
        "market": staff.clinic.market,
    }
    return render(request, "clinic/plan/edit.html", context)


@login_required
def plan_item_void(request: HttpRequest, dog_id: int, item_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    staff = _prescriber(request)
    item = _plan_item(dog, item_id)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            void_plan_item(item, reason=form.cleaned_data["reason"], voided_by=staff.user)
        except PlanError as error:
            _refuse(form, error)
        else:
            messages.success(request, f"Voided {words(item.treatment)} from the plan.")
            return redirect("clinic:plan", dog_id=dog.pk)
    context = {"dog": dog, "item": item, "form": form, "dose": dose_text(item)}
    return render(request, "clinic/plan/void.html", context)


# --- the glucocorticoid taper -------------------------------------------------------------------------


class TaperForm(forms.Form):
    start = forms.DateField(label="First day of the taper", widget=DATE_WIDGET)
    start_mg = forms.FloatField(label="Starting dose (mg)")
    interval_hours = forms.FloatField(label="Every (hours)")
    step_percent = forms.FloatField(label="Reduce each step by (%)")
    step_days = forms.IntegerField(label="Days per step")
    smallest_step_mg = forms.FloatField(
        label="Smallest dispensable step (mg)",
        help_text="the product's strength × the smallest part of a tablet that may be given",
    )

    def choice(self) -> TaperChoice:
        data = self.cleaned_data
        return TaperChoice(
            start=data["start"],
            start_mg=data["start_mg"],
            interval_hours=data["interval_hours"],
            step_percent=data["step_percent"],
            step_days=data["step_days"],
            smallest_step_mg=data["smallest_step_mg"],
        )


def _taper_item(dog: Dog, item_id: int) -> PlanItem:
    return get_object_or_404(
        dog.plan_items.filter(voided_at__isnull=True, treatment=TAPER), pk=item_id
    )


@login_required
def plan_taper(request: HttpRequest, dog_id: int, item_id: int) -> HttpResponse:
    """Steps and intervals chosen by the vet, previewed as a dated table, then stored."""
    dog = dog_for(request, dog_id)
    staff = staff_of(request)
    item = _taper_item(dog, item_id)
    form = TaperForm(request.POST or None, initial=taper_defaults(item))
    preview = None
    if request.method == "POST":
        _prescriber(request)
        if form.is_valid():
            try:
                if request.POST.get("action") == "save":
                    store_taper(item, form.choice())
                    messages.success(
                        request, "Saved the taper; the plan item stops on its last day."
                    )
                    return redirect("clinic:plan_taper", dog_id=dog.pk, item_id=item.pk)
                preview = taper_rows(item, taper_table(item, form.choice()))
            except PlanError as error:
                _refuse(form, error)
    context = {
        "dog": dog,
        "item": item,
        "form": form,
        "dose": dose_text(item),
        "preview": preview,
        "stored": taper_rows(item, item.taper_steps),
        "can_prescribe": may_prescribe(staff),
    }
    return render(request, "clinic/plan/taper.html", context)


@login_required
@require_GET
def plan_taper_print(request: HttpRequest, dog_id: int, item_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    item = _taper_item(dog, item_id)
    context = {
        "dog": dog,
        "item": item,
        "rows": taper_rows(item, item.taper_steps),
        "clinic": dog.clinic,
        "printed": timezone.localdate(),
    }
    return render(request, "clinic/plan/taper_print.html", context)


# --- monitoring ------------------------------------------------------------------------------------------


class DueForm(forms.Form):
    due = forms.DateField(label="Due date", widget=DATE_WIDGET)


class DoneForm(forms.Form):
    done_on = forms.DateField(label="Done on", widget=DATE_WIDGET)


@login_required
@require_GET
def monitoring(request: HttpRequest, dog_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    today = timezone.localdate()
    items = (
        dog.monitoring.filter(voided_at__isnull=True)
        .select_related("plan_item", "closed_by")
        .order_by(F("due").asc(nulls_last=True), "id")
    )
    context = {
        "dog": dog,
        "rows": [(item, label(item.kind), item.state(today)) for item in items],
        "today": today,
        "has_plan": dog.plan_items.filter(voided_at__isnull=True).exists(),
    }
    return render(request, "clinic/plan/monitoring.html", context)


@login_required
@require_POST
def monitoring_generate(request: HttpRequest, dog_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    try:
        created = schedule_for_plan(dog, timezone.localdate())
    except InvalidCase as error:
        messages.error(
            request, "Not scheduled: the record is incomplete. " + "; ".join(error.problems)
        )
    else:
        if created:
            messages.success(request, f"Scheduled {len(created)} new checks from the plan.")
        else:
            messages.info(request, "Nothing new to schedule: the plan's checks are all listed.")
    return redirect("clinic:monitoring", dog_id=dog.pk)


@login_required
@require_POST
def monitoring_due(request: HttpRequest, dog_id: int, item_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    item = get_object_or_404(dog.monitoring, pk=item_id)
    form = DueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Due date: enter a date.")
    else:
        try:
            set_due(item, form.cleaned_data["due"])
        except MonitoringError as error:
            messages.error(request, f"Not changed: {error.message}.")
        else:
            messages.success(request, f"{label(item.kind)} is due on {form.cleaned_data['due']}.")
    return redirect("clinic:monitoring", dog_id=dog.pk)


@login_required
@require_POST
def monitoring_done(request: HttpRequest, dog_id: int, item_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    item = get_object_or_404(dog.monitoring, pk=item_id)
    form = DoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Done on: enter a date.")
    else:
        try:
            mark_done(item, on=form.cleaned_data["done_on"], today=timezone.localdate())
        except MonitoringError as error:
            field = "Done on: " if error.field == "done_on" else ""
            messages.error(request, f"Not changed: {field}{error.message}.")
        else:
            messages.success(request, f"{label(item.kind)} marked done.")
    return redirect("clinic:monitoring", dog_id=dog.pk)
