"""Records and scoping: a clinic sees its own dogs only."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User

from cutis.clinic.models import Dog
from cutis.clinic.services.cases import assess_dog
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_vet_sees_her_dog(vet_a: User, dog_a: Dog) -> None:
    response = client_for(vet_a).get(f"/dogs/{dog_a.pk}/")
    assert response.status_code == 200
    assert "Biscuit" in response.content.decode()


def test_it_refuses_a_dog_of_another_clinic(vet_b: User, dog_a: Dog) -> None:
    assert client_for(vet_b).get(f"/dogs/{dog_a.pk}/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(dog_a: Dog, client) -> None:
    response = client.get(f"/dogs/{dog_a.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_registering_a_dog_stores_it_in_the_vets_clinic(vet_a: User) -> None:
    response = client_for(vet_a).post("/dogs/new/", {
        "name": "Pepper", "breed": "Beagle", "sex": "male", "birth_date": "2020-03-01",
        "owner_name": "Pat", "owner_email": "pat@example.org"})
    dog = Dog.objects.get(name="Pepper")
    assert response.status_code == 302
    assert dog.clinic == vet_a.staff.clinic
    assert [o.name for o in dog.owners.all()] == ["Pat"]
    created = dog.history.get(history_type="+")
    assert created.history_user == vet_a


def test_a_visit_with_an_impossible_weight_names_the_field_and_keeps_the_input(
        vet_a: User, dog_a: Dog) -> None:
    response = client_for(vet_a).post(f"/dogs/{dog_a.pk}/visits/new/", {
        "date": "2025-08-01", "weight_kg": "-3", "notes": "typed by the nurse"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Weight (kg): must be between 0.5 and 120 kg" in page
    assert "typed by the nurse" in page
    assert dog_a.visits.count() == 1


def test_the_record_becomes_a_case_the_core_assesses(dog_a: Dog) -> None:
    case, assessment = assess_dog(dog_a, datetime.date(2025, 7, 26))
    assert case["patient"]["weight_kg"] == 12.4
    assert assessment["causes"][0]["id"] == "iatrogenic_glucocorticoid"
    assert assessment["alerts"][0]["id"] == "glucocorticoid_taper_required"


def test_passwords_are_stored_with_argon2(settings: Any) -> None:
    from cutis.web import settings as real_settings

    assert real_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = real_settings.PASSWORD_HASHERS
    user = User.objects.create_user(username="argon", password="x-long-enough-password")
    assert user.password.startswith("argon2$")


def test_an_owner_signing_in_is_told_the_clinic_pages_are_for_staff(owner_user: User) -> None:
    response = client_for(owner_user).get("/")
    assert response.status_code == 403
    assert "These pages are for clinic staff" in response.content.decode()


def test_another_clinics_dog_reads_as_not_found_in_your_clinic(vet_b: User, dog_a: Dog) -> None:
    response = client_for(vet_b).get(f"/dogs/{dog_a.pk}/")
    assert response.status_code == 404
    assert "no such page or record in your clinic" in response.content.decode()
    assert "Biscuit" not in response.content.decode()
