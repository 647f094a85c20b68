"""Lab results from FHIR into a dog's record: converted, checked, reported by entry, all or nothing."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User

from cutis.clinic.models import Clinic, Dog, Observation
from cutis.clinic.services.labs import culture_detail, record_lab_value, record_test_result
from cutis.interop.fhir_export import fhir_bundle_for
from cutis.interop.fhir_import import import_fhir_observations
from cutis.interop.lab_batch import Problem

pytestmark = pytest.mark.django_db
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def observation(code: str, value: float, unit: str, *, system: str = LOINC,
                date: str = "2025-07-20", **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": system, "code": code}]},
            "effectiveDateTime": date,
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
            **extra}


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": resource} for resource in resources]}


def twin(dog: Dog, clinic: Clinic) -> Dog:
    """A dog of the same name (the import checks the bundle's patient is this dog)."""
    return Dog.objects.create(clinic=clinic, name=dog.name, birth_date=dog.birth_date)


def test_calcium_in_mmol_per_litre_is_stored_in_mg_per_decilitre_with_history(
    dog_a: Dog, vet_a: User
) -> None:
    report = import_fhir_observations(dog_a, bundle(observation("17861-6", 3.2, "mmol/L")), vet_a)
    stored = dog_a.observations.get()
    assert report.stored and report.problems == []
    assert (stored.code, stored.value, stored.unit) == ("calcium_total", 12.8256, "mg/dL")
    assert (stored.entered_value, stored.entered_unit) == (3.2, "mmol/L")
    assert stored.date == datetime.date(2025, 7, 20) and stored.recorded_by == vet_a
    assert stored.history.count() == 1
    ((where, row),) = report.imported
    assert (where, row.shown, row.flag) == ("entry[0]", "12.83 mg/dL", "high")


def test_an_unknown_code_is_reported_by_entry_and_nothing_is_stored(
    dog_a: Dog, vet_a: User
) -> None:
    document = bundle(observation("2160-0", 1.1, "mg/dL"),
                      observation("99999-9", 4, "mg/dL"))
    report = import_fhir_observations(dog_a, document, vet_a)
    assert report.problems == [Problem(
        "entry[1]", "code", "http://loinc.org 99999-9 is not a test Cutis knows")]
    assert not report.stored
    assert not Observation.objects.exists()


def test_a_unit_the_test_does_not_accept_is_reported_and_nothing_is_stored(
    dog_a: Dog, vet_a: User
) -> None:
    document = bundle(observation("2160-0", 1.1, "mg/dL"), observation("17861-6", 2.6, "g/L"))
    report = import_fhir_observations(dog_a, document, vet_a)
    assert report.problems == [Problem(
        "entry[1]", "valueQuantity.unit",
        "g/L is not accepted for total calcium (use mg/dL, mmol/L)")]
    assert not Observation.objects.exists()


def test_a_diagnostic_report_with_contained_results_is_imported(dog_a: Dog, vet_a: User) -> None:
    contained = observation("2777-1", 1.5, "mmol/L", id="p")
    report_resource = {"resourceType": "DiagnosticReport", "status": "final",
                       "code": {"text": "chemistry"}, "contained": [contained],
                       "result": [{"reference": "#p"}]}
    report = import_fhir_observations(dog_a, report_resource, vet_a)
    assert report.stored, report.problems
    assert dog_a.observations.get().value == pytest.approx(4.6455)


def test_a_diagnostic_report_naming_a_result_that_is_not_there_is_refused(
    dog_a: Dog, vet_a: User
) -> None:
    report_resource = {"resourceType": "DiagnosticReport", "status": "final",
                       "code": {"text": "chemistry"},
                       "result": [{"reference": "Observation/missing"}]}
    report = import_fhir_observations(dog_a, bundle(report_resource), vet_a)
    assert report.problems[0] == Problem(
        "entry[0]", "result[0]",
        "Observation/missing is not in the document, so it cannot be imported")


def test_results_for_another_patient_are_refused(dog_a: Dog, vet_a: User) -> None:
    patient = {"resourceType": "Patient", "name": [{"text": "Rex"}]}
    report = import_fhir_observations(
        dog_a, bundle(patient, observation("2160-0", 1.1, "mg/dL")), vet_a)
    assert report.problems[0].field == "name"
    assert "for 'Rex', not Biscuit" in report.problems[0].message
    assert not Observation.objects.exists()


def test_a_document_that_is_not_fhir_is_refused_by_element(dog_a: Dog, vet_a: User) -> None:
    broken = bundle({"resourceType": "Observation", "status": "final", "code": "calcium"})
    report = import_fhir_observations(dog_a, broken, vet_a)
    assert report.problems and report.problems[0].where == "document"
    assert "code" in report.problems[0].field, report.problems
    assert import_fhir_observations(dog_a, ["not", "a", "resource"], vet_a).problems == [
        Problem("document", "resourceType", "must be a Bundle or a DiagnosticReport")]


def test_an_exported_bundle_imports_back_to_the_same_values(
    dog_a: Dog, vet_a: User, clinic_a: Clinic
) -> None:
    on = datetime.date(2025, 7, 20)
    record_lab_value(dog_a, code="calcium_total", value=3.2, unit="mmol/L", on=on,
                     recorded_by=vet_a)
    record_lab_value(dog_a, code="calcium_ionized", value=1.61, unit="mmol/L", on=on,
                     recorded_by=vet_a)
    record_lab_value(dog_a, code="usg", value=1.012, unit="", on=on, recorded_by=vet_a)
    record_lab_value(dog_a, code="weight", value=27.3, unit="lb", on=on, recorded_by=vet_a)
    record_test_result(dog_a, code="bacterial_culture", result="growth", on=on,
                       recorded_by=vet_a,
                       culture=culture_detail("Staphylococcus pseudintermedius",
                                              ["doxycycline"], [], True))
    exported = fhir_bundle_for(dog_a)
    other = twin(dog_a, clinic_a)
    report = import_fhir_observations(other, exported, vet_a)
    assert report.stored, report.problems

    def values(dog: Dog) -> list[tuple[Any, ...]]:
        return [(o.code, o.date, o.value, o.unit, o.result, o.detail)
                for o in dog.observations.order_by("code")]

    assert values(other) == values(dog_a)
    # what is not a lab result is named, not silently dropped
    assert any("MedicationStatement is not a lab result" in note for note in report.notes)


def test_importing_the_same_results_twice_stores_them_once(dog_a: Dog, vet_a: User) -> None:
    document = bundle(observation("17861-6", 3.2, "mmol/L"))
    import_fhir_observations(dog_a, document, vet_a)
    again = import_fhir_observations(dog_a, copy.deepcopy(document), vet_a)
    assert dog_a.observations.count() == 1
    assert [where for where, _row in again.already_recorded] == ["entry[0]"]
    assert not again.imported


@pytest.mark.parametrize("kind", ["", "Nope", 7, None, "Observation; DROP"])
def test_an_entry_that_is_no_fhir_resource_type_is_reported_not_a_server_error(
    dog_a: Dog, vet_a: User, kind: object
) -> None:
    """Found by the form fuzz: fhir.resources raised KeyError on an empty resourceType."""
    document = bundle(observation("17861-6", 3.2, "mmol/L"))
    document["entry"][0]["resource"]["resourceType"] = kind
    report = import_fhir_observations(dog_a, document, vet_a)
    assert [(p.where, p.field) for p in report.problems] == [("entry[0]", "resource.resourceType")]
    assert not dog_a.observations.exists()
