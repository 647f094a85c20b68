"""Benchmark of the clinic web app under gunicorn with PostgreSQL, baseline measured in the same run.

A throwaway PostgreSQL database gets the migrations and the demo data, gunicorn serves it on a free
loopback port, and one HTTP client signed in as the demo vet times, interleaved in rounds:
/health/ (a minimal Django view: the baseline), Biscuit's dog page and Biscuit's assessment page.
Target (the web app's speed issue): p50 and p95 of each page under 3x the baseline's.

The server reads its sessions from Redis (REDIS_URL, database REDIS_DB on the local Redis), as a
deployment with more than one worker does; that Redis database is flushed when the run ends.

Figures only, no timed assertions. Loopback only; bounded in requests (BENCH_REQUESTS per URL after
a warm-up) and in time (DEADLINE_SECONDS). gunicorn is always stopped and the database dropped.

gunicorn's sync workers answer `Connection: close`, so http.client opens a new loopback connection
for each request: that cost is in every figure alike, the baseline's included.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
PG_SERVER = f"postgresql://postgres@{HOST}:5432"
ADMIN_URL = f"{PG_SERVER}/postgres"  # the maintenance database: CREATE and DROP run from here
DB_NAME = "cutis_bench"
DATABASE_URL = f"{PG_SERVER}/{DB_NAME}"
REDIS_DB = 7  # the bench's own Redis database: the only one it flushes
REDIS_URL = f"redis://{HOST}:6379/{REDIS_DB}"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "500"))
WARM_UP = 50
TARGET = 3.0
DEADLINE_SECONDS = 600  # the measuring loop stops here whatever BENCH_REQUESTS says
REQUEST_TIMEOUT = 10.0
START_TIMEOUT = 30.0
DEMO_USER, DEMO_PASSWORD = "vet", "cutis-demo"


@dataclass
class Client:
    """One HTTP client with a cookie jar; http.client reconnects when the server closes."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    connection: http.client.HTTPConnection = field(init=False)

    def __post_init__(self) -> None:
        self.connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)

    def request(
        self,
        method: str,
        path: str,
        body: str | bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # the next request opens a fresh connection
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content

    def get(self, path: str) -> tuple[int, bytes]:
        status, _headers, content = self.request("GET", path)
        return status, content

    def close(self) -> None:
        self.connection.close()


def admin_execute(statement: sql.Composed) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as connection:
        connection.execute(statement)


def create_database(name: str = DB_NAME) -> None:
    """Create the bench database, or reuse it when a previous run left it behind."""
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if exists is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(name: str = DB_NAME) -> None:
    admin_execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def flush_redis(redis_url: str = REDIS_URL) -> None:
    """Empty the bench's own Redis database (sessions of this run), never any other."""
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


def base_env(data_dir: str, database_url: str = DATABASE_URL) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "CUTIS_DEMO", "DJANGO_SETTINGS_MODULE")
    }
    env.update(DATABASE_URL=database_url, SECRET_KEY="bench", CUTIS_DATA_DIR=data_dir)
    return env


def load_demo(data_dir: str, database_url: str = DATABASE_URL) -> None:
    # demo data is only loaded with DEBUG=true and CUTIS_DEMO=true; the server below runs without
    env = base_env(data_dir, database_url) | {"DEBUG": "true", "CUTIS_DEMO": "true"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, timeout=300)
    subprocess.run(
        [*manage, "load_demo"], env=env, check=True, timeout=120, stdout=subprocess.DEVNULL
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(
    data_dir: str,
    port: int,
    log: Path,
    *,
    database_url: str = DATABASE_URL,
    redis_url: str = REDIS_URL,
    workers: int = 2,
) -> subprocess.Popen[bytes]:
    # DEBUG also turns off the cached template loader (and keeps a log of every SQL query), so the
    # server runs with production settings: DEBUG off, a SECRET_KEY, the demo data already in the
    # database. The cookies are not Secure only because the client talks plain HTTP on loopback.
    env = base_env(data_dir, database_url) | {
        "DEBUG": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "REDIS_URL": redis_url,
    }
    command = [str(BIN / "gunicorn"), "cutis.web.wsgi", "-b", f"{HOST}:{port}", "-w", str(workers)]
    with log.open("wb") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wait_until_up(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{log.read_text()}")
        probe = Client(port)
        try:
            if probe.get("/health/") == (200, b"ok"):
                return
        except OSError:
            pass
        finally:
            probe.close()
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /health/ within {START_TIMEOUT:.0f} s")


def sign_in(client: Client, username: str = DEMO_USER) -> None:
    status, page = client.get("/login/")
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or found is None or "csrftoken" not in client.cookies:
        raise RuntimeError(f"no sign-in form with a CSRF token (status {status})")
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": found.group(1).decode(),
            "username": username,
            "password": DEMO_PASSWORD,
            "next": "",
        }
    )
    status, _headers, _content = client.request(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://{HOST}:{client.port}/login/",
        },
    )
    if status != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(f"signing in as {username} failed (status {status})")


def biscuit_id(client: Client) -> int:
    status, page = client.get("/dogs/")
    found = re.search(rb'href="/dogs/(\d+)/">Biscuit</a>', page)
    if status != 200 or found is None:
        raise RuntimeError(f"Biscuit is not on the dog list (status {status})")
    return int(found.group(1))


@dataclass
class Series:
    label: str
    path: str
    samples: list[float] = field(default_factory=list)
    errors: int = 0

    def p50(self) -> float:
        return statistics.median(self.samples) * 1000

    def p95(self) -> float:
        return statistics.quantiles(self.samples, n=100)[94] * 1000


def timed(client: Client, series: Series, record: bool) -> None:
    start = time.perf_counter()
    try:
        status, _content = client.get(series.path)
    except (OSError, http.client.HTTPException):
        status = 0
    elapsed = time.perf_counter() - start
    if status != 200:
        series.errors += 1
    elif record:
        series.samples.append(elapsed)


def measure(client: Client, all_series: list[Series]) -> float:
    """Warm-up, then rounds of one request per URL, the order rotating each round."""
    started = time.monotonic()
    deadline = started + DEADLINE_SECONDS
    for _ in range(WARM_UP):
        for series in all_series:
            timed(client, series, record=False)
    for round_number in range(REQUESTS):
        if time.monotonic() > deadline:
            print(f"deadline of {DEADLINE_SECONDS} s reached after {round_number} measured rounds")
            break
        shift = round_number % len(all_series)
        for series in all_series[shift:] + all_series[:shift]:
            timed(client, series, record=True)
    return time.monotonic() - started


def report(all_series: list[Series], seconds: float) -> None:
    baseline = all_series[0]
    measured = sum(len(series.samples) for series in all_series)
    print(
        f"gunicorn -w 2 (sync), PostgreSQL, sessions via Redis, DEBUG off; {WARM_UP} warm-up + {REQUESTS} requests "
        f"per URL, interleaved; {measured} timed answers, {seconds:.1f} s with the warm-up"
    )
    for series in all_series:
        if len(series.samples) < 2 or len(baseline.samples) < 2:
            print(f"{series.label:<16} {series.path:<26} too few answers: errors={series.errors}")
            continue
        line = (
            f"{series.label:<16} {series.path:<26} p50 {series.p50():7.2f} ms  "
            f"p95 {series.p95():7.2f} ms  n={len(series.samples)} errors={series.errors}"
        )
        if series is not baseline:
            ratio50 = series.p50() / baseline.p50()
            ratio95 = series.p95() / baseline.p95()
            verdict = "under" if max(ratio50, ratio95) < TARGET else "OVER"
            line += (
                f"  ratio p50 {ratio50:.2f}x p95 {ratio95:.2f}x "
                f"({verdict} the {TARGET:.0f}x target)"
            )
        print(line)
    errors = sum(series.errors for series in all_series)
    if errors:
        print(f"{errors} answers were not 200 (warm-up included): the figures leave them out")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cutis-bench-") as data_dir:
        log = Path(data_dir) / "gunicorn.log"
        server: subprocess.Popen[bytes] | None = None
        create_database()
        try:
            load_demo(data_dir)
            port = free_port()
            server = start_server(data_dir, port, log)
            wait_until_up(server, port, log)
            client = Client(port)
            try:
                sign_in(client)
                dog = biscuit_id(client)
                all_series = [
                    Series("health baseline", "/health/"),
                    Series("dog page", f"/dogs/{dog}/"),
                    Series("assessment page", f"/dogs/{dog}/assessment/"),
                ]
                seconds = measure(client, all_series)
            finally:
                client.close()
            report(all_series, seconds)
        finally:
            if server is not None:
                stop_server(server)
            try:
                drop_database()
            finally:
                flush_redis()


if __name__ == "__main__":
    main()
