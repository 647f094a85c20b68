"""The clinic's dashboard: open critical alerts, overdue monitoring, recent changes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cutis import InvalidCase
from cutis.clinic.models import Dog, MonitoringItem
from cutis.clinic.scoping import clinic_of, dogs_of
from cutis.clinic.services.cases import assess_dog


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    clinic = clinic_of(request)
    today = timezone.localdate()
    critical: list[tuple[Dog, list[dict[str, object]]]] = []
    for dog in dogs_of(request):
        try:
            _, assessment = assess_dog(dog, today)
        except InvalidCase:
            continue
        alerts = [a for a in assessment["alerts"] if a["severity"] == "critical"]
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
