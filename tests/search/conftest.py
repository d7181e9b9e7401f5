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
