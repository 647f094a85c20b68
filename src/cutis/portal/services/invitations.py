"""Invitations: the clinic invites an owner or co-owner of a dog by a single-use, expiring link."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cutis.clinic.models import Dog, Owner
from cutis.clinic.services.errors import EntryError
from cutis.portal.models import Invitation
from cutis.portal.services.tokens import new_token, token_hash


class InvitationError(EntryError):
    """An invitation that cannot be made or accepted."""


@transaction.atomic
def invite_owner(
    dog: Dog, *, name: str, email: str, invited_by: User, now: datetime.datetime
) -> tuple[Invitation, str]:
    """Invite a caregiver of `dog`; returns the invitation and the token for its link.

    An owner of the clinic with the same e-mail is reused, so one person caring for two dogs has
    one account. An earlier open invitation of the same owner stops working.
    """
    name, email = name.strip(), email.strip().lower()
    if not name:
        raise InvitationError("name", "say who is invited")
    if not email or "@" not in email:
        raise InvitationError("email", f"{email!r} is not an e-mail address")
    owner = (
        Owner.objects.select_for_update()
        .filter(clinic=dog.clinic, email__iexact=email, voided_at__isnull=True)
        .first()
    )
    if owner is None:
        owner = Owner.objects.create(clinic=dog.clinic, name=name, email=email)
    dog.owners.add(owner)
    Invitation.objects.filter(owner=owner, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token, hashed = new_token()
    days = settings.CUTIS_INVITATION_DAYS
    invitation = Invitation.objects.create(
        owner=owner,
        dog=dog,
        email=email,
        token_hash=hashed,
        created_by=invited_by,
        expires=now + datetime.timedelta(days=days),
    )
    return invitation, token


def send_invitation(invitation: Invitation, link: str) -> None:
    context = {"invitation": invitation, "link": link, "days": settings.CUTIS_INVITATION_DAYS}
    send_mail(
        subject=f"{invitation.dog.clinic.name}: your page for {invitation.dog.name}",
        message=render_to_string("portal/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


def open_invitation(token: str, now: datetime.datetime) -> Invitation:
    """The invitation of a link; refused with a reason when used, replaced or expired."""
    invitation = (
        Invitation.objects.select_related("owner__user", "dog__clinic")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        raise InvitationError("token", "this link is not known")
    state = invitation.state(now)
    if state != "open":
        reasons = {
            "used": "this link was already used: sign in with your password",
            "replaced": "the clinic sent a newer link: use the latest e-mail",
            "expired": "this link has expired: ask the clinic for a new one",
        }
        raise InvitationError("token", reasons[state])
    return invitation


@transaction.atomic
def accept_invitation(
    token: str, *, password: str, now: datetime.datetime
) -> tuple[Invitation, User]:
    """Use the link once: set the owner's password (or keep their account) and close the link."""
    invitation = open_invitation(token, now)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise InvitationError("token", "this link was already used: sign in with your password")
    owner = Owner.objects.select_for_update().get(pk=invitation.owner_id)
    user = owner.user
    if user is None:
        username = invitation.email
        if User.objects.filter(username__iexact=username).exists():
            raise InvitationError(
                "email", "an account with this e-mail already exists: ask the clinic"
            )
        candidate = User(username=username, email=invitation.email, first_name=owner.name)
        try:
            validate_password(password, candidate)
        except ValidationError as error:
            raise InvitationError("password", " ".join(error.messages)) from error
        candidate.set_password(password)
        candidate.save()
        owner.user = candidate
        owner.save(update_fields=["user"])
        user = candidate
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    return invitation, user
