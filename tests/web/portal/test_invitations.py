"""Invitations: single-use, expiring, hashed links for owners and co-owners; owners land on the
portal after signing in."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cutis.clinic.models import Dog, Owner
from cutis.portal.models import Invitation
from cutis.portal.services.tokens import token_hash
from tests.web.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "plaque-gel-tuesday-7"


def invite(vet: User, dog: Dog, email: str = "rosa@example.org", name: str = "Rosa") -> str:
    response = client_for(vet).post(reverse("portal:invite", args=[dog.pk]),
                                    {"name": name, "email": email})
    assert response.status_code == 302
    link = re.search(r"http://testserver(/owner/invitation/\S+/)", str(mail.outbox[-1].body))
    assert link is not None
    return link.group(1)


def test_staff_invite_an_owner_by_email_and_only_a_hash_is_stored(vet_a: User, dog_a: Dog) -> None:
    path = invite(vet_a, dog_a)
    assert mail.outbox[-1].to == ["rosa@example.org"] and "Biscuit" in mail.outbox[-1].subject
    token = path.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get()
    assert invitation.token_hash == token_hash(token) and token not in invitation.token_hash
    assert dog_a.owners.filter(name="Rosa", email="rosa@example.org").exists()


def test_the_owner_sets_a_password_lands_on_the_portal_and_the_link_is_spent(
        vet_a: User, dog_a: Dog) -> None:
    path = invite(vet_a, dog_a)
    browser = Client()
    response = browser.post(path, {"password": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert "Biscuit" in browser.get(reverse("portal:home")).content.decode()
    owner = Owner.objects.get(name="Rosa")
    assert owner.user is not None and owner.user.check_password(NEW_PASSWORD)
    again = Client().get(path)
    assert again.status_code == 410 and "already used" in again.content.decode()


def test_a_weak_or_mismatched_password_is_refused_by_name_and_the_link_stays_open(
        vet_a: User, dog_a: Dog) -> None:
    path = invite(vet_a, dog_a)
    response = Client().post(path, {"password": "password", "again": "password"})
    assert response.status_code == 200 and "too common" in response.content.decode()
    response = Client().post(path, {"password": NEW_PASSWORD, "again": "other"})
    assert "not the same" in response.content.decode()
    assert Owner.objects.get(name="Rosa").user is None
    assert Invitation.objects.get().used_at is None


def test_an_expired_link_is_refused(vet_a: User, dog_a: Dog) -> None:
    path = invite(vet_a, dog_a)
    Invitation.objects.update(expires=timezone.now() - datetime.timedelta(minutes=1))
    response = Client().post(path, {"password": NEW_PASSWORD, "again": NEW_PASSWORD})
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert Owner.objects.get(name="Rosa").user is None


def test_a_newer_invitation_replaces_the_older_link(vet_a: User, dog_a: Dog) -> None:
    first = invite(vet_a, dog_a)
    second = invite(vet_a, dog_a)
    assert Client().get(first).status_code == 410
    assert Client().get(second).status_code == 200
    assert Owner.objects.filter(email="rosa@example.org").count() == 1


def test_a_co_owner_gets_their_own_account_for_the_same_dog(vet_a: User, dog_a: Dog,
                                                            owner_user: User) -> None:
    path = invite(vet_a, dog_a, email="cora@example.org", name="Cora")
    Client().post(path, {"password": NEW_PASSWORD, "again": NEW_PASSWORD})
    cora = Client()
    signed_in = cora.post(reverse("login"),
                          {"username": "cora@example.org", "password": NEW_PASSWORD})
    assert signed_in["Location"] == reverse("portal:home")
    assert cora.get(reverse("portal:dog", args=[dog_a.pk])).status_code == 200
    assert dog_a.owners.count() == 2


def test_an_unknown_link_is_gone_not_an_error(db: None) -> None:
    assert Client().get(reverse("portal:accept", args=["not-a-token"])).status_code == 410


def test_an_owner_signing_in_lands_on_the_portal_and_staff_on_the_dashboard(
        owner_user: User, vet_a: User) -> None:
    response = Client().post(reverse("login"), {"username": "olive", "password": PASSWORD})
    assert response["Location"] == reverse("portal:home")
    response = Client().post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response["Location"] == reverse("clinic:dashboard")
