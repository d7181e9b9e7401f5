"""The one search interface both backends answer to."""

from dataclasses import dataclass, field


@dataclass
class SearchQuery:
    text: str = ""
    kind: str = ""  # warning, recall, blacklist, or "" for all
    filters: dict = field(default_factory=dict)  # facet name -> value
    sort: str = "relevance"  # or "date"
    page: int = 1
    per_page: int = 20


@dataclass
class Hit:
    kind: str
    object_id: int
    title: str
    summary: str
    url: str
    date: object = None
    score: float = 0.0


@dataclass
class SearchResults:
    hits: list
    total: int
    facets: dict = field(default_factory=dict)  # facet -> [(value, count)]


class SearchBackend:
    def index(self, documents):
        """Add or replace these documents (dicts from `documents.py`)."""
        raise NotImplementedError

    def remove(self, kind, object_ids):
        raise NotImplementedError

    def search(self, query):
        """A `SearchResults` for a `SearchQuery`."""
        raise NotImplementedError

    def rebuild(self, documents, progress=None):
        """Replace the whole index with `documents`."""
        raise NotImplementedError
