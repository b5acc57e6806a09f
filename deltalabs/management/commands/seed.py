"""``python manage.py seed [--size small|medium|large]``: realistic demo data.

Idempotent: running it again creates nothing that exists already. Prints the
demo logins at the end.
"""

from __future__ import annotations

import importlib
import time

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from deltalabs.seeding import SCALES, SEEDER_MODULES, SeedContext, bulk_write_connection


class Command(BaseCommand):
    help = "Seed demo data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SCALES), default="small")
        parser.add_argument("--no-progress", action="store_true", help="Hide progress bars.")

    def handle(self, *args, size: str, no_progress: bool = False, **options):
        # DEBUG makes Django format and keep every statement it runs; for
        # hundreds of thousands of bulk-inserted rows that was a tenth of the
        # seeding time, and nobody reads that log.
        with override_settings(DEBUG=False), bulk_write_connection():
            self._seed(size=size, no_progress=no_progress)

    def _seed(self, *, size: str, no_progress: bool) -> None:
        ctx = SeedContext(size=size, stdout=self.stdout, show_progress=not no_progress)
        started = time.monotonic()
        for module_name in SEEDER_MODULES:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue  # this domain has nothing to seed yet
            step_started = time.monotonic()
            module.seed(ctx)
            self.stdout.write(f"  {module_name.split('.')[1]:<18} done in {time.monotonic() - step_started:5.1f}s")
        self.stdout.write(self.style.SUCCESS(f"Seeded size={size} in {time.monotonic() - started:.1f}s"))
        for label, count in sorted(ctx.counts.items()):
            self.stdout.write(f"  created {count:>8} {label}")
        if ctx.logins:
            self.stdout.write("\nDemo logins (admin at /admin/, API docs at /v1/docs):")
            for role, email, password in ctx.logins:
                self.stdout.write(f"  {role:<12} {email:<40} {password}")
