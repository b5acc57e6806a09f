"""``manage.py ops_status`` in the embedded setup (the real-worker case is in test_worker_crash)."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = pytest.mark.django_db


def run_status(*args: str) -> dict:
    out = io.StringIO()
    call_command("ops_status", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_embedded_setup_is_ready_and_runs_the_probe_in_process():
    report = run_status("--probe-worker")

    assert report["ready"] is True and report["problems"] == []
    assert report["checks"]["database"] == "ok"
    assert report["celery"]["eager"] is True
    assert report["worker_probe"]["database"] == connection.vendor
    assert {entry["task"] for entry in report["beat"]} >= {"apps.identity.jobs.cleanup_revoked_tokens"}
    assert all(entry["registered"] for entry in report["beat"])


def test_an_unregistered_beat_task_makes_it_not_ready(settings):
    settings.CELERY_BEAT_SCHEDULE = {"typo": {"task": "apps.nowhere.tasks.nothing", "schedule": 60}}

    with pytest.raises(CommandError, match=re.escape("unregistered task 'apps.nowhere.tasks.nothing'")) as raised:
        call_command("ops_status", stdout=io.StringIO())
    assert raised.value.returncode == 1


def test_an_unreachable_database_makes_it_not_ready(monkeypatch):
    def unreachable():
        raise ConnectionError("no route to host")

    monkeypatch.setattr("deltalabs.health._database_ready", unreachable)

    with pytest.raises(CommandError, match="database unavailable"):
        call_command("ops_status", stdout=io.StringIO())


def test_the_text_report_names_each_check():
    out = io.StringIO()
    call_command("ops_status", stdout=out)
    text = out.getvalue()
    assert "database        ok" in text
    assert "cron 17 */6 * * *" in text
    assert text.rstrip().endswith("ready")
