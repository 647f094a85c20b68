"""Signing in and reading the signed-in user: Django's model backend, the staff member included."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User


class StaffModelBackend(ModelBackend):
    """Django's ModelBackend whose per-request user lookup brings the staff member and clinic.

    Every clinic page needs them (scoping and the page header): one query instead of two. A user
    who is not staff (an owner, a bare user) still loads; `scoping.staff_of` refuses them.
    """

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("staff__clinic").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
