"""A dog's record as a FHIR R4B Bundle: valid, complete, stable, and its lab results re-importable."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle

from cutis import ENGINE_VERSION
from cutis.clinic.models import Dog, Observation
from cutis.clinic.services.cases import knowledge
from cutis.clinic.services.labs import record_lab_value
from cutis.interop.fhir_export import fhir_bundle_for, kept_fhir_bundle_for

pytestmark = pytest.mark.django_db
AT = datetime.datetime(2025, 7, 27, 9, 30, tzinfo=datetime.UTC)


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_every_demo_dog_exports_a_bundle_that_validates_and_round_trips(
    demo_dogs: list[Dog],
) -> None:
    for dog in demo_dogs:
        bundle = fhir_bundle_for(dog, at=AT)
        parsed = Bundle.model_validate(bundle)
        assert parsed.model_dump(mode="json", exclude_none=True) == bundle, dog.name
        assert fhir_bundle_for(dog, at=AT) == bundle, dog.name
        kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
        expected = {"Patient", "RelatedPerson", "Condition", "Observation", "CarePlan",
                    "Provenance", "Device"}
        if dog.plan_items.exclude(drug="").exists():
            expected.add("MedicationRequest")
        assert expected <= kinds, (dog.name, kinds)


def test_the_patient_is_a_dog_with_its_breed_and_reproductive_status(dog_a: Dog) -> None:
    (patient,) = resources(fhir_bundle_for(dog_a, at=AT), "Patient")
    animal = {e["url"]: e["valueCodeableConcept"] for e in patient["extension"][0]["extension"]}
    assert patient["extension"][0]["url"] == "http://hl7.org/fhir/StructureDefinition/patient-animal"
    assert animal["species"]["coding"][0]["code"] == "canislf"
    assert animal["breed"]["text"] == "French Bulldog"
    assert animal["genderStatus"]["coding"][0] == {
        "system": "http://hl7.org/fhir/animal-genderstatus", "code": "neutered",
        "display": "Neutered"}
    assert (patient["gender"], patient["birthDate"]) == ("female", "2019-07-26")
    assert patient["name"] == [{"text": "Biscuit"}]


def test_a_lab_value_exports_with_loinc_ucum_its_reference_range_and_flag(
    dog_a: Dog, vet_a: User
) -> None:
    record_lab_value(dog_a, code="calcium_total", value=3.2, unit="mmol/L",
                     on=datetime.date(2025, 7, 20), recorded_by=vet_a)
    (observation,) = resources(fhir_bundle_for(dog_a, at=AT), "Observation")
    assert observation["code"]["coding"][0] == {
        "system": "http://loinc.org", "code": "17861-6",
        "display": "Calcium [Mass/volume] in Serum or Plasma"}
    assert observation["valueQuantity"] == {
        "value": 12.8256, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"}
    (interval,) = observation["referenceRange"]
    assert (interval["low"]["value"], interval["high"]["value"]) == (9.0, 11.5)
    assert interval["text"].startswith("9–11.5 mg/dL (Feldman EC, Nelson RW")
    assert observation["interpretation"][0]["coding"][0]["code"] == "H"
    assert observation["effectiveDateTime"] == "2025-07-20"


def test_a_code_without_a_sourced_loinc_term_is_exported_in_the_cutis_system_only(
    dog_a: Dog, vet_a: User
) -> None:
    record_lab_value(dog_a, code="calcium_ionized", value=1.6, unit="mmol/L",
                     on=datetime.date(2025, 7, 20), recorded_by=vet_a)
    (observation,) = resources(fhir_bundle_for(dog_a, at=AT), "Observation")
    assert [c["system"] for c in observation["code"]["coding"]] == [
        "https://cutis.invalid/fhir/CodeSystem/lab"]
    assert knowledge().labs["calcium_ionized"].get("loinc") is None


def test_the_condition_carries_the_form_and_causes_of_the_assessment(dog_a: Dog) -> None:
    (condition,) = resources(fhir_bundle_for(dog_a, at=AT), "Condition")
    extensions = {e["url"].rsplit("/", 1)[1]: e for e in condition["extension"]}
    assert condition["code"]["text"] == "calcinosis cutis"
    assert extensions["calcinosis-form"]["valueCodeableConcept"]["coding"][0]["code"]
    causes = [e for e in condition["extension"] if e["url"].endswith("calcinosis-cause")]
    named = {c["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] for c in causes}
    assert "iatrogenic_glucocorticoid" in named
    assert condition["verificationStatus"]["coding"][0]["code"] == "provisional"


def test_provenance_names_the_engine_and_knowledge_versions(dog_a: Dog) -> None:
    bundle = fhir_bundle_for(dog_a, at=AT)
    (provenance,) = resources(bundle, "Provenance")
    (device,) = resources(bundle, "Device")
    assert {v["type"]["text"]: v["value"] for v in device["version"]} == {
        "engine": ENGINE_VERSION, "knowledge": knowledge().version}
    assert provenance["agent"][0]["who"]["display"] == (
        f"Cutis engine {ENGINE_VERSION}, knowledge {knowledge().version}")
    others = {e["fullUrl"] for e in bundle["entry"]
              if e["resource"]["resourceType"] not in ("Provenance", "Device")}
    assert {t["reference"] for t in provenance["target"]} == others


def test_nothing_is_stored_by_exporting(dog_a: Dog) -> None:
    fhir_bundle_for(dog_a, at=AT)
    assert not dog_a.assessments.exists()
    assert not Observation.objects.exists()


def test_a_kept_bundle_is_the_one_a_fresh_export_gives_whenever_it_is_asked_for(
    demo_dogs: list[Dog],
) -> None:
    """Kept per dog, only its times new: the same document as one built afresh at that moment."""
    later = AT + datetime.timedelta(hours=5, microseconds=123)
    for dog in demo_dogs:
        assert kept_fhir_bundle_for(dog, at=AT) == fhir_bundle_for(dog, at=AT), dog.name
        with CaptureQueriesContext(connection) as again:
            kept = kept_fhir_bundle_for(dog, at=later)
        assert kept == fhir_bundle_for(dog, at=later), dog.name
        assert len(again) == 0, [q["sql"] for q in again]  # nothing of the record read again


def test_a_kept_bundle_follows_a_new_result_and_a_new_day(dog_a: Dog, vet_a: User) -> None:
    before = kept_fhir_bundle_for(dog_a, at=AT)
    record_lab_value(dog_a, code="calcium_total", value=12.9, unit="mg/dL",
                     on=datetime.date(2025, 7, 27), recorded_by=vet_a)
    dog_a.refresh_from_db()
    after = kept_fhir_bundle_for(dog_a, at=AT)
    assert after == fhir_bundle_for(dog_a, at=AT)
    values = [o["valueQuantity"]["value"] for o in resources(after, "Observation")
              if "valueQuantity" in o]
    assert 12.9 in values and len(resources(after, "Observation")) == len(
        resources(before, "Observation")) + 1
    next_day = AT + datetime.timedelta(days=1)
    assert kept_fhir_bundle_for(dog_a, at=next_day) == fhir_bundle_for(dog_a, at=next_day)
