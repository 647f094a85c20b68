"""Reading and writing records through the API: the web's checks, stored state, history rows."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from cutis.clinic.models import Dog, Lesion, MonitoringItem, Observation, PlanItem, Visit
from tests.api.conftest import post_json, put_json

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().isoformat()


def last_history_user(record: Any) -> str:
    """Who made the record's latest change, as simple-history stored it."""
    return str(record.history.latest().history_user.username)


def test_it_lists_the_clinics_dogs_only(vet_api: Client, dog_a: Dog, dog_b: Dog) -> None:
    response = vet_api.get("/api/v1/dogs")
    assert response.status_code == 200
    assert [dog["name"] for dog in response.json()] == ["Biscuit"]


def test_an_owner_lists_their_own_dogs_only(owner_api: Client, dog_a: Dog,
                                            other_owner: User) -> None:
    assert [dog["id"] for dog in owner_api.get("/api/v1/dogs").json()] == [dog_a.pk]


def test_a_nurse_registers_a_dog_with_its_owner(nurse_api: Client, nurse_a: User) -> None:
    response = post_json(nurse_api, "/api/v1/dogs", {
        "name": "Mabel", "breed": "Beagle", "sex": "female", "birth_date": "2021-03-04",
        "owner_name": "Ann Lee", "owner_email": "ann@example.org"})
    assert response.status_code == 201
    dog = Dog.objects.get(pk=response.json()["id"])
    assert (dog.name, dog.clinic, dog.birth_date) == ("Mabel", nurse_a.staff.clinic,
                                                      datetime.date(2021, 3, 4))
    assert [owner.email for owner in dog.owners.all()] == ["ann@example.org"]
    assert last_history_user(dog) == "nina"


def test_a_bad_owner_email_is_refused_by_the_web_forms_rules(vet_api: Client) -> None:
    response = post_json(vet_api, "/api/v1/dogs", {"name": "Mabel", "birth_date": "2021-03-04",
                                                   "owner_email": "not an address"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "owner_email",
                                          "message": "Enter a valid email address."}]
    assert not Dog.objects.filter(name="Mabel").exists()


def test_a_visit_is_recorded_with_history_and_an_implausible_weight_refused(
        vet_api: Client, dog_a: Dog) -> None:
    url = f"/api/v1/dogs/{dog_a.pk}/visits"
    refused = post_json(vet_api, url, {"date": TODAY, "weight_kg": 200})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "weight_kg",
                                         "message": "must be between 0.5 and 120 kg (got 200)"}]
    created = post_json(vet_api, url, {"date": TODAY, "weight_kg": 12.1, "signs": ["panting"],
                                       "notes": "Less itchy."})
    assert created.status_code == 201
    visit = Visit.objects.get(pk=created.json()["id"])
    assert (visit.weight_kg, visit.signs) == (Decimal("12.10"), ["panting"])
    assert last_history_user(visit) == "alice"
    assert created.json()["weight_kg"] == 12.1


def test_lesions_are_charted_changed_and_voided_with_history(vet_api: Client, dog_a: Dog) -> None:
    visit = dog_a.visits.get()
    charted = post_json(vet_api, f"/api/v1/dogs/{dog_a.pk}/visits/{visit.pk}/lesions", {
        "region": "elbow_left", "morphology": "nodule", "count": 1, "size_cm": "1.5",
        "firm_gritty": True, "features": ["chalky_discharge"]})
    assert charted.status_code == 201, charted.json()
    assert charted.json()["summary"] == "1 nodule, up to 1.5 cm, firm/gritty; chalky discharge"
    lesion_id = charted.json()["id"]
    changed = put_json(vet_api, f"/api/v1/dogs/{dog_a.pk}/lesions/{lesion_id}", {
        "morphology": "nodule", "count": 2, "size_cm": 2})
    assert changed.status_code == 200
    lesion = Lesion.objects.get(pk=lesion_id)
    assert (lesion.count, lesion.size_cm) == (2, Decimal("2.0"))
    assert lesion.history.count() == 2
    voided = post_json(vet_api, f"/api/v1/dogs/{dog_a.pk}/lesions/{lesion_id}/void",
                       {"reason": "charted on the wrong dog"})
    assert voided.status_code == 200
    lesion.refresh_from_db()
    assert lesion.is_voided and lesion.void_reason == "charted on the wrong dog"
    assert last_history_user(lesion) == "alice"
    listed = vet_api.get(f"/api/v1/dogs/{dog_a.pk}/visits/{visit.pk}/lesions").json()
    assert lesion_id not in [item["id"] for item in listed]


def test_a_lesion_with_onset_after_the_visit_is_refused(vet_api: Client, dog_a: Dog) -> None:
    visit = dog_a.visits.get()
    response = post_json(vet_api, f"/api/v1/dogs/{dog_a.pk}/visits/{visit.pk}/lesions", {
        "region": "back", "morphology": "plaque", "onset": "2025-07-27"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "onset"


def test_a_lab_value_is_stored_in_its_canonical_unit_as_the_web_does(
        vet_api: Client, dog_a: Dog) -> None:
    response = post_json(vet_api, f"/api/v1/dogs/{dog_a.pk}/observations/values", {
        "code": "calcium_total", "value": 2.6, "unit": "mmol/L", "date": TODAY})
    assert response.status_code == 201
    body = response.json()
    assert (body["unit"], body["entered_value"], body["entered_unit"]) == ("mg/dL", 2.6, "mmol/L")
    observation = Observation.objects.get(pk=body["id"])
    assert observation.value == pytest.approx(10.42, abs=0.01)
    assert observation.recorded_by == User.objects.get(username="alice")
    assert last_history_user(observation) == "alice"


def test_a_value_implausible_for_its_unit_is_refused_naming_the_likely_unit(
        vet_api: Client, dog_a: Dog) -> None:
    response = post_json(vet_api, f"/api/v1/dogs/{dog_a.pk}/observations/values", {
        "code": "calcium_total", "value": 2.6, "unit": "mg/dL", "date": TODAY})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "value" and "was it entered in mmol/L?" in error["message"]
    assert not Observation.objects.exists()


def test_a_culture_result_keeps_its_panel_and_can_be_voided(vet_api: Client, dog_a: Dog) -> None:
    response = post_json(vet_api, f"/api/v1/dogs/{dog_a.pk}/observations/results", {
        "code": "bacterial_culture", "result": "growth", "date": TODAY,
        "organism": "Staphylococcus pseudintermedius", "susceptible": ["doxycycline"],
        "resistant": ["cephalexin"], "methicillin_resistant": True})
    assert response.status_code == 201, response.json()
    observation = Observation.objects.get(pk=response.json()["id"])
    assert observation.detail["methicillin_resistant"] is True
    voided = post_json(vet_api, f"/api/v1/dogs/{dog_a.pk}/observations/{observation.pk}/void",
                       {"reason": "sample mislabelled"})
    assert voided.status_code == 200
    observation.refresh_from_db()
    assert observation.is_voided


def test_a_culture_without_an_organism_is_refused(vet_api: Client, dog_a: Dog) -> None:
    response = post_json(vet_api, f"/api/v1/dogs/{dog_a.pk}/observations/results", {
        "code": "bacterial_culture", "result": "growth", "date": TODAY})
    assert response.status_code == 422
    assert response.json()["errors"][0] == {"field": "organism",
                                            "message": "name the organism the culture grew"}


def test_a_vet_accepts_doses_tapers_and_voids_a_plan_item(vet_api: Client, dog_a: Dog) -> None:
    accepted = post_json(vet_api, f"/api/v1/dogs/{dog_a.pk}/plan",
                         {"treatment": "glucocorticoid_taper"})
    assert accepted.status_code == 201, accepted.json()
    item = PlanItem.objects.get(pk=accepted.json()["id"])
    assert item.from_assessment is not None and item.drug == "prednisolone"
    url = f"/api/v1/dogs/{dog_a.pk}/plan/{item.pk}"
    changed = put_json(vet_api, url, {"mg_per_kg": 0.4, "start": TODAY, "interval_hours": 24,
                                      "route": "oral"})
    assert changed.status_code == 200, changed.json()
    item.refresh_from_db()
    assert item.dose_mg == Decimal("4.960")  # 0.4 mg/kg × 12.4 kg, the latest visit's weight
    tapered = post_json(vet_api, f"{url}/taper", {
        "start": TODAY, "start_mg": 5, "interval_hours": 24, "step_percent": 25,
        "step_days": 14, "smallest_step_mg": 1.25})
    assert tapered.status_code == 200, tapered.json()
    item.refresh_from_db()
    assert item.taper_steps[-1]["mg"] == 0 and item.end is not None
    voided = post_json(vet_api, f"{url}/void", {"reason": "owner declined"})
    assert voided.status_code == 200
    item.refresh_from_db()
    assert item.is_voided and last_history_user(item) == "alice"


def test_a_dose_too_large_to_store_is_refused_not_a_500(vet_api: Client, dog_a: Dog) -> None:
    item = PlanItem.objects.create(dog=dog_a, treatment="glucocorticoid_taper",
                                   drug="prednisolone", dose_mg=5, interval_hours=24)
    response = put_json(vet_api, f"/api/v1/dogs/{dog_a.pk}/plan/{item.pk}",
                        {"mg_per_kg": 1e9, "start": TODAY})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "mg_per_kg"
    item.refresh_from_db()
    assert item.dose_mg == Decimal(5)


def test_a_nurse_reads_the_plan_but_may_not_change_it(nurse_api: Client, dog_a: Dog) -> None:
    assert nurse_api.get(f"/api/v1/dogs/{dog_a.pk}/plan").status_code == 200
    response = post_json(nurse_api, f"/api/v1/dogs/{dog_a.pk}/plan",
                         {"treatment": "glucocorticoid_taper"})
    assert response.status_code == 403
    assert response.json() == {"detail": "only a vet changes the treatment plan"}
    assert not PlanItem.objects.exists()


def test_monitoring_is_scheduled_from_the_plan_dated_and_marked_done(
        vet_api: Client, dog_a: Dog) -> None:
    post_json(vet_api, f"/api/v1/dogs/{dog_a.pk}/plan", {"treatment": "glucocorticoid_taper"})
    scheduled = vet_api.post(f"/api/v1/dogs/{dog_a.pk}/monitoring/schedule")
    assert scheduled.status_code == 200 and scheduled.json()
    assert vet_api.post(f"/api/v1/dogs/{dog_a.pk}/monitoring/schedule").json() == []
    check = MonitoringItem.objects.filter(dog=dog_a).order_by("id").first()
    assert check is not None
    url = f"/api/v1/dogs/{dog_a.pk}/monitoring/{check.pk}"
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    assert post_json(vet_api, f"{url}/done", {"done_on": future}).status_code == 422
    done = post_json(vet_api, f"{url}/done", {"done_on": TODAY})
    assert done.status_code == 200 and done.json()["state"] == "done"
    check.refresh_from_db()
    assert check.done_on == timezone.localdate()
    again = post_json(vet_api, f"{url}/due", {"due": future})
    assert again.status_code == 422
    assert "was done on" in again.json()["errors"][0]["message"]


def test_the_dogs_assessment_is_read_and_an_incomplete_record_named(
        vet_api: Client, dog_a: Dog, vet_a: User) -> None:
    response = vet_api.get(f"/api/v1/dogs/{dog_a.pk}/assessment")
    assert response.status_code == 200
    assert response.json()["format"] == "cutis-assessment/1"
    bare = Dog.objects.create(clinic=vet_a.staff.clinic, name="Nova",
                              birth_date=datetime.date(2020, 1, 1))
    incomplete = vet_api.get(f"/api/v1/dogs/{bare.pk}/assessment")
    assert incomplete.status_code == 422
    assert "patient.weight_kg" in [e["field"] for e in incomplete.json()["errors"]]


def test_a_medication_ending_before_it_starts_is_refused(vet_api: Client, dog_a: Dog) -> None:
    response = post_json(vet_api, f"/api/v1/dogs/{dog_a.pk}/medications", {
        "drug": "trilostane", "start": "2025-07-01", "end": "2025-06-01"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "end"
    assert dog_a.medications.count() == 1


def test_an_unknown_field_is_refused_not_dropped(vet_api: Client, dog_a: Dog) -> None:
    response = post_json(vet_api, f"/api/v1/dogs/{dog_a.pk}/observations/values", {
        "code": "weight", "value": 12, "unit": "kg", "date": TODAY, "vale": 13})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "vale",
                                          "message": "Extra inputs are not permitted"}]
    assert not Observation.objects.exists()
