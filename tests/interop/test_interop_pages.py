"""The clinic pages: download and import FHIR, import a lab CSV, download the full export."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from cutis.clinic.models import Dog, Observation
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db


def fhir_upload(document: object) -> SimpleUploadedFile:
    return SimpleUploadedFile("labs.json", json.dumps(document).encode(), "application/json")


def csv_upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("labs.csv", text.encode(), "text/csv")


def calcium(value: float, unit: str, code: str = "17861-6") -> dict[str, object]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "effectiveDateTime": "2025-07-20",
        "valueQuantity": {"value": value, "unit": unit,
                          "system": "http://unitsofmeasure.org", "code": unit}}}]}


def test_the_dog_page_offers_the_fhir_download_and_import(vet_a: User, dog_a: Dog) -> None:
    page = client_for(vet_a).get(f"/dogs/{dog_a.pk}/").content.decode()
    assert f'href="/dogs/{dog_a.pk}/fhir/" download>Download FHIR bundle' in page
    assert f'href="/dogs/{dog_a.pk}/fhir/import/">Import FHIR lab results' in page


def test_the_fhir_bundle_downloads_as_a_json_attachment(vet_a: User, dog_a: Dog) -> None:
    response = client_for(vet_a).get(f"/dogs/{dog_a.pk}/fhir/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    assert re.match(rf'attachment; filename="biscuit-{dog_a.pk}-fhir-[\d-]+\.json"',
                    response["Content-Disposition"])
    bundle = json.loads(response.content)
    assert bundle["resourceType"] == "Bundle"
    assert bundle["entry"][0]["resource"]["name"] == [{"text": "Biscuit"}]


def test_uploaded_fhir_results_are_stored_and_reported(vet_a: User, dog_a: Dog) -> None:
    response = client_for(vet_a).post(f"/dogs/{dog_a.pk}/fhir/import/",
                                      {"file": fhir_upload(calcium(3.2, "mmol/L"))})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Imported 1 lab results for Biscuit." in page
    assert "12.83 mg/dL" in page and "(sent as 3.2 mmol/L)" in page
    assert dog_a.observations.get().value == pytest.approx(12.8256)


def test_an_unknown_code_in_an_upload_is_shown_and_nothing_stored(
    vet_a: User, dog_a: Dog
) -> None:
    response = client_for(vet_a).post(f"/dogs/{dog_a.pk}/fhir/import/",
                                      {"file": fhir_upload(calcium(3.2, "mmol/L", "0000-0"))})
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "<td>entry[0]</td><td><code>code</code></td>" in page
    assert "http://loinc.org 0000-0 is not a test Cutis knows" in page
    assert not Observation.objects.exists()


def test_a_file_that_is_not_json_is_refused_naming_the_file(vet_a: User, dog_a: Dog) -> None:
    upload = SimpleUploadedFile("labs.json", b"{not json", "application/json")
    page = client_for(vet_a).post(f"/dogs/{dog_a.pk}/fhir/import/",
                                  {"file": upload}).content.decode()
    assert "File: is not JSON" in page
    assert not Observation.objects.exists()


def test_another_clinics_dog_cannot_receive_an_import(vet_b: User, dog_a: Dog) -> None:
    response = client_for(vet_b).post(f"/dogs/{dog_a.pk}/fhir/import/",
                                      {"file": fhir_upload(calcium(3.2, "mmol/L"))})
    assert response.status_code == 404
    assert not Observation.objects.exists()


def test_a_csv_is_previewed_then_committed_on_confirmation(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    text = f"dog_id,code,value,unit,date\n{dog_a.pk},calcium_total,3.2,mmol/L,2025-07-20\n"
    preview = client.post("/labs/import/", {"file": csv_upload(text)}).content.decode()
    assert "<td>Biscuit" in preview and "12.83 mg/dL" in preview
    assert '<span class="badge flag-high">high</span>' in preview
    assert not Observation.objects.exists()
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', preview)
    assert sha is not None
    response = client.post("/labs/import/", {"text": text, "sha256": sha.group(1)})
    assert response.status_code == 302
    assert "Stored 1 lab results from the file." in client.get(response["Location"]).content.decode()
    assert dog_a.observations.get().entered_unit == "mmol/L"


def test_a_csv_with_a_bad_row_offers_no_confirmation_and_names_the_column(
    vet_a: User, dog_a: Dog, dog_b: Dog
) -> None:
    text = (f"dog_id,code,value,unit,date\n{dog_a.pk},creatinine,1.1,mg/dL,2025-07-20\n"
            f"{dog_b.pk},creatinine,1.1,mg/dL,2025-07-20\n")
    page = client_for(vet_a).post("/labs/import/", {"file": csv_upload(text)}).content.decode()
    assert f"dog_id: unknown dog &#x27;{dog_b.pk}&#x27;" in page
    assert "Rex" not in page
    assert 'name="sha256"' not in page
    assert "Nothing was stored" in page


def test_a_tampered_confirmation_stores_nothing(vet_a: User, dog_a: Dog) -> None:
    text = f"dog_id,code,value,unit,date\n{dog_a.pk},creatinine,1.1,mg/dL,2025-07-20\n"
    page = client_for(vet_a).post("/labs/import/", {"text": text.replace("1.1", "11"),
                                                    "sha256": "0" * 64}).content.decode()
    assert "not the one previewed" in page
    assert not Observation.objects.exists()


def test_the_clinic_admin_downloads_the_full_export(admin_a: User, dog_a: Dog) -> None:
    response = client_for(admin_a).get("/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.getvalue()))
    assert [d["name"] for d in json.loads(archive.read("dogs.json"))] == ["Biscuit"]
    assert "manifest.json" in archive.namelist()


@pytest.mark.parametrize("role", ["vet_a", "nurse_a"])
def test_only_the_admin_may_export(role: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(role)
    assert client_for(user).get("/export/").status_code == 403
