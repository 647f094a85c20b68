"""What a crash leaves in the media directory, found and removed once it is old enough.

Two kinds of leftovers: a `.partial-*` file, cut off mid-write by a killed server (the rename
never happened), and a whole file no record names, stored just before a transaction that never
committed (a photo's files are written before its record is saved, so that a committed record
never names a missing file). Neither is ever served, backed up or restored. A file younger than
the grace period is left alone: it may belong to an upload whose record is about to commit.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from cutis.clinic.backup import backed_up_models, named_files
from cutis.clinic.storage import PARTIAL_PREFIX

# an upload writes its files and commits its record within one request; an hour is far longer
# than any request may take (gunicorn's timeout is seconds), so nothing in flight is touched
GRACE = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Leftovers:
    partial: list[str]  # media-relative names of cut-off writes
    unnamed: list[str]  # whole files no record (current or historical) names
    too_young: int  # leftovers within the grace period, left for a later sweep

    @property
    def found(self) -> list[str]:
        return self.partial + self.unnamed


def find_leftovers(now: datetime.datetime, grace: datetime.timedelta = GRACE) -> Leftovers:
    """The media directory's leftovers older than `grace`, read against every record's files."""
    root = Path(settings.MEDIA_ROOT)
    # historical rows count: a photo voided or replaced keeps its files for its history
    named = set(named_files(backed_up_models(), DEFAULT_DB_ALIAS))
    partial: list[str] = []
    unnamed: list[str] = []
    too_young = 0
    cutoff = (now - grace).timestamp()
    for path in sorted(root.rglob("*")) if root.is_dir() else []:
        if not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        is_partial = path.name.startswith(PARTIAL_PREFIX)
        if not is_partial and name in named:
            continue
        if path.stat().st_mtime > cutoff:
            too_young += 1
        else:
            (partial if is_partial else unnamed).append(name)
    return Leftovers(partial, unnamed, too_young)


def remove_leftovers(leftovers: Leftovers) -> None:
    root = Path(settings.MEDIA_ROOT)
    for name in leftovers.found:
        (root / name).unlink(missing_ok=True)
