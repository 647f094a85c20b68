"""Home care from the plan: the owner's day, one-tap done marks, missed doses, adherence."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from cutis.clinic.models import Dog, PlanItem
from cutis.portal.models import CareDone
from cutis.portal.services.care import CareError, care_series, mark_done, today_and_missed
from tests.web.conftest import client_for
from tests.web.portal.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


def test_each_plan_item_becomes_the_home_task_its_source_gives(dog_a: Dog, home_plan: Any) -> None:
    series = {one.task: one for one in care_series(dog_a, home_plan.values())}
    # trilostane every 12 h: two doses a day, capsule, mg and mg/kg shown
    assert [t.strftime("%H:%M") for t in series["dose"].times] == ["08:00", "20:00"]
    assert series["dose"].how == "1 capsule of 10 mg (10 mg in all), 0.81 mg/kg"
    # bathing twice a week (gould2025) with the germ-killing shampoo the infection calls for
    # the plan began on a Friday: baths on Fridays and Tuesdays, three or four days apart
    assert series["bath"].weekdays == (1, 4)
    assert "chlorhexidine" in series["bath"].how and "gould2025" in series["bath"].sources
    # DMSO every other day for at most 14 days, gloves, on the dog's charted areas
    gel = series["gel"]
    assert gel.every_days == 2 and gel.until == gel.start + datetime.timedelta(days=13)
    assert "gloves" in gel.how and "back of the neck" in gel.how and "back" in gel.how
    assert series["shirt"].every_days == 1


def test_an_oatmeal_plan_bathes_with_oatmeal(dog_a: Dog) -> None:
    item = PlanItem.objects.create(dog=dog_a, treatment="oatmeal_bathing", start=TODAY)
    (bath,) = care_series(dog_a, [item])
    assert "oatmeal" in bath.how and "chlorhexidine" not in bath.how


def test_a_taper_gives_each_step_its_own_dose_and_dates(dog_a: Dog) -> None:
    item = PlanItem.objects.create(
        dog=dog_a, treatment="glucocorticoid_taper", drug="prednisolone", dose_mg=5,
        interval_hours=24, product_strength_mg=5, product_units=1, product_form="tablet",
        start=TODAY, end=TODAY + datetime.timedelta(days=28),
        taper_steps=[
            {"step": 1, "from_day": 0, "date": TODAY.isoformat(),
             "until": (TODAY + datetime.timedelta(days=13)).isoformat(), "mg": 5.0,
             "interval_hours": 24.0, "units": 1},
            {"step": 2, "from_day": 14, "date": (TODAY + datetime.timedelta(days=14)).isoformat(),
             "until": (TODAY + datetime.timedelta(days=27)).isoformat(), "mg": 2.5,
             "interval_hours": 24.0, "units": 0.5},
            {"step": 3, "from_day": 28, "date": (TODAY + datetime.timedelta(days=28)).isoformat(),
             "until": None, "mg": 0.0, "interval_hours": 24.0, "units": 0},
        ])
    steps = care_series(dog_a, [item])
    assert [s.how for s in steps] == ["1 tablet of 5 mg (5 mg in all)",
                                      "0.5 tablet of 5 mg (2.5 mg in all)"]
    assert steps[0].until == TODAY + datetime.timedelta(days=13)
    assert not steps[1].due_on(TODAY + datetime.timedelta(days=28))


def test_one_tap_marks_a_dose_done_with_who_and_when(dog_a: Dog, home_plan: Any,
                                                    owner_user: User) -> None:
    client = client_for(owner_user)
    item = home_plan["trilostane"]
    assert "Done by Olive" not in client.get(reverse("portal:home")).content.decode()
    response = client.post(reverse("portal:task_done", args=[dog_a.pk]),
                           {"item": item.pk, "task": "dose", "day": TODAY.isoformat(), "slot": 0})
    assert response.status_code == 302
    mark = CareDone.objects.get(plan_item=item, day=TODAY, slot=0)
    assert mark.done_by == owner_user and mark.history.count() == 1
    page = client.get(reverse("portal:home")).content.decode()
    assert "Done by Olive" in page


def test_a_co_owners_second_tap_keeps_the_first_mark(dog_a: Dog, home_plan: Any,
                                                    owner_user: User, co_owner: User) -> None:
    item = home_plan["shirt"]
    first = mark_done(dog_a, plan_item_id=item.pk, task="shirt", day=TODAY, slot=0,
                      done_by=owner_user, today=TODAY)
    second = mark_done(dog_a, plan_item_id=item.pk, task="shirt", day=TODAY, slot=0,
                       done_by=co_owner, today=TODAY)
    assert second.pk == first.pk and CareDone.objects.get().done_by == owner_user


@pytest.mark.parametrize(("day", "task", "field"), [
    (TODAY + datetime.timedelta(days=1), "dose", "day"),    # tomorrow's dose cannot be done yet
    (TODAY - datetime.timedelta(days=30), "dose", "day"),   # too old to mark
    (TODAY, "gel", "task"),  # trilostane has no gel to put on
])
def test_a_mark_for_a_task_not_due_is_refused(dog_a: Dog, home_plan: Any, owner_user: User,
                                              day: datetime.date, task: str, field: str) -> None:
    item = home_plan["trilostane"]
    with pytest.raises(CareError) as refused:
        mark_done(dog_a, plan_item_id=item.pk, task=task, day=day, slot=0, done_by=owner_user,
                  today=TODAY)
    assert refused.value.field == field
    assert not CareDone.objects.exists()


def test_a_missed_dose_shows_until_it_is_marked(dog_a: Dog, home_plan: Any,
                                               owner_user: User) -> None:
    yesterday = TODAY - datetime.timedelta(days=1)
    _today, missed = today_and_missed(dog_a, TODAY)
    assert any(o.series.task == "dose" and o.day == yesterday and o.slot == 1 for o in missed)
    late_tick = f"Mark done: Give trilostane (Vetoryl) on {yesterday:%-d %b} at 20:00"
    page = client_for(owner_user).get(reverse("portal:home")).content.decode()
    assert "Not marked done yet" in page and late_tick in page
    mark_done(dog_a, plan_item_id=home_plan["trilostane"].pk, task="dose", day=yesterday, slot=1,
              done_by=owner_user, today=TODAY)
    _today, missed = today_and_missed(dog_a, TODAY)
    assert not any(o.series.task == "dose" and o.day == yesterday and o.slot == 1 for o in missed)
    # the page drawn before the mark is not served again
    page = client_for(owner_user).get(reverse("portal:home")).content.decode()
    assert late_tick not in page


def test_the_vet_sees_adherence_per_task_and_the_owners_log(dog_a: Dog, home_plan: Any,
                                                           owner_user: User, vet_a: User) -> None:
    item = home_plan["trilostane"]
    for day_back in (1, 2, 3):
        mark_done(dog_a, plan_item_id=item.pk, task="dose",
                  day=TODAY - datetime.timedelta(days=day_back), slot=0, done_by=owner_user,
                  today=TODAY)
    page = client_for(vet_a).get(reverse("clinic:dog_detail", args=[dog_a.pk])).content.decode()
    # three days of two doses: three given, the three evening doses missed
    assert "Give trilostane (Vetoryl)" in page and "3 / 6 (50 %)" in page
    assert "Olive: dose for" in page


def test_the_owners_plan_page_follows_a_plan_change_at_the_next_request(
    dog_a: Dog, home_plan: Any, owner_user: User, co_owner: User
) -> None:
    page = reverse("portal:dog", args=[dog_a.pk])
    assert "oatmeal" not in client_for(owner_user).get(page).content.decode().lower()
    PlanItem.objects.create(dog=dog_a, treatment="oatmeal_bathing", start=TODAY)
    # the co-owner gets the page the owner's request drew only while nothing changed
    assert "oatmeal" in client_for(co_owner).get(page).content.decode().lower()
