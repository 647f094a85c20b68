"""The treatment plan: accepting the assessment's treatments, dosing them, tapering, voiding.

A plan item records the dose as prescribed: mg/kg and mg as given (after rounding to the units of
a product the clinic dispenses), the product, interval and dates. Each change is one transaction on
a locked row, checked first; django-simple-history keeps every version.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from cutis.clinic.models import Dog, MonitoringItem, PlanItem, StaffMember
from cutis.clinic.services.assessment import ACCEPTABLE, current_saved_assessment, words
from cutis.clinic.services.cases import knowledge
from cutis.clinic.services.errors import EntryError
from cutis.core.dosing import taper_schedule
from cutis.core.explain import number
from cutis.core.formats import Product as DoseProduct
from cutis.core.plan import describe_dose

TAPER = "glucocorticoid_taper"
MIN_WEIGHT_KG, MAX_WEIGHT_KG = 0.5, 120.0
# bounds that keep a taper printable on a page; taper_schedule itself always ends
MAX_TAPER_STEPS = 60
MIN_STEP_PERCENT = 1
MAX_DOSE_TO_STEP = 1000


class PlanError(EntryError):
    """A plan change that cannot be made as asked."""


def may_prescribe(staff: StaffMember) -> bool:
    """Accepting, dosing and voiding treatments is a vet's act; nurses see the plan."""
    return staff.role == StaffMember.VET


def active_plan(dog: Dog, on: datetime.date) -> list[PlanItem]:
    """Plan items not voided and not stopped before `on`."""
    return list(
        dog.plan_items.filter(voided_at__isnull=True)
        .filter(Q(end__isnull=True) | Q(end__gte=on))
        .order_by("start", "id")
    )


def _decimal(value: float | None, places: int) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, places)))


def dose_text(item: PlanItem) -> str:
    """The item's dose as one line a vet can read aloud, like the assessment's."""
    if item.dose_mg is None:
        return ""
    if item.mg_per_kg is None or item.interval_hours is None:
        text = f"{number(float(item.dose_mg))} mg"
        if item.interval_hours is not None:
            text += f" every {number(float(item.interval_hours))} h"
        return f"{text} {item.route}".strip()
    product: DoseProduct | None = None
    if item.product_strength_mg is not None and item.product_units is not None:
        product = {
            "strength_mg": float(item.product_strength_mg),
            "units": float(item.product_units),
            "form": item.product_form,
            "mg": float(item.dose_mg),
        }
    return describe_dose(
        {
            "mg_per_kg": float(item.mg_per_kg),
            "mg": float(item.dose_mg),
            "interval_hours": float(item.interval_hours),
            "route": item.route,
            "target_mg_per_kg": float(item.mg_per_kg),
            "range_mg_per_kg": [],
            "per_day": False,
            "within_range": True,
            "product": product,
        }
    )


# --- accepting a treatment from the assessment ------------------------------------------------------


@transaction.atomic
def accept_treatment(
    dog: Dog, *, treatment_id: str, drug: str, accepted_by: User, on: datetime.date
) -> PlanItem:
    """Add a recommended or considered treatment to the plan with the assessment's dose.

    The assessment is run on the record as it is now and saved (or the identical latest saved
    one reused), so the plan item points at exactly what the vet accepted. `drug` may pick one of
    the treatment's options; empty means the engine's first choice.
    """
    saved = current_saved_assessment(dog, saved_by=accepted_by, on=on)
    treatment = next((t for t in saved.assessment["treatments"] if t["id"] == treatment_id), None)
    if treatment is None:
        raise PlanError("treatment", f"{words(treatment_id)} is not in this dog's assessment")
    if treatment["status"] not in ACCEPTABLE:
        raise PlanError(
            "treatment",
            f"{words(treatment_id)} is {treatment['status']} for this dog; "
            "it cannot be added to the plan from the assessment",
        )
    choices: dict[str, Any] = {}
    if treatment.get("drug"):
        choices[treatment["drug"]] = treatment.get("dose")
    for option in treatment.get("options", []):
        choices.setdefault(option["drug"], option.get("dose"))
    chosen = drug or treatment.get("drug") or ""
    if chosen and chosen not in choices:
        raise PlanError("drug", f"{words(chosen)} is not an option for {words(treatment_id)}")
    duplicate = [
        item
        for item in active_plan(dog, on)
        if (item.treatment, item.drug) == (treatment_id, chosen)
    ]
    if duplicate:
        name = words(treatment_id)
        if chosen and chosen != treatment_id:
            name += f" ({words(chosen)})"
        raise PlanError(
            "treatment",
            f"{name} is already in the plan (since {duplicate[0].start.isoformat()})",
        )
    dose = choices.get(chosen) if chosen else None
    product = dose.get("product") if dose else None
    instructions = [treatment[key] for key in ("regimen", "duration") if treatment.get(key)]
    return PlanItem.objects.create(
        dog=dog,
        treatment=treatment_id,
        drug=chosen,
        dose_mg=_decimal(dose["mg"], 3) if dose else None,
        mg_per_kg=_decimal(dose["mg_per_kg"], 3) if dose else None,
        interval_hours=_decimal(dose["interval_hours"], 2) if dose else None,
        route=dose["route"] if dose else "",
        product_strength_mg=_decimal(product["strength_mg"], 3) if product else None,
        product_units=_decimal(product["units"], 2) if product else None,
        product_form=product["form"] if product else "",
        instructions="\n".join(instructions),
        start=on,
        from_assessment=saved,
    )


# --- the dose calculator ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    """A product size the clinic can dispense, from the knowledge."""

    strength_mg: float
    form: str
    smallest_fraction: float
    min_weight_kg: float | None = None

    @property
    def key(self) -> str:
        return f"{number(self.strength_mg, 3)} {self.form}"

    @property
    def smallest_mg(self) -> float:
        return self.strength_mg * self.smallest_fraction

    @property
    def label(self) -> str:
        parts = {1.0: "whole only", 0.5: "halves", 0.25: "quarters"}
        split = parts.get(self.smallest_fraction, f"down to {number(self.smallest_fraction)}")
        text = f"{number(self.strength_mg, 3)} mg {self.form} ({split})"
        if self.min_weight_kg:
            text += f", dogs of {number(self.min_weight_kg)} kg or more"
        return text


def products_for(drug: str, market: str) -> list[Product]:
    """The drug's products sold where the clinic is (all of them when its market is 'all')."""
    entry = knowledge().drugs.get(drug)
    if entry is None:
        return []
    return [
        Product(
            strength_mg=float(product["strength_mg"]),
            form=product["form"],
            smallest_fraction=float(product["smallest_fraction"]),
            min_weight_kg=product.get("min_weight_kg"),
        )
        for product in entry["products"]
        if market == "all" or {"all", market} & set(product.get("markets", ["all"]))
    ]


@dataclass(frozen=True)
class DoseCalculation:
    """mg/kg × weight → mg → units of a product, rounded to what can be dispensed."""

    target_mg_per_kg: float
    weight_kg: float
    target_mg: float
    product: Product | None
    units: float | None
    mg: float

    @property
    def mg_per_kg(self) -> float:
        return self.mg / self.weight_kg

    @property
    def rounded(self) -> bool:
        return abs(self.mg - self.target_mg) > 1e-6

    def text(self) -> str:
        shown = (
            f"{number(self.target_mg_per_kg, 3)} mg/kg × {number(self.weight_kg)} kg "
            f"= {number(self.target_mg, 3)} mg"
        )
        if self.product is not None and self.units is not None:
            shown += (
                f" → {number(self.units)} × {number(self.product.strength_mg, 3)} mg "
                f"{self.product.form} = {number(self.mg, 3)} mg "
                f"({number(self.mg_per_kg, 3)} mg/kg)"
            )
        return shown


def calculate_plan_dose(
    mg_per_kg: float, weight_kg: float, product: Product | None
) -> DoseCalculation:
    """The dose for this weight in whole steps of the product (never less than one step)."""
    if not mg_per_kg > 0:
        raise PlanError("mg_per_kg", f"must be more than 0 (got {number(mg_per_kg, 3)})")
    if not MIN_WEIGHT_KG <= weight_kg <= MAX_WEIGHT_KG:
        raise PlanError(
            "weight_kg",
            f"must be between {number(MIN_WEIGHT_KG)} and {number(MAX_WEIGHT_KG)} kg "
            f"(got {number(weight_kg)})",
        )
    target = mg_per_kg * weight_kg
    if product is None:
        return DoseCalculation(mg_per_kg, weight_kg, target, None, None, target)
    if product.min_weight_kg is not None and weight_kg < product.min_weight_kg:
        raise PlanError(
            "product",
            f"the {product.key} is for dogs of {number(product.min_weight_kg)} kg or more",
        )
    step = product.smallest_fraction
    units = max(step, round(target / product.strength_mg / step) * step)
    return DoseCalculation(
        mg_per_kg, weight_kg, target, product, round(units, 2), units * product.strength_mg
    )


@dataclass(frozen=True)
class PlanChange:
    dose: DoseCalculation | None
    interval_hours: float | None
    route: str
    start: datetime.date
    end: datetime.date | None
    instructions: str


def _locked(item: PlanItem) -> PlanItem:
    locked = PlanItem.objects.select_for_update().get(pk=item.pk)
    if locked.is_voided:
        raise PlanError("__all__", f"this plan item was voided ({locked.void_reason})")
    return locked


def _refuse_unstorable(change: PlanChange) -> None:
    """Refuse an amount its column cannot hold (a typo of mg/kg ×1000), naming the entry field.

    Without this, PostgreSQL refuses the row with an error page and SQLite stores it unchecked.
    """
    dose = change.dose
    amounts = [("interval_hours", "interval_hours", change.interval_hours)]
    if dose is not None:
        amounts += [("dose_mg", "mg_per_kg", dose.mg), ("mg_per_kg", "mg_per_kg", dose.mg_per_kg)]
    for column_name, field, value in amounts:
        column = PlanItem._meta.get_field(column_name)
        assert isinstance(column, models.DecimalField)
        limit = 10 ** (column.max_digits - column.decimal_places)
        if value is not None and abs(value) >= limit:
            shown = column_name.replace("_", " ").replace("mg per kg", "mg/kg")
            raise PlanError(
                field, f"gives {number(value, 3)} {shown}: a plan item holds less than {limit}"
            )


@transaction.atomic
def change_plan_item(item: PlanItem, change: PlanChange) -> PlanItem:
    """Set the dose, interval, dates and instructions of a plan item."""
    _refuse_unstorable(change)
    if change.end is not None and change.end < change.start:
        raise PlanError(
            "end",
            f"must not be before the start ({change.end.isoformat()} < {change.start.isoformat()})",
        )
    if change.interval_hours is not None and not change.interval_hours > 0:
        raise PlanError(
            "interval_hours", f"must be more than 0 (got {number(change.interval_hours)})"
        )
    locked = _locked(item)
    if change.dose is not None:
        dose = change.dose
        locked.dose_mg = _decimal(dose.mg, 3)
        locked.mg_per_kg = _decimal(dose.mg_per_kg, 3)
        locked.product_strength_mg = _decimal(dose.product.strength_mg, 3) if dose.product else None
        locked.product_units = _decimal(dose.units, 2)
        locked.product_form = dose.product.form if dose.product else ""
    locked.interval_hours = _decimal(change.interval_hours, 2)
    locked.route = change.route
    locked.start = change.start
    locked.end = change.end
    locked.instructions = change.instructions.strip()
    locked.save()
    return locked


@transaction.atomic
def void_plan_item(item: PlanItem, *, reason: str, voided_by: User) -> PlanItem:
    """Void a plan item with a reason, and the monitoring still open for it."""
    reason = reason.strip()
    if not reason:
        raise PlanError("reason", "say why this plan item is voided")
    locked = _locked(item)
    now = timezone.now()
    locked.voided_at, locked.voided_by, locked.void_reason = now, voided_by, reason
    locked.save(update_fields=["voided_at", "voided_by", "void_reason"])
    for due in MonitoringItem.objects.select_for_update().filter(
        plan_item=locked, done_on__isnull=True, voided_at__isnull=True
    ):
        due.voided_at, due.voided_by = now, voided_by
        due.void_reason = f"plan item voided: {reason}"[:300]
        due.save(update_fields=["voided_at", "voided_by", "void_reason"])
    return locked


# --- the glucocorticoid taper ------------------------------------------------------------------------


@dataclass(frozen=True)
class TaperChoice:
    """What the vet chooses for a taper; the defaults come from the knowledge's protocol."""

    start: datetime.date
    start_mg: float
    interval_hours: float
    step_percent: float
    step_days: int
    smallest_step_mg: float


def taper_defaults(item: PlanItem) -> dict[str, Any]:
    protocol = knowledge().protocols[TAPER]
    smallest = smallest_step_for(item)
    return {
        "start": item.start,
        "start_mg": _plain(item.dose_mg),
        "interval_hours": _plain(item.interval_hours) or 24,
        "step_percent": round(float(protocol["step_fraction"]) * 100),
        "step_days": int(protocol["step_interval_days"]),
        "smallest_step_mg": None if smallest is None else round(smallest, 3),
    }


def _plain(value: Decimal | None) -> float | None:
    """A stored amount as a form shows it: 5, not 5.000."""
    return None if value is None else float(value)


def product_not_sold(item: PlanItem, market: str) -> bool:
    """The item's product is not one the clinic's market sells (the core doses from all sizes)."""
    if item.product_strength_mg is None:
        return False
    offered = {(p.strength_mg, p.form) for p in products_for(item.drug, market)}
    return (float(item.product_strength_mg), item.product_form) not in offered


def smallest_step_for(item: PlanItem) -> float | None:
    """The smallest amount of the item's product that can be dispensed (strength × fraction)."""
    products = products_for(item.drug, "all")
    if item.product_strength_mg is not None:
        for product in products:
            if (product.strength_mg, product.form) == (
                float(item.product_strength_mg),
                item.product_form,
            ):
                return product.smallest_mg
        return float(item.product_strength_mg)
    return min((product.smallest_mg for product in products), default=None)


def taper_table(item: PlanItem, choice: TaperChoice) -> list[dict[str, Any]]:
    """The taper as dated steps: each from a date until the day before the next, ending at 0 mg."""
    if item.treatment != TAPER:
        raise PlanError("__all__", f"{words(item.treatment)} is not a glucocorticoid taper")
    if not choice.start_mg > 0:
        raise PlanError("start_mg", f"must be more than 0 (got {number(choice.start_mg, 3)})")
    if not choice.interval_hours > 0:
        raise PlanError(
            "interval_hours", f"must be more than 0 (got {number(choice.interval_hours)})"
        )
    if not MIN_STEP_PERCENT <= choice.step_percent < 100:
        raise PlanError(
            "step_percent",
            f"must be at least {MIN_STEP_PERCENT} and less than 100 % "
            f"(got {number(choice.step_percent)}); stopping at once is not a taper",
        )
    if not choice.step_days >= 1:
        raise PlanError("step_days", f"must be at least 1 day (got {choice.step_days})")
    if not 0 < choice.smallest_step_mg <= choice.start_mg:
        raise PlanError(
            "smallest_step_mg",
            f"must be more than 0 and at most the starting dose of {number(choice.start_mg, 3)} mg "
            f"(got {number(choice.smallest_step_mg, 3)})",
        )
    if choice.start < item.start:
        raise PlanError(
            "start", f"must not be before the plan item starts ({item.start.isoformat()})"
        )
    if choice.start_mg / choice.smallest_step_mg > MAX_DOSE_TO_STEP:
        raise PlanError("smallest_step_mg", "is too small for this dose: choose a larger step")
    steps = taper_schedule(
        choice.start_mg,
        choice.interval_hours,
        choice.step_percent / 100,
        choice.step_days,
        choice.smallest_step_mg,
    )
    if len(steps) > MAX_TAPER_STEPS:
        raise PlanError(
            "smallest_step_mg",
            f"gives {len(steps)} steps; choose a larger step or a larger reduction",
        )
    strength = float(item.product_strength_mg) if item.product_strength_mg else None
    table = []
    for index, step in enumerate(steps):
        begins = choice.start + datetime.timedelta(days=int(step["from_day"]))
        following = steps[index + 1] if index + 1 < len(steps) else None
        until = (
            choice.start + datetime.timedelta(days=int(following["from_day"]) - 1)
            if following
            else None
        )
        mg = float(step["mg"])
        table.append(
            {
                "step": index + 1,
                "from_day": int(step["from_day"]),
                "date": begins.isoformat(),
                "until": until.isoformat() if until else None,
                "mg": mg,
                "interval_hours": float(step["interval_hours"]),
                "units": round(mg / strength, 3) if strength else None,
            }
        )
    return table


@transaction.atomic
def store_taper(item: PlanItem, choice: TaperChoice) -> PlanItem:
    """Store the dated taper on the plan item; the item stops on the day the dose reaches 0 mg."""
    table = taper_table(item, choice)
    locked = _locked(item)
    locked.taper_steps = table
    locked.end = datetime.date.fromisoformat(table[-1]["date"])
    locked.save(update_fields=["taper_steps", "end"])
    return locked


def taper_rows(item: PlanItem, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Taper steps (stored or previewed) with their dates as dates, and what to give in words."""
    rows = []
    for step in steps:
        units = step.get("units")
        give = "stop" if step["mg"] == 0 else f"{number(step['mg'], 3)} mg"
        if units and step["mg"]:
            give += f" ({number(units, 3)} × {number(float(item.product_strength_mg or 0), 3)} mg"
            give += f" {item.product_form})"
        interval = float(step["interval_hours"])
        every = (
            f"every {number(interval)} h"
            if interval < 48
            else f"every {number(interval / 24)} days"
        )
        rows.append(
            {
                **step,
                "date": datetime.date.fromisoformat(step["date"]),
                "until": datetime.date.fromisoformat(step["until"]) if step.get("until") else None,
                "give": give,
                "every": "" if step["mg"] == 0 else every,
            }
        )
    return rows
