"""Fixtures shared by every test folder."""

import os
from pathlib import Path

import pytest

from . import factories

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def services_required():
    return os.environ.get("REQUIRE_SERVICES") == "1"


def need(condition, reason):
    """Skip when a service or file is missing, or fail under REQUIRE_SERVICES=1."""
    if condition:
        return
    if services_required():
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def shared_data():
    need(SHARED_DATA.is_dir(), f"the shared test data is not at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def categories(db):
    return factories.categories()


@pytest.fixture
def warning_index(db):
    return factories.warning_index()


@pytest.fixture
def empty_cache():
    """Django's cache emptied before and after: feed bodies, their versions
    and API rate counters do not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield cache
    cache.clear()
