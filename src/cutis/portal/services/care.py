"""Home care generated from the dog's plan: what to do on which day, done marks and adherence.

Every interval comes from the plan item (the vet's prescription, itself dosed from the knowledge)
or from a sourced knowledge threshold; where no source gives one (the T-shirt), the task is a
daily check the vet can drop by ending the plan item. Times of day start at DAY_START: a clock
choice, not a clinical one, and the interval fixes the rest.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from cutis.clinic.models import Dog, MonitoringItem, PlanItem
from cutis.clinic.services.assessment import words
from cutis.clinic.services.cases import knowledge, latest_visit
from cutis.clinic.services.errors import EntryError
from cutis.clinic.services.plan import active_plan, taper_rows
from cutis.core.explain import number
from cutis.portal.models import CareDone

DAY_START = datetime.time(8, 0)
# what the owner's pages look back over: windows for showing, not clinical intervals
MISSED_WINDOW_DAYS = 7
ADHERENCE_WINDOW_DAYS = 28
# given by the clinic, not at home
CLINIC_ROUTES = ("injection", "depot_injection")
SHAMPOOS = {
    "antimicrobial_bathing": "a germ-killing shampoo (chlorhexidine)",
    "oatmeal_bathing": "an oatmeal shampoo",
}
GEL, SHIRT = "topical_dmso", "protective_garment"
WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
# the checks of cutis.clinic.services.monitoring in the owner's words
OWNER_CHECKS = {
    "acth_stim_monitoring": "Blood test to check the trilostane dose",
    "mitotane_acth_stim": "Blood test to check the mitotane dose",
    "renal_calcium_panel": "Blood and urine tests to check the kidneys and calcium",
    "infection_recheck": "Check-up for the skin infection",
    "lesion_recheck": "Check-up of the skin spots",
    "taper_recheck": "Check-up before the next step down of the steroid",
}


class CareError(EntryError):
    """A done mark that cannot be stored."""


@dataclass(frozen=True)
class CareSeries:
    """One repeating home-care task: a calendar event and a row of the owner's day."""

    item: PlanItem
    task: str  # dose, bath, gel or shirt: with the item and a day, names what was done
    part: int  # the taper step (0 otherwise): one series per dose level
    title: str
    how: str
    start: datetime.date
    until: datetime.date | None  # the last day, inclusive
    every_days: int = 1
    weekdays: tuple[int, ...] = ()  # set: these days of each week instead of every_days
    times: tuple[datetime.time, ...] = ()  # one slot per time; none: once, any time of the day
    sources: tuple[str, ...] = ()

    @property
    def slots(self) -> int:
        return max(1, len(self.times))

    def due_on(self, day: datetime.date) -> bool:
        if day < self.start or (self.until is not None and day > self.until):
            return False
        if self.weekdays:
            return day.weekday() in self.weekdays
        return (day - self.start).days % self.every_days == 0

    @property
    def when(self) -> str:
        """The schedule in words: 'every day at 08:00 and 20:00', 'Mondays and Thursdays'."""
        if self.weekdays:
            days = [WEEKDAYS[d] for d in sorted(self.weekdays)]
            text = " and ".join(days) if len(days) < 3 else ", ".join(days)
        elif self.every_days == 1:
            text = "every day"
        elif self.every_days == 2:
            text = "every other day"
        else:
            text = f"every {self.every_days} days"
        if self.times:
            text += " at " + " and ".join(t.strftime("%H:%M") for t in self.times)
        if self.until is not None:
            text += f", until {self.until.strftime('%d %b %Y')}"
        return text


@dataclass
class Occurrence:
    series: CareSeries
    day: datetime.date
    slot: int
    done: CareDone | None = None

    @property
    def at(self) -> datetime.time | None:
        return self.series.times[self.slot] if self.series.times else None

    @property
    def key(self) -> tuple[int, str, datetime.date, int]:
        return (self.series.item.pk, self.series.task, self.day, self.slot)


@dataclass
class AdherenceRow:
    title: str
    due: int = 0
    done: int = 0
    missed_days: list[datetime.date] = field(default_factory=list)

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.due) if self.due else None


def _timing(interval_hours: Decimal | float) -> tuple[int, tuple[datetime.time, ...]] | None:
    """(every n days, times of the day) for a dosing interval; None when it fits no day pattern."""
    hours = float(interval_hours)
    if 0 < hours < 24 and (24 / hours).is_integer():
        start = datetime.datetime.combine(datetime.date(2000, 1, 1), DAY_START)
        times = tuple(
            (start + datetime.timedelta(hours=hours * n)).time() for n in range(int(24 / hours))
        )
        return 1, times
    if hours >= 24 and (hours / 24).is_integer():
        return int(hours / 24), (DAY_START,)
    return None


def drug_name(drug_id: str) -> str:
    drug = knowledge().drugs.get(drug_id)
    return str(drug["owner_name"]) if drug else words(drug_id)


def give_text(item: PlanItem, mg: float) -> str:
    """What to give in one dose: units of the product, mg, and mg/kg as the vet prescribed."""
    text = f"{number(mg, 3)} mg"
    if item.product_strength_mg:
        units = mg / float(item.product_strength_mg)
        form = item.product_form or "unit"
        plural = "s" if units > 1 else ""
        text = (
            f"{number(units, 2)} {form}{plural} of {number(float(item.product_strength_mg), 3)} mg"
            f" ({number(mg, 3)} mg in all)"
        )
    if item.mg_per_kg is not None and item.dose_mg:
        per_kg = float(item.mg_per_kg) * mg / float(item.dose_mg)
        text += f", {number(per_kg, 2)} mg/kg"
    return text


def _dose_series(item: PlanItem) -> list[CareSeries]:
    if item.route in CLINIC_ROUTES or not item.drug:
        return []
    title = f"Give {drug_name(item.drug)}"
    if item.taper_steps:
        series = []
        for index, step in enumerate(taper_rows(item, item.taper_steps)):
            timing = _timing(step["interval_hours"]) if step["mg"] else None
            if timing is None:
                continue
            series.append(
                CareSeries(
                    item=item,
                    task="dose",
                    part=index + 1,
                    title=title,
                    how=give_text(item, float(step["mg"])),
                    start=step["date"],
                    until=step["until"] or item.end,
                    every_days=timing[0],
                    times=timing[1],
                )
            )
        return series
    if item.dose_mg is None or item.interval_hours is None:
        return []
    timing = _timing(item.interval_hours)
    if timing is None:
        return []
    return [
        CareSeries(
            item=item,
            task="dose",
            part=0,
            title=title,
            how=give_text(item, float(item.dose_mg)),
            start=item.start,
            until=item.end,
            every_days=timing[0],
            times=timing[1],
        )
    ]


def _threshold(threshold_id: str) -> tuple[int, tuple[str, ...]]:
    entry = knowledge().thresholds[threshold_id]
    return int(entry["value"]), tuple(entry["sources"])


def _bath_series(item: PlanItem) -> CareSeries:
    how = f"Wash your dog with {SHAMPOOS[item.treatment]}."
    weekdays: tuple[int, ...] = ()
    sources: tuple[str, ...] = ()
    if item.interval_hours:
        # the vet set an interval on the plan item: it wins over the default
        every = max(1, round(float(item.interval_hours) / 24))
    else:
        per_week, sources = _threshold("bathing_per_week")
        first = item.start.weekday()
        every = 1
        weekdays = tuple(sorted({(first + round(n * 7 / per_week)) % 7 for n in range(per_week)}))
    return CareSeries(
        item=item,
        task="bath",
        part=0,
        title="Bath time",
        how=how,
        start=item.start,
        until=item.end,
        every_days=every,
        weekdays=weekdays,
        sources=sources,
    )


def treated_areas(dog: Dog) -> list[str]:
    """The body areas with spots at the latest visit, in the owner's words."""
    visit = latest_visit(dog)
    if visit is None:
        return []
    regions = knowledge().regions
    seen: list[str] = []
    for lesion in visit.lesions.filter(voided_at__isnull=True).order_by("id"):
        label = regions[lesion.region]["owner_label"] if lesion.region in regions else lesion.region
        if label not in seen:
            seen.append(label)
    return seen


def _gel_series(item: PlanItem, areas: list[str]) -> CareSeries:
    every, every_sources = _threshold("dmso_every_days")
    course, course_sources = _threshold("dmso_course_max_days")
    last = item.start + datetime.timedelta(days=course - 1)
    until = min(last, item.end) if item.end else last
    where = ", ".join(areas) if areas else "the spots your vet showed you"
    return CareSeries(
        item=item,
        task="gel",
        part=0,
        title="Put on the DMSO gel",
        how=f"Wear gloves. Use a thin layer on a few of these spots: {where}.",
        start=item.start,
        until=until,
        every_days=every,
        sources=every_sources + course_sources,
    )


def _shirt_series(item: PlanItem) -> CareSeries:
    return CareSeries(
        item=item,
        task="shirt",
        part=0,
        title="Check the T-shirt is on",
        how="It should cover the sore spots, so your dog cannot lick or scratch them.",
        start=item.start,
        until=item.end,
    )


def care_series(dog: Dog, plan: Iterable[PlanItem]) -> list[CareSeries]:
    """Every home-care series of these plan items (not voided; ended ones end by their dates)."""
    series: list[CareSeries] = []
    areas: list[str] | None = None
    for item in plan:
        if item.is_voided:
            continue
        if item.treatment in SHAMPOOS:
            series.append(_bath_series(item))
        elif item.treatment == GEL:
            areas = treated_areas(dog) if areas is None else areas
            series.append(_gel_series(item, areas))
        elif item.treatment == SHIRT:
            series.append(_shirt_series(item))
        else:
            series.extend(_dose_series(item))
    return series


def current_series(dog: Dog, today: datetime.date) -> list[CareSeries]:
    return care_series(dog, active_plan(dog, today))


def _done_marks(dog: Dog, first: datetime.date, last: datetime.date) -> dict[tuple, CareDone]:
    marks = CareDone.objects.filter(dog=dog, day__gte=first, day__lte=last).select_related(
        "done_by__owner"
    )
    return {(m.plan_item_id, m.task, m.day, m.slot): m for m in marks}


def occurrences(
    dog: Dog, series: list[CareSeries], first: datetime.date, last: datetime.date
) -> list[Occurrence]:
    """Each due dose or task from `first` to `last`, with its done mark if there is one."""
    marks = _done_marks(dog, first, last)
    found = []
    day = first
    while day <= last:
        for one in series:
            if one.due_on(day):
                for slot in range(one.slots):
                    occurrence = Occurrence(one, day, slot)
                    occurrence.done = marks.get(occurrence.key)
                    found.append(occurrence)
        day += datetime.timedelta(days=1)
    found.sort(key=lambda o: (o.day, o.at or DAY_START, o.series.title))
    return found


def today_and_missed(dog: Dog, today: datetime.date) -> tuple[list[Occurrence], list[Occurrence]]:
    """Today's tasks, and the ones not marked done in the days before (a missed dose shows)."""
    series = current_series(dog, today - datetime.timedelta(days=MISSED_WINDOW_DAYS))
    every = occurrences(dog, series, today - datetime.timedelta(days=MISSED_WINDOW_DAYS), today)
    return (
        [o for o in every if o.day == today],
        [o for o in every if o.day < today and o.done is None],
    )


def adherence(dog: Dog, today: datetime.date) -> list[AdherenceRow]:
    """Per task, over the last ADHERENCE_WINDOW_DAYS before today: due, done, and missed days."""
    first = today - datetime.timedelta(days=ADHERENCE_WINDOW_DAYS)
    last = today - datetime.timedelta(days=1)
    series = care_series(dog, dog.plan_items.filter(voided_at__isnull=True))
    rows: dict[tuple[int, str], AdherenceRow] = {}
    for occurrence in occurrences(dog, series, first, last):
        one = occurrence.series
        row = rows.setdefault((one.item.pk, one.task), AdherenceRow(one.title))
        row.due += 1
        if occurrence.done is not None:
            row.done += 1
        elif occurrence.day not in row.missed_days:
            row.missed_days.append(occurrence.day)
    return list(rows.values())


def care_log(dog: Dog, limit: int = 20) -> list[CareDone]:
    return list(
        CareDone.objects.filter(dog=dog)
        .select_related("done_by__owner", "plan_item")
        .order_by("-done_at")[:limit]
    )


@transaction.atomic
def mark_done(
    dog: Dog,
    *,
    plan_item_id: int,
    task: str,
    day: datetime.date,
    slot: int,
    done_by: User,
    today: datetime.date,
) -> CareDone:
    """Mark one due task done; a second tap (or a co-owner's) keeps the first mark."""
    if day > today:
        raise CareError("day", f"{day.isoformat()} is in the future")
    if day < today - datetime.timedelta(days=MISSED_WINDOW_DAYS):
        raise CareError("day", f"tasks older than {MISSED_WINDOW_DAYS} days cannot be marked")
    item = dog.plan_items.filter(pk=plan_item_id, voided_at__isnull=True).first()
    if item is None:
        raise CareError("plan_item", "is not in this dog's plan")
    due = [
        s for s in care_series(dog, [item]) if s.task == task and s.due_on(day) and slot < s.slots
    ]
    if not due:
        raise CareError("task", f"nothing of this kind was due on {day.isoformat()}")
    existing = CareDone.objects.filter(plan_item=item, task=task, day=day, slot=slot).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return CareDone.objects.create(
                dog=dog, plan_item=item, task=task, day=day, slot=slot, done_by=done_by
            )
    except IntegrityError:
        # a co-owner tapped at the same moment: theirs stands
        return CareDone.objects.get(plan_item=item, task=task, day=day, slot=slot)


def open_checks(dog: Dog) -> list[MonitoringItem]:
    """Rechecks and tests not yet done, dated first."""
    return sorted(
        dog.monitoring.filter(voided_at__isnull=True, done_on__isnull=True),
        key=lambda m: (m.due is None, m.due or datetime.date.max, m.pk),
    )


def check_title(item: MonitoringItem) -> str:
    return OWNER_CHECKS.get(item.kind, words(item.kind).capitalize())
