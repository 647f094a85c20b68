"""Monitoring: checks generated from the plan by the core, dated, and closed by the results."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from cutis.clinic.models import (
    Clinic,
    Dog,
    Lesion,
    Medication,
    MonitoringItem,
    Observation,
    PlanItem,
    Visit,
)
from cutis.clinic.services.monitoring import close_due_items, schedule_for_plan
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 8, 1)


@pytest.fixture
def cushing_dog(clinic_a: Clinic) -> Dog:
    """Tilly: spontaneous hyperadrenocorticism with plaques; the core recommends trilostane."""
    dog = Dog.objects.create(
        clinic=clinic_a, name="Tilly", sex="female_spayed", birth_date=datetime.date(2015, 5, 1)
    )
    visit = Visit.objects.create(
        dog=dog,
        date=datetime.date(2025, 7, 26),
        weight_kg=Decimal(18),
        signs=["polyuria", "polydipsia", "pot_belly"],
        conditions=["hyperadrenocorticism"],
    )
    Lesion.objects.create(
        visit=visit, region="neck_dorsal", morphology="plaque", count=2, firm_gritty=True
    )
    return dog


@pytest.fixture
def trilostane_item(cushing_dog: Dog) -> PlanItem:
    return PlanItem.objects.create(
        dog=cushing_dog,
        treatment="trilostane",
        drug="trilostane",
        dose_mg=Decimal(10),
        interval_hours=Decimal(12),
        start=START,
    )


def acth_days(dog: Dog, start: datetime.date) -> list[int]:
    checks = dog.monitoring.filter(kind="acth_stim_monitoring").order_by("due")
    return [(check.due - start).days for check in checks if check.due is not None]


def test_generating_monitoring_for_a_trilostane_plan_creates_acth_checks_at_10_30_and_90_days(
    vet_a: User, cushing_dog: Dog
) -> None:
    client = client_for(vet_a)
    client.post(f"/dogs/{cushing_dog.pk}/plan/accept/", {"treatment": "trilostane"})
    item = PlanItem.objects.get(dog=cushing_dog)
    response = client.post(f"/dogs/{cushing_dog.pk}/monitoring/generate/")
    assert response.status_code == 302
    # 10, 30 and 90 days, then every 90 days: the next two occurrences
    assert acth_days(cushing_dog, item.start) == [10, 30, 90, 180, 270]
    check = cushing_dog.monitoring.filter(kind="acth_stim_monitoring").first()
    assert check is not None
    assert check.plan_item == item
    assert check.history.get().history_user == vet_a
    page = client.get(response["Location"]).content.decode()
    assert "ACTH stimulation test (trilostane)" in page


def test_generating_the_schedule_again_adds_nothing(vet_a: User, trilostane_item: PlanItem) -> None:
    client = client_for(vet_a)
    dog = trilostane_item.dog
    client.post(f"/dogs/{dog.pk}/monitoring/generate/")
    count = dog.monitoring.count()
    response = client.post(f"/dogs/{dog.pk}/monitoring/generate/", follow=True)
    assert dog.monitoring.count() == count
    assert acth_days(dog, START) == [10, 30, 90, 180, 270]
    assert "Nothing new to schedule" in response.content.decode()


def test_a_check_the_vet_moved_is_not_made_again(trilostane_item: PlanItem) -> None:
    dog = trilostane_item.dog
    schedule_for_plan(dog, START)
    dog.monitoring.filter(
        kind="acth_stim_monitoring", due=START + datetime.timedelta(days=10)
    ).update(due=START + datetime.timedelta(days=14))
    assert schedule_for_plan(dog, START) == []
    assert acth_days(dog, START) == [14, 30, 90, 180, 270]


def test_checks_follow_only_the_treatments_in_the_plan(trilostane_item: PlanItem) -> None:
    created = schedule_for_plan(trilostane_item.dog, START)
    # the core also suggests a renal panel for minocycline and DMSO, which are not in the plan
    assert {check.kind for check in created} == {"acth_stim_monitoring", "lesion_recheck"}


def test_a_dog_already_on_trilostane_is_monitored_from_today(cushing_dog: Dog) -> None:
    Medication.objects.create(
        dog=cushing_dog,
        drug="trilostane",
        dose_mg=Decimal(10),
        interval_hours=Decimal(12),
        route="oral",
        start=datetime.date(2025, 1, 10),
    )
    schedule_for_plan(cushing_dog, START)
    assert acth_days(cushing_dog, START) == [10, 30, 90, 180, 270]


def test_a_check_without_a_sourced_interval_waits_for_the_vet(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    client.post(f"/dogs/{dog_a.pk}/plan/accept/", {"treatment": "minocycline"})
    client.post(f"/dogs/{dog_a.pk}/monitoring/generate/")
    client.post(f"/dogs/{dog_a.pk}/monitoring/generate/")
    panel = dog_a.monitoring.get(kind="renal_calcium_panel")
    assert (panel.due, panel.note) == (None, "interval set by the vet")
    assert panel.state(timezone.localdate()) == "unscheduled"
    page = client.get(f"/dogs/{dog_a.pk}/monitoring/").content.decode()
    assert "date to set" in page


def test_taper_checks_follow_the_vets_taper_steps(dog_a: Dog) -> None:
    PlanItem.objects.create(
        dog=dog_a,
        treatment="glucocorticoid_taper",
        drug="prednisolone",
        dose_mg=Decimal(5),
        interval_hours=Decimal(24),
        start=START,
        taper_steps=[
            {"from_day": 0, "date": "2025-08-01", "mg": 5.0, "interval_hours": 24.0},
            {"from_day": 7, "date": "2025-08-08", "mg": 2.5, "interval_hours": 24.0},
            {"from_day": 14, "date": "2025-08-15", "mg": 0.0, "interval_hours": 24.0},
        ],
    )
    schedule_for_plan(dog_a, START)
    checks = dog_a.monitoring.filter(kind="taper_recheck").order_by("due")
    assert [check.due for check in checks] == [
        datetime.date(2025, 8, 8),
        datetime.date(2025, 8, 15),
    ]


# --- results close their checks -----------------------------------------------------------------------


def observe(dog: Dog, code: str, on: datetime.date, value: float = 5.0) -> Observation:
    return Observation.objects.create(dog=dog, code=code, date=on, value=value, unit="ug/dL")


def test_close_due_items_closes_the_due_acth_check_when_a_post_acth_cortisol_is_recorded(
    trilostane_item: PlanItem,
) -> None:
    dog = trilostane_item.dog
    schedule_for_plan(dog, START)
    cortisol = observe(dog, "acth_stim_post", START + datetime.timedelta(days=11))
    closed = close_due_items(cortisol)
    first = dog.monitoring.get(kind="acth_stim_monitoring", due=START + datetime.timedelta(days=10))
    assert closed == [first]
    assert (first.done_on, first.closed_by) == (cortisol.date, cortisol)
    assert dog.monitoring.filter(kind="acth_stim_monitoring", done_on__isnull=True).count() == 4


def test_recording_a_post_acth_cortisol_on_the_lab_page_closes_the_due_check(
    vet_a: User, trilostane_item: PlanItem
) -> None:
    dog = trilostane_item.dog
    schedule_for_plan(dog, START)
    today = timezone.localdate().isoformat()
    client_for(vet_a).post(
        f"/dogs/{dog.pk}/labs/values/new/",
        {"code": "acth_stim_post", "value": "5", "unit": "ug/dL", "date": today},
    )
    first = dog.monitoring.get(kind="acth_stim_monitoring", due=START + datetime.timedelta(days=10))
    assert first.closed_by == dog.observations.get(code="acth_stim_post")
    page = client_for(vet_a).get(f"/dogs/{dog.pk}/monitoring/").content.decode()
    assert '<span class="badge done">done</span>' in page


def test_the_values_of_one_renal_panel_close_one_check(dog_a: Dog) -> None:
    for due in (datetime.date(2025, 8, 10), datetime.date(2025, 9, 10)):
        MonitoringItem.objects.create(dog=dog_a, kind="renal_calcium_panel", due=due)
    on = datetime.date(2025, 8, 11)
    closed = [
        item
        for code in ("calcium_total", "phosphorus", "creatinine")
        for item in close_due_items(observe(dog_a, code, on))
    ]
    assert [item.due for item in closed] == [datetime.date(2025, 8, 10)]
    assert dog_a.monitoring.filter(done_on__isnull=True).count() == 1


def test_a_result_dated_before_the_plan_started_closes_nothing(trilostane_item: PlanItem) -> None:
    dog = trilostane_item.dog
    schedule_for_plan(dog, START)
    baseline = observe(dog, "acth_stim_post", START - datetime.timedelta(days=20), value=25.0)
    assert close_due_items(baseline) == []
    assert not dog.monitoring.filter(done_on__isnull=False).exists()


def test_a_result_that_answers_no_check_closes_nothing(trilostane_item: PlanItem) -> None:
    dog = trilostane_item.dog
    schedule_for_plan(dog, START)
    assert close_due_items(observe(dog, "alp", START + datetime.timedelta(days=12), 300)) == []


# --- the monitoring page ----------------------------------------------------------------------------------


def test_the_monitoring_page_shows_due_overdue_upcoming_and_done_badges(
    vet_a: User, dog_a: Dog
) -> None:
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    MonitoringItem.objects.create(dog=dog_a, kind="acth_stim_monitoring", due=today - day)
    MonitoringItem.objects.create(dog=dog_a, kind="taper_recheck", due=today)
    MonitoringItem.objects.create(dog=dog_a, kind="lesion_recheck", due=today + day)
    MonitoringItem.objects.create(
        dog=dog_a, kind="infection_recheck", due=today - 3 * day, done_on=today - 2 * day
    )
    page = client_for(vet_a).get(f"/dogs/{dog_a.pk}/monitoring/").content.decode()
    assert '<span class="badge overdue">overdue</span>' in page
    assert '<span class="badge due">due</span>' in page
    assert '<span class="badge upcoming">upcoming</span>' in page
    assert '<span class="badge done">done</span>' in page
    assert "Lesion recheck" in page


def test_a_nurse_sets_the_due_date_of_a_check(nurse_a: User, dog_a: Dog) -> None:
    check = MonitoringItem.objects.create(dog=dog_a, kind="renal_calcium_panel")
    response = client_for(nurse_a).post(
        f"/dogs/{dog_a.pk}/monitoring/{check.pk}/due/", {"due": "2025-09-01"}
    )
    check.refresh_from_db()
    assert response.status_code == 302
    assert check.due == datetime.date(2025, 9, 1)
    assert check.history.first().history_user == nurse_a


def test_a_nurse_marks_a_check_done(nurse_a: User, dog_a: Dog) -> None:
    check = MonitoringItem.objects.create(dog=dog_a, kind="lesion_recheck", due=START)
    response = client_for(nurse_a).post(
        f"/dogs/{dog_a.pk}/monitoring/{check.pk}/done/", {"done_on": "2025-08-02"}
    )
    check.refresh_from_db()
    assert response.status_code == 302
    assert (check.done_on, check.closed_by) == (datetime.date(2025, 8, 2), None)


def test_a_check_cannot_be_done_in_the_future(vet_a: User, dog_a: Dog) -> None:
    check = MonitoringItem.objects.create(dog=dog_a, kind="lesion_recheck", due=START)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client_for(vet_a).post(
        f"/dogs/{dog_a.pk}/monitoring/{check.pk}/done/",
        {"done_on": tomorrow.isoformat()},
        follow=True,
    )
    check.refresh_from_db()
    assert f"Not changed: Done on: {tomorrow.isoformat()} is in the future." in (
        response.content.decode()
    )
    assert check.done_on is None


def test_generating_for_an_incomplete_record_says_what_is_missing(
    vet_a: User, clinic_a: Clinic
) -> None:
    dog = Dog.objects.create(clinic=clinic_a, name="Pip", birth_date=datetime.date(2021, 3, 1))
    response = client_for(vet_a).post(f"/dogs/{dog.pk}/monitoring/generate/", follow=True)
    assert response.status_code == 200
    assert "Not scheduled: the record is incomplete. patient.weight_kg: is required" in (
        response.content.decode()
    )
    assert not dog.monitoring.exists()


STATES = [
    # (due relative to today, done, state shown)
    (None, False, "unscheduled"),
    (-1, False, "overdue"),
    (0, False, "due"),
    (14, False, "upcoming"),
    (-30, True, "done"),
]


@pytest.mark.parametrize(("due_in_days", "done", "state"), STATES)
def test_a_check_reads_as_overdue_due_today_upcoming_or_done(
    dog_a: Dog, due_in_days: int | None, done: bool, state: str
) -> None:
    today = timezone.localdate()
    due = None if due_in_days is None else today + datetime.timedelta(days=due_in_days)
    check = MonitoringItem(dog=dog_a, kind="recheck", due=due, done_on=today if done else None)
    assert check.state(today) == state
