"""A dog with a home-care plan, its owner and co-owner, and another owner: the portal personas."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from cutis.clinic.models import Clinic, Dog, MonitoringItem, Owner, PlanItem
from tests.web.conftest import make_user

TODAY = datetime.date(2025, 8, 4)  # a Monday


def owner_of(user: User, clinic: Clinic, dog: Dog, name: str) -> User:
    owner = Owner.objects.create(clinic=clinic, name=name, email=f"{user.username}@example.org",
                                 user=user)
    dog.owners.add(owner)
    return user


@pytest.fixture
def home_plan(dog_a: Dog) -> dict[str, PlanItem]:
    """Biscuit's plan: trilostane twice a day, chlorhexidine baths, DMSO gel, a T-shirt, a check."""
    start = TODAY - datetime.timedelta(days=3)
    items = {
        "trilostane": PlanItem.objects.create(
            dog=dog_a, treatment="trilostane", drug="trilostane", dose_mg=Decimal(10),
            mg_per_kg=Decimal("0.806"), interval_hours=Decimal(12), route="oral",
            product_strength_mg=Decimal(10), product_units=Decimal(1), product_form="capsule",
            start=start),
        "bath": PlanItem.objects.create(dog=dog_a, treatment="antimicrobial_bathing", start=start),
        "gel": PlanItem.objects.create(dog=dog_a, treatment="topical_dmso", start=start),
        "shirt": PlanItem.objects.create(dog=dog_a, treatment="protective_garment", start=start),
    }
    MonitoringItem.objects.create(dog=dog_a, plan_item=items["trilostane"],
                                  kind="acth_stim_monitoring",
                                  due=TODAY + datetime.timedelta(days=1))
    return items


@pytest.fixture
def co_owner(clinic_a: Clinic, dog_a: Dog) -> User:
    return owner_of(make_user("cora"), clinic_a, dog_a, "Cora")


@pytest.fixture
def other_owner(clinic_a: Clinic, db: None) -> User:
    """Owner of another dog of the same clinic: must never see Biscuit."""
    dog = Dog.objects.create(clinic=clinic_a, name="Pip", birth_date=datetime.date(2020, 1, 1))
    return owner_of(make_user("otto"), clinic_a, dog, "Otto")
