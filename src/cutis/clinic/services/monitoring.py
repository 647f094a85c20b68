"""Monitoring: due checks generated from the plan by the clinical core, closed by the results.

The core decides what needs watching and when (`assessment["monitoring"]`); this module dates it
from the plan item it follows and stores it once. A recorded result closes the earliest open check
it answers, so the lab pages need not know about monitoring beyond `close_due_items`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cutis.clinic.models import Dog, MonitoringItem, Observation, PlanItem
from cutis.clinic.services.assessment import words
from cutis.clinic.services.cases import assess_dog
from cutis.clinic.services.errors import EntryError
from cutis.clinic.services.plan import TAPER, active_plan

LABELS = {
    "acth_stim_monitoring": "ACTH stimulation test (trilostane)",
    "mitotane_acth_stim": "ACTH stimulation test (mitotane)",
    "renal_calcium_panel": "Calcium, phosphorus, creatinine and urinalysis",
    "infection_recheck": "Infection recheck",
    "lesion_recheck": "Lesion recheck",
    "taper_recheck": "Taper step check",
}
# the plan treatments each check follows; a check not listed follows the plan as a whole
FOLLOWS = {
    "acth_stim_monitoring": ("trilostane",),
    "mitotane_acth_stim": ("mitotane",),
    "renal_calcium_panel": ("topical_dmso", "minocycline", "doxycycline"),
    "infection_recheck": ("systemic_antibiotic", "antimicrobial_bathing"),
    "taper_recheck": (TAPER,),
}
# a dog already on these drugs (its medication record) needs the check without a plan item
ON_DRUG = {"acth_stim_monitoring": "trilostane", "mitotane_acth_stim": "mitotane"}
# which result answers which check
CLOSED_BY = {
    "acth_stim_post": ("acth_stim_monitoring", "mitotane_acth_stim"),
    "calcium_total": ("renal_calcium_panel",),
    "calcium_ionized": ("renal_calcium_panel",),
    "phosphorus": ("renal_calcium_panel",),
    "creatinine": ("renal_calcium_panel",),
    "skin_cytology": ("infection_recheck",),
    "bacterial_culture": ("infection_recheck",),
}
VET_SETS_INTERVAL = "interval set by the vet"
# every_days checks are scheduled this many occurrences ahead; generating again adds none twice
REPEATS_AHEAD = 2


class MonitoringError(EntryError):
    """A monitoring change that cannot be made."""


def label(kind: str) -> str:
    return LABELS.get(kind, words(kind))


@transaction.atomic
def schedule_for_plan(dog: Dog, on: datetime.date | None = None) -> list[MonitoringItem]:
    """Create the monitoring the core asks for from the dog's active plan; returns what is new.

    Dates count from the start of the plan item a check follows (or from `on`). Running it again
    creates nothing already there, done or voided (with its plan item) included.
    Raises cutis.InvalidCase when the record cannot be assessed.
    """
    on = on or timezone.localdate()
    _case, assessment = assess_dog(dog, on)
    plan = active_plan(dog, on)
    existing = list(dog.monitoring.all())
    created: list[MonitoringItem] = []
    for entry in assessment["monitoring"]:
        kind = entry["id"]
        followed = FOLLOWS.get(kind)
        plan_item = next((i for i in plan if followed and i.treatment in followed), None)
        if plan_item is None:
            needed = (kind in ON_DRUG and _on_drug(dog, ON_DRUG[kind], on)) or (
                followed is None and bool(plan)
            )
            if not needed:
                continue
        for due, note in _occurrences(entry, plan_item, on):
            if _already(existing, kind, plan_item, due, note):
                continue
            item = MonitoringItem.objects.create(
                dog=dog, plan_item=plan_item, kind=kind, due=due, note=note
            )
            existing.append(item)
            created.append(item)
    return created


def _on_drug(dog: Dog, drug: str, on: datetime.date) -> bool:
    return (
        dog.medications.filter(drug=drug, voided_at__isnull=True, start__lte=on)
        .filter(Q(end__isnull=True) | Q(end__gte=on))
        .exists()
    )


def _occurrences(
    entry: dict[str, Any], plan_item: PlanItem | None, on: datetime.date
) -> list[tuple[datetime.date | None, str]]:
    """(due, note) of each check: the first, the fixed ones after it, then the next repeats."""
    if entry["first_in_days"] is None:
        return [(None, VET_SETS_INTERVAL)]
    start = plan_item.start if plan_item is not None else on
    if plan_item is not None and plan_item.treatment == TAPER and plan_item.taper_steps:
        # the vet's own taper: check before each step down, not at the protocol's default interval
        days = [int(step["from_day"]) for step in plan_item.taper_steps[1:]]
    else:
        days = [int(entry["first_in_days"]), *(int(d) for d in entry.get("then_at_days") or [])]
        if entry.get("every_days"):
            days += [days[-1] + int(entry["every_days"]) * n for n in range(1, REPEATS_AHEAD + 1)]
    if plan_item is not None:
        since = f"of {words(plan_item.drug or plan_item.treatment)} (started {start.isoformat()})"
    else:
        since = f"from {start.isoformat()}"
    return [(start + datetime.timedelta(days=day), f"day {day} {since}") for day in days]


def _already(
    existing: list[MonitoringItem],
    kind: str,
    plan_item: PlanItem | None,
    due: datetime.date | None,
    note: str,
) -> bool:
    same = [
        item
        for item in existing
        if item.kind == kind and item.plan_item_id == (plan_item.pk if plan_item else None)
    ]
    if due is None:
        # one open check without a date at a time; a new one once it is done
        return any(item.done_on is None for item in same)
    # matched on the note too, so a check the vet moved to another date is not made again
    return any(item.due == due or item.note == note for item in same)


@transaction.atomic
def close_due_items(observation: Observation) -> list[MonitoringItem]:
    """Close the earliest open check of each kind this result answers; returns the closed ones.

    One check per kind and day: the four values of one renal panel close one panel check, not
    four. A result dated before a plan item started is not monitoring of that item.
    """
    kinds = CLOSED_BY.get(observation.code, ())
    closed: list[MonitoringItem] = []
    if observation.is_voided:
        return closed
    for kind in kinds:
        # lock only the checks themselves: PostgreSQL refuses to lock the nullable side of the
        # outer join to plan items
        checks = MonitoringItem.objects.select_for_update(of=("self",)).filter(
            dog_id=observation.dog_id, kind=kind, voided_at__isnull=True
        )
        if checks.filter(done_on=observation.date).exists():
            continue
        item = (
            checks.filter(done_on__isnull=True)
            .filter(Q(plan_item__isnull=True) | Q(plan_item__start__lte=observation.date))
            .order_by(F("due").asc(nulls_last=True), "id")
            .first()
        )
        if item is None:
            continue
        item.done_on = observation.date
        item.closed_by = observation
        item.save(update_fields=["done_on", "closed_by"])
        closed.append(item)
    return closed


def _open(item: MonitoringItem) -> MonitoringItem:
    locked = MonitoringItem.objects.select_for_update().get(pk=item.pk)
    if locked.is_voided:
        raise MonitoringError("__all__", f"this check was voided ({locked.void_reason})")
    if locked.done_on is not None:
        raise MonitoringError("__all__", f"this check was done on {locked.done_on.isoformat()}")
    return locked


@transaction.atomic
def set_due(item: MonitoringItem, due: datetime.date) -> MonitoringItem:
    """Date an open check (the vet's interval where no source gives one)."""
    locked = _open(item)
    locked.due = due
    locked.save(update_fields=["due"])
    return locked


@transaction.atomic
def mark_done(item: MonitoringItem, *, on: datetime.date, today: datetime.date) -> MonitoringItem:
    """Record that a check was done without a result in Cutis (e.g. a lesion recheck)."""
    if on > today:
        raise MonitoringError("done_on", f"{on.isoformat()} is in the future")
    locked = _open(item)
    locked.done_on = on
    locked.save(update_fields=["done_on"])
    return locked
