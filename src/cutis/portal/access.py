"""Every owner page starts from the signed-in owner's own dogs: another owner's dog is a 404."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from cutis.clinic.models import Dog, Owner


def owner_of(request: HttpRequest) -> Owner:
    """The signed-in owner; staff and bare users are refused (403), as owners are on staff pages."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("owners only")
    owner = Owner.objects.select_related("clinic").filter(user=user, voided_at__isnull=True).first()
    if owner is None:
        raise PermissionDenied("owners only")
    return owner


def dogs_of_owner(owner: Owner) -> QuerySet[Dog]:
    return owner.dogs.filter(voided_at__isnull=True).select_related("clinic")


def owner_dog_for(request: HttpRequest, dog_id: int) -> tuple[Owner, Dog]:
    owner = owner_of(request)
    return owner, get_object_or_404(dogs_of_owner(owner), pk=dog_id)
