"""The Content-Security-Policy header, from the CONTENT_SECURITY_POLICY setting.

Django 5.2 has no built-in CSP; this is the whole of what Cutis needs (one fixed policy, no
nonces, since no page carries inline script or style), so it is ours rather than a dependency.
A view that sets a stricter policy of its own (a photo, a chart, a PDF) keeps it; the views
django-ninja draws (the API's docs page and schema) get theirs here, by path.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# a file shown on its own (a photo, a PDF, a calendar, a JSON schema): it loads and runs nothing
FILE_POLICY = "default-src 'none'; sandbox"
# the API's docs page (Swagger UI as django-ninja ships it): script and style are static files,
# but its stylesheet draws the arrows of an opened operation's selects as data: images, which the
# site's policy refuses; still no inline script or style, no frame, no other origin
API_DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
POLICY_BY_PATH = {
    "/api/v1/docs": API_DOCS_POLICY,
    "/api/v1/openapi.json": FILE_POLICY,
}


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy: str = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = POLICY_BY_PATH.get(request.path, self.policy)
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        return response
