"""What each laboratory result means, as findings with the threshold that produced them."""

from __future__ import annotations

import operator

from cutis.core.explain import number

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as True

if TYPE_CHECKING:
    from cutis.core.explain import Reasons
    from cutis.core.facts import Facts
    from cutis.core.formats import Finding

INFECTED_CYTOLOGY = ("cocci", "rods", "mixed_bacteria")
COMPARE = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
# (finding, lab code, threshold, comparison): a result that crosses one sourced threshold
SIMPLE_FINDINGS = (
    ("hypercalcemia_total", "calcium_total", "calcium_total_high", ">"),
    ("hypercalcemia_ionized", "calcium_ionized", "calcium_ionized_high", ">"),
    ("hyperphosphatemia", "phosphorus", "phosphorus_high", ">"),
    ("alp_high", "alp", "alp_high_above", ">"),
    ("uccr_normal", "uccr", "uccr_normal_max", "<="),
    ("pth_suppressed", "pth", "pth_low_below", "<"),
    ("pth_elevated", "pth", "pth_high_above", ">"),
    ("pthrp_elevated", "pthrp", "pthrp_high_from", ">="),
    ("vitamin_d_elevated", "vitamin_d_25oh", "vitamin_d_high_above", ">"),
)


def lab_findings(facts: Facts, reasons: Reasons) -> list[Finding]:
    """Findings in a stable order: data problems, calcium and kidney, adrenal, skin results."""
    findings: list[Finding] = []
    knowledge = facts.knowledge
    limit = knowledge.value

    def add(
        finding_id: str,
        code: str | None,
        measured: float | str | None,
        rule: str,
        /,
        **values: object,
    ) -> None:
        finding: Finding = {"id": finding_id, "because": [reasons.because(rule, **values)]}
        if code is not None:
            finding["code"] = code
            finding["value"] = round(measured, 3) if isinstance(measured, float) else measured
            unit = knowledge.labs[code].get("canonical_unit", "")
            if unit and isinstance(measured, float):
                finding["unit"] = unit
        findings.append(finding)

    for observation, _canonical in facts.implausible:
        lab = knowledge.labs[observation["code"]]
        low, high = lab["plausible"]
        unit = observation["unit"] or "(no unit)"
        assert observation["value"] is not None
        finding: Finding = {
            "id": "unit_implausible",
            "code": observation["code"],
            "value": observation["value"],
            "unit": unit,
            "because": [
                reasons.because(
                    "finding.unit_implausible",
                    label=lab["label"],
                    value=number(observation["value"], 3),
                    unit=unit,
                    index=observation["index"],
                    low=number(low, 3),
                    high=number(high, 3),
                    canonical_unit=lab["canonical_unit"] or "(no unit)",
                )
            ],
        }
        findings.append(finding)

    for finding_id, code, threshold_id, compare in SIMPLE_FINDINGS:
        measured = facts.value(code)
        if measured is not None and COMPARE[compare](measured, limit(threshold_id)):
            add(
                finding_id,
                code,
                measured,
                f"finding.{finding_id}",
                value=measured,
                limit=limit(threshold_id),
            )
    calcium = facts.value("calcium_total")
    phosphorus = facts.value("phosphorus")
    if calcium is not None and phosphorus is not None:
        product = calcium * phosphorus
        if product > limit("ca_p_product_high"):
            findings.append(
                {
                    "id": "ca_p_product_high",
                    "value": round(product, 1),
                    "unit": "mg2/dL2",
                    "because": [
                        reasons.because(
                            "finding.ca_p_product_high",
                            calcium=calcium,
                            phosphorus=phosphorus,
                            product=round(product, 1),
                            limit=limit("ca_p_product_high"),
                        )
                    ],
                }
            )

    _kidney_findings(facts, add)
    _adrenal_findings(facts, add)

    if facts.result("skin_biopsy") == "mineralization_confirmed":
        add(
            "mineralization_confirmed",
            "skin_biopsy",
            "mineralization_confirmed",
            "finding.mineralization_confirmed",
        )
    cytology = facts.result("skin_cytology")
    culture = facts.results.get("bacterial_culture")
    if cytology in INFECTED_CYTOLOGY:
        add(
            "bacterial_infection",
            "skin_cytology",
            cytology,
            "finding.bacterial_infection_cytology",
            result=cytology.replace("_", " ") if cytology else "",
        )
    elif culture is not None and culture["result"] == "growth":
        add(
            "bacterial_infection",
            "bacterial_culture",
            "growth",
            "finding.bacterial_infection_culture",
            organism=str(culture["detail"].get("organism") or "bacteria"),
        )
    if culture is not None and culture["detail"].get("methicillin_resistant") is True:
        add(
            "methicillin_resistance",
            "bacterial_culture",
            "growth",
            "finding.methicillin_resistance",
        )
    if facts.result("skin_scraping") == "demodex_found":
        add("demodicosis", "skin_scraping", "demodex_found", "finding.demodicosis")
    ultrasound = facts.result("abdominal_ultrasound")
    if ultrasound == "bilateral_adrenomegaly":
        add(
            "adrenal_bilateral_enlargement",
            "abdominal_ultrasound",
            ultrasound,
            "finding.adrenal_bilateral_enlargement",
        )
    elif ultrasound == "unilateral_adrenal_mass":
        add("adrenal_mass", "abdominal_ultrasound", ultrasound, "finding.adrenal_mass")
    return findings


def _kidney_findings(facts: Facts, add: _Add) -> None:
    limit = facts.knowledge.value
    creatinine = facts.value("creatinine")
    sdma = facts.value("sdma")
    sdma_high = sdma is not None and sdma > limit("sdma_high_above")
    azotemic = creatinine is not None and creatinine >= limit("creatinine_iris2_from")
    if azotemic:
        add(
            "azotemia",
            "creatinine",
            creatinine,
            "finding.azotemia",
            value=creatinine,
            limit=limit("creatinine_iris2_from"),
        )
    if sdma_high:
        add(
            "sdma_high",
            "sdma",
            sdma,
            "finding.sdma_high",
            value=sdma,
            limit=limit("sdma_high_above"),
        )
    ckd_known = "chronic_kidney_disease" in facts.conditions
    if creatinine is None or not (azotemic or sdma_high or ckd_known):
        return
    if creatinine > limit("creatinine_iris4_above"):
        stage = 4
    elif creatinine >= limit("creatinine_iris3_from"):
        stage = 3
    elif azotemic:
        stage = 2
    else:
        stage = 1
    # IRIS: persistently high SDMA moves a dog up one stage from creatinine alone
    if sdma is not None and stage == 2 and sdma > limit("sdma_stage3_above"):
        stage = 3
    elif sdma is not None and stage == 3 and sdma > limit("sdma_stage4_above"):
        stage = 4
    add(
        f"iris_stage_{stage}",
        "creatinine",
        creatinine,
        f"finding.iris_stage_{stage}",
        value=creatinine,
        sdma="not measured" if sdma is None else number(sdma),
    )


def _adrenal_findings(facts: Facts, add: _Add) -> None:
    limit = facts.knowledge.value
    post = facts.value("acth_stim_post")
    on_treatment = facts.on_drug("trilostane") is not None or facts.on_drug("mitotane") is not None
    if post is not None:
        if post > limit("acth_post_exaggerated_above"):
            add(
                "acth_stim_exaggerated",
                "acth_stim_post",
                post,
                "finding.acth_stim_exaggerated",
                value=post,
                limit=limit("acth_post_exaggerated_above"),
            )
        elif post >= limit("acth_post_equivocal_from"):
            add(
                "acth_stim_equivocal",
                "acth_stim_post",
                post,
                "finding.acth_stim_equivocal",
                value=post,
                low=limit("acth_post_equivocal_from"),
                high=limit("acth_post_exaggerated_above"),
            )
        elif post >= limit("acth_post_suppressed_below"):
            add(
                "acth_stim_normal",
                "acth_stim_post",
                post,
                "finding.acth_stim_normal",
                value=post,
                low=limit("acth_post_suppressed_below"),
                high=limit("acth_post_equivocal_from"),
            )
        elif on_treatment:
            add(
                "acth_stim_suppressed",
                "acth_stim_post",
                post,
                "finding.acth_stim_suppressed_on_treatment",
                value=post,
                limit=limit("acth_post_suppressed_below"),
            )
        else:
            add(
                "acth_stim_suppressed",
                "acth_stim_post",
                post,
                "finding.acth_stim_suppressed",
                value=post,
                limit=limit("acth_post_suppressed_below"),
            )
    eight = facts.value("ldds_8h")
    if eight is not None:
        if eight >= limit("ldds_8h_hac_above"):
            add(
                "ldds_consistent_with_hac",
                "ldds_8h",
                eight,
                "finding.ldds_consistent_with_hac",
                value=eight,
                limit=limit("ldds_8h_hac_above"),
            )
            basal = facts.value("ldds_basal")
            four = facts.value("ldds_4h")
            fraction = limit("ldds_pdh_fraction_of_basal")
            suppressed_at_4 = four is not None and (
                four < limit("ldds_4h_pdh_below") or (basal is not None and four < basal * fraction)
            )
            suppressed_at_8 = basal is not None and eight < basal * fraction
            if suppressed_at_4 or suppressed_at_8:
                add(
                    "ldds_suggests_pdh",
                    "ldds_4h" if suppressed_at_4 else "ldds_8h",
                    four if suppressed_at_4 else eight,
                    "finding.ldds_suggests_pdh",
                    percent=int(fraction * 100),
                    limit=limit("ldds_4h_pdh_below"),
                )
        elif eight >= limit("ldds_8h_normal_below"):
            add(
                "ldds_equivocal",
                "ldds_8h",
                eight,
                "finding.ldds_equivocal",
                value=eight,
                low=limit("ldds_8h_normal_below"),
                high=limit("ldds_8h_hac_above"),
            )
        else:
            add(
                "ldds_normal",
                "ldds_8h",
                eight,
                "finding.ldds_normal",
                value=eight,
                limit=limit("ldds_8h_normal_below"),
            )


if TYPE_CHECKING:
    from typing import Protocol

    class _Add(Protocol):
        def __call__(
            self,
            finding_id: str,
            code: str | None,
            measured: float | str | None,
            rule: str,
            /,
            **values: object,
        ) -> None: ...
