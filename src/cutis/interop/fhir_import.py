"""Lab results from FHIR R4B into a dog's record: a Bundle of Observations or a DiagnosticReport.

Each Observation is read by its code (LOINC where the knowledge maps it, or Cutis's own lab
system), its value with its UCUM unit (converted to the canonical unit by the lab service), and
its date. Anything that cannot be stored is reported by entry and element; nothing is dropped
without a word: a resource that is not a lab result is listed as not imported. One problem and
nothing is stored.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from pydantic import ValidationError

from cutis.clinic.models import Dog
from cutis.clinic.services.cases import knowledge
from cutis.clinic.services.labs import (
    RESULT_TESTS,
    CultureDetail,
    LabEntryError,
    LabRow,
    culture_detail,
)
from cutis.interop import codes
from cutis.interop.lab_batch import LabEntry, Problem, store_lab_entries

ACCEPTED_STATUS = ("final", "amended", "corrected")
FHIR_FIELDS = {
    "code": "code",
    "unit": "valueQuantity.unit",
    "value": "valueQuantity.value",
    "date": "effectiveDateTime",
    "result": "valueCodeableConcept",
    "organism": "component",
    "susceptible": "component",
    "resistant": "component",
}
MAX_VALIDATION_PROBLEMS = 20


@dataclass
class ImportReport:
    """What an import stored, or why it stored nothing; `notes` lists what it left aside."""

    imported: list[tuple[str, LabRow]] = field(default_factory=list)
    already_recorded: list[tuple[str, LabRow]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def stored(self) -> bool:
        return not self.problems and bool(self.imported)


def import_fhir_observations(dog: Dog, document: Any, by_user: User) -> ImportReport:
    """Store the document's lab Observations in the dog's record, all or nothing."""
    report = ImportReport()
    found = _observations(dog, document, report)
    entries = [
        entry for where, resource in found if (entry := _entry(dog, where, resource, report))
    ]
    if not entries:
        if not report.problems:
            report.problems.append(Problem("document", "entry", "holds no lab Observation"))
        return report
    # with problems already found the readable entries still go through the lab service, as a dry
    # run, so one answer lists every problem (a unit it refuses too), not only the first kind
    keep = not report.problems
    batch = store_lab_entries(entries, by_user, keep=keep, field_names=FHIR_FIELDS)
    report.problems += batch.problems
    if batch.stored:
        for outcome in batch.outcomes:
            assert outcome.row is not None
            shelf = report.already_recorded if outcome.already_recorded else report.imported
            shelf.append((outcome.entry.where, outcome.row))
    return report


def _unknown_resource_types(document: dict[str, Any]) -> list[Problem]:
    """Entries and contained resources whose resourceType R4B does not have (fhir.resources
    fails on those with a KeyError, not a validation error)."""
    problems = []
    for part in ("entry", "contained"):
        items = document.get(part)
        for index, item in enumerate(items if isinstance(items, list) else []):
            resource = item.get("resource") if part == "entry" and isinstance(item, dict) else item
            kind = resource.get("resourceType") if isinstance(resource, dict) else None
            if not _is_r4b_type(kind):
                field = "resource.resourceType" if part == "entry" else "resourceType"
                problems.append(
                    Problem(f"{part}[{index}]", field, f"{kind!r} is not a FHIR R4B resource type")
                )
    return problems


def _is_r4b_type(kind: Any) -> bool:
    if not isinstance(kind, str) or not kind.isascii() or not kind.isalpha():
        return False
    try:
        get_fhir_model_class(kind)
    except (KeyError, ValueError, ImportError, AttributeError):
        return False
    return True


def _validated(document: Any, report: ImportReport) -> bool:
    if not isinstance(document, dict) or document.get("resourceType") not in (
        "Bundle",
        "DiagnosticReport",
    ):
        report.problems.append(
            Problem("document", "resourceType", "must be a Bundle or a DiagnosticReport")
        )
        return False
    model = Bundle if document["resourceType"] == "Bundle" else DiagnosticReport
    unknown = _unknown_resource_types(document)
    if unknown:
        report.problems.extend(unknown)
        return False
    try:
        model.model_validate(document)
    except ValidationError as error:
        for problem in error.errors()[:MAX_VALIDATION_PROBLEMS]:
            where = ".".join(str(part) for part in problem["loc"]) or "document"
            report.problems.append(Problem("document", where, problem["msg"]))
        return False
    return True


def _observations(dog: Dog, document: Any, report: ImportReport) -> list[tuple[str, dict]]:
    """(where, Observation) pairs from the document; unresolved report results are problems."""
    if not _validated(document, report):
        return []
    if document["resourceType"] == "DiagnosticReport":
        return _from_report("DiagnosticReport", document, {}, report)
    entries = document.get("entry", [])
    by_reference: dict[str, tuple[str, dict]] = {}
    for index, entry in enumerate(entries):
        resource = entry.get("resource") or {}
        where = f"entry[{index}]"
        if entry.get("fullUrl"):
            by_reference[entry["fullUrl"]] = (where, resource)
        if resource.get("id"):
            by_reference[f"{resource['resourceType']}/{resource['id']}"] = (where, resource)
    found: list[tuple[str, dict]] = []
    for index, entry in enumerate(entries):
        resource = entry.get("resource") or {}
        kind, where = resource.get("resourceType"), f"entry[{index}]"
        if kind == "Observation":
            found.append((where, resource))
        elif kind == "DiagnosticReport":
            found += [
                pair
                for pair in _from_report(where, resource, by_reference, report)
                if pair[0].startswith(f"{where}.contained")  # listed ones are found as entries
            ]
        elif kind == "Patient":
            _check_patient(dog, where, resource, report)
        else:
            report.notes.append(f"{where}: {kind} is not a lab result and was not imported")
    return found


def _from_report(
    where: str,
    report_resource: dict,
    by_reference: dict[str, tuple[str, dict]],
    report: ImportReport,
) -> list[tuple[str, dict]]:
    contained = {
        f"#{resource['id']}": (f"{where}.contained[{index}]", resource)
        for index, resource in enumerate(report_resource.get("contained", []))
        if resource.get("resourceType") == "Observation" and resource.get("id")
    }
    found = list(contained.values())
    for index, result in enumerate(report_resource.get("result", [])):
        target = result.get("reference", "")
        if target not in contained and target not in by_reference:
            report.problems.append(
                Problem(
                    where,
                    f"result[{index}]",
                    f"{target or 'a result'} is not in the document, so it cannot be imported",
                )
            )
    return found


def _check_patient(dog: Dog, where: str, patient: dict, report: ImportReport) -> None:
    names = [
        name.get("text") or " ".join([*name.get("given", []), name.get("family", "")]).strip()
        for name in patient.get("name", [])
    ]
    if names and not any(dog.name.casefold() in name.casefold() for name in names if name):
        report.problems.append(
            Problem(
                where,
                "name",
                f"these results are for {names[0]!r}, not {dog.name}: "
                "import them into that dog's record",
            )
        )


def _entry(dog: Dog, where: str, resource: dict, report: ImportReport) -> LabEntry | None:
    """The lab entry an Observation stands for, or None with its problems reported."""
    before = len(report.problems)

    def refuse(element: str, message: str) -> None:
        report.problems.append(Problem(where, element, message))

    status = resource.get("status")
    if status not in ACCEPTED_STATUS:
        refuse("status", f"{status!r} results are not imported (only final, amended, corrected)")
    code = _lab_code(resource.get("code", {}))
    if code is None:
        refuse("code", f"{_shown_codings(resource.get('code', {}))} is not a test Cutis knows")
    on = _date(resource)
    if on is None:
        refuse("effectiveDateTime", "the date the sample was taken is missing")
    quantity, answer = resource.get("valueQuantity"), resource.get("valueCodeableConcept")
    value, unit, result, culture = None, "", "", None
    if quantity is not None:
        value = quantity.get("value")
        if value is None:
            refuse("valueQuantity.value", "the value is missing")
        unit = _unit(code, quantity)
    elif answer is not None:
        result = _result(answer)
        if code is not None and code not in RESULT_TESTS:
            refuse("valueCodeableConcept", f"{code} is a numeric test: send a valueQuantity")
        elif not result:
            refuse(
                "valueCodeableConcept",
                f"{_shown_codings(answer)} is not a result in {codes.RESULT_SYSTEM}",
            )
        try:
            culture = _culture(resource.get("component", []))
        except LabEntryError as error:
            refuse("component", error.message)
    else:
        refuse("value[x]", "no valueQuantity or valueCodeableConcept: nothing to store")
    if len(report.problems) > before or code is None or on is None:
        return None
    return LabEntry(
        where=where,
        dog=dog,
        code=code,
        on=on,
        value=float(value) if value is not None else None,
        unit=unit,
        result=result,
        culture=culture,
    )


def _lab_code(concept: dict) -> str | None:
    for coding in concept.get("coding", []):
        system, code = coding.get("system"), coding.get("code")
        if system == codes.LAB_SYSTEM and code in knowledge().labs:
            return str(code)
        if system == codes.LOINC and code and (mapped := codes.lab_code_for_loinc(code)):
            return mapped
    return None


def _shown_codings(concept: dict) -> str:
    shown = [
        f"{coding.get('system', 'no system')} {coding.get('code', '(no code)')}"
        for coding in concept.get("coding", [])
    ]
    text = concept.get("text")
    return "; ".join(shown) + (f" ({text})" if text else "") if shown else repr(text or "no code")


def _date(resource: dict) -> datetime.date | None:
    when = resource.get("effectiveDateTime") or (resource.get("effectivePeriod") or {}).get("start")
    if not when or len(when) < 10:
        return None  # a year or a month alone is not the date of a result
    return datetime.date.fromisoformat(when[:10])


def _unit(code: str | None, quantity: dict) -> str:
    """The Cutis unit for a quantity: its UCUM code when given, else its unit text as written."""
    if code is not None and quantity.get("system") == codes.UCUM and quantity.get("code"):
        matching = codes.units_from_ucum(quantity["code"], code)
        if matching:
            return matching[0]
        return str(quantity["code"])
    return str(quantity.get("unit") or "")


def _result(answer: dict) -> str:
    for coding in answer.get("coding", []):
        if coding.get("system") == codes.RESULT_SYSTEM and coding.get("code"):
            return str(coding["code"])
    return ""


def _culture(components: list[dict]) -> CultureDetail | None:
    if not components:
        return None
    organism, susceptible, resistant, methicillin = "", [], [], False
    for component in components:
        kind = next(
            (
                c.get("code")
                for c in component.get("code", {}).get("coding", [])
                if c.get("system") == codes.CULTURE_SYSTEM
            ),
            None,
        )
        drug = next(
            (
                c.get("code")
                for c in (component.get("valueCodeableConcept") or {}).get("coding", [])
                if c.get("system") == codes.DRUG_SYSTEM
            ),
            None,
        )
        if kind == "organism":
            organism = component.get("valueString", "")
        elif kind == "susceptible" and drug:
            susceptible.append(drug)
        elif kind == "resistant" and drug:
            resistant.append(drug)
        elif kind == "methicillin_resistant":
            methicillin = bool(component.get("valueBoolean"))
    # checked as the web form checks it: known antibiotics, none both susceptible and resistant
    return culture_detail(organism, susceptible, resistant, methicillin)
