"""Run as `python -m tests.search.sqlite_reindex_probe` with DATABASE_URL
naming an SQLite file: a reindex holds its write transaction open while this
process searches, and writes, from another connection; prints what the search saw, as
JSON on the last line. Used by test_sqlite_file.py."""

import json
import threading
import time

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from search.backends.base import SearchQuery  # noqa: E402
from search.backends.database import DatabaseBackend  # noqa: E402
from search.models import IndexChange  # noqa: E402

FILLER = " ".join(f"word{n} lorem ipsum dolor sit amet" for n in range(60))


def document(number, title):
    return {
        "kind": "recall",
        "object_id": number,
        "title": title,
        "summary": "",
        "text": f"{title} kettle {FILLER} number{number}",
        "codes": [],
        "url": f"/recalls/{number}/",
        "date": None,
        "categories": [],
        "origins": [],
        "status": "ongoing",
    }


def main():
    call_command("migrate", "herald_search", verbosity=0)
    backend = DatabaseBackend()
    backend.rebuild([document(1, "oldkettle")])
    written, finish = threading.Event(), threading.Event()

    def new_documents():
        # Enough rows to spill SQLite's page cache, as a real reindex does,
        # then hold the transaction open while the other connection reads.
        for number in range(2, 4002):
            yield document(number, "newkettle")
        written.set()
        finish.wait(60)

    def reindex():
        try:
            backend.rebuild(new_documents())
        finally:
            connection.close()

    thread = threading.Thread(target=reindex)
    thread.start()
    written.wait(120)
    started = time.monotonic()
    try:
        hits = backend.search(SearchQuery(text="kettle")).hits
        during = [hit.title for hit in hits]
        error = ""
    except Exception as exception:  # what the public would have met
        during, error = None, f"{type(exception).__name__}: {exception}"
    seconds = time.monotonic() - started
    started = time.monotonic()
    try:
        # A writer meanwhile (as an editor's save would be) is not held up.
        IndexChange.objects.create(
            model_label="probe.write", object_id=1, changed_at=timezone.now()
        )
        write_error = ""
    except Exception as exception:
        write_error = f"{type(exception).__name__}: {exception}"
    write_seconds = time.monotonic() - started
    finish.set()
    thread.join()
    after = backend.search(SearchQuery(text="kettle")).total
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
    print(
        json.dumps(
            {
                "during": during,
                "error": error,
                "seconds": seconds,
                "write_error": write_error,
                "write_seconds": write_seconds,
                "after": after,
                "journal": journal,
            }
        )
    )


if __name__ == "__main__":
    main()
