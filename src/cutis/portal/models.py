"""What the owner portal stores: invitations, done marks, itch scores, calendar feeds, reminders.

Clinical records stay in `cutis.clinic`; these rows point at them. Owner photos are clinic
`Photo` rows (uploaded by the owner's user), so the vet's comparison shows them with no copy.
"""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cutis.clinic.models import Dog, Owner, PlanItem

ITCH_MIN, ITCH_MAX = 0, 10


class Invitation(models.Model):
    """A single-use, expiring link that lets an owner (or a co-owner) set a password.

    Only the SHA-256 of the token is stored: a copy of the database cannot be used to sign in.
    """

    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="invitations")
    dog = models.ForeignKey(Dog, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created"]

    def state(self, now: datetime.datetime) -> str:
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "replaced"
        return "expired" if self.expires <= now else "open"


class CareDone(models.Model):
    """One home-care task done on one day (slot: which dose of the day), by whom and when."""

    dog = models.ForeignKey(Dog, on_delete=models.PROTECT, related_name="care_done")
    plan_item = models.ForeignKey(PlanItem, on_delete=models.PROTECT, related_name="care_done")
    task = models.CharField(max_length=20)
    day = models.DateField()
    slot = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(default=timezone.now)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering: ClassVar[list[str]] = ["-done_at"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["plan_item", "task", "day", "slot"], name="care_done_once"
            )
        ]


class ItchScore(models.Model):
    """The owner's itch score for a day, 0 (no itch) to 10 (worst)."""

    dog = models.ForeignKey(Dog, on_delete=models.PROTECT, related_name="itch_scores")
    day = models.DateField(default=timezone.localdate)
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(ITCH_MIN), MaxValueValidator(ITCH_MAX)]
    )
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering: ClassVar[list[str]] = ["-day", "-recorded_at"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(score__gte=ITCH_MIN, score__lte=ITCH_MAX), name="itch_0_to_10"
            )
        ]


class CalendarFeed(models.Model):
    """An owner's calendar subscription; the URL holds a token whose hash alone is stored."""

    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created"]


class ReminderSent(models.Model):
    """One reminder e-mailed once: the unique key makes `send_reminders` safe to run again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "key"], name="reminder_sent_once")
        ]
