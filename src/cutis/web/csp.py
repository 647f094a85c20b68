"""The Content-Security-Policy header, from the CONTENT_SECURITY_POLICY setting.

Django 5.2 has no built-in CSP; this is the whole of what Cutis needs (one fixed policy, no
nonces, since no page carries inline script or style), so it is ours rather than a dependency.
A view that sets a stricter policy of its own (a photo, a chart) keeps it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy: str = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
