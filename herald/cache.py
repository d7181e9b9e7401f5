"""The Redis cache, made to answer "not cached" while Redis is down.

Redis is both the broker and the cache. When it stops, publishing must still
work (the notice waits in the database for the sweeper), so a cache miss or
a lost write is logged and passed over instead of failing the request.

Only for pages, feeds and the like: rate limits use their own alias, a plain
RedisCache, because a limit that passes an outage over lets every message
through (see settings, RATELIMIT_USE_CACHE).
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_DOWN = (RedisConnectionError, RedisTimeoutError)


def _tolerant(name, fallback):
    method = getattr(RedisCache, name)

    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except _DOWN:
            logger.warning("Redis cache unavailable: %s passed over", name)
            value = fallback(args, kwargs)
            return value

    call.__name__ = name
    return call


class TolerantRedisCache(RedisCache):
    get = _tolerant(
        "get",
        lambda args, kwargs: kwargs.get("default", args[1] if len(args) > 1 else None),
    )
    get_many = _tolerant("get_many", lambda args, kwargs: {})
    set = _tolerant("set", lambda args, kwargs: None)
    set_many = _tolerant("set_many", lambda args, kwargs: [])
    add = _tolerant("add", lambda args, kwargs: True)
    delete = _tolerant("delete", lambda args, kwargs: False)
    delete_many = _tolerant("delete_many", lambda args, kwargs: None)
    touch = _tolerant("touch", lambda args, kwargs: False)
    incr = _tolerant("incr", lambda args, kwargs: None)
    has_key = _tolerant("has_key", lambda args, kwargs: False)
