"""A real browser against a live server: signing in and the clinic's critical alerts."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from cutis.clinic.models import Dog
from tests.web.browser import chromium, new_page, screenshot_path, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_vet_signs_in_and_sees_the_taper_alert_on_the_dashboard(
        live_server, vet_a: User, dog_a: Dog) -> None:
    with chromium() as browser:
        page = new_page(browser)
        sign_in(page, live_server.url)
        critical = page.locator(".alert.critical")
        assert "Biscuit" in critical.inner_text()
        assert "never stop abruptly" in critical.inner_text()
        page.screenshot(path=screenshot_path("dashboard"), full_page=True)


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
        live_server, vet_a: User) -> None:
    with chromium() as browser:
        page = new_page(browser)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", "not-the-password")
        page.click("button[type=submit]")
        assert "enter a correct username and password" in page.inner_text("[role=alert]")
