"""The assessment page: the clinical core run on the dog's record now, and the saved assessments."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.db.models.fields.json import KT
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cutis import InvalidCase
from cutis.clinic.models import Dog, SavedAssessment
from cutis.clinic.scoping import dog_for, staff_of
from cutis.clinic.services.assessment import save_assessment, shown
from cutis.clinic.services.cases import assess_dog, knowledge
from cutis.clinic.services.pages import cached_body, draw, framed
from cutis.clinic.services.plan import may_prescribe

# where the vet fixes each part of the record the core could not read, most specific first
FIXES = (
    ("patient.weight_kg", "clinic:visit_create", "Record a visit with the dog's weight"),
    ("patient.", "clinic:dog_detail", "Check the dog's details"),
    ("history.medications", "clinic:medication_create", "Add or correct a medication"),
    ("history.", "clinic:visit_create", "Record a visit"),
    ("observations", "clinic:lab_list", "Check the lab results"),
    ("lesions", "clinic:dog_detail", "Check the charted lesions"),
)


@dataclass(frozen=True)
class Fix:
    problem: str
    url: str
    action: str


def fixes_for(dog: Dog, problems: list[str]) -> list[Fix]:
    """Each problem of an incomplete record with a link to the page that fixes it."""
    fixes = []
    for problem in problems:
        name, action = next(
            ((name, action) for prefix, name, action in FIXES if problem.startswith(prefix)),
            ("clinic:dog_detail", "Open the dog's record"),
        )
        try:
            url = reverse(name, args=[dog.pk])
        except NoReverseMatch:
            url, action = reverse("clinic:dog_detail", args=[dog.pk]), "Open the dog's record"
        fixes.append(Fix(problem, url, action))
    return fixes


def saved_list(dog: Dog) -> QuerySet[SavedAssessment]:
    """The latest saved assessments as the list shows them: without decoding their documents."""
    return (
        dog.assessments.select_related("created_by")
        .defer("case", "assessment")
        .annotate(assessed_on=KT("assessment__assessed_on"))[:20]
    )


@login_required
@require_GET
def assessment(request: HttpRequest, dog_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    can_prescribe = may_prescribe(staff_of(request))
    today = timezone.localdate()
    body = cached_body(
        request,
        dog,
        "assessment",
        "prescriber" if can_prescribe else "viewer",
        today.isoformat(),
        lambda: draw_assessment(dog, today, can_prescribe=can_prescribe),
    )
    return framed(request, f"Assessment · {dog.name}", body)


def draw_assessment(dog: Dog, today: datetime.date, *, can_prescribe: bool) -> str:
    """The assessment body: the core run on the record (only when it changed since the last draw)."""
    context: dict[str, object] = {
        "dog": dog,
        "saved_list": saved_list(dog),
        "can_prescribe": can_prescribe,
    }
    try:
        _case, result = assess_dog(dog, today)
    except InvalidCase as error:
        context["fixes"] = fixes_for(dog, error.problems)
        return draw("clinic/assessment/_incomplete_body.html", context)
    context["shown"] = shown(result, knowledge())
    return draw("clinic/assessment/_body.html", context)


@login_required
@require_POST
def assessment_save(request: HttpRequest, dog_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    try:
        saved = save_assessment(dog, saved_by=staff_of(request).user, on=timezone.localdate())
    except InvalidCase as error:
        messages.error(request, "Not saved: the record is incomplete. " + "; ".join(error.problems))
    else:
        messages.success(
            request,
            f"Saved this assessment (engine {saved.engine_version}, "
            f"knowledge {saved.knowledge_version}).",
        )
    return redirect("clinic:assessment", dog_id=dog.pk)


@login_required
@require_GET
def assessment_saved(request: HttpRequest, dog_id: int, saved_id: int) -> HttpResponse:
    """A saved assessment replayed as it was shown, whatever the record says now."""
    dog = dog_for(request, dog_id)
    saved = get_object_or_404(dog.assessments.select_related("created_by"), pk=saved_id)
    context = {
        "dog": dog,
        "saved": saved,
        "saved_list": saved_list(dog),
        "shown": shown(saved.assessment, knowledge()),
        "can_prescribe": False,
    }
    body = render_to_string("clinic/assessment/_body.html", context, request)
    return framed(request, f"Saved assessment · {dog.name}", body)


@login_required
@require_GET
def assessment_alerts(request: HttpRequest, dog_id: int) -> HttpResponse:
    """The dog's critical alerts now: the dog page loads them with htmx."""
    dog = dog_for(request, dog_id)
    context: dict[str, object] = {"dog": dog}
    try:
        _case, result = assess_dog(dog, timezone.localdate())
    except InvalidCase as error:
        context["fixes"] = fixes_for(dog, error.problems)
    else:
        context["shown"] = shown(result, knowledge())
    return render(request, "clinic/assessment/_alerts.html", context)
