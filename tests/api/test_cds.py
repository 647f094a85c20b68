"""CDS Hooks: discovery, and the patient-view cards built from a dog's assessment."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client

from cutis.clinic.models import Dog, Medication, Visit
from tests.api.conftest import api_client, post_json

pytestmark = pytest.mark.django_db
SERVICE = "/cds-services/cutis-patient-view"


def hook_request(patient_id: object) -> dict[str, object]:
    return {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/alice", "patientId": str(patient_id)},
    }


def on_trilostane_with_kidney_disease(dog: Dog) -> Dog:
    """Coco-like: a Cushing's dog on trilostane whose kidneys now fail."""
    Visit.objects.create(dog=dog, date=datetime.date.today(), weight_kg=Decimal("6.0"),
                         signs=["polyuria", "polydipsia"],
                         conditions=["hyperadrenocorticism", "chronic_kidney_disease"])
    Medication.objects.create(dog=dog, drug="trilostane", dose_mg=Decimal(10),
                              interval_hours=Decimal(24), route="oral",
                              start=datetime.date(2025, 1, 10), reason="PDH")
    return dog


def test_discovery_lists_the_patient_view_service() -> None:
    response = Client().get("/cds-services")
    assert response.status_code == 200
    assert response.json()["services"] == [
        {
            "hook": "patient-view",
            "id": "cutis-patient-view",
            "title": "Cutis calcinosis cutis advice",
            "description": response.json()["services"][0]["description"],
        }
    ]


def test_a_dog_on_long_term_prednisolone_gets_a_critical_taper_card(vet_api: Client,
                                                                   dog_a: Dog) -> None:
    response = post_json(vet_api, SERVICE, hook_request(dog_a.pk))
    assert response.status_code == 200
    cards = response.json()["cards"]
    taper = [c for c in cards if "taper" in c["summary"].lower()]
    assert taper, [c["summary"] for c in cards]
    assert taper[0]["indicator"] == "critical"
    assert cards[0]["indicator"] == "critical"  # the most severe first
    page = f"http://testserver/dogs/{dog_a.pk}/assessment/"
    for card in cards:
        assert len(card["summary"]) <= 140
        assert card["source"] == {"label": "Cutis (calcinosis cutis decision support)",
                                  "url": page}
        assert card["links"] == [{"label": "Open Biscuit's assessment in Cutis", "url": page,
                                  "type": "absolute"}]
        assert card["indicator"] in ("critical", "warning", "info")
    overview = cards[-1]
    assert overview["indicator"] == "info"
    assert overview["summary"].startswith("Calcinosis cutis suspicion high")
    assert "iatrogenic glucocorticoid" in overview["summary"]


def test_a_dog_on_trilostane_with_kidney_disease_gets_a_critical_contraindication_card(
        vet_api: Client, dog_b: Dog, vet_a: User) -> None:
    dog = on_trilostane_with_kidney_disease(
        Dog.objects.create(clinic=vet_a.staff.clinic, name="Coco", sex="female_spayed",
                           breed="Miniature Poodle", birth_date=datetime.date(2015, 5, 1)))
    cards = post_json(vet_api, SERVICE, hook_request(dog.pk)).json()["cards"]
    trilostane = [c for c in cards if "trilostane" in c["summary"].lower()]
    assert trilostane, [c["summary"] for c in cards]
    assert trilostane[0]["indicator"] == "critical"
    assert trilostane[0]["detail"].startswith("- ")


def test_an_incomplete_record_gets_one_warning_card_saying_what_is_missing(
        vet_api: Client, vet_a: User) -> None:
    dog = Dog.objects.create(clinic=vet_a.staff.clinic, name="Nova",
                             birth_date=datetime.date(2020, 1, 1))
    cards = post_json(vet_api, SERVICE, hook_request(dog.pk)).json()["cards"]
    assert [c["indicator"] for c in cards] == ["warning"]
    assert "patient.weight_kg" in cards[0]["detail"]


def test_a_dog_of_another_clinic_is_not_found(vet_api: Client, dog_b: Dog) -> None:
    response = post_json(vet_api, SERVICE, hook_request(dog_b.pk))
    assert response.status_code == 404


@pytest.mark.parametrize("patient_id", ["Patient/abc", "\u00b33", "0", "9" * 30, " 1"])
def test_a_patient_id_that_is_not_a_cutis_dog_id_is_not_found(vet_api: Client,
                                                             patient_id: str) -> None:
    # "³3" was found by schemathesis: str.isdigit() says yes, int() then fails
    assert post_json(vet_api, SERVICE, hook_request(patient_id)).status_code == 404


def test_the_service_needs_a_token(dog_a: Dog) -> None:
    response = post_json(Client(), SERVICE, hook_request(dog_a.pk))
    assert response.status_code == 401


def test_an_owner_sees_cards_for_their_own_dog_only(owner_user: User, dog_a: Dog,
                                                    dog_b: Dog) -> None:
    client = api_client(owner_user)
    assert post_json(client, SERVICE, hook_request(dog_a.pk)).status_code == 200
    assert post_json(client, SERVICE, hook_request(dog_b.pk)).status_code == 404


def test_a_wrong_hook_is_refused_naming_the_field(vet_api: Client, dog_a: Dog) -> None:
    body = hook_request(dog_a.pk) | {"hook": "order-sign"}
    response = post_json(vet_api, SERVICE, body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "hook"
