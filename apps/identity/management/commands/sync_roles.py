"""``python manage.py sync_roles``: create or update the staff roles (groups and their permissions).

Idempotent; run after ``migrate`` (the release step and ``manage.py seed`` do).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.identity import roles, services


class Command(BaseCommand):
    help = "Create or update the staff roles (Django groups) from apps.identity.roles. Idempotent."

    def handle(self, *args, **options):
        result = services.roles_sync()
        for role in roles.ROLES:
            state = "created" if role.name in result.created else "updated" if role.name in result.updated else "ok"
            self.stdout.write(f"  {role.name:<18} {len(role.permissions):>3} permissions  {state}")
