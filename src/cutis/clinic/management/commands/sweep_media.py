"""`cutis sweep-media [--dry-run] [--grace-minutes N]`: remove what a crash left in the media."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cutis.clinic.sweep import GRACE, find_leftovers, remove_leftovers


class Command(BaseCommand):
    help = (
        "Remove cut-off uploads (.partial-* files) and files no record names, once older than "
        "the grace period (see cutis.clinic.sweep)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list them, remove nothing")
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=int(GRACE.total_seconds() // 60),
            help="leave files younger than this alone (default %(default)s)",
        )

    def handle(self, *args: Any, dry_run: bool, grace_minutes: int, **options: Any) -> None:
        if grace_minutes < 0:
            raise CommandError(f"--grace-minutes: must be 0 or more (got {grace_minutes})")
        leftovers = find_leftovers(timezone.now(), datetime.timedelta(minutes=grace_minutes))
        for name in leftovers.partial:
            self.stdout.write(f"cut-off upload: {name}")
        for name in leftovers.unnamed:
            self.stdout.write(f"named by no record: {name}")
        if not dry_run:
            remove_leftovers(leftovers)
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(
            f"{verb} {len(leftovers.partial)} cut-off and {len(leftovers.unnamed)} unnamed files; "
            f"{leftovers.too_young} younger than {grace_minutes} min left for a later sweep"
        )
