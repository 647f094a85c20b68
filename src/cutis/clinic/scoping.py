"""Every query starts from the caller's clinic: the only way views reach clinical records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404

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


# dogs_of(request).get(pk=...) as SQL written once: every clinic page starts here, and building
# the same query through the ORM cost about as much as PostgreSQL takes to answer it
_DOG_OF_CLINIC = (
    f"SELECT * FROM {Dog._meta.db_table} WHERE id = %s AND clinic_id = %s AND voided_at IS NULL"
)


def dog_for(request: HttpRequest, dog_id: int) -> Dog:
    """A dog of the caller's clinic; a dog of another clinic is a 404, not a 403."""
    clinic = clinic_of(request)
    # a number no key can hold names no dog (and must not reach the database as an overflow)
    in_range = 0 < int(dog_id) < 2**63
    found = list(Dog.objects.raw(_DOG_OF_CLINIC, [dog_id, clinic.pk])) if in_range else []
    if not found:
        raise Http404("No dog of this clinic has that number.")
    dog = found[0]
    Dog.clinic.field.set_cached_value(dog, clinic)
    return dog
