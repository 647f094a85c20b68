"""A real Cutis server for fault tests: gunicorn over its own database and data directory.

The database is the engine of the suite: SQLite when DATABASE_URL is unset, else a throwaway
PostgreSQL database (`rel_fault_<pid>`) on the same server, created here and always dropped.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench.bench_web import Client, free_port, sign_in, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


@dataclass
class Store:
    """Read-only access to the server's database from outside Django, as an auditor would."""

    engine: str  # "sqlite" or "postgresql"
    url: str  # the DATABASE_URL given to the server ("" for SQLite in the data directory)
    data_dir: Path

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "db.sqlite3"

    @property
    def media(self) -> Path:
        return self.data_dir / "media"

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        if self.engine == "sqlite":
            with sqlite3.connect(self.sqlite_path) as connection:
                return connection.execute(query).fetchall()
        with psycopg.connect(self.url, connect_timeout=5) as connection:
            return connection.execute(query).fetchall()

    def tables(self) -> list[str]:
        if self.engine == "sqlite":
            found = self.rows("SELECT name FROM sqlite_master WHERE type = 'table'")
        else:
            found = self.rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return sorted(name for (name,) in found)

    def integrity_problems(self) -> list[str]:
        """What the engine's own checks find wrong: pages, indexes, foreign keys; [] is sound."""
        if self.engine == "sqlite":
            return sqlite_problems(self.sqlite_path)
        return postgresql_problems(self.url)


def sqlite_problems(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        verdict = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        orphans = connection.execute("PRAGMA foreign_key_check").fetchall()
    problems = [] if verdict == ["ok"] else [f"integrity_check: {verdict}"]
    return problems + [f"foreign key broken: {row}" for row in orphans]


def postgresql_problems(url: str) -> list[str]:
    """amcheck over every table and B-tree index, then every foreign key checked row by row."""
    problems: list[str] = []
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        tables = connection.execute(
            "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind = 'r'"
        ).fetchall()
        for oid, name in tables:
            for row in connection.execute("SELECT * FROM verify_heapam(%s)", (oid,)):
                problems.append(f"heap of {name}: {row}")
        indexes = connection.execute(
            "SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am a ON a.oid = c.relam"
            " WHERE n.nspname = 'public' AND a.amname = 'btree'"
        ).fetchall()
        for oid, name in indexes:
            try:
                connection.execute("SELECT bt_index_check(%s, true)", (oid,))
            except psycopg.Error as error:
                problems.append(f"index {name}: {error}")
        keys = connection.execute(
            "SELECT conrelid::regclass::text, a.attname, confrelid::regclass::text, b.attname"
            " FROM pg_constraint k"
            " JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]"
            " JOIN pg_attribute b ON b.attrelid = k.confrelid AND b.attnum = k.confkey[1]"
            " JOIN pg_namespace n ON n.oid = k.connamespace"
            " WHERE k.contype = 'f' AND n.nspname = 'public'"
        ).fetchall()
        for child, column, parent, target in keys:
            orphans = sql.SQL(
                "SELECT count(*) FROM {c} WHERE {col} IS NOT NULL"
                " AND NOT EXISTS (SELECT 1 FROM {p} WHERE {p}.{t} = {c}.{col})"
            ).format(
                c=sql.Identifier(child),
                col=sql.Identifier(column),
                p=sql.Identifier(parent),
                t=sql.Identifier(target),
            )
            count = connection.execute(orphans).fetchone()
            if count and count[0]:
                problems.append(f"{count[0]} rows of {child}.{column} name no {parent}")
    return problems


def postgresql_admin_url(database_url: str) -> str:
    """The same server's maintenance database, where CREATE and DROP DATABASE run."""
    parts = urlsplit(database_url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))


def database_with_name(database_url: str, name: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


@contextmanager
def throwaway_store(data_dir: Path, name: str) -> Iterator[Store]:
    """A Store on the suite's engine; a PostgreSQL database named `name` is dropped at the end."""
    suite_url = os.environ.get("DATABASE_URL", "")
    if not suite_url.startswith("postgres"):
        yield Store("sqlite", "", data_dir)
        return
    admin = postgresql_admin_url(suite_url)
    # named after the suite's own database: suites of other checkouts share the server, and a
    # fixed name let one run drop the database another run was using
    name = f"{urlsplit(suite_url).path.lstrip('/')}_{name}"
    identifier = sql.Identifier(name)
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(identifier))
    try:
        yield Store("postgresql", database_with_name(suite_url, name), data_dir)
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier)
            connection.execute(drop)


def server_env(store: Store, **extra: str) -> dict[str, str]:
    """Production settings on plain HTTP over loopback: DEBUG off, no demo, no Redis."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "CUTIS_DEMO", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL")
    }
    env.update(
        SECRET_KEY="cutis-fault-test-key",
        CUTIS_DATA_DIR=str(store.data_dir),
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        **extra,
    )
    if store.url:
        env["DATABASE_URL"] = store.url
    return env


def manage(store: Store, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    return subprocess.run(
        command,
        env=server_env(store, **extra),
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )


def load_demo(store: Store) -> None:
    """The schema and the demo clinic (the `vet` login, Biscuit); the demo needs DEBUG on."""
    manage(store, "migrate", "--noinput", "-v0")
    manage(store, "load_demo", DEBUG="true", CUTIS_DEMO="true")


@dataclass
class Server:
    """gunicorn with two sync workers, in a process group of its own so it can be killed whole."""

    store: Store
    log: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.port = free_port()
        command = [str(BIN / "gunicorn"), "cutis.web.wsgi", "-b", f"{HOST}:{self.port}", "-w", "2"]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command,
                env=server_env(self.store),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_up(self.process, self.port, self.log)

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once: no shutdown code runs."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def signed_in_client(self, username: str = "vet") -> Client:
        client = Client(self.port)
        sign_in(client, username)
        return client
