"""Clinic pages for FHIR export and import, the lab CSV import and the full export.

Thin: each parses the upload, calls one interop service with the caller's clinic or dog (scoped by
`cutis.clinic.scoping`), and renders what the service reports.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from cutis.clinic.models import StaffMember
from cutis.clinic.scoping import clinic_of, dog_for, staff_of
from cutis.interop.clinic_export import export_download
from cutis.interop.fhir_export import kept_fhir_bundle_for
from cutis.interop.fhir_import import import_fhir_observations
from cutis.interop.lab_csv import (
    COLUMNS,
    CsvPreview,
    commit_lab_csv,
    decode,
    entered_text,
    file_sha256,
    preview_lab_csv,
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(label="File")

    def __init__(self, *args: Any, accept: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if accept:
            self.fields["file"].widget.attrs["accept"] = accept

    def text(self) -> str | None:
        """The upload as UTF-8 text, or None with the reason added to the form."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            self.add_error("file", f"is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
            return None
        text = decode(upload.read())
        if text is None:
            self.add_error("file", "is not UTF-8 text")
        return text


class ConfirmForm(forms.Form):
    # the previewed file travels back with its SHA-256; the service refuses it if they differ
    text = forms.CharField(widget=forms.HiddenInput, strip=False)
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


@login_required
@require_GET
def dog_fhir(request: HttpRequest, dog_id: int) -> HttpResponse:
    """The dog's record as a FHIR R4B Bundle, downloaded as JSON."""
    dog = dog_for(request, dog_id)
    bundle = kept_fhir_bundle_for(dog)
    response = HttpResponse(
        json.dumps(bundle, indent=2, ensure_ascii=False),
        content_type="application/fhir+json; charset=utf-8",
    )
    name = f"{slugify(dog.name) or 'dog'}-{dog.pk}-fhir-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def dog_fhir_import(request: HttpRequest, dog_id: int) -> HttpResponse:
    """Upload a FHIR Bundle or DiagnosticReport of lab results; the report says what happened."""
    dog = dog_for(request, dog_id)
    form = UploadForm(request.POST or None, request.FILES or None, accept=".json,application/json")
    report = None
    if request.method == "POST" and form.is_valid():
        text = form.text()
        if text is not None:
            try:
                document = json.loads(text)
            except ValueError as error:
                form.add_error("file", f"is not JSON ({error})")
            else:
                report = import_fhir_observations(dog, document, staff_of(request).user)
                if report.stored:
                    messages.success(
                        request, f"Imported {len(report.imported)} lab results for {dog.name}."
                    )
    return render(request, "interop/fhir_import.html", {"dog": dog, "form": form, "report": report})


@login_required
def lab_csv_import(request: HttpRequest) -> HttpResponse:
    """Upload a lab CSV, see every row as it would be stored, then confirm: all rows or none."""
    clinic, user = clinic_of(request), staff_of(request).user
    upload = UploadForm(accept=".csv,text/csv")
    context: dict[str, object] = {"columns": COLUMNS, "form": upload}
    preview: CsvPreview | None = None
    if request.method == "POST" and "sha256" in request.POST:
        confirm = ConfirmForm(request.POST)
        if confirm.is_valid():
            data = confirm.cleaned_data
            result = commit_lab_csv(clinic, data["text"], user, expected_sha256=data["sha256"])
            if result.committed:
                messages.success(
                    request, f"Stored {len(result.observations)} lab results from the file."
                )
                return redirect("clinic:lab_csv_import")
            preview = result.preview
        else:
            messages.error(request, "The confirmation lost the file: upload it again.")
    elif request.method == "POST":
        upload = UploadForm(request.POST, request.FILES, accept=".csv,text/csv")
        context["form"] = upload
        if upload.is_valid() and (text := upload.text()) is not None:
            preview = preview_lab_csv(clinic, text, user)
            context["confirm"] = ConfirmForm(initial={"text": text, "sha256": file_sha256(text)})
    if preview is not None:
        context["preview"] = preview
        context["rows"] = [(row, entered_text(row)) for row in preview.rows]
    return render(request, "interop/lab_csv.html", context)


@login_required
@require_GET
def clinic_export_download(request: HttpRequest) -> FileResponse:
    """All the clinic's data as a zip: for its admin only."""
    staff = staff_of(request)
    if staff.role != StaffMember.ADMIN:
        raise PermissionDenied("the full export is for the clinic's admin")
    archive, name = export_download(staff.clinic)
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")
