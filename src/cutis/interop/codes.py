"""The code systems Cutis exchanges: its own (knowledge ids as codes), LOINC, UCUM and HL7's.

Cutis's own systems live under https://cutis.invalid/ (the reserved .invalid domain the knowledge
already uses): nobody else's code is claimed, and none can be mistaken for a resolvable one.
LOINC codes come from the knowledge (`labs.yaml`, `loinc`, each with its source); a lab code without
one is exchanged in the Cutis lab system only.
"""

from __future__ import annotations

from typing import Any

from cutis.clinic.services.cases import knowledge

CUTIS = "https://cutis.invalid/fhir"
LAB_SYSTEM = f"{CUTIS}/CodeSystem/lab"
RESULT_SYSTEM = f"{CUTIS}/CodeSystem/lab-result"
CULTURE_SYSTEM = f"{CUTIS}/CodeSystem/culture"
DRUG_SYSTEM = f"{CUTIS}/CodeSystem/drug"
TREATMENT_SYSTEM = f"{CUTIS}/CodeSystem/treatment"
MONITORING_SYSTEM = f"{CUTIS}/CodeSystem/monitoring"
CONDITION_SYSTEM = f"{CUTIS}/CodeSystem/condition"
FORM_EXTENSION = f"{CUTIS}/StructureDefinition/calcinosis-form"
CAUSE_EXTENSION = f"{CUTIS}/StructureDefinition/calcinosis-cause"
DOG_IDENTIFIER = f"{CUTIS}/identifier/dog"
OBSERVATION_IDENTIFIER = f"{CUTIS}/identifier/observation"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
# HL7's animal extension and its example code systems (FHIR R4B, extension-patient-animal,
# codesystem-animal-species, codesystem-animal-genderstatus)
PATIENT_ANIMAL = "http://hl7.org/fhir/StructureDefinition/patient-animal"
ANIMAL_SPECIES = "http://hl7.org/fhir/animal-species"
ANIMAL_GENDER_STATUS = "http://hl7.org/fhir/animal-genderstatus"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"

# Cutis's unit spellings that differ from their UCUM codes; every other unit Cutis accepts
# (mg/dL, mmol/L, umol/L, ug/dL, U/L, g/L, kg, ...) is already valid UCUM. UCUM writes a
# unitless value (a specific gravity, a ratio) as "1".
UCUM_FOR_UNIT = {"": "1", "ratio": "1", "lb": "[lb_av]", "x10^-6": "10*-6"}


def ucum(unit: str) -> str:
    return UCUM_FOR_UNIT.get(unit, unit)


def units_from_ucum(code: str, lab_code: str) -> list[str]:
    """The units `lab_code` accepts that this UCUM code stands for (identity first)."""
    accepted = knowledge().labs[lab_code].get("units", {})
    return [unit for unit in accepted if ucum(unit) == code]


def loinc_of(lab_code: str) -> dict[str, Any] | None:
    lab = knowledge().labs.get(lab_code)
    loinc: dict[str, Any] | None = lab.get("loinc") if lab is not None else None
    return loinc


def lab_code_for_loinc(code: str) -> str | None:
    """The Cutis lab code a LOINC code maps to, when the knowledge gives one."""
    for lab_code, lab in knowledge().labs.items():
        if (lab.get("loinc") or {}).get("code") == code:
            return str(lab_code)
    return None


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    entry = {"system": system, "code": code}
    if display:
        entry["display"] = display
    return entry


def concept(system: str, code: str, text: str) -> dict[str, Any]:
    return {"coding": [coding(system, code)], "text": text}
