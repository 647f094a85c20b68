"""The dose calculator: sourced mg/kg, real product sizes, and the rounding each drug allows."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cutis import Knowledge
from cutis.core.dosing import calculate_dose, taper_schedule

# (drug, indication, weight kg, expected strength, units, mg/kg given)
DOSES = [
    # 6 kg poodle: 1 mg/kg twice daily rounds DOWN to a 5 mg capsule (never above the target)
    ("trilostane", "hypercortisolism", 6.0, 5.0, 1.0, 0.83),
    # 30 kg dog: 30 mg capsule twice daily
    ("trilostane", "hypercortisolism", 30.0, 30.0, 1.0, 1.0),
    # lokivetmab is a minimum dose: rounds UP to the 20 mg vial at 12.4 kg
    ("lokivetmab", "pruritus", 12.4, 20.0, 1.0, 1.61),
    # oclacitinib halves per label: 6 kg -> half a 5.4 mg tablet
    ("oclacitinib", "pruritus", 6.0, 5.4, 0.5, 0.45),
    # cefalexin 22 mg/kg at 30 kg: one 600 mg tablet plus ... the calculator keeps to two units
    ("cephalexin", "skin_infection", 30.0, 750.0, 1.0, 25.0),
    # capsules are never split
    ("clindamycin", "skin_infection", 10.0, 75.0, 1.0, 7.5),
]


@pytest.mark.parametrize(("drug", "indication", "weight", "strength", "units", "mg_per_kg"), DOSES)
def test_dose_rounds_to_a_real_product(knowledge: Knowledge, drug: str, indication: str,
                                       weight: float, strength: float, units: float,
                                       mg_per_kg: float) -> None:
    dose = calculate_dose(knowledge, drug, indication, weight)
    assert dose["product"] is not None
    assert (dose["product"]["strength_mg"], dose["product"]["units"]) == (strength, units)
    assert dose["mg_per_kg"] == pytest.approx(mg_per_kg, abs=0.01)


def test_a_dog_too_small_for_any_capsule_gets_no_product(knowledge: Knowledge) -> None:
    dose = calculate_dose(knowledge, "trilostane", "hypercortisolism", 2.0)
    assert dose["product"] is None
    assert dose["within_range"] is False
    assert "compounded" in dose.get("note", "")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(weight=st.floats(min_value=0.5, max_value=120))
def test_a_downward_dose_is_never_above_its_target(knowledge: Knowledge, weight: float,
                                                    ) -> None:
    dose = calculate_dose(knowledge, "trilostane", "hypercortisolism", weight)
    if dose["product"] is not None:
        assert dose["mg"] <= dose["target_mg_per_kg"] * weight + 1e-6


@settings(max_examples=200, deadline=None, derandomize=True)
@given(weight=st.floats(min_value=3, max_value=120))
def test_a_minimum_dose_is_never_below_its_target(knowledge: Knowledge, weight: float) -> None:
    dose = calculate_dose(knowledge, "lokivetmab", "pruritus", weight)
    assert dose["product"] is not None
    assert dose["mg"] >= weight * dose["target_mg_per_kg"] - 1e-6


@settings(max_examples=100, deadline=None, derandomize=True)
@given(start=st.sampled_from([5.0, 10.0, 20.0, 40.0]), fraction=st.sampled_from([0.25, 0.5]),
       smallest=st.sampled_from([1.25, 2.5, 5.0]))
def test_a_taper_ends_at_zero_and_never_rises(start: float, fraction: float,
                                              smallest: float) -> None:
    steps = taper_schedule(start, 24, fraction, 14, smallest)
    doses = [step["mg"] for step in steps]
    assert doses[0] == start
    assert doses[-1] == 0
    assert all(later < earlier for earlier, later in itertools.pairwise(doses))
