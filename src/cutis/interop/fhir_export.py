"""A dog's record as a FHIR R4B Bundle (type collection), validated with fhir.resources.

Patient (with HL7's patient-animal extension), the owners as RelatedPerson, the clinic as
Organization, calcinosis cutis as a Condition from the latest saved assessment (or the current one),
lab results as Observations with UCUM units and reference ranges, the plan's drugs as
MedicationRequests, the medication history as MedicationStatements, a CarePlan with the monitoring,
and a Provenance naming the engine and knowledge versions (a Device).

Resource ids are UUIDs derived from the record's primary key, so the same record always exports to
the same ids: a re-export diffs cleanly, and references inside the Bundle are `urn:uuid:` fullUrls.
"""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from cutis import ENGINE_VERSION, InvalidCase
from cutis.clinic.models import Dog, Medication, MonitoringItem, Observation, PlanItem
from cutis.clinic.services.assessment import words
from cutis.clinic.services.cases import assess_dog, knowledge
from cutis.clinic.services.labs import CULTURE, flag_for, interval_text, result_text
from cutis.clinic.services.monitoring import label as monitoring_label
from cutis.clinic.services.pages import cached_for_record
from cutis.clinic.services.plan import dose_text
from cutis.interop import codes

# a fixed namespace: uuid5(namespace, "Observation/12") is the same in every export
ID_NAMESPACE = uuid.UUID("0b6b8f0e-2f43-4c1e-9b8e-4d7f1c2a9e51")
GENDER = {"female": "female", "female_spayed": "female", "male": "male", "male_neutered": "male"}
GENDER_STATUS = {
    "female": "intact",
    "male": "intact",
    "female_spayed": "neutered",
    "male_neutered": "neutered",
    "unknown": "unknown",
}
VERIFICATION = {"confirmed": "confirmed", "high": "provisional", "moderate": "provisional"}
CATEGORY = {"weight": "vital-signs", "pruritus_vas": "exam"}
INTERPRETATION = {"high": ("H", "High"), "low": ("L", "Low")}


def resource_id(kind: str, key: object) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}/{key}"))


def reference(kind: str, key: object) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id(kind, key)}"}


def fhir_bundle_for(dog: Dog, *, at: datetime.datetime | None = None) -> dict[str, Any]:
    """The dog's record as a validated FHIR R4B Bundle, as JSON-ready data.

    Read-only: nothing is saved (an unsaved current assessment is computed, not stored).
    """
    at = at or timezone.now()
    today = timezone.localdate(at) if timezone.is_aware(at) else at.date()
    assessment, saved_id = _assessment(dog, today)
    resources: list[tuple[str, object, dict[str, Any]]] = [
        ("Patient", dog.pk, _patient(dog)),
        ("Organization", dog.clinic_id, _organization(dog)),
    ]
    resources += [
        ("RelatedPerson", owner.pk, _related_person(dog, owner))
        for owner in dog.owners.filter(voided_at__isnull=True).order_by("id")
    ]
    if assessment is not None:
        resources.append(("Condition", dog.pk, _condition(dog, assessment)))
    resources += [
        ("Observation", observation.pk, _observation(dog, observation))
        for observation in dog.observations.filter(voided_at__isnull=True).order_by("date", "id")
    ]
    plan = list(dog.plan_items.filter(voided_at__isnull=True).order_by("start", "id"))
    resources += [
        ("MedicationRequest", item.pk, _medication_request(dog, item, today, assessment))
        for item in plan
        if item.drug
    ]
    resources += [
        ("MedicationStatement", medication.pk, _medication_statement(dog, medication, today))
        for medication in dog.medications.filter(voided_at__isnull=True).order_by("start", "id")
    ]
    monitoring = list(dog.monitoring.filter(voided_at__isnull=True).order_by("due", "id"))
    if plan or monitoring:
        resources.append(("CarePlan", dog.pk, _care_plan(dog, plan, monitoring, today, assessment)))
    device_key = f"cutis-{ENGINE_VERSION}-{knowledge().version}"
    resources.append(("Device", device_key, _device()))
    targets = [reference(kind, key) for kind, key, _ in resources if kind != "Device"]
    resources.append(("Provenance", dog.pk, _provenance(dog, at, targets, device_key, saved_id)))
    document = {
        "resourceType": "Bundle",
        "id": resource_id("Bundle", dog.pk),
        "type": "collection",
        "timestamp": at.isoformat(),
        "entry": [
            {
                "fullUrl": f"urn:uuid:{resource_id(kind, key)}",
                "resource": {"resourceType": kind, "id": resource_id(kind, key), **body},
            }
            for kind, key, body in resources
        ],
    }
    return canonical(document)


def kept_fhir_bundle_for(dog: Dog, *, at: datetime.datetime | None = None) -> dict[str, Any]:
    """`fhir_bundle_for`, kept per dog until its record (or the day, the code or the knowledge)
    changes: only the two times that say when it was made are new on each export.

    Building and validating a Bundle is the slowest read a practice system makes (about 100 ms);
    everything in it but the times follows from the record, the day and the versions in the key.
    """
    at = at or timezone.now()
    today = timezone.localdate(at) if timezone.is_aware(at) else at.date()
    kept = cached_for_record(
        dog, "fhir", "bundle", today.isoformat(), lambda: fhir_bundle_for(dog, at=at)
    )
    return _made_at(kept, at)


def _made_at(document: dict[str, Any], at: datetime.datetime) -> dict[str, Any]:
    """The Bundle's timestamp and its Provenance's `recorded` set to `at` (written as
    fhir.resources writes an instant); the rest as it was."""
    instant = canonical(
        {"resourceType": "Bundle", "type": "collection", "timestamp": at.isoformat()}
    )
    entries = [
        {**entry, "resource": {**entry["resource"], "recorded": instant["timestamp"]}}
        if entry["resource"]["resourceType"] == "Provenance"
        else entry
        for entry in document["entry"]
    ]
    return {**document, "timestamp": instant["timestamp"], "entry": entries}


def canonical(document: dict[str, Any]) -> dict[str, Any]:
    """Validated by fhir.resources and returned as its own serialisation (raises if invalid)."""
    data: dict[str, Any] = json.loads(Bundle.model_validate(document).model_dump_json())
    return data


def _assessment(dog: Dog, today: datetime.date) -> tuple[dict[str, Any] | None, int | None]:
    saved = dog.assessments.order_by("-created", "-id").first()
    if saved is not None:
        return saved.assessment, saved.pk
    try:
        _case, assessment = assess_dog(dog, today)
    except InvalidCase:
        return None, None  # no visit yet: nothing to say about calcinosis cutis
    return assessment, None


def _patient(dog: Dog) -> dict[str, Any]:
    animal = [
        {
            "url": "species",
            "valueCodeableConcept": {
                "coding": [codes.coding(codes.ANIMAL_SPECIES, "canislf", "Dog")],
                "text": "dog",
            },
        }
    ]
    if dog.breed:
        animal.append({"url": "breed", "valueCodeableConcept": {"text": dog.breed}})
    status = GENDER_STATUS.get(dog.sex, "unknown")
    animal.append(
        {
            "url": "genderStatus",
            "valueCodeableConcept": {
                "coding": [codes.coding(codes.ANIMAL_GENDER_STATUS, status, status.title())],
                "text": dog.get_sex_display(),
            },
        }
    )
    return {
        "extension": [{"url": codes.PATIENT_ANIMAL, "extension": animal}],
        "identifier": [{"system": codes.DOG_IDENTIFIER, "value": str(dog.pk)}],
        "active": True,
        "name": [{"text": dog.name}],
        "gender": GENDER.get(dog.sex, "unknown"),
        "birthDate": dog.birth_date.isoformat(),
        "managingOrganization": reference("Organization", dog.clinic_id),
    }


def _organization(dog: Dog) -> dict[str, Any]:
    body: dict[str, Any] = {"name": dog.clinic.name}
    if dog.clinic.phone:
        body["telecom"] = [{"system": "phone", "value": dog.clinic.phone}]
    return body


def _related_person(dog: Dog, owner: Any) -> dict[str, Any]:
    telecom = [
        {"system": system, "value": value}
        for system, value in (("email", owner.email), ("phone", owner.phone))
        if value
    ]
    body: dict[str, Any] = {
        "patient": reference("Patient", dog.pk),
        "relationship": [{"text": "owner"}],
        "name": [{"text": owner.name}],
    }
    if telecom:
        body["telecom"] = telecom
    return body


def _condition(dog: Dog, assessment: dict[str, Any]) -> dict[str, Any]:
    level = assessment["suspicion"]["level"]
    form = assessment["form"]["id"]
    extensions: list[dict[str, Any]] = [
        {
            "url": codes.FORM_EXTENSION,
            "valueCodeableConcept": codes.concept(codes.CONDITION_SYSTEM, form, words(form)),
        }
    ]
    extensions += [
        {
            "url": codes.CAUSE_EXTENSION,
            "extension": [
                {
                    "url": "cause",
                    "valueCodeableConcept": codes.concept(
                        codes.CONDITION_SYSTEM, cause["id"], words(cause["id"])
                    ),
                },
                {"url": "likelihood", "valueCode": cause["likelihood"]},
            ],
        }
        for cause in assessment["causes"]
    ]
    return {
        "extension": extensions,
        "clinicalStatus": {
            "coding": [codes.coding(codes.CONDITION_CLINICAL, "active")],
        },
        "verificationStatus": {
            "coding": [
                codes.coding(codes.CONDITION_VERIFICATION, VERIFICATION.get(level, "unconfirmed"))
            ],
            "text": f"Cutis suspicion: {level}",
        },
        "category": [{"coding": [codes.coding(codes.CONDITION_CATEGORY, "problem-list-item")]}],
        "code": codes.concept(codes.CONDITION_SYSTEM, "calcinosis_cutis", "calcinosis cutis"),
        "subject": reference("Patient", dog.pk),
        "recordedDate": assessment["assessed_on"],
    }


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit or "1", "system": codes.UCUM, "code": codes.ucum(unit)}


def _observation(dog: Dog, observation: Observation) -> dict[str, Any]:
    lab = knowledge().labs.get(observation.code, {})
    coding = []
    loinc = codes.loinc_of(observation.code)
    if loinc:
        coding.append(codes.coding(codes.LOINC, loinc["code"], loinc["display"]))
    coding.append(codes.coding(codes.LAB_SYSTEM, observation.code, lab.get("label")))
    category = CATEGORY.get(observation.code, "laboratory")
    body: dict[str, Any] = {
        "identifier": [{"system": codes.OBSERVATION_IDENTIFIER, "value": str(observation.pk)}],
        "status": "final",
        "category": [{"coding": [codes.coding(codes.OBSERVATION_CATEGORY, category)]}],
        "code": {"coding": coding, "text": lab.get("label", observation.code)},
        "subject": reference("Patient", dog.pk),
        "effectiveDateTime": observation.date.isoformat(),
    }
    if observation.result:
        body["valueCodeableConcept"] = codes.concept(
            codes.RESULT_SYSTEM, observation.result, result_text(observation.result)
        )
        if observation.code == CULTURE and observation.detail:
            body["component"] = _culture_components(observation.detail)
        return body
    if observation.value is None:
        body["dataAbsentReason"] = {"text": "no value recorded"}
        return body
    body["valueQuantity"] = _quantity(observation.value, observation.unit)
    flag = flag_for(observation.code, observation.value)
    if flag:
        code, display = INTERPRETATION[flag]
        body["interpretation"] = [
            {"coding": [codes.coding(codes.INTERPRETATION, code, display)], "text": flag}
        ]
    interval = lab.get("reference_interval")
    if interval:
        shown, sources = interval_text(observation.code)
        reference_range: dict[str, Any] = {"text": f"{shown} ({sources})" if sources else shown}
        for bound in ("low", "high"):
            if interval.get(bound) is not None:
                reference_range[bound] = _quantity(interval[bound], observation.unit)
        body["referenceRange"] = [reference_range]
    return body


def _culture_components(detail: dict[str, Any]) -> list[dict[str, Any]]:
    def component(code: str, text: str, **value: Any) -> dict[str, Any]:
        return {"code": codes.concept(codes.CULTURE_SYSTEM, code, text), **value}

    drugs = knowledge().drugs
    components = []
    if detail.get("organism"):
        components.append(component("organism", "organism", valueString=detail["organism"]))
    for panel in ("susceptible", "resistant"):
        components += [
            component(
                panel,
                f"{panel} to",
                valueCodeableConcept=codes.concept(
                    codes.DRUG_SYSTEM, drug, drugs.get(drug, {}).get("name", words(drug))
                ),
            )
            for drug in detail.get(panel, [])
        ]
    components.append(
        component(
            "methicillin_resistant",
            "methicillin-resistant",
            valueBoolean=bool(detail.get("methicillin_resistant")),
        )
    )
    return components


def _drug_concept(drug: str) -> dict[str, Any]:
    known = knowledge().drugs.get(drug)
    if known is None:
        return {"text": drug}  # typed as the vet wrote it: no code is claimed
    return codes.concept(codes.DRUG_SYSTEM, drug, known["name"])


def _dosage(
    text: str,
    dose_mg: Any,
    interval_hours: Any,
    route: str,
    start: datetime.date | None,
    end: datetime.date | None,
    sequence: int | None = None,
) -> dict[str, Any]:
    dosage: dict[str, Any] = {"text": text} if text else {}
    if sequence is not None:
        dosage["sequence"] = sequence
    repeat: dict[str, Any] = {}
    if start is not None:
        repeat["boundsPeriod"] = {"start": start.isoformat()}
        if end is not None:
            repeat["boundsPeriod"]["end"] = end.isoformat()
    if interval_hours is not None:
        repeat.update(frequency=1, period=float(interval_hours), periodUnit="h")
    if repeat:
        dosage["timing"] = {"repeat": repeat}
    if route:
        dosage["route"] = {"text": route.replace("_", " ")}
    if dose_mg is not None:
        dosage["doseAndRate"] = [{"doseQuantity": _quantity(float(dose_mg), "mg")}]
    return dosage


def _medication_request(
    dog: Dog, item: PlanItem, today: datetime.date, assessment: dict[str, Any] | None
) -> dict[str, Any]:
    finished = item.end is not None and item.end < today
    if item.taper_steps:
        dosages = [
            _dosage(
                f"taper step {step['step']}: {step['mg']:g} mg every {step['interval_hours']:g} h",
                step["mg"],
                step["interval_hours"],
                item.route,
                datetime.date.fromisoformat(step["date"]),
                datetime.date.fromisoformat(step["until"]) if step["until"] else None,
                sequence=step["step"],
            )
            for step in item.taper_steps
        ]
    else:
        dosages = [
            _dosage(
                dose_text(item), item.dose_mg, item.interval_hours, item.route, item.start, item.end
            )
        ]
    body: dict[str, Any] = {
        "identifier": [{"system": f"{codes.CUTIS}/identifier/plan-item", "value": str(item.pk)}],
        "status": "completed" if finished else "active",
        "intent": "order",
        "medicationCodeableConcept": _drug_concept(item.drug),
        "subject": reference("Patient", dog.pk),
        "authoredOn": item.start.isoformat(),
        "reasonCode": [
            codes.concept(codes.TREATMENT_SYSTEM, item.treatment, words(item.treatment))
        ],
        "dosageInstruction": dosages,
    }
    if assessment is not None:
        body["reasonReference"] = [reference("Condition", dog.pk)]
    if item.instructions:
        body["note"] = [{"text": item.instructions}]
    return body


def _medication_statement(dog: Dog, medication: Medication, today: datetime.date) -> dict[str, Any]:
    finished = medication.end is not None and medication.end < today
    period = {"start": medication.start.isoformat()}
    if medication.end is not None:
        period["end"] = medication.end.isoformat()
    body: dict[str, Any] = {
        "status": "completed" if finished else "active",
        "medicationCodeableConcept": _drug_concept(medication.drug),
        "subject": reference("Patient", dog.pk),
        "effectivePeriod": period,
        "dosage": [
            _dosage(
                "",
                medication.dose_mg,
                medication.interval_hours,
                medication.route,
                None,
                None,
            )
        ],
    }
    if medication.reason:
        body["reasonCode"] = [{"text": medication.reason}]
    return body


def _care_plan(
    dog: Dog,
    plan: list[PlanItem],
    monitoring: list[MonitoringItem],
    today: datetime.date,
    assessment: dict[str, Any] | None,
) -> dict[str, Any]:
    activities: list[dict[str, Any]] = []
    for item in plan:
        if item.drug:
            activities.append({"reference": reference("MedicationRequest", item.pk)})
            continue
        finished = item.end is not None and item.end < today
        activities.append(
            {
                "detail": {
                    "code": codes.concept(
                        codes.TREATMENT_SYSTEM, item.treatment, words(item.treatment)
                    ),
                    "status": "completed" if finished else "in-progress",
                    "scheduledPeriod": {"start": item.start.isoformat()},
                    **({"description": item.instructions} if item.instructions else {}),
                }
            }
        )
    for check in monitoring:
        detail: dict[str, Any] = {
            "kind": "ServiceRequest",
            "code": codes.concept(
                codes.MONITORING_SYSTEM, check.kind, monitoring_label(check.kind)
            ),
            "status": "completed" if check.done_on else "scheduled",
        }
        if check.due is not None:
            detail["scheduledPeriod"] = {"start": check.due.isoformat()}
        else:
            detail["scheduledString"] = "interval set by the vet"
        if check.note:
            detail["description"] = check.note
        activities.append({"detail": detail})
    body: dict[str, Any] = {
        "status": "active",
        "intent": "plan",
        "title": f"Calcinosis cutis plan for {dog.name}",
        "subject": reference("Patient", dog.pk),
        "activity": activities,
    }
    if assessment is not None:
        body["addresses"] = [reference("Condition", dog.pk)]
    return body


def _device() -> dict[str, Any]:
    return {
        "deviceName": [{"name": "Cutis", "type": "manufacturer-name"}],
        "version": [
            {"type": {"text": "engine"}, "value": ENGINE_VERSION},
            {"type": {"text": "knowledge"}, "value": knowledge().version},
        ],
    }


def _provenance(
    dog: Dog,
    at: datetime.datetime,
    targets: list[dict[str, str]],
    device_key: str,
    saved_id: int | None,
) -> dict[str, Any]:
    agent_type = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
    body: dict[str, Any] = {
        "target": targets,
        "recorded": at.isoformat(),
        "agent": [
            {
                "type": {"coding": [codes.coding(agent_type, "assembler")]},
                "who": {
                    **reference("Device", device_key),
                    "display": f"Cutis engine {ENGINE_VERSION}, knowledge {knowledge().version}",
                },
            },
            {
                "type": {"coding": [codes.coding(agent_type, "custodian")]},
                "who": reference("Organization", dog.clinic_id),
            },
        ],
    }
    if saved_id is not None:
        saved = dog.assessments.get(pk=saved_id)
        body["entity"] = [
            {
                "role": "source",
                "what": {
                    "display": f"Cutis assessment of {saved.assessment['assessed_on']} "
                    f"(engine {saved.engine_version}, knowledge {saved.knowledge_version})"
                },
            }
        ]
    return body
