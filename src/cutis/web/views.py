"""Views of the web project itself, outside any clinic feature."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """Liveness for the deployment's probes: answers without login or database access."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
