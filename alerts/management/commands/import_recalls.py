"""`manage.py import_recalls FILE --format {healthcanada,safetygate,fda,csv}`"""

import logging
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from alerts.importers import RECALL_FORMATS
from alerts.importers.base import ImportSummary, run_import


class Command(BaseCommand):
    help = (
        "Import recall entries from an official export or from Herald's own "
        "CSV / Excel template (documented in alerts/importers/template.py). "
        "A rerun updates entries and never duplicates them."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="+", help="one or more files of one format")
        parser.add_argument("--format", required=True, choices=sorted(RECALL_FORMATS))
        parser.add_argument(
            "--limit", type=int, default=None, help="import only the first N rows"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        # One "Edited" and one "Published" line per row would bury the summary.
        logging.getLogger("wagtail").setLevel(logging.WARNING)
        reader = RECALL_FORMATS[options["format"]]
        summary = ImportSummary()
        for path in options["file"]:
            try:
                rows = list(reader.read(path, summary.problems))
            except (OSError, ValueError) as error:
                raise CommandError(f"Cannot read {path}: {error}") from error
            if options["limit"] is not None:
                rows = rows[: options["limit"]]
            with tqdm(
                total=len(rows),
                desc=path.rsplit("/", 1)[-1],
                unit="row",
                file=sys.stderr,
                disable=options["no_progress"] or options["verbosity"] == 0,
            ) as progress:
                run_import(rows, summary, progress)
        report(self, summary)


def report(command, summary):
    for problem in summary.problems:
        command.stderr.write(str(problem))
    command.stdout.write(command.style.SUCCESS(f"Imported: {summary}"))
