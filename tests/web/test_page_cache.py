"""The dog's page and assessment page are drawn once per change of the record, never stale.

Every kind of write to a dog's record gives the dog a new stamp in the same transaction; the page
then shows the write at the next request. Between writes the pages are served from the cache and
ask the database for the dog alone.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cutis.clinic.models import (
    Clinic,
    Dog,
    Lesion,
    Medication,
    MonitoringItem,
    Observation,
    Owner,
    Photo,
    PlanItem,
    SavedAssessment,
    Visit,
)
from cutis.clinic.services.pages import RECORD_PATHS, record_paths
from tests.web.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def latest_visit(dog: Dog) -> Visit:
    visit = dog.visits.order_by("-date", "-pk").first()
    assert visit is not None
    return visit


def new_owner(dog: Dog) -> str:
    owner = Owner.objects.create(clinic=dog.clinic, name="Dora Marsh")
    dog.owners.add(owner)
    return "Dora Marsh"


def renamed_owner(dog: Dog) -> str:
    owner = dog.owners.first() or Owner.objects.create(clinic=dog.clinic, name="x")
    dog.owners.add(owner)
    owner.name = "Hattie Brook"
    owner.save()
    return "Hattie Brook"


def new_visit(dog: Dog) -> str:
    Visit.objects.create(dog=dog, date=TODAY(), weight_kg=Decimal("13.75"))
    return "13.75 kg"


def new_medication(dog: Dog) -> str:
    Medication.objects.create(dog=dog, drug="Ciclosporin", start=TODAY(), route="oral")
    return "Ciclosporin"


def new_lesion(dog: Dog) -> str:
    Lesion.objects.create(visit=latest_visit(dog), region="hock_right", morphology="ulcer")
    return "ulcer"


def new_lab(dog: Dog) -> str:
    Observation.objects.create(dog=dog, code="creatinine", date=TODAY(), value=987.0, unit="umol/L")
    return "987"


def voided_lab(dog: Dog) -> str:
    Observation.objects.create(dog=dog, code="creatinine", date=TODAY(), value=987.0, unit="umol/L")
    first = dog.observations.get(value=987.0)
    first.voided_at = timezone.now()
    first.void_reason = "wrong dog"
    first.save()
    return "!987"


def new_plan_item(dog: Dog) -> str:
    PlanItem.objects.create(dog=dog, treatment="bathing", drug="Zebra shampoo")
    return "Zebra shampoo"


def new_monitoring(dog: Dog) -> str:
    overdue = TODAY() - datetime.timedelta(days=3)
    MonitoringItem.objects.create(dog=dog, kind="zebra_check", due=overdue)
    return "zebra_check"


def renamed_dog(dog: Dog) -> str:
    dog.name = "Biscotti"
    dog.save()
    return "Biscotti"


WRITES: list[tuple[str, Callable[[Dog], str]]] = [
    ("an owner added", new_owner),
    ("an owner renamed", renamed_owner),
    ("a visit", new_visit),
    ("a medication", new_medication),
    ("a lesion on the latest visit", new_lesion),
    ("a lab result", new_lab),
    ("a lab result voided", voided_lab),
    ("a plan item", new_plan_item),
    ("a monitoring item", new_monitoring),
    ("the dog's own details", renamed_dog),
]


@pytest.mark.parametrize(("write", "change"), WRITES, ids=[name for name, _ in WRITES])
def test_the_dog_page_shows_every_kind_of_write_at_the_next_request(
    vet_a: User, dog_a: Dog, write: str, change: Callable[[Dog], str]
) -> None:
    client = client_for(vet_a)
    assert client.get(f"/dogs/{dog_a.pk}/").status_code == 200  # drawn and cached
    stamp = Dog.objects.get(pk=dog_a.pk).record_stamp
    expected = change(dog_a)
    assert Dog.objects.get(pk=dog_a.pk).record_stamp != stamp
    page = client.get(f"/dogs/{dog_a.pk}/").content.decode()
    if expected.startswith("!"):
        assert expected[1:] not in page
    else:
        assert expected in page


def test_the_assessment_page_follows_a_new_lab_result(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    before = client.get(f"/dogs/{dog_a.pk}/assessment/").content.decode()
    Observation.objects.create(dog=dog_a, code="creatinine", date=TODAY(), value=987.0, unit="umol/L")
    after = client.get(f"/dogs/{dog_a.pk}/assessment/").content.decode()
    assert "findings-iris_stage_4" not in before
    assert "findings-iris_stage_4" in after  # 987 umol/L is 11.2 mg/dL: IRIS stage 4


def test_a_saved_assessment_appears_in_the_list_at_once(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    assert "None saved yet." in client.get(f"/dogs/{dog_a.pk}/assessment/").content.decode()
    client.post(f"/dogs/{dog_a.pk}/assessment/save/")
    assert SavedAssessment.objects.filter(dog=dog_a).count() == 1
    page = client.get(f"/dogs/{dog_a.pk}/assessment/").content.decode()
    assert "None saved yet." not in page


def test_a_clinic_change_renews_its_dogs_stamps(clinic_a: Clinic, dog_a: Dog) -> None:
    stamp = Dog.objects.get(pk=dog_a.pk).record_stamp
    clinic_a.name = "Northside Vets and Cattery"
    clinic_a.save()
    assert Dog.objects.get(pk=dog_a.pk).record_stamp != stamp


def test_every_model_that_belongs_to_a_dog_renews_its_stamp() -> None:
    expected = {Visit, Medication, Lesion, Observation, Photo, SavedAssessment, PlanItem,
                MonitoringItem}
    assert expected <= set(RECORD_PATHS)
    assert RECORD_PATHS[Lesion] == ("visit", "dog")
    assert record_paths() == RECORD_PATHS
    # the audit copies are not parts of the record: writing history must not renew anything
    assert not [model for model in RECORD_PATHS if model.__name__.startswith("Historical")]


def test_an_unchanged_record_is_served_asking_the_database_for_the_dog_alone(
    vet_a: User, dog_a: Dog
) -> None:
    client = client_for(vet_a)
    first = client.get(f"/dogs/{dog_a.pk}/").content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get(f"/dogs/{dog_a.pk}/").content.decode()
    tables = {query["sql"].split(" FROM ", 1)[1].split()[0] for query in queries
              if " FROM " in query["sql"]}
    # the same page but for the masked CSRF tokens, which are new with every response
    assert without_tokens(again) == without_tokens(first)
    assert tables <= {'"django_session"', '"auth_user"', 'clinic_dog'}


def test_a_nurse_and_a_vet_each_see_their_own_assessment_actions(
    vet_a: User, nurse_a: User, dog_a: Dog
) -> None:
    vet_page = client_for(vet_a).get(f"/dogs/{dog_a.pk}/assessment/").content.decode()
    nurse_page = client_for(nurse_a).get(f"/dogs/{dog_a.pk}/assessment/").content.decode()
    assert "Add glucocorticoid taper to the plan" in vet_page
    assert "to the plan</button>" not in nurse_page
    assert "A vet adds treatments to the plan." in nurse_page


def without_tokens(page: str) -> str:
    return re.sub(r'"X-CSRFToken": "\w+"|name="csrfmiddlewaretoken" value="\w+"', "", page)


def csrf_inputs(page: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)


def test_the_cached_assessment_forms_carry_each_viewers_own_csrf_token(
    vet_a: User, dog_a: Dog, settings: Any
) -> None:
    """Two vets read the same cached body; each one's accept form posts with their own token."""
    other = User.objects.create_user(username="alma", password=PASSWORD)
    other.staff = vet_a.staff.__class__.objects.create(user=other, clinic=dog_a.clinic, role="vet")
    pages = []
    for user in (vet_a, other):
        client = Client(enforce_csrf_checks=True)
        assert client.post("/login/", {"username": user.username, "password": PASSWORD,
                                       "csrfmiddlewaretoken": login_token(client)}).status_code == 302
        page = client.get(f"/dogs/{dog_a.pk}/assessment/").content.decode()
        tokens = csrf_inputs(page)
        assert tokens
        assert "placeholder" not in page
        response = client.post(f"/dogs/{dog_a.pk}/assessment/save/",
                               {"csrfmiddlewaretoken": tokens[0]})
        assert response.status_code == 302
        pages.append(tokens[0])
    assert SavedAssessment.objects.filter(dog=dog_a).count() == 2


def login_token(client: Client) -> str:
    page = client.get("/login/").content.decode()
    (token,) = csrf_inputs(page)
    return token


def test_a_day_later_the_page_is_drawn_again(
    vet_a: User, dog_a: Dog, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(vet_a)
    client.get(f"/dogs/{dog_a.pk}/")
    MonitoringItem.objects.create(dog=dog_a, kind="recheck", note="Tomorrow's recheck",
                                  due=TODAY() + datetime.timedelta(days=1))
    client.get(f"/dogs/{dog_a.pk}/")
    tomorrow = TODAY() + datetime.timedelta(days=2)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/dogs/{dog_a.pk}/")
    assert any('"clinic_monitoringitem"' in query["sql"] for query in queries)


@pytest.mark.parametrize("dog_id", ["0", "9223372036854775807", "99999999999999999999999"])
def test_a_dog_number_no_key_can_hold_is_not_found(vet_a: User, dog_a: Dog, dog_id: str) -> None:
    assert client_for(vet_a).get(f"/dogs/{dog_id}/").status_code == 404
    assert client_for(vet_a).get(f"/dogs/{dog_id}/assessment/").status_code == 404


def test_another_clinics_dog_is_not_found_and_the_page_says_nothing_of_it(
    vet_b: User, dog_a: Dog
) -> None:
    response = client_for(vet_b).get(f"/dogs/{dog_a.pk}/")
    assert response.status_code == 404
    assert dog_a.name not in response.content.decode()


def test_the_kept_frame_gives_the_page_a_freshly_drawn_frame_would(
    vet_a: User, dog_a: Dog
) -> None:
    from django.core.cache import caches

    client = client_for(vet_a)
    client.get(f"/dogs/{dog_a.pk}/")  # draws the frame and keeps it
    kept = client.get(f"/dogs/{dog_a.pk}/").content.decode()
    caches["pages"].clear()
    fresh = client.get(f"/dogs/{dog_a.pk}/").content.decode()
    assert without_tokens(kept) == without_tokens(fresh)
    assert "<cutis:" not in kept
    assert f"<title>{dog_a.name} · Cutis</title>" in kept
    (token,) = re.findall(r'"X-CSRFToken": "(\w+)"', kept)
    assert len(token) == 64


def test_each_viewer_sees_their_own_name_in_the_kept_frame(
    vet_a: User, nurse_a: User, dog_a: Dog
) -> None:
    vet_page = client_for(vet_a).get(f"/dogs/{dog_a.pk}/").content.decode()
    nurse_page = client_for(nurse_a).get(f"/dogs/{dog_a.pk}/").content.decode()
    assert f"{vet_a.username} · vet" in vet_page
    assert f"{nurse_a.username} · nurse" in nurse_page
    assert f"{vet_a.username} · vet" not in nurse_page


def test_a_dog_named_like_markup_is_shown_as_text_in_the_title(vet_a: User, dog_a: Dog) -> None:
    dog_a.name = "<cutis:body> & Co"
    dog_a.save()
    page = client_for(vet_a).get(f"/dogs/{dog_a.pk}/").content.decode()
    assert "<title>&lt;cutis:body&gt; &amp; Co · Cutis</title>" in page
    assert page.count("</html>") == 1


def test_a_message_is_shown_once_on_the_framed_page(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    client.get(f"/dogs/{dog_a.pk}/assessment/")
    response = client.post(f"/dogs/{dog_a.pk}/assessment/save/", follow=True)
    assert "Saved this assessment" in response.content.decode()
    again = client.get(f"/dogs/{dog_a.pk}/assessment/").content.decode()
    assert "Saved this assessment" not in again


def test_no_cached_body_holds_text_whose_blanks_matter() -> None:
    """Cached bodies drop their templates' indentation, which <pre> and <textarea> would show."""
    from importlib import resources

    folders = {app: resources.files(f"cutis.{app}") / "templates" for app in ("clinic", "portal")}
    bodies = ["clinic/_dog_detail_body.html", "clinic/assessment/_body.html",
              "clinic/assessment/_incomplete_body.html", "clinic/labs/_trends_body.html",
              "portal/_today_dog.html", "portal/_dog_body.html"]
    included = re.compile(r'{% include "([^"]+)"')
    seen: set[str] = set()
    while bodies:
        name = bodies.pop()
        if name in seen:
            continue
        seen.add(name)
        path = folders.get(name.split("/", 1)[0], folders["clinic"]) / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        assert "<pre" not in text and "<textarea" not in text, name
        bodies.extend(included.findall(text))
    assert len(seen) > 8


def test_the_dashboard_alert_goes_at_the_next_request_once_the_steroid_is_voided(
    vet_a: User, dog_a: Dog
) -> None:
    client = client_for(vet_a)
    before = client.get("/").content.decode()
    assert "<strong>Biscuit</strong>" in before and "taper" in before
    prednisolone = dog_a.medications.get(drug="prednisolone")
    prednisolone.voided_at = timezone.now()
    prednisolone.void_reason = "entered on the wrong dog"
    prednisolone.save()
    after = client.get("/").content.decode()
    assert "<strong>Biscuit</strong>" not in after
    assert "No open critical alerts." in after


def test_an_unchanged_clinics_dashboard_assesses_no_dog_again(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    first = client.get("/").content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/").content.decode()
    tables = {query["sql"].split(" FROM ", 1)[1].split()[0] for query in queries
              if " FROM " in query["sql"]}
    assert without_tokens(again) == without_tokens(first)
    # reading a dog's record for its assessment would ask for its visits, labs and medications
    assert not tables & {'"clinic_visit"', '"clinic_observation"', '"clinic_medication"'}


def test_the_trends_page_follows_a_new_result_and_a_voided_one(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    assert "No creatinine recorded yet." in client.get(f"/dogs/{dog_a.pk}/trends/").content.decode()
    Observation.objects.create(dog=dog_a, code="creatinine", date=TODAY(), value=1.4, unit="mg/dL")
    with_result = client.get(f"/dogs/{dog_a.pk}/trends/").content.decode()
    assert "No creatinine recorded yet." not in with_result
    assert f"/dogs/{dog_a.pk}/trends/creatinine.svg" in with_result
    result = dog_a.observations.get(code="creatinine")
    result.voided_at = timezone.now()
    result.void_reason = "haemolysed sample"
    result.save()
    assert "No creatinine recorded yet." in client.get(f"/dogs/{dog_a.pk}/trends/").content.decode()
