"""Schemathesis against a live server: every API operation fuzzed with all checks on.

A throwaway database (a SQLite file; a PostgreSQL database of its own when DATABASE_URL names
PostgreSQL, as on make test's second leg) gets the migrations, the demo data and an API token of
the demo vet. gunicorn serves it with production settings (DEBUG off) on a free loopback port, and
`st run` fuzzes the REST API's and the CDS Hooks service's OpenAPI schemas: no 5xx, every
response as documented, invalid input refused, valid input accepted (see schemathesis.toml).
Bounded by FUZZ_EXAMPLES per operation (default 10) and FUZZ_SECONDS per schema (default 100).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = os.environ.get("FUZZ_EXAMPLES", "10")
SECONDS = os.environ.get("FUZZ_SECONDS", "100")
SEED = os.environ.get("FUZZ_SEED", "20250726")
SCHEMAS = ("/api/v1/openapi.json", "/cds-services/openapi.json")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def throwaway_database(tmp: Path) -> Iterator[str]:
    """A database URL for this run only; a PostgreSQL one is dropped afterwards."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith("postgres"):
        yield f"sqlite:///{tmp / 'fuzz.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    server, _, name = configured.rpartition("/")
    fuzz_name = f"{name}_fuzz"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(fuzz_name))
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(fuzz_name)))
    try:
        yield f"{server}/{fuzz_name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(drop)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, the demo vet's bearer token) of a live server over seeded throwaway data."""
    tmp = tmp_path_factory.mktemp("fuzz")
    databases = throwaway_database(tmp)
    database = next(databases)
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "CUTIS_DEMO", "REDIS_URL")}
    env |= {"DATABASE_URL": database, "SECRET_KEY": "fuzz-only", "CUTIS_DATA_DIR": str(tmp),
            # plain HTTP on loopback: without Secure cookies there is no redirect to HTTPS
            "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    seeding = env | {"DEBUG": "true", "CUTIS_DEMO": "true"}
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=seeding, check=True, timeout=300)
    subprocess.run([*manage, "load_demo"], env=seeding, check=True, timeout=300,
                   stdout=subprocess.DEVNULL)
    token = subprocess.run([*manage, "issue_api_token", "vet", "schemathesis"], env=seeding,
                           check=True, timeout=60, capture_output=True, text=True).stdout.strip()
    port = free_port()
    log = tmp / "gunicorn.log"
    with log.open("wb") as output:
        gunicorn = subprocess.Popen(
            [str(BIN / "gunicorn"), "cutis.web.wsgi", "-b", f"{HOST}:{port}", "-w", "2",
             "--timeout", "60"],
            env=env | {"DEBUG": "false"}, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health/", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if gunicorn.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield base, token
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        for _ in databases:
            pass


@pytest.mark.parametrize("schema", SCHEMAS)
def test_the_api_holds_to_its_schema_under_fuzzing(server: tuple[str, str], schema: str,
                                                   tmp_path: Path) -> None:
    base, token = server
    command = [
        str(BIN / "st"), "--config-file", str(CONFIG), "run", f"{base}{schema}",
        "--checks", "all",
        "--header", f"Authorization: Bearer {token}",
        "--max-examples", EXAMPLES,
        "--max-time", SECONDS,
        "--seed", SEED,
        # one worker: hypothesis describing filters from two threads trips a CPython 3.11 AST bug
        "--workers", "1",
        "--generation-database", "none",
        "--no-color",
        "--output-truncate", "true",
    ]
    # run from a scratch directory: schemathesis keeps its crash cache in .schemathesis/ there
    run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path,
                         timeout=int(SECONDS) * 3 + 120)
    assert run.returncode == 0, f"schemathesis found problems:\n{run.stdout[-20000:]}\n{run.stderr}"
