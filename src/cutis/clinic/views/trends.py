"""Trends: one server-drawn SVG chart per series, each with its data as a table beneath."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from cutis.clinic.models import Dog
from cutis.clinic.scoping import dog_for
from cutis.clinic.services.charts import cached_chart_svg, series_for, trend_series
from cutis.clinic.services.pages import cached_body, draw, framed


@login_required
@require_GET
def trends(request: HttpRequest, dog_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    today = timezone.localdate().isoformat()
    body = cached_body(request, dog, "trends", "", today, partial(draw_trends, dog))
    return framed(request, f"Trends · {dog.name}", body)


def draw_trends(dog: Dog) -> str:
    """The trends page body: every series read afresh (only when the record changed)."""
    return draw("clinic/labs/_trends_body.html", {"dog": dog, "series": trend_series(dog)})


@login_required
@require_GET
def trend_chart(request: HttpRequest, dog_id: int, slug: str) -> HttpResponse:
    dog = dog_for(request, dog_id)
    series = series_for(dog, slug)
    if series is None or not series.points:
        raise Http404("no such trend, or nothing recorded for it yet")
    response = HttpResponse(cached_chart_svg(series), content_type="image/svg+xml")
    # a patient's chart: never kept by a shared cache, and inert if opened on its own
    response["Cache-Control"] = "private, no-cache"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
