"""Bearer authentication with the tokens a user creates in the web app."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from cutis.api.scope import Caller
from cutis.api.tokens import token_for


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        found = token_for(token.strip())
        if found is None:
            return None
        # simple-history reads the user from the request: every change made through the API is
        # recorded under the token's user, as a change made in the web app is
        request.user = found.user
        return Caller.of(found)
