"""The owner's diary: an itch score a day and photos from the phone, both seen by the vet."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet

from cutis.clinic.models import Dog, Photo
from cutis.clinic.services.charts import Point, Series
from cutis.clinic.services.errors import EntryError
from cutis.clinic.services.photos import store_photo
from cutis.portal.models import ITCH_MAX, ITCH_MIN, ItchScore


class DiaryError(EntryError):
    """A diary entry that cannot be stored."""


@transaction.atomic
def record_itch(
    dog: Dog,
    *,
    score: int,
    day: datetime.date,
    note: str,
    by: User,
    today: datetime.date,
    photo: File | None = None,
) -> ItchScore:
    """Store the day's itch score and, with it, a photo: both or neither."""
    if not ITCH_MIN <= score <= ITCH_MAX:
        raise DiaryError("score", f"must be from {ITCH_MIN} to {ITCH_MAX} (got {score})")
    if day > today:
        raise DiaryError("day", f"{day.isoformat()} is in the future")
    entry = ItchScore.objects.create(
        dog=dog, score=score, day=day, note=note.strip()[:300], recorded_by=by
    )
    if photo is not None:
        owner_photo(dog, photo, taken_on=day, region="", by=by)
    return entry


def owner_photo(
    dog: Dog, upload: File, *, taken_on: datetime.date | None, region: str, by: User
) -> Photo:
    """Keep a photo from the owner's phone: the clinic's own photo service strips EXIF and GPS."""
    return store_photo(dog, upload, visit=None, region=region, taken_on=taken_on, uploaded_by=by)


def owner_photos(dog: Dog) -> QuerySet[Photo]:
    """Photos owners took (any caregiver of this dog), newest first."""
    return dog.photos.filter(voided_at__isnull=True, uploaded_by__owner__isnull=False)


def itch_series(dog: Dog) -> Series:
    """The itch scores as a trend: the last score of each day."""
    by_day: dict[datetime.date, int] = {}
    for entry in dog.itch_scores.order_by("day", "recorded_at", "id"):
        by_day[entry.day] = entry.score
    points = [Point(day, float(score)) for day, score in sorted(by_day.items())]
    return Series(
        "itch_score",
        "itch score (owner)",
        "0-10",
        points,
        note="Scored by the owner at home: 0 is no itch, 10 the worst.",
        integer=True,
        empty_note="The owner has not scored the itch in the portal yet.",
    )
