"""Trends: one server-drawn SVG chart per series, each with its data as a table beneath."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cutis.clinic.scoping import dog_for
from cutis.clinic.services.charts import cached_chart_svg, series_for, trend_series


@login_required
@require_GET
def trends(request: HttpRequest, dog_id: int) -> HttpResponse:
    dog = dog_for(request, dog_id)
    return render(request, "clinic/labs/trends.html", {"dog": dog, "series": trend_series(dog)})


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
