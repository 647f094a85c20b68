"""Launching Debian's chromium through Playwright, as the stack notes prescribe."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connections
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests.web.conftest import PASSWORD

# Playwright's sync API runs an event loop; Django's live_server with the ORM needs this
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CUTIS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artefacts"


# what the Content-Security-Policy made the browser refuse, per open browser (see new_page)
REFUSALS: dict[int, list[str]] = {}


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's chromium; fails at the end if any page opened with `new_page` broke the CSP."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        refused = REFUSALS.setdefault(id(browser), [])
        try:
            yield browser
        finally:
            browser.close()
            REFUSALS.pop(id(browser), None)
            # the ORM calls made inside the block ran in Playwright's context, where Django keeps
            # connections apart from the test's: close them, or PostgreSQL cannot drop the test
            # database at the end of the run ("being accessed by other users")
            connections.close_all()
        assert not refused, f"the Content-Security-Policy refused: {refused}"


def new_page(browser: Browser, **options: Any) -> Page:
    """A page whose console is watched for Content-Security-Policy refusals."""
    page = browser.new_page(**options)
    refused = REFUSALS[id(browser)]

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{page.url}: {message.text}")

    page.on("console", watch)
    return page


def screenshot_path(name: str) -> str:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTEFACTS / f"{name}.png")


def sign_in(page: Page, base: str, username: str = "alice", password: str = "") -> None:
    """Sign in through the login form and wait for the dashboard (an owner's: the portal)."""
    page.goto(f"{base}/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password or PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: url in (f"{base}/", f"{base}/owner/"))
