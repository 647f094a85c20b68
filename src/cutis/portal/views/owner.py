"""The owner's pages: today's tasks, the plan in plain words, the diary, photos, the handout."""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cutis.clinic.models import Dog, Owner
from cutis.clinic.services.pages import cached_body, draw
from cutis.clinic.services.photos import PhotoError, content_type_of, open_image
from cutis.portal.access import dogs_of_owner, owner_dog_for, owner_of
from cutis.portal.forms import DoneForm, ItchForm
from cutis.portal.services.care import CareError, current_series, mark_done, today_and_missed
from cutis.portal.services.diary import DiaryError, owner_photos, record_itch
from cutis.portal.services.handout import handout_pdf
from cutis.portal.services.words import plan_in_words
from cutis.web.csp import FILE_POLICY


def dog_context(owner: Owner | None, dog: Dog) -> dict[str, Any]:
    """What the dog's page and its printed handout both show."""
    today = timezone.localdate()
    return {
        "owner": owner,
        "dog": dog,
        "today": today,
        "plain": plan_in_words(dog, today),
        "schedule": current_series(dog, today),
        "clinic": dog.clinic,
    }


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    owner = owner_of(request)
    today = timezone.localdate()
    # each dog's tasks are drawn again only when its record (done marks included) or the day changes
    sections = [
        cached_body(
            request, dog, "owner-today", "", today.isoformat(), partial(today_of, dog, today)
        )
        for dog in dogs_of_owner(owner)
    ]
    return render(
        request, "portal/home.html", {"owner": owner, "sections": sections, "today": today}
    )


def today_of(dog: Dog, today: datetime.date) -> str:
    tasks, missed = today_and_missed(dog, today)
    context = {"dog": dog, "tasks": tasks, "missed": missed, "today": today}
    return draw("portal/_today_dog.html", context)


@login_required
@require_GET
def dog_page(request: HttpRequest, dog_id: int) -> HttpResponse:
    _owner, dog = owner_dog_for(request, dog_id)
    today = timezone.localdate().isoformat()
    # the same for every owner of the dog: nothing on it names the viewer
    body = cached_body(request, dog, "owner-plan", "", today, partial(plan_page_of, dog))
    return render(request, "portal/dog.html", {"dog": dog, "body": body})


def plan_page_of(dog: Dog) -> str:
    return draw("portal/_dog_body.html", dog_context(None, dog))


@login_required
@require_POST
def task_done(request: HttpRequest, dog_id: int) -> HttpResponse:
    _owner, dog = owner_dog_for(request, dog_id)
    form = DoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That task could not be marked: reload the page and try again.")
        return redirect("portal:home")
    data = form.cleaned_data
    try:
        mark_done(
            dog,
            plan_item_id=data["item"],
            task=data["task"],
            day=data["day"],
            slot=data["slot"],
            done_by=request.user,  # type: ignore[arg-type]
            today=timezone.localdate(),
        )
    except CareError as error:
        messages.error(request, f"Not marked: {error.message}.")
    # back to the owner's day, never to a page the post names: that let a link on another site
    # send the owner off to it after the mark, and any word that is no URL answered with a 500
    return redirect(f"{reverse('portal:home')}#dog-{dog.pk}")


@login_required
def diary(request: HttpRequest, dog_id: int) -> HttpResponse:
    _owner, dog = owner_dog_for(request, dog_id)
    today = timezone.localdate()
    posted = request.method == "POST"
    form = ItchForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial={"day": today},
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            record_itch(
                dog,
                score=data["score"],
                day=data["day"],
                note=data["note"],
                by=request.user,  # type: ignore[arg-type]
                today=today,
                photo=data["photo"] or None,
            )
        except (DiaryError, PhotoError) as error:
            field = "photo" if error.field == "image" else error.field
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, f"Saved: itch {data['score']} on {data['day']:%d %b}.")
            return redirect("portal:diary", dog_id=dog.pk)
    context = {
        "dog": dog,
        "form": form,
        "scores": dog.itch_scores.select_related("recorded_by")[:14],
        "photos": owner_photos(dog)[:12],
    }
    return render(request, "portal/diary.html", context)


@login_required
@require_GET
def photo(request: HttpRequest, dog_id: int, photo_id: int) -> FileResponse:
    _owner, dog = owner_dog_for(request, dog_id)
    found = get_object_or_404(owner_photos(dog), pk=photo_id)
    try:
        handle = open_image(found, thumbnail=request.GET.get("size") != "full")
    except FileNotFoundError:
        raise Http404("photo file missing") from None
    response = FileResponse(handle, content_type=content_type_of(handle.name or ""))
    response["Cache-Control"] = "private, no-cache"
    response["Content-Security-Policy"] = FILE_POLICY
    return response


@login_required
@require_GET
def handout(request: HttpRequest, dog_id: int) -> HttpResponse:
    owner, dog = owner_dog_for(request, dog_id)
    pdf = handout_pdf(dog_context(owner, dog))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{dog.name}-home-care.pdf"'
    response["Cache-Control"] = "private, no-cache"
    response["Content-Security-Policy"] = FILE_POLICY
    return response
