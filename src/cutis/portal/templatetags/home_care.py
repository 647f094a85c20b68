"""The owner's side of care on the vet's dog page: adherence per task, the log, itch, invites."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from cutis.clinic.models import Dog
from cutis.portal.services.care import ADHERENCE_WINDOW_DAYS, adherence, care_log

register = template.Library()


@register.inclusion_tag("portal/staff/_home_care.html")
def home_care_for_vet(dog: Dog) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "dog": dog,
        "rows": adherence(dog, today),
        "log": care_log(dog),
        "itch": list(dog.itch_scores.all()[:5]),
        "window": ADHERENCE_WINDOW_DAYS,
        "caregivers": dog.owners.filter(voided_at__isnull=True).select_related("user"),
    }
