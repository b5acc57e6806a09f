"""Tasks that only the ops tests queue; a real worker imports them with ``-I tests.ops.worker_tasks``.

``send_report_once`` sends a templated email exactly once (through
``deltalabs.emails.send_once``) and writes a line to a journal file at each
step, so the test can see which process ran which attempt. On its first
attempt it then holds the message (un-acknowledged) until the test kills the
process, simulating a worker that dies after the effect but before the ack.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from pathlib import Path

from deltalabs.emails import send_once
from deltalabs.tasks import idempotent_task

HOLD_SECONDS = 25
logger = logging.getLogger("tests.ops.worker_tasks")


def journal_lines(journal: str) -> list[str]:
    path = Path(journal)
    return path.read_text().splitlines() if path.exists() else []


def _write(journal: str, event: str) -> None:
    # One short append per line: atomic enough for a single writer at a time.
    with Path(journal).open("a") as handle:
        handle.write(f"{event} {os.getpid()}\n")
        handle.flush()
        os.fsync(handle.fileno())


@idempotent_task(name="tests.ops.worker_tasks.send_report_once", soft_time_limit=40, time_limit=45)
def send_report_once(*, key: str, to: str, journal: str) -> str:
    _write(journal, "start")
    sent = send_once(key=key, template="tests/hello", to=to, context={"name": "Ops"})
    _write(journal, "sent" if sent else "skipped")
    logger.info("Report email %s: %s", key, "sent" if sent else "already sent")
    if sum(1 for line in journal_lines(journal) if line.startswith("start")) == 1:
        _write(journal, "holding")
        time.sleep(HOLD_SECONDS)
    return "sent" if sent else "skipped"


@idempotent_task(name="tests.ops.worker_tasks.greet_without_key")
def greet_without_key(*, to: str) -> None:
    """Deliberately NOT idempotent (a fresh key each run): the periodic-task check must catch it."""
    send_once(key=f"careless:{uuid.uuid4()}", template="tests/hello", to=to, context={"name": "again"})
