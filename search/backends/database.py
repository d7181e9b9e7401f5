"""The embedded backend: the site's own database holds the index.

Text is stored cut into words with jieba and folded to simplified script
(see `search.text`), plus overlapping pairs of Chinese characters, so a
Chinese word is found without spaces in the query or the record, however
jieba cut either. SQLite answers through an FTS5 table, PostgreSQL through a
tsvector column with a GIN index (migration `0002_d_fulltext`); the dialect
is chosen by `connection.vendor` at call time.
"""

import logging

from django.db import connection, transaction

from alerts.models import ProductCategory

from ..highlight import highlight
from ..models import SearchEntry, SearchTerm
from ..query import allowed_typos, correctable, edit_distance, grams_of, parse
from ..suggestions import suggestions_for
from ..text import chinese_bigrams, normalised_code, tokens
from .base import (
    FACET_FIELDS,
    FACETS,
    Hit,
    SearchBackend,
    SearchResults,
    nothing_found,
)

logger = logging.getLogger(__name__)

TABLE = SearchEntry._meta.db_table
BATCH = 1000
FTS5_OPTIMIZE = "INSERT INTO herald_search_fts(herald_search_fts) VALUES ('optimize')"
# The SQL below is put together from constants, column names of FACET_FIELDS
# and integers; every value from a query travels as a parameter (S608 noqa).


class DatabaseBackend(SearchBackend):
    def index(self, documents):
        documents = list(documents)
        with transaction.atomic():
            for document in documents:
                SearchEntry.objects.update_or_create(
                    kind=document["kind"],
                    object_id=document["object_id"],
                    defaults=entry_fields(document),
                )
            _remember_terms(documents)

    def remove(self, kind, object_ids):
        SearchEntry.objects.filter(kind=kind, object_id__in=object_ids).delete()

    def rebuild(self, documents, progress=None):
        # One transaction: searches see the old index until the new one is in.
        with transaction.atomic():
            SearchEntry.objects.all().delete()
            SearchTerm.objects.all().delete()
            batch = []
            for document in documents:
                batch.append(document)
                if len(batch) >= BATCH:
                    _write(batch, progress)
                    batch = []
            _write(batch, progress)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(FTS5_OPTIMIZE)

    def search(self, query):
        parsed = parse(query.text)
        if parsed.unsearchable:
            return nothing_found(query, parsed)
        results = self._search(query, parsed)
        if results.total == 0 and parsed.terms:
            corrected = _corrected_terms(parsed.terms)
            if corrected != parsed.terms:
                parsed.terms = corrected
                results = self._search(query, parsed)
                if results.total:
                    results.corrected_text = " ".join(corrected)
        if results.total == 0:
            results.suggestions = suggestions_for(query, parsed)
        return results

    def _search(self, query, parsed):
        dialect = _dialect()
        hits_sql, params = dialect.hits(parsed, query)
        facet_sql = " UNION ALL ".join(
            f"SELECT '{name}', CAST({column} AS TEXT), COUNT(*) FROM hits "  # noqa: S608
            f"GROUP BY {column}"
            for name, column in FACET_FIELDS.items()
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH hits AS {dialect.materialized} ({hits_sql}) {facet_sql}", params
            )
            facets = {name: [] for name in FACETS}
            for name, value, count in cursor.fetchall():
                if value not in (None, ""):
                    facets[name].append((_facet_value(name, value), count))
            total = sum(count for _value, count in facets["type"])
            for name in facets:
                facets[name].sort(key=lambda item: (-item[1], str(item[0])))
            order = (
                "date IS NULL, date DESC, id DESC"
                if query.sort == "date" or parsed.empty
                else "rank, id"
            )
            cursor.execute(
                f"SELECT id, rank FROM ({hits_sql}) AS hits ORDER BY {order} "  # noqa: S608
                f"LIMIT {query.limit} OFFSET {query.offset}",
                params,
            )
            page = cursor.fetchall()
        entries = SearchEntry.objects.in_bulk([row[0] for row in page])
        hits = [_hit(entries[pk], -float(rank or 0), parsed) for pk, rank in page]
        return SearchResults(hits=hits, total=total, facets=facets)


def _hit(entry, score, parsed):
    return Hit(
        kind=entry.kind,
        object_id=entry.object_id,
        title=entry.title,
        summary=entry.summary,
        url=entry.url,
        date=entry.date,
        score=score,
        highlights={
            "title": highlight(entry.title, parsed.highlight_terms),
            "summary": highlight(entry.summary, parsed.highlight_terms, window=240),
        },
    )


def _facet_value(name, value):
    return int(value) if name in ("level", "year") else value


def entry_fields(document):
    text = document["text"]
    date = document.get("date")
    return {
        "title": document["title"][:500],
        "summary": document.get("summary", ""),
        "title_words": _spaced(tokens(document["title"])),
        "words": _spaced(tokens(text)),
        "grams": _spaced(chinese_bigrams(document["title"] + " " + text)),
        "codes": _spaced(
            c for c in (normalised_code(c) for c in document.get("codes", [])) if c
        )[:500],
        "url": document["url"],
        "date": date,
        "year": date.year if date else None,
        "category": document.get("category", "") or "",
        "level": document.get("level"),
        "origin": document.get("origin", "") or "",
        "status": document.get("status", "") or "",
    }


def _spaced(words):
    return " " + " ".join(words) + " "


def _write(documents, progress):
    SearchEntry.objects.bulk_create(
        SearchEntry(kind=d["kind"], object_id=d["object_id"], **entry_fields(d))
        for d in documents
    )
    _remember_terms(documents)
    if progress:
        progress(len(documents))


def _remember_terms(documents):
    terms = set()
    for document in documents:
        terms.update(
            t
            for t in tokens(document["title"] + " " + document["text"])
            if correctable(t) and len(t) <= 64
        )
    SearchTerm.objects.bulk_create(
        [SearchTerm(term=t, length=len(t)) for t in terms], ignore_conflicts=True
    )


def _corrected_terms(terms):
    """Each English word the index does not hold, replaced by the nearest
    word it holds (same first letter, at most one or two edits)."""
    unknown = [t for t in terms if correctable(t)]
    known = set(
        SearchTerm.objects.filter(term__in=unknown).values_list("term", flat=True)
    )
    corrected = []
    for term in terms:
        if not correctable(term) or term in known:
            corrected.append(term)
            continue
        limit = allowed_typos(term)
        candidates = SearchTerm.objects.filter(
            term__gte=term[0],
            term__lt=chr(ord(term[0]) + 1),
            length__gte=len(term) - limit,
            length__lte=len(term) + limit,
        ).values_list("term", flat=True)
        scored = sorted(
            (edit_distance(term, c, limit), c) for c in candidates.iterator()
        )
        corrected.append(scored[0][1] if scored and scored[0][0] <= limit else term)
    return corrected


class _Dialect:
    materialized = "MATERIALIZED"
    columns = (
        "e.id AS id, e.kind AS kind, e.category AS category, e.level AS level, "
        "e.origin AS origin, e.year AS year, e.status AS status, e.date AS date"
    )

    def hits(self, parsed, query):
        where, params = _filters(query)
        if parsed.empty:
            sql = f"SELECT {self.columns}, 0 AS rank FROM {TABLE} e"  # noqa: S608
        else:
            sql, params = self.matching(parsed, where, params)
            return sql, params
        if where:
            sql += " WHERE " + " AND ".join(where)
        return sql, params


class _SQLite(_Dialect):
    # CROSS JOIN keeps the full-text match as SQLite's outer loop; left to
    # itself the planner may walk the filtered rows and run the match per row.
    def matching(self, parsed, where, params):
        sql = (
            f"SELECT {self.columns}, bm25(herald_search_fts, 8.0, 2.0, 1.0, 20.0) "  # noqa: S608
            f"AS rank FROM herald_search_fts CROSS JOIN {TABLE} e "
            "ON e.id = herald_search_fts.rowid WHERE herald_search_fts MATCH %s"
        )
        sql += "".join(" AND " + clause for clause in where)
        return sql, [fts5_expression(parsed), *params]


class _PostgreSQL(_Dialect):
    def matching(self, parsed, where, params):
        sql = (
            f"SELECT {self.columns}, -ts_rank(e.search_vector, %s::tsquery) AS rank "  # noqa: S608
            f"FROM {TABLE} e WHERE e.search_vector @@ %s::tsquery"
        )
        sql += "".join(" AND " + clause for clause in where)
        expression = tsquery_expression(parsed)
        return sql, [expression, expression, *params]


def _dialect():
    if connection.vendor == "postgresql":
        return _PostgreSQL()
    if connection.vendor == "sqlite":
        return _SQLite()
    raise RuntimeError(
        f"The database search backend runs on SQLite or PostgreSQL, "
        f"not {connection.vendor}; set ELASTICSEARCH_URL instead."
    )


def _filters(query):
    where, params = [], []
    if query.kind:
        where.append("e.kind = %s")
        params.append(query.kind)
    filters = query.filters or {}
    category = filters.get("category")
    if category:
        codes = list(
            ProductCategory.objects.filter(code=category)
            .with_descendants()
            .values_list("code", flat=True)
        ) or [category]
        where.append("e.category IN (" + ", ".join(["%s"] * len(codes)) + ")")
        params.extend(codes)
    for name in ("level", "year"):
        value = str(filters.get(name) or "")
        if value:
            where.append(f"e.{name} = %s")
            params.append(int(value) if value.isdigit() else -1)
    for name in ("origin", "status"):
        if filters.get(name):
            where.append(f"e.{name} = %s")
            params.append(
                str(filters[name]).upper() if name == "origin" else filters[name]
            )
    if query.date_from:
        where.append("e.date >= %s")
        params.append(query.date_from)
    if query.date_to:
        where.append("e.date <= %s")
        params.append(query.date_to)
    return where, params


def _fts5_phrase(words):
    return '"' + " ".join(w.replace('"', '""') for w in words) + '"'


def fts5_expression(parsed):
    """An FTS5 MATCH expression: every term must match, a Chinese term as a
    word or as a run of its character pairs; a code matches the codes
    column exactly."""
    clauses = []
    for term in parsed.terms:
        grams = grams_of(term)
        if len(term) == 1 and grams:
            clauses.append(
                f"({_fts5_phrase([term])} OR grams : {_fts5_phrase([term])} *)"
            )
        elif grams:
            clauses.append(f"({_fts5_phrase([term])} OR grams : {_fts5_phrase(grams)})")
        else:
            clauses.append(_fts5_phrase([term]))
    words = " AND ".join(clauses)
    if parsed.code:
        code = f"codes : {_fts5_phrase([parsed.code])}"
        return f"{code} OR ({words})" if words else code
    return words


def _lexeme(word):
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery_expression(parsed):
    """The same query as a PostgreSQL tsquery over the generated column."""
    clauses = []
    for term in parsed.terms:
        grams = grams_of(term)
        if len(term) == 1 and grams:
            clauses.append(f"({_lexeme(term)} | {_lexeme(term)}:*D)")
        elif grams:
            clauses.append(
                f"({_lexeme(term)} | ({' <-> '.join(_lexeme(g) for g in grams)}))"
            )
        else:
            clauses.append(_lexeme(term))
    words = " & ".join(clauses)
    if parsed.code:
        code = _lexeme(parsed.code) + ":A"
        return f"{code} | ({words})" if words else code
    return words
