from django.db import models


class SearchEntry(models.Model):
    """One findable record in the embedded database backend: its text cut
    into words, and the facets the results are counted by."""

    kind = models.CharField(max_length=16)  # warning, recall, blacklist
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=500)
    summary = models.TextField(blank=True)
    words = models.TextField(help_text="segmented, simplified, lower-cased text")
    codes = models.CharField(max_length=500, blank=True, db_index=True)
    url = models.CharField(max_length=500)
    date = models.DateField(null=True, blank=True)
    category = models.CharField(max_length=64, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    origin = models.CharField(max_length=2, blank=True)
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
