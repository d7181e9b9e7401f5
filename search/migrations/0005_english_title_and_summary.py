"""A warning's English title and summary, shown to English readers.

On SQLite, adding a column with a default makes the table anew and drops the
full-text triggers with the old one, so they are dropped first and created
again last, as in 0003. Entries indexed before this have no English until
`manage.py search_reindex` runs.
"""

import importlib

from django.db import migrations, models

fulltext = importlib.import_module("search.migrations.0003_facet_values_and_stemming")


class Migration(migrations.Migration):
    dependencies = [
        ("herald_search", "0004_index_changes"),
    ]

    operations = [
        migrations.RunPython(
            fulltext.drop_fulltext, fulltext.create_stemmed_fulltext
        ),
        migrations.AddField(
            model_name="searchentry",
            name="title_en",
            field=models.CharField(blank=True, default="", max_length=500),
        ),
        migrations.AddField(
            model_name="searchentry",
            name="summary_en",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(
            fulltext.create_stemmed_fulltext, fulltext.drop_fulltext
        ),
    ]
