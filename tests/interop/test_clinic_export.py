"""The full export: every record type of the clinic as JSON, the photos, a manifest that checks."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from cutis import ENGINE_VERSION
from cutis.api.models import ApiToken
from cutis.api.tokens import issue_token
from cutis.cli import main as cutis_main
from cutis.clinic.models import Clinic, Dog, Observation, Owner, Photo
from cutis.clinic.services.cases import knowledge
from cutis.interop.clinic_export import LEFT_OUT_MODELS, export_clinic, record_sets
from cutis.portal.models import CalendarFeed, CareDone, Invitation, ReminderSent
from cutis.portal.services.calendar import new_feed
from cutis.portal.services.diary import record_itch
from cutis.portal.services.invitations import invite_owner

pytestmark = pytest.mark.django_db
RECORD_FILES = ["clinics", "staff", "owners", "dogs", "visits", "medications", "lesions",
                "observations", "photos", "assessments", "plan_items", "monitoring", "care_done",
                "itch_scores", "invitations", "calendar_feeds", "reminders_sent", "api_tokens"]


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


def test_every_installed_model_is_exported_or_deliberately_left_out(clinic_a: Clinic) -> None:
    """Every app's, not only the clinic's: a model added anywhere must be placed in one list."""
    exported_models = {qs.model for qs in record_sets(Clinic.objects.filter(pk=clinic_a.pk))
                       .values()}
    left_out = {apps.get_model(label) for label in LEFT_OUT_MODELS}
    assert exported_models & left_out == set()
    assert set(apps.get_models()) - exported_models - left_out == set()


def owner_and_care(dog: Dog) -> tuple[Owner, str, str]:
    """Itch scores, a done mark, an invitation, a calendar feed, a reminder and an API token of the
    dog's owner, made as the portal and the API make them: (owner, invitation and feed secrets)."""
    today = timezone.localdate()
    owner = dog.owners.get()
    vet = dog.clinic.staff.get(user__username="vet").user
    person = owner.user
    assert person is not None
    record_itch(dog, score=6, day=today, note="scratching at night", by=person, today=today)
    item = dog.plan_items.filter(voided_at__isnull=True).first()
    assert item is not None
    CareDone.objects.create(dog=dog, plan_item=item, task="dose", day=today, done_by=person)
    _invitation, invitation_secret = invite_owner(dog, name="Sam Lee", email="sam@example.org",
                                                  invited_by=vet, now=timezone.now())
    feed_secret = new_feed(owner, timezone.now())
    ReminderSent.objects.create(user=person, key=f"check:{today}")
    issue_token(person, "home tablet")
    return owner, invitation_secret, feed_secret


def test_the_owner_portals_care_data_is_exported_without_its_token_hashes(
    demo_dogs: list[Dog],
) -> None:
    dog = next(d for d in demo_dogs if d.owners.exists() and d.plan_items.exists())
    owner, invitation_secret, feed_secret = owner_and_care(dog)
    archive = exported(dog.clinic)
    (score,) = read(archive, "itch_scores.json")
    assert (score["dog_id"], score["score"], score["note"]) == (dog.pk, 6, "scratching at night")
    assert [row["task"] for row in read(archive, "care_done.json")] == ["dose"]
    assert read(archive, "history/itch_scores.json")[0]["history_type"] == "+"
    assert read(archive, "history/care_done.json")
    (invitation,) = read(archive, "invitations.json")
    assert invitation["email"] == "sam@example.org" and "token_hash" not in invitation
    (feed,) = read(archive, "calendar_feeds.json")
    assert feed["owner_id"] == owner.pk and "token_hash" not in feed
    assert read(archive, "reminders_sent.json")[0]["user_id"] == owner.user_id
    tokens = read(archive, "api_tokens.json")
    assert {t["name"] for t in tokens} == {"home tablet"}
    assert all("digest" not in t and "prefix" not in t for t in tokens)
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode("latin-1")
    hashes = [*Invitation.objects.values_list("token_hash", flat=True),
              *CalendarFeed.objects.values_list("token_hash", flat=True),
              *ApiToken.objects.values_list("digest", flat=True)]
    for secret in [invitation_secret, feed_secret, *hashes]:
        assert secret not in everything
    left_out = read(archive, "manifest.json")["left_out"]
    assert set(left_out["fields"]) >= {"invitations.token_hash", "calendar_feeds.token_hash",
                                       "api_tokens.digest", "staff.user.password"}
    assert "sessions.Session" in left_out["models"]


def test_another_clinics_portal_data_stays_out(demo_dogs: list[Dog]) -> None:
    south_dog = next(d for d in demo_dogs if d.clinic.name != demo_dogs[0].clinic.name)
    record_itch(south_dog, score=2, day=datetime.date(2026, 1, 2), note="",
                by=south_dog.clinic.staff.get(role="vet").user, today=datetime.date(2026, 1, 2))
    archive = exported(demo_dogs[0].clinic)
    assert read(archive, "itch_scores.json") == []
    assert [t["name"] for t in read(archive, "api_tokens.json")] == []


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
