"""API personas: the web tests' users, each with an API token, and a client sending it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from cutis.api.tokens import issue_token
from cutis.clinic.models import Clinic, Dog, Owner
from tests.interop.conftest import demo_dogs  # noqa: F401 (the demo the README's examples use)
from tests.web.conftest import (  # noqa: F401 (the web tests' personas and dogs)
    admin_a,
    clinic_a,
    clinic_b,
    dog_a,
    dog_b,
    fast_password_hashing,
    make_user,
    nurse_a,
    owner_user,
    stranger,
    vet_a,
    vet_b,
)


def bearer(user: User, name: str = "test") -> str:
    _token, secret = issue_token(user, name)
    return secret


def api_client(user: User) -> Client:
    return Client(headers={"Authorization": f"Bearer {bearer(user)}"})


def post_json(client: Client, url: str, body: Any) -> Any:
    return client.post(url, body, content_type="application/json")


def put_json(client: Client, url: str, body: Any) -> Any:
    return client.put(url, body, content_type="application/json")


@pytest.fixture
def vet_api(vet_a: User) -> Client:
    return api_client(vet_a)


@pytest.fixture
def nurse_api(nurse_a: User) -> Client:
    return api_client(nurse_a)


@pytest.fixture
def owner_api(owner_user: User) -> Client:
    return api_client(owner_user)


@pytest.fixture
def other_owner(clinic_a: Clinic) -> User:
    """An owner of clinic A whose dog is not dog_a."""
    user = make_user("oscar")
    owner = Owner.objects.create(clinic=clinic_a, name="Oscar", user=user)
    dog = Dog.objects.create(clinic=clinic_a, name="Pepper", birth_date="2020-01-01")
    dog.owners.add(owner)
    return user
