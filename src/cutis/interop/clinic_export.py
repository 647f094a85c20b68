"""All of a clinic's data as one zip: JSON per record type, the photo files, and a manifest.

The JSON files hold every stored field of every record (voided ones too, with
their reasons), one file per record type, and `history/` every historical version simple-history
kept. Staff are exported without password hashes. `manifest.json` lists each file's record count,
size and SHA-256, the engine and knowledge versions and when the export was made, so a copy can be
checked file by file. Every query starts from the clinics exported: nothing of another clinic's.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from cutis import ENGINE_VERSION
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

FORMAT = "cutis-export/1"
STAFF_USER_FIELDS = ("username", "first_name", "last_name", "email", "is_active", "date_joined")


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
    sets: dict[str, QuerySet[Any]] = {
        "clinics": clinics,
        "staff": StaffMember.objects.filter(clinic__in=clinics).select_related("user"),
        "owners": Owner.objects.filter(clinic__in=clinics),
        "dogs": dogs.prefetch_related("owners"),
        "visits": visits,
        "lesions": Lesion.objects.filter(visit__in=visits),
        **{name: model._default_manager.filter(dog__in=dogs) for name, model in by_dog.items()},
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


def _row(name: str, record: models.Model) -> dict[str, Any]:
    row = {f.attname: f.value_from_object(record) for f in record._meta.concrete_fields}
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
