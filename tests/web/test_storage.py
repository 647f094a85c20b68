"""Uploaded files appear whole or not at all (cutis.clinic.storage)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from cutis.clinic.storage import PARTIAL_PREFIX, AtomicFileSystemStorage


class BrokenUpload(ContentFile):  # type: ignore[type-arg]  # generic only in the stubs
    """An upload whose connection drops after the first chunk."""

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        yield b"the first half of a photo"
        raise ConnectionResetError("the client went away")


def test_a_saved_file_has_exactly_its_content(tmp_path: Path) -> None:
    storage = AtomicFileSystemStorage(location=tmp_path)
    name = storage.save("photos/2025/07/a.jpg", ContentFile(b"\xff\xd8 whole photo \xff\xd9"))
    assert (tmp_path / name).read_bytes() == b"\xff\xd8 whole photo \xff\xd9"
    assert [p.name for p in (tmp_path / "photos/2025/07").iterdir()] == ["a.jpg"]


def test_a_write_that_fails_midway_leaves_no_file_and_no_partial(tmp_path: Path) -> None:
    storage = AtomicFileSystemStorage(location=tmp_path)
    with pytest.raises(ConnectionResetError):
        storage.save("photos/2025/07/b.jpg", BrokenUpload(b"unused"))
    assert not (tmp_path / "photos/2025/07/b.jpg").exists()
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(PARTIAL_PREFIX)]


def test_the_clinic_stores_uploads_with_the_atomic_storage() -> None:
    assert isinstance(storages["default"], AtomicFileSystemStorage)
