"""The signed-in user's API tokens: create one (its secret shown once), list them, revoke one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cutis.api.models import ApiToken
from cutis.api.tokens import TokenError, issue_token, may_hold_tokens, revoke_token


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What is the token for?",
        max_length=100,
        help_text="for example 'practice system' or 'lab import script'",
    )


def _holder(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not may_hold_tokens(user):
        raise PermissionDenied("API tokens are for clinic staff and owners")
    return user


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    user = _holder(request)
    form = TokenForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = issue_token(user, form.cleaned_data["name"])
        except TokenError as error:
            form.add_error(None if error.field == "__all__" else error.field, error.message)
        else:
            form = TokenForm()
            messages.success(request, f"Created the token “{token.name}”. Copy it now.")
    context = {
        "form": form,
        "secret": secret,
        "tokens": ApiToken.objects.filter(user=user),
        "docs_url": reverse("api:openapi-view"),
    }
    # the secret is in this response only: never cached, never stored
    response = render(request, "api/tokens.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _holder(request)
    token = get_object_or_404(ApiToken.objects.filter(user=user), pk=token_id)
    try:
        revoke_token(token)
    except TokenError as error:
        messages.error(request, f"Not revoked: {error.message}.")
    else:
        messages.success(request, f"Revoked the token “{token.name}”: it no longer opens the API.")
    return redirect("api_tokens:list")
