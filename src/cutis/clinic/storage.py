"""Uploaded files land whole or not at all, and survive a crash once their record is saved.

Django's FileSystemStorage writes straight to the final name, so a server killed mid-write leaves
a truncated photo under the name a record may point to. Here every file is written to a hidden
temporary name in the same directory, flushed to disk, then renamed into place (a rename is atomic
within one file system) and the directory entry flushed too. The photo service stores its files
before it saves the record, so a committed record never names a file that is not on disk.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage

# what a crash can leave behind: never named by a record, safe to delete when it is old
PARTIAL_PREFIX = ".partial-"


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable (POSIX needs the directory flushed)."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomically(path: Path, chunks: Iterable[bytes], mode: int | None = None) -> None:
    """Write `chunks` to `path` through a temporary file, an fsync and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=PARTIAL_PREFIX)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as output:
            for chunk in chunks:
                output.write(chunk)
            output.flush()
            os.fsync(output.fileno())
        if mode is not None:
            temporary.chmod(mode)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


class AtomicFileSystemStorage(FileSystemStorage):
    """FileSystemStorage whose saves are atomic and durable (see the module docstring)."""

    def _save(self, name: str, content: Any) -> str:
        # Storage.save has already chosen a free name; ours are random, so no one races for it
        mode = self.file_permissions_mode if self.file_permissions_mode is not None else 0o644
        content.seek(0)
        write_atomically(Path(self.path(name)), content.chunks(), mode)
        return str(name).replace("\\", "/")
