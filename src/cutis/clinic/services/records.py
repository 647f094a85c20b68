"""Creating and changing records: one transaction each, scoped to the clinic, with history."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from cutis.clinic.models import Clinic, Dog, Medication, Owner, Visit


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
