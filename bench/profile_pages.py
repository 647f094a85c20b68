"""Where a page's time goes: the load test's pages, in process, under cProfile.

The demo data is loaded into a throwaway SQLite database (a temporary CUTIS_DATA_DIR); then, with
DEBUG off, Django's test client signs in as the persona the load test gives each page (the API's
with a bearer token issued to the persona's user) and asks
for it PROFILE_ROUNDS times (default 20) after one warm-up request, so the figures are those of a
page served again, as under load. Printed per page: the mean time per request and the number of
SQL queries; then, for the PROFILE_TOP slowest pages (default 3), the functions that took the most
time (cumulative). The figures are for reading, not for asserting: run it beside `make load`.

SQLite, not PostgreSQL: the point is where Python spends its time, which the engine changes
little; the load test measures the real stack.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from typing import Any

from bench.bench_web import load_demo
from bench.load import MIX, PAGES, Persona

ROUNDS = int(os.environ.get("PROFILE_ROUNDS", "20"))
TOP = int(os.environ.get("PROFILE_TOP", "3"))
# the page whose dog is asked for: the first of the persona's dogs, as listed
ONE_DOG = "1"


def persona_of(page: str) -> Persona:
    """The first persona of the load mix that opens this page."""
    return next(persona for persona in MIX if page in persona.pages)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="cutis-profile-") as data_dir:
        database_url = f"sqlite:///{data_dir}/db.sqlite3"
        load_demo(data_dir, database_url)
        os.environ.update(
            {
                "CUTIS_DATA_DIR": data_dir,
                "DATABASE_URL": database_url,
                "DEBUG": "false",
                "ALLOWED_HOSTS": "testserver",
                "SESSION_COOKIE_SECURE": "false",
                "CSRF_COOKIE_SECURE": "false",
                "SECURE_SSL_REDIRECT": "false",
            }
        )
        os.environ.setdefault("SECRET_KEY", "cutis-profile-only-key")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cutis.web.settings")
        import django

        django.setup()
        return profile_pages()


def profile_pages() -> int:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from cutis.api.tokens import issue_token

    timings: list[tuple[float, int, str]] = []
    profiles: dict[str, pstats.Stats] = {}
    for page, template in PAGES.items():
        persona = persona_of(page)
        user = User.objects.get(username=persona.username)
        if persona.api:
            _token, secret = issue_token(user, f"profile {page}")
            client = Client(headers={"Authorization": f"Bearer {secret}"})
        else:
            client = Client()
            client.force_login(user)
        path = template.format(dog=dog_of(client, persona))
        if client.get(path).status_code != 200:  # the warm-up, as the load test's first request
            print(f"{page}: {path} did not answer 200", file=sys.stderr)
            return 1
        queries = QueryCount()
        with connection.execute_wrapper(queries):
            client.get(path)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        for _ in range(ROUNDS):
            client.get(path)
        profiler.disable()
        mean_ms = (time.perf_counter() - start) * 1000 / ROUNDS
        timings.append((mean_ms, queries.count, page))
        profiles[page] = pstats.Stats(profiler)
    print(f"{ROUNDS} requests per page after one warm-up; SQLite, DEBUG off, in process")
    for mean_ms, query_count, page in timings:
        print(f"{page:<18} {mean_ms:7.2f} ms per request  {query_count:3d} queries")
    for mean_ms, _count, page in sorted(timings, reverse=True)[:TOP]:
        print(f"\n--- {page} ({mean_ms:.2f} ms): the functions that took the most time")
        out = io.StringIO()
        profiles[page].stream = out  # type: ignore[attr-defined]
        profiles[page].sort_stats("cumulative").print_stats(r"cutis|django/(db|template)", 12)
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))
    return 0


class QueryCount:
    """Counts the SQL statements run while it wraps the connection."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, *args: Any) -> Any:
        self.count += 1
        return execute(sql, *args)


def dog_of(client: object, persona: Persona) -> str:
    """One dog the persona may open: the first on their list (the owner's, the clinic's, the
    API's)."""
    import json
    import re

    content = client.get(persona.dogs_from).content  # type: ignore[attr-defined]
    if persona.api:
        dogs = json.loads(content)
        return str(dogs[0]["id"]) if dogs else ONE_DOG
    found = re.search(rb'href="(?:/owner)?/dogs/(\d+)/"', content)
    return found.group(1).decode() if found else ONE_DOG


if __name__ == "__main__":
    sys.exit(main())
