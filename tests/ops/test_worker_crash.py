"""A worker killed in the middle of a task: the task runs again, its effect happens once (docs/architecture.md, Background jobs).

A real ``celery -A config worker`` (prefork, one pool process) consumes from
the local Redis. The task sends an email through ``send_once`` and then holds
its message un-acknowledged; the test SIGKILLs the pool process at that
moment, as an OOM kill or a lost node would. Because tasks are ``acks_late``
with ``reject_on_worker_lost``, the worker hands the message back and a fresh
pool process runs the task again; ``send_once`` finds the email's key and
sends nothing, so exactly one email goes out.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from deltalabs import request_context
from deltalabs.models import OutboundEmail
from tests.ops.worker import REDIS_URL, celery_worker, redis_answers, unacked_messages_mentioning, wait_until
from tests.ops.worker_tasks import journal_lines

pytestmark = pytest.mark.django_db(transaction=True)

TASK = "tests.ops.worker_tasks.send_report_once"


@pytest.fixture
def producer():
    if not redis_answers():
        pytest.skip(f"Redis does not answer PING at {REDIS_URL}; this test needs a real broker")
    app = Celery("ops-test-producer", broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
    yield app
    app.close()


def events(journal: str) -> list[tuple[str, int]]:
    return [(event, int(pid)) for event, pid in (line.split() for line in journal_lines(journal))]


def test_task_killed_mid_run_is_redelivered_and_its_email_goes_out_once(tmp_path, producer):
    journal = str(tmp_path / "journal")
    key = f"ops-crash:{uuid.uuid4().hex}"
    request_id = f"ops-test-{uuid.uuid4().hex}"
    with celery_worker(tmp_path, extra_modules=("tests.ops.worker_tasks",)) as worker:
        # given: the task (queued while serving a request) ran its effect and holds its message un-acked
        token = request_context.set_request_id(request_id)
        try:
            result = producer.send_task(
                TASK, kwargs={"key": key, "to": "ops@example.test", "journal": journal}, queue=worker.queue
            )
        finally:
            request_context.reset_request_id(token)
        wait_until(
            lambda: any(event == "holding" for event, _ in events(journal)),
            timeout=30,
            what="the first attempt to send its email",
            worker=worker,
        )
        [(_, first_pid)] = [entry for entry in events(journal) if entry[0] == "holding"]
        assert first_pid != worker.process.pid, "the task must run in a pool child, not the main worker"

        # when: that pool process dies without warning
        os.kill(first_pid, signal.SIGKILL)

        # then: the message comes back, a new pool process runs the task again to the end
        assert result.get(timeout=30, propagate=True) == "skipped"
        assert events(journal) == [
            ("start", first_pid),
            ("sent", first_pid),
            ("holding", first_pid),
            ("start", events(journal)[3][1]),
            ("skipped", events(journal)[3][1]),
        ]
        second_pid = events(journal)[3][1]
        assert second_pid not in (first_pid, worker.process.pid)
        assert "WorkerLostError" in worker.log() or "signal 9" in worker.log()
        # both runs logged under the id of the request that queued the task
        assert worker.log().count(f"[{request_id}] Report email {key}") == 2
        # the second run was acknowledged: nothing is left to deliver a third time
        wait_until(lambda: not unacked_messages_mentioning(result.id), timeout=10, what="the ack", worker=worker)

        # and the effect happened exactly once
        claim = OutboundEmail.objects.get(key=key)
        assert claim.status == OutboundEmail.Status.SENT
        sent_files = list(worker.mail_dir.iterdir())
        assert sum(path.read_text().count("Subject: Hello Ops") for path in sent_files) == 1
    result.forget()


def test_ops_status_probes_a_live_worker_through_the_broker(tmp_path, producer):
    with celery_worker(tmp_path) as worker:
        worker.wait_ready()
        # when: an operator asks from another process, configured like the deployment
        completed = subprocess.run(
            [sys.executable, "manage.py", "ops_status", "--probe-worker", f"--queue={worker.queue}", "--json"],
            cwd=settings.BASE_DIR,
            env=worker.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        # then: the probe went through Redis to the worker, which reached the database
        assert completed.returncode == 0, completed.stdout + completed.stderr + worker.log()
        report = json.loads(completed.stdout)
        assert report["ready"] is True and report["problems"] == []
        assert report["celery"]["mode"] == "broker"
        assert f"{worker.queue}@" in " ".join(report["celery"]["workers"])
        assert report["worker_probe"]["database"] == connection.vendor
        assert report["worker_probe"]["pid"] != os.getpid()
