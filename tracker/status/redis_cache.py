"""Django's Redis cache backend, made cheap enough to sit on the status page's hot path.

Three costs of the stock backend matter when every page view makes cache calls:

- it builds a new `redis.Redis` client, with its table of response callbacks, for every
  call; a client is thread-safe and only wraps the connection pool, so one per pool does;
- its `incr` asks EXISTS and then INCRBY, two round trips; one Lua script does both
  atomically, with the same meaning (a missing key raises ValueError);
- counting a look-up and reading the page take two calls; `count_and_get_many` does both in
  one round trip, the status page's whole cache work on a hit. (Its keys must live on one
  server, as they do unless the "server" is a Redis Cluster.)

Django gives no public way to plug in a client or to reach the one it built, so all three
need its backend's private attributes. `_django_internals` is the only place that touches
them, and tests/status/test_redis_cache.py fails, naming the Django version, once an upgrade
changes them. Until it is adapted the backend works as the stock one: `incr` goes through
Django's own, and `count_and_get_many` answers None, so the caller counts and reads through
the public cache API instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache.backends import redis as django_redis

_INCR_IF_EXISTS = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return nil
"""


_COUNT_AND_GET = """
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
if #KEYS == 1 then
    return {count, {}}
end
return {count, redis.call('MGET', unpack(KEYS, 2))}
"""


class _ClientPerPool(django_redis.RedisCacheClient):
    """Django's client for the backend, keeping the redis-py clients it builds."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[bool, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # One client for writes, one for reads. With read replicas, the stock client picks
        # one at random per call; here each process keeps the one it picked first.
        client = self._clients.get(write)
        if client is None:
            client = self._clients[write] = super().get_client(key, write=write)
        return client


@dataclass(frozen=True)
class _Wire:
    """What the one-round-trip calls need: the redis-py client for writes (Lua scripts run
    on the primary) and the backend's own decoder of stored values."""

    client: Any
    loads: Callable[[Any], Any]


def _django_internals(cache: django_redis.RedisCache) -> _Wire | None:
    """Make a fresh backend build its clients with `_ClientPerPool`, and take from it what
    the fast paths need. The only function that touches Django's private attributes, as
    Django 5.2 has them: the backend's `_class` (the client class it builds, on first use,
    as its `_cache`) and that client's `_serializer`. None when any of them is missing."""
    if getattr(cache, "_class", None) is not django_redis.RedisCacheClient:
        return None
    cache._class = _ClientPerPool  # type: ignore[attr-defined]
    try:
        client = cache._cache  # type: ignore[attr-defined]
        return _Wire(client=client.get_client(write=True), loads=client._serializer.loads)
    except AttributeError:
        return None


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._wire = _django_internals(self)
        # EVALSHA: the script's 40-character digest on the wire instead of its text (redis-py
        # loads it again on NOSCRIPT, after a restart of Redis).
        self._count_and_get = (
            None if self._wire is None else self._wire.client.register_script(_COUNT_AND_GET)
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        if self._wire is None:
            return super().incr(key, delta, version)
        key = self.make_and_validate_key(key, version=version)
        value = self._wire.client.eval(_INCR_IF_EXISTS, 1, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return int(value)

    def count_and_get_many(
        self, counter: str, *, timeout: int, keys: Sequence[str], by: int = 1
    ) -> tuple[int, dict[str, Any]] | None:
        """Add `by` to `counter` (created with this timeout) and read `keys`, atomically, in
        one round trip; None if this Django's internals are not the ones we know."""
        if self._wire is None or self._count_and_get is None:
            return None
        counter_key = self.make_and_validate_key(counter)
        names = {self.make_and_validate_key(key): key for key in keys}
        count, values = self._count_and_get(keys=[counter_key, *names], args=[timeout, by])
        found = {
            key: self._wire.loads(value)
            for key, value in zip(names.values(), values, strict=True)
            if value is not None
        }
        return int(count), found
