"""The whole permission matrix: every URL the site answers and every API operation has a row.

Three tables say who may open what, each tried role by role with the Django test client:
`PAGES` (the clinic app and the site's own pages) and `PORTAL_PAGES` (the owner portal) in
tests/web/test_permissions.py, `SCOPES` (every operation of both OpenAPI schemas) in
tests/api/test_scoping.py. This module walks the whole URLconf, every namespace, and both schemas,
and fails on any URL or operation none of the tables holds, so a page added tomorrow without a row
fails here, whichever app it lands in. A few URLs are outside the matrix on purpose (EXCLUDED).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, path

from tests.api.test_scoping import API_ROLES, SCOPES, operations
from tests.web.conftest import client_for
from tests.web.test_permissions import PAGES, PORTAL_PAGES, PORTAL_ROLES, ROLES

# URL name, or namespace ending in ":", -> why it has no row in the role matrix
EXCLUDED = {
    "admin:": "Django's admin site: it lets in only superusers it signs in itself (is_staff); "
    "no clinic or owner role opens it (test_the_admin_site_lets_no_cutis_role_in)",
    "api:openapi-json": "django-ninja's schema of the API: its operations are the rows of SCOPES",
    "api:openapi-view": "django-ninja's page that renders that schema: no record behind it",
    "api:api-root": "django-ninja's empty root under /api/v1/: no operation, no record",
    "cds:openapi-json": "django-ninja's schema of CDS Hooks: its operations are rows of SCOPES",
    "cds:api-root": "django-ninja's empty root behind the clinic dashboard at /: never reached",
}

# every role issue 6 names; the tables' own names for them
ISSUE_ROLES = {
    "admin",  # clinic admin of clinic A
    "vet",  # vet of clinic A
    "nurse",  # nurse of clinic A
    "vet_b",  # vet of clinic B
    "owner",  # Biscuit's owner
    "co_owner",  # Biscuit's second owner
    "other_owner",  # the owner of another dog of clinic A
    "anonymous",
    "revoked_token",  # clinic A vet's API token, revoked
}


@dataclass(frozen=True)
class Route:
    """One URL pattern of the URLconf: its namespaced name, its route and its view."""

    name: str
    route: str
    view: Callable[..., Any]

    @property
    def is_api_operation(self) -> bool:
        # every view django-ninja makes for an operation comes from ninja.operation
        return getattr(self.view, "__module__", "") == "ninja.operation"

    @property
    def openapi_path(self) -> str:
        """The route as the OpenAPI schema writes it: /api/v1/dogs/{dog_id}."""
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.route)


def routes(patterns: list[Any], namespace: str = "", prefix: str = "") -> Iterator[Route]:
    """Every URL pattern under `patterns`, recursively through includes and namespaces."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from routes(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed>"
            yield Route(name, prefix + str(pattern.pattern), pattern.callback)


def excluded_by(key: str, name: str) -> bool:
    """Whether the EXCLUDED key (a URL name, or a namespace ending in ":") covers `name`."""
    return name.startswith(key) if key.endswith(":") else name == key


def excluded(route: Route) -> bool:
    return any(excluded_by(key, route.name) for key in EXCLUDED)


def uncovered(patterns: list[Any]) -> list[str]:
    """The URLs of `patterns` no table holds: a page by its name, an API operation by its path."""
    pages = set(PAGES) | set(PORTAL_PAGES)
    api_paths = {path for _method, path in SCOPES}
    missing = []
    for route in routes(patterns):
        if excluded(route):
            continue
        if route.is_api_operation:
            if route.openapi_path not in api_paths:
                missing.append(f"API {route.openapi_path} ({route.name})")
        elif route.name not in pages:
            missing.append(f"page {route.name} at /{route.route}")
    return missing


def test_every_url_of_the_site_has_a_row_in_a_permission_table() -> None:
    assert uncovered(get_resolver().url_patterns) == []


def test_every_operation_of_both_openapi_schemas_has_a_row() -> None:
    assert sorted(operations() - set(SCOPES)) == []


def test_no_row_is_left_for_a_url_that_is_gone() -> None:
    names = {route.name for route in routes(get_resolver().url_patterns)}
    assert sorted(set(PAGES) - names) == []
    assert sorted(set(PORTAL_PAGES) - names) == []
    assert sorted(set(SCOPES) - operations()) == []


def test_every_exclusion_still_names_a_url() -> None:
    names = [route.name for route in routes(get_resolver().url_patterns)]
    assert [key for key in EXCLUDED if not any(excluded_by(key, name) for name in names)] == []


def a_new_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("a page nobody gave a row")


@pytest.mark.parametrize(
    ("mounted", "expected"),
    [
        (path("reports/", a_new_page, name="reports"), "page reports at /reports/"),
        (path("owner/extra/", a_new_page), "page <unnamed> at /owner/extra/"),
    ],
)
def test_a_page_added_without_a_row_is_reported(mounted: URLPattern, expected: str) -> None:
    assert uncovered([mounted, *get_resolver().url_patterns]) == [expected]


def test_an_api_operation_added_without_a_row_is_reported() -> None:
    from ninja import NinjaAPI

    tomorrow = NinjaAPI(urls_namespace="tomorrow")

    @tomorrow.get("/dogs/{dog_id}/secrets")
    def secrets(request: HttpRequest, dog_id: int) -> dict[str, str]:
        return {}

    # a whole new API: its operation and ninja's own views, until they are excluded by name
    assert uncovered([path("api/v2/", tomorrow.urls)]) == [
        "page tomorrow:openapi-json at /api/v2/openapi.json",
        "page tomorrow:openapi-view at /api/v2/docs",
        "API /api/v2/dogs/{dog_id}/secrets (tomorrow:secrets)",
        "page tomorrow:api-root at /api/v2/",
    ]


@pytest.mark.parametrize(
    ("table", "roles"),
    [("PAGES", ROLES), ("PORTAL_PAGES", PORTAL_ROLES), ("SCOPES", API_ROLES)],
)
def test_each_table_tries_every_role_the_issue_names(table: str, roles: tuple[str, ...]) -> None:
    assert sorted(ISSUE_ROLES - set(roles)) == [], f"{table} never tries these roles"


@pytest.mark.django_db
def test_the_admin_site_lets_no_cutis_role_in(vet_a: User, admin_a: User,
                                              owner_user: User) -> None:
    for user in (vet_a, admin_a, owner_user):
        response = client_for(user).get("/admin/")
        assert response.status_code == 302, user.username
        assert response["Location"].startswith("/admin/login/")
