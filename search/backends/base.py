"""The one search interface both backends answer to.

    from search.backend import search_backend
    results = search_backend().search(SearchQuery(text="玩具", kind="recall"))

`SearchQuery` fields:
    text        what the person typed: Chinese (simplified or traditional,
                with or without spaces), English, mixed, or one code (barcode,
                credit code, reference number, alert number) found exactly
    kind        "warning", "recall", "blacklist" or "" for all (the `type`
                facet)
    filters     facet name -> value, for the names in FACETS except "type";
                `category` covers the category's descendants; `year` and
                `level` are numbers
    date_from, date_to
                `datetime.date`s, inclusive, in local time (Asia/Shanghai)
    sort        "relevance" (ties by id) or "date" (newest first, ties by id)
    page, per_page
                1-based page; per_page at most MAX_PER_PAGE
    after       the `sort_key` of the last hit of the previous page: the page
                starts right after it (a keyset, so pages never repeat or
                skip a record while the index stays the same) and `page` is
                not used; a key a backend did not give out raises
                `InvalidPosition`
    count       False to skip facets and the total (`total` is then the
                number of hits of the page), for reading a result set in
                chunks

`SearchResults` fields:
    hits        `Hit`s of the page: kind, object_id, title, summary (Chinese),
                title_en, summary_en (a warning's English, else ""), level
                (a warning's, else None), url,
                date, score, and `highlights` {"title": html, "summary": html,
                "title_en": html, "summary_en": html} with the matched terms
                in <mark>, everything else escaped; `sort_key`, a tuple of
                JSON values, is its place in the order. `in_language("en")`
                is the hit as an English reader sees it
    total       number of records that match
    facets      facet name -> [(value, count)], most first, for every name in
                FACETS, counted over all matching records
    corrected_text
                the query as searched when a typo was corrected, else ""
    suggestions ["..."] to try when nothing matched
"""

from dataclasses import dataclass, field, replace

FACETS = ("type", "category", "level", "origin", "year", "status")
# The stored field each facet counts, in both backends.
FACET_FIELDS = {
    "type": "kind",
    "category": "category",
    "level": "level",
    "origin": "origin",
    "year": "year",
    "status": "status",
}
MAX_PER_PAGE = 5000


@dataclass
class SearchQuery:
    text: str = ""
    kind: str = ""  # warning, recall, blacklist, or "" for all
    filters: dict = field(default_factory=dict)  # facet name -> value
    sort: str = "relevance"  # or "date"
    page: int = 1
    per_page: int = 20
    date_from: object = None  # datetime.date, inclusive
    date_to: object = None  # datetime.date, inclusive
    after: tuple | None = None  # sort_key of the previous page's last hit
    count: bool = True  # facets and total

    @property
    def offset(self):
        if self.after is not None:
            return 0
        return (max(self.page, 1) - 1) * self.limit

    @property
    def limit(self):
        return max(1, min(self.per_page, MAX_PER_PAGE))


@dataclass
class Hit:
    kind: str
    object_id: int
    title: str
    summary: str
    url: str
    date: object = None
    score: float = 0.0
    highlights: dict = field(default_factory=dict)  # "title"/"summary" -> html
    sort_key: tuple = ()  # JSON values: where the hit is in the order
    title_en: str = ""
    summary_en: str = ""
    level: int | None = None  # a warning's, 1-4

    def in_language(self, language):
        """The hit with the title and summary of `language` ("en..." or
        "zh..."): English ones where the record has them, else Chinese."""
        if not (language or "").startswith("en"):
            return self
        title, summary, highlights = self.title, self.summary, dict(self.highlights)
        if self.title_en:
            title, highlights["title"] = self.title_en, highlights.get("title_en", "")
        if self.summary_en:
            summary = self.summary_en
            highlights["summary"] = highlights.get("summary_en", "")
        return replace(self, title=title, summary=summary, highlights=highlights)


@dataclass
class SearchResults:
    hits: list
    total: int
    facets: dict = field(default_factory=dict)  # facet -> [(value, count)]
    corrected_text: str = ""
    suggestions: list = field(default_factory=list)


def by_relevance(query, parsed):
    """Whether the hits go best match first; otherwise newest first (a date
    sort, or a query of filters alone)."""
    return not (query.sort == "date" or parsed.empty)


def nothing_found(query, parsed):
    """The answer to a query that can match nothing, with what to try."""
    from ..suggestions import suggestions_for

    return SearchResults(
        hits=[],
        total=0,
        facets={name: [] for name in FACETS},
        suggestions=suggestions_for(query, parsed),
    )


class SearchUnavailable(Exception):
    """The search server could not take or answer a request."""


class InvalidPosition(ValueError):
    """`SearchQuery.after` is not a sort key this backend gave out for this
    order."""


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
        """Replace the whole index with `documents`; `progress(n)` is called
        as batches of n are written. Searches keep answering from the old
        index until the new one is complete; then the changes recorded while
        it ran, which went to the old index, are replayed into the new one
        (`search.sync.replay_changes`)."""
        raise NotImplementedError
