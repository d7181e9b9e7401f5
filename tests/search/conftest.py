import pytest

from search.backends.database import DatabaseBackend
from search.documents import public_documents


@pytest.fixture
def index_all(db):
    """Rebuild the database index from every public record; call it after
    making the records a test needs."""

    def rebuild():
        DatabaseBackend().rebuild(public_documents())

    return rebuild


@pytest.fixture
def backend(settings):
    settings.HERALD_SEARCH_BACKEND = "search.backends.database.DatabaseBackend"
    return DatabaseBackend()


@pytest.fixture
def locked_database(monkeypatch):
    """SQLite answers every search that counts facets with "database is
    locked", as it does while another process holds the write lock."""
    from django.db import OperationalError

    from search.backends import database

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(database, "_facet_sql", locked)
