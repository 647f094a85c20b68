"""The REST API, version 1, mounted at /api/v1/ (docs at /api/v1/docs, schema at openapi.json).

Adding a feature is one router module and one line in ROUTERS: the router starts every route
from `caller(request).dog(dog_id)` (cutis.api.scope), and errors take the shapes in cutis.api.errors.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Router

from cutis import ENGINE_VERSION
from cutis.api import errors, public_formats
from cutis.api.auth import TokenAuth
from cutis.api.routers import assess, dogs, interop, monitoring, observations, plan, visits

# (prefix, router): every route below needs a token
ROUTERS: list[tuple[str, Router]] = [
    ("", assess.router),
    ("", dogs.router),
    ("", visits.router),
    ("", observations.router),
    ("", plan.router),
    ("", monitoring.router),
    ("", interop.router),
]


class CutisAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema["components"].setdefault("schemas", {}).update(public_formats.components())
        return schema


api = CutisAPI(
    title="Cutis API",
    version="1",
    description=(
        "Dogs' records and the calcinosis cutis assessment of the Cutis clinic app "
        f"(engine {ENGINE_VERSION}). Authenticate with `Authorization: Bearer <token>`; "
        "create a token in the web app under API tokens."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
for prefix, router in ROUTERS:
    api.add_router(prefix, router)
