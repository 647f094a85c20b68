"""FHIR out and in, the lab CSV import and the full export through the API: status, body, what is
stored and under whose name."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from fhir.resources.R4B.bundle import Bundle

from cutis.api.tokens import issue_token, revoke_token
from cutis.clinic.models import Dog, Observation
from cutis.interop.lab_csv import file_sha256
from tests.api.conftest import api_client, post_json

pytestmark = pytest.mark.django_db
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def lab(code: str, value: float, unit: str, date: str = "2026-11-20") -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code}]}, "effectiveDateTime": date,
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}


def bundle(*observations: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": resource} for resource in observations]}


def post_csv(client: Client, text: str, commit: str = "") -> Any:
    url = "/api/v1/labs/csv" + (f"?commit={commit}" if commit else "")
    return client.post(url, text, content_type="text/csv")


def fhir_url(dog: Dog) -> str:
    return f"/api/v1/dogs/{dog.pk}/fhir/observations"


def test_staff_download_the_dogs_record_as_a_valid_fhir_bundle(vet_api: Client,
                                                                dog_a: Dog) -> None:
    response = vet_api.get(f"/api/v1/dogs/{dog_a.pk}/fhir")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    document = json.loads(response.content)
    Bundle.model_validate(document)
    patients = [e["resource"] for e in document["entry"]
                if e["resource"]["resourceType"] == "Patient"]
    assert [p["name"][0]["text"] for p in patients] == [dog_a.name]


def test_an_owner_downloads_their_own_dogs_bundle_but_not_another_clinics(
        owner_api: Client, dog_a: Dog, dog_b: Dog) -> None:
    assert owner_api.get(f"/api/v1/dogs/{dog_a.pk}/fhir").status_code == 200
    assert owner_api.get(f"/api/v1/dogs/{dog_b.pk}/fhir").status_code == 404


def test_a_fhir_import_stores_converted_values_under_the_tokens_user(
        nurse_api: Client, dog_a: Dog) -> None:
    response = post_json(nurse_api, fhir_url(dog_a), bundle(lab("17861-6", 3.2, "mmol/L")))
    assert response.status_code == 201
    ((imported,),) = (response.json()["imported"],)
    assert imported["where"] == "entry[0]"
    assert imported["observation"]["shown"] == "12.83 mg/dL"
    stored = Observation.objects.get(pk=imported["observation"]["id"], dog=dog_a)
    assert (stored.code, stored.entered_value, stored.entered_unit) == (
        "calcium_total", 3.2, "mmol/L")
    assert stored.history.latest().history_user.username == "nina"


def test_importing_the_same_results_again_stores_nothing_twice(vet_api: Client,
                                                               dog_a: Dog) -> None:
    document = bundle(lab("17861-6", 3.2, "mmol/L"))
    assert post_json(vet_api, fhir_url(dog_a), document).status_code == 201
    again = post_json(vet_api, fhir_url(dog_a), document)
    assert again.status_code == 200
    assert (again.json()["imported"], len(again.json()["already_recorded"])) == ([], 1)
    assert dog_a.observations.filter(code="calcium_total").count() == 1


def test_a_fhir_import_with_problems_lists_each_and_stores_nothing(vet_api: Client,
                                                                   dog_a: Dog) -> None:
    before = dog_a.observations.count()
    response = post_json(vet_api, fhir_url(dog_a), bundle(
        lab("17861-6", 3.2, "mmol/L"), lab("99999-9", 4, "mg/dL"), lab("17861-6", 3, "g/L")))
    assert response.status_code == 422
    fields = [problem["field"] for problem in response.json()["errors"]]
    assert fields == ["entry[1].code", "entry[2].valueQuantity.unit"]
    assert "99999-9" in response.json()["errors"][0]["message"]
    assert dog_a.observations.count() == before


def test_a_body_that_is_not_json_is_refused_naming_the_body(vet_api: Client, dog_a: Dog) -> None:
    response = vet_api.post(fhir_url(dog_a), "{not json", content_type="application/fhir+json")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body"]


def test_an_owner_cannot_import_into_their_own_dog(owner_api: Client, dog_a: Dog) -> None:
    response = post_json(owner_api, fhir_url(dog_a), bundle(lab("17861-6", 3.2, "mmol/L")))
    assert response.status_code == 403
    assert not dog_a.observations.filter(code="calcium_total").exists()


def test_another_clinics_dog_is_not_found_and_gets_nothing(vet_api: Client, dog_b: Dog) -> None:
    response = post_json(vet_api, fhir_url(dog_b), bundle(lab("17861-6", 3.2, "mmol/L")))
    assert response.status_code == 404
    assert not dog_b.observations.exists()


def csv_for(dog: Dog, *rows: str) -> str:
    return "dog_id,code,value,unit,date\n" + "".join(f"{dog.pk},{row}\n" for row in rows)


def test_a_csv_preview_shows_each_row_as_stored_and_stores_nothing(vet_api: Client,
                                                                   dog_a: Dog) -> None:
    text = csv_for(dog_a, "calcium_total,3.2,mmol/L,2026-11-20", "usg,1.012,,2026-11-20")
    response = post_csv(vet_api, text)
    assert response.status_code == 200
    preview = response.json()
    assert (preview["sha256"], preview["ok"], preview["problems"]) == (file_sha256(text), True, [])
    assert [(row["line"], row["dog_id"], row["shown"], row["flag"]) for row in preview["rows"]] == [
        (2, dog_a.pk, "12.83 mg/dL", "high"), (3, dog_a.pk, "1.012", "")]
    assert not dog_a.observations.filter(code__in=("calcium_total", "usg")).exists()


def test_a_csv_commit_with_the_previews_hash_stores_every_row_under_the_tokens_user(
        nurse_api: Client, dog_a: Dog) -> None:
    text = csv_for(dog_a, "calcium_total,3.2,mmol/L,2026-11-20", "usg,1.012,,2026-11-20")
    response = post_csv(nurse_api, text, commit=file_sha256(text))
    assert response.status_code == 201
    rows = response.json()["rows"]
    assert [(row["line"], row["observation"]["code"]) for row in rows] == [
        (2, "calcium_total"), (3, "usg")]
    stored = dog_a.observations.filter(code__in=("calcium_total", "usg"))
    assert stored.count() == 2
    assert {o.history.latest().history_user.username for o in stored} == {"nina"}


def test_a_csv_with_a_bad_row_is_refused_with_every_problem_and_nothing_stored(
        vet_api: Client, dog_a: Dog, dog_b: Dog) -> None:
    text = csv_for(dog_a, "calcium_total,3.2,mmol/L,2026-11-20", "calcium_total,3,g/L,2026-11-20")
    text += f"{dog_b.pk},usg,1.012,,2026-11-20\n"
    preview = post_csv(vet_api, text)
    assert preview.status_code == 200 and preview.json()["ok"] is False
    response = post_csv(vet_api, text, commit=file_sha256(text))
    assert response.status_code == 422
    problems = [(e["field"], e["message"]) for e in response.json()["errors"]]
    assert [field for field, _message in problems] == ["line 3.unit", "line 4.dog_id"]
    assert problems[1][1] == f"unknown dog '{dog_b.pk}'"
    assert not Observation.objects.filter(code__in=("calcium_total", "usg")).exists()


def test_a_csv_commit_is_refused_when_the_file_is_not_the_one_previewed(
        vet_api: Client, dog_a: Dog) -> None:
    previewed = csv_for(dog_a, "calcium_total,3.2,mmol/L,2026-11-20")
    changed = csv_for(dog_a, "calcium_total,3.4,mmol/L,2026-11-20")
    response = post_csv(vet_api, changed, commit=file_sha256(previewed))
    assert response.status_code == 422
    assert "not the one previewed" in response.json()["errors"][0]["message"]
    assert not dog_a.observations.filter(code="calcium_total").exists()


def test_a_file_that_is_not_a_lab_csv_is_refused_naming_what_is_missing(vet_api: Client) -> None:
    response = post_csv(vet_api, "name,weight\nBiscuit,12\n")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert "the header lacks dog_id, code, value, unit, date" in response.json()["detail"]


def test_an_owner_cannot_import_a_csv(owner_api: Client, dog_a: Dog) -> None:
    text = csv_for(dog_a, "calcium_total,3.2,mmol/L,2026-11-20")
    assert post_csv(owner_api, text, commit=file_sha256(text)).status_code == 403
    assert not dog_a.observations.filter(code="calcium_total").exists()


def test_the_clinic_admin_downloads_the_clinics_data(admin_a: User, dog_a: Dog,
                                                     dog_b: Dog) -> None:
    response = api_client(admin_a).get("/api/v1/export")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.getvalue()))
    assert [dog["name"] for dog in json.loads(archive.read("dogs.json"))] == [dog_a.name]
    assert "manifest.json" in archive.namelist()


@pytest.mark.parametrize("role", ["vet_a", "nurse_a", "owner_user"])
def test_no_one_but_the_admin_exports(role: str, request: pytest.FixtureRequest) -> None:
    response = api_client(request.getfixturevalue(role)).get("/api/v1/export")
    assert response.status_code == 403
    assert response.json() == {"detail": "only the clinic's admin exports the clinic's data"} or (
        role == "owner_user" and response.json() == {"detail": "only clinic staff change records"})


def test_a_revoked_admin_token_exports_nothing(admin_a: User) -> None:
    token, secret = issue_token(admin_a, "old laptop")
    revoke_token(token)
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/export")
    assert response.status_code == 401


def test_the_readmes_example_files_go_through_on_the_demo(demo_dogs: list[Dog]) -> None:
    """The README names the demo's dogs as a fresh demo numbers them: Biscuit 1, Coco 3."""
    fresh_ids = {1: "Biscuit", 3: "Coco"}
    pk = {number: next(d.pk for d in demo_dogs if d.name == name)
          for number, name in fresh_ids.items()}
    client = api_client(User.objects.get(username="vet"))
    bundle_text = (EXAMPLES / "labs-bundle.json").read_text()
    imported = client.post(f"/api/v1/dogs/{pk[1]}/fhir/observations", bundle_text,
                           content_type="application/fhir+json")
    assert imported.status_code == 201
    assert [i["observation"]["shown"] for i in imported.json()["imported"]] == [
        "10.42 mg/dL", "0.9955 mg/dL"]
    header, *rows = (EXAMPLES / "labs.csv").read_text().splitlines()
    renumbered = [f"{pk[int(dog_id)]},{rest}" for dog_id, rest in (r.split(",", 1) for r in rows)]
    text = "\n".join([header, *renumbered]) + "\n"
    committed = post_csv(client, text, commit=file_sha256(text))
    assert committed.status_code == 201
    assert [(r["line"], r["observation"]["shown"]) for r in committed.json()["rows"]] == [
        (2, "11.62 mg/dL"), (3, "11.9 mg/dL"), (4, "1.012")]
