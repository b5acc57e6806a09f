"""Celery task conventions shared by every domain, and the platform's own tasks (docs/architecture.md, Background jobs).

Every task in the project may run more than once: Celery retries it after an
error, and a worker that dies mid-task hands its message back to the queue
(``acks_late`` + ``reject_on_worker_lost``), so another worker runs it again
from the start. A task is therefore written to be idempotent: it takes ids,
re-reads the current state, and guards its effect with a unique key, a
conditional update or ``deltalabs.emails.send_once``. ``idempotent_task``
declares such a task with the retry and time-limit policy in one line.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

from celery import shared_task
from django.db import connections

from deltalabs.errors import ApplicationError

# Exponential backoff 1, 2, 4, ... seconds, capped, with full jitter so that a
# burst of failures (the mail server was down) does not retry in lockstep.
DEFAULT_MAX_RETRIES = 5
DEFAULT_RETRY_BACKOFF_MAX_SECONDS = 600


def idempotent_task(
    *,
    name: str,
    autoretry_for: tuple[type[BaseException], ...] = (Exception,),
    dont_autoretry_for: tuple[type[BaseException], ...] = (ApplicationError,),
    max_retries: int = DEFAULT_MAX_RETRIES,
    retry_backoff_max: int = DEFAULT_RETRY_BACKOFF_MAX_SECONDS,
    soft_time_limit: int | None = None,
    time_limit: int | None = None,
    bind: bool = False,
    **options,
) -> Callable:
    """Declare a Celery task that is safe to run more than once.

    Usage, one line per task::

        @idempotent_task(name="apps.learning.tasks.promote_waitlist")
        def promote_waitlist(*, course_id: str) -> int: ...

    What it applies:

    - ``name``: required and explicit (``apps.<app>.tasks.<function>``), so
      renaming or moving the module never orphans queued messages or beat
      entries.
    - Retries: any exception in ``autoretry_for`` (default: every
      ``Exception``) retries the task with exponential backoff (1 s, 2 s,
      4 s, ... capped at ``retry_backoff_max``) and full jitter, at most
      ``max_retries`` times. Domain errors (``ApplicationError``: not found,
      conflict, ...) are deterministic and are not retried by default; narrow
      or widen with ``autoretry_for`` / ``dont_autoretry_for``.
    - Time limits: ``soft_time_limit`` raises ``SoftTimeLimitExceeded`` inside
      the task (which then retries like any error); ``time_limit`` kills the
      pool process. Both default to ``CELERY_TASK_SOFT_TIME_LIMIT`` /
      ``CELERY_TASK_TIME_LIMIT`` from settings (60 s / 90 s).
    - Delivery: ``acks_late`` and ``reject_on_worker_lost``, so a message is
      acknowledged only after the task finished, and a worker killed mid-task
      (OOM, deploy, node loss) puts the message back for another worker. That
      is at-least-once delivery: the task body must be idempotent.

    Extra keyword arguments go to ``shared_task`` unchanged (``queue=``,
    ``rate_limit=``, ...); ``bind=True`` passes the task as ``self``.
    """
    if soft_time_limit is not None and time_limit is not None and soft_time_limit >= time_limit:
        raise ValueError(f"{name}: soft_time_limit must be shorter than time_limit")
    limits = {}
    if soft_time_limit is not None:
        limits["soft_time_limit"] = soft_time_limit
    if time_limit is not None:
        limits["time_limit"] = time_limit
    return shared_task(
        name=name,
        bind=bind,
        autoretry_for=autoretry_for,
        dont_autoretry_for=dont_autoretry_for,
        max_retries=max_retries,
        retry_backoff=True,
        retry_backoff_max=retry_backoff_max,
        retry_jitter=True,
        acks_late=True,
        reject_on_worker_lost=True,
        **limits,
        **options,
    )


@idempotent_task(name="deltalabs.tasks.worker_probe", max_retries=0, soft_time_limit=10, time_limit=15)
def worker_probe() -> dict:
    """Prove that a worker runs tasks and reaches the database; read-only.

    ``manage.py ops_status --probe-worker`` queues it and waits for the
    result, which checks the whole path: broker, a live worker, the worker's
    database connection and the result backend.
    """
    connection = connections["default"]
    connection.ensure_connection()
    if connection.vendor == "mongodb":
        connection.connection.admin.command("ping")
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    return {"hostname": socket.gethostname(), "pid": os.getpid(), "database": connection.vendor}
