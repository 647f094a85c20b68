"""Signing in and reading the signed-in user: Django's model backend, the staff member included."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from cutis.clinic.models import Clinic, StaffMember

# how long a shared cache may answer for the user before the database is asked again; every save
# of the user, its staff member or its clinic clears it at once, so this only bounds an UPDATE
# made around the ORM (a bulk deactivation, say)
USER_CACHE_SECONDS = 300


def _user_key(user_id: Any) -> str:
    return f"auth-user:{user_id}"


class StaffModelBackend(ModelBackend):
    """Django's ModelBackend whose per-request user lookup brings the staff member and clinic.

    Every clinic page needs them (scoping and the page header): one query instead of two. A user
    who is not staff (an owner, a bare user) still loads; `scoping.staff_of` refuses them. With a
    cache shared by every worker (Redis), the user is read from it: a per-process cache could not
    be cleared by a save made in another worker, so without one the database answers every time.
    """

    def get_user(self, user_id: Any) -> User | None:
        user = cache.get(_user_key(user_id)) if settings.CUTIS_SHARED_CACHE else None
        if user is None:
            try:
                user = User._default_manager.select_related("staff__clinic").get(pk=user_id)
            except User.DoesNotExist:
                return None
            if settings.CUTIS_SHARED_CACHE:
                cache.set(_user_key(user_id), user, USER_CACHE_SECONDS)
        return user if self.user_can_authenticate(user) else None


def forget_users(user_ids: Any) -> None:
    """Drop these users from the shared cache: their next request reads them afresh."""
    if settings.CUTIS_SHARED_CACHE:
        cache.delete_many([_user_key(user_id) for user_id in user_ids])


def _user_changed(sender: Any, instance: User, **kwargs: Any) -> None:
    forget_users([instance.pk])


def _staff_changed(sender: Any, instance: StaffMember, **kwargs: Any) -> None:
    forget_users([instance.user_id])


def _clinic_changed(sender: Any, instance: Clinic, **kwargs: Any) -> None:
    forget_users(instance.staff.values_list("user_id", flat=True))


def connect_user_signals() -> None:
    for signal in (post_save, post_delete):
        signal.connect(_user_changed, sender=User, dispatch_uid=f"forget-user-{signal}")
        signal.connect(_staff_changed, sender=StaffMember, dispatch_uid=f"forget-staff-{signal}")
        signal.connect(_clinic_changed, sender=Clinic, dispatch_uid=f"forget-clinic-{signal}")
