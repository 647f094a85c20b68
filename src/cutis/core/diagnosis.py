"""Suspicion, form and ranked causes, each with the reasons for and against."""

from __future__ import annotations

from cutis.core.explain import number

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as True

if TYPE_CHECKING:
    from cutis.core.explain import Reasons
    from cutis.core.facts import Facts
    from cutis.core.formats import Because, Cause, Form, Medication, Suspicion

LIKELIHOOD_ORDER = ("likely", "possible", "unlikely", "ruled_out")
CALCIUM_CONTEXT_FINDINGS = ("azotemia", "hyperphosphatemia", "ca_p_product_high")


class Picture:
    """The clinical picture the cause rules share: findings, exposures, cortisol excess."""

    def __init__(self, facts: Facts, finding_ids: set[str]) -> None:
        self.facts = facts
        self.findings = finding_ids
        self.glucocorticoids_now = facts.current_glucocorticoids()
        self.glucocorticoids_recent = facts.recent_glucocorticoids()
        self.hac_signs = sorted(
            s for s in facts.signs if facts.knowledge.signs[s]["hac_compatible"]
        )
        self.hac_incompatible_signs = sorted(
            s for s in facts.signs if facts.knowledge.signs[s]["hac_incompatible"]
        )
        ionised_measured = facts.value("calcium_ionized") is not None
        # ionised calcium outranks total calcium: total misses a third of ionised hypercalcaemia
        # and over-calls it in kidney disease
        if ionised_measured:
            self.hypercalcaemia = "hypercalcemia_ionized" in finding_ids
        else:
            self.hypercalcaemia = "hypercalcemia_total" in finding_ids
        self.ionised_overrules_total = (
            ionised_measured and "hypercalcemia_total" in finding_ids and not self.hypercalcaemia
        )
        self.kidney = "chronic_kidney_disease" in facts.conditions or "azotemia" in finding_ids

    @property
    def cortisol_excess_from_drugs(self) -> bool:
        return bool(self.glucocorticoids_now or self.glucocorticoids_recent)


def suspicion(facts: Facts, picture: Picture, reasons: Reasons) -> Suspicion:
    biopsy = facts.result("skin_biopsy")
    if biopsy == "mineralization_confirmed":
        return {"level": "confirmed", "because": [reasons.because("suspicion.biopsy_confirmed")]}
    if biopsy == "no_mineralization":
        return {"level": "low", "because": [reasons.because("suspicion.biopsy_negative")]}
    if not facts.lesions:
        return {"level": "low", "because": [reasons.because("suspicion.no_lesions")]}
    because: list[Because] = []
    if facts.firm_gritty:
        because.append(reasons.because("suspicion.firm_gritty"))
    mineral_signs = sorted(facts.features & {"white_yellow_crust", "chalky_discharge"})
    if mineral_signs:
        because.append(
            reasons.because(
                "suspicion.mineral_features",
                features=", ".join(f.replace("_", " ") for f in mineral_signs),
            )
        )
    if facts.result("skin_cytology") == "amorphous_mineral":
        because.append(reasons.because("suspicion.cytology_mineral"))
    context: list[Because] = []
    if picture.cortisol_excess_from_drugs or picture.hac_signs:
        context.append(reasons.because("suspicion.cortisol_context"))
    if picture.kidney or picture.hypercalcaemia or facts.exposures:
        context.append(reasons.because("suspicion.mineral_context"))
    site_typical = bool(facts.universalis_regions or facts.circumscripta_regions)
    lesion_evidence = len(because)
    if lesion_evidence and (context or (site_typical and lesion_evidence >= 2)):
        level = "high"
    elif lesion_evidence or context:
        level = "moderate"
    else:
        level = "low"
        because.append(reasons.because("suspicion.nonspecific_lesions"))
    return {"level": level, "because": because + context}


def form(facts: Facts, picture: Picture, reasons: Reasons) -> Form:
    """Circumscripta (one lesion, a pressure or injured site, a young dog) or universalis."""
    if not facts.lesions:
        return {"id": "undetermined", "because": [reasons.because("form.no_lesions")]}
    for_circumscripta: list[tuple[int, Because]] = []
    for_universalis: list[tuple[int, Because]] = []
    young = facts.knowledge.value("circumscripta_typical_age_below_years")
    if facts.lesion_count == 1:
        for_circumscripta.append((2, reasons.because("form.single_lesion")))
    if facts.circumscripta_regions:
        for_circumscripta.append(
            (
                1,
                reasons.because(
                    "form.pressure_site",
                    regions=facts.region_labels(facts.circumscripta_regions),
                    owner_regions=facts.owner_region_labels(facts.circumscripta_regions),
                ),
            )
        )
    injured = sorted(set(facts.lesion_regions) & facts.trauma_regions)
    if injured:
        for_circumscripta.append(
            (
                2,
                reasons.because(
                    "form.trauma_site",
                    regions=facts.region_labels(injured),
                    owner_regions=facts.owner_region_labels(injured),
                ),
            )
        )
    if facts.age_years < young:
        for_circumscripta.append(
            (1, reasons.because("form.young_dog", age=facts.age_years, limit=young))
        )
    if any(lesion["morphology"] == "nodule" for lesion in facts.lesions):
        for_circumscripta.append((1, reasons.because("form.nodule")))
    if len(facts.lesion_regions) >= 2:
        for_universalis.append(
            (
                2,
                reasons.because(
                    "form.several_regions",
                    count=len(facts.lesion_regions),
                    regions=facts.region_labels(facts.lesion_regions),
                    owner_regions=facts.owner_region_labels(facts.lesion_regions),
                ),
            )
        )
    if facts.universalis_regions:
        weight = 3 if len(facts.universalis_regions) >= 2 else 2
        for_universalis.append(
            (
                weight,
                reasons.because(
                    "form.typical_distribution",
                    regions=facts.region_labels(facts.universalis_regions),
                    owner_regions=facts.owner_region_labels(facts.universalis_regions),
                ),
            )
        )
    if facts.lesion_count >= 3:
        for_universalis.append((1, reasons.because("form.many_lesions", count=facts.lesion_count)))
    if picture.cortisol_excess_from_drugs or (picture.hac_signs and not picture.kidney):
        for_universalis.append((2, reasons.because("form.cortisol_excess")))
    if picture.kidney or picture.hypercalcaemia:
        for_universalis.append((1, reasons.because("form.metabolic_context")))
    circumscripta_score = sum(weight for weight, _ in for_circumscripta)
    universalis_score = sum(weight for weight, _ in for_universalis)
    # a margin of two points: one weak clue on either side must not decide the form
    if circumscripta_score >= universalis_score + 2:
        return {"id": "circumscripta", "because": [b for _, b in for_circumscripta]}
    if universalis_score >= circumscripta_score + 2:
        return {"id": "universalis", "because": [b for _, b in for_universalis]}
    return {
        "id": "undetermined",
        "because": [reasons.because("form.mixed_picture")]
        + [b for _, b in for_circumscripta + for_universalis],
    }


class _Cause:
    def __init__(self, cause_id: str) -> None:
        self.id = cause_id
        self.likelihood = "possible"
        self.strength = 0
        self.because: list[Because] = []

    def add(self, strength: int, reason: Because) -> None:
        self.strength += strength
        self.because.append(reason)


def causes(facts: Facts, picture: Picture, form_id: str, reasons: Reasons) -> list[Cause]:
    """Causes with any evidence, most likely first."""
    found = [
        cause
        for cause in (
            _iatrogenic(facts, picture, reasons),
            _hyperadrenocorticism(facts, picture, form_id, reasons),
            _kidney(facts, picture, reasons),
            _malignancy(facts, picture, reasons),
            _vitamin_d(facts, picture, reasons),
            _hyperparathyroidism(facts, picture, reasons),
            _percutaneous_calcium(facts, reasons),
            _systemic_illness(facts, reasons),
            *_circumscripta_causes(facts, form_id, reasons),
        )
        if cause is not None
    ]
    found.sort(key=lambda c: (LIKELIHOOD_ORDER.index(c.likelihood), -c.strength))
    return [{"id": c.id, "likelihood": c.likelihood, "because": c.because} for c in found]


def _describe(facts: Facts, medication: Medication) -> dict[str, object]:
    dose = medication["dose_mg"]
    interval = medication["interval_hours"]
    regimen = ""
    if dose is not None:
        regimen = f" {number(dose)} mg"
        if interval is not None:
            regimen += f" every {number(interval)} h"
    return {
        "drug": medication["drug"],
        "regimen": regimen,
        "since": medication["start"].isoformat(),
        "days": facts.days_on(medication),
    }


def _iatrogenic(facts: Facts, picture: Picture, reasons: Reasons) -> _Cause | None:
    cause = _Cause("iatrogenic_glucocorticoid")
    for medication in picture.glucocorticoids_now:
        cause.add(3, reasons.because("cause.iatrogenic.current", **_describe(facts, medication)))
    for medication in picture.glucocorticoids_recent:
        end = medication["end"]
        assert end is not None
        cause.add(
            2,
            reasons.because(
                "cause.iatrogenic.recent",
                drug=medication["drug"],
                ended=end.isoformat(),
                days=(facts.as_of - end).days,
            ),
        )
    topical = [
        m
        for m in facts.current
        if "glucocorticoid" in facts.classes_of(m) and m["route"] in ("otic", "ophthalmic")
    ]
    if cause.strength == 0 and topical:
        cause.add(1, reasons.because("cause.iatrogenic.topical", drug=topical[0]["drug"]))
        cause.likelihood = "possible"
    elif cause.strength == 0:
        if not facts.lesions or picture.kidney:
            return None
        cause.add(0, reasons.because("cause.iatrogenic.none_given"))
        cause.likelihood = "unlikely"
        return cause
    else:
        cause.likelihood = "likely"
    if "acth_stim_suppressed" in picture.findings and not facts.on_drug("trilostane"):
        cause.add(2, reasons.because("cause.iatrogenic.acth_suppressed"))
        cause.likelihood = "likely"
    if picture.findings & {"acth_stim_exaggerated", "ldds_consistent_with_hac"}:
        cause.add(-2, reasons.because("cause.iatrogenic.adrenal_tests_high"))
        cause.likelihood = "possible"
    return cause


def _labels(facts: Facts, sign_ids: list[str], register: str) -> str:
    return ", ".join(facts.knowledge.signs[sign][register] for sign in sign_ids)


def _hyperadrenocorticism(
    facts: Facts, picture: Picture, form_id: str, reasons: Reasons
) -> _Cause | None:
    cause = _Cause("hyperadrenocorticism")
    findings = picture.findings
    strong_for = strong_against = 0
    if "hyperadrenocorticism" in facts.conditions:
        strong_for += 1
        cause.add(4, reasons.because("cause.hac.diagnosed"))
    if "acth_stim_exaggerated" in findings:
        strong_for += 1
        cause.add(4, reasons.because("cause.hac.acth_exaggerated"))
    if "ldds_consistent_with_hac" in findings:
        strong_for += 1
        cause.add(4, reasons.because("cause.hac.ldds_positive"))
    if "adrenal_bilateral_enlargement" in findings or "adrenal_mass" in findings:
        cause.add(2, reasons.because("cause.hac.adrenal_imaging"))
    if picture.hac_signs:
        cause.add(
            2,
            reasons.because(
                "cause.hac.signs",
                signs=_labels(facts, picture.hac_signs, "label"),
                owner_signs=_labels(facts, picture.hac_signs, "owner_label"),
            ),
        )
    if "alp_high" in findings:
        cause.add(1, reasons.because("cause.hac.alp_high"))
    if facts.age_years >= facts.knowledge.value("hac_typical_age_years"):
        cause.add(
            1,
            reasons.because(
                "cause.hac.age",
                age=facts.age_years,
                limit=facts.knowledge.value("hac_typical_age_years"),
            ),
        )
    spontaneous_pattern = form_id == "universalis" and not picture.cortisol_excess_from_drugs
    if spontaneous_pattern:
        cause.add(2, reasons.because("cause.hac.universalis_without_steroids"))
    if "acth_stim_suppressed" in findings and not facts.on_drug("trilostane"):
        strong_against += 1
        cause.add(-4, reasons.because("cause.hac.acth_suppressed"))
    if "ldds_normal" in findings:
        strong_against += 1
        cause.add(-4, reasons.because("cause.hac.ldds_normal"))
    if "uccr_normal" in findings:
        strong_against += 1
        cause.add(-4, reasons.because("cause.hac.uccr_normal"))
    if "acth_stim_normal" in findings:
        cause.add(0, reasons.because("cause.hac.acth_normal_not_exclusion"))
    if picture.hac_incompatible_signs:
        cause.add(
            -1,
            reasons.because(
                "cause.hac.incompatible_signs",
                signs=_labels(facts, picture.hac_incompatible_signs, "label"),
                owner_signs=_labels(facts, picture.hac_incompatible_signs, "owner_label"),
            ),
        )
    if picture.cortisol_excess_from_drugs and picture.hac_signs and not strong_for:
        cause.add(0, reasons.because("cause.hac.steroid_confounds"))
    if not cause.because:
        return None
    other_metabolic_cause = picture.kidney or picture.hypercalcaemia
    if strong_for and not strong_against:
        cause.likelihood = "likely"
    elif strong_against and not strong_for:
        cause.likelihood = "unlikely"
    elif strong_for:
        cause.likelihood = "possible"
    elif (
        spontaneous_pattern
        and picture.hac_signs
        and not picture.hac_incompatible_signs
        and not other_metabolic_cause
    ):
        cause.likelihood = "likely"
    elif (
        picture.hac_signs
        or spontaneous_pattern
        or "adrenal_bilateral_enlargement" in findings
        or "adrenal_mass" in findings
    ):
        cause.likelihood = "possible"
    else:
        cause.likelihood = "unlikely"
        if form_id == "circumscripta":
            cause.add(0, reasons.because("cause.hac.circumscripta_picture"))
    return cause


def _kidney(facts: Facts, picture: Picture, reasons: Reasons) -> _Cause | None:
    cause = _Cause("chronic_kidney_disease")
    findings = picture.findings
    if "chronic_kidney_disease" in facts.conditions:
        cause.add(3, reasons.because("cause.ckd.diagnosed"))
    if "azotemia" in findings:
        cause.add(3, reasons.because("cause.ckd.azotemia"))
    if "hyperphosphatemia" in findings:
        cause.add(1, reasons.because("cause.ckd.hyperphosphatemia"))
    if "ca_p_product_high" in findings:
        cause.add(2, reasons.because("cause.ckd.ca_p_product"))
    if "sdma_high" in findings:
        cause.add(1, reasons.because("cause.ckd.sdma"))
    pads = [r for r in facts.lesion_regions if r.endswith(("paw_left", "paw_right"))]
    if pads and cause.because:
        cause.add(1, reasons.because("cause.ckd.footpads"))
    if not cause.because:
        return None
    cause.likelihood = "likely" if picture.kidney else "possible"
    return cause


def _malignancy(facts: Facts, picture: Picture, reasons: Reasons) -> _Cause | None:
    cause = _Cause("hypercalcemia_of_malignancy")
    neoplasia = sorted(
        facts.conditions & {"lymphoma", "anal_sac_adenocarcinoma", "other_neoplasia"}
    )
    if picture.hypercalcaemia:
        cause.add(2, reasons.because("cause.malignancy.hypercalcaemia"))
    if neoplasia:
        cause.add(
            3,
            reasons.because(
                "cause.malignancy.known_tumour",
                conditions=", ".join(facts.knowledge.conditions[c]["label"] for c in neoplasia),
            ),
        )
    if "pthrp_elevated" in picture.findings:
        cause.add(3, reasons.because("cause.malignancy.pthrp"))
    if picture.ionised_overrules_total:
        cause.add(-1, reasons.because("cause.calcium.ionised_normal"))
    if not cause.because:
        return None
    if picture.hypercalcaemia and (neoplasia or "pthrp_elevated" in picture.findings):
        cause.likelihood = "likely"
    elif picture.hypercalcaemia or neoplasia or "pthrp_elevated" in picture.findings:
        cause.likelihood = "possible"
    else:
        cause.likelihood = "unlikely"
    return cause


def _vitamin_d(facts: Facts, picture: Picture, reasons: Reasons) -> _Cause | None:
    cause = _Cause("hypervitaminosis_d")
    exposures = sorted(
        e for e in facts.exposures if facts.knowledge.exposures[e]["cause"] == "hypervitaminosis_d"
    )
    for exposure in exposures:
        cause.add(
            4,
            reasons.because(
                "cause.vitamin_d.exposure", agent=facts.knowledge.exposures[exposure]["label"]
            ),
        )
    if "vitamin_d_elevated" in picture.findings:
        cause.add(3, reasons.because("cause.vitamin_d.level_high"))
    toxic_pattern = (
        picture.hypercalcaemia
        and "hyperphosphatemia" in picture.findings
        and "pth_suppressed" in picture.findings
    )
    if toxic_pattern:
        cause.add(2, reasons.because("cause.vitamin_d.pattern"))
    if not cause.because:
        return None
    cause.likelihood = (
        "likely" if exposures or "vitamin_d_elevated" in picture.findings else "possible"
    )
    return cause


def _hyperparathyroidism(facts: Facts, picture: Picture, reasons: Reasons) -> _Cause | None:
    cause = _Cause("primary_hyperparathyroidism")
    pth = facts.value("pth")
    not_suppressed = pth is not None and pth >= facts.knowledge.value("pth_not_suppressed_from")
    if "primary_hyperparathyroidism" in facts.conditions:
        cause.add(4, reasons.because("cause.phpt.diagnosed"))
    if picture.hypercalcaemia and not_suppressed:
        cause.add(
            3,
            reasons.because(
                "cause.phpt.pth_not_suppressed",
                value=pth,
                limit=facts.knowledge.value("pth_not_suppressed_from"),
            ),
        )
    elif picture.hypercalcaemia and pth is None:
        cause.add(1, reasons.because("cause.phpt.hypercalcaemia_unexplained"))
    if not cause.because:
        return None
    cause.likelihood = "likely" if cause.strength >= 3 else "possible"
    return cause


def _percutaneous_calcium(facts: Facts, reasons: Reasons) -> _Cause | None:
    cause = _Cause("percutaneous_calcium")
    for exposure in sorted(facts.exposures):
        if facts.knowledge.exposures[exposure]["cause"] == "percutaneous_calcium":
            cause.add(
                4,
                reasons.because(
                    "cause.percutaneous.exposure",
                    agent=facts.knowledge.exposures[exposure]["label"],
                ),
            )
    injections = sorted(
        {t["region"] for t in facts.case["history"]["skin_trauma"] if t["kind"] == "injection"}
        & set(facts.lesion_regions)
    )
    if injections:
        cause.add(
            1,
            reasons.because(
                "cause.percutaneous.injection_site",
                regions=facts.region_labels(injections),
                owner_regions=facts.owner_region_labels(injections),
            ),
        )
    if not cause.because:
        return None
    cause.likelihood = "likely" if cause.strength >= 4 else "possible"
    return cause


def _systemic_illness(facts: Facts, reasons: Reasons) -> _Cause | None:
    illnesses = sorted(facts.conditions & {"leptospirosis", "blastomycosis"})
    if not illnesses:
        return None
    cause = _Cause("systemic_illness")
    cause.add(
        3,
        reasons.because(
            "cause.systemic_illness",
            conditions=", ".join(facts.knowledge.conditions[c]["label"] for c in illnesses),
        ),
    )
    cause.likelihood = "likely"
    return cause


def _circumscripta_causes(facts: Facts, form_id: str, reasons: Reasons) -> list[_Cause]:
    if form_id != "circumscripta":
        return []
    trauma = _Cause("local_trauma")
    injured = sorted(set(facts.lesion_regions) & facts.trauma_regions)
    if injured:
        trauma.add(
            3,
            reasons.because(
                "cause.trauma.recorded",
                regions=facts.region_labels(injured),
                owner_regions=facts.owner_region_labels(injured),
            ),
        )
        trauma.likelihood = "likely"
    elif facts.circumscripta_regions:
        trauma.add(
            1,
            reasons.because(
                "cause.trauma.pressure_point",
                regions=facts.region_labels(facts.circumscripta_regions),
                owner_regions=facts.owner_region_labels(facts.circumscripta_regions),
            ),
        )
        trauma.likelihood = "possible"
    idiopathic = _Cause("idiopathic_circumscripta")
    young = facts.age_years < facts.knowledge.value("circumscripta_typical_age_below_years")
    if young and not injured:
        idiopathic.add(3, reasons.because("cause.idiopathic.young", age=facts.age_years))
        idiopathic.likelihood = "likely"
    else:
        idiopathic.add(1, reasons.because("cause.idiopathic.possible"))
        idiopathic.likelihood = "possible"
    return [c for c in (trauma, idiopathic) if c.because]
