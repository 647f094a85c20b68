"""`cutis backup --output DIR|FILE.tar.gz`: every record and file, consistent, with a manifest."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cutis.clinic.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files (see cutis.clinic.backup)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            required=True,
            type=Path,
            help="a new directory, or a file ending .tar.gz, .tgz or .tar",
        )

    def handle(self, *args: Any, output: Path, **options: Any) -> None:
        started = time.perf_counter()
        try:
            summary, manifest = create_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for name in manifest["missing_media"]:
            self.stderr.write(f"warning: {name} is named by a record but missing on disk")
        self.stdout.write(
            f"backed up {summary.rows} rows and {summary.files} files to {summary.path} "
            f"({summary.size_bytes / 1024:.0f} KiB, {time.perf_counter() - started:.2f} s)"
        )
