"""Generate or check the MongoDB migrations of Django's contrib apps, offline.

``makemigrations`` under MongoDB settings connects to the server for its
migration-history check. This command runs the same autodetector with that
check switched off, so ``mongo_migrations/`` can be generated and verified on
a machine without a MongoDB server (CI included):

    python manage.py mongo_migrations           # write mongo_migrations/
    python manage.py mongo_migrations --check   # exit 1 if anything would change

Run under SQLite settings, it re-runs itself with a MongoDB ``DATABASE_URL``
(never connected to).
"""

from __future__ import annotations

import os
import subprocess
import sys
from unittest import mock

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db.migrations.loader import MigrationLoader

CONTRIB_LABELS = ("admin", "auth", "contenttypes")
OFFLINE_URL = "mongodb://localhost:27017/deltalabs"


class Command(BaseCommand):
    help = "Generate (or --check) MongoDB migrations for contrib apps without a MongoDB server."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Exit non-zero if migrations are missing.")

    def handle(self, *args, check: bool = False, **options):
        if not settings.USE_MONGODB:
            self._rerun_under_mongo(check)
            return
        # The history check needs a live server; the autodetector does not.
        with mock.patch.object(MigrationLoader, "check_consistent_history", lambda self, connection: None):
            if check:
                # Every app, contrib and project: both histories must match the models.
                call_command("makemigrations", check_changes=True, dry_run=True, verbosity=options["verbosity"])
            else:
                call_command("makemigrations", *CONTRIB_LABELS, verbosity=options["verbosity"])

    def _rerun_under_mongo(self, check: bool) -> None:
        env = {**os.environ, "DATABASE_URL": OFFLINE_URL, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
        command = [sys.executable, "manage.py", "mongo_migrations"] + (["--check"] if check else [])
        completed = subprocess.run(command, env=env, cwd=settings.BASE_DIR, check=False)  # noqa: S603
        if completed.returncode != 0:
            raise CommandError("MongoDB migrations are out of date; run `make mongo-migrations`.")
