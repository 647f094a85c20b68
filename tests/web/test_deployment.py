"""Hardened deployment: production settings, security headers on every page, secure cookies.

HEADER_PAGES is the table of pages whose headers are checked; add a row for each new page: its URL
name, the arguments for a dog, who opens it, and whether it is an HTML page under the site's
Content-Security-Policy, a file with a stricter policy of its own, or the API's docs page with
its own. Every HTML row is also opened in a real browser, by the same visitor, which must refuse
nothing.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from cutis.clinic.models import Dog, Observation
from cutis.web.csp import API_DOCS_POLICY
from tests.web.browser import chromium, new_page, sign_in
from tests.web.conftest import client_for
from tests.web.test_permissions import (
    feed_token,
    invitation_token,
    photo,
    portal_photo,
    taper_item,
    visit,
)

ROOT = Path(__file__).resolve().parents[2]
Args = Callable[[Dog], dict[str, Any]]


def dog_args(dog: Dog) -> dict[str, Any]:
    return {"dog_id": dog.pk}


def no_args(dog: Dog) -> dict[str, Any]:
    return {}


class HeaderPage(NamedTuple):
    name: str  # URL name
    args: Args
    who: str  # "vet" (of the dog's clinic), "owner" or "anonymous"
    # "page": under the site's policy; "file": a photo, chart, PDF, calendar or schema with its own
    # policy, which loads nothing (default-src 'none') and runs no script (a chart's SVG keeps its
    # inline styles); "docs": the API's Swagger UI, under a policy of its own (cutis.web.csp)
    kind: str
    status: int = 200


HEADER_PAGES = [
    HeaderPage("login", no_args, "anonymous", "page"),
    HeaderPage("health", no_args, "anonymous", "page"),
    HeaderPage("clinic:dashboard", no_args, "vet", "page"),
    # the refusal pages an owner or another clinic's vet sees
    HeaderPage("clinic:dashboard", no_args, "owner", "page", 403),
    HeaderPage("clinic:dog_list", no_args, "vet", "page"),
    HeaderPage("clinic:dog_create", no_args, "vet", "page"),
    HeaderPage("clinic:dog_detail", dog_args, "vet", "page"),
    HeaderPage("clinic:dog_detail", lambda dog: {"dog_id": 999_999}, "vet", "page", 404),
    HeaderPage("clinic:visit_create", dog_args, "vet", "page"),
    HeaderPage("clinic:medication_create", dog_args, "vet", "page"),
    HeaderPage("clinic:body_map", lambda dog: {"dog_id": dog.pk, "visit_id": visit(dog)}, "vet",
               "page"),
    HeaderPage("clinic:lab_list", dog_args, "vet", "page"),
    HeaderPage("clinic:lab_value_create", dog_args, "vet", "page"),
    HeaderPage("clinic:lab_test_create", dog_args, "vet", "page"),
    HeaderPage("clinic:trends", dog_args, "vet", "page"),
    HeaderPage("clinic:trend_chart", lambda dog: {"dog_id": dog.pk, "slug": "weight"}, "vet",
               "file"),
    HeaderPage("clinic:photo_list", dog_args, "vet", "page"),
    HeaderPage("clinic:photo_upload", dog_args, "vet", "page"),
    HeaderPage("clinic:photo_compare", dog_args, "vet", "page"),
    HeaderPage("clinic:photo_image", lambda dog: {"dog_id": dog.pk, "photo_id": photo(dog)},
               "vet", "file"),
    HeaderPage("clinic:assessment", dog_args, "vet", "page"),
    HeaderPage("clinic:plan", dog_args, "vet", "page"),
    HeaderPage("clinic:plan_taper", lambda dog: {"dog_id": dog.pk, "item_id": taper_item(dog)},
               "vet", "page"),
    HeaderPage("clinic:plan_taper_print",
               lambda dog: {"dog_id": dog.pk, "item_id": taper_item(dog)}, "vet", "page"),
    HeaderPage("clinic:monitoring", dog_args, "vet", "page"),
    # the owner portal, as the owner; the invitation and the calendar feed open by their token
    HeaderPage("portal:home", no_args, "owner", "page"),
    HeaderPage("portal:dog", dog_args, "owner", "page"),
    HeaderPage("portal:diary", dog_args, "owner", "page"),
    HeaderPage("portal:calendar", no_args, "owner", "page"),
    HeaderPage("portal:handout", dog_args, "owner", "file"),
    HeaderPage("portal:photo", portal_photo, "owner", "file"),
    HeaderPage("portal:feed", feed_token, "anonymous", "file"),
    HeaderPage("portal:accept", invitation_token, "anonymous", "page"),
    # the API: its docs page and schema open without a token
    HeaderPage("api:openapi-view", no_args, "anonymous", "docs"),
    HeaderPage("api:openapi-json", no_args, "anonymous", "file"),
]
HTML_PAGES = [row for row in HEADER_PAGES if row.kind == "page"]
BROWSER_PAGES = [row for row in HEADER_PAGES if row.kind in ("page", "docs")]

# every response, whatever it is
COMMON_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
}
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def row_id(row: HeaderPage) -> str:
    return f"{row.name}-{row.who}-{row.status}"


def policy_of(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


@pytest.fixture
def https_production(settings: Any) -> None:
    """HSTS as production sends it (over HTTPS only), whatever the test environment says."""
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True


@pytest.fixture
def visitors(vet_a: User, owner_user: User, dog_a: Dog) -> dict[str, Client]:
    Observation.objects.create(dog=dog_a, code="weight", value=12.4, unit="kg")
    return {"vet": client_for(vet_a), "owner": client_for(owner_user), "anonymous": Client()}


@pytest.mark.django_db
@pytest.mark.usefixtures("https_production")
@pytest.mark.parametrize("row", HEADER_PAGES, ids=row_id)
def test_every_page_sends_the_security_headers(
    row: HeaderPage, visitors: dict[str, Client], dog_a: Dog
) -> None:
    response = visitors[row.who].get(reverse(row.name, kwargs=row.args(dog_a)), secure=True)
    assert response.status_code == row.status
    for header, value in COMMON_HEADERS.items():
        assert response.headers.get(header) == value, header
    header = response.headers["Content-Security-Policy"]
    policy = policy_of(header)
    if row.kind == "page":
        assert header == django_settings.CONTENT_SECURITY_POLICY
        assert policy["script-src"] == policy["style-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
    elif row.kind == "docs":
        assert header == API_DOCS_POLICY
        assert policy["script-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
    else:
        assert policy["default-src"] == ["'none'"]
        assert "script-src" not in policy


@pytest.mark.django_db
@pytest.mark.parametrize("row", HTML_PAGES, ids=row_id)
def test_no_page_carries_inline_script_style_or_event_handlers(
    row: HeaderPage, visitors: dict[str, Client], dog_a: Dog
) -> None:
    response = visitors[row.who].get(reverse(row.name, kwargs=row.args(dog_a)))
    assert response.status_code == row.status
    assert INLINE.findall(response.content.decode()) == []


@pytest.mark.django_db(transaction=True)
def test_a_real_browser_refuses_nothing_on_any_page(
    live_server: Any, vet_a: User, owner_user: User, dog_a: Dog
) -> None:
    Observation.objects.create(dog=dog_a, code="weight", value=12.4, unit="kg")
    usernames = {"vet": vet_a.username, "owner": owner_user.username, "anonymous": ""}
    with chromium() as browser:
        for who, username in usernames.items():
            page = new_page(browser)
            if username:
                sign_in(page, live_server.url, username)
            for row in (row for row in BROWSER_PAGES if row.who == who):
                path = reverse(row.name, kwargs=row.args(dog_a))
                response = page.goto(f"{live_server.url}{path}")
                assert response is not None
                assert response.status == row.status, row.name
                page.wait_for_load_state("networkidle")
            page.close()
    # chromium() fails here if the policy refused any script, style or image


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_page_draws_its_operations_under_its_own_policy(live_server: Any) -> None:
    with chromium() as browser:
        page = new_page(browser)
        page.goto(f"{live_server.url}{reverse('api:openapi-view')}")
        page.locator(".opblock").first.wait_for()
        assert page.locator(".opblock").count() > 5
        assert "Cutis API" in page.inner_text("body")
        # an opened operation shows its selects, whose arrows are the stylesheet's data: images
        page.locator(".opblock-summary").first.click()
        page.locator(".opblock-body select").first.wait_for()
        page.wait_for_load_state("networkidle")


def test_the_browser_check_catches_what_the_policy_refuses() -> None:
    """The guard above can fail: an inline style and script under our policy are reported."""
    served = {
        "status": 200,
        "content_type": "text/html",
        "headers": {"Content-Security-Policy": django_settings.CONTENT_SECURITY_POLICY},
        "body": "<p style='color: red'>inline</p><script>document.title = 'ran'</script>",
    }
    with pytest.raises(AssertionError, match="Content Security Policy"), chromium() as browser:
        page = new_page(browser)
        page.route("http://cutis.test/", lambda route: route.fulfill(**served))
        page.goto("http://cutis.test/")
        assert page.title() != "ran"


PRODUCTION_HOST = "cutis.northside-vets.example"


def production_env(data_dir: Path) -> dict[str, str]:
    """What an operator sets: DEBUG off, a real secret, the host name; nothing else."""
    kept = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "DATABASE_URL")}
    return kept | {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": PRODUCTION_HOST,
        "CUTIS_DATA_DIR": str(data_dir),
    }


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_production_settings_pass_the_deployment_checks_with_no_warning(tmp_path: Path) -> None:
    checked = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues (0 silenced)." in checked.stdout


def test_production_defaults_are_https_only_with_secure_cookies(tmp_path: Path) -> None:
    names = ["DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
             "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "PHOTO_MAX_MB"]
    script = f"from django.conf import settings; print([getattr(settings, n) for n in {names}])"
    shown = manage(production_env(tmp_path), "shell", "--no-imports", "-c", script)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == str([False, True, True, True, True, 31536000, 10])


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_except_the_health_probe(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = [PRODUCTION_HOST]
    client = Client(HTTP_HOST=PRODUCTION_HOST)
    response = client.get("/login/")
    assert response.status_code == 301
    assert response["Location"] == f"https://{PRODUCTION_HOST}/login/"
    assert client.get("/health/").status_code == 200
    assert client.get("/login/", secure=True).status_code == 200


@pytest.mark.django_db
def test_the_session_and_csrf_cookies_are_secure_and_the_session_is_not_readable_by_scripts(
    vet_a: User, settings: Any
) -> None:
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client = Client()
    client.get("/login/", secure=True)
    signed_in = client.post(
        "/login/", {"username": "alice", "password": "a-long-test-password-41"}, secure=True
    )
    assert signed_in.status_code == 302
    session, csrf = client.cookies["sessionid"], client.cookies["csrftoken"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert csrf["secure"]
