"""The Elasticsearch 8 backend, through elasticsearch-dsl.

Stock Elasticsearch has no Chinese analyzer worth the name (the ik and
smartcn plugins may be missing), so we segment and fold text ourselves,
exactly as the database backend does (`search.text`: jieba words, simplified
script, lower case), and index it with a whitespace analyzer; the folded but
unsegmented text goes into an n-gram field as well, so that any part of a
company name, or a Chinese word jieba cut differently, is still found. Every
analyzer also folds traditional script to simplified itself, with a mapping
built from OpenCC's own tables when an index is created, so that text which
reaches the index some other way is folded too. English words are stemmed
in an `en` subfield of the word fields (`strollers` finds `stroller`).

Each kind lives in its own index behind an alias (`herald-recall` ->
`herald-recall-20261203t101500`); `rebuild` fills new indices and moves the
aliases only when all of them are complete, then replays the changes made
while it ran (they went to the old indices). Mappings are explicit and
strict: a field we did not declare is an error, never a guess.
"""

import datetime
import json
import logging
from functools import lru_cache
from pathlib import Path

import opencc
from django.conf import settings
from django.utils import timezone
from elasticsearch import Elasticsearch, helpers
from elasticsearch.exceptions import ApiError, TransportError
from elasticsearch_dsl import (
    Date,
    Document,
    Integer,
    Keyword,
    Long,
    MetaField,
    Q,
    Search,
    Text,
    analyzer,
    token_filter,
    tokenizer,
)

from ..highlight import hit_highlights
from ..query import correctable, grams_of, parse
from ..suggestions import suggestions_for
from ..sync import rebuild_started, replay_changes
from ..text import normalised_code, to_simplified, tokens
from .base import (
    FACET_FIELDS,
    FACETS,
    Hit,
    InvalidPosition,
    SearchBackend,
    SearchResults,
    SearchUnavailable,
    by_relevance,
    nothing_found,
)

logger = logging.getLogger(__name__)

KINDS = ("warning", "recall", "blacklist")

T2S = "herald_t2s"  # the char_filter, defined by `index_body`
# Text arrives segmented and folded; the analyzer folds again (see T2S),
# splits and lowers.
herald_words = analyzer(
    "herald_words",
    tokenizer="whitespace",
    char_filter=[T2S],
    filter=["lowercase", "asciifolding"],
)
# The same words with English ones stemmed, for the `en` subfields.
herald_english = analyzer(
    "herald_english",
    tokenizer="whitespace",
    char_filter=[T2S],
    filter=[
        "lowercase",
        "asciifolding",
        token_filter("herald_english_stemmer", "stemmer", language="english"),
    ],
)
# Pieces of 2 to 3 letters or digits of unsegmented text, for "any part".
herald_grams = analyzer(
    "herald_grams",
    tokenizer=tokenizer(
        "herald_gram_tokenizer",
        "ngram",
        min_gram=2,
        max_gram=3,
        token_chars=["letter", "digit"],
    ),
    char_filter=[T2S],
    filter=["lowercase"],
)


def _words_field():
    return Text(analyzer=herald_words, fields={"en": Text(analyzer=herald_english)})


class HeraldDocument(Document):
    """The fields every kind shares. Display fields are stored, not indexed."""

    uid = Keyword()  # "recall-42": the tie-breaker of every sort
    kind = Keyword()
    object_id = Long()
    title = Text(index=False)
    summary = Text(index=False)
    title_en = Text(index=False)  # a warning's English, shown to English readers
    summary_en = Text(index=False)
    url = Keyword(index=False)
    title_words = _words_field()
    words = _words_field()
    folded = Text(analyzer=herald_grams)
    codes = Keyword()
    date = Date()
    year = Integer()
    category = Keyword()  # every category code of the record (an array)
    level = Integer()
    origin = Keyword()  # every country of origin (an array)
    status = Keyword()

    class Meta:
        dynamic = MetaField("strict")


INDEX_SETTINGS = {"number_of_shards": 1, "number_of_replicas": 0}


class WarningDocument(HeraldDocument):
    class Index:
        name = "herald-warning"
        settings = INDEX_SETTINGS


class RecallDocument(HeraldDocument):
    class Index:
        name = "herald-recall"
        settings = INDEX_SETTINGS


class BlacklistDocument(HeraldDocument):
    class Index:
        name = "herald-blacklist"
        settings = INDEX_SETTINGS


DOCUMENT_CLASSES = {
    "warning": WarningDocument,
    "recall": RecallDocument,
    "blacklist": BlacklistDocument,
}


def alias_for(kind):
    return f"{settings.HERALD_SEARCH_INDEX_PREFIX}-{kind}"


def index_body(kind):
    """Settings and mappings of a kind's index, as sent to the server, with
    the traditional-to-simplified char_filter built from OpenCC's tables."""
    body = DOCUMENT_CLASSES[kind]._index.to_dict()
    analysis = body["settings"].setdefault("analysis", {})
    analysis.setdefault("char_filter", {})[T2S] = {
        "type": "mapping",
        "mappings": list(traditional_to_simplified_rules()),
    }
    return body


@lru_cache(maxsize=1)
def traditional_to_simplified_rules():
    """`繁 => 简` rules of the mapping char_filter, read from the dictionaries
    the installed OpenCC uses for its own t2s conversion: phrases first,
    then characters, the first reading of each, identities left out."""
    package = Path(opencc.__file__).parent
    config = json.loads((package / "config" / "t2s.json").read_text("utf-8"))
    files = []
    for step in config["conversion_chain"]:
        dictionary = step["dict"]
        for part in dictionary.get("dicts", [dictionary]):
            files.append(part["file"])
    rules = {}
    for name in files:
        for line in (package / "dictionary" / name).read_text("utf-8").splitlines():
            source, _tab, targets = line.partition("\t")
            source, targets = source.strip(), targets.split()
            if source and targets and targets[0] != source:
                rules.setdefault(source, targets[0])
    return tuple(f"{source} => {target}" for source, target in rules.items())


@lru_cache(maxsize=4)
def _client(url):
    return Elasticsearch(url, request_timeout=5, max_retries=1, retry_on_timeout=False)


def document_source(document):
    """The indexed form of a document from `search.documents`."""
    title = document["title"]
    title_en = document.get("title_en", "")
    text = document["text"]
    date = document.get("date")
    return {
        "uid": f"{document['kind']}-{document['object_id']}",
        "kind": document["kind"],
        "object_id": document["object_id"],
        "title": title,
        "summary": document.get("summary", ""),
        "title_en": title_en,
        "summary_en": document.get("summary_en", ""),
        "url": document["url"],
        # Both titles: an English word of the English title is a title match.
        "title_words": " ".join(tokens(f"{title} {title_en}")),
        "words": " ".join(tokens(text)),
        "folded": to_simplified(f"{title} {text}").lower(),
        "codes": [
            c for c in (normalised_code(c) for c in document.get("codes", [])) if c
        ],
        "date": date.isoformat() if date else None,
        "year": date.year if date else None,
        "category": [c for c in document.get("categories") or () if c],
        "level": document.get("level"),
        "origin": [str(c).upper() for c in document.get("origins") or () if c],
        "status": document.get("status") or None,
    }


def build_search(query, parsed=None, client=None):
    """The elasticsearch-dsl `Search` for a `SearchQuery`; `to_dict()` of it
    is the request body."""
    parsed = parsed or parse(query.text)
    indices = [alias_for(query.kind)] if query.kind else [alias_for(k) for k in KINDS]
    search = Search(using=client, index=indices)

    if not parsed.empty:
        clauses = [_term_clause(term) for term in parsed.terms]
        words = Q("bool", must=clauses) if clauses else None
        if parsed.code:
            code = Q("term", codes={"value": parsed.code, "boost": 20})
            search = search.query(
                Q(
                    "bool",
                    should=[code, words] if words else [code],
                    minimum_should_match=1,
                )
            )
        else:
            search = search.query(words)

    for clause in _filter_clauses(query):
        search = search.filter(clause)
    if query.count:
        for name, field_name in FACET_FIELDS.items():
            search.aggs.bucket(name, "terms", field=field_name, size=50)

    relevance = by_relevance(query, parsed)
    if relevance:
        search = search.sort("_score", "uid")
    else:
        search = search.sort({"date": {"order": "desc", "missing": "_last"}}, "uid")
    if query.after is not None:
        search = search.extra(search_after=_search_after(query.after, relevance))
    search = search.extra(track_total_hits=query.count)
    return search[query.offset : query.offset + query.limit]


def _search_after(after, relevance):
    """The server's sort values from one of our sort keys, checked, so that a
    key from elsewhere is refused here rather than by the server."""
    try:
        tag, value, uid = after
    except (TypeError, ValueError):
        raise InvalidPosition(f"not a position: {after!r}") from None
    number = type(value) in (int, float) if relevance else type(value) is int
    if tag != ("r" if relevance else "d") or not number or type(uid) is not str:
        raise InvalidPosition(f"not a position in this order: {after!r}")
    return [value, uid]


def sort_key(hit, relevance):
    """Our sort key of a hit: its order's tag and the server's sort values."""
    value, uid = hit.meta.sort
    return ("r" if relevance else "d", value, uid)


def _term_clause(term):
    """One query word: in the title or the text as a whole word (English with
    typos forgiven), or as pieces of the folded text (Chinese, any part)."""
    should = [
        Q("match", title_words={"query": term, "boost": 4}),
        Q("match", words={"query": term}),
    ]
    if term.isascii() and term.isalpha():
        # Other forms of an English word, a little below the word itself.
        should += [
            Q("match", **{"title_words.en": {"query": term, "boost": 3}}),
            Q("match", **{"words.en": {"query": term, "boost": 0.8}}),
        ]
    if correctable(term):
        should.append(
            Q("match", words={"query": term, "fuzziness": "AUTO", "prefix_length": 1})
        )
    if grams_of(term) or (len(term) >= 3 and term.isalnum()):
        should.append(
            Q("match", folded={"query": term, "operator": "and", "boost": 0.5})
        )
    return Q("bool", should=should, minimum_should_match=1)


def _filter_clauses(query):
    from alerts.models import ProductCategory

    filters = query.filters or {}
    clauses = []
    if filters.get("category"):
        codes = list(
            ProductCategory.objects.filter(code=filters["category"])
            .with_descendants()
            .values_list("code", flat=True)
        ) or [filters["category"]]
        clauses.append(Q("terms", category=codes))
    for name in ("level", "year"):
        value = str(filters.get(name) or "")
        if value:
            clauses.append(Q("term", **{name: int(value) if value.isdigit() else -1}))
    if filters.get("origin"):
        clauses.append(Q("term", origin=str(filters["origin"]).upper()))
    if filters.get("status"):
        clauses.append(Q("term", status=filters["status"]))
    if query.date_from or query.date_to:
        bounds = {}
        if query.date_from:
            bounds["gte"] = query.date_from.isoformat()
        if query.date_to:
            bounds["lte"] = query.date_to.isoformat()
        clauses.append(Q("range", date=bounds))
    return clauses


class ElasticsearchBackend(SearchBackend):
    def __init__(self):
        if not settings.ELASTICSEARCH_URL:
            raise SearchUnavailable("ELASTICSEARCH_URL is not set")
        self.client = _client(settings.ELASTICSEARCH_URL)

    def ensure_indices(self):
        """Create an index behind each alias that has none yet, with our
        mappings, so a first document never lands in an index Elasticsearch
        made up with guessed mappings."""
        stamp = timezone.now().strftime("%Y%m%dt%H%M%S%f")
        for kind in KINDS:
            alias = alias_for(kind)
            if not self.client.indices.exists_alias(name=alias):
                name = f"{alias}-{stamp}"
                self.client.indices.create(index=name, **index_body(kind))
                self.client.indices.put_alias(index=name, name=alias)

    def index(self, documents):
        documents = list(documents)
        try:
            self.ensure_indices()
        except (ApiError, TransportError) as error:
            raise SearchUnavailable(
                f"Elasticsearch is not reachable: {error}"
            ) from error
        actions = [
            {
                "_op_type": "index",
                "_index": alias_for(d["kind"]),
                "_id": str(d["object_id"]),
                "_source": document_source(d),
            }
            for d in documents
        ]
        try:
            helpers.bulk(self.client, actions, refresh="wait_for")
        except (ApiError, TransportError, helpers.BulkIndexError) as error:
            raise SearchUnavailable(
                f"Elasticsearch did not take the documents: {error}"
            ) from error

    def remove(self, kind, object_ids):
        actions = [
            {"_op_type": "delete", "_index": alias_for(kind), "_id": str(pk)}
            for pk in object_ids
        ]
        try:
            _done, errors = helpers.bulk(
                self.client, actions, refresh="wait_for", raise_on_error=False
            )
        except (ApiError, TransportError) as error:
            raise SearchUnavailable(f"Elasticsearch did not remove: {error}") from error
        # A document (or index) that is not there is removed already; any
        # other failure leaves it findable, so the caller queues a retry.
        failed = [item for item in errors if _bulk_status(item) not in (200, 404)]
        if failed:
            ids = ", ".join(str(_bulk_item(item).get("_id")) for item in failed)
            logger.warning(
                "Elasticsearch did not remove %s %s",
                kind,
                ids,
                extra={"kind": kind, "object_ids": ids},
            )
            raise SearchUnavailable(
                f"Elasticsearch did not remove {kind} {ids}: "
                f"{_bulk_item(failed[0]).get('error')}"
            )

    def rebuild(self, documents, progress=None):
        started = rebuild_started()
        stamp = timezone.now().strftime("%Y%m%dt%H%M%S%f")
        new = {kind: f"{alias_for(kind)}-{stamp}" for kind in KINDS}
        for kind, name in new.items():
            self.client.indices.create(index=name, **index_body(kind))

        def actions():
            for document in documents:
                yield {
                    "_op_type": "index",
                    "_index": new[document["kind"]],
                    "_id": str(document["object_id"]),
                    "_source": document_source(document),
                }

        try:
            for ok, _item in helpers.streaming_bulk(
                self.client, actions(), chunk_size=1000, raise_on_error=True
            ):
                if ok and progress:
                    progress(1)
            self.client.indices.refresh(index=list(new.values()))
        except Exception:
            # The aliases still point at the old, complete indices.
            self.client.indices.delete(
                index=list(new.values()), ignore_unavailable=True
            )
            raise
        self._swap_aliases(new)
        replay_changes(self, started)

    def _swap_aliases(self, new):
        actions, old = [], []
        for kind, name in new.items():
            alias = alias_for(kind)
            if self.client.indices.exists_alias(name=alias):
                for index_name in self.client.indices.get_alias(name=alias).body:
                    actions.append({"remove": {"index": index_name, "alias": alias}})
                    old.append(index_name)
            elif self.client.indices.exists(index=alias):
                # A concrete index squats on the alias name: drop it first.
                self.client.indices.delete(index=alias)
            actions.append({"add": {"index": name, "alias": alias}})
        # One request: every alias moves at once, or none does.
        self.client.indices.update_aliases(actions=actions)
        if old:
            self.client.indices.delete(index=old, ignore_unavailable=True)
        logger.info("Search aliases moved to %s", ", ".join(new.values()))

    def search(self, query):
        parsed = parse(query.text)
        if parsed.unsearchable:
            return nothing_found(query, parsed)
        try:
            response = build_search(query, parsed, self.client).execute()
        except (ApiError, TransportError) as error:
            raise SearchUnavailable(f"Elasticsearch did not answer: {error}") from error
        facets = {name: [] for name in FACETS}
        if query.count:
            for name in FACET_FIELDS:
                for bucket in response.aggregations[name].buckets:
                    facets[name].append((bucket.key, bucket.doc_count))
        relevance = by_relevance(query, parsed)
        hits = [
            Hit(
                kind=hit.kind,
                object_id=hit.object_id,
                title=hit.title,
                summary=hit.summary,
                title_en=source.get("title_en") or "",
                summary_en=source.get("summary_en") or "",
                level=source.get("level"),
                url=hit.url,
                date=_date(hit.date) if hit.date else None,
                score=hit.meta.score or 0.0,
                highlights=hit_highlights(
                    parsed.highlight_terms,
                    hit.title,
                    hit.summary,
                    source.get("title_en") or "",
                    source.get("summary_en") or "",
                ),
                sort_key=sort_key(hit, relevance),
            )
            for hit, source in ((hit, hit.to_dict()) for hit in response)
        ]
        total = response.hits.total.value if query.count else len(hits)
        results = SearchResults(hits=hits, total=total, facets=facets)
        if total == 0:
            results.suggestions = suggestions_for(query, parsed)
        return results


def _bulk_item(item):
    """The body of one failed bulk action: {"delete": {...}} -> {...}."""
    return next(iter(item.values()), {}) if isinstance(item, dict) else {}


def _bulk_status(item):
    return _bulk_item(item).get("status")


def _date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])
