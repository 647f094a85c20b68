"""A real browser through the whole clinic workflow: from registering a dog to its monitoring.

One vet, one dog, every page a vet passes through on the way, driven by the labels, names, roles
and ids a person or a screen reader would use. The visible text is checked at each step and the
stored record once at the end.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from cutis.clinic.models import Clinic, Dog, Lesion, MonitoringItem, Observation, PlanItem
from tests.web.browser import chromium, new_page, screenshot_path, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SIGNS = ("polydipsia", "polyphagia", "panting", "pruritus")
# region: (count of plaques, largest size in cm, features); each firm/gritty and pruritic
LESIONS = {
    "neck_dorsal": (3, "2.5", ("erythema", "dark_crust")),
    "back": (2, "1.5", ("erythema", "white_yellow_crust")),
}
TAPER_TITLE = re.compile(r"On prednisolone for \d+ days: taper, never stop abruptly")


def years_ago(today: datetime.date, years: int) -> datetime.date:
    """The same day `years` years back (28 February for a 29 February)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def findings(lesion: Lesion) -> tuple[object, ...]:
    """What was charted, in the shape of LESIONS, and whether it was plaque, firm and pruritic."""
    size = f"{lesion.size_cm:.1f}" if lesion.size_cm is not None else ""
    charted = (lesion.count, size, tuple(sorted(lesion.features)))
    return (*charted, lesion.morphology, lesion.firm_gritty, lesion.pruritic)


def shot(page: Page, number: int, step: str) -> None:
    page.screenshot(path=screenshot_path(f"workflow-{number:02d}-{step}"), full_page=True)


def chart_lesion(
    page: Page, region: str, *, count: int, size_cm: str, features: tuple[str, ...]
) -> None:
    """Click a region of the body map and chart a firm, pruritic plaque there."""
    page.locator(f"#region-{region}").click()
    panel = page.locator("#lesion-panel")
    # htmx loads the region's form into the panel beside the map
    expect(panel.locator("form.lesion-form")).to_be_visible()
    form = panel.locator("form.lesion-form")
    form.get_by_label("plaque", exact=True).check()
    form.get_by_label("Count").fill(str(count))
    form.get_by_label("Size (cm)").fill(size_cm)
    form.get_by_label("Firm or gritty on palpation").select_option("true")
    for feature in features:
        form.locator(f"input[name=features][value={feature}]").check()
    form.get_by_label("Pruritic").select_option("true")
    form.get_by_role("button", name="Chart this lesion").click()
    page.wait_for_url(re.compile(rf"/lesions/#region-{region}$"))


def test_a_vet_takes_a_dog_from_registration_to_a_monitored_plan(
    live_server, vet_a: User, clinic_a: Clinic
) -> None:
    base = live_server.url
    today = timezone.localdate()
    with chromium() as browser:
        page = new_page(browser, viewport={"width": 1280, "height": 900})
        page.set_default_timeout(10_000)

        # signing in
        sign_in(page, base)
        expect(page.locator("header.top")).to_contain_text("alice")
        expect(page.locator("header.top")).to_contain_text("Northside Vets")
        shot(page, 1, "signed-in")

        # registering the dog, with an owner
        page.get_by_role("link", name="Dogs", exact=True).click()
        page.get_by_role("link", name="Register a dog").click()
        expect(page.get_by_role("heading", name="Register a dog")).to_be_visible()
        page.get_by_label("Name", exact=True).fill("Biscuit")
        page.get_by_label("Breed").fill("French Bulldog")
        page.get_by_label("Sex").select_option("female_spayed")
        page.get_by_label("Date of birth").fill(years_ago(today, 6).isoformat())
        page.get_by_label("Owner's name").fill("Olive Owner")
        page.get_by_label("Owner's e-mail").fill("olive@example.org")
        shot(page, 2, "register-dog")
        page.get_by_role("button", name="Save").click()

        # registering leads straight to the first visit
        expect(page.get_by_role("heading", name="Visit for Biscuit")).to_be_visible()
        page.get_by_label("Visit date").fill(today.isoformat())
        page.get_by_label("Weight (kg)").fill("12.4")
        for sign in SIGNS:
            page.locator(f"input[name=signs][value={sign}]").check()
        page.locator("input[name=conditions][value=atopic_dermatitis]").check()
        shot(page, 3, "visit")
        page.get_by_role("button", name="Save").click()

        # the dog page
        expect(page.get_by_role("heading", name="Biscuit", exact=True)).to_be_visible()
        summary = page.locator("main section.card").first
        expect(summary).to_contain_text("French Bulldog · female, spayed · 6.0 years")
        expect(summary).to_contain_text("12.40 kg")
        expect(summary).to_contain_text("owners: Olive Owner")
        latest = page.locator("section.card", has=page.get_by_role("heading", name="Latest visit"))
        expect(latest).to_contain_text("Signs: polydipsia, polyphagia, panting, pruritus")
        expect(latest).to_contain_text("Conditions: atopic dermatitis")

        # the long-term prednisolone
        page.get_by_role("link", name="Add medication").click()
        expect(page.get_by_role("heading", name="Medication for Biscuit")).to_be_visible()
        page.get_by_label("Drug").fill("prednisolone")
        page.get_by_label("Dose (mg)").fill("5")
        page.get_by_label("Every (hours)").fill("24")
        page.get_by_label("Route").select_option("oral")
        page.get_by_label("Started on").fill(years_ago(today, 3).isoformat())
        page.get_by_label("Given for").fill("atopic dermatitis")
        page.get_by_role("button", name="Save").click()
        medications = page.locator(
            "section.card", has=page.get_by_role("heading", name="Medications")
        )
        expect(medications).to_contain_text("prednisolone")
        expect(medications).to_contain_text("5 mg every 24 h oral")
        shot(page, 4, "dog-page")

        # charting on the body map of the visit, region by region
        page.locator("#dog-lesions").get_by_role("link", name="Body map", exact=True).click()
        expect(
            page.get_by_role("heading", name=re.compile(r"^Body map of Biscuit"))
        ).to_be_visible()
        for region, (count, size_cm, features) in LESIONS.items():
            chart_lesion(page, region, count=count, size_cm=size_cm, features=features)
            expect(page.get_by_role("status")).to_contain_text("Charted")
        legend = page.locator(".bodymap-legend")
        expect(legend.locator("dt")).to_have_count(2)
        expect(page.locator("#region-neck_dorsal")).to_have_class(re.compile(r"\bcharted\b"))
        expect(page.locator("#region-back")).to_have_class(re.compile(r"\bcharted\b"))
        expect(page.locator("#region-neck_dorsal .count text")).to_have_text("3")
        expect(page.locator("#region-back .count text")).to_have_text("2")
        shot(page, 5, "body-map")

        # a total calcium in mmol/L, converted for the list
        page.get_by_role("link", name="← Biscuit").click()
        page.locator("#dog-labs").get_by_role("link", name="Add a lab value").click()
        expect(page.get_by_role("heading", name="Lab value for Biscuit")).to_be_visible()
        page.get_by_label("Test").select_option("calcium_total")
        # htmx swaps in the unit picker narrowed to the units this test accepts
        expect(page.locator("#id_unit option")).to_have_count(2)
        page.get_by_label("Unit").select_option("mmol/L")
        page.get_by_label("Value").fill("2.6")
        shot(page, 6, "lab-value")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", name="Lab results for Biscuit")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("entered as 2.6 mmol/L")
        row = page.locator("table.lab-results tbody tr", has_text="total calcium")
        expect(row).to_have_count(1)
        cells = row.locator("td")
        expect(cells.nth(2)).to_have_text(re.compile(r"^10\.4\d* mg/dL$"))
        expect(cells.nth(3)).to_have_text("2.6 mmol/L")
        shot(page, 7, "lab-list")

        # the assessment: the critical taper alert comes first, with its reasons
        page.get_by_role("link", name="← Biscuit").click()
        page.locator("#dog-plan").get_by_role("link", name="Assessment", exact=True).click()
        expect(page.get_by_role("heading", name="Assessment: Biscuit")).to_be_visible()
        banner = page.locator("section.alert.critical")
        expect(banner).to_have_count(1)
        expect(banner.get_by_role("heading", level=2)).to_contain_text("Critical")
        expect(banner.locator(".critical-alert strong")).to_have_text(TAPER_TITLE)
        # above every card: first in the document and drawn higher on the page
        assert banner.evaluate(
            "(el) => [...document.querySelectorAll('.grid > section.card')]"
            ".every((card) => el.compareDocumentPosition(card)"
            " & Node.DOCUMENT_POSITION_FOLLOWING)"
        )
        banner_box = banner.bounding_box()
        first_card = page.locator("#card-suspicion").bounding_box()
        assert banner_box is not None and first_card is not None
        assert banner_box["y"] + banner_box["height"] <= first_card["y"]
        why = banner.locator("details.why").first
        mark = why.locator("ul li sup a").first
        expect(mark).to_be_hidden()
        why.locator("summary", has_text="Why").click()
        expect(why).to_have_attribute("open", "")
        expect(mark).to_be_visible()
        expect(why.locator("ul li sup").first).to_have_text(re.compile(r"^\[\d+(, \d+)*\]$"))
        shot(page, 8, "assessment")
        # each mark leads to its citation in the one sources list at the foot of the page
        mark.click()
        citation = page.locator("#sources li:target")
        expect(citation).to_be_visible()
        expect(citation).to_have_text(re.compile(r"\w{3,}"))
        expect(citation).to_contain_text(mark.get_attribute("title") or "(no title)")

        # accepting the taper into the plan, then the itch control
        taper = page.locator("#treatments-glucocorticoid_taper")
        taper.get_by_role("button", name="Add glucocorticoid taper to the plan").click()
        expect(
            page.get_by_role("heading", name="Glucocorticoid taper: prednisolone")
        ).to_be_visible()
        expect(page.get_by_role("status").first).to_contain_text(
            "Added glucocorticoid taper to the plan"
        )
        shot(page, 9, "taper")
        page.get_by_role("link", name="← Treatment plan of Biscuit").click()
        page.get_by_role("link", name="Assessment", exact=True).click()
        itch = page.locator("#treatments-nonsteroidal_itch_control")
        itch.get_by_role("button", name="Add nonsteroidal itch control to the plan").click()
        expect(page.get_by_role("heading", name="Treatment plan: Biscuit")).to_be_visible()
        expect(page.get_by_role("status").first).to_contain_text(
            "Added nonsteroidal itch control to the plan"
        )
        plan_rows = page.locator("main table tbody tr")
        expect(plan_rows).to_have_count(2)
        expect(plan_rows.filter(has_text="glucocorticoid_taper")).to_contain_text("prednisolone")
        expect(plan_rows.filter(has_text="nonsteroidal_itch_control")).to_have_count(1)
        shot(page, 10, "plan")

        # the monitoring schedule generated from the plan
        page.get_by_role("link", name="Monitoring", exact=True).click()
        expect(page.get_by_role("heading", name="Monitoring: Biscuit")).to_be_visible()
        expect(page.get_by_text("Nothing scheduled.")).to_be_visible()
        page.get_by_role("button", name="Generate the schedule from the plan").click()
        expect(page.get_by_role("status")).to_contain_text(
            re.compile(r"Scheduled \d+ new checks from the plan")
        )
        recheck = page.locator("main table tbody tr", has_text="Taper step check").first
        expect(recheck).to_contain_text("for prednisolone")
        due_cell = recheck.locator("td").nth(1)
        expect(due_cell).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2}$"))
        due_shown = datetime.date.fromisoformat(due_cell.inner_text().strip())
        assert due_shown > today
        expect(recheck.locator(".badge")).to_have_text("upcoming")
        shot(page, 11, "monitoring")

    # what the browser stored
    dog = Dog.objects.get(name="Biscuit")
    assert dog.clinic == clinic_a
    assert (dog.breed, dog.sex) == ("French Bulldog", "female_spayed")
    assert dog.birth_date == years_ago(today, 6)
    assert [(o.name, o.email) for o in dog.owners.all()] == [("Olive Owner", "olive@example.org")]
    visit = dog.visits.get()
    assert visit.weight_kg == Decimal("12.4")
    assert visit.date == today
    assert sorted(visit.signs) == sorted(SIGNS)
    assert visit.conditions == ["atopic_dermatitis"]
    medication = dog.medications.get()
    assert (medication.drug, medication.route) == ("prednisolone", "oral")
    assert medication.start == years_ago(today, 3)
    assert medication.dose_mg == 5
    assert medication.interval_hours == 24
    lesions = {lesion.region: lesion for lesion in visit.lesions.filter(voided_at__isnull=True)}
    assert set(lesions) == set(LESIONS)
    for region, (count, size_cm, features) in LESIONS.items():
        expected = (count, size_cm, tuple(sorted(features)), "plaque", True, True)
        assert findings(lesions[region]) == expected
    calcium = Observation.objects.get(dog=dog, code="calcium_total")
    assert calcium.unit == "mg/dL"
    assert calcium.value == pytest.approx(2.6 * 4.008)
    assert (calcium.entered_value, calcium.entered_unit) == (2.6, "mmol/L")
    items = {item.treatment: item for item in PlanItem.objects.filter(dog=dog)}
    assert set(items) == {"glucocorticoid_taper", "nonsteroidal_itch_control"}
    taper_item, itch_item = items["glucocorticoid_taper"], items["nonsteroidal_itch_control"]
    assert (taper_item.drug, taper_item.start) == ("prednisolone", today)
    assert taper_item.dose_mg == 5
    assert itch_item.drug  # the engine's first choice, as the select offered it
    assert all(item.voided_at is None for item in items.values())
    assert taper_item.from_assessment is not None
    alert_ids = [alert["id"] for alert in taper_item.from_assessment.assessment["alerts"]]
    assert "glucocorticoid_taper_required" in alert_ids
    rechecks = MonitoringItem.objects.filter(dog=dog, kind="taper_recheck")
    assert rechecks.exists()
    assert all(item.plan_item == taper_item for item in rechecks)
    assert due_shown in {item.due for item in rechecks}
