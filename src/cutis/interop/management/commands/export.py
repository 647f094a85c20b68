"""`cutis export [--clinic ID] --output PATH`: the operator's full export (every clinic by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cutis.clinic.models import Clinic
from cutis.interop.clinic_export import export_clinics


class Command(BaseCommand):
    help = (
        "Write a clinic's data (or every clinic's) as a zip of JSON files, photos and a manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", type=int, help="the clinic's id (default: every clinic)")
        parser.add_argument("--output", required=True, help="the zip file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        clinics = Clinic.objects.all()
        if options["clinic"] is not None:
            clinics = clinics.filter(pk=options["clinic"])
            if not clinics.exists():
                raise CommandError(f"--clinic: no clinic has id {options['clinic']}")
        output = Path(options["output"])
        if output.is_dir():
            raise CommandError(f"--output: {output} is a directory; name the zip file")
        partial = output.with_name(output.name + ".partial")
        try:
            with partial.open("wb") as handle:
                manifest = export_clinics(clinics, handle)
            # the zip appears whole or not at all
            partial.replace(output)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(f"--output: cannot write {output} ({error.strerror})") from error
        names = ", ".join(clinic["name"] for clinic in manifest.clinics)
        records = {
            name.removesuffix(".json"): entry.records
            for name, entry in manifest.files.items()
            if entry.records is not None and not name.startswith("history/")
        }
        self.stdout.write(f"Wrote {output} ({names}): {len(manifest.files)} files")
        self.stdout.write(", ".join(f"{name} {count}" for name, count in records.items()))
        for missing in manifest.missing_photo_files:
            self.stderr.write(f"photo file missing from storage, not exported: {missing}")
