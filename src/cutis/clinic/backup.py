"""Backup and restore of a whole Cutis instance: every record (history included) and every file.

A backup is a directory (or a .tar.gz of one) holding
  database.json  every row of every model, Django's serializer format, foreign keys to users and
                 permissions by natural key, so it loads into SQLite or PostgreSQL alike
  media/...      every uploaded file a record names
  manifest.json  format, versions, migration state, row counts, sha256 and size of every file

The rows are read from one consistent snapshot: on PostgreSQL a REPEATABLE READ, READ ONLY
transaction; on SQLite a copy made with SQLite's online backup API, which writers do not wait for.
Files are written before the record naming them is committed (cutis.clinic.storage), so every
file a snapshot names is already whole on disk.

Restore checks every checksum first, refuses an instance that already holds records unless told
to replace them, and is all or nothing: the rows load in one transaction, and files it placed are
removed again if that transaction fails.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder

from cutis import __version__, load_knowledge
from cutis.clinic.storage import write_atomically

FORMAT = "cutis-backup/1"
DATABASE_FILE = "database.json"
MANIFEST_FILE = "manifest.json"
MEDIA_DIR = "media"
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar")
# rebuilt by `migrate` in every instance; rows elsewhere name them by natural key
REBUILT_BY_MIGRATE = ("contenttypes.contenttype", "auth.permission")
SNAPSHOT_ALIAS = "backup_snapshot"
CHUNK = 1024 * 1024


class FullPrecisionEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds (as JavaScript reads them); a backup keeps
    every microsecond, so a restored record is the record that was saved."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class BackupError(Exception):
    """A backup that cannot be made or restored as asked; the message says why."""


@dataclass(frozen=True)
class Summary:
    path: Path
    rows: int
    files: int
    size_bytes: int


def backed_up_models() -> list[type[models.Model]]:
    """Every concrete model, in an order where what a row names by natural key comes first."""
    ordered = serializers.sort_dependencies(
        [(config, None) for config in apps.get_app_configs()], allow_cycles=True
    )
    return [
        model
        for model in ordered
        if model._meta.label_lower not in REBUILT_BY_MIGRATE
        and model._meta.managed
        and not model._meta.proxy
    ]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def applied_migrations(alias: str) -> list[str]:
    recorder = MigrationRecorder(connections[alias])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


# --- backup


@contextmanager
def consistent_snapshot(workdir: Path) -> Iterator[str]:
    """A database alias whose reads all see one moment of the live database."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "sqlite":
        copy = workdir / "snapshot.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(copy)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        connections.settings[SNAPSHOT_ALIAS] = {
            **connections.settings[DEFAULT_DB_ALIAS],
            "NAME": str(copy),
        }
        try:
            yield SNAPSHOT_ALIAS
        finally:
            connections[SNAPSHOT_ALIAS].close()
            del connections[SNAPSHOT_ALIAS]
            del connections.settings[SNAPSHOT_ALIAS]
        return
    with transaction.atomic(using=DEFAULT_DB_ALIAS), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield DEFAULT_DB_ALIAS


def rows_of(model_list: list[type[models.Model]], alias: str) -> Iterator[models.Model]:
    for model in model_list:
        yield from model._base_manager.using(alias).order_by(model._meta.pk.name).iterator()


def named_files(model_list: list[type[models.Model]], alias: str) -> list[str]:
    names: set[str] = set()
    for model in model_list:
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                values = model._base_manager.using(alias).values_list(field.attname, flat=True)
                names.update(name for name in values if name)
    return sorted(names)


def write_backup(directory: Path, workdir: Path) -> dict[str, Any]:
    """Fill `directory` with the database, the media and the manifest; returns the manifest."""
    model_list = backed_up_models()
    with consistent_snapshot(workdir) as alias:
        with (directory / DATABASE_FILE).open("w", encoding="utf-8") as output:
            serializers.serialize(
                "json",
                rows_of(model_list, alias),
                stream=output,
                use_natural_foreign_keys=True,
                cls=FullPrecisionEncoder,
            )
        counts = {
            model._meta.label_lower: model._base_manager.using(alias).count()
            for model in model_list
        }
        migrations = applied_migrations(alias)
        media_names = named_files(model_list, alias)
        engine = connections[alias].vendor
    files = {DATABASE_FILE: file_entry(directory / DATABASE_FILE)}
    missing = []
    media_root = Path(settings.MEDIA_ROOT)
    for name in media_names:
        source, target = media_root / name, directory / MEDIA_DIR / name
        if not source.is_file():
            missing.append(name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        files[f"{MEDIA_DIR}/{name}"] = file_entry(target)
    manifest = {
        "format": FORMAT,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database_engine": engine,
        "engine_version": __version__,
        "knowledge_version": load_knowledge().version,
        "migrations": migrations,
        "counts": counts,
        "files": files,
        "missing_media": missing,
    }
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def file_entry(path: Path) -> dict[str, Any]:
    return {"sha256": sha256_of(path), "bytes": path.stat().st_size}


def is_archive(path: Path) -> bool:
    return path.name.endswith(ARCHIVE_SUFFIXES)


def create_backup(output: Path) -> tuple[Summary, dict[str, Any]]:
    """Back the instance up to `output`: a new directory, or an archive when it ends .tar.gz."""
    if output.exists() and (output.is_file() or any(output.iterdir())):
        raise BackupError(f"{output} already exists: choose a new name, nothing is overwritten")
    output.parent.mkdir(parents=True, exist_ok=True)
    # built beside the output and renamed at the end: a failed backup leaves no half backup
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".cutis-backup-") as work:
        workdir = Path(work)
        content = workdir / "backup"
        content.mkdir()
        manifest = write_backup(content, workdir)
        if is_archive(output):
            packed = workdir / "backup.archive"
            compressed = not output.name.endswith(".tar")
            with tarfile.open(packed, "w:gz" if compressed else "w") as archive:
                for path in sorted(content.rglob("*")):
                    archive.add(path, arcname=path.relative_to(content).as_posix(), recursive=False)
            packed.replace(output)
            size = output.stat().st_size
        else:
            if output.exists():
                output.rmdir()
            content.replace(output)
            size = sum(entry["bytes"] for entry in manifest["files"].values())
    rows = sum(manifest["counts"].values())
    return Summary(output, rows, len(manifest["files"]) - 1, size), manifest


# --- restore


@contextmanager
def unpacked(source: Path) -> Iterator[Path]:
    if source.is_dir():
        yield source
        return
    if not source.is_file():
        raise BackupError(f"{source}: no such backup")
    with tempfile.TemporaryDirectory(prefix="cutis-restore-") as work:
        try:
            with tarfile.open(source) as archive:
                archive.extractall(work, filter="data")
        except (tarfile.TarError, OSError) as error:
            raise BackupError(f"{source}: not a readable backup archive ({error})") from error
        yield Path(work)


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((directory / MANIFEST_FILE).read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{MANIFEST_FILE}: missing or unreadable ({error})") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{MANIFEST_FILE}: format must be {FORMAT} (got {manifest.get('format')!r})"
        )
    return manifest


def verify_files(directory: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is there with its size and sha256, before anything changes."""
    problems = []
    for name, entry in manifest["files"].items():
        path = directory / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif path.stat().st_size != entry["bytes"] or sha256_of(path) != entry["sha256"]:
            problems.append(f"{name}: checksum does not match the manifest")
    if DATABASE_FILE not in manifest["files"]:
        problems.append(f"{DATABASE_FILE}: not listed in the manifest")
    if problems:
        raise BackupError("the backup is damaged, nothing was restored: " + "; ".join(problems))


def records_held() -> dict[str, int]:
    held = {model._meta.label_lower: model._base_manager.count() for model in backed_up_models()}
    return {label: count for label, count in held.items() if count}


def place_media(directory: Path, manifest: dict[str, Any], placed: list[Path]) -> None:
    media_root = Path(settings.MEDIA_ROOT)
    for name, entry in manifest["files"].items():
        if not name.startswith(f"{MEDIA_DIR}/"):
            continue
        target = media_root / name.removeprefix(f"{MEDIA_DIR}/")
        if target.is_file() and sha256_of(target) == entry["sha256"]:
            continue
        if target.exists():
            raise BackupError(f"{target} exists with other content: nothing was restored")
        with (directory / name).open("rb") as source:
            write_atomically(target, iter(lambda: source.read(CHUNK), b""), 0o644)
        placed.append(target)


@contextmanager
def history_paused() -> Iterator[None]:
    """The backup carries the history rows and the dogs' record stamps; loading it must add no
    history rows (many-to-many changes would, as simple-history records them even for raw loads)
    nor renew any stamp (owners set on a dog would). Restore runs in its own process, so switching
    the settings here touches no request."""
    previous = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
    settings.SIMPLE_HISTORY_ENABLED = False
    settings.CUTIS_LOADING_BACKUP = True
    try:
        yield
    finally:
        settings.SIMPLE_HISTORY_ENABLED = previous
        settings.CUTIS_LOADING_BACKUP = False


def restore_backup(source: Path, *, force: bool) -> Summary:
    """Restore a backup into this instance (migrated first); all or nothing."""
    with unpacked(source) as directory:
        manifest = read_manifest(directory)
        verify_files(directory, manifest)
        call_command("migrate", interactive=False, verbosity=0)
        here = applied_migrations(DEFAULT_DB_ALIAS)
        if here != manifest["migrations"]:
            only_backup = sorted(set(manifest["migrations"]) - set(here))
            only_here = sorted(set(here) - set(manifest["migrations"]))
            raise BackupError(
                "the backup's schema differs from this Cutis's, nothing was restored "
                f"(only in the backup: {only_backup or 'none'}; only here: {only_here or 'none'}); "
                "restore with the Cutis version that made it, then upgrade"
            )
        held = records_held()
        if held and not force:
            listed = ", ".join(f"{label}: {count}" for label, count in sorted(held.items()))
            raise BackupError(
                f"this instance already holds records ({listed}); restore into an empty "
                "instance, or pass --force to replace them all"
            )
        placed: list[Path] = []
        try:
            with transaction.atomic(), history_paused():
                place_media(directory, manifest, placed)
                if held:
                    call_command("flush", interactive=False, verbosity=0)
                call_command("loaddata", str(directory / DATABASE_FILE), verbosity=0)
                expected = {label: count for label, count in manifest["counts"].items() if count}
                restored = records_held()
                if restored != expected:
                    differ = sorted(
                        f"{label}: {restored.get(label, 0)} restored, {expected.get(label, 0)} "
                        "in the backup"
                        for label in set(restored) | set(expected)
                        if restored.get(label) != expected.get(label)
                    )
                    raise BackupError(f"nothing was restored: row counts differ ({differ})")
        except BaseException as error:
            for path in placed:
                with suppress(FileNotFoundError):
                    path.unlink()
            if isinstance(error, DatabaseError | DeserializationError):
                raise BackupError(
                    f"the backup's records could not be loaded, nothing was restored: {error}"
                ) from error
            raise
    rows = sum(manifest["counts"].values())
    size = sum(entry["bytes"] for entry in manifest["files"].values())
    return Summary(source, rows, len(manifest["files"]) - 1, size)
