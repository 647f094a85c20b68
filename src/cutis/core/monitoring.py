"""Monitoring that follows from the plan: each item says when, and why."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as True

if TYPE_CHECKING:
    from cutis.core.explain import Reasons
    from cutis.core.facts import Facts
    from cutis.core.formats import Monitoring, Treatment

ACTIVE = ("recommended", "consider", "caution")
CALCIUM_MOBILISING = ("topical_dmso", "minocycline", "doxycycline")


def monitoring(facts: Facts, treatments: list[Treatment], reasons: Reasons) -> list[Monitoring]:
    limit = facts.knowledge.value
    active = {t["id"]: t for t in treatments if t["status"] in ACTIVE}
    items: list[Monitoring] = []
    if "trilostane" in active or facts.on_drug("trilostane") is not None:
        items.append(
            {
                "id": "acth_stim_monitoring",
                "first_in_days": int(limit("trilostane_acth_first_days")),
                "then_at_days": [
                    int(limit("trilostane_acth_second_days")),
                    int(limit("trilostane_acth_third_days")),
                ],
                "every_days": int(limit("trilostane_acth_every_days")),
                "because": [reasons.because("monitoring.acth_stim_trilostane")],
            }
        )
    if facts.on_drug("mitotane") is not None:
        items.append(
            {
                "id": "mitotane_acth_stim",
                "first_in_days": int(limit("mitotane_acth_first_days")),
                "every_days": None,
                "because": [reasons.because("monitoring.mitotane_acth_stim")],
            }
        )
    if any(treatment_id in active for treatment_id in CALCIUM_MOBILISING):
        # no source gives an interval for these rechecks: the vet sets it
        items.append(
            {
                "id": "renal_calcium_panel",
                "first_in_days": None,
                "every_days": None,
                "because": [reasons.because("monitoring.renal_calcium_panel")],
            }
        )
    if "systemic_antibiotic" in active:
        items.append(
            {
                "id": "infection_recheck",
                "first_in_days": int(limit("deep_infection_recheck_days")),
                "every_days": None,
                "because": [reasons.because("monitoring.infection_recheck_deep")],
            }
        )
    elif "antimicrobial_bathing" in active:
        items.append(
            {
                "id": "infection_recheck",
                "first_in_days": int(limit("surface_infection_recheck_days")),
                "every_days": None,
                "because": [reasons.because("monitoring.infection_recheck_topical")],
            }
        )
    if "glucocorticoid_taper" in active:
        protocol = facts.knowledge.protocols["glucocorticoid_taper"]
        items.append(
            {
                "id": "taper_recheck",
                "first_in_days": int(protocol["step_interval_days"]),
                "every_days": int(protocol["step_interval_days"]),
                "because": [reasons.because("monitoring.taper_recheck")],
            }
        )
    if facts.lesions:
        first_visits = [i["first_in_days"] for i in items if i["first_in_days"] is not None]
        items.append(
            {
                "id": "lesion_recheck",
                "first_in_days": min(first_visits) if first_visits else None,
                "every_days": None,
                "because": [reasons.because("monitoring.lesion_recheck")],
            }
        )
    return items
