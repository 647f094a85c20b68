"""Clinical rules as data tables: one row per case, a one-line reason in the clinician's words."""

from __future__ import annotations

from typing import Any

import pytest

from cutis import Knowledge
from tests.conftest import make_case, run

PLAQUE_BACK = {"region": "back", "morphology": "plaque", "count": 2, "size_cm": 2.0,
               "firm_gritty": True, "features": ["erythema"]}
NECK = {"region": "neck_dorsal", "morphology": "plaque", "count": 3, "firm_gritty": True,
        "features": ["white_yellow_crust"], "pruritic": True}
FOOTPAD_NODULE = {"region": "hindpaw_left", "morphology": "nodule", "count": 1,
                  "firm_gritty": True, "features": ["chalky_discharge"]}
PREDNISOLONE = {"drug": "prednisolone", "dose_mg": 10, "interval_hours": 24, "route": "oral",
                "start": "2024-01-01", "end": None, "reason": "atopic dermatitis"}


def obs(code: str, value: float, unit: str = "", date: str = "2025-07-24") -> dict[str, Any]:
    return {"code": code, "value": value, "unit": unit, "date": date}


def result(code: str, value: str, **detail: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"code": code, "result": value, "date": "2025-07-24"}
    if detail:
        entry["detail"] = detail
    return entry


def finding_ids(assessment: dict[str, Any]) -> set[str]:
    return {finding["id"] for finding in assessment["findings"]}


# (observations, findings expected, findings absent) -- what each lab result means
FINDINGS = [
    # total calcium above 11.5 mg/dL is hypercalcaemia
    ([obs("calcium_total", 12.1, "mg/dL")], {"hypercalcemia_total"}, set()),
    # the same value in mmol/L converts before comparison (3.02 mmol/L = 12.1 mg/dL)
    ([obs("calcium_total", 3.02, "mmol/L")], {"hypercalcemia_total"}, set()),
    # 11.5 itself is the upper reference limit, not above it
    ([obs("calcium_total", 11.5, "mg/dL")], set(), {"hypercalcemia_total"}),
    # calcium typed in mmol/L but labelled mg/dL is implausible and ignored
    ([obs("calcium_total", 2.95, "mg/dL")], {"unit_implausible"}, {"hypercalcemia_total"}),
    # ionised calcium in mg/dL converts to mmol/L
    ([obs("calcium_ionized", 6.4, "mg/dL")], {"hypercalcemia_ionized"}, set()),
    # Ca x P product above 60 mg2/dL2
    ([obs("calcium_total", 11, "mg/dL"), obs("phosphorus", 6, "mg/dL")],
     {"ca_p_product_high", "hyperphosphatemia"}, set()),
    # product 10 x 5 = 50 is below the threshold
    ([obs("calcium_total", 10, "mg/dL"), obs("phosphorus", 5, "mg/dL")], set(),
     {"ca_p_product_high", "hyperphosphatemia"}),
    # IRIS 2019 creatinine bands, in umol/L too
    ([obs("creatinine", 2.0, "mg/dL")], {"azotemia", "iris_stage_2"}, set()),
    ([obs("creatinine", 2.9, "mg/dL")], {"iris_stage_3"}, {"iris_stage_2"}),
    ([obs("creatinine", 500, "umol/L")], {"iris_stage_4"}, set()),
    # SDMA above 35 moves creatinine stage 2 to stage 3
    ([obs("creatinine", 2.0, "mg/dL"), obs("sdma", 40, "ug/dL")],
     {"iris_stage_3", "sdma_high"}, {"iris_stage_2"}),
    # a later normal creatinine replaces an earlier high one: the latest value counts
    ([obs("creatinine", 3.5, "mg/dL", "2025-05-01"), obs("creatinine", 1.0, "mg/dL")],
     set(), {"azotemia"}),
    # ALP above the laboratory interval
    ([obs("alp", 900, "U/L")], {"alp_high"}, set()),
    # post-ACTH cortisol bands (ug/dL and nmol/L)
    ([obs("acth_stim_post", 28, "ug/dL")], {"acth_stim_exaggerated"}, set()),
    ([obs("acth_stim_post", 19, "ug/dL")], {"acth_stim_equivocal"}, set()),
    ([obs("acth_stim_post", 300, "nmol/L")], {"acth_stim_normal"}, set()),
    ([obs("acth_stim_post", 2.0, "ug/dL")], {"acth_stim_suppressed"}, set()),
    # LDDS: 8-h above 1.4 with 4-h suppression suggests pituitary disease
    ([obs("ldds_basal", 6, "ug/dL"), obs("ldds_4h", 1.0, "ug/dL"), obs("ldds_8h", 3.0, "ug/dL")],
     {"ldds_consistent_with_hac", "ldds_suggests_pdh"}, set()),
    ([obs("ldds_8h", 0.6, "ug/dL")], {"ldds_normal"}, {"ldds_consistent_with_hac"}),
    ([obs("ldds_8h", 1.2, "ug/dL")], {"ldds_equivocal"}, set()),
    ([obs("uccr", 3.0, "x10^-6")], {"uccr_normal"}, set()),
    ([obs("pth", 0.5, "pmol/L")], {"pth_suppressed"}, set()),
    ([obs("pthrp", 2.5, "pmol/L")], {"pthrp_elevated"}, set()),
    ([obs("vitamin_d_25oh", 400, "nmol/L")], {"vitamin_d_elevated"}, set()),
    ([result("skin_cytology", "cocci")], {"bacterial_infection"}, set()),
    ([result("bacterial_culture", "growth", organism="S. pseudintermedius",
             methicillin_resistant=True)], {"bacterial_infection", "methicillin_resistance"},
     set()),
    ([result("skin_scraping", "demodex_found")], {"demodicosis"}, set()),
    ([result("abdominal_ultrasound", "unilateral_adrenal_mass")], {"adrenal_mass"}, set()),
]


@pytest.mark.parametrize(("observations", "present", "absent"), FINDINGS)
def test_lab_results_give_findings(knowledge: Knowledge, observations: list[dict[str, Any]],
                                   present: set[str], absent: set[str]) -> None:
    assessment = run(make_case(lesions=[PLAQUE_BACK], observations=observations), knowledge)
    ids = finding_ids(assessment)
    assert present <= ids, f"missing {present - ids}"
    assert not absent & ids, f"unexpected {absent & ids}"


# (case changes, expected form) -- circumscripta vs universalis
FORMS = [
    # one chalky nodule on a footpad of a young dog
    ({"lesions": [FOOTPAD_NODULE], "patient": {"age_years": 1}}, "circumscripta"),
    # one nodule on the elbow after an injury, even in an older dog
    ({"lesions": [{**FOOTPAD_NODULE, "region": "elbow_left"}], "patient": {"age_years": 8},
      "history": {"skin_trauma": [{"region": "elbow_left", "kind": "injury"}]}}, "circumscripta"),
    # plaques on neck and back in a dog on prednisolone
    ({"lesions": [NECK, PLAQUE_BACK], "history": {"medications": [PREDNISOLONE]}}, "universalis"),
    # no lesions recorded
    ({"lesions": []}, "undetermined"),
]


@pytest.mark.parametrize(("changes", "expected"), FORMS)
def test_form_follows_count_distribution_site_and_age(knowledge: Knowledge,
                                                      changes: dict[str, Any],
                                                      expected: str) -> None:
    assert run(make_case(**changes), knowledge)["form"]["id"] == expected


def likelihood(assessment: dict[str, Any], cause: str) -> str | None:
    return next((c["likelihood"] for c in assessment["causes"] if c["id"] == cause), None)


# (case changes, cause, expected likelihood) -- exclusion logic
CAUSES = [
    # a suppressed ACTH response argues against spontaneous Cushing's ...
    ({"lesions": [NECK], "history": {"signs": ["polyuria", "polydipsia"]},
      "observations": [obs("acth_stim_post", 2.0, "ug/dL")]}, "hyperadrenocorticism", "unlikely"),
    # ... and for a given glucocorticoid
    ({"lesions": [NECK], "history": {"medications": [PREDNISOLONE]},
      "observations": [obs("acth_stim_post", 2.0, "ug/dL")]}, "iatrogenic_glucocorticoid",
     "likely"),
    # a normal ACTH response does not rule Cushing's out
    ({"lesions": [NECK, PLAQUE_BACK], "history": {"signs": ["polyuria", "polyphagia"]},
      "observations": [obs("acth_stim_post", 12, "ug/dL")]}, "hyperadrenocorticism", "likely"),
    # a normal UCCR makes it unlikely
    ({"lesions": [NECK], "history": {"signs": ["polyuria"]},
      "observations": [obs("uccr", 2.0, "x10^-6")]}, "hyperadrenocorticism", "unlikely"),
    # ionised calcium outranks total calcium: high total with normal ionised is not hypercalcaemia
    ({"lesions": [NECK], "observations": [obs("calcium_total", 12.5, "mg/dL"),
                                          obs("calcium_ionized", 1.3, "mmol/L")]},
     "hypercalcemia_of_malignancy", "unlikely"),
    # ionised hypercalcaemia with a high PTHrP points to malignancy
    ({"lesions": [NECK], "observations": [obs("calcium_ionized", 1.8, "mmol/L"),
                                          obs("pthrp", 3.0, "pmol/L")]},
     "hypercalcemia_of_malignancy", "likely"),
    # hypercalcaemia with PTH not suppressed points to the parathyroid
    ({"lesions": [NECK], "observations": [obs("calcium_ionized", 1.8, "mmol/L"),
                                          obs("pth", 8.0, "pmol/L")]},
     "primary_hyperparathyroidism", "likely"),
    # rodenticide exposure
    ({"lesions": [NECK], "history": {"exposures": [{"agent": "cholecalciferol_rodenticide"}]}},
     "hypervitaminosis_d", "likely"),
    # calcium chloride contact
    ({"lesions": [NECK], "history": {"exposures": [{"agent": "calcium_chloride_contact"}]}},
     "percutaneous_calcium", "likely"),
    # a glucocorticoid stopped two months ago still counts
    ({"lesions": [NECK], "history": {"medications": [{**PREDNISOLONE, "end": "2025-05-26"}]}},
     "iatrogenic_glucocorticoid", "likely"),
    # stopped a year ago it does not
    ({"lesions": [NECK], "history": {"medications": [{**PREDNISOLONE, "end": "2024-06-01"}]}},
     "iatrogenic_glucocorticoid", "unlikely"),
    # an unknown drug declared as a glucocorticoid is reasoned about as one
    ({"lesions": [NECK], "history": {"medications": [{"drug": "Depo-Medrol", "class":
                                                      "glucocorticoid", "start": "2025-01-01"}]}},
     "iatrogenic_glucocorticoid", "likely"),
]


@pytest.mark.parametrize(("changes", "cause", "expected"), CAUSES)
def test_causes_are_weighed_with_exclusions(knowledge: Knowledge, changes: dict[str, Any],
                                            cause: str, expected: str) -> None:
    assert likelihood(run(make_case(**changes), knowledge), cause) == expected


def test_a_completed_test_is_not_recommended_again(knowledge: Knowledge) -> None:
    case = make_case(lesions=[NECK], observations=[result("skin_biopsy", "no_mineralization"),
                                                    result("skin_cytology", "no_bacteria")])
    tests = {d["id"]: d["status"] for d in run(case, knowledge)["diagnostics"]}
    assert tests["skin_biopsy"] == "completed"
    assert tests["skin_cytology"] == "completed"


def test_cortisol_testing_on_prednisolone_carries_the_withholding_advice(
        knowledge: Knowledge) -> None:
    case = make_case(lesions=[NECK, PLAQUE_BACK], history={
        "medications": [PREDNISOLONE], "signs": ["polyuria", "polydipsia", "pot_belly"]})
    assessment = run(case, knowledge)
    acth = next(d for d in assessment["diagnostics"] if d["id"] == "acth_stimulation")
    timing = " ".join(t["text"] for t in acth["timing"])
    assert "24 h before cortisol" in timing
    assert "adrenal_testing_on_glucocorticoids" in {a["id"] for a in assessment["alerts"]}


def test_biopsy_waits_for_infection_treatment(knowledge: Knowledge) -> None:
    case = make_case(lesions=[NECK], observations=[result("skin_cytology", "cocci")])
    assessment = run(case, knowledge)
    biopsy = next(d for d in assessment["diagnostics"] if d["id"] == "skin_biopsy")
    assert any(t["rule"] == "diagnostic.timing.biopsy_after_infection" for t in biopsy["timing"])


def treatment(assessment: dict[str, Any], treatment_id: str) -> dict[str, Any]:
    return next(t for t in assessment["treatments"] if t["id"] == treatment_id)


def test_culture_resistance_excludes_a_drug_with_its_reason(knowledge: Knowledge) -> None:
    culture = result("bacterial_culture", "growth", organism="S. pseudintermedius",
                     susceptible=["cephalexin", "doxycycline"], resistant=["clindamycin"])
    assessment = run(make_case(lesions=[NECK], observations=[culture]), knowledge)
    antibiotic = treatment(assessment, "systemic_antibiotic")
    assert antibiotic["drug"] == "cephalexin"
    excluded = {e["drug"]: e["because"][0]["rule"] for e in antibiotic["excluded"]}
    assert excluded["clindamycin"] == "exclude.culture_resistant"
    assert "doxycycline" in {o["drug"] for o in antibiotic["options"]}


def test_methicillin_resistance_excludes_every_cephalosporin(knowledge: Knowledge) -> None:
    culture = result("bacterial_culture", "growth", organism="MRSP",
                     susceptible=["cefpodoxime", "doxycycline"], methicillin_resistant=True)
    antibiotic = treatment(run(make_case(lesions=[NECK], observations=[culture]), knowledge),
                           "systemic_antibiotic")
    assert antibiotic["drug"] == "doxycycline"
    reasons = {e["drug"]: e["because"][0]["rule"] for e in antibiotic["excluded"]}
    assert reasons["cefpodoxime"] == "exclude.methicillin_resistant"


def test_oclacitinib_is_excluded_for_a_puppy_with_infection(knowledge: Knowledge) -> None:
    case = make_case(lesions=[NECK], patient={"age_years": 0.8},
                     observations=[result("skin_cytology", "cocci")])
    itch = treatment(run(case, knowledge), "nonsteroidal_itch_control")
    excluded = {e["drug"]: {b["rule"] for b in e["because"]} for e in itch["excluded"]}
    assert excluded["oclacitinib"] == {"exclude.oclacitinib_age", "exclude.oclacitinib_infection"}


def test_trilostane_is_contraindicated_with_kidney_disease(knowledge: Knowledge) -> None:
    case = make_case(lesions=[NECK], history={"conditions": ["hyperadrenocorticism",
                                                            "chronic_kidney_disease"]})
    assessment = run(case, knowledge)
    assert treatment(assessment, "trilostane")["status"] == "contraindicated"
    alerts = {a["id"]: a["severity"] for a in assessment["alerts"]}
    assert alerts["trilostane_contraindication"] == "warning"


def test_a_taper_never_tells_the_owner_to_stop_abruptly(knowledge: Knowledge) -> None:
    assessment = run(make_case(lesions=[NECK], history={"medications": [PREDNISOLONE]}), knowledge)
    alert = next(a for a in assessment["alerts"] if a["id"] == "glucocorticoid_taper_required")
    assert alert["severity"] == "critical"
    assert "never stop abruptly" in alert["message"]
    schedule = treatment(assessment, "glucocorticoid_taper")["schedule"]
    assert [step["mg"] for step in schedule] == [10.0, 7.5, 5.0, 3.75, 2.5, 1.25, 0.0]
    assert [step["from_day"] for step in schedule][:3] == [0, 14, 28]


def test_vitamin_d_exposure_raises_an_emergency(knowledge: Knowledge) -> None:
    case = make_case(history={"exposures": [{"agent": "cholecalciferol_rodenticide",
                                             "date": "2025-07-25"}]})
    assessment = run(case, knowledge)
    assert assessment["alerts"][0]["id"] == "vitamin_d_exposure_emergency"
    assert treatment(assessment, "vitamin_d_decontamination")["status"] == "recommended"


def test_an_overdose_of_a_current_drug_is_flagged(knowledge: Knowledge) -> None:
    overdose = {"drug": "oclacitinib", "dose_mg": 32, "interval_hours": 12, "route": "oral",
                "start": "2025-07-01"}
    assessment = run(make_case(history={"medications": [overdose]}), knowledge)
    alert = next(a for a in assessment["alerts"] if a["id"] == "dose_out_of_range")
    assert "oclacitinib" in alert["message"]


def test_trilostane_over_suppression_on_monitoring_is_critical(knowledge: Knowledge) -> None:
    trilostane = {"drug": "trilostane", "dose_mg": 30, "interval_hours": 12, "route": "oral",
                  "start": "2025-07-10"}
    case = make_case(history={"medications": [trilostane], "conditions": ["hyperadrenocorticism"]},
                     observations=[obs("acth_stim_post", 1.0, "ug/dL")])
    alerts = {a["id"]: a["severity"] for a in run(case, knowledge)["alerts"]}
    assert alerts["trilostane_oversuppression"] == "critical"


def test_monitoring_follows_trilostane(knowledge: Knowledge) -> None:
    case = make_case(lesions=[NECK], history={"conditions": ["hyperadrenocorticism"]})
    monitoring = {m["id"]: m for m in run(case, knowledge)["monitoring"]}
    acth = monitoring["acth_stim_monitoring"]
    assert (acth["first_in_days"], acth["then_at_days"], acth["every_days"]) == (10, [30, 90], 90)


def test_a_fractional_interval_is_kept_as_given(knowledge: Knowledge) -> None:
    prednisolone = {**PREDNISOLONE, "interval_hours": 36.5}
    taper = treatment(run(make_case(lesions=[NECK], history={"medications": [prednisolone]}),
                          knowledge), "glucocorticoid_taper")
    assert taper["dose"]["interval_hours"] == 36.5
