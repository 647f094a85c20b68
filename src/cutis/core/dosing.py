"""Weight-based doses rounded to products a clinic can dispense, and glucocorticoid taper steps."""

from __future__ import annotations

import math

from cutis.core.explain import number

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as True

if TYPE_CHECKING:
    from cutis.core.formats import JSON, Dose
    from cutis.knowledge import Knowledge

# float tolerance when comparing milligrams, far below any dispensable amount
EPSILON_MG = 1e-6
MAX_UNITS_PER_DOSE = 2


def dose_spec(knowledge: Knowledge, drug_id: str, indication: str) -> JSON:
    for spec in knowledge.drugs[drug_id]["doses"]:
        if spec["indication"] == indication:
            result: JSON = spec
            return result
    raise KeyError(f"{drug_id} has no dose for {indication}")


def calculate_dose(knowledge: Knowledge, drug_id: str, indication: str, weight_kg: float) -> Dose:
    """The dose for a dog of this weight, using the product that lands closest to the target.

    Candidates inside the sourced mg/kg range win; `rounding` decides whether the calculator may
    go above the target ("up", a minimum dose) or never ("down", where overdose is the greater harm).
    """
    spec = dose_spec(knowledge, drug_id, indication)
    interval = int(spec["interval_hours"][0])
    low, high = (float(v) for v in spec["mg_per_kg"])
    target = float(spec["target_mg_per_kg"])
    # a per-day range is split evenly across the day's doses
    share = interval / 24 if spec["per_day"] and interval < 24 else 1.0
    target_mg = target * weight_kg * share
    low_mg, high_mg = low * weight_kg * share, high * weight_kg * share
    chosen = _choose_product(
        knowledge.drugs[drug_id]["products"],
        weight_kg,
        target_mg,
        low_mg,
        high_mg,
        spec["rounding"],
    )
    dose: Dose = {
        "mg_per_kg": round(target, 2),
        "mg": round(target_mg, 1),
        "interval_hours": interval,
        "route": spec["route"],
        "target_mg_per_kg": target,
        "range_mg_per_kg": [low, high],
        "per_day": bool(spec["per_day"]),
        "within_range": True,
        "product": None,
    }
    notes = [spec["note"]] if spec["note"] else []
    if chosen is not None:
        product, units, mg = chosen
        dose["mg"] = round(mg, 2)
        dose["mg_per_kg"] = round(mg / weight_kg / share, 2)
        dose["within_range"] = low_mg - EPSILON_MG <= mg <= high_mg + EPSILON_MG
        dose["product"] = {
            "strength_mg": float(product["strength_mg"]),
            "units": units,
            "form": product["form"],
            "mg": round(mg, 2),
        }
        if not dose["within_range"]:
            notes.append(
                f"the nearest product size gives {number(dose['mg_per_kg'])} mg/kg, outside the "
                f"usual {number(low)}-{number(high)} mg/kg; check before dispensing"
            )
    elif knowledge.drugs[drug_id]["products"]:
        notes.append(
            "no product size fits this dog without overdosing; a compounded "
            "preparation may be needed"
        )
        dose["within_range"] = False
    else:
        notes.append("no sourced product sizes; measure the dose")
    if notes:
        dose["note"] = "; ".join(notes)
    return dose


def _choose_product(
    products: list[JSON],
    weight_kg: float,
    target_mg: float,
    low_mg: float,
    high_mg: float,
    rounding: str,
) -> tuple[JSON, float, float] | None:
    candidates: list[tuple[tuple[float, ...], JSON, float, float]] = []
    for product in products:
        minimum_weight = product.get("min_weight_kg")
        if minimum_weight is not None and weight_kg < minimum_weight:
            continue
        strength = float(product["strength_mg"])
        step = float(product["smallest_fraction"])
        raw = target_mg / strength
        options = {
            max(step, math.floor(raw / step) * step),
            max(step, math.ceil(raw / step) * step),
        }
        for units in options:
            mg = units * strength
            if rounding == "down" and mg > target_mg + EPSILON_MG:
                continue
            if rounding == "up" and mg < target_mg - EPSILON_MG:
                continue
            # inside the range first; outside it, under-dosing beats over-dosing
            if mg > high_mg + EPSILON_MG:
                outside = 2.0
            elif mg < low_mg - EPSILON_MG:
                outside = 1.0
            else:
                outside = 0.0
            fractional = 0.0 if units.is_integer() else 1.0
            # more than two tablets or capsules a dose is hard to give at home: prefer a larger
            # strength even if it lands a little further from the target
            handful = 1.0 if units > MAX_UNITS_PER_DOSE else 0.0
            rank = (
                outside,
                handful,
                round(abs(mg - target_mg), 6),
                math.ceil(units),
                fractional,
                strength,
            )
            candidates.append((rank, product, units, mg))
    if not candidates:
        return None
    _, product, units, mg = min(candidates, key=lambda candidate: candidate[0])
    return product, units, mg


def taper_schedule(
    start_mg: float,
    interval_hours: float,
    step_fraction: float,
    step_days: int,
    smallest_step_mg: float,
) -> list[JSON]:
    """Steps from the current dose down to nothing, each a fraction smaller, in dispensable amounts.

    The last step before stopping is the smallest amount that can be dispensed; a step that would
    not change the dose after rounding is skipped, so the schedule always ends.
    """
    steps: list[JSON] = []
    dose = start_mg
    day = 0
    while dose > 0:
        steps.append({"from_day": day, "mg": round(dose, 3), "interval_hours": interval_hours})
        reduced = math.floor(dose * (1 - step_fraction) / smallest_step_mg) * smallest_step_mg
        if reduced >= dose - EPSILON_MG:
            reduced = dose - smallest_step_mg
        dose = max(0.0, round(reduced, 6))
        day += step_days
    steps.append({"from_day": day, "mg": 0.0, "interval_hours": interval_hours})
    return steps
