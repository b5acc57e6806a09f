"""Every periodic task is registered, follows the task conventions, and is idempotent (docs/architecture.md, Background jobs).

Beat may fire a task twice (a deploy restarts beat, a retry overlaps the next
tick, two beats by mistake), so the second of two back-to-back runs must
change nothing: no row added, removed or modified, no email sent. The runs
happen on the seeded demo data at several moments, so expiries, reminders and
cleanups have something to do on the first run. Domain tests add assertions
about what the first run did.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from tests.ops import worker_tasks  # noqa: F401 - registers the deliberately careless task
from tests.ops.periodic import PROJECT_PACKAGES, Snapshot, beat_task, registered_tasks, run_periodic

# Now, and later: stale carts, pending orders, expired tokens and idempotency
# records, and tomorrow's bookings all come due at one of these moments.
MOMENTS = (timedelta(0), timedelta(days=1), timedelta(days=8), timedelta(days=40))


def project_tasks() -> dict:
    return {name: task for name, task in registered_tasks().items() if name.startswith(PROJECT_PACKAGES)}


def test_every_beat_entry_names_a_registered_task():
    assert settings.CELERY_BEAT_SCHEDULE, "the beat schedule is empty"
    for entry_name in settings.CELERY_BEAT_SCHEDULE:
        beat_task(entry_name)  # raises LookupError naming the entry


def test_beat_lookup_refuses_an_unknown_task(settings):
    settings.CELERY_BEAT_SCHEDULE = {"typo": {"task": "apps.nowhere.tasks.nothing", "schedule": 60}}
    with pytest.raises(LookupError, match="typo"):
        beat_task("typo")


@pytest.mark.parametrize("name", sorted(project_tasks()))
def test_every_project_task_follows_the_task_conventions(name):
    task = project_tasks()[name]
    module = task.run.__module__
    assert name == f"{module}.{task.run.__name__}", "explicit name = dotted path of the function"
    assert task.acks_late and task.reject_on_worker_lost, "a worker lost mid-task must hand the message back"
    assert task.autoretry_for, "transient failures must retry"
    assert task.retry_backoff and task.retry_jitter, "retries back off exponentially, with jitter"
    assert task.max_retries is not None, "retries must stop"
    soft_limit = task.soft_time_limit or settings.CELERY_TASK_SOFT_TIME_LIMIT
    hard_limit = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
    assert soft_limit < hard_limit, "the soft limit fires before the process is killed"


def second_run_effects(schedule: dict) -> list[str]:
    """Run every entry of ``schedule`` twice at each moment; describe what the second runs changed."""
    start = timezone.now()
    problems = []
    for moment in MOMENTS:
        # Frozen time: both runs see the same instant, so the second run has
        # exactly the same work available as the first, minus what it did.
        with time_machine.travel(start + moment, tick=False):
            for entry_name in schedule:
                task, entry = beat_task(entry_name)
                run_periodic(task, entry)
                after_first = Snapshot.take()
                run_periodic(task, entry)
                changes = Snapshot.take().changes_since(after_first)
                if changes:
                    problems.append(f"{entry_name} ({entry['task']}) at now+{moment}: {'; '.join(changes)}")
    return problems


@pytest.mark.django_db
def test_every_periodic_task_run_twice_has_no_duplicate_effect():
    # given: the small demo data set
    call_command("seed", size="small", no_progress=True, stdout=io.StringIO())
    # when: beat fires each task twice, at several moments
    problems = second_run_effects(settings.CELERY_BEAT_SCHEDULE)
    # then: no second run changed a row or sent an email
    assert not problems, "second runs had effects:\n" + "\n".join(problems)


@pytest.mark.django_db
def test_a_task_that_repeats_its_effect_is_caught(settings, user):
    settings.CELERY_BEAT_SCHEDULE = {
        "careless": {"task": "tests.ops.worker_tasks.greet_without_key", "kwargs": {"to": user.email}, "schedule": 60}
    }
    problems = second_run_effects(settings.CELERY_BEAT_SCHEDULE)
    assert len(problems) == len(MOMENTS)
    assert all("emails sent: 1 more" in problem for problem in problems)


@pytest.mark.django_db
def test_snapshot_sees_added_modified_and_removed_rows_and_emails(user, mailoutbox):
    # The idempotency check above is only as good as its snapshot.
    from django.core.mail import send_mail

    before = Snapshot.take()
    user.display_name = "Changed"
    user.save(update_fields=["display_name"])
    assert Snapshot.take().changes_since(before) == ["identity.User: rows modified"]

    before = Snapshot.take()
    send_mail("s", "b", None, ["x@example.test"])
    user.delete()
    assert Snapshot.take().changes_since(before) == ["identity.User: 1 -> 0 rows", "emails sent: 1 more"]
