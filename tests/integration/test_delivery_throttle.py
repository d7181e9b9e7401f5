"""The token bucket in Redis, shared by every process."""

import subprocess

import pytest

from subscriptions import throttle

from .conftest import ROOT

pytestmark = pytest.mark.integration


def test_two_processes_share_one_bucket_and_never_beat_its_rate(clean_redis, settings):
    settings.REDIS_URL = clean_redis
    settings.HERALD_RATE_BURST = 1
    script = (
        "import django, json, time; django.setup();"
        "from subscriptions import throttle;"
        "print(json.dumps([time.time() + throttle.reserve('shared', 50)"
        " for _ in range(50)]))"
    )
    env = {"DJANGO_SETTINGS_MODULE": "herald.settings.test", "REDIS_URL": clean_redis}
    import json
    import os

    runs = [
        subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "python"), "-c", script],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    slots = sorted(
        slot
        for run in runs
        for slot in json.loads(run.communicate(timeout=60)[0].decode())
    )

    busiest_second = max(
        sum(1 for other in slots if start <= other < start + 1) for start in slots
    )
    assert len(slots) == 100
    assert slots[-1] - slots[0] >= 99 / 50 - 0.05  # a hundred slots 20 ms apart
    assert busiest_second <= 50
    throttle.reset("shared")
