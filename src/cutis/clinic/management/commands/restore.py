"""`cutis restore --input DIR|FILE [--force]`: a backup into an empty instance, all or nothing."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cutis.clinic.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup made by `cutis backup` (checksums first; all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, type=Path, help="the backup to restore")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace every record this instance already holds",
        )

    def handle(self, *args: Any, input: Path, force: bool, **options: Any) -> None:
        started = time.perf_counter()
        try:
            summary = restore_backup(input, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"restored {summary.rows} rows and {summary.files} files from {summary.path} "
            f"({time.perf_counter() - started:.2f} s)"
        )
