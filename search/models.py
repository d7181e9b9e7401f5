from django.db import models


class SearchEntry(models.Model):
    """One findable record in the embedded database backend: its text cut
    into words, and the facets the results are counted by.

    The full-text index over `title_words`, `words`, `grams` and `codes` is
    an FTS5 table kept in step by triggers on SQLite, and a generated
    tsvector column with a GIN index on PostgreSQL (migrations 0002, 0003).
    Categories and origins, of which a warning can have several, are
    `SearchFacetValue` rows.

    On SQLite a migration that alters this table makes it anew and drops
    the triggers with the old one: such a migration must create them again
    (see 0003)."""

    kind = models.CharField(max_length=16)  # warning, recall, blacklist
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=500)
    summary = models.TextField(blank=True)
    # A warning's English title and summary, shown to English readers.
    title_en = models.CharField(max_length=500, blank=True, default="")
    summary_en = models.TextField(blank=True, default="")
    title_words = models.TextField(blank=True, default="")
    words = models.TextField(help_text="segmented, simplified, lower-cased text")
    grams = models.TextField(blank=True, default="")
    codes = models.CharField(max_length=500, blank=True, db_index=True)
    url = models.CharField(max_length=500)
    date = models.DateField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"], name="search_entry_unique"
            )
        ]
        indexes = [models.Index(fields=["kind", "date"])]

    def __str__(self):
        return f"{self.kind} {self.object_id}: {self.title}"


class SearchFacetValue(models.Model):
    """One category or origin of an entry, for the facets and filters of
    the many-valued fields."""

    entry = models.ForeignKey(
        SearchEntry, on_delete=models.CASCADE, related_name="facet_values"
    )
    facet = models.CharField(max_length=16)  # "category" or "origin"
    value = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "facet", "value"], name="search_facet_value_unique"
            )
        ]
        indexes = [models.Index(fields=["facet", "value"])]

    def __str__(self):
        return f"{self.facet}={self.value}"


class SearchTerm(models.Model):
    """A Latin-script word of the index, for correcting typos in queries."""

    term = models.CharField(max_length=64, unique=True)
    length = models.PositiveSmallIntegerField()

    def __str__(self):
        return self.term


class PendingIndexUpdate(models.Model):
    """A change the search index has not taken yet because the search server
    failed; `search.tasks.retry_pending_index_updates` retries it. The
    editor's save is never lost: the record itself is already committed."""

    model_label = models.CharField(max_length=64)
    object_id = models.PositiveBigIntegerField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["model_label", "object_id"], name="pending_index_update_unique"
            )
        ]

    def __str__(self):
        return f"{self.model_label} {self.object_id} ({self.attempts} attempts)"


class IndexChange(models.Model):
    """When a record's change last reached the index (or its queue), kept a
    day. A rebuild replays the changes made while it ran: until its swap
    they went to the index it replaced."""

    model_label = models.CharField(max_length=64)
    object_id = models.PositiveBigIntegerField()
    changed_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["model_label", "object_id"], name="index_change_unique"
            )
        ]

    def __str__(self):
        return f"{self.model_label} {self.object_id} at {self.changed_at}"
