"""The full export: every record type of the clinic as JSON, the photos, a manifest that checks."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from cutis import ENGINE_VERSION
from cutis.cli import main as cutis_main
from cutis.clinic.models import Clinic, Dog, Observation, Photo
from cutis.clinic.services.cases import knowledge
from cutis.interop.clinic_export import export_clinic, record_sets

pytestmark = pytest.mark.django_db
RECORD_FILES = ["clinics", "staff", "owners", "dogs", "visits", "medications", "lesions",
                "observations", "photos", "assessments", "plan_items", "monitoring"]


def exported(clinic: Clinic) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    export_clinic(clinic, buffer)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def read(archive: zipfile.ZipFile, name: str) -> Any:
    return json.loads(archive.read(name))


def test_the_manifest_lists_every_file_with_its_count_and_checksum(
    demo_dogs: list[Dog],
) -> None:
    clinic = demo_dogs[0].clinic
    archive = exported(clinic)
    manifest = read(archive, "manifest.json")
    assert manifest["format"] == "cutis-export/1"
    assert (manifest["engine_version"], manifest["knowledge_version"]) == (
        ENGINE_VERSION, knowledge().version)
    assert manifest["clinics"] == [{"id": clinic.pk, "name": clinic.name}]
    assert manifest["created_at"]
    assert set(archive.namelist()) == {*manifest["files"], "manifest.json"}
    for name, entry in manifest["files"].items():
        content = archive.read(name)
        assert hashlib.sha256(content).hexdigest() == entry["sha256"], name
        assert len(content) == entry["bytes"], name
    for name in RECORD_FILES:
        assert manifest["files"][f"{name}.json"]["records"] == len(read(archive, f"{name}.json"))


def test_the_export_holds_the_clinics_records_photos_and_history(demo_dogs: list[Dog]) -> None:
    clinic = demo_dogs[0].clinic
    archive = exported(clinic)
    dogs = read(archive, "dogs.json")
    assert sorted(d["name"] for d in dogs) == sorted(
        clinic.dogs.values_list("name", flat=True))
    observations = read(archive, "observations.json")
    assert len(observations) == Observation.objects.filter(dog__clinic=clinic).count()
    photos = read(archive, "photos.json")
    assert len(photos) == Photo.objects.filter(dog__clinic=clinic).count() > 0
    first = Photo.objects.filter(dog__clinic=clinic).order_by("pk").first()
    assert first is not None
    with first.image.open("rb") as handle:
        assert archive.read(photos[0]["image_in_export"]) == handle.read()
    history = read(archive, "history/observations.json")
    assert {row["history_type"] for row in history} == {"+"}
    assert len(history) == len(observations)
    assert read(archive, "history/dog_owners.json")


def test_a_clinic_export_holds_nothing_of_another_clinic(demo_dogs: list[Dog]) -> None:
    north = demo_dogs[0].clinic
    south = Clinic.objects.exclude(pk=north.pk).get()
    their_dogs = set(south.dogs.values_list("pk", flat=True))
    archive = exported(north)
    everything = b"".join(archive.read(name) for name in archive.namelist()
                          if name.endswith(".json")).decode()
    assert south.name not in everything
    for dog in south.dogs.all():
        assert f'"{dog.name}"' not in everything
    for name in archive.namelist():
        if name.endswith(".json") and name != "manifest.json":
            for row in read(archive, name):
                assert row.get("clinic_id", north.pk) == north.pk, name
                assert row.get("dog_id") not in their_dogs, name


def test_staff_are_exported_without_their_password_hashes(demo_dogs: list[Dog]) -> None:
    archive = exported(demo_dogs[0].clinic)
    staff = read(archive, "staff.json")
    assert {s["user"]["username"] for s in staff} == {"vet", "nurse", "admin"}
    assert "argon2" not in archive.read("staff.json").decode()
    assert all("password" not in s["user"] for s in staff)


def test_every_clinic_record_type_is_exported_or_deliberately_left_out(
    clinic_a: Clinic,
) -> None:
    exported_models = {qs.model for qs in record_sets(Clinic.objects.filter(pk=clinic_a.pk))
                       .values()}
    clinic_models = set(apps.get_app_config("clinic").get_models())
    assert clinic_models - exported_models == set()


def test_the_operator_exports_one_clinic_or_all_from_the_command_line(
    demo_dogs: list[Dog], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    north = demo_dogs[0].clinic
    one = tmp_path / "north.zip"
    assert cutis_main(["export", "--clinic", str(north.pk), "--output", str(one)]) == 0
    assert f"Wrote {one} ({north.name})" in capsys.readouterr().out
    assert len(read(zipfile.ZipFile(one), "clinics.json")) == 1
    every = tmp_path / "all.zip"
    call_command("export", "--output", str(every))
    assert len(read(zipfile.ZipFile(every), "dogs.json")) == Dog.objects.count() == 4


def test_the_command_refuses_an_unknown_clinic_without_writing(
    clinic_a: Clinic, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="--clinic: no clinic has id 999"):
        call_command("export", "--clinic", "999", "--output", str(tmp_path / "x.zip"))
    assert list(tmp_path.iterdir()) == []
