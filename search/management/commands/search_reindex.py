"""`manage.py search_reindex`: rebuild the whole index from the records."""

import sys
import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from search.backend import search_backend
from search.documents import public_document_count, public_documents


class Command(BaseCommand):
    help = (
        "Rebuild the search index from every record the public may see. With "
        "Elasticsearch the documents go into new indices and the aliases move "
        "only when they are complete; searches keep answering meanwhile."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        started = time.monotonic()
        backend = search_backend()
        with tqdm(
            total=public_document_count(),
            unit="doc",
            file=sys.stderr,
            disable=options["no_progress"] or options["verbosity"] == 0,
        ) as bar:
            counted = [0]

            def progress(n):
                counted[0] += n
                bar.update(n)

            backend.rebuild(public_documents(), progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {counted[0]} documents with {type(backend).__name__} "
                f"in {time.monotonic() - started:.1f} s"
            )
        )
