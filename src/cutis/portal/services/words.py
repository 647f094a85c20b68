"""The plan in plain words: built from the knowledge's owner register and this dog's plan.

Every sentence an owner reads comes from a knowledge rule's `owner` text (as the saved assessment
filled it in for this dog) or from the short texts here; the tests hold all of them to a reading
grade of 8 or below.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from cutis.clinic.models import Dog, MonitoringItem, PlanItem
from cutis.clinic.services.assessment import words
from cutis.clinic.services.cases import knowledge
from cutis.clinic.services.plan import active_plan
from cutis.portal.services.care import (
    CLINIC_ROUTES,
    CareSeries,
    care_series,
    check_title,
    drug_name,
    open_checks,
)

# what each treatment is called on the owner's pages
OWNER_TITLES = {
    "glucocorticoid_taper": "The steroid dose goes down bit by bit",
    "trilostane": "Trilostane for Cushing's disease",
    "mitotane": "Mitotane for Cushing's disease",
    "systemic_antibiotic": "Tablets for the skin infection",
    "antimicrobial_bathing": "Baths with a germ-killing shampoo",
    "oatmeal_bathing": "Baths with an oatmeal shampoo",
    "topical_dmso": "Gel to help the spots break down",
    "minocycline": "Tablets to help the spots shrink: minocycline",
    "doxycycline": "Tablets to help the spots shrink: doxycycline",
    "nonsteroidal_itch_control": "Medicine for the itch",
    "protective_garment": "A T-shirt over the sore spots",
    "surgical_excision": "Surgery to take out the lump",
    "adrenalectomy_referral": "Surgery on the adrenal gland",
    "kidney_disease_management": "Care for the kidneys",
    "fluorescent_light_therapy": "Light treatment for the skin",
    "vitamin_d_decontamination": "Urgent care for too much vitamin D",
    "hypercalcemia_emergency_care": "Care in the clinic for high calcium",
}
# the warning signs that mean "call the clinic at once", by the treatment or drug in the plan
WARNINGS = {
    "glucocorticoid_taper": ("warning.taper_withdrawal", "alert.glucocorticoid_taper_required"),
    "trilostane": ("warning.trilostane",),
    "mitotane": ("warning.mitotane",),
    "minocycline": ("warning.tetracycline",),
    "doxycycline": ("warning.tetracycline",),
    "topical_dmso": ("warning.dmso_skin", "alert.dmso_area_limit"),
}
EXPECT = ("alert.new_lesions_expected", "monitoring.lesion_recheck")
GIVEN_AT_CLINIC = "This is given at the clinic."
NO_HOME_TASK = "There is nothing for you to do at home for this one."


def owner_rule(rule_id: str) -> str:
    return str(knowledge().rules[rule_id]["owner"])


@dataclass
class PlainItem:
    title: str
    why: list[str]
    doing: list[CareSeries] = field(default_factory=list)
    note: str = ""


@dataclass
class PlainPlan:
    about: str
    intro: str
    items: list[PlainItem]
    expect: list[str]
    warnings: list[str]
    checks: list[tuple[str, MonitoringItem]]


def _why(item: PlanItem) -> list[str]:
    """The owner texts the assessment gave for this treatment, filled in for this dog."""
    texts: list[str] = []
    saved = item.from_assessment.assessment if item.from_assessment is not None else {}
    for treatment in saved.get("treatments", []):
        if treatment["id"] == item.treatment:
            texts = [because["owner_text"] for because in treatment["because"]]
    if not texts:
        rule = knowledge().rules.get(f"treatment.{item.treatment}")
        if rule and "{" not in rule["owner"]:
            texts = [str(rule["owner"])]
    return texts


def _title(item: PlanItem) -> str:
    title = OWNER_TITLES.get(item.treatment, words(item.treatment).capitalize())
    if item.drug and item.drug != item.treatment and item.treatment not in ("topical_dmso",):
        title += f": {drug_name(item.drug)}"
    return title


def plan_in_words(dog: Dog, today: datetime.date) -> PlainPlan:
    plan = active_plan(dog, today)
    items = []
    warnings: list[str] = []
    for item in plan:
        series = care_series(dog, [item])
        note = ""
        if item.route in CLINIC_ROUTES:
            note = GIVEN_AT_CLINIC
        elif not series:
            note = NO_HOME_TASK
        items.append(PlainItem(_title(item), _why(item), series, note))
        for key in (item.treatment, item.drug):
            for rule_id in WARNINGS.get(key, ()):
                text = owner_rule(rule_id)
                if text not in warnings:
                    warnings.append(text)
    return PlainPlan(
        about=owner_rule("portal.about_calcinosis"),
        intro=owner_rule("portal.plan_intro"),
        items=items,
        expect=[owner_rule(rule_id) for rule_id in EXPECT],
        warnings=warnings,
        checks=[(check_title(check), check) for check in open_checks(dog)],
    )
