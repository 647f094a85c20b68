"""Every query starts from the caller's clinic: the only way views reach clinical records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from cutis.clinic.models import Clinic, Dog, StaffMember

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest


def staff_of(request: HttpRequest) -> StaffMember:
    """The signed-in staff member; anyone else (an owner, a bare user) is refused.

    The auth backend (`cutis.clinic.backends`) reads it with the user and the clinic in the same
    query; a user loaded another way gets one query here. Either way it is cached on the user
    both ways, so `user.staff.clinic` in the page header and `staff_of(request).user` cost none.
    """
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("clinic staff only")
    if not User.staff.is_cached(user):
        found = StaffMember.objects.select_related("clinic").filter(user_id=user.pk).first()
        if found is None:
            raise PermissionDenied("clinic staff only")
        user.staff = found
    try:
        return user.staff
    except StaffMember.DoesNotExist:
        raise PermissionDenied("clinic staff only") from None


def clinic_of(request: HttpRequest) -> Clinic:
    return staff_of(request).clinic


def dogs_of(request: HttpRequest) -> QuerySet[Dog]:
    return Dog.objects.filter(clinic=clinic_of(request), voided_at__isnull=True)


def dog_for(request: HttpRequest, dog_id: int) -> Dog:
    """A dog of the caller's clinic; a dog of another clinic is a 404, not a 403."""
    return get_object_or_404(dogs_of(request), pk=dog_id)
