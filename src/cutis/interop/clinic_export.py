"""All of a clinic's data as one zip: JSON per record type, the photo files, and a manifest.

The JSON files hold every stored field of every record (voided ones too, with
their reasons), one file per record type, and `history/` every historical version simple-history
kept: the clinic's records, and what the owner portal and the API store about its dogs and people
(home-care done marks, itch scores, invitations, calendar feeds, reminders sent, API tokens).
Secrets stay behind, on purpose: no password hash, and no token hash of an invitation, calendar
feed or API token (an export is a copy of the records, not of the logins); `manifest.json` says so
in `left_out`, with every installed model that is not exported and why. The manifest also lists
each file's record count, size and SHA-256, the engine and knowledge versions and when the export
was made, so a copy can be checked file by file. Every query starts from the clinics exported:
nothing of another clinic's.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from cutis import ENGINE_VERSION
from cutis.api.models import ApiToken
from cutis.clinic.models import (
    Clinic,
    Dog,
    Lesion,
    Medication,
    MonitoringItem,
    Observation,
    Owner,
    Photo,
    PlanItem,
    SavedAssessment,
    StaffMember,
    Visit,
)
from cutis.clinic.services.cases import knowledge
from cutis.portal.models import CalendarFeed, CareDone, Invitation, ItchScore, ReminderSent

FORMAT = "cutis-export/1"
STAFF_USER_FIELDS = ("username", "first_name", "last_name", "email", "is_active", "date_joined")
# fields never exported, by file: hashes of secrets (one of them is half of a login) and passwords
SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    "invitations": ("token_hash",),
    "calendar_feeds": ("token_hash",),
    # the prefix is the part of the token that finds its row: with the digest, it is a login
    "api_tokens": ("prefix", "digest"),
}
LEFT_OUT_FIELDS = {
    "staff.user.password": "password hashes never leave the server",
    **{
        f"{name}.{secret}": "the hash of a secret token: a copy must not be a way in"
        for name, secrets in SECRET_FIELDS.items()
        for secret in secrets
    },
}
# installed models not exported at all (the export test fails on a model in neither list)
LEFT_OUT_MODELS = {
    "auth.User": "logins: staff names and e-mails are in staff.json, owners' in owners.json",
    "auth.Group": "Django's own table, the same on every installation",
    "auth.Permission": "Django's own table, the same on every installation",
    "contenttypes.ContentType": "Django's own table, the same on every installation",
    "admin.LogEntry": "the server admin's log; the records' own history is under history/",
    "sessions.Session": "sign-in sessions: secrets, gone when they expire",
    "axes.AccessAttempt": "sign-in attempts kept to throttle logins, not clinic data",
    "axes.AccessFailureLog": "sign-in attempts kept to throttle logins, not clinic data",
    "axes.AccessLog": "sign-in attempts kept to throttle logins, not clinic data",
    "axes.AccessAttemptExpiration": "sign-in attempts kept to throttle logins, not clinic data",
}


@dataclass(frozen=True)
class ExportedFile:
    records: int | None
    size: int
    sha256: str


@dataclass
class Manifest:
    created_at: str
    clinics: list[dict[str, Any]]
    files: dict[str, ExportedFile] = field(default_factory=dict)
    missing_photo_files: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "created_at": self.created_at,
            "engine_version": ENGINE_VERSION,
            "knowledge_version": knowledge().version,
            "clinics": self.clinics,
            "files": {
                name: {
                    **({"records": f.records} if f.records is not None else {}),
                    "bytes": f.size,
                    "sha256": f.sha256,
                }
                for name, f in sorted(self.files.items())
            },
            "missing_photo_files": self.missing_photo_files,
            "left_out": {"fields": LEFT_OUT_FIELDS, "models": LEFT_OUT_MODELS},
        }


def record_sets(clinics: QuerySet[Clinic]) -> dict[str, QuerySet[Any]]:
    """Every record type of the clinics, by file name: the one place the export's scope is set."""
    dogs = Dog.objects.filter(clinic__in=clinics)
    visits = Visit.objects.filter(dog__in=dogs)
    by_dog = {
        "medications": Medication,
        "observations": Observation,
        "photos": Photo,
        "assessments": SavedAssessment,
        "plan_items": PlanItem,
        "monitoring": MonitoringItem,
    }
    owners = Owner.objects.filter(clinic__in=clinics)
    staff = StaffMember.objects.filter(clinic__in=clinics)
    # the clinic's people: its staff and its owners with a login
    people = models.Q(user__in=owners.values("user")) | models.Q(user__in=staff.values("user"))
    sets: dict[str, QuerySet[Any]] = {
        "clinics": clinics,
        "staff": staff.select_related("user"),
        "owners": owners,
        "dogs": dogs.prefetch_related("owners"),
        "visits": visits,
        "lesions": Lesion.objects.filter(visit__in=visits),
        **{name: model._default_manager.filter(dog__in=dogs) for name, model in by_dog.items()},
        "care_done": CareDone.objects.filter(dog__in=dogs),
        "itch_scores": ItchScore.objects.filter(dog__in=dogs),
        "invitations": Invitation.objects.filter(dog__in=dogs),
        "calendar_feeds": CalendarFeed.objects.filter(owner__in=owners),
        "reminders_sent": ReminderSent.objects.filter(people),
        "api_tokens": ApiToken.objects.filter(people),
    }
    history: dict[str, QuerySet[Any]] = {
        "history/owners": Owner.history.filter(clinic_id__in=clinics.values("pk")),
        "history/dogs": Dog.history.filter(clinic_id__in=clinics.values("pk")),
        "history/visits": Visit.history.filter(dog_id__in=dogs.values("pk")),
        "history/lesions": Lesion.history.filter(visit_id__in=visits.values("pk")),
        "history/medications": Medication.history.filter(dog_id__in=dogs.values("pk")),
        "history/observations": Observation.history.filter(dog_id__in=dogs.values("pk")),
        "history/photos": Photo.history.filter(dog_id__in=dogs.values("pk")),
        "history/plan_items": PlanItem.history.filter(dog_id__in=dogs.values("pk")),
        "history/monitoring": MonitoringItem.history.filter(dog_id__in=dogs.values("pk")),
        "history/care_done": CareDone.history.filter(dog_id__in=dogs.values("pk")),
        "history/itch_scores": ItchScore.history.filter(dog_id__in=dogs.values("pk")),
    }
    # the versions of each dog's owner list (simple-history's m2m history model)
    owners_history = apps.get_model("clinic", "HistoricalDog_owners")
    history["history/dog_owners"] = owners_history._default_manager.filter(
        history__in=history["history/dogs"]
    )
    return {**sets, **history}


def export_clinics(clinics: QuerySet[Clinic], destination: IO[bytes]) -> Manifest:
    """Write the clinics' data as a zip to `destination` (an open binary file)."""
    manifest = Manifest(
        created_at=timezone.now().isoformat(),
        clinics=[{"id": c.pk, "name": c.name} for c in clinics.order_by("pk")],
    )
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, content: bytes, records: int | None, compress: bool = True) -> None:
            archive.writestr(
                name,
                content,
                compress_type=zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED,
            )
            manifest.files[name] = ExportedFile(
                records, len(content), hashlib.sha256(content).hexdigest()
            )

        for name, queryset in record_sets(clinics).items():
            rows = [_row(name, record) for record in queryset.order_by("pk")]
            add(f"{name}.json", _json(rows), len(rows))
        for photo in Photo.objects.filter(dog__clinic__in=clinics).order_by("pk"):
            for kind in ("image", "thumbnail"):
                stored = getattr(photo, kind)
                if not stored:
                    continue
                path = f"photos/{photo.pk}/{kind}{PurePosixPath(stored.name).suffix}"
                try:
                    with stored.open("rb") as handle:
                        content = handle.read()
                except OSError:
                    manifest.missing_photo_files.append(stored.name)
                    continue
                add(path, content, None, compress=False)  # JPEG and PNG are compressed already
        archive.writestr("manifest.json", _json(manifest.as_json()))
    return manifest


def export_clinic(clinic: Clinic, destination: IO[bytes]) -> Manifest:
    """One clinic's data (what its admin downloads)."""
    return export_clinics(Clinic.objects.filter(pk=clinic.pk), destination)


def export_download(clinic: Clinic) -> tuple[IO[bytes], str]:
    """The clinic's export in a rewound temporary file, and the name to download it under.

    The caller hands the file to a FileResponse, which closes (and so deletes) it once sent.
    """
    archive = tempfile.TemporaryFile()  # noqa: SIM115 (closed by whoever sends it)
    try:
        export_clinic(clinic, archive)
        archive.seek(0)
    except BaseException:
        archive.close()
        raise
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return archive, f"cutis-export-{slugify(clinic.name) or clinic.pk}-{stamp}.zip"


def _row(name: str, record: models.Model) -> dict[str, Any]:
    secrets = SECRET_FIELDS.get(name, ())
    row = {
        f.attname: f.value_from_object(record)
        for f in record._meta.concrete_fields
        if f.attname not in secrets
    }
    for image in ("image", "thumbnail"):
        if name == "photos" and row.get(image):
            row[image] = str(row[image])
            suffix = PurePosixPath(row[image]).suffix
            row[f"{image}_in_export"] = f"photos/{record.pk}/{image}{suffix}"
    if name == "dogs":
        row["owner_ids"] = sorted(owner.pk for owner in record.owners.all())  # type: ignore[attr-defined]
    if name == "staff":
        user = record.user  # type: ignore[attr-defined]
        # never the password hash: an export is a copy of the records, not of the logins
        row["user"] = {attribute: getattr(user, attribute) for attribute in STAFF_USER_FIELDS}
    return row


def _json(data: Any) -> bytes:
    return json.dumps(
        data, cls=DjangoJSONEncoder, indent=1, sort_keys=True, ensure_ascii=False
    ).encode("utf-8")
