"""Alerts: few, tiered, each with the rule that raised it; the rest lives in the plan itself."""

from __future__ import annotations

from cutis.core.explain import number

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as True

if TYPE_CHECKING:
    from cutis.core.diagnosis import Picture
    from cutis.core.explain import Reasons
    from cutis.core.facts import Facts
    from cutis.core.formats import Alert, Because, Diagnostic, Severity, Treatment

SEVERITY_ORDER = ("critical", "warning", "info")
ACTIVE = ("recommended", "consider", "caution")
CORTISOL_TESTS = ("acth_stimulation", "ldds_test", "uccr")


def alerts(
    facts: Facts,
    picture: Picture,
    diagnostics: list[Diagnostic],
    treatments: list[Treatment],
    reasons: Reasons,
) -> list[Alert]:
    raised: list[Alert] = []
    limit = facts.knowledge.value

    def raise_(alert_id: str, severity: Severity, *because: Because) -> None:
        raised.append(
            {
                "id": alert_id,
                "severity": severity,
                "message": because[0]["text"],
                "owner_message": because[0]["owner_text"],
                "because": list(because),
            }
        )

    plan = {t["id"]: t for t in treatments}
    tests = {d["id"]: d["status"] for d in diagnostics}
    active = {t_id for t_id, t in plan.items() if t["status"] in ACTIVE}

    for medication in picture.glucocorticoids_now:
        raise_(
            "glucocorticoid_taper_required",
            "critical",
            reasons.because(
                "alert.glucocorticoid_taper_required",
                drug=medication["drug"],
                days=facts.days_on(medication),
            ),
        )
        break
    for exposure in sorted(facts.exposures):
        if facts.knowledge.exposures[exposure]["cause"] == "hypervitaminosis_d":
            raise_(
                "vitamin_d_exposure_emergency",
                "critical",
                reasons.because(
                    "alert.vitamin_d_exposure_emergency",
                    agent=facts.knowledge.exposures[exposure]["label"],
                ),
            )
            break
    if "hypercalcemia_emergency_care" in plan:
        raise_("hypercalcemia_urgent", "critical", reasons.because("alert.hypercalcemia_urgent"))
    post = facts.value("acth_stim_post")
    if (
        facts.on_drug("trilostane")
        and post is not None
        and post < limit("trilostane_post_acth_low")
    ):
        raise_(
            "trilostane_oversuppression",
            "critical",
            reasons.because(
                "alert.trilostane_oversuppression",
                value=post,
                limit=limit("trilostane_post_acth_low"),
            ),
        )
    trilostane = plan.get("trilostane")
    if trilostane is not None and trilostane["status"] == "contraindicated":
        severity: Severity = "critical" if facts.on_drug("trilostane") else "warning"
        raise_(
            "trilostane_contraindication",
            severity,
            reasons.because("alert.trilostane_contraindication"),
            *trilostane["because"][1:],
        )
    if facts.implausible:
        entries = ", ".join(
            f"{o['code']} {number(o['value'] or 0, 3)} {o['unit'] or '(no unit)'}"
            for o, _ in facts.implausible
        )
        raise_(
            "unit_implausible",
            "warning",
            reasons.because("alert.unit_implausible", entries=entries),
        )
    mobilising = active & {"topical_dmso", "minocycline", "doxycycline"}
    if mobilising and (picture.kidney or picture.hypercalcaemia):
        raise_(
            "calcium_mobilisation_renal_risk",
            "warning",
            reasons.because("alert.calcium_mobilisation_renal_risk"),
        )
    cross_reacting = [
        m["drug"]
        for m in picture.glucocorticoids_now
        if facts.knowledge.drugs.get(m["drug"], {}).get("cortisol_cross_reacting")
    ]
    cortisol_tests = {t for t in CORTISOL_TESTS if tests.get(t) in ("recommended", "consider")}
    if cortisol_tests and (picture.glucocorticoids_now or picture.glucocorticoids_recent):
        raise_(
            "adrenal_testing_on_glucocorticoids",
            "warning",
            reasons.because(
                "alert.adrenal_testing_on_glucocorticoids",
                days=int(limit("adrenal_testing_washout_days")),
            ),
        )
    elif cross_reacting and any(tests.get(t) == "recommended" for t in cortisol_tests):
        raise_(
            "cortisol_assay_interference",
            "warning",
            reasons.because(
                "alert.cortisol_assay_interference",
                drugs=", ".join(cross_reacting),
                hours=int(limit("cortisol_withhold_hours")),
            ),
        )
    oclacitinib = facts.on_drug("oclacitinib")
    if oclacitinib and picture.findings & {"bacterial_infection", "demodicosis"}:
        raise_(
            "oclacitinib_with_infection",
            "warning",
            reasons.because("alert.oclacitinib_with_infection"),
        )
    if oclacitinib and facts.age_years < limit("oclacitinib_min_age_years"):
        raise_(
            "oclacitinib_age",
            "warning",
            reasons.because("alert.oclacitinib_age", age=facts.age_years),
        )
    _dose_alerts(facts, raise_, reasons)
    tetracycline = active & {"minocycline", "doxycycline"} or any(
        facts.on_drug(d) for d in ("minocycline", "doxycycline")
    )
    if tetracycline and facts.age_years < limit("tetracycline_young_below_years"):
        raise_("tetracycline_young_dog", "info", reasons.because("alert.tetracycline_young_dog"))
    if "topical_dmso" in active:
        raise_("dmso_area_limit", "info", reasons.because("alert.dmso_area_limit"))
    if tests.get("skin_biopsy") == "recommended" and "bacterial_infection" in picture.findings:
        raise_("biopsy_timing", "info", reasons.because("alert.biopsy_timing"))
    cause_fixed = active & {"glucocorticoid_taper", "trilostane", "kidney_disease_management"}
    if cause_fixed and facts.lesions:
        raise_("new_lesions_expected", "info", reasons.because("alert.new_lesions_expected"))
    raised.sort(key=lambda a: SEVERITY_ORDER.index(a["severity"]))
    return raised


def _dose_alerts(facts: Facts, raise_: object, reasons: Reasons) -> None:
    """Flag a current dose above the top of a sourced range that is marked as a ceiling."""
    assert callable(raise_)
    for medication in facts.current:
        drug = facts.knowledge.drugs.get(medication["drug"])
        dose_mg = medication["dose_mg"]
        if drug is None or dose_mg is None:
            continue
        interval = medication["interval_hours"] or 24
        for spec in drug["doses"]:
            if not spec["ceiling"]:
                continue
            per_kg = dose_mg / facts.weight_kg
            if spec["per_day"]:
                per_kg *= 24 / interval
            elif interval not in spec["interval_hours"]:
                continue
            high = spec["mg_per_kg"][1]
            if per_kg > high * 1.000001:
                raise_(
                    "dose_out_of_range",
                    "warning",
                    reasons.because(
                        "alert.dose_out_of_range",
                        drug=drug["name"],
                        value=round(per_kg, 2),
                        high=high,
                        per="mg/kg/day" if spec["per_day"] else "mg/kg per dose",
                    ),
                )
                return
