"""The task conventions (``deltalabs.tasks.idempotent_task``) and request-id propagation into tasks."""

from __future__ import annotations

import pytest

from config.celery import REQUEST_ID_HEADER, _attach_request_id, _forget_request_id, _restore_request_id
from config.celery import app as celery_app
from deltalabs import request_context
from deltalabs.errors import ApplicationError, NotFound
from deltalabs.tasks import idempotent_task

attempts: list[str] = []


@idempotent_task(name="tests.ops.test_tasks.flaky", max_retries=3)
def flaky(*, failures: int) -> int:
    attempts.append("flaky")
    if len(attempts) <= failures:
        raise ConnectionError("smtp down")
    return len(attempts)


@idempotent_task(name="tests.ops.test_tasks.missing")
def missing() -> None:
    attempts.append("missing")
    raise NotFound()


@pytest.fixture(autouse=True)
def _reset_attempts():
    attempts.clear()


@pytest.fixture
def embedded_mode():
    """Eager tasks as in the embedded setup: failures are retried inline instead of surfacing at once
    (the test settings propagate the first error, which Celery raises as ``Retry``)."""
    conf = celery_app.conf
    previous = conf.task_eager_propagates
    conf.task_eager_propagates = False
    yield
    conf.task_eager_propagates = previous


def test_declares_the_delivery_retry_and_time_limit_policy():
    assert flaky.name == "tests.ops.test_tasks.flaky"
    assert flaky.acks_late and flaky.reject_on_worker_lost
    assert flaky.autoretry_for == (Exception,) and flaky.dont_autoretry_for
    assert flaky.retry_backoff is True and flaky.retry_jitter is True and flaky.retry_backoff_max == 600
    assert flaky.max_retries == 3


def _project_tasks() -> dict:
    celery_app.loader.import_default_modules()
    return {name: task for name, task in celery_app.tasks.items() if name.startswith(("apps.", "deltalabs."))}


def test_every_project_task_is_an_idempotent_task():
    # One policy for every task: late acknowledgement, retries with backoff
    # for transient errors only (a domain error is deterministic).
    tasks = _project_tasks()
    assert "apps.engagement.tasks.send_new_answer_email" in tasks and "apps.labs.jobs.send_booking_reminders" in tasks
    for name, task in tasks.items():
        assert task.acks_late and task.reject_on_worker_lost, name
        assert task.autoretry_for == (Exception,) and ApplicationError in task.dont_autoretry_for, name
        assert task.retry_backoff is True and task.retry_jitter is True, name


def test_a_domain_error_in_a_real_task_is_not_retried(embedded_mode, monkeypatch):
    from apps.engagement import tasks as engagement_tasks

    calls = []

    def refuse(answer_id):
        calls.append(answer_id)
        raise NotFound()

    monkeypatch.setattr(engagement_tasks.repositories, "answer_for_email", refuse)
    with pytest.raises(NotFound):
        engagement_tasks.send_new_answer_email.delay(answer_id="00000000-0000-4000-8000-000000000000").get()
    assert len(calls) == 1


def test_transient_errors_are_retried_until_success(embedded_mode):
    assert flaky.delay(failures=2).get() == 3
    assert attempts == ["flaky"] * 3


def test_retries_stop_after_max_retries(embedded_mode):
    with pytest.raises(ConnectionError):
        flaky.delay(failures=10).get()
    assert len(attempts) == 1 + 3


def test_domain_errors_are_not_retried(embedded_mode):
    with pytest.raises(NotFound):
        missing.delay().get()
    assert attempts == ["missing"]


def test_time_limits_must_leave_room_for_the_soft_one():
    with pytest.raises(ValueError, match="soft_time_limit"):
        idempotent_task(name="tests.ops.test_tasks.bad", soft_time_limit=30, time_limit=30)

    def limited() -> None:
        return None

    task = idempotent_task(name="tests.ops.test_tasks.limited", soft_time_limit=5, time_limit=8)(limited)
    assert (task.soft_time_limit, task.time_limit) == (5, 8)


class FakeRequest:
    pass


class FakeTask:
    def __init__(self, request_id=None):
        self.request = FakeRequest()
        if request_id:
            setattr(self.request, REQUEST_ID_HEADER, request_id)


def test_publishing_inside_a_request_carries_its_id():
    token = request_context.set_request_id("req-publish")
    try:
        headers: dict = {}
        _attach_request_id(headers=headers)
        assert headers == {REQUEST_ID_HEADER: "req-publish"}
    finally:
        request_context.reset_request_id(token)
    outside: dict = {}
    _attach_request_id(headers=outside)
    assert outside == {}


def test_the_worker_logs_a_task_under_the_id_it_carries_and_forgets_it_afterwards():
    task = FakeTask("req-from-web")
    _restore_request_id(task=task)
    assert request_context.current_request_id() == "req-from-web"
    _forget_request_id(task=task)
    assert request_context.current_request_id() is None


def test_an_eager_task_keeps_the_request_it_runs_in():
    token = request_context.set_request_id("req-eager")
    try:
        task = FakeTask()
        _restore_request_id(task=task)
        _forget_request_id(task=task)
        assert request_context.current_request_id() == "req-eager"
    finally:
        request_context.reset_request_id(token)
