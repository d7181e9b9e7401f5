"""A search backend whose server is down, to drive the retry path."""

from search.backends.base import SearchBackend, SearchUnavailable


class DownBackend(SearchBackend):
    def index(self, documents):
        raise SearchUnavailable("connection refused")

    def remove(self, kind, object_ids):
        raise SearchUnavailable("connection refused")

    def search(self, query):
        raise SearchUnavailable("connection refused")


class FailingAfterFirstSearch(SearchBackend):
    """The database backend for the first search of each instance, then an
    outage: a server that goes down while a result set is being read."""

    def __init__(self):
        from search.backends.database import DatabaseBackend

        self.backend = DatabaseBackend()
        self.searches = 0

    def search(self, query):
        self.searches += 1
        if self.searches > 1:
            raise SearchUnavailable("connection reset")
        return self.backend.search(query)
