"""Django's Redis cache backend, made cheap enough to sit on the status page's hot path.

Two costs of the stock backend matter when every page view makes two cache calls:

- it builds a new `redis.Redis` client, with its table of response callbacks, for every
  call; a client is thread-safe and only wraps the connection pool, so one per pool does;
- its `incr` asks EXISTS and then INCRBY, two round trips; one Lua script does both
  atomically, with the same meaning (a missing key raises ValueError).

And `count_and_get_many` counts a look-up and reads the page in one round trip: the status
page's whole cache work on a hit. (Its keys must live on one server, as they do unless the
"server" is a Redis Cluster.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.core.cache.backends import redis as django_redis

_INCR_IF_EXISTS = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return nil
"""


_COUNT_AND_GET = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
if #KEYS == 1 then
    return {count, {}}
end
return {count, redis.call('MGET', unpack(KEYS, 2))}
"""


class RedisCacheClient(django_redis.RedisCacheClient):
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

    def incr(self, key: Any, delta: int) -> int:
        client = self.get_client(key, write=True)
        value = client.eval(_INCR_IF_EXISTS, 1, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return int(value)


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def count_and_get_many(
        self, counter: str, *, timeout: int, keys: Sequence[str]
    ) -> tuple[int, dict[str, Any]]:
        """Add one to `counter` (created with this timeout) and read `keys`, atomically."""
        counter_key = self.make_and_validate_key(counter)
        names = {self.make_and_validate_key(key): key for key in keys}
        client: Any = cast(Any, self)._cache
        count, values = client.get_client(write=True).eval(
            _COUNT_AND_GET, 1 + len(names), counter_key, *names, timeout
        )
        found = {
            key: client._serializer.loads(value)
            for key, value in zip(names.values(), values, strict=True)
            if value is not None
        }
        return int(count), found
