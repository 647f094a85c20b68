"""The owner's calendar feed: the dogs' home care and checks as recurring iCalendar events.

Each series keeps one UID for its whole life; SEQUENCE counts the plan item's saved versions and
LAST-MODIFIED is the latest, so a calendar app replaces an event when the vet changes the plan.
A recurrence ends (UNTIL) on the plan item's last day. The URL's token is stored only hashed and
a new link revokes the old one.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event, vRecur

from cutis.clinic.models import Dog, MonitoringItem, Owner, PlanItem
from cutis.portal.models import CalendarFeed
from cutis.portal.services.care import CareSeries, care_series, check_title, open_checks
from cutis.portal.services.tokens import new_token, token_hash

UID_DOMAIN = "cutis.invalid"
DOSE_MINUTES = 15
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@transaction.atomic
def new_feed(owner: Owner, now: datetime.datetime) -> str:
    """A new calendar link for the owner; every earlier link stops working."""
    revoke_feeds(owner, now)
    token, hashed = new_token()
    CalendarFeed.objects.create(owner=owner, token_hash=hashed, created=now)
    return token


def revoke_feeds(owner: Owner, now: datetime.datetime) -> int:
    return CalendarFeed.objects.filter(owner=owner, revoked_at__isnull=True).update(revoked_at=now)


def active_feed(owner: Owner) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(owner=owner, revoked_at__isnull=True).first()


def feed_owner(token: str) -> Owner | None:
    feed = (
        CalendarFeed.objects.select_related("owner")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .first()
    )
    if feed is None or feed.owner.is_voided:
        return None
    return feed.owner


def _versions(record: PlanItem | MonitoringItem) -> tuple[int, datetime.datetime]:
    """(SEQUENCE, LAST-MODIFIED) from the record's history: one more each time it is saved."""
    history = list(record.history.order_by("history_date").values_list("history_date", flat=True))
    if not history:
        return 0, timezone.now()
    return len(history) - 1, history[-1]


def _series_events(dog: Dog, one: CareSeries, zone: ZoneInfo) -> list[Event]:
    sequence, modified = _versions(one.item)
    rule = vRecur()
    if one.weekdays:
        rule["FREQ"] = "WEEKLY"
        rule["BYDAY"] = [BYDAY[d] for d in one.weekdays]
    else:
        rule["FREQ"] = "DAILY"
        rule["INTERVAL"] = one.every_days
    events = []
    for slot in range(one.slots):
        event = Event()
        event.add("uid", f"dog{dog.pk}-plan{one.item.pk}-{one.task}-{one.part}-{slot}@{UID_DOMAIN}")
        event.add("summary", f"{dog.name}: {one.title}")
        event.add("description", f"{one.how}\n{one.when.capitalize()}.")
        slot_rule = vRecur(rule)
        if one.times:
            start = datetime.datetime.combine(one.start, one.times[slot], tzinfo=zone)
            event.add("dtstart", start)
            event.add("dtend", start + datetime.timedelta(minutes=DOSE_MINUTES))
            if one.until is not None:
                last = datetime.datetime.combine(one.until, datetime.time(23, 59, 59), tzinfo=zone)
                slot_rule["UNTIL"] = last.astimezone(datetime.UTC)
        else:
            event.add("dtstart", one.start)
            event.add("dtend", one.start + datetime.timedelta(days=1))
            if one.until is not None:
                slot_rule["UNTIL"] = one.until
        event.add("rrule", slot_rule)
        event.add("sequence", sequence)
        event.add("last-modified", modified)
        event.add("dtstamp", modified)
        events.append(event)
    return events


def _check_event(dog: Dog, check: MonitoringItem) -> Event:
    assert check.due is not None
    sequence, modified = _versions(check)
    event = Event()
    event.add("uid", f"dog{dog.pk}-check{check.pk}@{UID_DOMAIN}")
    event.add("summary", f"{dog.name}: {check_title(check)}")
    event.add("description", f"Ask {dog.clinic.name} for a time ({dog.clinic.phone}).")
    event.add("dtstart", check.due)
    event.add("dtend", check.due + datetime.timedelta(days=1))
    event.add("sequence", sequence)
    event.add("last-modified", modified)
    event.add("dtstamp", modified)
    return event


def owner_calendar(owner: Owner) -> bytes:
    """Every dog of the owner: home care from the plan and the checks still to be done."""
    zone = ZoneInfo(settings.TIME_ZONE)
    calendar = Calendar()
    calendar.add("prodid", "-//Cutis//Owner portal//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{owner.clinic.name}: home care")
    for dog in owner.dogs.filter(voided_at__isnull=True).select_related("clinic"):
        plan = dog.plan_items.filter(voided_at__isnull=True).order_by("start", "id")
        for one in care_series(dog, plan):
            for event in _series_events(dog, one, zone):
                calendar.add_component(event)
        for check in open_checks(dog):
            if check.due is not None:
                calendar.add_component(_check_event(dog, check))
    calendar.add_missing_timezones()
    return calendar.to_ical()
