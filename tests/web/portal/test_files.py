"""What leaves the portal: the calendar feed, e-mail reminders, the PDF handout; and the diary
(itch score and phone photo) reaching the vet's trends and photo comparison."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from PIL import Image
from pypdf import PdfReader

from cutis.clinic.models import Dog, MonitoringItem, Photo
from cutis.clinic.services.plan import PlanChange, change_plan_item
from cutis.portal.models import ItchScore, ReminderSent
from cutis.portal.services.care import mark_done
from cutis.portal.services.reminders import send_reminders
from tests.web.conftest import client_for
from tests.web.portal.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


def feed_link(client: Client) -> str:
    page = client.post(reverse("portal:calendar"), {"action": "new"}).content.decode()
    start = page.index("http://testserver/owner/calendar/")
    return page[start:page.index('"', start)].removeprefix("http://testserver")


def events(ics: bytes) -> dict[str, Any]:
    return {str(e["uid"]): e for e in Calendar.from_ical(ics).walk("VEVENT")}


def test_the_feed_holds_recurring_care_ending_with_the_plan_and_the_check(
        dog_a: Dog, home_plan: Any, owner_user: User) -> None:
    path = feed_link(client_for(owner_user))
    response = Client().get(path)  # a calendar app: no session
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    found = events(response.content)
    item = home_plan["trilostane"]
    morning = found[f"dog{dog_a.pk}-plan{item.pk}-dose-0-0@cutis.invalid"]
    assert morning["rrule"]["FREQ"] == ["DAILY"] and morning["rrule"]["INTERVAL"] == [1]
    assert morning.decoded("dtstart").hour == 8
    evening = found[f"dog{dog_a.pk}-plan{item.pk}-dose-0-1@cutis.invalid"]
    assert evening.decoded("dtstart").hour == 20
    bath = found[f"dog{dog_a.pk}-plan{home_plan['bath'].pk}-bath-0-0@cutis.invalid"]
    assert bath["rrule"]["FREQ"] == ["WEEKLY"] and set(bath["rrule"]["BYDAY"]) == {"TU", "FR"}
    gel = found[f"dog{dog_a.pk}-plan{home_plan['gel'].pk}-gel-0-0@cutis.invalid"]
    assert gel["rrule"]["INTERVAL"] == [2]
    assert gel["rrule"]["UNTIL"][0] == home_plan["gel"].start + datetime.timedelta(days=13)
    check = next(e for uid, e in found.items() if "check" in uid)
    assert "trilostane dose" in str(check["summary"])


def test_a_plan_change_ends_the_series_and_bumps_its_sequence(
        dog_a: Dog, home_plan: Any, owner_user: User) -> None:
    path = feed_link(client_for(owner_user))
    item = home_plan["trilostane"]
    uid = f"dog{dog_a.pk}-plan{item.pk}-dose-0-0@cutis.invalid"
    before = events(Client().get(path).content)[uid]
    end = TODAY + datetime.timedelta(days=20)
    change_plan_item(item, PlanChange(dose=None, interval_hours=12, route="oral",
                                      start=item.start, end=end, instructions=""))
    after = events(Client().get(path).content)[uid]
    assert int(after["sequence"]) == int(before["sequence"]) + 1
    until = after["rrule"]["UNTIL"][0]
    assert until.astimezone(datetime.UTC).date() == end


def test_a_new_link_revokes_the_old_one_and_another_token_is_not_found(
        home_plan: Any, owner_user: User) -> None:
    client = client_for(owner_user)
    old = feed_link(client)
    new = feed_link(client)
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    client.post(reverse("portal:calendar"), {"action": "revoke"})
    assert Client().get(new).status_code == 404


def test_reminders_go_once_and_never_for_done_tasks_or_resulted_tests(
        dog_a: Dog, home_plan: Any, owner_user: User) -> None:
    owner_user.owner.email = "olive@example.org"
    owner_user.owner.save()
    mark_done(dog_a, plan_item_id=home_plan["trilostane"].pk, task="dose", day=TODAY, slot=0,
              done_by=owner_user, today=TODAY)
    MonitoringItem.objects.update(done_on=TODAY)  # the ACTH result is in
    assert send_reminders(TODAY) == 1
    body = mail.outbox[0].body
    assert "20:00" in body and "08:00" not in body  # the morning dose is already given
    assert "Check the T-shirt" in body and "Blood test" not in body
    assert send_reminders(TODAY) == 0 and len(mail.outbox) == 1
    call_command("send_reminders", "--date", TODAY.isoformat())
    assert len(mail.outbox) == 1
    # the evening dose and the T-shirt (the gel is every other day: not due on this Monday)
    assert ReminderSent.objects.filter(user=owner_user).count() == 2


def test_the_handout_is_a_pdf_with_the_dogs_name_doses_and_the_clinic_phone(
        dog_a: Dog, home_plan: Any, owner_user: User) -> None:
    response = client_for(owner_user).get(reverse("portal:handout", args=[dog_a.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Biscuit" in text
    assert "1 capsule of 10 mg (10 mg in all), 0.81 mg/kg" in text
    assert "08:00 and 20:00" in text and "chlorhexidine" in text
    assert "+44 20 7946 0001" in text and "Stop trilostane and call the clinic" in text


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "pink")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS position of the owner's home
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_an_itch_score_and_a_phone_photo_reach_the_vets_trends_and_comparison(
        dog_a: Dog, owner_user: User, vet_a: User) -> None:
    client = client_for(owner_user)
    response = client.post(reverse("portal:diary", args=[dog_a.pk]), {
        "score": 6, "day": TODAY.isoformat(), "note": "scratching at night",
        "photo": SimpleUploadedFile("IMG_0001.jpg", jpeg_with_gps(), "image/jpeg")})
    assert response.status_code == 302
    assert ItchScore.objects.get().score == 6
    photo = Photo.objects.get(uploaded_by=owner_user)
    with photo.image.open("rb") as stored:
        assert not Image.open(stored).getexif()
    assert photo.taken_on == TODAY
    vet = client_for(vet_a)
    trends = vet.get(reverse("clinic:trends", args=[dog_a.pk])).content.decode()
    assert "itch score (owner)" in trends
    chart = vet.get(reverse("clinic:trend_chart", args=[dog_a.pk, "itch_score"]))
    assert chart.status_code == 200
    compare = vet.get(reverse("clinic:photo_compare", args=[dog_a.pk])).content.decode()
    assert "from the owner" in compare
    mine = client.get(reverse("portal:photo", args=[dog_a.pk, photo.pk]))
    assert mine.status_code == 200


@pytest.mark.parametrize(("score", "message"), [(11, "less than or equal to 10"),
                                                (-1, "greater than or equal to 0")])
def test_an_itch_score_outside_0_to_10_is_refused_by_name(dog_a: Dog, owner_user: User,
                                                          score: int, message: str) -> None:
    response = client_for(owner_user).post(reverse("portal:diary", args=[dog_a.pk]),
                                           {"score": score, "day": TODAY.isoformat()})
    assert response.status_code == 200 and message in response.content.decode()
    assert not ItchScore.objects.exists()


def test_a_broken_photo_is_refused_and_no_score_is_half_stored(dog_a: Dog,
                                                              owner_user: User) -> None:
    response = client_for(owner_user).post(reverse("portal:diary", args=[dog_a.pk]), {
        "score": 3, "day": TODAY.isoformat(),
        "photo": SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg")})
    assert response.status_code == 200 and "is not a JPEG, PNG or WebP" in response.content.decode()
    assert not ItchScore.objects.exists() and not Photo.objects.exists()


def test_a_dose_change_reaches_the_handout(dog_a: Dog, home_plan: Any, owner_user: User) -> None:
    item = home_plan["trilostane"]
    item.dose_mg, item.product_units = Decimal(20), Decimal(2)
    item.save()
    page = client_for(owner_user).get(reverse("portal:dog", args=[dog_a.pk])).content.decode()
    assert "2 capsules of 10 mg (20 mg in all)" in page
