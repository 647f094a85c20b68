"""`cutis send-reminders`: e-mail owners today's home care and coming checks (run from cron)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cutis.portal.services.reminders import send_reminders


class Command(BaseCommand):
    help = "E-mail owners the reminders not sent yet (safe to run again: nothing is sent twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the day to remind about, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(
                    f"--date: must be YYYY-MM-DD (got {options['date']!r})"
                ) from error
        sent = send_reminders(today)
        self.stdout.write(f"{sent} reminder e-mail(s) sent for {today.isoformat()}")
