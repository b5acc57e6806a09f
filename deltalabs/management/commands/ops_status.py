"""``python manage.py ops_status [--probe-worker] [--json]``: is this deployment able to work?

Checks, from wherever it runs (a web container, a worker, an operator's shell):

- the database answers (and on MongoDB, is a replica set, which transactions need);
- Redis answers, when ``REDIS_URL`` is set;
- how tasks run: eagerly in-process (no Redis) or through the broker, with the
  default queue's backlog and the workers that answer a ping;
- every beat entry names a task the code registers;
- with ``--probe-worker``: a ``deltalabs.tasks.worker_probe`` task goes through
  the broker, a worker runs it against the database, and its result comes back.

Prints a short report (or JSON) and exits with status 1 when something is not
ready, so it can gate a deploy or back a monitoring check.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from celery.schedules import crontab
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.celery import app as celery_app
from deltalabs import health
from deltalabs.tasks import worker_probe


def describe_schedule(schedule) -> str:
    if isinstance(schedule, crontab):
        return f"cron {schedule._orig_minute} {schedule._orig_hour} {schedule._orig_day_of_month} {schedule._orig_month_of_year} {schedule._orig_day_of_week}"
    seconds = (
        schedule.total_seconds() if isinstance(schedule, timedelta) else float(getattr(schedule, "seconds", schedule))
    )
    return f"every {seconds:g}s"


class Command(BaseCommand):
    help = "Report whether the database, Redis, Celery workers and the beat schedule are ready."

    def add_arguments(self, parser):
        parser.add_argument(
            "--probe-worker", action="store_true", help="Send a probe task through the broker and wait for a worker."
        )
        parser.add_argument("--queue", default=None, help="Queue for the probe task (default: the default queue).")
        parser.add_argument("--timeout", type=float, default=10.0, help="Seconds to wait for workers (default 10).")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, probe_worker: bool, queue: str | None, timeout: float, json: bool, **options):
        report: dict[str, Any] = {
            "settings": settings.SETTINGS_MODULE,
            "debug": settings.DEBUG,
            "checks": {},
            "problems": [],
        }
        self._check_database(report)
        self._check_redis(report)
        self._check_celery(report, timeout=timeout)
        self._check_beat(report)
        if probe_worker:
            self._probe_worker(report, queue=queue, timeout=timeout)
        report["ready"] = not report["problems"]
        self._print(report, as_json=json)
        if report["problems"]:
            raise CommandError(f"Not ready: {'; '.join(report['problems'])}", returncode=1)

    # --- checks -------------------------------------------------------------------

    def _check_database(self, report: dict) -> None:
        try:
            result = health._database_ready()
        except Exception as exc:
            report["checks"]["database"] = "unavailable"
            report["problems"].append(f"database unavailable ({type(exc).__name__}: {exc})")
            return
        report["checks"].update(result)
        report["checks"]["database_engine"] = settings.DATABASES["default"]["ENGINE"]
        if result.get("replica_set") == "missing":
            report["problems"].append("MongoDB is not a replica set: transactions are unavailable")

    def _check_redis(self, report: dict) -> None:
        try:
            report["checks"].update(health._redis_ready())
        except Exception as exc:
            report["checks"]["redis"] = "unavailable"
            report["problems"].append(f"Redis unavailable ({type(exc).__name__}: {exc})")

    def _check_celery(self, report: dict, *, timeout: float) -> None:
        conf = celery_app.conf
        celery: dict[str, Any] = {"eager": bool(conf.task_always_eager), "default_queue": conf.task_default_queue}
        report["celery"] = celery
        if conf.task_always_eager or not settings.REDIS_URL:
            celery["mode"] = "eager: tasks run inside the process that queues them"
            return
        celery["mode"] = "broker"
        try:
            with celery_app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=timeout)
                client = connection.default_channel.client
                celery["queued"] = client.llen(conf.task_default_queue)
            replies = celery_app.control.ping(timeout=min(timeout, 1.0)) or []
        except Exception as exc:
            report["problems"].append(f"broker unavailable ({type(exc).__name__}: {exc})")
            return
        celery["workers"] = sorted(name for reply in replies for name in reply)
        if not celery["workers"]:
            report["problems"].append("no Celery worker answered a ping")

    def _check_beat(self, report: dict) -> None:
        celery_app.loader.import_default_modules()
        entries = []
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            registered = entry["task"] in celery_app.tasks
            entries.append(
                {
                    "name": name,
                    "task": entry["task"],
                    "schedule": describe_schedule(entry["schedule"]),
                    "registered": registered,
                }
            )
            if not registered:
                report["problems"].append(f"beat entry {name!r} names an unregistered task {entry['task']!r}")
        report["beat"] = entries

    def _probe_worker(self, report: dict, *, queue: str | None, timeout: float) -> None:
        try:
            if celery_app.conf.task_always_eager:
                report["worker_probe"] = worker_probe.apply().get()
                return
            # Expires: a probe nobody picked up is dropped, not run hours later.
            result = worker_probe.apply_async(queue=queue, expires=timeout)
            report["worker_probe"] = result.get(timeout=timeout)
            result.forget()
        except Exception as exc:
            report["worker_probe"] = None
            report["problems"].append(f"worker probe failed ({type(exc).__name__}: {exc})")

    # --- output -------------------------------------------------------------------

    def _print(self, report: dict, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(report, indent=2, default=str))
            return
        write = self.stdout.write
        write(f"settings        {report['settings']} (DEBUG={report['debug']})")
        for name, value in report["checks"].items():
            write(f"{name:<15} {value}")
        celery = report["celery"]
        write(f"celery          {celery['mode']}")
        if "queued" in celery:
            write(f"  queued        {celery['queued']} in {celery['default_queue']!r}")
        if "workers" in celery:
            write(f"  workers       {', '.join(celery['workers']) or 'none'}")
        for entry in report["beat"]:
            mark = "ok" if entry["registered"] else "UNREGISTERED"
            write(f"beat            {entry['name']}: {entry['task']} [{entry['schedule']}] {mark}")
        if "worker_probe" in report:
            write(f"worker probe    {report['worker_probe'] or 'failed'}")
        if report["problems"]:
            for problem in report["problems"]:
                write(self.style.ERROR(f"problem         {problem}"))
        else:
            write(self.style.SUCCESS("ready"))
