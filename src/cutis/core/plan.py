"""Treatments: fix the cause, clear infection, help the plaques dissolve, keep the dog comfortable."""

from __future__ import annotations

from cutis.core.dosing import calculate_dose, taper_schedule
from cutis.core.explain import number

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as True

if TYPE_CHECKING:
    from cutis.core.diagnosis import Picture
    from cutis.core.explain import Reasons
    from cutis.core.facts import Facts
    from cutis.core.formats import Because, Dose, DrugChoice, Excluded, Medication, Treatment

STATUS_ORDER = ("recommended", "consider", "caution", "contraindicated")
# Empiric first-tier oral antibiotics in the order of AAHA 2023 table 4.
FIRST_TIER = (
    "clindamycin",
    "cephalexin",
    "amoxicillin_clavulanate",
    "trimethoprim_sulfonamide",
    "cefpodoxime",
    "cefovecin",
)
SECOND_TIER = ("doxycycline", "minocycline", "enrofloxacin", "marbofloxacin")
# Lokivetmab first: calcinosis lesions are often infected and only oclacitinib's label warns
# against serious infection; ciclosporin takes 4-6 weeks to help; antihistamines are modest.
ITCH_CONTROL = ("lokivetmab", "oclacitinib", "ciclosporin", "cetirizine")


class _Plan:
    def __init__(self) -> None:
        self.items: list[Treatment] = []

    def add(
        self, treatment_id: str, status: str, priority: int, because: list[Because], **extra: object
    ) -> Treatment:
        item: Treatment = {
            "id": treatment_id,
            "status": status,
            "priority": priority,
            "because": because,
        }
        item.update(extra)  # type: ignore[typeddict-item]
        self.items.append(item)
        return item

    def ordered(self) -> list[Treatment]:
        self.items.sort(key=lambda t: (STATUS_ORDER.index(t["status"]), t["priority"]))
        return self.items


def treatments(
    facts: Facts,
    picture: Picture,
    form_id: str,
    suspicion_level: str,
    likelihoods: dict[str, str],
    reasons: Reasons,
) -> list[Treatment]:
    plan = _Plan()
    findings = picture.findings
    infected = "bacterial_infection" in findings
    vitamin_d = [
        e
        for e in sorted(facts.exposures)
        if facts.knowledge.exposures[e]["cause"] == "hypervitaminosis_d"
    ]
    urgent_calcium = _urgent_hypercalcaemia(facts, picture)

    # --- emergencies -------------------------------------------------------------------------------
    if vitamin_d:
        plan.add(
            "vitamin_d_decontamination",
            "recommended",
            1,
            [reasons.because("treatment.vitamin_d_decontamination")],
        )
    if urgent_calcium or (picture.hypercalcaemia and vitamin_d):
        plan.add(
            "hypercalcemia_emergency_care",
            "recommended",
            1,
            [reasons.because("treatment.hypercalcemia_emergency_care")],
        )

    # --- the cause ---------------------------------------------------------------------------------
    if picture.glucocorticoids_now and likelihoods.get("iatrogenic_glucocorticoid") in (
        "likely",
        "possible",
    ):
        _taper(plan, facts, picture.glucocorticoids_now[0], reasons)
    if form_id == "circumscripta":
        plan.add(
            "surgical_excision", "recommended", 2, [reasons.because("treatment.surgical_excision")]
        )
    _adrenal_treatment(plan, facts, picture, likelihoods, reasons)
    if picture.kidney:
        plan.add(
            "kidney_disease_management",
            "recommended",
            2,
            [reasons.because("treatment.kidney_disease_management")],
        )

    # --- infection ---------------------------------------------------------------------------------
    if infected:
        _antibiotic(plan, facts, reasons)
        plan.add(
            "antimicrobial_bathing",
            "recommended",
            4,
            [reasons.because("treatment.antimicrobial_bathing")],
            regimen=reasons.because("regimen.bathing")["text"],
        )
        plan.add(
            "fluorescent_light_therapy",
            "consider",
            9,
            [reasons.because("treatment.fluorescent_light_therapy")],
        )
    elif facts.lesions and facts.result("skin_cytology") is None:
        plan.add(
            "antimicrobial_bathing",
            "consider",
            6,
            [reasons.because("treatment.bathing_until_cytology")],
            regimen=reasons.because("regimen.bathing")["text"],
        )
    elif facts.lesions:
        plan.add(
            "oatmeal_bathing",
            "consider",
            6,
            [reasons.because("treatment.oatmeal_bathing")],
            regimen=reasons.because("regimen.bathing")["text"],
        )

    # --- helping the plaques dissolve ----------------------------------------------------------------
    calcinosis = suspicion_level in ("confirmed", "high") and form_id != "circumscripta"
    if calcinosis:
        renal_risk = picture.kidney or picture.hypercalcaemia
        risk = [reasons.because("treatment.calcium_mobilisation_risk")] if renal_risk else []
        status = "caution" if renal_risk else "consider"
        plan.add(
            "topical_dmso",
            status,
            5,
            [reasons.because("treatment.topical_dmso"), *risk],
            dose=None,
            regimen=reasons.because("regimen.dmso")["text"],
        )
        plan.add(
            "minocycline",
            status,
            5,
            [reasons.because("treatment.minocycline"), *risk],
            drug="minocycline",
            dose=calculate_dose(
                facts.knowledge, "minocycline", "calcinosis_cutis", facts.weight_kg
            ),
            duration=reasons.because("duration.minocycline")["text"],
        )
        plan.add(
            "doxycycline",
            status,
            6,
            [reasons.because("treatment.doxycycline"), *risk],
            drug="doxycycline",
            dose=calculate_dose(facts.knowledge, "doxycycline", "skin_infection", facts.weight_kg),
        )

    # --- comfort --------------------------------------------------------------------------------------
    itchy = facts.pruritic or (
        "atopic_dermatitis" in facts.conditions and bool(picture.glucocorticoids_now)
    )
    if facts.lesions and itchy:
        _itch_control(plan, facts, picture, reasons)
    if facts.lesions and (facts.pruritic or facts.features & {"ulceration", "draining_tract"}):
        plan.add(
            "protective_garment", "consider", 8, [reasons.because("treatment.protective_garment")]
        )
    return plan.ordered()


def _urgent_hypercalcaemia(facts: Facts, picture: Picture) -> bool:
    if not picture.hypercalcaemia:
        return False
    if "hypercalcemia_ionized" in picture.findings:
        return True
    calcium = facts.value("calcium_total")
    return calcium is not None and calcium >= facts.knowledge.value("calcium_total_important")


def _current_dose(facts: Facts, medication: Medication) -> Dose | None:
    dose_mg = medication["dose_mg"]
    if dose_mg is None:
        return None
    interval = medication["interval_hours"] or 24.0
    dose: Dose = {
        "mg_per_kg": round(dose_mg / facts.weight_kg, 2),
        "mg": dose_mg,
        "interval_hours": interval,
        "route": medication["route"] or "oral",
        "target_mg_per_kg": round(dose_mg / facts.weight_kg, 2),
        "range_mg_per_kg": [],
        "per_day": False,
        "within_range": True,
        "product": None,
        "note": "the dose the dog is on now: the starting point of the taper",
    }
    drug = facts.knowledge.drugs.get(medication["drug"])
    for product in drug["products"] if drug else []:
        units = dose_mg / float(product["strength_mg"])
        step = float(product["smallest_fraction"])
        if units >= step and abs(units / step - round(units / step)) < 1e-9:
            dose["product"] = {
                "strength_mg": float(product["strength_mg"]),
                "units": units,
                "form": product["form"],
                "mg": dose_mg,
            }
            break
    return dose


def _taper(plan: _Plan, facts: Facts, medication: Medication, reasons: Reasons) -> None:
    protocol = facts.knowledge.protocols["glucocorticoid_taper"]
    dose = _current_dose(facts, medication)
    because = [reasons.because("treatment.glucocorticoid_taper", drug=medication["drug"])]
    if medication["reason"]:
        because.append(
            reasons.because("treatment.replace_steroid_for", reason=medication["reason"])
        )
    extra: dict[str, object] = {
        "drug": medication["drug"],
        "dose": dose,
        "options": [],
        "excluded": [],
        "regimen": reasons.because(
            "regimen.taper",
            percent=int(protocol["step_fraction"] * 100),
            days=protocol["step_interval_days"],
        )["text"],
    }
    if dose is not None and dose["product"] is not None:
        product = dose["product"]
        smallest = product["strength_mg"] * _smallest_fraction(facts, medication, product)
        extra["schedule"] = taper_schedule(
            dose["mg"],
            dose["interval_hours"],
            protocol["step_fraction"],
            protocol["step_interval_days"],
            smallest,
        )
    plan.add("glucocorticoid_taper", "recommended", 1, because, **extra)


def _smallest_fraction(facts: Facts, medication: Medication, product: object) -> float:
    assert isinstance(product, dict)
    drug = facts.knowledge.drugs[medication["drug"]]
    for candidate in drug["products"]:
        if float(candidate["strength_mg"]) == product["strength_mg"]:
            return float(candidate["smallest_fraction"])
    return 1.0


def _adrenal_treatment(
    plan: _Plan, facts: Facts, picture: Picture, likelihoods: dict[str, str], reasons: Reasons
) -> None:
    confirmed = (
        bool(picture.findings & {"acth_stim_exaggerated", "ldds_consistent_with_hac"})
        or "hyperadrenocorticism" in facts.conditions
    )
    on_trilostane = facts.on_drug("trilostane") is not None
    if not on_trilostane and not (
        confirmed and likelihoods.get("hyperadrenocorticism") == "likely"
    ):
        return
    dose = calculate_dose(facts.knowledge, "trilostane", "hypercortisolism", facts.weight_kg)
    blockers = []
    if "hepatic_disease" in facts.conditions:
        blockers.append(reasons.because("treatment.trilostane.hepatic"))
    if picture.kidney:
        blockers.append(reasons.because("treatment.trilostane.renal"))
    mitotane_days = facts.knowledge.value("mitotane_washout_days")
    if facts.took_drug_within("mitotane", mitotane_days):
        blockers.append(
            reasons.because("treatment.trilostane.after_mitotane", days=int(mitotane_days))
        )
    adrenal_mass = "adrenal_mass" in picture.findings
    if adrenal_mass:
        plan.add(
            "adrenalectomy_referral",
            "recommended",
            2,
            [reasons.because("treatment.adrenalectomy_referral")],
        )
    status = "contraindicated" if blockers else ("consider" if adrenal_mass else "recommended")
    reason = "treatment.trilostane.continue" if on_trilostane else "treatment.trilostane"
    plan.add(
        "trilostane",
        status,
        2,
        [reasons.because(reason), *blockers],
        drug="trilostane",
        dose=dose,
        duration=reasons.because("duration.trilostane")["text"],
    )


def _antibiotic(plan: _Plan, facts: Facts, reasons: Reasons) -> None:
    culture = facts.results.get("bacterial_culture")
    detail = culture["detail"] if culture and culture["result"] == "growth" else {}
    susceptible = [d for d in detail.get("susceptible", []) if d in facts.knowledge.drugs]
    resistant = set(detail.get("resistant", []))
    methicillin = detail.get("methicillin_resistant") is True
    excluded: list[Excluded] = []
    candidates: list[str] = []
    pool = list(FIRST_TIER) + list(SECOND_TIER)
    for drug_id in pool:
        drug = facts.knowledge.drugs[drug_id]
        if drug_id in resistant:
            excluded.append(
                {
                    "drug": drug_id,
                    "because": [reasons.because("exclude.culture_resistant", drug=drug["name"])],
                }
            )
        elif methicillin and "cephalosporin" in drug["classes"]:
            excluded.append(
                {
                    "drug": drug_id,
                    "because": [
                        reasons.because("exclude.methicillin_resistant", drug=drug["name"])
                    ],
                }
            )
        elif susceptible and drug_id not in susceptible:
            excluded.append(
                {
                    "drug": drug_id,
                    "because": [
                        reasons.because("exclude.not_tested_susceptible", drug=drug["name"])
                    ],
                }
            )
        elif not susceptible and drug_id in SECOND_TIER:
            excluded.append(
                {
                    "drug": drug_id,
                    "because": [
                        reasons.because("exclude.second_tier_without_culture", drug=drug["name"])
                    ],
                }
            )
        else:
            candidates.append(drug_id)
    because = [reasons.because("treatment.systemic_antibiotic")]
    if susceptible:
        because.append(reasons.because("treatment.antibiotic_by_culture"))
    else:
        because.append(reasons.because("treatment.antibiotic_empiric"))
    choices: list[DrugChoice] = [
        {
            "drug": drug_id,
            "dose": calculate_dose(facts.knowledge, drug_id, "skin_infection", facts.weight_kg),
            "because": [
                reasons.because("option.antibiotic", drug=facts.knowledge.drugs[drug_id]["name"])
            ],
        }
        for drug_id in candidates
    ]
    duration = reasons.because("duration.deep_infection")["text"]
    if not choices:
        plan.add(
            "systemic_antibiotic",
            "recommended",
            3,
            [*because, reasons.because("treatment.antibiotic_none_suitable")],
            options=[],
            excluded=excluded,
            duration=duration,
        )
        return
    first = choices[0]
    plan.add(
        "systemic_antibiotic",
        "recommended",
        3,
        because,
        drug=first["drug"],
        dose=first["dose"],
        options=choices[1:],
        excluded=excluded,
        duration=duration,
    )


def _itch_control(plan: _Plan, facts: Facts, picture: Picture, reasons: Reasons) -> None:
    limit = facts.knowledge.value
    excluded: list[Excluded] = []
    choices: list[DrugChoice] = []
    infected = picture.findings & {"bacterial_infection", "demodicosis"}
    for drug_id in ITCH_CONTROL:
        name = facts.knowledge.drugs[drug_id]["name"]
        why_not: list[Because] = []
        if drug_id == "oclacitinib" and facts.age_years < limit("oclacitinib_min_age_years"):
            why_not.append(reasons.because("exclude.oclacitinib_age", age=facts.age_years))
        if drug_id == "oclacitinib" and infected:
            why_not.append(reasons.because("exclude.oclacitinib_infection"))
        if drug_id == "lokivetmab" and facts.weight_kg < limit("lokivetmab_min_weight_kg"):
            why_not.append(reasons.because("exclude.lokivetmab_weight", weight=facts.weight_kg))
        if why_not:
            excluded.append({"drug": drug_id, "because": why_not})
            continue
        choices.append(
            {
                "drug": drug_id,
                "dose": calculate_dose(facts.knowledge, drug_id, "pruritus", facts.weight_kg),
                "because": [reasons.because(f"option.{drug_id}", drug=name)],
            }
        )
    because = [reasons.because("treatment.nonsteroidal_itch_control")]
    first = choices[0]
    plan.add(
        "nonsteroidal_itch_control",
        "recommended",
        7,
        because,
        drug=first["drug"],
        dose=first["dose"],
        options=choices[1:],
        excluded=excluded,
    )


def describe_dose(dose: Dose) -> str:
    """One line a vet can read aloud: mg/kg, mg, product units and interval."""
    text = f"{number(dose['mg_per_kg'])} mg/kg = {number(dose['mg'])} mg"
    product = dose["product"]
    if product is not None:
        units = number(product["units"])
        text += f" ({units} x {number(product['strength_mg'])} mg {product['form']})"
    interval = dose["interval_hours"]
    text += (
        f" every {number(interval)} h" if interval < 48 else f" every {number(interval / 24)} days"
    )
    return text + f" {dose['route']}"
