"""The diagnostic plan: what to test next, in what order, and what is already done."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as True

if TYPE_CHECKING:
    from cutis.core.diagnosis import Picture
    from cutis.core.explain import Reasons
    from cutis.core.facts import Facts
    from cutis.core.formats import Because, Diagnostic

STATUS_ORDER = ("recommended", "consider", "completed", "not_indicated")
ADRENAL_CONFIRMED = ("acth_stim_exaggerated", "ldds_consistent_with_hac")


class _Plan:
    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(
        self,
        test_id: str,
        status: str,
        priority: int,
        because: list[Because],
        timing: list[Because] | None = None,
    ) -> None:
        item: Diagnostic = {
            "id": test_id,
            "status": status,
            "priority": priority,
            "because": because,
        }
        if timing:
            item["timing"] = timing
        self.items.append(item)

    def ordered(self) -> list[Diagnostic]:
        self.items.sort(key=lambda d: (STATUS_ORDER.index(d["status"]), d["priority"]))
        for rank, item in enumerate(self.items, start=1):
            if item["status"] in ("recommended", "consider"):
                item["priority"] = rank
        return self.items


def diagnostics(
    facts: Facts,
    picture: Picture,
    form_id: str,
    likelihoods: dict[str, str],
    reasons: Reasons,
) -> list[Diagnostic]:
    plan = _Plan()
    limit = facts.knowledge.value
    infected = "bacterial_infection" in picture.findings
    on_steroids = bool(picture.glucocorticoids_now)
    cross_reacting = [
        m["drug"]
        for m in picture.glucocorticoids_now
        if facts.knowledge.drugs.get(m["drug"], {}).get("cortisol_cross_reacting")
    ]
    washout = limit("adrenal_testing_washout_days")
    within_washout = on_steroids or any(
        m["end"] is not None and (facts.as_of - m["end"]).days <= washout
        for m in picture.glucocorticoids_recent
    )

    # --- the skin --------------------------------------------------------------------------------
    if facts.lesions:
        biopsy_timing: list[Because] = []
        if infected:
            biopsy_timing.append(reasons.because("diagnostic.timing.biopsy_after_infection"))
        if on_steroids:
            depot = any(m["route"] == "depot_injection" for m in picture.glucocorticoids_now)
            biopsy_timing.append(
                reasons.because(
                    "diagnostic.timing.biopsy_steroid_gap",
                    days=int(
                        limit(
                            "biopsy_depot_stop_days"
                            if depot
                            else "biopsy_antiinflammatory_stop_days"
                        )
                    ),
                )
            )
        if facts.has_result("skin_biopsy") or facts.result("skin_biopsy") == "pending":
            plan.add(
                "skin_biopsy",
                "completed",
                1,
                [reasons.because("diagnostic.completed", test="skin biopsy")],
            )
        elif form_id == "circumscripta":
            plan.add(
                "skin_biopsy",
                "consider",
                2,
                [reasons.because("diagnostic.biopsy.excisional")],
                biopsy_timing,
            )
        else:
            plan.add(
                "skin_biopsy",
                "recommended",
                1,
                [reasons.because("diagnostic.biopsy.confirms")],
                biopsy_timing,
            )
        if form_id == "circumscripta":
            if facts.result("skin_cytology") == "amorphous_mineral":
                plan.add(
                    "fine_needle_aspirate",
                    "completed",
                    1,
                    [reasons.because("diagnostic.completed", test="aspirate cytology")],
                )
            else:
                plan.add(
                    "fine_needle_aspirate",
                    "recommended",
                    1,
                    [reasons.because("diagnostic.fna.circumscripta")],
                )
        if facts.result("skin_cytology") is not None:
            plan.add(
                "skin_cytology",
                "completed",
                2,
                [reasons.because("diagnostic.completed", test="skin cytology")],
            )
        else:
            plan.add(
                "skin_cytology",
                "recommended",
                2,
                [reasons.because("diagnostic.cytology.infection")],
            )
        deep_signs = facts.features & {"draining_tract", "ulceration"}
        if facts.result("bacterial_culture") is not None:
            plan.add(
                "bacterial_culture",
                "completed",
                3,
                [reasons.because("diagnostic.completed", test="bacterial culture")],
            )
        elif infected or deep_signs:
            plan.add(
                "bacterial_culture",
                "recommended",
                3,
                [reasons.because("diagnostic.culture.deep_infection")],
            )
        elif form_id != "circumscripta":
            plan.add(
                "bacterial_culture",
                "consider",
                6,
                [reasons.because("diagnostic.culture.if_bacteria")],
            )
        if form_id != "circumscripta" and (on_steroids or picture.hac_signs):
            if facts.result("skin_scraping") is not None:
                plan.add(
                    "skin_scraping",
                    "completed",
                    5,
                    [reasons.because("diagnostic.completed", test="skin scraping")],
                )
            else:
                plan.add(
                    "skin_scraping", "consider", 7, [reasons.because("diagnostic.scraping.demodex")]
                )

    # --- calcium, phosphorus and kidneys -----------------------------------------------------------
    chemistry_done = all(
        facts.value(code) is not None for code in ("calcium_total", "phosphorus", "creatinine")
    )
    if chemistry_done:
        plan.add(
            "chemistry_panel",
            "completed",
            4,
            [reasons.because("diagnostic.completed", test="chemistry panel")],
        )
    elif facts.lesions:
        status = "consider" if form_id == "circumscripta" else "recommended"
        plan.add("chemistry_panel", status, 4, [reasons.because("diagnostic.chemistry.calcium")])
    ionised_needed = (
        picture.findings & {"hypercalcemia_total", "hyperphosphatemia"} or picture.kidney
    )
    if facts.value("calcium_ionized") is not None:
        plan.add(
            "ionized_calcium",
            "completed",
            4,
            [reasons.because("diagnostic.completed", test="ionised calcium")],
        )
    elif ionised_needed:
        plan.add(
            "ionized_calcium",
            "recommended",
            3,
            [reasons.because("diagnostic.ionized_calcium.total_unreliable")],
        )
    urine_done = facts.value("usg") is not None or facts.value("upc") is not None
    if urine_done:
        plan.add(
            "urinalysis",
            "completed",
            5,
            [reasons.because("diagnostic.completed", test="urinalysis")],
        )
    elif facts.lesions and form_id != "circumscripta":
        plan.add("urinalysis", "recommended", 5, [reasons.because("diagnostic.urinalysis")])

    # --- adrenal axis ----------------------------------------------------------------------------------
    hac = likelihoods.get("hyperadrenocorticism")
    iatrogenic = likelihoods.get("iatrogenic_glucocorticoid")
    adrenal_confirmed = bool(picture.findings & set(ADRENAL_CONFIRMED))
    cortisol_timing: list[Because] = []
    if cross_reacting:
        cortisol_timing.append(
            reasons.because(
                "diagnostic.timing.withhold_cortisol_drugs",
                drugs=", ".join(cross_reacting),
                hours=int(limit("cortisol_withhold_hours")),
            )
        )
    if facts.value("acth_stim_post") is not None:
        plan.add(
            "acth_stimulation",
            "completed",
            3,
            [reasons.because("diagnostic.completed", test="ACTH stimulation test")],
        )
    ldds_done = facts.value("ldds_8h") is not None
    if ldds_done:
        plan.add(
            "ldds_test",
            "completed",
            3,
            [reasons.because("diagnostic.completed", test="low-dose dexamethasone test")],
        )
    if (
        hac in ("likely", "possible")
        and not adrenal_confirmed
        and facts.on_drug("trilostane") is None
    ):
        if within_washout:
            if facts.value("acth_stim_post") is None:
                plan.add(
                    "acth_stimulation",
                    "consider",
                    6,
                    [reasons.because("diagnostic.acth.on_steroids")],
                    [
                        *cortisol_timing,
                        reasons.because("diagnostic.timing.adrenal_washout", days=int(washout)),
                    ],
                )
        else:
            # another illness explaining the signs lowers the tests' specificity: test only if
            # the signs outlast its treatment
            other_illness = picture.kidney or picture.hypercalcaemia
            if not ldds_done:
                ldds_reasons = [reasons.because("diagnostic.ldds.screen")]
                if other_illness:
                    ldds_reasons.append(reasons.because("diagnostic.adrenal.other_illness"))
                plan.add(
                    "ldds_test",
                    "consider" if other_illness else "recommended",
                    3,
                    ldds_reasons,
                    cortisol_timing or None,
                )
            if facts.value("acth_stim_post") is None:
                plan.add(
                    "acth_stimulation",
                    "recommended" if ldds_done else "consider",
                    4,
                    [reasons.because("diagnostic.acth.screen")],
                    cortisol_timing or None,
                )
            if (
                hac == "possible"
                and not other_illness
                and facts.value("uccr") is None
                and not ldds_done
            ):
                plan.add("uccr", "consider", 8, [reasons.because("diagnostic.uccr.rule_out")])
    elif iatrogenic == "likely" and facts.value("acth_stim_post") is None and on_steroids:
        plan.add(
            "acth_stimulation",
            "consider",
            8,
            [reasons.because("diagnostic.acth.iatrogenic_suppression")],
            cortisol_timing or None,
        )
    if facts.result("abdominal_ultrasound") is not None:
        plan.add(
            "abdominal_ultrasound",
            "completed",
            4,
            [reasons.because("diagnostic.completed", test="abdominal ultrasound")],
        )
    elif adrenal_confirmed or "hyperadrenocorticism" in facts.conditions:
        plan.add(
            "abdominal_ultrasound",
            "recommended",
            4,
            [reasons.because("diagnostic.ultrasound.pdh_or_adrenal")],
        )
    elif hac in ("likely", "possible") and not within_washout:
        plan.add(
            "abdominal_ultrasound",
            "consider",
            5,
            [reasons.because("diagnostic.ultrasound.before_endocrine")],
        )

    # --- hypercalcaemia ---------------------------------------------------------------------------------
    if picture.hypercalcaemia:
        if facts.value("pth") is None or facts.value("pthrp") is None:
            plan.add(
                "pth_pthrp_panel",
                "recommended",
                2,
                [reasons.because("diagnostic.pth_pthrp.hypercalcaemia")],
            )
        else:
            plan.add(
                "pth_pthrp_panel",
                "completed",
                2,
                [reasons.because("diagnostic.completed", test="PTH and PTHrP")],
            )
        plan.add(
            "malignancy_screen", "recommended", 2, [reasons.because("diagnostic.malignancy_screen")]
        )
    vitamin_d_exposed = any(
        facts.knowledge.exposures[e]["cause"] == "hypervitaminosis_d" for e in facts.exposures
    )
    if (picture.hypercalcaemia and "hyperphosphatemia" in picture.findings) or vitamin_d_exposed:
        if facts.value("vitamin_d_25oh") is None:
            plan.add("vitamin_d_25oh", "recommended", 2, [reasons.because("diagnostic.vitamin_d")])
        else:
            plan.add(
                "vitamin_d_25oh",
                "completed",
                2,
                [reasons.because("diagnostic.completed", test="25-hydroxyvitamin D")],
            )
    return plan.ordered()
