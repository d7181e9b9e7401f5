"""The embedded backend: the site's own database holds the index.

Text is stored cut into words with jieba and folded to simplified script
(see `search.text`), plus overlapping pairs of Chinese characters, so a
Chinese word is found without spaces in the query or the record, however
jieba cut either. SQLite answers through an FTS5 table, PostgreSQL through a
tsvector column with a GIN index (migrations 0002 and 0003); the dialect is
chosen by `connection.vendor` at call time. English words are stemmed on
both (FTS5's porter tokenizer, PostgreSQL's `english` configuration), so
`stroller` finds `strollers`.

Categories and origins, which a warning can have several of, are
`SearchFacetValue` rows; the other facets are columns of the entry.
"""

import datetime
import logging
import uuid

from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from alerts.models import ProductCategory

from ..highlight import hit_highlights
from ..models import SearchEntry, SearchFacetValue, SearchTerm
from ..query import allowed_typos, correctable, edit_distance, grams_of, parse
from ..suggestions import suggestions_for
from ..sync import rebuild_started, replay_changes
from ..text import chinese_bigrams, normalised_code, tokens
from .base import (
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

TABLE = SearchEntry._meta.db_table
VALUES_TABLE = SearchFacetValue._meta.db_table
# Facets that are one column of the entry; category and origin, which can
# have several values, are SearchFacetValue rows.
COLUMN_FACETS = {"type": "kind", "level": "level", "year": "year", "status": "status"}
BATCH = 1000
FTS5_OPTIMIZE = "INSERT INTO herald_search_fts(herald_search_fts) VALUES ('optimize')"
# The SQL below is put together from constants, column names of COLUMN_FACETS
# and integers; every value from a query travels as a parameter (S608 noqa).


class DatabaseBackend(SearchBackend):
    def index(self, documents):
        documents = list(documents)
        with transaction.atomic():
            for document in documents:
                entry, _created = SearchEntry.objects.update_or_create(
                    kind=document["kind"],
                    object_id=document["object_id"],
                    defaults=entry_fields(document),
                )
                SearchFacetValue.objects.filter(entry=entry).delete()
                SearchFacetValue.objects.bulk_create(facet_values(entry, document))
            _remember_terms(documents)

    def remove(self, kind, object_ids):
        SearchEntry.objects.filter(kind=kind, object_id__in=object_ids).delete()

    def rebuild(self, documents, progress=None):
        """The new index is written to staging tables in short transactions
        (jieba's work, the slow part, happens there), then takes the place
        of the old one in one transaction that only copies rows. Searches
        answer from the old index until then, and writers (an editor's save
        on an SQLite file) wait at most for the copy; changes they made to
        the old index meanwhile are replayed after it."""
        started = rebuild_started()
        staging = _Staging()
        try:
            staging.create()
            batch = []
            for document in documents:
                batch.append(document)
                if len(batch) >= BATCH:
                    staging.write(batch, progress)
                    batch = []
            staging.write(batch, progress)
            with transaction.atomic():
                staging.take_over()
        finally:
            staging.drop()
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(FTS5_OPTIMIZE)
        replay_changes(self, started)

    def search(self, query):
        try:
            return self._answer(query)
        except DatabaseError as error:
            # "database is locked" on SQLite, a statement timeout on
            # PostgreSQL: the page says search is unavailable, as for an
            # Elasticsearch outage.
            raise SearchUnavailable(
                f"The search tables did not answer: {error}"
            ) from error

    def _answer(self, query):
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
        relevance = by_relevance(query, parsed)
        keyset, keyset_params = _keyset(query.after, relevance)
        order = "rank, id" if relevance else "date IS NULL, date DESC, id DESC"
        facets = {name: [] for name in FACETS}
        page_sql = (
            f"SELECT id, rank, date FROM hits{keyset} "  # noqa: S608
            f"ORDER BY {order} LIMIT {query.limit} OFFSET {query.offset}"
        )
        with connection.cursor() as cursor:
            if query.count:
                # One statement for the counts and the page: the match and
                # its ranking, the costly part, are worked out once.
                # The page's rows come first, their id as text beside the
                # facet values, and without a facet name.
                sql = (
                    f"WITH hits AS {dialect.materialized} ({hits_sql}) "  # noqa: S608
                    "SELECT NULL, CAST(id AS TEXT), rank, date FROM "
                    f"({page_sql}) AS page UNION ALL "
                    + _facet_sql(dialect, extra_column=True)
                )
                cursor.execute(sql, params + keyset_params)
                page = []
                for name, value, number, date in cursor.fetchall():
                    if name is None:
                        page.append((int(value), number, date))
                    elif value not in (None, ""):
                        facets[name].append((_facet_value(name, value), int(number)))
                for name in facets:
                    facets[name].sort(key=lambda item: (-item[1], str(item[0])))
                _in_page_order(page, relevance)
            else:
                cursor.execute(
                    f"WITH hits AS ({hits_sql}) {page_sql}",
                    params + keyset_params,
                )
                page = cursor.fetchall()
        entries = SearchEntry.objects.in_bulk([row[0] for row in page])
        hits = [
            _hit(
                entries[pk],
                -float(rank or 0),
                parsed,
                ("r", float(rank or 0), pk) if relevance else ("d", _iso(date), pk),
            )
            for pk, rank, date in page
            if pk in entries  # not removed since the page was read
        ]
        total = sum(count for _value, count in facets["type"])
        return SearchResults(
            hits=hits, total=total if query.count else len(hits), facets=facets
        )


def _in_page_order(page, relevance):
    """Sort (id, rank, date) rows as the page's ORDER BY does: a UNION keeps
    no order of its parts."""
    if relevance:
        page.sort(key=lambda row: (row[1], row[0]))
        return
    # Least significant key first; each sort keeps the order of equal rows.
    page.sort(key=lambda row: row[0], reverse=True)
    page.sort(key=lambda row: _iso(row[2]) or "", reverse=True)
    page.sort(key=lambda row: row[2] is None)


def _facet_sql(dialect, extra_column=False):
    """Counts of every facet over the `hits` CTE: one GROUP BY per column
    facet, one over the value rows for the many-valued ones. With
    `extra_column`, each row has a fourth, empty column, to stand beside the
    page's rows."""
    extra = ", NULL" if extra_column else ""
    parts = [
        f"SELECT '{name}', CAST({column} AS TEXT), COUNT(*){extra} FROM hits "  # noqa: S608
        f"GROUP BY {column}"
        for name, column in COLUMN_FACETS.items()
    ]
    parts.append(
        f"SELECT v.facet, v.value, COUNT(*){extra} FROM hits "  # noqa: S608
        f"{dialect.hits_first_join} {VALUES_TABLE} v "
        "ON v.entry_id = hits.id GROUP BY v.facet, v.value"
    )
    return " UNION ALL ".join(parts)


def _keyset(after, relevance):
    """The WHERE clause of the rows after `after` in the page's order."""
    if after is None:
        return "", []
    try:
        tag, value, pk = after
        if type(pk) is not int:
            raise TypeError(pk)
        if relevance and tag == "r" and type(value) in (int, float):
            return " WHERE rank > %s OR (rank = %s AND id > %s)", [value, value, pk]
        if not relevance and tag == "d" and value is None:
            return " WHERE date IS NULL AND id < %s", [pk]
        if not relevance and tag == "d":
            day = datetime.date.fromisoformat(value)
            return (
                " WHERE date < %s OR date IS NULL OR (date = %s AND id < %s)",
                [day, day, pk],
            )
    except (TypeError, ValueError) as error:
        raise InvalidPosition(f"not a position in this order: {after!r}") from error
    raise InvalidPosition(f"not a position in this order: {after!r}")


def _iso(date):
    if date is None:
        return None
    return date.isoformat() if hasattr(date, "isoformat") else str(date)[:10]


def _hit(entry, score, parsed, sort_key):
    return Hit(
        kind=entry.kind,
        object_id=entry.object_id,
        title=entry.title,
        summary=entry.summary,
        title_en=entry.title_en,
        summary_en=entry.summary_en,
        level=entry.level,
        url=entry.url,
        date=entry.date,
        score=score,
        highlights=hit_highlights(
            parsed.highlight_terms,
            entry.title,
            entry.summary,
            entry.title_en,
            entry.summary_en,
        ),
        sort_key=sort_key,
    )


def _facet_value(name, value):
    return int(value) if name in ("level", "year") else value


def entry_fields(document):
    text = document["text"]
    date = document.get("date")
    title_en = document.get("title_en", "")
    return {
        "title": document["title"][:500],
        "summary": document.get("summary", ""),
        "title_en": title_en[:500],
        "summary_en": document.get("summary_en", ""),
        # Both titles, so that an English word of a warning's English title
        # counts as a title match, as a Chinese one does.
        "title_words": _spaced(tokens(document["title"] + " " + title_en)),
        "words": _spaced(tokens(text)),
        "grams": _spaced(chinese_bigrams(document["title"] + " " + text)),
        "codes": _spaced(
            c for c in (normalised_code(c) for c in document.get("codes", [])) if c
        )[:500],
        "url": document["url"],
        "date": date,
        "year": date.year if date else None,
        "level": document.get("level"),
        "status": document.get("status", "") or "",
    }


def facet_values(entry, document):
    """The `SearchFacetValue` rows of an entry: each category and origin."""
    values = {
        ("category", code) for code in document.get("categories") or () if code
    } | {
        ("origin", str(code).upper()) for code in document.get("origins") or () if code
    }
    return [
        SearchFacetValue(entry=entry, facet=facet, value=value[:64])
        for facet, value in sorted(values)
    ]


def _spaced(words):
    return " " + " ".join(words) + " "


class _Staging:
    """Tables a rebuild fills before its rows take the place of the index's.
    Entry ids continue from the highest the index holds, so that no id (and
    no API cursor holding one) ever names two records."""

    def __init__(self):
        suffix = uuid.uuid4().hex[:12]
        self.entries = f"herald_search_next_{suffix}_entry"
        self.values = f"herald_search_next_{suffix}_value"
        self.fields = SearchEntry._meta.concrete_fields
        self.columns = ", ".join(f.column for f in self.fields)
        self.terms = set()
        self.last_id = None

    def create(self):
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {self.entries} AS SELECT {self.columns} "  # noqa: S608
                f"FROM {TABLE} WHERE 1 = 0"
            )
            cursor.execute(
                f"CREATE TABLE {self.values} AS SELECT entry_id, facet, value "  # noqa: S608
                f"FROM {VALUES_TABLE} WHERE 1 = 0"
            )
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {TABLE}")  # noqa: S608
            self.last_id = cursor.fetchone()[0]

    def write(self, documents, progress):
        now = timezone.now()
        entries, values = [], []
        for document in documents:
            self.last_id += 1
            entry = SearchEntry(
                id=self.last_id,
                kind=document["kind"],
                object_id=document["object_id"],
                updated_at=now,
                **entry_fields(document),
            )
            entries.append(
                [
                    f.get_db_prep_save(getattr(entry, f.attname), connection)
                    for f in self.fields
                ]
            )
            values.extend(
                (entry.id, v.facet, v.value) for v in facet_values(entry, document)
            )
            self.terms.update(_terms(document))
        marks = ", ".join(["%s"] * len(self.fields))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.entries} ({self.columns}) VALUES ({marks})",  # noqa: S608
                entries,
            )
            cursor.executemany(
                f"INSERT INTO {self.values} (entry_id, facet, value) "  # noqa: S608
                "VALUES (%s, %s, %s)",
                values,
            )
        if progress:
            progress(len(documents))

    def take_over(self):
        """Replace the index's rows with the staged ones (in the caller's
        transaction)."""
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {VALUES_TABLE}")  # noqa: S608
            cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608
            cursor.execute(
                f"INSERT INTO {TABLE} ({self.columns}) "  # noqa: S608
                f"SELECT {self.columns} FROM {self.entries}"
            )
            cursor.execute(
                f"INSERT INTO {VALUES_TABLE} (entry_id, facet, value) "  # noqa: S608
                f"SELECT entry_id, facet, value FROM {self.values}"
            )
            for statement in connection.ops.sequence_reset_sql(
                no_style(), [SearchEntry, SearchFacetValue]
            ):
                cursor.execute(statement)
        SearchTerm.objects.all().delete()
        SearchTerm.objects.bulk_create(
            [SearchTerm(term=t, length=len(t)) for t in sorted(self.terms)],
            batch_size=BATCH,
            ignore_conflicts=True,
        )

    def drop(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.values}")
            cursor.execute(f"DROP TABLE IF EXISTS {self.entries}")


def _terms(document):
    return {
        t
        for t in tokens(document["title"] + " " + document["text"])
        if correctable(t) and len(t) <= 64
    }


def _remember_terms(documents):
    terms = set()
    for document in documents:
        terms.update(_terms(document))
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
    # Joins the value rows to the hits, the hits walked first: they are few,
    # the value rows of the whole index many.
    hits_first_join = "JOIN"
    columns = (
        "e.id AS id, e.kind AS kind, e.level AS level, e.year AS year, "
        "e.status AS status, e.date AS date"
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
    # Left to itself SQLite walks every value row in GROUP BY order and looks
    # each up among the hits; CROSS JOIN keeps the hits as the outer loop.
    hits_first_join = "CROSS JOIN"

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
        # The query's lexemes go through the `english` configuration the
        # words were indexed with (Chinese and codes come out unchanged).
        # The rank as float8, whose text form reads back exactly: a keyset
        # compares it with the value a previous page handed out.
        sql = (
            f"SELECT {self.columns}, "  # noqa: S608
            "-ts_rank(e.search_vector, to_tsquery('english', %s))::float8 AS rank "
            f"FROM {TABLE} e WHERE e.search_vector @@ to_tsquery('english', %s)"
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
        where.append(_has_value("category", len(codes)))
        params.extend(codes)
    if filters.get("origin"):
        where.append(_has_value("origin", 1))
        params.append(str(filters["origin"]).upper())
    for name in ("level", "year"):
        value = str(filters.get(name) or "")
        if value:
            where.append(f"e.{name} = %s")
            params.append(int(value) if value.isdigit() else -1)
    if filters.get("status"):
        where.append("e.status = %s")
        params.append(filters["status"])
    if query.date_from:
        where.append("e.date >= %s")
        params.append(query.date_from)
    if query.date_to:
        where.append("e.date <= %s")
        params.append(query.date_to)
    return where, params


def _has_value(facet, count):
    return (
        f"e.id IN (SELECT entry_id FROM {VALUES_TABLE} WHERE facet = '{facet}' "  # noqa: S608
        "AND value IN (" + ", ".join(["%s"] * count) + "))"
    )


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
