"""Personas for the web app: staff of clinic A and B, an owner, a stranger; and a charted dog."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client

from cutis.clinic.models import Clinic, Dog, Lesion, Medication, Owner, StaffMember, Visit

PASSWORD = "a-long-test-password-41"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Argon2 is slow by design; tests hash with MD5 except the one that checks argon2 is used."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_caches() -> None:
    """Each test starts with no cached page bodies or users, as a freshly started server does."""
    for cache in caches.all():
        cache.clear()


def make_user(username: str) -> User:
    return User.objects.create_user(username=username, password=PASSWORD)


def staff(username: str, clinic: Clinic, role: str) -> User:
    user = make_user(username)
    StaffMember.objects.create(user=user, clinic=clinic, role=role)
    return user


@pytest.fixture
def clinic_a(db: None) -> Clinic:
    return Clinic.objects.create(name="Northside Vets", phone="+44 20 7946 0001")


@pytest.fixture
def clinic_b(db: None) -> Clinic:
    return Clinic.objects.create(name="Southside Vets", phone="+44 20 7946 0002")


@pytest.fixture
def vet_a(clinic_a: Clinic) -> User:
    return staff("alice", clinic_a, StaffMember.VET)


@pytest.fixture
def nurse_a(clinic_a: Clinic) -> User:
    return staff("nina", clinic_a, StaffMember.NURSE)


@pytest.fixture
def admin_a(clinic_a: Clinic) -> User:
    return staff("adam", clinic_a, StaffMember.ADMIN)


@pytest.fixture
def vet_b(clinic_b: Clinic) -> User:
    return staff("bob", clinic_b, StaffMember.VET)


@pytest.fixture
def owner_user(clinic_a: Clinic, dog_a: Dog) -> User:
    user = make_user("olive")
    owner = Owner.objects.create(clinic=clinic_a, name="Olive", user=user)
    dog_a.owners.add(owner)
    return user


@pytest.fixture
def stranger(db: None) -> User:
    return make_user("stan")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="cutis.clinic.backends.StaffModelBackend")
    return client


@pytest.fixture
def dog_a(clinic_a: Clinic) -> Dog:
    """Biscuit: the shared vignette p01, on prednisolone with plaques on neck and back."""
    dog = Dog.objects.create(
        clinic=clinic_a,
        name="Biscuit",
        breed="French Bulldog",
        sex="female_spayed",
        birth_date=datetime.date(2019, 7, 26),
    )
    visit = Visit.objects.create(
        dog=dog,
        date=datetime.date(2025, 7, 26),
        weight_kg=Decimal("12.4"),
        signs=["polydipsia", "polyphagia", "panting", "pruritus"],
        conditions=["atopic_dermatitis"],
    )
    Medication.objects.create(
        dog=dog,
        drug="prednisolone",
        dose_mg=Decimal(5),
        interval_hours=Decimal(24),
        route="oral",
        start=datetime.date(2022, 6, 1),
        reason="atopic dermatitis",
    )
    Lesion.objects.create(
        visit=visit,
        region="neck_dorsal",
        morphology="plaque",
        count=3,
        size_cm=Decimal("2.5"),
        firm_gritty=True,
        features=["erythema", "dark_crust"],
        pruritic=True,
    )
    Lesion.objects.create(
        visit=visit,
        region="back",
        morphology="plaque",
        count=2,
        size_cm=Decimal("1.5"),
        firm_gritty=True,
        features=["erythema", "white_yellow_crust"],
        pruritic=True,
    )
    return dog


@pytest.fixture
def dog_b(clinic_b: Clinic) -> Dog:
    dog = Dog.objects.create(
        clinic=clinic_b,
        name="Rex",
        breed="German Shepherd Dog",
        sex="male",
        birth_date=datetime.date(2024, 1, 1),
    )
    Visit.objects.create(dog=dog, date=datetime.date(2025, 7, 26), weight_kg=Decimal(32))
    return dog
