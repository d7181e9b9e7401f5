"""Feeds and the API on PostgreSQL with the cache in Redis, as in
production: a publish, once its on-commit signals run, renews every
process's feeds through the shared cache, and the rate limit is counted
there."""

import os

import feedparser
import pytest
from django.core.cache import cache, caches

from alerts import feed_cache
from tests import factories
from tests.conftest import need

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def redis_cache():
    need(os.environ.get("REDIS_URL"), "REDIS_URL is not set")
    need(feed_cache.cache_is_shared(), "the cache is not Redis")
    cache.clear()
    yield
    cache.clear()


def test_a_publish_renews_the_feed_cache_every_process_shares(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        factories.warning(level=3)
    first = client.get("/feeds/warnings.atom")
    assert (
        client.get("/feeds/warnings.atom", HTTP_IF_NONE_MATCH=first["ETag"]).status_code
        == 304
    )

    with django_capture_on_commit_callbacks(execute=True):
        factories.warning(level=1)
    second = client.get("/feeds/warnings.atom", HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 200
    assert len(feedparser.parse(second.content).entries) == 2


def test_the_rate_limit_is_counted_in_redis(client, settings):
    settings.HERALD_API_RATE_LIMIT = "2/60"

    statuses = [client.get("/api/v1/recalls").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert any(key.startswith(b"herald:1:api-rate:") for key in _redis_keys())


def _redis_keys():
    return caches["default"]._cache.get_client(write=False).keys("*")
