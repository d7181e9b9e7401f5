"""`manage.py import_blacklist FILE`: blacklist entries from the template."""

import logging
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from alerts.importers import template

from .import_recalls import report


class Command(BaseCommand):
    help = (
        "Import blacklist entries from Herald's CSV / Excel template "
        "(documented in alerts/importers/template.py), keyed by decision number."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        # One "Edited" and one "Published" line per row would bury the summary.
        logging.getLogger("wagtail").setLevel(logging.WARNING)
        path = options["file"]
        try:
            total = sum(1 for _ in template.rows_of(path, template.BLACKLIST_REQUIRED))
            with tqdm(
                total=total,
                unit="row",
                file=sys.stderr,
                disable=options["no_progress"] or options["verbosity"] == 0,
            ) as progress:
                summary = template.import_blacklist(path, progress)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        report(self, summary)
