"""A per-provider rate limit shared by every worker: a token bucket in Redis.

Each send reserves the next free slot of its provider's bucket and waits for
it. Slots are spaced 1 / rate seconds apart and the bucket holds at most
`HERALD_RATE_BURST` tokens (default 1), so the pipeline can run at the rate
but no one-second window ever holds more than rate + burst - 1 messages.
The rates come from `settings.HERALD_RATE_LIMITS` (messages per second, by
channel); a rate of 0 or none means no limit.

Without REDIS_URL (the embedded default) the bucket lives in the process.
"""

import logging
import threading
import time

from django.conf import settings

logger = logging.getLogger(__name__)

# Atomically reserve the next slot. The bucket is stored as its "theoretical
# arrival time" (microseconds on the Redis clock): the moment it will be full
# of debt again. A caller may send at max(now, tat - (burst - 1) * interval)
# and pushes tat on by one interval.
_RESERVE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local slot = tat - (burst - 1) * interval
if slot < now then slot = now end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX',
           math.ceil((new_tat - now) / 1000) + 1000)
return slot - now
"""

_clients = {}
_local_buckets = {}
_local_lock = threading.Lock()


def rate_for(provider):
    rate = (getattr(settings, "HERALD_RATE_LIMITS", {}) or {}).get(provider)
    return float(rate) if rate else 0.0


def wait_for_slot(provider):
    """Block until this process may hand one message to `provider`. Returns
    the seconds waited."""
    rate = rate_for(provider)
    if rate <= 0:
        return 0.0
    delay = reserve(provider, rate)
    if delay > 0:
        time.sleep(delay)
    return delay


def reserve(provider, rate):
    """Reserve the next slot; returns how many seconds from now it starts.

    Slots are spaced a little wider than 1 / rate (HERALD_RATE_HEADROOM,
    default 2 %): a message handed over a few milliseconds after its slot
    must not push the provider's count for some second over the rate."""
    headroom = float(getattr(settings, "HERALD_RATE_HEADROOM", 0.02))
    interval_us = max(1, round(1_000_000 * (1 + headroom) / rate))
    burst = max(1, int(getattr(settings, "HERALD_RATE_BURST", 1)))
    url = getattr(settings, "REDIS_URL", None)
    if not url:
        return _reserve_locally(provider, interval_us, burst)
    client = _client(url)
    waited_us = client.eval(_RESERVE, 1, _key(provider), interval_us, burst)
    return int(waited_us) / 1_000_000


def reset(provider):
    """Forget a provider's bucket (tests and benchmarks start afresh)."""
    url = getattr(settings, "REDIS_URL", None)
    if url:
        _client(url).delete(_key(provider))
    with _local_lock:
        _local_buckets.pop(provider, None)


def _key(provider):
    return f"herald:rate:{provider}"


def _client(url):
    import redis

    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(url)
    return client


def _reserve_locally(provider, interval_us, burst):
    with _local_lock:
        now = time.monotonic_ns() // 1000
        tat = _local_buckets.get(provider, 0)
        if tat - now > 60_000_000:
            tat = now  # the clock went back (a frozen clock in tests)
        tat = max(tat, now)
        slot = max(now, tat - (burst - 1) * interval_us)
        _local_buckets[provider] = tat + interval_us
    return (slot - now) / 1_000_000
