"""Helpers for testing the periodic tasks in ``settings.CELERY_BEAT_SCHEDULE``.

Domain tests can reuse them to add their own effect assertions::

    from tests.ops.periodic import beat_task, run_periodic

    def test_cart_expiry_twice_expires_once(...):
        task, entry = beat_task("commerce-expire-carts")
        run_periodic(task, entry)
        ...
        run_periodic(task, entry)
        ...
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from celery import Task
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.test import TestCase

from config.celery import app as celery_app

PROJECT_PACKAGES = ("apps.", "deltalabs.")


def registered_tasks() -> dict[str, Task]:
    """Every task the worker would know: each installed app's ``tasks.py`` imported."""
    celery_app.loader.import_default_modules()
    return dict(celery_app.tasks)


def beat_task(entry_name: str) -> tuple[Task, dict]:
    """The registered task a beat entry names, and the entry itself."""
    entry = settings.CELERY_BEAT_SCHEDULE[entry_name]
    tasks = registered_tasks()
    if entry["task"] not in tasks:
        raise LookupError(f"Beat entry {entry_name!r} names {entry['task']!r}, which no installed app registers")
    return tasks[entry["task"]], entry


def run_periodic(task: Task, entry: dict):
    """Run a beat entry's task in-process as a worker would: with the entry's
    arguments, and with the ``on_commit`` callbacks it queues (emails, follow-up
    tasks) executed, so their effects are visible too. Errors propagate."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), throw=True).get()


def project_models() -> list:
    return [model for model in apps.get_models() if model.__module__.startswith(PROJECT_PACKAGES)]


@dataclass(frozen=True)
class Snapshot:
    """Row count and a digest of every row of every project model, plus the mail sent so far."""

    rows: dict[str, tuple[int, str]]
    emails_sent: int

    @classmethod
    def take(cls) -> Snapshot:
        rows = {}
        for model in project_models():
            values = list(model._base_manager.order_by("pk").values_list())
            rows[model._meta.label] = (len(values), hashlib.sha256(repr(values).encode()).hexdigest())
        return cls(rows=rows, emails_sent=len(mail.outbox))

    def changes_since(self, earlier: Snapshot) -> list[str]:
        """Human-readable differences, empty when nothing changed."""
        changes = []
        for label, (count, digest) in self.rows.items():
            before_count, before_digest = earlier.rows.get(label, (0, ""))
            if count != before_count:
                changes.append(f"{label}: {before_count} -> {count} rows")
            elif digest != before_digest:
                changes.append(f"{label}: rows modified")
        if self.emails_sent != earlier.emails_sent:
            changes.append(f"emails sent: {self.emails_sent - earlier.emails_sent} more")
        return changes
