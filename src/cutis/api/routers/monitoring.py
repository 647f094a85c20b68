"""Monitoring: the due checks the clinical core asks for from the plan, dated and closed."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from cutis.api.errors import READ, WRITE
from cutis.api.fields import Day, Entry, record_id
from cutis.api.scope import caller, standing_one
from cutis.clinic.models import Dog, MonitoringItem
from cutis.clinic.services.monitoring import label, mark_done, schedule_for_plan, set_due

router = Router(tags=["monitoring"])
DOG_ID = record_id("The dog's id")
ITEM_ID = record_id("The check's id")


class CheckOut(Schema):
    id: int
    kind: str
    label: str
    plan_item_id: int | None
    due: datetime.date | None
    done_on: datetime.date | None
    closed_by_observation_id: int | None
    note: str
    state: str


class DueIn(Entry):
    due: Day


class DoneIn(Entry):
    done_on: Day


def check_out(item: MonitoringItem, today: datetime.date) -> dict[str, Any]:
    return {
        "id": item.pk,
        "kind": item.kind,
        "label": label(item.kind),
        "plan_item_id": item.plan_item_id,
        "due": item.due,
        "done_on": item.done_on,
        "closed_by_observation_id": item.closed_by_id,
        "note": item.note,
        "state": item.state(today),
    }


def _check(dog: Dog, item_id: int) -> MonitoringItem:
    return standing_one(dog.monitoring.all(), item_id, "no such check")


@router.get(
    "/dogs/{dog_id}/monitoring",
    response={200: list[CheckOut], **READ},
    operation_id="list_monitoring",
)
def list_monitoring(request: HttpRequest, dog_id: int = DOG_ID) -> Any:
    """Standing checks, soonest first (undated last), each with its state today."""
    dog = caller(request).dog(dog_id)
    today = timezone.localdate()
    items = dog.monitoring.filter(voided_at__isnull=True).order_by(
        F("due").asc(nulls_last=True), "id"
    )
    return [check_out(item, today) for item in items]


@router.post(
    "/dogs/{dog_id}/monitoring/schedule",
    response={200: list[CheckOut], **WRITE},
    operation_id="schedule_monitoring",
)
def schedule(request: HttpRequest, dog_id: int = DOG_ID) -> Any:
    """Create the checks the assessment asks for from the active plan; returns only the new ones."""
    who = caller(request)
    who.clinic_staff()
    today = timezone.localdate()
    return [check_out(item, today) for item in schedule_for_plan(who.dog(dog_id), today)]


@router.post(
    "/dogs/{dog_id}/monitoring/{item_id}/due",
    response={200: CheckOut, **WRITE},
    operation_id="set_check_due",
)
def due(request: HttpRequest, payload: DueIn, dog_id: int = DOG_ID, item_id: int = ITEM_ID) -> Any:
    """Date an open check (the vet's interval where no source gives one)."""
    who = caller(request)
    who.clinic_staff()
    item = set_due(_check(who.dog(dog_id), item_id), payload.due)
    return check_out(item, timezone.localdate())


@router.post(
    "/dogs/{dog_id}/monitoring/{item_id}/done",
    response={200: CheckOut, **WRITE},
    operation_id="mark_check_done",
)
def done(
    request: HttpRequest, payload: DoneIn, dog_id: int = DOG_ID, item_id: int = ITEM_ID
) -> Any:
    """Record a check as done without a result in Cutis (a lesion recheck, say)."""
    who = caller(request)
    who.clinic_staff()
    today = timezone.localdate()
    item = mark_done(_check(who.dog(dog_id), item_id), on=payload.done_on, today=today)
    return check_out(item, today)
