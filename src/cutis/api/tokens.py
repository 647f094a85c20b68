"""Issuing, checking and revoking API tokens.

A secret is `cutis_<prefix>_<random>`: 8 random characters to find the row, then 43 characters
(256 bits) of randomness. Only the SHA-256 digest of the whole secret is stored: the secret has so
much entropy that a slow password hash would add cost and no safety.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from cutis.api.models import ApiToken
from cutis.clinic.services.errors import EntryError

SCHEME = "cutis"
PREFIX_LENGTH = 8
# last_used_at is written at most this often per token, so reading the API is not a write per call
STAMP_EVERY = datetime.timedelta(minutes=1)


class TokenError(EntryError):
    """A token that cannot be issued or revoked as asked."""


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_hold_tokens(user: User) -> bool:
    """Clinic staff and owners with a portal login; nobody else has records to reach."""
    return user.is_active and (hasattr(user, "staff") or hasattr(user, "owner"))


@transaction.atomic
def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token and its secret: the secret is returned this once and never stored."""
    name = name.strip()
    if not name:
        raise TokenError("name", "say what the token is for (e.g. 'lab system')")
    if len(name) > 100:
        raise TokenError("name", f"must be at most 100 characters (got {len(name)})")
    if not may_hold_tokens(user):
        raise TokenError("__all__", "only clinic staff and owners may hold API tokens")
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    secret = f"{SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, digest=digest_of(secret))
    return token, secret


def token_for(secret: str) -> ApiToken | None:
    """The live token a presented secret belongs to; None for an unknown, wrong or revoked one."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != SCHEME or len(parts[1]) != PREFIX_LENGTH:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__staff__clinic", "user__owner")
        .filter(prefix=parts[1], revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, digest_of(secret)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= STAMP_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def revoke_token(token: ApiToken) -> ApiToken:
    """Revoke a token at once; it stays listed, marked revoked, so its use can be traced."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.is_revoked:
        raise TokenError(
            "__all__", f"this token was already revoked on {locked.revoked_at:%Y-%m-%d}"
        )
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    return locked
