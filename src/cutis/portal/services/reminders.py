"""E-mail reminders for `cutis send-reminders`, meant to run from cron.

Idempotent: every reminder has a key stored with a unique constraint in the same transaction as
the e-mail is sent, so a second run (or two at once) sends nothing twice. Nothing is sent for a
task already marked done or a check whose result is in.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from cutis.clinic.models import Dog, Owner
from cutis.portal.models import ReminderSent
from cutis.portal.services.care import check_title, open_checks, today_and_missed

# a check is announced on the day before and on the day itself
CHECK_NOTICE_DAYS = 1


@dataclass(frozen=True)
class Reminder:
    key: str
    dog: Dog
    text: str


def due_reminders(owner: Owner, today: datetime.date) -> list[Reminder]:
    found = []
    for dog in owner.dogs.filter(voided_at__isnull=True).select_related("clinic"):
        tasks, _missed = today_and_missed(dog, today)
        for task in tasks:
            if task.done is not None:
                continue
            one = task.series
            at = f" at {task.at.strftime('%H:%M')}" if task.at else ""
            found.append(
                Reminder(
                    f"care:{one.item.pk}:{one.task}:{task.day.isoformat()}:{task.slot}",
                    dog,
                    f"{one.title}{at}: {one.how}",
                )
            )
        for check in open_checks(dog):
            if check.due is None or not 0 <= (check.due - today).days <= CHECK_NOTICE_DAYS:
                continue
            found.append(
                Reminder(
                    f"check:{check.pk}:{check.due.isoformat()}",
                    dog,
                    f"{check_title(check)} on {check.due.strftime('%A %d %B')}: "
                    f"call {dog.clinic.name} on {dog.clinic.phone} if you have no time booked.",
                )
            )
    return found


def send_reminders(today: datetime.date) -> int:
    """E-mail each owner the reminders not yet sent; returns how many e-mails went out."""
    sent = 0
    owners = Owner.objects.filter(
        voided_at__isnull=True, user__isnull=False, user__is_active=True
    ).select_related("user")
    for owner in owners:
        assert owner.user is not None
        address = owner.email or owner.user.email
        if not address:
            continue
        reminders = due_reminders(owner, today)
        if not reminders:
            continue
        already = set(
            ReminderSent.objects.filter(
                user=owner.user, key__in=[r.key for r in reminders]
            ).values_list("key", flat=True)
        )
        fresh = [r for r in reminders if r.key not in already]
        if not fresh:
            continue
        try:
            with transaction.atomic():
                ReminderSent.objects.bulk_create(
                    [ReminderSent(user=owner.user, key=r.key) for r in fresh]
                )
                # sent inside the transaction: a failed send leaves no key, so the next run retries
                send_mail(
                    subject=f"Today's care: {', '.join(sorted({r.dog.name for r in fresh}))}",
                    message=render_to_string(
                        "portal/email/reminders.txt",
                        {"owner": owner, "reminders": fresh, "today": today},
                    ),
                    from_email=None,
                    recipient_list=[address],
                )
        except IntegrityError:
            continue  # another run sent these at the same moment
        sent += 1
    return sent
