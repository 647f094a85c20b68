from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _sqlite_pragmas(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # WAL: readers never block the writer; foreign keys are enforced as on PostgreSQL
            cursor.execute("PRAGMA journal_mode=WAL;")
            cursor.execute("PRAGMA synchronous=NORMAL;")
            cursor.execute("PRAGMA foreign_keys=ON;")


class ClinicConfig(AppConfig):
    name = "cutis.clinic"
    label = "clinic"
    verbose_name = "Clinic records"

    def ready(self) -> None:
        connection_created.connect(_sqlite_pragmas)
        from cutis.clinic.backends import connect_user_signals
        from cutis.clinic.services.pages import connect_record_signals

        connect_record_signals()
        connect_user_signals()
