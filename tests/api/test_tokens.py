"""API tokens: created on the web page and shown once, stored hashed, stamped when used, revoked."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from cutis.api.models import ApiToken
from cutis.api.tokens import digest_of, issue_token, token_for
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db
PAGE = "/account/api-tokens/"


def test_a_vet_creates_a_token_and_sees_its_secret_once(vet_a: User) -> None:
    web = client_for(vet_a)
    response = web.post(PAGE, {"name": "practice system"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=vet_a)
    secret = response.context["secret"]
    assert secret.startswith(f"cutis_{token.prefix}_") and secret in response.content.decode()
    assert token.name == "practice system"
    # only the digest is stored: nothing in the row opens the API
    assert token.digest == digest_of(secret) and secret not in (token.digest, token.prefix)
    listed = web.get(PAGE).content.decode()
    assert "practice system" in listed and f"cutis_{token.prefix}_…" in listed
    assert secret not in listed


def test_a_token_opens_the_api_and_is_stamped_when_used(vet_a: User) -> None:
    token, secret = issue_token(vet_a, "lab")
    assert token.last_used_at is None
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/dogs")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_is_refused_with_401(vet_a: User) -> None:
    token, secret = issue_token(vet_a, "lab")
    web = client_for(vet_a)
    response = web.post(f"{PAGE}{token.pk}/revoke/", follow=True)
    assert "Revoked the token “lab”" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/dogs").status_code == 401
    assert "revoked" in web.get(PAGE).content.decode()


@pytest.mark.parametrize("presented", ["", "cutis_", "cutis_0000_abc", "not-a-token",
                                       "cutis_deadbeef_wrong-secret"])
def test_a_wrong_token_is_refused_with_401(vet_a: User, presented: str) -> None:
    issue_token(vet_a, "lab")
    response = Client(headers={"Authorization": f"Bearer {presented}"}).get("/api/v1/dogs")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_a_token_with_the_right_prefix_and_a_wrong_secret_is_refused(vet_a: User) -> None:
    token, secret = issue_token(vet_a, "lab")
    assert token_for(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert token_for(secret) == token


def test_a_token_of_a_deactivated_user_is_refused(vet_a: User) -> None:
    _token, secret = issue_token(vet_a, "lab")
    vet_a.is_active = False
    vet_a.save()
    assert Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/dogs").status_code == 401


def test_nobody_revokes_another_users_token(vet_a: User, nurse_a: User) -> None:
    token, _secret = issue_token(vet_a, "lab")
    response = client_for(nurse_a).post(f"{PAGE}{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_owner_may_hold_a_token_and_a_user_with_no_records_may_not(
        owner_user: User, stranger: User) -> None:
    assert client_for(owner_user).post(PAGE, {"name": "my phone"}).status_code == 200
    assert ApiToken.objects.filter(user=owner_user).count() == 1
    assert client_for(stranger).post(PAGE, {"name": "x"}).status_code == 403
    assert not ApiToken.objects.filter(user=stranger).exists()


def test_a_token_needs_a_name(vet_a: User) -> None:
    response = client_for(vet_a).post(PAGE, {"name": "  "})
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_operator_command_prints_a_working_token(vet_a: User) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("issue_api_token", "alice", "import script", stdout=out)
    secret = out.getvalue().strip()
    assert token_for(secret) == ApiToken.objects.get(user=vet_a, name="import script")
