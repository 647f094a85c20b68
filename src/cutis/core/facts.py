"""What the engine knows about one case on one date, worked out once and shared by every rule."""

from __future__ import annotations

import datetime

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as True

if TYPE_CHECKING:
    from cutis.core.formats import Case, Lesion, Medication, Observation
    from cutis.knowledge import Knowledge

NUMERIC = "numeric"


class Facts:
    """Derived, read-only facts about a validated case."""

    def __init__(self, case: Case, knowledge: Knowledge, as_of: datetime.date) -> None:
        self.case = case
        self.knowledge = knowledge
        self.as_of = as_of
        patient = case["patient"]
        self.age_years: float = patient["age_years"]
        self.weight_kg: float = patient["weight_kg"]
        history = case["history"]
        self.signs = set(history["signs"])
        self.conditions = set(history["conditions"])
        self.exposures = {exposure["agent"] for exposure in history["exposures"]}
        self.trauma_regions = {trauma["region"] for trauma in history["skin_trauma"]}
        self.lesions: list[Lesion] = case["lesions"]
        self._read_observations(case["observations"])
        self._read_medications(history["medications"])
        self._read_lesions()

    # --- observations ---------------------------------------------------------------------------
    def _read_observations(self, observations: list[Observation]) -> None:
        """Latest plausible value per code (canonical unit); implausible entries set aside."""
        self.values: dict[str, float] = {}
        self.value_dates: dict[str, datetime.date] = {}
        self.results: dict[str, Observation] = {}
        self.implausible: list[tuple[Observation, float]] = []
        self.series: dict[str, list[tuple[datetime.date, float]]] = {}
        ordered = sorted(observations, key=lambda item: (item["date"], item["index"]))
        for observation in ordered:
            code = observation["code"]
            lab = self.knowledge.labs[code]
            if lab["kind"] != NUMERIC:
                self.results[code] = observation
                continue
            value = observation["value"]
            unit = observation["unit"]
            assert value is not None and unit is not None
            canonical = value * float(lab["units"][unit])
            low, high = lab["plausible"]
            if not low <= canonical <= high:
                self.implausible.append((observation, canonical))
                continue
            self.values[code] = canonical
            self.value_dates[code] = observation["date"]
            self.series.setdefault(code, []).append((observation["date"], canonical))

    def value(self, code: str) -> float | None:
        return self.values.get(code)

    def result(self, code: str) -> str | None:
        observation = self.results.get(code)
        return observation["result"] if observation else None

    def has_result(self, code: str) -> bool:
        """A result that counts as the test being done (a pending biopsy does not)."""
        result = self.result(code)
        return result is not None and result != "pending"

    # --- medications ------------------------------------------------------------------------------
    def _read_medications(self, medications: list[Medication]) -> None:
        recent_days = self.knowledge.value("glucocorticoid_recent_days")
        self.current: list[Medication] = []
        self.recent: list[Medication] = []
        self.unrecognised: list[str] = []
        for medication in medications:
            if not medication["known"] and medication["drug_class"] is None:
                self.unrecognised.append(f"drug: '{medication['drug']}'")
            elif not medication["known"]:
                self.unrecognised.append(
                    f"drug: '{medication['drug']}' (treated as class {medication['drug_class']})"
                )
            if medication["start"] > self.as_of:
                continue
            end = medication["end"]
            if end is None or end >= self.as_of:
                self.current.append(medication)
            elif (self.as_of - end).days <= recent_days:
                self.recent.append(medication)

    def classes_of(self, medication: Medication) -> set[str]:
        drug = self.knowledge.drugs.get(medication["drug"])
        if drug is not None:
            return set(drug["classes"])
        declared = medication["drug_class"]
        if declared == "glucocorticoid":
            return {"glucocorticoid", "systemic_glucocorticoid"}
        return {declared} if declared else set()

    def _is_systemic_glucocorticoid(self, medication: Medication) -> bool:
        if "glucocorticoid" not in self.classes_of(medication):
            return False
        return medication["route"] not in ("otic", "ophthalmic")

    def current_glucocorticoids(self) -> list[Medication]:
        return [m for m in self.current if self._is_systemic_glucocorticoid(m)]

    def recent_glucocorticoids(self) -> list[Medication]:
        """Stopped within the window in which the adrenal glands may still be suppressed."""
        return [m for m in self.recent if self._is_systemic_glucocorticoid(m)]

    def on_drug(self, drug_id: str) -> Medication | None:
        return next((m for m in self.current if m["drug"] == drug_id), None)

    def took_drug_within(self, drug_id: str, days: float) -> bool:
        for medication in self.current + self.recent:
            if medication["drug"] == drug_id:
                end = medication["end"]
                if end is None or (self.as_of - end).days <= days:
                    return True
        return False

    def days_on(self, medication: Medication) -> int:
        return (self.as_of - medication["start"]).days

    # --- lesions ------------------------------------------------------------------------------------
    def _read_lesions(self) -> None:
        regions = self.knowledge.regions
        self.lesion_count = sum(lesion["count"] for lesion in self.lesions)
        self.lesion_regions = sorted({lesion["region"] for lesion in self.lesions})
        self.universalis_regions = [
            r for r in self.lesion_regions if regions[r]["universalis_typical"]
        ]
        self.circumscripta_regions = [
            r for r in self.lesion_regions if regions[r]["circumscripta_typical"]
        ]
        self.features = {feature for lesion in self.lesions for feature in lesion["features"]}
        self.firm_gritty = any(lesion["firm_gritty"] for lesion in self.lesions)
        self.pruritic = (
            any(lesion["pruritic"] for lesion in self.lesions) or "pruritus" in self.signs
        )

    def region_labels(self, region_ids: list[str]) -> str:
        return ", ".join(self.knowledge.regions[r]["label"] for r in region_ids)

    def owner_region_labels(self, region_ids: list[str]) -> str:
        return ", ".join(self.knowledge.regions[r]["owner_label"] for r in region_ids)
