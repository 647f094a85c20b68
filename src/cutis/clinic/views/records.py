"""Dogs, visits and medications: thin views over the record services."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cutis.clinic.forms import DogForm, MedicationForm, VisitForm
from cutis.clinic.models import Dog
from cutis.clinic.scoping import clinic_of, dog_for, dogs_of
from cutis.clinic.services.assessment import words
from cutis.clinic.services.cases import knowledge, latest_visit
from cutis.clinic.services.labs import latest_lab_rows
from cutis.clinic.services.pages import cached_body, draw, framed
from cutis.clinic.services.photos import live_photos
from cutis.clinic.services.plan import dose_text
from cutis.clinic.services.records import record_medication, record_visit, register_dog


def labels(ids: list[str], group: str) -> str:
    """Signs or conditions by their labels, as the vet reads them."""
    known = getattr(knowledge(), group)
    return ", ".join(known[i]["label"] if i in known else i for i in ids)


@login_required
@require_GET
def dog_list(request: HttpRequest) -> HttpResponse:
    dogs = dogs_of(request).prefetch_related("owners")
    return render(request, "clinic/dog_list.html", {"dogs": dogs})


@login_required
def dog_create(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    form = DogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        dog = register_dog(clinic, form.cleaned_data)
        return redirect("clinic:visit_create", dog_id=dog.pk)
    return render(request, "clinic/form.html", {"form": form, "title": "Register a dog"})


@login_required
@require_GET
def dog_detail(request: HttpRequest, dog_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    today = timezone.localdate()
    body = cached_body(
        request, dog, "dog", "staff", today.isoformat(), lambda: draw_dog_page(dog, today)
    )
    return framed(request, dog.name, body)


def draw_dog_page(dog: Dog, today: datetime.date) -> str:
    """The dog's page body: the record read afresh (only when it changed since the last draw)."""
    visit = latest_visit(dog)
    plan = list(dog.plan_items.filter(voided_at__isnull=True))
    context = {
        "dog": dog,
        "visit": visit,
        "visits": dog.visits.filter(voided_at__isnull=True),
        "medications": dog.medications.filter(voided_at__isnull=True),
        "lab_rows": latest_lab_rows(dog),
        # voided photos are left out before counting, so they never take a slot
        "recent_photos": live_photos(dog)[:12],
        "plan": plan,
        "plan_lines": [(words(item.treatment), item, dose_text(item)) for item in plan],
        "signs_text": labels(visit.signs if visit else [], "signs"),
        "conditions_text": labels(visit.conditions if visit else [], "conditions"),
        "monitoring": [
            (item, item.state(today))
            for item in dog.monitoring.filter(voided_at__isnull=True).order_by("due")
        ],
        "age_years": round((today - dog.birth_date).days / 365.25, 1),
    }
    return draw("clinic/_dog_detail_body.html", context)


@login_required
def visit_create(request: HttpRequest, dog_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    previous = latest_visit(dog)
    initial: dict[str, object] = {"date": timezone.localdate()}
    if previous is not None:
        initial.update(
            weight_kg=previous.weight_kg, signs=previous.signs, conditions=previous.conditions
        )
    form = VisitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        record_visit(dog, form.cleaned_data)
        return redirect("clinic:dog_detail", dog_id=dog.pk)
    return render(
        request, "clinic/form.html", {"form": form, "title": f"Visit for {dog.name}", "dog": dog}
    )


@login_required
def medication_create(request: HttpRequest, dog_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    form = MedicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        record_medication(dog, form.cleaned_data)
        return redirect("clinic:dog_detail", dog_id=dog.pk)
    return render(
        request,
        "clinic/form.html",
        {"form": form, "title": f"Medication for {dog.name}", "dog": dog},
    )
