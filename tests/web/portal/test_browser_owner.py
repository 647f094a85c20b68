"""The owner's phone (375 px wide), in a real browser against a live server: accept the invite,
tick off today's care, score the itch with a photo, take the handout, subscribe to the calendar."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from icalendar import Calendar
from PIL import Image
from playwright.sync_api import Page, ViewportSize

from cutis.clinic.models import Dog, PlanItem
from cutis.portal.models import CareDone, ItchScore
from cutis.portal.services.invitations import invite_owner
from tests.web.browser import chromium, screenshot_path

pytestmark = pytest.mark.django_db(transaction=True)
PHONE: ViewportSize = {"width": 375, "height": 812}
PASSWORD = "gritty-spots-on-tuesday-9"


def fits_the_phone(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_an_owner_on_a_phone_does_the_whole_round(live_server, vet_a: User, dog_a: Dog,
                                                  tmp_path: Path) -> None:
    today = timezone.localdate()
    PlanItem.objects.create(dog=dog_a, treatment="trilostane", drug="trilostane",
                            dose_mg=Decimal(10), mg_per_kg=Decimal("0.806"),
                            interval_hours=Decimal(12), route="oral",
                            product_strength_mg=Decimal(10), product_units=Decimal(1),
                            product_form="capsule", start=today)
    PlanItem.objects.create(dog=dog_a, treatment="antimicrobial_bathing", start=today)
    _invitation, token = invite_owner(dog_a, name="Rosa", email="rosa@example.org",
                                      invited_by=vet_a, now=timezone.now())
    picture = tmp_path / "spots.jpg"
    Image.new("RGB", (120, 90), "salmon").save(picture, "JPEG")

    with chromium() as browser:
        context = browser.new_context(viewport=PHONE, accept_downloads=True)
        page = context.new_page()
        base = live_server.url

        # the invitation: choose a password, land on today's tasks
        page.goto(f"{base}/owner/invitation/{token}/")
        assert fits_the_phone(page)
        page.get_by_label("Choose a password").fill(PASSWORD)
        page.get_by_label("The same password again").fill(PASSWORD)
        page.get_by_role("button", name="Save my password").click()
        page.wait_for_url(f"{base}/owner/")
        assert "Here is what to do today" in page.inner_text("main")
        assert fits_the_phone(page)
        page.screenshot(path=screenshot_path("owner-today-before"), full_page=True)

        # two trilostane doses and the first bath: one tap each
        buttons = page.get_by_role("button", name="Mark done:")
        assert buttons.count() == 3
        while buttons.count():
            buttons.first.click()
            page.wait_for_load_state()
        assert page.inner_text("main").count("Done by Rosa") == 3
        assert CareDone.objects.filter(dog=dog_a, day=today).count() == 3
        # var/test-artefacts/owner-today.png is the one copied to docs/screenshots for the README
        page.screenshot(path=screenshot_path("owner-today"), full_page=True)

        # the itch score with a photo from the phone
        page.get_by_role("link", name="Itch and photos").click()
        page.get_by_label("Itch today (0 = none, 10 = worst)").fill("4")
        page.get_by_label("Photo of the spots (optional)").set_input_files(str(picture))
        page.get_by_role("button", name="Save").click()
        assert "Saved: itch 4" in page.inner_text("main")
        assert page.locator(".photos img").count() == 1
        assert fits_the_phone(page)
        page.screenshot(path=screenshot_path("owner-diary"), full_page=True)
        assert ItchScore.objects.get(dog=dog_a).score == 4

        # the plan in plain words, then the handout as a PDF download
        page.goto(f"{base}/owner/dogs/{dog_a.pk}/")
        assert "Call the clinic at once if" in page.inner_text("main") and fits_the_phone(page)
        page.screenshot(path=screenshot_path("owner-plan"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="Print this (PDF)").click()
        pdf = Path(download.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF-")

        # the calendar: make a link and read it as a calendar app would
        page.get_by_role("link", name="Calendar").click()
        page.get_by_role("button", name="Make my calendar link").click()
        link = page.get_by_label("Calendar link").input_value()
        assert fits_the_phone(page)
        feed = context.request.get(link)
        assert feed.ok
        events = Calendar.from_ical(feed.body()).walk("VEVENT")
        summaries = sorted(str(event["summary"]) for event in events)
        assert summaries.count("Biscuit: Give trilostane (Vetoryl)") == 2
        assert "Biscuit: Bath time" in summaries
        context.close()
    assert io.BytesIO(pdf).getbuffer().nbytes > 1000
