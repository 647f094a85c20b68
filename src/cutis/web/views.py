"""Views of the web project itself, outside any clinic feature."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """Liveness for the deployment's probes: answers without login or database access."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


class SignInView(auth_views.LoginView):
    """Django's login; an owner (not staff) lands on the owner portal, not the clinic dashboard."""

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        if not hasattr(user, "staff") and hasattr(user, "owner"):
            return reverse("portal:home")
        return super().get_default_redirect_url()
