"""Sessions and signed-in users: read from Redis when REDIS_URL is set, always written to the
database; signing out ends the session for every worker, and a deactivated or demoted user is read
afresh at their next request."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from cutis.clinic.models import Dog
from cutis.web.env import env_url
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.django_db
REDIS_URL = os.environ.get("CUTIS_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_sessions(settings: Any) -> Iterator[None]:
    import redis

    # Redis is one of the machine's services (as PostgreSQL is): a test that cannot reach it fails,
    # it is never skipped, so a run without it cannot pass for a run that checked the sessions
    if not redis_answers():
        pytest.fail(f"no Redis answers at {REDIS_URL}: start the machine's Redis and run again")
    # a prefix of its own per test: the test reads and removes only its own keys of that Redis
    prefix = f"cutis-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "cutis.web.cache.ReusedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        },
        "pages": settings.PAGES_CACHE,
    }
    settings.CUTIS_SHARED_CACHE = True
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
    client.close()


def settings_with(**environment: str) -> str:
    """Django's settings as a fresh process reads them from this environment."""
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(environment)
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.SESSION_ENGINE, settings.CACHES['default']['BACKEND'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def signed_in(username: str) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_without_redis_sessions_stay_in_the_database() -> None:
    assert settings_with() == (
        "django.contrib.sessions.backends.db django.core.cache.backends.locmem.LocMemCache"
    )


def test_with_redis_sessions_are_read_from_it_and_written_to_the_database() -> None:
    assert settings_with(REDIS_URL="redis://127.0.0.1:6379/0") == (
        "django.contrib.sessions.backends.cached_db "
        "cutis.web.cache.ReusedClientRedisCache"
    )


def test_a_redis_url_of_another_kind_is_refused_without_echoing_it(monkeypatch: Any) -> None:
    monkeypatch.setenv("REDIS_URL", "http://user:secret@example.org/")
    with pytest.raises(ImproperlyConfigured) as refused:
        env_url("REDIS_URL", ("redis", "rediss", "unix"))
    assert "secret" not in str(refused.value)


def test_a_session_in_redis_is_also_in_the_database(
    redis_sessions: None, vet_a: User, dog_a: Dog
) -> None:
    client = signed_in("alice")
    key = client.cookies["sessionid"].value
    assert cache.get("django.contrib.sessions.cached_db" + key) is not None
    assert Session.objects.filter(session_key=key).exists()
    assert client.get(f"/dogs/{dog_a.pk}/").status_code == 200


def test_signing_out_ends_the_session_for_every_worker(
    redis_sessions: None, vet_a: User, dog_a: Dog
) -> None:
    client = signed_in("alice")
    cookie = client.cookies["sessionid"].value
    # another worker: a client of its own presenting the same session cookie
    other_worker = Client()
    other_worker.cookies["sessionid"] = cookie
    assert other_worker.get(f"/dogs/{dog_a.pk}/").status_code == 200
    client.post("/logout/")
    response = other_worker.get(f"/dogs/{dog_a.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert not Session.objects.filter(session_key=cookie).exists()


def test_a_signed_in_user_is_read_from_the_shared_cache(
    redis_sessions: None, vet_a: User, dog_a: Dog, django_assert_max_num_queries: Any
) -> None:
    client = signed_in("alice")
    client.get(f"/dogs/{dog_a.pk}/")  # the first page reads the user into the cache
    assert cache.get(f"auth-user:{vet_a.pk}") is not None
    with django_assert_max_num_queries(1):  # the dog; session and user come from Redis
        assert client.get(f"/dogs/{dog_a.pk}/").status_code == 200


def test_a_deactivated_user_is_refused_at_once_though_cached(
    redis_sessions: None, vet_a: User, dog_a: Dog
) -> None:
    client = signed_in("alice")
    assert client.get(f"/dogs/{dog_a.pk}/").status_code == 200
    vet_a.is_active = False
    vet_a.save()
    response = client.get(f"/dogs/{dog_a.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_staff_member_moved_to_another_clinic_loses_the_dog_at_once(
    redis_sessions: None, vet_a: User, dog_a: Dog, clinic_b: Any
) -> None:
    client = signed_in("alice")
    assert client.get(f"/dogs/{dog_a.pk}/").status_code == 200
    vet_a.staff.clinic = clinic_b
    vet_a.staff.save()
    assert client.get(f"/dogs/{dog_a.pk}/").status_code == 404


def test_the_redis_cache_reuses_one_client_per_connection_pool(redis_sessions: None) -> None:
    from django.core.cache import caches

    client = caches["default"]._cache  # type: ignore[attr-defined]
    assert client.get_client() is client.get_client()
    cache.set("cutis-probe", {"ok": 1})
    assert cache.get("cutis-probe") == {"ok": 1}
