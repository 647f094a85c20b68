"""Lab results: entered in any accepted unit, stored canonically, flagged, voided with a reason."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from cutis.clinic.models import Dog, Observation
from cutis.clinic.services.cases import assess_dog
from tests.web.browser import chromium, new_page, screenshot_path, sign_in
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db


def post_value(user: User, dog: Dog, **fields: str):
    data = {"code": "calcium_total", "value": "3.2", "unit": "mmol/L", "date": "2025-07-20"}
    return client_for(user).post(f"/dogs/{dog.pk}/labs/values/new/", {**data, **fields})


def test_calcium_entered_in_mmol_per_litre_is_stored_in_mg_per_decilitre_and_flagged_high(
    vet_a: User, dog_a: Dog
) -> None:
    response = post_value(vet_a, dog_a)
    observation = dog_a.observations.get()
    assert response.status_code == 302
    assert observation.value == pytest.approx(12.8256)
    assert observation.unit == "mg/dL"
    assert (observation.entered_value, observation.entered_unit) == (3.2, "mmol/L")
    assert observation.recorded_by == vet_a
    page = client_for(vet_a).get(response["Location"]).content.decode()
    assert "12.83 mg/dL" in page
    assert "3.2 mmol/L" in page
    assert '<span class="badge flag-high">high</span>' in page
    assert "9–11.5 mg/dL" in page
    assert "Feldman EC, Nelson RW" in page


def test_a_unit_not_accepted_for_the_test_is_refused_naming_the_field_and_keeping_the_input(
    vet_a: User, dog_a: Dog
) -> None:
    response = post_value(vet_a, dog_a, unit="umol/L", value="2.61")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Unit: umol/L is not accepted for total calcium (use mg/dL, mmol/L)" in page
    assert 'value="2.61"' in page
    assert '<option value="umol/L" selected>' in page
    assert not dog_a.observations.exists()


def test_an_implausible_value_is_refused_with_a_hint_about_its_unit(
    vet_a: User, dog_a: Dog
) -> None:
    response = post_value(vet_a, dog_a, value="2.95", unit="mg/dL")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Value: 2.95 mg/dL is not a plausible total calcium; was it entered in mmol/L?" in page
    assert not dog_a.observations.exists()


def test_the_unit_picker_offers_only_the_units_of_the_chosen_test(vet_a: User, dog_a: Dog) -> None:
    response = client_for(vet_a).get(
        f"/dogs/{dog_a.pk}/labs/options/", {"code": "creatinine", "field": "unit"}
    )
    picker = response.content.decode()
    assert response.status_code == 200
    assert picker.startswith('<select name="unit"')
    assert '<option value="mg/dL">mg/dL</option>' in picker
    assert '<option value="umol/L">umol/L</option>' in picker
    assert "mmol/L" not in picker


def test_the_result_picker_offers_only_the_results_of_the_chosen_test(
    vet_a: User, dog_a: Dog
) -> None:
    response = client_for(vet_a).get(
        f"/dogs/{dog_a.pk}/labs/options/", {"code": "skin_scraping", "field": "result"}
    )
    picker = response.content.decode()
    assert '<option value="demodex_found">demodex found</option>' in picker
    assert "cocci" not in picker


def test_a_culture_with_susceptibility_is_stored_with_its_detail(vet_a: User, dog_a: Dog) -> None:
    response = client_for(vet_a).post(
        f"/dogs/{dog_a.pk}/labs/tests/new/",
        {
            "code": "bacterial_culture",
            "result": "growth",
            "date": "2025-07-22",
            "organism": "Staphylococcus pseudintermedius",
            "susceptible": ["doxycycline", "clindamycin"],
            "resistant": ["cephalexin"],
            "methicillin_resistant": "on",
        },
    )
    observation = dog_a.observations.get()
    assert response.status_code == 302
    assert observation.result == "growth"
    assert observation.detail == {
        "organism": "Staphylococcus pseudintermedius",
        "susceptible": ["doxycycline", "clindamycin"],
        "resistant": ["cephalexin"],
        "methicillin_resistant": True,
    }
    page = client_for(vet_a).get(response["Location"]).content.decode()
    assert "growth: Staphylococcus pseudintermedius; susceptible to doxycycline" in page
    assert "resistant to cefalexin; methicillin-resistant" in page


def test_a_drug_both_susceptible_and_resistant_is_refused(vet_a: User, dog_a: Dog) -> None:
    response = client_for(vet_a).post(
        f"/dogs/{dog_a.pk}/labs/tests/new/",
        {
            "code": "bacterial_culture",
            "result": "growth",
            "date": "2025-07-22",
            "organism": "E. coli",
            "susceptible": ["cephalexin"],
            "resistant": ["cephalexin"],
        },
    )
    assert response.status_code == 200
    assert "Resistant to: cefalexin is also marked susceptible" in response.content.decode()
    assert not dog_a.observations.exists()


def test_a_result_that_does_not_belong_to_the_test_is_refused(vet_a: User, dog_a: Dog) -> None:
    response = client_for(vet_a).post(
        f"/dogs/{dog_a.pk}/labs/tests/new/",
        {"code": "skin_biopsy", "result": "cocci", "date": "2025-07-22"},
    )
    assert response.status_code == 200
    assert "Result: cocci is not a result of skin biopsy" in response.content.decode()
    assert not dog_a.observations.exists()


def test_voiding_keeps_the_result_with_its_reason_and_history(vet_a: User, dog_a: Dog) -> None:
    post_value(vet_a, dog_a)
    observation = dog_a.observations.get()
    response = client_for(vet_a).post(
        f"/dogs/{dog_a.pk}/labs/{observation.pk}/void/", {"reason": "haemolysed sample"}
    )
    observation.refresh_from_db()
    assert response.status_code == 302
    assert observation.is_voided
    assert (observation.void_reason, observation.voided_by) == ("haemolysed sample", vet_a)
    assert [h.history_type for h in observation.history.order_by("history_date")] == ["+", "~"]
    assert observation.history.latest("history_date").history_user == vet_a
    case, _ = assess_dog(dog_a, datetime.date(2025, 7, 26))
    assert case["observations"] == []
    page = client_for(vet_a).get(response["Location"]).content.decode()
    assert "Voided results" in page
    assert "haemolysed sample" in page


def test_voiding_without_a_reason_is_refused(vet_a: User, dog_a: Dog) -> None:
    post_value(vet_a, dog_a)
    observation = dog_a.observations.get()
    response = client_for(vet_a).post(
        f"/dogs/{dog_a.pk}/labs/{observation.pk}/void/", {"reason": "  "}
    )
    observation.refresh_from_db()
    assert response.status_code == 200
    assert "Reason: This field is required." in response.content.decode()
    assert not observation.is_voided


def test_it_refuses_to_record_or_void_a_result_of_another_clinics_dog(
    vet_b: User, vet_a: User, dog_a: Dog
) -> None:
    post_value(vet_a, dog_a)
    observation = dog_a.observations.get()
    assert post_value(vet_b, dog_a, value="2.9").status_code == 404
    void = client_for(vet_b).post(
        f"/dogs/{dog_a.pk}/labs/{observation.pk}/void/", {"reason": "not mine"}
    )
    observation.refresh_from_db()
    assert void.status_code == 404
    assert not observation.is_voided
    assert dog_a.observations.count() == 1


def test_the_dog_page_links_to_results_and_the_panel_shows_the_latest_flagged(
    vet_a: User, dog_a: Dog
) -> None:
    post_value(vet_a, dog_a)
    Observation.objects.create(
        dog=dog_a,
        code="calcium_total",
        date=datetime.date(2025, 6, 1),
        value=10.0,
        unit="mg/dL",
        entered_value=10.0,
        entered_unit="mg/dL",
    )
    detail = client_for(vet_a).get(f"/dogs/{dog_a.pk}/").content.decode()
    assert f'href="/dogs/{dog_a.pk}/labs/values/new/"' in detail
    assert f'href="/dogs/{dog_a.pk}/trends/"' in detail
    panel = client_for(vet_a).get(f"/dogs/{dog_a.pk}/labs/panel/").content.decode()
    assert panel.count("total calcium") == 1
    assert "12.83 mg/dL" in panel
    assert "flag-high" in panel


@pytest.mark.django_db(transaction=True)
def test_in_a_browser_the_unit_picker_follows_the_test_and_the_dog_page_shows_flags(
    live_server, vet_a: User, dog_a: Dog
) -> None:
    with chromium() as browser:
        page = new_page(browser)
        sign_in(page, live_server.url)
        page.goto(f"{live_server.url}/dogs/{dog_a.pk}/labs/values/new/")
        page.select_option("#id_code", "creatinine")
        # a locator assertion, not wait_for_function: the page's CSP refuses evaluated strings
        expect(page.locator("#id_unit option")).to_have_count(2, timeout=5000)
        assert page.locator("#id_unit option").all_inner_texts() == ["mg/dL", "umol/L"]
        page.select_option("#id_unit", "umol/L")
        page.fill("#id_value", "200")
        page.fill("#id_date", "2025-07-20")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/dogs/{dog_a.pk}/labs/")
        page.goto(f"{live_server.url}/dogs/{dog_a.pk}/")
        flag = page.locator("#dog-labs .badge.flag-high")
        flag.wait_for(timeout=5000)
        assert "2.262 mg/dL" in page.locator("#dog-labs").inner_text()
        page.screenshot(path=screenshot_path("dog_labs"), full_page=True)
