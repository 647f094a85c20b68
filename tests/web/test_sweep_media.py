"""`cutis sweep-media`: what a crash left in the media directory goes; every record's files stay."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cutis.cli import main as cutis
from cutis.clinic.models import Dog, Photo
from cutis.clinic.services.photos import store_photo, void_photo
from cutis.clinic.storage import PARTIAL_PREFIX
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db

TWO_HOURS_AGO = time.time() - 2 * 3600


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


def jpeg(number: int) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (200, number, 90)).save(buffer, "JPEG")
    return SimpleUploadedFile(f"{number}.jpg", buffer.getvalue(), content_type="image/jpeg")


def leftover(root: Path, name: str, *, old: bool) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half a photo")
    if old:
        os.utime(path, (TWO_HOURS_AGO, TWO_HOURS_AGO))
    return path


def every_file(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def crashed_media(dog_a: Dog, vet_a: User, media_root: Path) -> dict[str, Path]:
    """Two photos on record (one voided, its files kept for its history), and what crashes left:
    old and young, cut off and whole but unnamed."""
    kept = store_photo(dog_a, jpeg(1), visit=None, region="back", taken_on=None, uploaded_by=vet_a)
    voided = store_photo(dog_a, jpeg(2), visit=None, region="back", taken_on=None,
                         uploaded_by=vet_a)
    void_photo(voided, reason="wrong dog", voided_by=vet_a)
    for photo in (kept, voided):  # files on record are old too: age alone never removes one
        for stored in (photo.image, photo.thumbnail):
            os.utime(stored.path, (TWO_HOURS_AGO, TWO_HOURS_AGO))
    return {
        "old partial": leftover(media_root, f"photos/2026/11/{PARTIAL_PREFIX}a1b2", old=True),
        "old unnamed": leftover(media_root, "thumbnails/2026/11/0f0f.jpg", old=True),
        "young partial": leftover(media_root, f"photos/2026/11/{PARTIAL_PREFIX}c3d4", old=False),
        "young unnamed": leftover(media_root, "photos/2026/11/1e1e.jpg", old=False),
    }


def test_a_sweep_removes_old_leftovers_and_keeps_every_file_a_record_names(
    crashed_media: dict[str, Path], media_root: Path, dog_a: Dog, vet_a: User,
    capsys: pytest.CaptureFixture[str],
) -> None:
    named = {f.name for p in Photo.objects.all() for f in (p.image, p.thumbnail)}
    assert cutis(["sweep-media"]) == 0
    out = capsys.readouterr().out
    assert f"cut-off upload: photos/2026/11/{PARTIAL_PREFIX}a1b2" in out
    assert "named by no record: thumbnails/2026/11/0f0f.jpg" in out
    assert "removed 1 cut-off and 1 unnamed files; 2 younger than 60 min left" in out
    assert not crashed_media["old partial"].exists()
    assert not crashed_media["old unnamed"].exists()
    assert every_file(media_root) == named | {
        f"photos/2026/11/{PARTIAL_PREFIX}c3d4", "photos/2026/11/1e1e.jpg"
    }
    # the photos on record are still served whole
    client = client_for(vet_a)
    for photo in Photo.objects.all():
        for part in ("image", "thumbnail"):
            response = client.get(f"/dogs/{dog_a.pk}/photos/{photo.pk}/{part}/")
            assert response.status_code == 200
            Image.open(io.BytesIO(response.getvalue())).verify()


def test_a_dry_run_lists_the_leftovers_and_removes_nothing(
    crashed_media: dict[str, Path], media_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = every_file(media_root)
    assert cutis(["sweep-media", "--dry-run"]) == 0
    assert "would remove 1 cut-off and 1 unnamed files" in capsys.readouterr().out
    assert every_file(media_root) == before


def test_no_grace_removes_the_young_leftovers_too(
    crashed_media: dict[str, Path], media_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cutis(["sweep-media", "--grace-minutes", "0"]) == 0
    assert "removed 2 cut-off and 2 unnamed files; 0 younger" in capsys.readouterr().out
    assert not any(path.exists() for path in crashed_media.values())
    assert len(every_file(media_root)) == 4  # two photos, each an image and a thumbnail


def test_a_negative_grace_is_refused_by_name(
    crashed_media: dict[str, Path], media_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = every_file(media_root)
    assert cutis(["sweep-media", "--grace-minutes", "-5"]) == 2
    assert "cutis sweep-media: --grace-minutes: must be 0 or more (got -5)" in (
        capsys.readouterr().err
    )
    assert every_file(media_root) == before


def test_a_sweep_of_an_instance_without_media_finds_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cutis(["sweep-media"]) == 0
    assert "removed 0 cut-off and 0 unnamed files; 0 younger" in capsys.readouterr().out
