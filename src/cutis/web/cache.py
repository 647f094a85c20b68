"""Django's Redis cache with one client object per connection pool.

Django's client builds a new `redis.Redis` for every cache call, and each one fills a table of
some 170 reply parsers: about 0.15 ms per call on this machine, and every signed-in page makes two
(the session and the user). A `redis.Redis` is safe to share between threads (each command takes
a connection from the pool), so one per pool gives the same behaviour without that cost.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django_client: Any = self  # the private parts Django's stubs do not declare
        pool = django_client._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = django_client._client(connection_pool=pool)
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
