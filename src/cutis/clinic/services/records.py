"""Creating and changing records: one transaction each, scoped to the clinic, with history."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from cutis.clinic.models import Clinic, Dog, Medication, Owner, Visit, Voidable
from cutis.clinic.services.errors import EntryError

Record = TypeVar("Record", bound=Voidable)


@transaction.atomic
def void_record(
    record: Record,
    *,
    reason: str,
    voided_by: User,
    what: str,
    error: type[EntryError] = EntryError,
) -> Record:
    """Void a clinical record with a reason: it stays on record and in its history.

    Locked first, so two people voiding at once cannot both succeed.
    """
    reason = reason.strip()
    if not reason:
        raise error("reason", f"say why this {what} is voided")
    locked = type(record)._default_manager.select_for_update().get(pk=record.pk)
    if locked.is_voided:
        raise error("reason", f"this {what} was already voided ({locked.void_reason})")
    locked.voided_at = timezone.now()
    locked.voided_by = voided_by
    locked.void_reason = reason
    locked.save(update_fields=["voided_at", "voided_by", "void_reason"])
    return locked


@transaction.atomic
def register_dog(clinic: Clinic, data: dict[str, Any]) -> Dog:
    dog = Dog.objects.create(
        clinic=clinic,
        name=data["name"],
        breed=data.get("breed", ""),
        sex=data.get("sex", "unknown"),
        birth_date=data["birth_date"],
    )
    if data.get("owner_name"):
        owner = Owner.objects.create(
            clinic=clinic, name=data["owner_name"], email=data.get("owner_email", "")
        )
        dog.owners.add(owner)
    return dog


@transaction.atomic
def record_visit(dog: Dog, data: dict[str, Any]) -> Visit:
    return Visit.objects.create(
        dog=dog,
        date=data["date"],
        weight_kg=data["weight_kg"],
        signs=list(data.get("signs", [])),
        conditions=list(data.get("conditions", [])),
        notes=data.get("notes", ""),
    )


@transaction.atomic
def record_medication(dog: Dog, data: dict[str, Any]) -> Medication:
    drug = data["drug"].strip()
    return Medication.objects.create(dog=dog, **{**data, "drug": drug})
