"""The body map: a dog drawn from above and from below, one link per region of the knowledge.

Each region is an SVG link to the lesion form for that region at that visit, so the map works
without JavaScript; with htmx the form loads into a panel beside the map. The shapes are drawn
here, in the coordinates of one side of the dog, and mirrored for the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from cutis.clinic.forms import VoidForm
from cutis.clinic.models import MORPHOLOGY_CHOICES, Dog, Lesion, Visit
from cutis.clinic.scoping import dog_for, staff_of
from cutis.clinic.services.cases import knowledge
from cutis.clinic.services.lesions import (
    FEATURE_LABELS,
    LesionEntryError,
    LesionFindings,
    change_lesion,
    chart_lesion,
    is_region,
    lesion_summary,
    lesions_by_region,
    region_label,
    void_lesion,
)
from cutis.clinic.services.photos import live_photos, photo_caption


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


# ISO, whatever the locale: an <input type="date"> shows nothing for "24/11/2026"
DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
YES_NO_UNKNOWN = [("", "not assessed"), ("true", "yes"), ("false", "no")]


@dataclass(frozen=True)
class Placement:
    """Where a shape drawn in its own coordinates sits: rotated, then mirrored, then moved."""

    a: float
    b: float
    c: float
    d: float
    e: float
    f: float

    @classmethod
    def at(cls, x: float, y: float = 0, *, angle: float = 0, mirror: bool = False) -> Placement:
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        flip = -1 if mirror else 1
        return cls(flip * cos, sin, -flip * sin, cos, x, y)

    def point(self, x: float, y: float) -> tuple[float, float]:
        return (
            round(self.a * x + self.c * y + self.e, 1),
            round(self.b * x + self.d * y + self.f, 1),
        )

    @property
    def transform(self) -> str:
        numbers = (self.a, self.b, self.c, self.d, self.e, self.f)
        return "matrix({})".format(" ".join(f"{n:.4g}" for n in numbers))


def _ellipse(cx: float, cy: float, rx: float, ry: float | None = None) -> str:
    ry = rx if ry is None else ry
    return f"M{cx - rx},{cy} a{rx},{ry} 0 1,0 {2 * rx},0 a{rx},{ry} 0 1,0 {-2 * rx},0 Z"


@dataclass(frozen=True)
class Outline:
    """A region's shape (SVG path data in its own coordinates), where its count badge goes."""

    path: str
    badge: tuple[float, float]
    place: Placement
    # joints are drawn over the limb they sit on, so both stay clickable
    layer: int = 0

    @property
    def badge_at(self) -> tuple[float, float]:
        return self.place.point(*self.badge)


# The two views share a centre line; x is measured from it, negative on the viewer's left.
ABOVE, BELOW = 115.0, 345.0
FACE = "M-16,78 C-22,60 -18,40 -10,28 C-6,20 6,20 10,28 C18,40 22,60 16,78 Z"
PINNA = "M-16,44 C-28,40 -38,48 -40,66 C-32,68 -22,64 -16,58 Z"
TRUNK = (
    "M-16,78 L16,78 L34,134 C38,160 38,190 34,228 C30,250 14,262 0,262"
    " C-14,262 -30,250 -34,228 C-38,190 -38,160 -34,134 Z"
)
TAIL = "M-5,254 C-6,280 -4,310 0,330 C4,310 6,280 5,254 Z"
# a limb points along -x from where it joins the trunk
FORELIMB_SILHOUETTE = "M0,-12 L-64,-8 L-64,8 L0,12 Z " + _ellipse(-70, 0, 12, 11)
HINDLIMB_SILHOUETTE = "M0,-14 L-72,-8 L-72,8 L0,14 Z " + _ellipse(-80, 0, 12, 11)
FORELIMB = "M0,-10 L-58,-8 C-61,-8 -61,8 -58,8 L0,10 Z"
THIGH = "M0,-15 C-12,-16 -26,-12 -32,-10 L-32,10 C-26,12 -12,16 0,15 Z"
FOREPAW = _ellipse(-70, 0, 12, 11)
HINDPAW = _ellipse(-80, 0, 12, 11)
# where the limbs join, on the viewer's left; angles turn the forelimbs forward, hindlimbs back
FORE = (-30.0, 122.0, 30.0)
HIND = (-30.0, 232.0, -35.0)


def _limb(x: float, y: float, angle: float, *, centre: float, mirror: bool) -> Placement:
    return Placement.at(centre - x if mirror else centre + x, y, angle=angle, mirror=mirror)


def _paired(
    left: str,
    right: str,
    path: str,
    badge: tuple[float, float],
    *,
    view: float = ABOVE,
    joint: tuple[float, float, float] | None = None,
    layer: int = 0,
) -> dict[str, Outline]:
    """A left and a right region: drawn on the viewer's left, mirrored for the other side.

    From above, the dog's left is on the viewer's left; from below, on the viewer's right.
    """
    unmirrored, mirrored = (left, right) if view == ABOVE else (right, left)
    shapes = {}
    for region, mirror in ((unmirrored, False), (mirrored, True)):
        if joint is None:
            placement = Placement.at(view, mirror=mirror)
        else:
            placement = _limb(*joint, centre=view, mirror=mirror)
        shapes[region] = Outline(path, badge, placement, layer)
    return shapes


def region_outlines() -> dict[str, Outline]:
    """The shape of every region id the spec names, keyed by id."""
    above, below = Placement.at(ABOVE), Placement.at(BELOW)
    return {
        "face": Outline(FACE, (0, 56), above),
        **_paired("pinna_left", "pinna_right", PINNA, (-29, 56)),
        "oral_tongue": Outline("M-7,30 C-9,8 9,8 7,30 Z", (0, 20), below),
        "neck_dorsal": Outline("M-16,78 L16,78 L20,104 L-20,104 Z", (0, 91), above),
        "neck_ventral": Outline("M-16,78 L16,78 L20,104 L-20,104 Z", (0, 91), below),
        "shoulders": Outline("M-20,104 L20,104 L34,134 L-34,134 Z", (0, 120), above),
        "back": Outline("M-18,134 H18 V196 H-18 Z", (0, 165), above),
        "lumbar_rump": Outline("M-18,196 H18 V250 C10,260 -10,260 -18,250 Z", (0, 226), above),
        **_paired(
            "flank_left",
            "flank_right",
            "M-34,134 L-18,134 L-18,214 L-35,214 C-38,190 -38,160 -34,134 Z",
            (-26, 174),
        ),
        "chest_ventral": Outline("M-20,104 L20,104 L24,124 V170 H-24 V124 Z", (0, 140), below),
        "abdomen_ventral": Outline("M-24,170 H24 V214 H-24 Z", (0, 192), below),
        "inguinal": Outline("M-24,214 H24 L18,244 H-18 Z", (0, 228), below),
        **_paired(
            "axilla_left",
            "axilla_right",
            "M-24,116 L-36,126 L-37,146 L-24,152 Z",
            (-30, 136),
            view=BELOW,
        ),
        **_paired("forelimb_left", "forelimb_right", FORELIMB, (-46, 0), joint=FORE),
        **_paired("elbow_left", "elbow_right", _ellipse(-24, 0, 10), (-24, 0), joint=FORE, layer=1),
        **_paired("forepaw_left", "forepaw_right", FOREPAW, (-70, 0), joint=FORE),
        **_paired(
            "hip_left",
            "hip_right",
            "M-35,214 L-18,214 L-18,250 C-26,250 -34,240 -34,228 Z",
            (-26, 232),
            layer=1,
        ),
        **_paired("thigh_left", "thigh_right", THIGH, (-15, 0), joint=HIND),
        **_paired(
            "stifle_left", "stifle_right", _ellipse(-38, 0, 10), (-38, 0), joint=HIND, layer=1
        ),
        **_paired("hock_left", "hock_right", _ellipse(-61, 0, 8), (-61, 0), joint=HIND, layer=1),
        **_paired("hindpaw_left", "hindpaw_right", HINDPAW, (-80, 0), joint=HIND),
        "tail": Outline(TAIL, (0, 292), above),
        "perineum": Outline(_ellipse(0, 256, 11, 8), (0, 256), below),
    }


def silhouette() -> list[dict[str, str]]:
    """The dog under the regions: what shows between them and what is not a region."""
    shapes = []
    for centre in (ABOVE, BELOW):
        for mirror in (False, True):
            middle = Placement.at(centre, mirror=mirror)
            shapes.append({"path": PINNA, "transform": middle.transform})
            for joint, path in ((FORE, FORELIMB_SILHOUETTE), (HIND, HINDLIMB_SILHOUETTE)):
                limb = _limb(*joint, centre=centre, mirror=mirror)
                shapes.append({"path": path, "transform": limb.transform})
        middle = Placement.at(centre)
        for path in (TRUNK, TAIL, FACE):
            shapes.append({"path": path, "transform": middle.transform})
    return shapes


@dataclass(frozen=True)
class MapRegion:
    id: str
    label: str
    pressure_point: bool
    outline: Outline
    url: str
    lesions: list[Lesion]

    @property
    def count(self) -> int:
        return sum(lesion.count for lesion in self.lesions)


def body_map_context(dog: Dog, visit: Visit) -> dict[str, Any]:
    charted = lesions_by_region(visit)
    outlines = region_outlines()
    regions = [
        MapRegion(
            id=region_id,
            label=str(region["label"]),
            pressure_point=bool(region.get("pressure_point")),
            outline=outlines[region_id],
            url=reverse("clinic:lesion_create", args=[dog.pk, visit.pk, region_id]),
            lesions=charted.get(region_id, []),
        )
        for region_id, region in knowledge().regions.items()
        if region_id in outlines
    ]
    legend = [
        {
            "region": region_id,
            "label": region_label(region_id),
            "url": reverse("clinic:lesion_create", args=[dog.pk, visit.pk, region_id]),
            "lesions": [(lesion, lesion_summary(lesion)) for lesion in lesions],
        }
        for region_id, lesions in charted.items()
    ]
    return {
        "dog": dog,
        "visit": visit,
        "regions": sorted(regions, key=lambda region: region.outline.layer),
        "silhouette": silhouette(),
        "legend": legend,
        "above": ABOVE,
        "below": BELOW,
    }


class LesionForm(forms.Form):
    morphology = forms.ChoiceField(
        label="Morphology", choices=MORPHOLOGY_CHOICES, widget=forms.RadioSelect
    )
    # the lesion service refuses a count below 1, with the message the API gives
    count = forms.IntegerField(label="Count", initial=1)
    size_cm = forms.DecimalField(
        label="Size (cm)",
        max_digits=5,
        decimal_places=1,
        required=False,
        help_text="largest diameter of the largest lesion",
    )
    firm_gritty = forms.TypedChoiceField(
        label="Firm or gritty on palpation",
        choices=YES_NO_UNKNOWN,
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
    )
    features = forms.MultipleChoiceField(
        label="Features",
        choices=list(FEATURE_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    pruritic = forms.TypedChoiceField(
        label="Pruritic",
        choices=YES_NO_UNKNOWN,
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
    )
    onset = forms.DateField(label="Onset", required=False, widget=DATE_WIDGET)

    @classmethod
    def for_lesion(cls, lesion: Lesion, data: Any = None) -> LesionForm:
        def choice(value: bool | None) -> str:
            return "" if value is None else str(value).lower()

        initial = {
            "morphology": lesion.morphology,
            "count": lesion.count,
            "size_cm": lesion.size_cm,
            "firm_gritty": choice(lesion.firm_gritty),
            "features": list(lesion.features),
            "pruritic": choice(lesion.pruritic),
            "onset": lesion.onset,
        }
        return cls(data, initial=initial)

    def findings(self) -> LesionFindings:
        data = self.cleaned_data
        return LesionFindings(
            morphology=data["morphology"],
            count=data["count"],
            size_cm=data["size_cm"],
            firm_gritty=data["firm_gritty"],
            features=tuple(data["features"]),
            pruritic=data["pruritic"],
            onset=data["onset"],
        )


def _visit_for(dog: Dog, visit_id: int) -> Visit:
    return get_object_or_404(dog.visits.filter(voided_at__isnull=True), pk=visit_id)


def _lesion_for(dog: Dog, lesion_id: int) -> Lesion:
    lesions = Lesion.objects.filter(visit__dog=dog).select_related("visit", "voided_by")
    return get_object_or_404(lesions, pk=lesion_id)


def _add_error(form: forms.Form, error: LesionEntryError) -> None:
    form.add_error(None if error.field == "__all__" else error.field, error.message)


def _body_map_url(visit: Visit, region: str = "") -> str:
    url = reverse("clinic:body_map", args=[visit.dog_id, visit.pk])
    return f"{url}#region-{region}" if region else url


@login_required
@require_GET
def body_map(request: HttpRequest, dog_id: int, visit_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    visit = _visit_for(dog, visit_id)
    context = body_map_context(dog, visit)
    context["visits"] = dog.visits.filter(voided_at__isnull=True)
    voided = visit.lesions.filter(voided_at__isnull=False).select_related("voided_by")
    context["voided"] = [(lesion, region_label(lesion.region)) for lesion in voided]
    context["strip"] = [
        (photo, photo_caption(photo)) for photo in live_photos(dog).filter(visit=visit)
    ]
    return render(request, "clinic/lesions/body_map.html", context)


@login_required
@require_GET
def body_map_panel(request: HttpRequest, dog_id: int, visit_id: int) -> HttpResponse:
    """The map and its legend alone: the dog page loads it with htmx."""
    dog = dog_for(request, dog_id)
    visit = _visit_for(dog, visit_id)
    return render(request, "clinic/lesions/_body_map.html", body_map_context(dog, visit))


@login_required
def lesion_create(
    request: HtmxHttpRequest, dog_id: int, visit_id: int, region: str
) -> HttpResponse:
    """A region at a visit: the lesions charted there, and the form to add one."""
    dog = dog_for(request, dog_id)
    visit = _visit_for(dog, visit_id)
    if not is_region(region):
        raise Http404("no such body map region")
    form = LesionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lesion = chart_lesion(visit, region, form.findings())
        except LesionEntryError as error:
            _add_error(form, error)
        else:
            messages.success(
                request, f"Charted {lesion_summary(lesion)} on the {region_label(region)}."
            )
            return redirect(_body_map_url(visit, region))
    context = {
        "dog": dog,
        "visit": visit,
        "region": region,
        "label": region_label(region),
        "pressure_point": bool(knowledge().regions[region].get("pressure_point")),
        "charted": [
            (lesion, lesion_summary(lesion)) for lesion in lesions_by_region(visit).get(region, [])
        ],
        "form": form,
        "action": request.path,
    }
    template = "clinic/lesions/_region.html" if request.htmx else "clinic/lesions/region.html"
    return render(request, template, context)


@login_required
def lesion_edit(request: HtmxHttpRequest, dog_id: int, lesion_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    lesion = _lesion_for(dog, lesion_id)
    if lesion.is_voided or lesion.visit.is_voided:
        raise Http404("a voided lesion is kept as it was")
    form = LesionForm.for_lesion(lesion, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change_lesion(lesion, form.findings())
        except LesionEntryError as error:
            _add_error(form, error)
        else:
            lesion.refresh_from_db()
            messages.success(
                request,
                f"Changed to {lesion_summary(lesion)} on the {region_label(lesion.region)}.",
            )
            return redirect(_body_map_url(lesion.visit, lesion.region))
    context = {
        "dog": dog,
        "visit": lesion.visit,
        "lesion": lesion,
        "region": lesion.region,
        "label": region_label(lesion.region),
        "form": form,
        "action": request.path,
    }
    template = "clinic/lesions/_form.html" if request.htmx else "clinic/lesions/form.html"
    return render(request, template, context)


@login_required
def lesion_void(request: HttpRequest, dog_id: int, lesion_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    lesion = _lesion_for(dog, lesion_id)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            void_lesion(
                lesion, reason=form.cleaned_data["reason"], voided_by=staff_of(request).user
            )
        except LesionEntryError as error:
            _add_error(form, error)
        else:
            messages.success(
                request,
                f"Voided {lesion_summary(lesion)} on the {region_label(lesion.region)}.",
            )
            return redirect(_body_map_url(lesion.visit))
    context = {
        "dog": dog,
        "lesion": lesion,
        "summary": lesion_summary(lesion),
        "label": region_label(lesion.region),
        "form": form,
    }
    return render(request, "clinic/lesions/void.html", context)
