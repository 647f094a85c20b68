"""Who is calling the API and what they may reach: every route starts here.

A staff member reaches the dogs of their clinic; an owner reaches their own dogs and may only read.
A record outside the caller's reach is a 404, never a 403, so its existence is not disclosed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from ninja.errors import AuthorizationError

from cutis.api.models import ApiToken
from cutis.clinic.models import Dog, Owner, StaffMember
from cutis.clinic.services.plan import may_prescribe

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Caller:
    token: ApiToken
    user: User
    staff: StaffMember | None
    owner: Owner | None

    @classmethod
    def of(cls, token: ApiToken) -> Caller:
        user = token.user
        staff = getattr(user, "staff", None)
        owner = getattr(user, "owner", None)
        if owner is not None and owner.is_voided:
            owner = None
        return cls(token=token, user=user, staff=staff, owner=owner)

    def dogs(self) -> QuerySet[Dog]:
        standing = Dog.objects.filter(voided_at__isnull=True)
        if self.staff is not None:
            return standing.filter(clinic_id=self.staff.clinic_id)
        if self.owner is not None:
            return standing.filter(owners=self.owner, clinic_id=self.owner.clinic_id)
        return standing.none()

    def dog(self, dog_id: int) -> Dog:
        found = self.dogs().select_related("clinic").filter(pk=dog_id).first()
        if found is None:
            raise Http404("no such dog")
        return found

    def clinic_staff(self) -> StaffMember:
        """The caller as clinic staff: owners read their dogs' records but do not change them."""
        if self.staff is None:
            raise AuthorizationError(message="only clinic staff change records")
        return self.staff

    def clinic_admin(self) -> StaffMember:
        """The caller as their clinic's admin: the full export is the admin's alone."""
        staff = self.clinic_staff()
        if staff.role != StaffMember.ADMIN:
            raise AuthorizationError(message="only the clinic's admin exports the clinic's data")
        return staff

    def prescriber(self) -> StaffMember:
        staff = self.clinic_staff()
        if not may_prescribe(staff):
            raise AuthorizationError(message="only a vet changes the treatment plan")
        return staff


def standing_one(records: QuerySet[M], record_id: int, missing: str) -> M:
    """The record with this id among `records` unless voided; a 404 saying `missing` otherwise."""
    found = records.filter(voided_at__isnull=True, pk=record_id).first()
    if found is None:
        raise Http404(missing)
    return found


def caller(request: HttpRequest) -> Caller:
    """The authenticated caller ninja stored on the request (see cutis.api.auth)."""
    found = getattr(request, "auth", None)
    if not isinstance(found, Caller):
        raise AuthorizationError(message="no API token")
    return found
