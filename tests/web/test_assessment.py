"""The assessment page: critical alerts first, every conclusion with its reasons and sources."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from cutis import ENGINE_VERSION
from cutis.clinic.models import Clinic, Dog, MonitoringItem, PlanItem, SavedAssessment
from cutis.clinic.services.cases import knowledge
from tests.web.browser import chromium, new_page, screenshot_path, sign_in
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def dog_without_visit(clinic_a: Clinic) -> Dog:
    return Dog.objects.create(
        clinic=clinic_a, name="Pip", sex="male", birth_date=datetime.date(2021, 3, 1)
    )


def test_the_critical_taper_alert_is_a_banner_above_the_cards(vet_a: User, dog_a: Dog) -> None:
    response = client_for(vet_a).get(f"/dogs/{dog_a.pk}/assessment/")
    page = response.content.decode()
    assert response.status_code == 200
    banner = page.index('role="alert"')
    assert "On prednisolone for" in page[banner:]
    assert "taper, never stop abruptly" in page[banner : page.index('id="card-suspicion"')]
    assert banner < page.index('id="card-suspicion"') < page.index('id="card-treatments"')


def test_each_conclusion_says_why_with_numbered_citations_and_links(
    vet_a: User, dog_a: Dog
) -> None:
    page = client_for(vet_a).get(f"/dogs/{dog_a.pk}/assessment/").content.decode()
    gould = knowledge().sources["gould2025"]
    assert '<details class="why">' in page
    assert "Lesions are firm and gritty on palpation" in page
    assert f'<a href="{gould["url"]}" rel="noopener noreferrer">' in page
    assert "Gould A (DACVD). Calcinosis cutis in dogs." in page
    assert "<sup>[" in page


def test_each_citation_mark_links_to_its_entry_in_the_one_sources_list(
    vet_a: User, dog_a: Dog
) -> None:
    page = client_for(vet_a).get(f"/dogs/{dog_a.pk}/assessment/").content.decode()
    sources = page[page.index('id="sources"') :]
    marks = set(re.findall(r'<a href="#source-(\d+)"', page[: page.index('id="sources"')]))
    listed = re.findall(r'<li id="source-(\d+)"', sources)
    assert marks
    assert marks == set(listed)
    assert len(listed) == len(set(listed))  # each source listed once, however often it is cited
    assert page.count('class="citations"') == 1


def test_doses_show_mg_per_kg_mg_product_units_and_interval(vet_a: User, dog_a: Dog) -> None:
    page = client_for(vet_a).get(f"/dogs/{dog_a.pk}/assessment/").content.decode()
    assert "prednisolone: 0.4 mg/kg = 5 mg (1 x 5 mg tablet) every 24 h oral" in page


def test_the_page_shows_the_engine_and_knowledge_versions(vet_a: User, dog_a: Dog) -> None:
    page = client_for(vet_a).get(f"/dogs/{dog_a.pk}/assessment/").content.decode()
    assert f"engine {ENGINE_VERSION} · knowledge {knowledge().version}" in page


def test_an_incomplete_record_lists_its_problems_with_a_link_to_fix_them(
    vet_a: User, dog_without_visit: Dog
) -> None:
    response = client_for(vet_a).get(f"/dogs/{dog_without_visit.pk}/assessment/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "The record is not complete enough to assess" in page
    assert "patient.weight_kg: is required" in page
    assert f'href="/dogs/{dog_without_visit.pk}/visits/new/">Record a visit' in page


def test_saving_stores_the_case_the_assessment_and_both_versions(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    response = client.post(f"/dogs/{dog_a.pk}/assessment/save/")
    saved = SavedAssessment.objects.get(dog=dog_a)
    assert response.status_code == 302
    assert (saved.engine_version, saved.knowledge_version) == (
        ENGINE_VERSION,
        knowledge().version,
    )
    assert saved.created_by == vet_a
    assert saved.case["patient"]["weight_kg"] == 12.4
    assert saved.assessment["alerts"][0]["id"] == "glucocorticoid_taper_required"
    page = client.get(response["Location"]).content.decode()
    assert "Saved this assessment (engine" in page
    assert f"/dogs/{dog_a.pk}/assessments/{saved.pk}/" in page


def test_saving_an_incomplete_record_stores_nothing(vet_a: User, dog_without_visit: Dog) -> None:
    client = client_for(vet_a)
    response = client.post(f"/dogs/{dog_without_visit.pk}/assessment/save/", follow=True)
    assert response.status_code == 200
    assert "Not saved: the record is incomplete. patient.weight_kg: is required" in (
        response.content.decode()
    )
    assert not SavedAssessment.objects.exists()


def test_a_saved_assessment_replays_as_it_was_saved_after_the_record_changes(
    vet_a: User, dog_a: Dog
) -> None:
    client = client_for(vet_a)
    client.post(f"/dogs/{dog_a.pk}/assessment/save/")
    saved = SavedAssessment.objects.get()
    dog_a.medications.update(end=datetime.date(2025, 7, 1))
    now = client.get(f"/dogs/{dog_a.pk}/assessment/").content.decode()
    then = client.get(f"/dogs/{dog_a.pk}/assessments/{saved.pk}/").content.decode()
    assert "On prednisolone for" not in now
    assert "On prednisolone for" in then
    assert f"Saved {saved.created.astimezone().strftime('%Y-%m-%d')}" in then


def test_the_dog_page_panel_shows_the_critical_alert(vet_a: User, dog_a: Dog) -> None:
    response = client_for(vet_a).get(f"/dogs/{dog_a.pk}/assessment/alerts/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page
    assert "taper, never stop abruptly" in page
    assert f'href="/dogs/{dog_a.pk}/assessment/"' in page


def test_the_dog_page_links_to_the_assessment_plan_and_monitoring(vet_a: User, dog_a: Dog) -> None:
    page = client_for(vet_a).get(f"/dogs/{dog_a.pk}/").content.decode()
    assert f'hx-get="/dogs/{dog_a.pk}/assessment/alerts/"' in page
    assert f'href="/dogs/{dog_a.pk}/plan/"' in page
    assert f'href="/dogs/{dog_a.pk}/monitoring/"' in page


def test_a_nurse_sees_the_assessment_without_buttons_to_change_the_plan(
    nurse_a: User, dog_a: Dog
) -> None:
    page = client_for(nurse_a).get(f"/dogs/{dog_a.pk}/assessment/").content.decode()
    assert "taper, never stop abruptly" in page
    assert "/plan/accept/" not in page
    assert "A vet adds treatments to the plan." in page


@pytest.mark.django_db(transaction=True)
def test_in_a_browser_the_dog_page_shows_the_critical_alert_and_the_why_opens(
    live_server, vet_a: User, dog_a: Dog
) -> None:
    with chromium() as browser:
        page = new_page(browser)
        sign_in(page, live_server.url)
        page.goto(f"{live_server.url}/dogs/{dog_a.pk}/")
        alert = page.locator("#dog-plan .alert.critical")
        alert.wait_for(timeout=5000)
        assert "taper, never stop abruptly" in alert.inner_text()
        page.screenshot(path=screenshot_path("dog_plan"), full_page=True)
        alert.get_by_role("link", name="Why, and what to do").click()
        page.wait_for_url(f"{live_server.url}/dogs/{dog_a.pk}/assessment/")
        why = page.locator("#card-suspicion details.why").first
        mark = why.locator("sup a").first
        assert not mark.is_visible()
        why.locator("summary").click()
        assert mark.is_visible()
        page.screenshot(path=screenshot_path("assessment"), full_page=True)
        mark.click()
        citation = page.locator("#sources li:target")
        assert citation.is_visible()
        assert "Gould A (DACVD)" in page.locator("#sources").inner_text()
        assert (mark.get_attribute("title") or "(no title)") in citation.inner_text()


# --- every URL of the assessment, plan and monitoring is scoped to the clinic ----------------------


@pytest.fixture
def records_of_dog_a(vet_a: User, dog_a: Dog) -> dict[str, int]:
    saved = SavedAssessment.objects.create(
        dog=dog_a,
        created_by=vet_a,
        engine_version=ENGINE_VERSION,
        knowledge_version=knowledge().version,
        case={},
        assessment={},
    )
    item = PlanItem.objects.create(
        dog=dog_a,
        treatment="glucocorticoid_taper",
        drug="prednisolone",
        dose_mg=Decimal(5),
        interval_hours=Decimal(24),
        start=datetime.date(2025, 7, 26),
    )
    check = MonitoringItem.objects.create(
        dog=dog_a, plan_item=item, kind="taper_recheck", due=datetime.date(2025, 8, 9)
    )
    return {"dog": dog_a.pk, "saved": saved.pk, "item": item.pk, "check": check.pk}


# (method, url): every page and action of the feature
URLS = [
    ("get", "/dogs/{dog}/assessment/"),
    ("post", "/dogs/{dog}/assessment/save/"),
    ("get", "/dogs/{dog}/assessment/alerts/"),
    ("get", "/dogs/{dog}/assessments/{saved}/"),
    ("get", "/dogs/{dog}/plan/"),
    ("post", "/dogs/{dog}/plan/accept/"),
    ("get", "/dogs/{dog}/plan/{item}/edit/"),
    ("post", "/dogs/{dog}/plan/{item}/edit/"),
    ("get", "/dogs/{dog}/plan/{item}/void/"),
    ("post", "/dogs/{dog}/plan/{item}/void/"),
    ("get", "/dogs/{dog}/plan/{item}/taper/"),
    ("post", "/dogs/{dog}/plan/{item}/taper/"),
    ("get", "/dogs/{dog}/plan/{item}/taper/print/"),
    ("get", "/dogs/{dog}/monitoring/"),
    ("post", "/dogs/{dog}/monitoring/generate/"),
    ("post", "/dogs/{dog}/monitoring/{check}/due/"),
    ("post", "/dogs/{dog}/monitoring/{check}/done/"),
]
# what a request carries when it could change something: it must still change nothing
DATA = {
    "treatment": "glucocorticoid_taper",
    "reason": "test",
    "due": "2025-09-01",
    "done_on": "2025-08-01",
    "mg_per_kg": "1",
    "weight_kg": "12",
    "start": "2025-07-26",
    "action": "save",
}


@pytest.mark.parametrize(("method", "url"), URLS, ids=[f"{m} {u}" for m, u in URLS])
def test_another_clinics_vet_gets_404_and_changes_nothing(
    vet_b: User, records_of_dog_a: dict[str, int], method: str, url: str
) -> None:
    client = client_for(vet_b)
    path = url.format(**records_of_dog_a)
    response = client.post(path, DATA) if method == "post" else client.get(path)
    assert response.status_code == 404
    assert SavedAssessment.objects.count() == 1
    item = PlanItem.objects.get()
    assert (item.voided_at, item.dose_mg, item.taper_steps) == (None, Decimal(5), [])
    check = MonitoringItem.objects.get()
    assert (check.due, check.done_on) == (datetime.date(2025, 8, 9), None)


@pytest.mark.parametrize(("method", "url"), URLS[:5], ids=[f"{m} {u}" for m, u in URLS[:5]])
def test_an_anonymous_visitor_is_sent_to_sign_in(
    client, records_of_dog_a: dict[str, int], method: str, url: str
) -> None:
    path = url.format(**records_of_dog_a)
    response = client.post(path) if method == "post" else client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
