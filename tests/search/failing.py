"""A search backend whose server is down, to drive the retry path."""

from search.backends.base import SearchBackend, SearchUnavailable


class DownBackend(SearchBackend):
    def index(self, documents):
        raise SearchUnavailable("connection refused")

    def remove(self, kind, object_ids):
        raise SearchUnavailable("connection refused")

    def search(self, query):
        raise SearchUnavailable("connection refused")
