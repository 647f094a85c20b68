"""The shape of the knowledge files, validated with pydantic when the YAML is compiled.

Only the compiler imports this module: the assessment path reads the compiled snapshot, so pydantic's
import cost (ten times a bare interpreter start) never lands on `cutis assess`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Weight = Literal["guideline", "study", "textbook", "university", "specialist", "lay", "editorial"]
Rounding = Literal["nearest", "down", "up"]
ProductForm = Literal[
    "tablet", "capsule", "chewable_tablet", "vial", "suspension", "gel", "solution"
]
Route = Literal["oral", "topical", "injection", "depot_injection", "otic", "ophthalmic", "inhaled"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    id: str
    citation: str
    url: str
    weight: Weight


class Sourced(Strict):
    sources: list[str] = Field(min_length=1)


class Region(Sourced):
    id: str
    label: str
    owner_label: str
    pressure_point: bool
    circumscripta_typical: bool
    universalis_typical: bool


class Sign(Sourced):
    id: str
    label: str
    owner_label: str
    hac_compatible: bool = False
    hac_incompatible: bool = False


class Condition(Sourced):
    id: str
    label: str
    owner_label: str


class Exposure(Sourced):
    id: str
    label: str
    owner_label: str
    cause: str


class DoseRange(Sourced):
    """One way of giving a drug for one indication; mg_per_kg is per dose unless per_day."""

    indication: str
    mg_per_kg: tuple[float, float]
    target_mg_per_kg: float
    interval_hours: list[int] = Field(min_length=1)
    route: Route
    rounding: Rounding = "nearest"
    per_day: bool = False
    ceiling: bool = False
    note: str = ""

    @model_validator(mode="after")
    def _target_inside_range(self) -> DoseRange:
        low, high = self.mg_per_kg
        if not 0 < low <= self.target_mg_per_kg <= high:
            raise ValueError(
                f"target {self.target_mg_per_kg} mg/kg must lie in range {low}-{high} mg/kg"
            )
        return self


class Product(Sourced):
    strength_mg: float = Field(gt=0)
    form: ProductForm
    # smallest fraction of one unit the label or formulary allows: 1 (whole), 0.5 (scored)
    smallest_fraction: float = 1.0
    markets: list[str] = Field(default_factory=lambda: ["all"])
    min_weight_kg: float | None = None


class Drug(Sourced):
    id: str
    name: str
    owner_name: str
    classes: list[str]
    routes: list[Route]
    cortisol_cross_reacting: bool = False
    doses: list[DoseRange] = Field(default_factory=list)
    products: list[Product] = Field(default_factory=list)


class ReferenceInterval(Sourced):
    low: float | None = None
    high: float | None = None


class LoincCode(Sourced):
    """The LOINC term a lab code is exchanged as (FHIR); only where a source gives the code."""

    code: str = Field(pattern=r"^\d{1,7}-\d$")
    display: str


class Lab(Strict):
    code: str
    label: str
    owner_label: str
    kind: Literal["numeric", "result"]
    canonical_unit: str = ""
    # multiply a value in this unit by the factor to get the canonical unit
    units: dict[str, float] = Field(default_factory=dict)
    plausible: tuple[float, float] | None = None
    plausible_sources: list[str] = Field(default_factory=list)
    reference_interval: ReferenceInterval | None = None
    results: list[str] = Field(default_factory=list)
    loinc: LoincCode | None = None

    @model_validator(mode="after")
    def _numeric_has_units(self) -> Lab:
        if self.kind == "numeric":
            if self.canonical_unit not in self.units or self.units[self.canonical_unit] != 1:
                raise ValueError("the canonical unit must be listed with factor 1")
            if self.plausible is None or not self.plausible_sources:
                raise ValueError("a numeric lab needs a sourced plausible range")
        elif not self.results:
            raise ValueError("a result lab lists its results")
        return self


class Threshold(Sourced):
    id: str
    value: float
    unit: str
    note: str = ""


class Rule(Strict):
    """A reason the engine can give, in the vet's words and the owner's."""

    id: str
    vet: str
    owner: str
    sources: list[str] = Field(default_factory=list)
    thresholds: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cited(self) -> Rule:
        if not self.sources and not self.thresholds:
            raise ValueError("a rule cites at least one source or threshold")
        return self


class TaperProtocol(Sourced):
    step_fraction: float = Field(gt=0, lt=1)
    step_interval_days: int = Field(gt=0)
    note: str


class Protocols(Strict):
    glucocorticoid_taper: TaperProtocol


class KnowledgeFiles(Strict):
    """Everything under knowledge/data, merged."""

    knowledge_version: str
    sources: list[Source]
    regions: list[Region]
    signs: list[Sign]
    conditions: list[Condition]
    exposures: list[Exposure]
    drugs: list[Drug]
    labs: list[Lab]
    thresholds: list[Threshold]
    rules: list[Rule]
    protocols: Protocols

    @model_validator(mode="after")
    def _references_resolve(self) -> KnowledgeFiles:
        problems: list[str] = []
        source_ids = {source.id for source in self.sources}
        threshold_ids = {threshold.id for threshold in self.thresholds}
        for group in (
            "sources",
            "regions",
            "signs",
            "conditions",
            "exposures",
            "drugs",
            "labs",
            "thresholds",
            "rules",
        ):
            items = getattr(self, group)
            keys = [getattr(item, "code", None) or item.id for item in items]
            duplicates = sorted({key for key in keys if keys.count(key) > 1})
            if duplicates:
                problems.append(f"{group}: duplicate ids {duplicates}")

        def check(where: str, cited: list[str]) -> None:
            for source_id in cited:
                if source_id not in source_ids:
                    problems.append(f"{where}: unknown source '{source_id}'")

        identified: list[Region | Sign | Condition | Exposure] = [
            *self.regions,
            *self.signs,
            *self.conditions,
            *self.exposures,
        ]
        for sourced in identified:
            check(f"{type(sourced).__name__.lower()} {sourced.id}", sourced.sources)
        for drug in self.drugs:
            check(f"drug {drug.id}", drug.sources)
            for dose in drug.doses:
                check(f"drug {drug.id} dose {dose.indication}", dose.sources)
            for product in drug.products:
                check(f"drug {drug.id} product {product.strength_mg}", product.sources)
        for lab in self.labs:
            check(f"lab {lab.code}", lab.plausible_sources)
            if lab.reference_interval:
                check(f"lab {lab.code} reference interval", lab.reference_interval.sources)
            if lab.loinc:
                check(f"lab {lab.code} LOINC code", lab.loinc.sources)
        for threshold in self.thresholds:
            check(f"threshold {threshold.id}", threshold.sources)
        for rule in self.rules:
            check(f"rule {rule.id}", rule.sources)
            for threshold_id in rule.thresholds:
                if threshold_id not in threshold_ids:
                    problems.append(f"rule {rule.id}: unknown threshold '{threshold_id}'")
        check("protocol glucocorticoid_taper", self.protocols.glucocorticoid_taper.sources)
        if problems:
            raise ValueError("; ".join(problems))
        return self
