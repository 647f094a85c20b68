"""Accessibility: axe-core finds no serious or critical violation on the vet's main pages and
every owner page (the owner's at a phone's width).

axe-core comes from the npm registry (`make test` installs the pinned version into var/node, see
the Makefile) and Playwright injects it into each page served by the live server to Debian's
chromium, after the page and its htmx panels have loaded. The demo data gives every page
something to show: plans, tapers, monitoring, photos, lab trends.

PAGES is a table: one row per page, with who signs in to see it and how wide the window is.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page

from cutis.clinic.models import Dog, PlanItem
from cutis.portal.services.invitations import invite_owner
from tests.web.browser import chromium, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("CUTIS_AXE", ROOT / "var/node/node_modules/axe-core/axe.min.js"))
DEMO_PASSWORD = "cutis-demo"
# what fails the test; moderate and minor findings are printed, not failed
BLOCKING = ("serious", "critical")
DESK, PHONE = 1280, 375  # window widths in CSS pixels: the clinic's screen, the owner's phone


@dataclass(frozen=True)
class Demo:
    dog: Dog
    visit_id: int
    taper_id: int
    invitation_token: str


@dataclass(frozen=True)
class A11yPage:
    url: Callable[[Demo], str]
    # who signs in first: "" for a page seen signed out
    user: str = "vet"
    # something to do on the page before it is checked (e.g. submit a form to show its errors)
    then: Callable[[Page], None] | None = None
    width: int = DESK


def dog_page(name: str, *more: Callable[[Demo], Any]) -> Callable[[Demo], str]:
    return lambda demo: reverse(name, args=[demo.dog.pk, *(arg(demo) for arg in more)])


def submit_empty(page: Page) -> None:
    page.locator("main form[method=post] button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")


PAGES: dict[str, A11yPage] = {
    "login": A11yPage(lambda demo: reverse("login"), user=""),
    "dashboard": A11yPage(lambda demo: reverse("clinic:dashboard")),
    "dog list": A11yPage(lambda demo: reverse("clinic:dog_list")),
    "new dog form": A11yPage(lambda demo: reverse("clinic:dog_create")),
    "new dog form with errors": A11yPage(lambda demo: reverse("clinic:dog_create"),
                                         then=submit_empty),
    "dog page": A11yPage(dog_page("clinic:dog_detail")),
    "visit form": A11yPage(dog_page("clinic:visit_create")),
    "medication form": A11yPage(dog_page("clinic:medication_create")),
    "lab results": A11yPage(dog_page("clinic:lab_list")),
    "lab value entry": A11yPage(dog_page("clinic:lab_value_create")),
    "lab value entry with errors": A11yPage(dog_page("clinic:lab_value_create"),
                                            then=submit_empty),
    "test result entry": A11yPage(dog_page("clinic:lab_test_create")),
    "body map": A11yPage(dog_page("clinic:body_map", lambda demo: demo.visit_id)),
    "lesion form": A11yPage(
        dog_page("clinic:lesion_create", lambda demo: demo.visit_id, lambda demo: "back")),
    "trends": A11yPage(dog_page("clinic:trends")),
    "assessment": A11yPage(dog_page("clinic:assessment")),
    "plan": A11yPage(dog_page("clinic:plan")),
    "dose calculator": A11yPage(dog_page("clinic:plan_item_edit", lambda demo: demo.taper_id)),
    "taper": A11yPage(dog_page("clinic:plan_taper", lambda demo: demo.taper_id)),
    "monitoring": A11yPage(dog_page("clinic:monitoring")),
    "photos": A11yPage(dog_page("clinic:photo_list")),
    "photo upload": A11yPage(dog_page("clinic:photo_upload")),
    "photo comparison": A11yPage(dog_page("clinic:photo_compare")),
    "not found": A11yPage(lambda demo: "/dogs/999999/"),
    # the owner portal, on the owner's phone (the handout PDF and the calendar feed are files)
    "owner: today": A11yPage(lambda demo: reverse("portal:home"), user="owner", width=PHONE),
    "owner: the plan": A11yPage(dog_page("portal:dog"), user="owner", width=PHONE),
    "owner: itch and photos": A11yPage(dog_page("portal:diary"), user="owner", width=PHONE),
    "owner: itch score with errors": A11yPage(dog_page("portal:diary"), user="owner",
                                              then=submit_empty, width=PHONE),
    "owner: calendar link": A11yPage(lambda demo: reverse("portal:calendar"), user="owner",
                                     width=PHONE),
    "owner: invitation": A11yPage(
        lambda demo: reverse("portal:accept", args=[demo.invitation_token]), user="",
        width=PHONE),
    "owner: invitation with errors": A11yPage(
        lambda demo: reverse("portal:accept", args=[demo.invitation_token]), user="",
        then=submit_empty, width=PHONE),
}


def violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return list(result["violations"])


def describe(violation: dict[str, Any]) -> str:
    nodes = violation["nodes"]
    where = "; ".join(
        f"{' '.join(node['target'])}: {node.get('failureSummary', '').splitlines()[-1].strip()}"
        for node in nodes[:3]
    )
    more = f" (+{len(nodes) - 3} more)" if len(nodes) > 3 else ""
    return f"[{violation['impact']}] {violation['id']}: {violation['help']} — {where}{more}"


@pytest.fixture
def demo(settings: Any) -> Demo:
    settings.DEMO = True
    call_command("load_demo", stdout=io.StringIO())
    dog = Dog.objects.get(name="Biscuit")
    visit = dog.visits.filter(voided_at__isnull=True).first()
    taper = PlanItem.objects.filter(dog=dog, treatment="glucocorticoid_taper").first()
    assert visit is not None and taper is not None
    _invitation, token = invite_owner(dog, name="Rosa", email="rosa@example.org",
                                      invited_by=User.objects.get(username="vet"),
                                      now=timezone.now())
    return Demo(dog=dog, visit_id=visit.pk, taper_id=taper.pk, invitation_token=token)


def test_the_check_fails_a_page_with_an_unlabelled_field_and_an_image_without_alt() -> None:
    assert AXE.is_file(), f"{AXE} is missing: `make test` installs axe-core with npm"
    with chromium() as browser:
        page = browser.new_page()
        page.set_content(
            '<!doctype html><html lang="en"><title>t</title><main><h1>t</h1>'
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input name="weight"></main>'
        )
        blocking = {v["id"] for v in violations(page) if v["impact"] in BLOCKING}
    assert {"image-alt", "label"} <= blocking


def test_the_vets_main_pages_and_the_owners_have_no_serious_or_critical_violation(
    live_server: Any, demo: Demo
) -> None:
    assert AXE.is_file(), f"{AXE} is missing: `make test` installs axe-core with npm"
    found: dict[str, list[str]] = {}
    with chromium() as browser:
        for user, width in sorted({(page.user, page.width) for page in PAGES.values()}):
            # axe is injected as an inline script: a test tool's privilege, so the page's CSP
            # is bypassed here (the CSP itself is checked by tests/web/test_deployment.py)
            context = browser.new_context(viewport={"width": width, "height": 900},
                                          bypass_csp=True)
            page = context.new_page()
            page.set_default_timeout(15_000)
            if user:
                sign_in(page, live_server.url, user, DEMO_PASSWORD)
            for name, row in PAGES.items():
                if (row.user, row.width) != (user, width):
                    continue
                page.goto(f"{live_server.url}{row.url(demo)}", wait_until="networkidle")
                if row.then is not None:
                    row.then(page)
                for violation in violations(page):
                    line = describe(violation)
                    if violation["impact"] in BLOCKING:
                        found.setdefault(name, []).append(line)
                    else:
                        print(f"{name}: {line}")
            context.close()
    assert found == {}, "\n".join(
        f"{name}:\n  " + "\n  ".join(lines) for name, lines in found.items()
    )
