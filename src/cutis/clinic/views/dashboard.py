"""The clinic's dashboard: open critical alerts, overdue monitoring, recent changes."""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cutis import InvalidCase
from cutis.clinic.models import Dog, MonitoringItem
from cutis.clinic.scoping import clinic_of, dogs_of
from cutis.clinic.services.cases import assess_dog
from cutis.clinic.services.pages import cached_for_record


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    today = timezone.localdate()
    critical: list[tuple[Dog, list[dict[str, Any]]]] = []
    for dog in dogs_of(request):
        # assessing every dog is the dashboard's cost: each dog's alerts are kept until its
        # record changes (or the day does), like its pages
        alerts = cached_for_record(
            dog,
            "critical-alerts",
            "",
            today.isoformat(),
            partial(critical_alerts, dog, today),
        )
        if alerts:
            critical.append((dog, alerts))
    overdue = MonitoringItem.objects.filter(
        dog__clinic=clinic,
        dog__voided_at__isnull=True,
        voided_at__isnull=True,
        done_on__isnull=True,
        due__lt=today,
    ).select_related("dog")
    recent = Dog.history.filter(clinic_id=clinic.pk).order_by("-history_date")[:10]
    return render(
        request,
        "clinic/dashboard.html",
        {"critical": critical, "overdue": overdue, "recent": recent, "today": today},
    )


def critical_alerts(dog: Dog, on: datetime.date) -> list[dict[str, Any]]:
    """The critical alerts of the dog's assessment on a day; none when the record cannot be
    assessed (its pages say why)."""
    try:
        _, assessment = assess_dog(dog, on)
    except InvalidCase:
        return []
    return [alert for alert in assessment["alerts"] if alert["severity"] == "critical"]
