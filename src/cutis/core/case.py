"""Reading a cutis-case/1 document: every problem reported with the field it belongs to.

Hand-written rather than pydantic: the CLI has a start-up budget of three bare interpreter starts and
pydantic's import alone costs ten, and the spec fixes the message wording
(`patient.weight_kg: must be between 0.5 and 120 (got -3)`).
"""

from __future__ import annotations

import datetime
import json
import math

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as True

if TYPE_CHECKING:
    from cutis.core.formats import (
        JSON,
        Case,
        Exposure,
        History,
        Lesion,
        Medication,
        Observation,
        Patient,
        SkinTrauma,
    )
    from cutis.knowledge import Knowledge

CASE_FORMAT = "cutis-case/1"
SEXES = ("female", "female_spayed", "male", "male_neutered", "unknown")
ROUTES = ("oral", "topical", "injection", "depot_injection", "otic", "ophthalmic", "inhaled")
TRAUMA_KINDS = ("injury", "injection", "pressure", "sting", "surgery")
MORPHOLOGIES = ("papule", "plaque", "nodule", "ulcer")
FEATURES = (
    "erythema",
    "white_yellow_crust",
    "dark_crust",
    "ulceration",
    "draining_tract",
    "chalky_discharge",
    "alopecia",
    "swelling",
    "tenderness",
)
# Limits the public spec fixes for the case format itself.
WEIGHT_KG = (0.5, 120.0)
AGE_YEARS = (0.0, 30.0)
TOP_FIELDS = (
    "format",
    "assessed_on",
    "patient",
    "history",
    "lesions",
    "observations",
    "extensions",
)
PATIENT_FIELDS = ("name", "species", "breed", "sex", "age_years", "birth_date", "weight_kg")
HISTORY_FIELDS = ("medications", "signs", "conditions", "exposures", "skin_trauma")
MEDICATION_FIELDS = (
    "drug",
    "class",
    "dose_mg",
    "interval_hours",
    "route",
    "start",
    "end",
    "reason",
)
LESION_FIELDS = (
    "region",
    "morphology",
    "count",
    "size_cm",
    "firm_gritty",
    "features",
    "pruritic",
    "onset",
)
OBSERVATION_FIELDS = ("code", "value", "unit", "result", "detail", "date")
CULTURE_DETAIL_FIELDS = ("organism", "susceptible", "resistant", "methicillin_resistant")


class InvalidCase(ValueError):
    """A case that cannot be assessed; `problems` holds one `field: message` line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Reader:
    """Collects problems while reading fields, so one pass reports all of them."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def obj(self, value: object, path: str, allowed: tuple[str, ...]) -> JSON | None:
        if not isinstance(value, dict):
            self.problem(path, f"must be an object (got {_show(value)})")
            return None
        for key in value:
            if key not in allowed:
                # a key that is not a plain name is quoted so the "path: message" form holds
                shown = key if key.isidentifier() and key.isascii() else f"[{json.dumps(key)}]"
                joined = f"{path}{shown}" if shown.startswith("[") else f"{path}.{shown}"
                self.problem(joined if path else shown, "unknown field")
        return value

    def array(self, value: object, path: str) -> list[object]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, f"must be a list (got {_show(value)})")
            return []
        return value

    def text(self, value: object, path: str, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                self.problem(path, "is required")
            return None
        if not isinstance(value, str):
            self.problem(path, f"must be text (got {_show(value)})")
            return None
        # an unpaired surrogate cannot be written as UTF-8 (the CLI's output, PostgreSQL) and a
        # NUL cannot be stored in PostgreSQL text: refused here rather than crashing further on
        unwritable = next((c for c in value if c == "\x00" or "\ud800" <= c <= "\udfff"), None)
        if unwritable is not None:
            self.problem(
                path, f"must be plain text (contains the code point U+{ord(unwritable):04X})"
            )
            return None
        if required and not value.strip():
            self.problem(path, "must not be empty")
            return None
        return value

    def number(
        self,
        value: object,
        path: str,
        *,
        required: bool = False,
        low: float | None = None,
        high: float | None = None,
        positive: bool = False,
    ) -> float | None:
        if value is None:
            if required:
                self.problem(path, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(path, f"must be a number (got {_show(value)})")
            return None
        if not _fits_a_float(value) or not math.isfinite(value):
            self.problem(path, f"must be a finite number (got {_show(value)})")
            return None
        if low is not None and high is not None and not low <= value <= high:
            self.problem(path, f"must be between {_num(low)} and {_num(high)} (got {_num(value)})")
            return None
        if positive and value <= 0:
            self.problem(path, f"must be greater than 0 (got {_num(value)})")
            return None
        return float(value)

    def flag(self, value: object, path: str) -> bool | None:
        if value is None:
            return None
        if not isinstance(value, bool):
            self.problem(path, f"must be true or false (got {_show(value)})")
            return None
        return value

    def date(self, value: object, path: str, *, required: bool = False) -> datetime.date | None:
        if value is None:
            if required:
                self.problem(path, "is required")
            return None
        # YYYY-MM-DD only: fromisoformat alone also takes 20250726 and week dates
        if isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-":
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                pass
        self.problem(path, f"must be a date as YYYY-MM-DD (got {_show(value)})")
        return None

    def choice(
        self, value: object, path: str, allowed: tuple[str, ...] | frozenset[str], what: str
    ) -> str | None:
        if value is None:
            self.problem(path, "is required")
            return None
        if not isinstance(value, str) or value not in allowed:
            self.problem(path, f"{_show(value)} is not a known {what}{_options(allowed)}")
            return None
        return value

    def choices(
        self, value: object, path: str, allowed: tuple[str, ...] | frozenset[str], what: str
    ) -> list[str]:
        chosen: list[str] = []
        for index, item in enumerate(self.array(value, path)):
            picked = self.choice(item, f"{path}[{index}]", allowed, what)
            if picked is not None and picked not in chosen:
                chosen.append(picked)
        return chosen


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _num(value)
    return type(value).__name__.replace("dict", "an object").replace("list", "a list")


def _fits_a_float(value: float) -> bool:
    # JSON integers have no limit; one past about 1.8e308 cannot even be compared with a float
    try:
        float(value)
    except OverflowError:
        return False
    return True


def _num(value: float) -> str:
    if not _fits_a_float(value):
        return "an integer too large to be a measure"
    return str(int(value)) if float(value).is_integer() else str(value)


def _options(allowed: tuple[str, ...] | frozenset[str]) -> str:
    if len(allowed) <= 8:
        return " (expected one of: " + ", ".join(sorted(allowed)) + ")"
    return ""


def parse_case(document: object, knowledge: Knowledge) -> Case:
    """Validate a cutis-case/1 document against the spec and the knowledge's ids.

    Raises InvalidCase listing every problem; nothing is guessed.
    """
    read = _Reader()
    top = read.obj(document, "", TOP_FIELDS)
    if top is None:
        raise InvalidCase(["case: must be a JSON object (got " + _show(document) + ")"])
    if top.get("format") != CASE_FORMAT:
        read.problem("format", f"must be '{CASE_FORMAT}' (got {_show(top.get('format'))})")
    assessed_on = read.date(top.get("assessed_on"), "assessed_on")
    patient = _patient(read, top.get("patient"), assessed_on)
    history = _history(read, top.get("history"), knowledge)
    lesions = [
        lesion
        for index, item in enumerate(read.array(top.get("lesions"), "lesions"))
        if (lesion := _lesion(read, item, f"lesions[{index}]", knowledge)) is not None
    ]
    observations = [
        observation
        for index, item in enumerate(read.array(top.get("observations"), "observations"))
        if (observation := _observation(read, item, index, knowledge, assessed_on)) is not None
    ]
    extensions = top.get("extensions", {})
    if extensions is None:
        extensions = {}
    if not isinstance(extensions, dict):
        read.problem("extensions", f"must be an object (got {_show(extensions)})")
    if read.problems or patient is None:
        raise InvalidCase(read.problems or ["patient: is required"])
    assert isinstance(extensions, dict)
    return {
        "assessed_on": assessed_on,
        "patient": patient,
        "history": history,
        "lesions": lesions,
        "observations": observations,
        "extensions": extensions,
    }


def _patient(read: _Reader, value: object, assessed_on: datetime.date | None) -> Patient | None:
    if value is None:
        read.problem("patient", "is required")
        return None
    patient = read.obj(value, "patient", PATIENT_FIELDS)
    if patient is None:
        return None
    species = patient.get("species")
    if species != "dog":
        read.problem(
            "patient.species",
            f"Cutis reasons about dogs only: species must be 'dog' (got {_show(species)})",
        )
    sex = patient.get("sex", "unknown")
    sex = read.choice(sex, "patient.sex", SEXES, "sex") or "unknown"
    weight = read.number(
        patient.get("weight_kg"),
        "patient.weight_kg",
        required=True,
        low=WEIGHT_KG[0],
        high=WEIGHT_KG[1],
    )
    age = read.number(
        patient.get("age_years"), "patient.age_years", low=AGE_YEARS[0], high=AGE_YEARS[1]
    )
    birth_date = read.date(patient.get("birth_date"), "patient.birth_date")
    if age is None and birth_date is not None:
        on = assessed_on or datetime.date.today()
        age = (on - birth_date).days / 365.25
        if not AGE_YEARS[0] <= age <= AGE_YEARS[1]:
            read.problem(
                "patient.birth_date",
                f"gives an age of {age:.1f} years on {on.isoformat()}; it must be 0 to 30",
            )
            age = None
    if age is None and "age_years" not in patient and "birth_date" not in patient:
        read.problem("patient.age_years", "is required (or give patient.birth_date)")
    name = read.text(patient.get("name"), "patient.name")
    breed = read.text(patient.get("breed"), "patient.breed")
    if weight is None or age is None or species != "dog":
        return None
    return {
        "name": name,
        "species": "dog",
        "breed": breed,
        "sex": sex,
        "age_years": age,
        "birth_date": birth_date,
        "weight_kg": weight,
    }


def _history(read: _Reader, value: object, knowledge: Knowledge) -> History:
    history = read.obj(value, "history", HISTORY_FIELDS) if value is not None else {}
    history = history or {}
    medications = [
        medication
        for index, item in enumerate(read.array(history.get("medications"), "history.medications"))
        if (medication := _medication(read, item, index, knowledge)) is not None
    ]
    exposures: list[Exposure] = []
    for index, item in enumerate(read.array(history.get("exposures"), "history.exposures")):
        path = f"history.exposures[{index}]"
        exposure = read.obj(item, path, ("agent", "date"))
        if exposure is None:
            continue
        agent = read.choice(
            exposure.get("agent"), f"{path}.agent", knowledge.exposure_ids, "exposure"
        )
        date = read.date(exposure.get("date"), f"{path}.date")
        if agent is not None:
            exposures.append({"agent": agent, "date": date})
    trauma: list[SkinTrauma] = []
    for index, item in enumerate(read.array(history.get("skin_trauma"), "history.skin_trauma")):
        path = f"history.skin_trauma[{index}]"
        entry = read.obj(item, path, ("region", "kind", "date"))
        if entry is None:
            continue
        region = read.choice(
            entry.get("region"), f"{path}.region", knowledge.region_ids, "body region"
        )
        kind = read.choice(entry.get("kind"), f"{path}.kind", TRAUMA_KINDS, "kind of trauma")
        date = read.date(entry.get("date"), f"{path}.date")
        if region is not None and kind is not None:
            trauma.append({"region": region, "kind": kind, "date": date})
    return {
        "medications": medications,
        "signs": read.choices(history.get("signs"), "history.signs", knowledge.sign_ids, "sign"),
        "conditions": read.choices(
            history.get("conditions"), "history.conditions", knowledge.condition_ids, "condition"
        ),
        "exposures": exposures,
        "skin_trauma": trauma,
    }


def _medication(
    read: _Reader, value: object, index: int, knowledge: Knowledge
) -> Medication | None:
    path = f"history.medications[{index}]"
    medication = read.obj(value, path, MEDICATION_FIELDS)
    if medication is None:
        return None
    drug = read.text(medication.get("drug"), f"{path}.drug", required=True)
    drug_class = read.text(medication.get("class"), f"{path}.class")
    dose = read.number(medication.get("dose_mg"), f"{path}.dose_mg", positive=True)
    interval = read.number(
        medication.get("interval_hours"), f"{path}.interval_hours", positive=True
    )
    route = None
    if medication.get("route") is not None:
        route = read.choice(medication.get("route"), f"{path}.route", ROUTES, "route")
    start = read.date(medication.get("start"), f"{path}.start", required=True)
    end = read.date(medication.get("end"), f"{path}.end")
    reason = read.text(medication.get("reason"), f"{path}.reason")
    if start is not None and end is not None and end < start:
        read.problem(f"{path}.end", f"is before the start ({end} < {start})")
        return None
    if drug is None or start is None:
        return None
    drug_id = drug.strip()
    known = drug_id in knowledge.drugs
    return {
        "drug": drug_id,
        "known": known,
        "drug_class": drug_class,
        "dose_mg": dose,
        "interval_hours": interval,
        "route": route,
        "start": start,
        "end": end,
        "reason": reason,
    }


def _lesion(read: _Reader, value: object, path: str, knowledge: Knowledge) -> Lesion | None:
    lesion = read.obj(value, path, LESION_FIELDS)
    if lesion is None:
        return None
    region = read.choice(
        lesion.get("region"), f"{path}.region", knowledge.region_ids, "body region"
    )
    morphology = read.choice(
        lesion.get("morphology"), f"{path}.morphology", MORPHOLOGIES, "morphology"
    )
    count = lesion.get("count", 1)
    if (
        isinstance(count, bool)
        or not isinstance(count, int)
        or count < 1
        or not _fits_a_float(count)
    ):
        read.problem(f"{path}.count", f"must be a whole number of at least 1 (got {_show(count)})")
        count = None
    size = read.number(lesion.get("size_cm"), f"{path}.size_cm", positive=True)
    features = read.choices(lesion.get("features"), f"{path}.features", FEATURES, "feature")
    firm = read.flag(lesion.get("firm_gritty"), f"{path}.firm_gritty")
    pruritic = read.flag(lesion.get("pruritic"), f"{path}.pruritic")
    onset = read.date(lesion.get("onset"), f"{path}.onset")
    if region is None or morphology is None or count is None:
        return None
    return {
        "region": region,
        "morphology": morphology,
        "count": count,
        "size_cm": size,
        "firm_gritty": firm,
        "features": features,
        "pruritic": pruritic,
        "onset": onset,
    }


def _unit_key(unit: str) -> str:
    return unit.strip().replace("µ", "u").replace("μ", "u").lower()


def _observation(
    read: _Reader,
    value: object,
    index: int,
    knowledge: Knowledge,
    assessed_on: datetime.date | None,
) -> Observation | None:
    path = f"observations[{index}]"
    observation = read.obj(value, path, OBSERVATION_FIELDS)
    if observation is None:
        return None
    code = read.choice(
        observation.get("code"), f"{path}.code", knowledge.lab_codes, "observation code"
    )
    date = read.date(observation.get("date"), f"{path}.date")
    if code is None:
        return None
    lab = knowledge.labs[code]
    on = date or assessed_on or datetime.date.today()
    if lab["kind"] == "numeric":
        for field in ("result", "detail"):
            if field in observation:
                read.problem(f"{path}.{field}", f"does not apply to the numeric code {code}")
        number = read.number(observation.get("value"), f"{path}.value", required=True)
        unit = read.text(observation.get("unit"), f"{path}.unit") or ""
        units = lab["units"]
        by_key = {_unit_key(accepted): accepted for accepted in units}
        canonical_unit = by_key.get(_unit_key(unit))
        if canonical_unit is None:
            accepted = ", ".join(u or "(none)" for u in units)
            shown = repr(unit) if unit else "a missing unit"
            read.problem(f"{path}.unit", f"{shown} is not accepted for {code} (use {accepted})")
            return None
        if number is None:
            return None
        return {
            "index": index,
            "code": code,
            "value": number,
            "unit": canonical_unit,
            "result": None,
            "detail": {},
            "date": on,
        }
    for field in ("value", "unit"):
        if field in observation:
            read.problem(f"{path}.{field}", f"does not apply to the result code {code}")
    result = read.choice(
        observation.get("result"), f"{path}.result", tuple(lab["results"]), f"result for {code}"
    )
    detail = _detail(read, observation.get("detail"), f"{path}.detail", code)
    if result is None:
        return None
    return {
        "index": index,
        "code": code,
        "value": None,
        "unit": None,
        "result": result,
        "detail": detail,
        "date": on,
    }


def _detail(read: _Reader, value: object, path: str, code: str) -> JSON:
    if value is None:
        return {}
    if code != "bacterial_culture":
        detail = read.obj(value, path, tuple(value) if isinstance(value, dict) else ())
        return detail or {}
    detail = read.obj(value, path, CULTURE_DETAIL_FIELDS)
    if detail is None:
        return {}
    read.text(detail.get("organism"), f"{path}.organism")
    for field in ("susceptible", "resistant"):
        for position, drug in enumerate(read.array(detail.get(field), f"{path}.{field}")):
            read.text(drug, f"{path}.{field}[{position}]", required=True)
    read.flag(detail.get("methicillin_resistant"), f"{path}.methicillin_resistant")
    return detail
