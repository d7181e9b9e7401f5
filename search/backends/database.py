"""The embedded backend: the site's own database holds the index.

Text is stored cut into words (see `search.text`), so a Chinese word is
found without spaces in the query or the record."""

from django.db import transaction
from django.db.models import Count, Q

from ..models import SearchEntry
from ..text import tokens
from .base import Hit, SearchBackend, SearchResults

FACETS = ("kind", "category", "level", "origin", "status")


class DatabaseBackend(SearchBackend):
    def index(self, documents):
        with transaction.atomic():
            for document in documents:
                SearchEntry.objects.update_or_create(
                    kind=document["kind"],
                    object_id=document["object_id"],
                    defaults=_entry_fields(document),
                )

    def remove(self, kind, object_ids):
        SearchEntry.objects.filter(kind=kind, object_id__in=object_ids).delete()

    def rebuild(self, documents, progress=None):
        with transaction.atomic():
            SearchEntry.objects.all().delete()
            batch = []
            for document in documents:
                batch.append(
                    SearchEntry(
                        kind=document["kind"],
                        object_id=document["object_id"],
                        **_entry_fields(document),
                    )
                )
                if len(batch) >= 1000:
                    SearchEntry.objects.bulk_create(batch)
                    if progress:
                        progress(len(batch))
                    batch = []
            SearchEntry.objects.bulk_create(batch)
            if progress:
                progress(len(batch))

    def search(self, query):
        entries = SearchEntry.objects.all()
        if query.kind:
            entries = entries.filter(kind=query.kind)
        for name, value in query.filters.items():
            if name in FACETS and value not in (None, ""):
                entries = entries.filter(**{name: value})
        words = tokens(query.text)
        for word in words:
            entries = entries.filter(
                Q(words__contains=f" {word} ") | Q(codes__contains=f" {word} ")
            )
        facets = {
            name: [
                (row[name], row["n"])
                for row in entries.values(name).annotate(n=Count("id")).order_by("-n")
                if row[name] not in (None, "")
            ]
            for name in FACETS
        }
        total = entries.count()
        order = ["-date", "-id"] if query.sort == "date" or not words else ["-id"]
        start = (max(query.page, 1) - 1) * query.per_page
        page = entries.order_by(*order)[start : start + query.per_page]
        hits = [
            Hit(
                kind=e.kind,
                object_id=e.object_id,
                title=e.title,
                summary=e.summary,
                url=e.url,
                date=e.date,
            )
            for e in page
        ]
        return SearchResults(hits=hits, total=total, facets=facets)


def _entry_fields(document):
    return {
        "title": document["title"][:500],
        "summary": document.get("summary", ""),
        "words": " " + " ".join(tokens(document["text"])) + " ",
        "codes": " " + " ".join(c.lower() for c in document.get("codes", [])) + " ",
        "url": document["url"],
        "date": document.get("date"),
        "category": document.get("category", ""),
        "level": document.get("level"),
        "origin": document.get("origin", ""),
        "status": document.get("status", ""),
    }
