"""Server-operator commands reached through the `cutis` command line.

`cutis send-reminders`, `cutis export`, `cutis backup` and `cutis restore` are Django management
commands underneath; the CLI hands them here by name so that the clinical core's command line
never imports Django itself (the import contract holds for `cutis.cli`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence


def main(argv: Sequence[str]) -> int:
    """Run the management command named by `argv[0]` (dashes for underscores) with the rest."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cutis.web.settings")
    import django
    from django.core.management import call_command
    from django.core.management.base import CommandError

    django.setup()
    name, *rest = argv
    try:
        call_command(name.replace("-", "_"), *rest)
    except CommandError as error:
        print(f"cutis {name}: {error}", file=sys.stderr)
        return 2
    return 0
