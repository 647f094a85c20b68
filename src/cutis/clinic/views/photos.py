"""Lesion photos: upload, the strip, two dates side by side, and the scoped image files."""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from cutis.clinic.forms import VoidForm
from cutis.clinic.models import Dog, Photo
from cutis.clinic.scoping import dog_for, staff_of
from cutis.clinic.services.cases import knowledge
from cutis.clinic.services.lesions import is_region
from cutis.clinic.services.photos import (
    PhotoError,
    content_type_of,
    default_pair,
    in_date_order,
    live_photos,
    open_image,
    photo_caption,
    photo_place,
    store_photo,
    void_photo,
)
from cutis.web.csp import FILE_POLICY

DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _region_choices(blank: str) -> list[tuple[str, str]]:
    regions = knowledge().regions
    return [("", blank), *((region_id, str(r["label"])) for region_id, r in regions.items())]


class VisitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"visit of {obj.date.isoformat()}"


class PhotoChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return photo_caption(obj)


class PhotoForm(forms.Form):
    # a plain file field: the photo service opens it and names what is wrong with it
    image = forms.FileField(
        label="Photo",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    region = forms.ChoiceField(
        label="Region", required=False, choices=functools.partial(_region_choices, "no region")
    )
    taken_on = forms.DateField(
        label="Date taken",
        required=False,
        widget=DATE_WIDGET,
        help_text="left blank: the date the camera recorded, else today",
    )
    field_order = ("image", "visit", "region", "taken_on")

    def __init__(self, dog: Dog, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["image"].help_text = (
            f"JPEG, PNG or WebP, up to {settings.PHOTO_MAX_MB} MB; "
            "location and camera data are removed"
        )
        self.fields["visit"] = VisitChoiceField(
            label="Visit",
            queryset=dog.visits.filter(voided_at__isnull=True),
            required=False,
            empty_label="no visit",
        )
        self.order_fields(self.field_order)


class CompareForm(forms.Form):
    region = forms.ChoiceField(
        label="Region", required=False, choices=functools.partial(_region_choices, "any region")
    )

    def __init__(self, photos: QuerySet[Photo], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        in_order = photos.order_by("taken_on", "id")
        self.fields["first"] = PhotoChoiceField(
            label="Photo", queryset=in_order, required=False, empty_label="the first"
        )
        self.fields["second"] = PhotoChoiceField(
            label="Beside", queryset=in_order, required=False, empty_label="the latest"
        )


def _photo_for(dog: Dog, photo_id: int) -> Photo:
    return get_object_or_404(dog.photos.select_related("visit", "voided_by"), pk=photo_id)


@login_required
@require_GET
def photo_list(request: HttpRequest, dog_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    photos = dog.photos.select_related("visit", "voided_by", "uploaded_by__owner")
    context = {
        "dog": dog,
        "photos": [(p, photo_caption(p)) for p in photos if not p.is_voided],
        "voided": [(p, photo_caption(p)) for p in photos if p.is_voided],
    }
    return render(request, "clinic/photos/list.html", context)


@login_required
def photo_upload(request: HttpRequest, dog_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    initial = {"visit": request.GET.get("visit"), "region": request.GET.get("region", "")}
    posted = request.method == "POST"
    form = PhotoForm(
        dog, request.POST if posted else None, request.FILES if posted else None, initial=initial
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            photo = store_photo(
                dog,
                data["image"],
                visit=data["visit"],
                region=data["region"],
                taken_on=data["taken_on"],
                uploaded_by=staff_of(request).user,
            )
        except PhotoError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, f"Saved the photo of {photo_caption(photo)}.")
            return redirect("clinic:photo_list", dog_id=dog.pk)
    return render(
        request,
        "clinic/photos/form.html",
        {"form": form, "dog": dog, "title": f"Add a photo of {dog.name}"},
    )


@login_required
@require_GET
def photo_compare(request: HttpRequest, dog_id: int) -> HttpResponse:
    """Two photos side by side, the older on the left; by default the first and the latest."""
    dog = dog_for(request, dog_id)
    region = request.GET.get("region", "")
    photos = live_photos(dog, region if is_region(region) else "")
    form = CompareForm(photos, request.GET or None)
    pair = default_pair(photos)
    if form.is_bound and form.is_valid() and pair is not None:
        chosen = form.cleaned_data["first"] or pair[0], form.cleaned_data["second"] or pair[1]
        pair = in_date_order(*chosen)
    context: dict[str, Any] = {"dog": dog, "form": form, "pair": None}
    if pair is not None:
        older, newer = pair
        context.update(
            pair=[(older, photo_place(older)), (newer, photo_place(newer))],
            days_apart=(newer.taken_on - older.taken_on).days,
        )
    return render(request, "clinic/photos/compare.html", context)


def _serve(request: HttpRequest, dog_id: int, photo_id: int, *, thumbnail: bool) -> FileResponse:
    dog = dog_for(request, dog_id)
    photo = _photo_for(dog, photo_id)
    try:
        stored = open_image(photo, thumbnail=thumbnail)
    except FileNotFoundError as error:
        raise Http404("the image file is missing") from error
    response = FileResponse(stored, content_type=content_type_of(stored.name or ""))
    # a patient's photo: kept by the browser for a while, never by a shared cache
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = FILE_POLICY
    return response


@login_required
@require_GET
def photo_image(request: HttpRequest, dog_id: int, photo_id: int) -> FileResponse:
    return _serve(request, dog_id, photo_id, thumbnail=False)


@login_required
@require_GET
def photo_thumbnail(request: HttpRequest, dog_id: int, photo_id: int) -> FileResponse:
    return _serve(request, dog_id, photo_id, thumbnail=True)


@login_required
def photo_void(request: HttpRequest, dog_id: int, photo_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    photo = _photo_for(dog, photo_id)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            void_photo(photo, reason=form.cleaned_data["reason"], voided_by=staff_of(request).user)
        except PhotoError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, f"Voided the photo of {photo_caption(photo)}.")
            return redirect("clinic:photo_list", dog_id=dog.pk)
    context = {"dog": dog, "photo": photo, "caption": photo_caption(photo), "form": form}
    return render(request, "clinic/photos/void.html", context)
