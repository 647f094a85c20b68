"""`cutis issue-api-token USERNAME NAME`: an API token for a user, printed once (operators, scripts)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cutis.api.tokens import TokenError, issue_token


class Command(BaseCommand):
    help = "Issue an API token for a user; the secret is printed once and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. 'lab system'")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        try:
            _token, secret = issue_token(user, options["name"])
        except TokenError as error:
            raise CommandError(error.message) from None
        self.stdout.write(secret)
