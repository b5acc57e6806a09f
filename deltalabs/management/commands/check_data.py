"""``python manage.py check_data``: report every stored string the API would refuse.

A lone UTF-16 surrogate, a NUL, or (SQLite) bytes that are not UTF-8, in any
character or JSON field of any model (``deltalabs.data_check``). Prints one line
per poisoned value, ``<app.Model> <pk> <field>``, and exits with status 1 when it
found any, so it can back a monitoring check or gate a migration.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from deltalabs.data_check import find_poisoned_values, scanned_models


class Command(BaseCommand):
    help = "Report rows holding text the API would refuse (lone surrogates, NUL, invalid UTF-8); exit 1 if any."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database alias to scan.")

    def handle(self, *args, **options):
        found = 0
        for value in find_poisoned_values(options["database"]):
            self.stdout.write(str(value))
            found += 1
        if found:
            raise CommandError(f"{found} poisoned value(s): reads render them as U+FFFD; correct them at the source.")
        self.stdout.write(f"No poisoned text in {len(scanned_models())} models.")
