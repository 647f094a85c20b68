"""Login throttling and CSRF: the guards every clinic page relies on."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from cutis.clinic.models import Dog
from tests.web.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def test_repeated_wrong_passwords_lock_the_account_out(vet_a: User, settings: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "alice", "password": "wrong"})
    locked = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_guessing_across_many_user_names_locks_out_the_address(
    vet_a: User, settings: Any
) -> None:
    # password spraying: one wrong guess per user name, all from one address
    client = Client(REMOTE_ADDR="203.0.113.9")
    for number in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": f"guess{number}", "password": "Summer2025!"})
    locked = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # the vet at the clinic's own address still signs in
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert elsewhere.post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 302


def test_a_form_posted_without_its_csrf_token_is_refused(vet_a: User, dog_a: Dog) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(vet_a, backend="cutis.clinic.backends.StaffModelBackend")
    response = client.post(f"/dogs/{dog_a.pk}/visits/new/",
                           {"date": "2025-08-01", "weight_kg": "12"})
    assert response.status_code == 403
    assert dog_a.visits.count() == 1


def test_the_same_form_with_its_token_is_accepted(vet_a: User, dog_a: Dog) -> None:
    client = client_for(vet_a)
    response = client.post(f"/dogs/{dog_a.pk}/visits/new/",
                           {"date": "2025-08-01", "weight_kg": "12"})
    assert response.status_code == 302
    assert dog_a.visits.count() == 2
