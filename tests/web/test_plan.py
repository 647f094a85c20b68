"""The treatment plan: accepting, the dose calculator, dates, voiding and the taper generator."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.utils import timezone

from cutis.clinic.models import (
    Clinic,
    Dog,
    Lesion,
    MonitoringItem,
    PlanItem,
    SavedAssessment,
    Visit,
)
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def taper_item(dog_a: Dog) -> PlanItem:
    """Biscuit's prednisolone taper, accepted on the day of her visit."""
    return PlanItem.objects.create(
        dog=dog_a,
        treatment="glucocorticoid_taper",
        drug="prednisolone",
        dose_mg=Decimal(5),
        mg_per_kg=Decimal("0.4"),
        interval_hours=Decimal(24),
        route="oral",
        product_strength_mg=Decimal(5),
        product_units=Decimal(1),
        product_form="tablet",
        start=datetime.date(2025, 7, 26),
    )


def edit(user: User, item: PlanItem, **fields: str):
    data = {
        "mg_per_kg": "0.4",
        "weight_kg": "12.4",
        "product": "5 tablet",
        "interval_hours": "24",
        "route": "oral",
        "start": "2025-07-26",
        "end": "",
        "instructions": "with food",
        "action": "save",
    }
    return client_for(user).post(f"/dogs/{item.dog_id}/plan/{item.pk}/edit/", {**data, **fields})


def taper(user: User, item: PlanItem, **fields: str):
    data = {
        "start": "2025-08-01",
        "start_mg": "5",
        "interval_hours": "24",
        "step_percent": "25",
        "step_days": "14",
        "smallest_step_mg": "1.25",
        "action": "save",
    }
    return client_for(user).post(f"/dogs/{item.dog_id}/plan/{item.pk}/taper/", {**data, **fields})


# --- accepting a treatment from the assessment ----------------------------------------------------


def test_accepting_the_taper_creates_a_plan_item_with_the_dose(vet_a: User, dog_a: Dog) -> None:
    response = client_for(vet_a).post(
        f"/dogs/{dog_a.pk}/plan/accept/", {"treatment": "glucocorticoid_taper"}
    )
    item = PlanItem.objects.get(dog=dog_a)
    assert response.status_code == 302
    assert response["Location"] == f"/dogs/{dog_a.pk}/plan/{item.pk}/taper/"
    assert (item.treatment, item.drug, item.route) == (
        "glucocorticoid_taper",
        "prednisolone",
        "oral",
    )
    assert (item.dose_mg, item.mg_per_kg, item.interval_hours) == (
        Decimal(5),
        Decimal("0.4"),
        Decimal(24),
    )
    assert (item.product_strength_mg, item.product_units, item.product_form) == (
        Decimal(5),
        Decimal(1),
        "tablet",
    )
    assert "reduce by about 25 % every 14 days" in item.instructions
    assert item.start == timezone.localdate()
    assert item.from_assessment is not None
    assert item.from_assessment.assessment["alerts"][0]["id"] == "glucocorticoid_taper_required"
    assert item.history.get().history_user == vet_a
    page = client_for(vet_a).get(f"/dogs/{dog_a.pk}/plan/").content.decode()
    assert "0.4 mg/kg = 5 mg (1 x 5 mg tablet) every 24 h oral" in page


def test_accepting_an_option_uses_that_drugs_dose(vet_a: User, dog_a: Dog) -> None:
    client_for(vet_a).post(
        f"/dogs/{dog_a.pk}/plan/accept/",
        {"treatment": "nonsteroidal_itch_control", "drug": "ciclosporin"},
    )
    item = PlanItem.objects.get(dog=dog_a)
    assert (item.drug, item.dose_mg, item.product_form) == ("ciclosporin", Decimal(50), "capsule")


def test_accepting_reuses_the_saved_assessment_when_the_record_is_unchanged(
    vet_a: User, dog_a: Dog
) -> None:
    client = client_for(vet_a)
    client.post(f"/dogs/{dog_a.pk}/assessment/save/")
    client.post(f"/dogs/{dog_a.pk}/plan/accept/", {"treatment": "glucocorticoid_taper"})
    saved = SavedAssessment.objects.get()
    assert PlanItem.objects.get().from_assessment == saved


def test_accepting_the_same_treatment_twice_is_refused(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    client.post(f"/dogs/{dog_a.pk}/plan/accept/", {"treatment": "glucocorticoid_taper"})
    response = client.post(
        f"/dogs/{dog_a.pk}/plan/accept/", {"treatment": "glucocorticoid_taper"}, follow=True
    )
    assert "Not added: glucocorticoid taper (prednisolone) is already in the plan" in (
        response.content.decode()
    )
    assert PlanItem.objects.count() == 1


def test_a_treatment_the_assessment_does_not_suggest_is_refused(vet_a: User, dog_a: Dog) -> None:
    response = client_for(vet_a).post(
        f"/dogs/{dog_a.pk}/plan/accept/", {"treatment": "trilostane"}, follow=True
    )
    assert (
        "Not added: trilostane is not in this dog&#x27;s assessment." in response.content.decode()
    )
    assert not PlanItem.objects.exists()


def test_a_nurse_cannot_accept_a_treatment_into_the_plan(nurse_a: User, dog_a: Dog) -> None:
    response = client_for(nurse_a).post(
        f"/dogs/{dog_a.pk}/plan/accept/", {"treatment": "glucocorticoid_taper"}
    )
    assert response.status_code == 403
    assert not PlanItem.objects.exists()


def test_accepting_a_dose_in_a_size_the_clinic_cannot_buy_asks_to_recalculate(
    vet_a: User, clinic_a: Clinic
) -> None:
    clinic_a.market = "uk"
    clinic_a.save()
    dog = Dog.objects.create(
        clinic=clinic_a, name="Tilly", sex="female_spayed", birth_date=datetime.date(2015, 5, 1)
    )
    visit = Visit.objects.create(
        dog=dog,
        date=datetime.date(2025, 7, 26),
        weight_kg=Decimal(20),
        conditions=["hyperadrenocorticism"],
    )
    Lesion.objects.create(visit=visit, region="neck_dorsal", morphology="plaque", firm_gritty=True)
    response = client_for(vet_a).post(
        f"/dogs/{dog.pk}/plan/accept/", {"treatment": "trilostane"}, follow=True
    )
    item = PlanItem.objects.get(dog=dog)
    assert item.product_strength_mg == Decimal(20)
    assert "The 20 mg capsule is not sold in this clinic&#x27;s market (uk)" in (
        response.content.decode()
    )


# --- the dose calculator and dates ------------------------------------------------------------------


def test_editing_with_a_bad_mg_per_kg_names_the_field_and_keeps_the_input(
    vet_a: User, taper_item: PlanItem
) -> None:
    response = edit(vet_a, taper_item, mg_per_kg="-1", instructions="typed by the vet")
    page = response.content.decode()
    taper_item.refresh_from_db()
    assert response.status_code == 200
    assert "Dose (mg/kg): must be more than 0 (got -1)" in page
    assert 'value="-1"' in page
    assert "typed by the vet" in page
    assert (taper_item.mg_per_kg, taper_item.instructions) == (Decimal("0.4"), "")
    assert taper_item.history.count() == 1


def test_a_stop_date_before_the_start_is_refused(vet_a: User, taper_item: PlanItem) -> None:
    response = edit(vet_a, taper_item, end="2025-07-01")
    page = response.content.decode()
    taper_item.refresh_from_db()
    assert response.status_code == 200
    assert "Stop date: must not be before the start (2025-07-01 &lt; 2025-07-26)" in page
    assert taper_item.end is None


def test_the_calculator_rounds_to_a_dispensable_part_of_the_product(
    vet_a: User, taper_item: PlanItem
) -> None:
    response = edit(vet_a, taper_item, mg_per_kg="0.3", action="calculate")
    page = response.content.decode()
    taper_item.refresh_from_db()
    assert response.status_code == 200
    assert "0.3 mg/kg × 12.4 kg = 3.72 mg → 0.75 × 5 mg tablet = 3.75 mg (0.302 mg/kg)" in page
    assert taper_item.dose_mg == Decimal(5)


def test_saving_the_calculated_dose_stores_it_as_given_with_history(
    vet_a: User, taper_item: PlanItem
) -> None:
    response = edit(vet_a, taper_item, mg_per_kg="0.3", end="2025-10-01")
    taper_item.refresh_from_db()
    assert response.status_code == 302
    assert (taper_item.dose_mg, taper_item.mg_per_kg, taper_item.product_units) == (
        Decimal("3.75"),
        Decimal("0.302"),
        Decimal("0.75"),
    )
    assert (taper_item.end, taper_item.instructions) == (datetime.date(2025, 10, 1), "with food")
    change = taper_item.history.first()
    assert change is not None
    assert (change.history_type, change.history_user) == ("~", vet_a)


def test_the_calculator_offers_only_the_products_of_the_clinics_market(
    vet_a: User, dog_a: Dog
) -> None:
    dog_a.clinic.market = "uk"
    dog_a.clinic.save()
    item = PlanItem.objects.create(dog=dog_a, treatment="trilostane", drug="trilostane")
    page = client_for(vet_a).get(f"/dogs/{dog_a.pk}/plan/{item.pk}/edit/").content.decode()
    assert ">10 mg capsule (whole only), dogs of 3 kg or more<" in page
    assert ">20 mg capsule" not in page


def test_a_product_too_large_for_the_dog_is_refused_on_its_field(vet_a: User, dog_a: Dog) -> None:
    item = PlanItem.objects.create(dog=dog_a, treatment="trilostane", drug="trilostane")
    response = edit(vet_a, item, mg_per_kg="1", weight_kg="8", product="60 capsule")
    assert "Product: the 60 capsule is for dogs of 10 kg or more" in response.content.decode()
    item.refresh_from_db()
    assert item.dose_mg is None


def test_a_nurse_cannot_change_a_dose(nurse_a: User, taper_item: PlanItem) -> None:
    response = edit(nurse_a, taper_item, mg_per_kg="0.3")
    taper_item.refresh_from_db()
    assert response.status_code == 403
    assert taper_item.dose_mg == Decimal(5)


# --- voiding -------------------------------------------------------------------------------------


def test_voiding_keeps_the_item_with_its_reason_and_voids_its_open_checks(
    vet_a: User, taper_item: PlanItem
) -> None:
    check = MonitoringItem.objects.create(
        dog=taper_item.dog,
        plan_item=taper_item,
        kind="taper_recheck",
        due=datetime.date(2025, 8, 9),
    )
    response = client_for(vet_a).post(
        f"/dogs/{taper_item.dog_id}/plan/{taper_item.pk}/void/", {"reason": "entered twice"}
    )
    taper_item.refresh_from_db()
    check.refresh_from_db()
    assert response.status_code == 302
    assert (taper_item.is_voided, taper_item.voided_by, taper_item.void_reason) == (
        True,
        vet_a,
        "entered twice",
    )
    assert check.void_reason == "plan item voided: entered twice"
    assert taper_item.history.first().history_user == vet_a
    page = client_for(vet_a).get(response["Location"]).content.decode()
    assert "entered twice" in page


def test_voiding_without_a_reason_is_refused(vet_a: User, taper_item: PlanItem) -> None:
    response = client_for(vet_a).post(
        f"/dogs/{taper_item.dog_id}/plan/{taper_item.pk}/void/", {"reason": " "}
    )
    taper_item.refresh_from_db()
    assert response.status_code == 200
    assert "Reason: This field is required." in response.content.decode()
    assert not taper_item.is_voided


# --- the taper generator ----------------------------------------------------------------------------


def test_the_taper_defaults_come_from_the_protocol_and_the_product(
    vet_a: User, taper_item: PlanItem
) -> None:
    page = client_for(vet_a).get(f"/dogs/{taper_item.dog_id}/plan/{taper_item.pk}/taper/")
    text = page.content.decode()
    assert 'name="step_percent" value="25"' in text
    assert 'name="step_days" value="14"' in text
    assert 'name="smallest_step_mg" value="1.25"' in text


def test_the_taper_generator_stores_dated_steps_ending_at_0_mg(
    vet_a: User, taper_item: PlanItem
) -> None:
    response = taper(vet_a, taper_item)
    taper_item.refresh_from_db()
    assert response.status_code == 302
    assert [(s["date"], s["mg"]) for s in taper_item.taper_steps] == [
        ("2025-08-01", 5.0),
        ("2025-08-15", 3.75),
        ("2025-08-29", 2.5),
        ("2025-09-12", 1.25),
        ("2025-09-26", 0.0),
    ]
    assert taper_item.taper_steps[0]["until"] == "2025-08-14"
    assert taper_item.end == datetime.date(2025, 9, 26)
    assert taper_item.history.first().history_user == vet_a


def test_the_vet_chooses_the_steps_and_their_length(vet_a: User, taper_item: PlanItem) -> None:
    taper(vet_a, taper_item, step_percent="50", step_days="7")
    taper_item.refresh_from_db()
    assert [(s["date"], s["mg"]) for s in taper_item.taper_steps] == [
        ("2025-08-01", 5.0),
        ("2025-08-08", 2.5),
        ("2025-08-15", 1.25),
        ("2025-08-22", 0.0),
    ]


def test_the_taper_preview_shows_a_dated_table_without_storing_it(
    vet_a: User, taper_item: PlanItem
) -> None:
    response = taper(vet_a, taper_item, action="preview")
    page = response.content.decode()
    taper_item.refresh_from_db()
    assert response.status_code == 200
    assert "Fri 15 Aug 2025" in page
    assert "3.75 mg (0.75 × 5 mg tablet)" in page
    assert taper_item.taper_steps == []


def test_stopping_at_once_is_not_a_taper(vet_a: User, taper_item: PlanItem) -> None:
    response = taper(vet_a, taper_item, step_percent="100")
    taper_item.refresh_from_db()
    assert response.status_code == 200
    assert "Reduce each step by (%): must be at least 1 and less than 100 %" in (
        response.content.decode()
    )
    assert taper_item.taper_steps == []


def test_the_printable_taper_lists_the_dated_steps(vet_a: User, taper_item: PlanItem) -> None:
    taper(vet_a, taper_item)
    response = client_for(vet_a).get(f"/dogs/{taper_item.dog_id}/plan/{taper_item.pk}/taper/print/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Biscuit: prednisolone reducing schedule" in page
    assert "Fri 26 Sep 2025" in page
    # the print layout is a linked stylesheet (the Content-Security-Policy refuses inline style)
    assert 'href="/static/clinic/print.css"' in page
    stylesheet = finders.find("clinic/print.css")
    assert stylesheet is not None
    assert "@media print" in Path(stylesheet).read_text()
