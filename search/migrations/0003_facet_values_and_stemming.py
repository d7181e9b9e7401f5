"""Many-valued categories and origins, and English stemming.

A warning may be about several categories and countries: they move from one
column each to `SearchFacetValue` rows. The full-text index learns English
word forms: FTS5's porter tokenizer on SQLite, the `english` configuration on
PostgreSQL (Chinese words pass through both unchanged; codes are number-words
that PostgreSQL's `english` configuration leaves to the `simple` dictionary).

On SQLite, removing the columns makes the table anew and drops the full-text
triggers with the old one, so they are dropped first and created again last.
"""

import django.db.models.deletion
from django.db import migrations, models

FTS_COLUMNS = "title_words, words, grams, codes"
OLD = "old.id, old.title_words, old.words, old.grams, old.codes"
NEW = "new.id, new.title_words, new.words, new.grams, new.codes"


def _sqlite_fulltext(tokenize):
    return [
        f"""CREATE VIRTUAL TABLE herald_search_fts USING fts5(
            {FTS_COLUMNS},
            content='herald_search_searchentry', content_rowid='id',
            tokenize='{tokenize}')""",
        f"""CREATE TRIGGER herald_search_fts_insert
        AFTER INSERT ON herald_search_searchentry BEGIN
            INSERT INTO herald_search_fts(rowid, {FTS_COLUMNS}) VALUES ({NEW});
        END""",
        f"""CREATE TRIGGER herald_search_fts_delete
        AFTER DELETE ON herald_search_searchentry BEGIN
            INSERT INTO herald_search_fts(herald_search_fts, rowid, {FTS_COLUMNS})
            VALUES ('delete', {OLD});
        END""",
        f"""CREATE TRIGGER herald_search_fts_update
        AFTER UPDATE ON herald_search_searchentry BEGIN
            INSERT INTO herald_search_fts(herald_search_fts, rowid, {FTS_COLUMNS})
            VALUES ('delete', {OLD});
            INSERT INTO herald_search_fts(rowid, {FTS_COLUMNS}) VALUES ({NEW});
        END""",
        "INSERT INTO herald_search_fts(herald_search_fts) VALUES ('rebuild')",
    ]


SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS herald_search_fts_insert",
    "DROP TRIGGER IF EXISTS herald_search_fts_delete",
    "DROP TRIGGER IF EXISTS herald_search_fts_update",
    "DROP TABLE IF EXISTS herald_search_fts",
]


def _postgresql_fulltext(config):
    return [
        f"""ALTER TABLE herald_search_searchentry ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('{config}'::regconfig,
                title_words || ' ' || codes), 'A')
            || setweight(to_tsvector('{config}'::regconfig, words), 'B')
            || setweight(to_tsvector('simple'::regconfig, grams), 'D')
        ) STORED""",
        "CREATE INDEX herald_search_vector_gin ON herald_search_searchentry "
        "USING gin (search_vector)",
    ]


POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS herald_search_vector_gin",
    "ALTER TABLE herald_search_searchentry DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


drop_fulltext = _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP})
create_stemmed_fulltext = _run(
    {
        "sqlite": _sqlite_fulltext("porter unicode61 remove_diacritics 2"),
        "postgresql": _postgresql_fulltext("english"),
    }
)
create_plain_fulltext = _run(
    {
        "sqlite": _sqlite_fulltext("unicode61 remove_diacritics 2"),
        "postgresql": _postgresql_fulltext("simple"),
    }
)


def copy_facet_values(apps, schema_editor):
    SearchEntry = apps.get_model("herald_search", "SearchEntry")
    SearchFacetValue = apps.get_model("herald_search", "SearchFacetValue")
    rows = SearchEntry.objects.values_list("id", "category", "origin").iterator()
    batch = []
    for entry_id, category, origin in rows:
        for facet, value in (("category", category), ("origin", origin)):
            if value:
                batch.append(
                    SearchFacetValue(entry_id=entry_id, facet=facet, value=value)
                )
        if len(batch) >= 1000:
            SearchFacetValue.objects.bulk_create(batch)
            batch = []
    SearchFacetValue.objects.bulk_create(batch)


def copy_facet_values_back(apps, schema_editor):
    SearchFacetValue = apps.get_model("herald_search", "SearchFacetValue")
    SearchEntry = apps.get_model("herald_search", "SearchEntry")
    for value in SearchFacetValue.objects.order_by("-id").iterator():
        SearchEntry.objects.filter(pk=value.entry_id).update(
            **{value.facet: value.value[: 2 if value.facet == "origin" else 64]}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("herald_search", "0002_d_fulltext"),
    ]

    operations = [
        migrations.RunPython(drop_fulltext, create_plain_fulltext),
        migrations.CreateModel(
            name="SearchFacetValue",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("facet", models.CharField(max_length=16)),
                ("value", models.CharField(max_length=64)),
                (
                    "entry",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="facet_values",
                        to="herald_search.searchentry",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["facet", "value"], name="herald_sear_facet_4d7c9f_idx"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("entry", "facet", "value"),
                        name="search_facet_value_unique",
                    )
                ],
            },
        ),
        migrations.RunPython(copy_facet_values, copy_facet_values_back),
        migrations.RemoveField(model_name="searchentry", name="category"),
        migrations.RemoveField(model_name="searchentry", name="origin"),
        migrations.RunPython(create_stemmed_fulltext, drop_fulltext),
    ]
