"""The permission matrix: role x page x own or other clinic's dog, as a data table.

Every named URL of the clinic app must appear in PAGES: a new page cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cutis.clinic.models import Dog, Observation
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db

def observation(dog: Dog) -> Observation:
    return Observation.objects.create(dog=dog, code="weight", value=12, unit="kg")


# page name -> the URL's arguments, given the dog under test
PAGES: dict[str, Callable[[Dog], dict[str, Any]]] = {
    "clinic:dashboard": lambda dog: {},
    "clinic:dog_list": lambda dog: {},
    "clinic:dog_create": lambda dog: {},
    "clinic:dog_detail": lambda dog: {"dog_id": dog.pk},
    "clinic:visit_create": lambda dog: {"dog_id": dog.pk},
    "clinic:medication_create": lambda dog: {"dog_id": dog.pk},
    "clinic:lab_list": lambda dog: {"dog_id": dog.pk},
    "clinic:lab_panel": lambda dog: {"dog_id": dog.pk},
    "clinic:lab_options": lambda dog: {"dog_id": dog.pk},
    "clinic:lab_value_create": lambda dog: {"dog_id": dog.pk},
    "clinic:lab_test_create": lambda dog: {"dog_id": dog.pk},
    "clinic:lab_void": lambda dog: {"dog_id": dog.pk, "observation_id": observation(dog).pk},
    "clinic:trends": lambda dog: {"dog_id": dog.pk},
    "clinic:trend_chart": lambda dog: {"dog_id": dog.pk, "slug": "weight"},
}
# roles -> expected GET status on a page about their own clinic's dog, another clinic's dog,
# and on a page that names no dog
STAFF = {"own": 200, "other": 404, "none": 200}
MATRIX = {
    "vet": STAFF,
    "nurse": STAFF,
    "admin": STAFF,
    "owner": {"own": 403, "other": 403, "none": 403},
    "stranger": {"own": 403, "other": 403, "none": 403},
    "anonymous": {"own": 302, "other": 302, "none": 302},
}


def clinic_page_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace == "clinic:":
                names.add(f"clinic:{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return names


def test_every_clinic_page_is_in_the_matrix() -> None:
    assert clinic_page_names() - set(PAGES) == set()


@pytest.fixture
def people(vet_a: User, nurse_a: User, admin_a: User, owner_user: User,
           stranger: User) -> dict[str, Client]:
    clients = {"vet": vet_a, "nurse": nurse_a, "admin": admin_a, "owner": owner_user,
               "stranger": stranger}
    people = {role: client_for(user) for role, user in clients.items()}
    people["anonymous"] = Client()
    return people


@pytest.mark.parametrize("role", sorted(MATRIX))
@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_role_reaches_only_what_is_theirs(role: str, page: str, people: dict[str, Client],
                                               dog_a: Dog, dog_b: Dog) -> None:
    client = people[role]
    names_a_dog = bool(PAGES[page](dog_a))
    cases = [("own", dog_a), ("other", dog_b)] if names_a_dog else [("none", dog_a)]
    for which, dog in cases:
        url = reverse(page, kwargs=PAGES[page](dog))
        status = client.get(url).status_code
        assert status == MATRIX[role][which], f"{role} GET {url} ({which}): {status}"
