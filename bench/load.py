"""Speed under load: simulated users on the demo under gunicorn and PostgreSQL, for a fixed time.

A throwaway PostgreSQL database (created, then dropped) gets the migrations and the demo data;
gunicorn serves it on a free loopback port with DEBUG off and sessions in Redis (its own database,
flushed at the end). LOAD_USERS simulated users (threads, each with its own connection and
session) sign in as the persona the MIX gives them, then for LOAD_SECONDS ask, one after the
other without pause, for pages drawn by weight from their persona's list, on their clinic's dogs.

Reported per page and overall: answers, throughput, p50/p95/p99 and errors, beside /health/ (a
minimal Django view) measured idle before the load and under it, within the same run. Any answer
other than 200, or no answer, is an error: the script exits 1 when there is one.

Bounded: loopback only; LOAD_SECONDS of load (default 60), at most LOAD_MAX_REQUESTS requests
(default 200,000), REQUEST_TIMEOUT per request. No timed assertion: the figures are for reading.

The owner portal's pages are in the mix (the demo owners, on their own dogs), and the API's JSON
(a practice system with the demo vet's bearer token, issued by `cutis issue-api-token` before the
clock starts); a new page joins by a row in PAGES and a weight in a persona of MIX.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.bench_web import (
    BIN,
    HOST,
    PG_SERVER,
    Client,
    base_env,
    create_database,
    drop_database,
    flush_redis,
    free_port,
    load_demo,
    sign_in,
    start_server,
    stop_server,
    wait_until_up,
)

DB_NAME = os.environ.get("LOAD_DB", "cutis_load")
REDIS_URL = f"redis://{HOST}:6379/{os.environ.get('LOAD_REDIS_DB', '5')}"
USERS = int(os.environ.get("LOAD_USERS", "50"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "200000"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
IDLE_BASELINE = 200
SEED = 6

# page -> path; {dog} is one of the signed-in user's dogs, drawn per request
PAGES: dict[str, str] = {
    "health": "/health/",
    "dashboard": "/",
    "dog list": "/dogs/",
    "dog page": "/dogs/{dog}/",
    "assessment": "/dogs/{dog}/assessment/",
    "trends": "/dogs/{dog}/trends/",
    "trend chart": "/dogs/{dog}/trends/weight.svg",
    "labs": "/dogs/{dog}/labs/",
    "plan": "/dogs/{dog}/plan/",
    "owner: today": "/owner/",
    "owner: the plan": "/owner/dogs/{dog}/",
    "owner: calendar": "/owner/calendar/",
    "owner: diary": "/owner/dogs/{dog}/diary/",
    "api: dogs": "/api/v1/dogs",
    "api: dog": "/api/v1/dogs/{dog}",
    "api: results": "/api/v1/dogs/{dog}/observations",
    "api: assessment": "/api/v1/dogs/{dog}/assessment",
    "api: FHIR record": "/api/v1/dogs/{dog}/fhir",
}


@dataclass(frozen=True)
class Persona:
    """Who a simulated user signs in as, and how often they open each page."""

    username: str
    users: int  # of every `sum(users)` simulated users, this many are this persona
    pages: dict[str, int]  # page -> weight
    dogs_from: str = "/dogs/"  # the page listing the user's dogs
    api: bool = False  # a program with the user's bearer token, no session


VET_DAY = {
    "dashboard": 3,
    "dog list": 1,
    "dog page": 4,
    "assessment": 3,
    "trends": 1,
    "trend chart": 2,
    "labs": 2,
    "plan": 1,
    "health": 1,
}
OWNER_DAY = {"owner: today": 4, "owner: the plan": 2, "owner: diary": 2, "owner: calendar": 1}
MIX: tuple[Persona, ...] = (
    Persona("vet", 3, VET_DAY),
    Persona("vet-south", 1, VET_DAY),
    # a nurse enters and checks lab results more than she reads assessments
    Persona("nurse", 1, VET_DAY | {"assessment": 1, "labs": 4}),
    # owners open today's tasks most, then the plan and the diary; the calendar link now and then
    Persona("owner", 2, OWNER_DAY, dogs_from="/owner/"),
    Persona("owner2", 1, OWNER_DAY, dogs_from="/owner/"),
    # a practice system syncing the vet's records: its dogs, their results, now and then a record
    Persona(
        "vet",
        1,
        {
            "api: dogs": 1,
            "api: dog": 2,
            "api: results": 3,
            "api: assessment": 2,
            "api: FHIR record": 1,
        },
        dogs_from="/api/v1/dogs",
        api=True,
    ),
)


@dataclass
class Tally:
    samples: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Run:
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: int = 0
    deadline: float = float("inf")

    def take_ticket(self) -> bool:
        with self.lock:
            if self.sent >= MAX_REQUESTS or time.monotonic() >= self.deadline:
                return False
            self.sent += 1
            return True

    def record(self, page: str, seconds: float, error: str | None) -> None:
        with self.lock:
            tally = self.tallies[page]
            if error is None:
                tally.samples.append(seconds)
            else:
                tally.errors.append(error)


def personas_for(users: int) -> list[Persona]:
    """The MIX spread over `users` simulated users, in proportion."""
    cycle = [persona for persona in MIX for _ in range(persona.users)]
    return [cycle[index % len(cycle)] for index in range(users)]


def dogs_of(client: Client, persona: Persona, headers: dict[str, str]) -> list[int]:
    status, _headers, page = client.request("GET", persona.dogs_from, headers=headers)
    if persona.api:
        dogs = sorted(dog["id"] for dog in json.loads(page)) if status == 200 else []
    else:
        found = re.findall(rb'href="(?:/owner)?/dogs/(\d+)/"', page)
        dogs = sorted({int(dog) for dog in found})
    if status != 200 or not dogs:
        raise RuntimeError(f"no dogs listed for a signed-in user (status {status})")
    return dogs


def timed_get(
    client: Client, path: str, headers: dict[str, str] | None = None
) -> tuple[float, str | None]:
    start = time.perf_counter()
    try:
        status, _headers, _content = client.request("GET", path, headers=headers)
    except (OSError, http.client.HTTPException) as error:
        return time.perf_counter() - start, f"{type(error).__name__}: {error}"
    elapsed = time.perf_counter() - start
    return elapsed, None if status == 200 else f"status {status}"


def simulated_user(
    client: Client,
    persona: Persona,
    headers: dict[str, str],
    dogs: list[int],
    seed: int,
    run: Run,
) -> None:
    chooser = random.Random(seed)
    pages, weights = zip(*persona.pages.items(), strict=True)
    try:
        while run.take_ticket():
            page = chooser.choices(pages, weights)[0]
            path = PAGES[page].format(dog=chooser.choice(dogs))
            seconds, error = timed_get(client, path, headers)
            run.record(page, seconds, error)
    finally:
        client.close()


def idle_baseline(port: int) -> tuple[Tally, float]:
    client = Client(port)
    tally = Tally()
    started = time.monotonic()
    try:
        for _ in range(IDLE_BASELINE):
            seconds, error = timed_get(client, PAGES["health"])
            if error is None:
                tally.samples.append(seconds)
            else:
                tally.errors.append(error)
    finally:
        client.close()
    return tally, time.monotonic() - started


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


def line(label: str, tally: Tally, seconds: float, baseline_p50: float | None) -> str:
    answered = len(tally.samples)
    if answered < 2:
        return f"{label:<18} {answered:>7} answers  errors {len(tally.errors)}"
    p50, p95, p99 = percentiles(tally.samples)
    text = (
        f"{label:<18} {answered:>7} answers {answered / seconds:7.1f}/s  "
        f"p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  p99 {p99:7.1f} ms  errors {len(tally.errors)}"
    )
    if baseline_p50:
        text += f"  p50 {p50 / baseline_p50:5.1f}x /health/"
    return text


def who(persona: Persona) -> str:
    return f"{persona.username} by API" if persona.api else persona.username


def report(run: Run, idle: tuple[Tally, float], seconds: float) -> int:
    everything = Tally(
        samples=[s for tally in run.tallies.values() for s in tally.samples],
        errors=[e for tally in run.tallies.values() for e in tally.errors],
    )
    print(
        f"{USERS} users ({', '.join(f'{who(p)} x{p.users}' for p in MIX)} in proportion), "
        f"{seconds:.1f} s of load, gunicorn -w {WORKERS} (sync), PostgreSQL, sessions in Redis, "
        f"DEBUG off; loopback"
    )
    print(line("health, idle", *idle, None) + f"  ({IDLE_BASELINE} requests, one client)")
    health = run.tallies.get("health")
    baseline = percentiles(health.samples)[0] if health and len(health.samples) >= 2 else None
    for page in PAGES:
        if page in run.tallies:
            label = "health, under load" if page == "health" else page
            print(line(label, run.tallies[page], seconds, None if page == "health" else baseline))
    print(line("overall", everything, seconds, None))
    idle_errors = idle[0].errors
    errors = {error for tally in run.tallies.values() for error in tally.errors} | set(idle_errors)
    if errors:
        print(f"ERRORS: {len(everything.errors) + len(idle_errors)}: {sorted(errors)[:10]}")
        return 1
    return 0


def issue_token(data_dir: str, database_url: str, username: str) -> str:
    """A bearer token for `username`, issued the way an operator would."""
    issued = subprocess.run(
        [str(BIN / "cutis"), "issue-api-token", username, "load test"],
        env=base_env(data_dir, database_url),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return issued.stdout.strip()


def drive(port: int, data_dir: str, database_url: str) -> int:
    idle = idle_baseline(port)
    run = Run()
    # users sign in one after the other before the clock starts: sign-in hashes a password
    # (argon2, slow by design) and is not what this measures; programs get a token each
    users = []
    for index, persona in enumerate(personas_for(USERS)):
        client = Client(port)
        headers = {}
        if persona.api:
            token = issue_token(data_dir, database_url, persona.username)
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        else:
            sign_in(client, persona.username)
        users.append((client, persona, headers, dogs_of(client, persona, headers), SEED + index))
    threads = [
        threading.Thread(target=simulated_user, args=(*user, run), daemon=True) for user in users
    ]
    started = time.monotonic()
    run.deadline = started + SECONDS
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)
    elapsed = time.monotonic() - started
    return report(run, idle, elapsed)


def main() -> int:
    print(f"demo on a throwaway PostgreSQL database {DB_NAME} at {PG_SERVER}")
    database_url = f"{PG_SERVER}/{DB_NAME}"
    with tempfile.TemporaryDirectory(prefix="cutis-load-") as data_dir:
        log = Path(data_dir) / "gunicorn.log"
        server = None
        create_database(DB_NAME)
        try:
            load_demo(data_dir, database_url)
            port = free_port()
            server = start_server(
                data_dir,
                port,
                log,
                database_url=database_url,
                redis_url=REDIS_URL,
                workers=WORKERS,
            )
            wait_until_up(server, port, log)
            try:
                return drive(port, data_dir, database_url)
            except Exception:
                print(f"gunicorn's log:\n{log.read_text()[-3000:]}", file=sys.stderr)
                raise
        finally:
            if server is not None:
                stop_server(server)
            try:
                drop_database(DB_NAME)
            finally:
                flush_redis(REDIS_URL)


if __name__ == "__main__":
    sys.exit(main())
