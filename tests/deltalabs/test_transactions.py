"""Transactions that hold on MongoDB (SPEC 3.1): ``deltalabs.db.atomic``'s
commit, rollback and retry rules, and the semantics check that enforces
MongoDB's rules while the suite runs on SQLite.

Fault tests run MongoDB's code path in two ways:
- on a MongoDB connection with a scripted pymongo client (the compile gate's
  server-less connection, present on every engine): what is sent, in which
  order, how often;
- on the real engine (``make test-mongo``, or a replica set): what lands.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib import admin
from django.db import DatabaseError, IntegrityError, connection, connections
from django.db import transaction as django_transaction
from pymongo.errors import ConnectionFailure, OperationFailure

from apps.engagement import repositories as engagement_repositories
from apps.engagement import services as engagement_services
from apps.engagement.models import Answer, Question
from apps.identity.models import User
from deltalabs import admin_base, db
from deltalabs.db import atomic, on_commit, transactional
from deltalabs.testing import transaction_semantics
from deltalabs.testing.compile_gate import GATE_ALIAS
from tests.conftest import client_for
from tests.factories.courses import CourseFactory, EnrollmentFactory
from tests.factories.engagement import QuestionFactory
from tests.factories.identity import UserFactory
from tests.support.emulator import THREAD_RACE


@pytest.fixture
def course(db):
    return CourseFactory()


@pytest.fixture
def learner(course):
    return EnrollmentFactory(course=course).user


on_mongodb = pytest.mark.skipif(connection.vendor != "mongodb", reason="MongoDB only: what lands on the server")


def labelled(label: str, code: int = 112) -> OperationFailure:
    error = OperationFailure("WriteConflict", code, {"errorLabels": [label], "code": code, "errmsg": "WriteConflict"})
    assert error.has_error_label(label)
    return error


def write_conflict() -> DatabaseError:
    """What django-mongodb-backend raises for a write conflict inside a transaction."""
    try:
        raise labelled(db.TRANSIENT_TRANSACTION_ERROR)
    except OperationFailure as exc:
        try:
            raise DatabaseError from exc
        except DatabaseError as wrapped:
            return wrapped


# --- The MongoDB path, scripted --------------------------------------------------


class ScriptedSession:
    def __init__(self, log, commit_errors):
        self.log, self.commit_errors = log, commit_errors

    def start_transaction(self):
        self.log.append("start")

    def commit_transaction(self):
        self.log.append("commit")
        if self.commit_errors:
            raise self.commit_errors.pop(0)

    def abort_transaction(self):
        self.log.append("abort")

    def end_session(self):
        self.log.append("end")


class ScriptedClient:
    def __init__(self):
        self.log: list[str] = []
        self.commit_errors: list[Exception] = []

    def start_session(self):
        self.log.append("session")
        return ScriptedSession(self.log, self.commit_errors)


@pytest.fixture
def mongo():
    """A django-mongodb-backend connection whose pymongo client is scripted."""
    gate = connections[GATE_ALIAS]
    client = ScriptedClient()
    gate.connection = client
    yield client
    gate.connection = None
    gate.session = None
    gate.in_atomic_block_mongo = False
    gate.nested_atomics = 0
    gate.run_on_commit = []


def test_a_transaction_starts_commits_and_ends_its_session(mongo):
    ran = []
    with atomic(GATE_ALIAS):
        with atomic(GATE_ALIAS):  # joins: no savepoints
            pass
        connections[GATE_ALIAS].on_commit(lambda: ran.append("hook"))
        assert ran == []
    assert mongo.log == ["session", "start", "commit", "end"]
    assert ran == ["hook"]
    assert connections[GATE_ALIAS].session is None


def test_a_failed_commit_ends_the_session_and_raises_djangos_database_error(mongo):
    # given a commit that fails (a network error, a step-down, a timeout)
    mongo.commit_errors.append(ConnectionFailure("primary stepped down"))
    ran = []
    # when
    with pytest.raises(DatabaseError) as raised, atomic(GATE_ALIAS):
        connections[GATE_ALIAS].on_commit(lambda: ran.append("hook"))
    # then the cause is kept, the session is gone, the hooks never run
    assert isinstance(raised.value.__cause__, ConnectionFailure)
    assert mongo.log == ["session", "start", "commit", "end"]
    assert connections[GATE_ALIAS].session is None
    assert ran == []
    # and the next transaction on this thread is a real one: a new session, started
    with atomic(GATE_ALIAS):
        pass
    assert mongo.log[4:] == ["session", "start", "commit", "end"]


def test_a_session_left_behind_is_never_reused(mongo):
    gate = connections[GATE_ALIAS]
    gate.session = ScriptedSession(mongo.log, [])  # e.g. by the backend's own atomic after a failure
    with atomic(GATE_ALIAS):
        pass
    assert mongo.log == ["end", "session", "start", "commit", "end"]


def test_an_unknown_commit_result_resends_the_commit_only(mongo):
    mongo.commit_errors.append(labelled(db.UNKNOWN_COMMIT_RESULT, code=50))
    runs = []

    @transactional(using=GATE_ALIAS)
    def body():
        runs.append(1)

    body()
    assert runs == [1]  # the body ran once
    assert mongo.log == ["session", "start", "commit", "commit", "end"]


def test_commit_resends_are_bounded(mongo):
    mongo.commit_errors.extend(labelled(db.UNKNOWN_COMMIT_RESULT, code=50) for _ in range(db.COMMIT_ATTEMPTS))
    with pytest.raises(DatabaseError), atomic(GATE_ALIAS):
        pass
    assert mongo.log.count("commit") == db.COMMIT_ATTEMPTS
    assert mongo.log[-1] == "end"


def test_a_transient_error_reruns_the_whole_body_and_aborts_the_failed_try(mongo):
    runs = []

    @transactional(using=GATE_ALIAS)
    def body():
        runs.append(1)
        if len(runs) < 3:
            raise write_conflict()
        return "done"

    assert body() == "done"
    assert len(runs) == 3
    assert mongo.log == ["session", "start", "abort", "end"] * 2 + ["session", "start", "commit", "end"]


def test_a_transient_commit_error_reruns_the_body(mongo):
    mongo.commit_errors.append(labelled(db.TRANSIENT_TRANSACTION_ERROR, code=251))  # NoSuchTransaction
    runs = []
    transactional(using=GATE_ALIAS)(lambda: runs.append(1))()
    assert len(runs) == 2


def test_retries_are_bounded(mongo):
    runs = []

    @transactional(using=GATE_ALIAS, attempts=3)
    def body():
        runs.append(1)
        raise write_conflict()

    with pytest.raises(DatabaseError):
        body()
    assert len(runs) == 3


def test_other_errors_are_not_retried(mongo):
    runs = []

    @transactional(using=GATE_ALIAS)
    def body():
        runs.append(1)
        raise DatabaseError("duplicate key")

    with pytest.raises(DatabaseError):
        body()
    assert runs == [1]


def test_our_transaction_inside_djangos_atomic_block_still_commits_and_runs_its_hooks(mongo):
    # The rule forbids it (the semantics check flags it); if it happens anyway
    # on MongoDB, the data and its hooks are not lost to a 500.
    gate = connections[GATE_ALIAS]
    ran = []
    with django_transaction.atomic(GATE_ALIAS):
        with atomic(GATE_ALIAS):
            gate.on_commit(lambda: ran.append("hook"))
        assert ran == ["hook"]
    transaction_semantics.take_failures()
    assert mongo.log == ["session", "start", "commit", "end"]


# --- What lands on the server -----------------------------------------------------


@on_mongodb
@pytest.mark.django_db
def test_after_a_failed_commit_the_next_transaction_is_real(monkeypatch):
    from pymongo.client_session import ClientSession

    # given one commit that fails at the server
    real_commit = ClientSession.commit_transaction
    failures = [ConnectionFailure("connection reset at commit")]

    def commit_transaction(session):
        if failures:
            raise failures.pop()
        return real_commit(session)

    monkeypatch.setattr(ClientSession, "commit_transaction", commit_transaction)
    with pytest.raises(DatabaseError), atomic():
        UserFactory(email="lost@example.test")
    assert not User.objects.filter(email="lost@example.test").exists()
    # when the next transaction on this thread fails half-way
    with pytest.raises(RuntimeError), atomic():
        UserFactory(email="half@example.test")
        raise RuntimeError("boom")
    # then it was a real transaction: its first write was rolled back
    assert not User.objects.filter(email="half@example.test").exists()


@on_mongodb
@pytest.mark.django_db
def test_an_unknown_commit_result_lands_once(monkeypatch):
    from pymongo.client_session import ClientSession

    # given a commit that lands but whose answer is lost
    real_commit = ClientSession.commit_transaction
    sent = []

    def commit_transaction(session):
        sent.append(1)
        real_commit(session)
        if len(sent) == 1:
            raise labelled(db.UNKNOWN_COMMIT_RESULT, code=50)

    monkeypatch.setattr(ClientSession, "commit_transaction", commit_transaction)
    ran = []
    runs = []

    @transactional
    def create():
        runs.append(1)
        UserFactory(email="once@example.test")
        on_commit(lambda: ran.append("hook"))

    create()
    assert len(sent) == 2  # the commit was sent again
    assert runs == [1]  # the body was not
    assert User.objects.filter(email="once@example.test").count() == 1
    assert ran == ["hook"]


# --- Contended documents retry write conflicts ----------------------------------


@pytest.mark.django_db
def test_a_write_conflict_on_the_question_counter_is_retried(monkeypatch, learner, course):
    # given a question whose counter update conflicts twice with another transaction
    question = QuestionFactory(course=course)
    real_change = engagement_repositories.question_change_answer_count
    conflicts = [write_conflict(), write_conflict()]

    def change_answer_count(**kwargs):
        real_change(**kwargs)
        if conflicts:
            raise conflicts.pop()

    monkeypatch.setattr(engagement_repositories, "question_change_answer_count", change_answer_count)
    # when an answer is posted
    engagement_services.answer_create(actor=learner, course_id=course.pk, question_id=question.pk, body="Yes.")
    # then it landed once, with the counter moved once
    assert Answer.objects.filter(question=question).count() == 1
    assert Question.objects.get(pk=question.pk).answer_count == 1


@pytest.mark.emulator_cannot_judge(THREAD_RACE)
@pytest.mark.django_db(transaction=True)
def test_threads_racing_for_one_question_counter_all_get_their_answer_in():
    # given one question and learners answering it at the same moment
    course_raced = CourseFactory()
    question = QuestionFactory(course=course_raced)
    racers = [EnrollmentFactory(course=course_raced).user for _ in range(8)]
    barrier = threading.Barrier(len(racers))

    def post(racer):
        client = client_for(racer)
        try:
            barrier.wait()
            return client.post(
                f"/v1/courses/{course_raced.pk}/answers",
                {"question_id": str(question.pk), "body": "Me too."},
                format="json",
            ).status_code
        finally:
            connection.close()

    # when
    with ThreadPoolExecutor(max_workers=len(racers)) as pool:
        statuses = list(pool.map(post, racers))
    # then every request succeeded (retried, not 500) and the counter is exact
    assert statuses == [201] * len(racers)
    assert Question.objects.get(pk=question.pk).answer_count == len(racers)


# --- The nesting rule and the semantics check -----------------------------------


def test_every_admin_opens_our_transaction_for_its_writes():
    plain = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if type(model_admin).__module__.startswith("apps.")
        and not isinstance(model_admin, admin_base.TransactionalAdminMixin)
    ]
    assert plain == [], "inherit deltalabs.admin_base.DeltaModelAdmin"


@pytest.mark.django_db
def test_the_check_flags_a_service_transaction_opened_inside_djangos_atomic_block(learner, course):
    # when a service's transaction opens inside Django's atomic block (as in an admin view of old)
    with django_transaction.atomic():
        engagement_services.question_create(actor=learner, course_id=course.pk, title="Why?", body="Tell me.")
    # then the check reports it
    failures = transaction_semantics.take_failures()
    assert [failure.rule for failure in failures] == [transaction_semantics.OPENED_INSIDE_DJANGO_ATOMIC]
    assert "engagement/services.py" in failures[0].where


@pytest.mark.django_db
def test_the_check_accepts_djangos_atomic_inside_ours(learner, course):
    with atomic(), django_transaction.atomic():
        engagement_services.question_create(actor=learner, course_id=course.pk, title="Why?", body="Tell me.")
    assert transaction_semantics.take_failures() == []


@pytest.mark.skipif(connection.vendor == "mongodb", reason="on MongoDB the error aborts the transaction for real")
@pytest.mark.django_db
def test_the_check_flags_a_database_error_caught_inside_the_transaction():
    user = UserFactory()
    with atomic():
        UserFactory(display_name="kept")
        # carrying on after the error: MongoDB would have aborted the transaction
        with contextlib.suppress(IntegrityError):
            User.objects.create(email=user.email, display_name="duplicate")
    failures = transaction_semantics.take_failures()
    assert [failure.rule for failure in failures] == [transaction_semantics.CARRIED_ON_AFTER_ERROR]


@pytest.mark.skipif(connection.vendor == "mongodb", reason="SQLite's check: no savepoints there either")
@pytest.mark.django_db
def test_the_check_flags_a_failed_nested_block_the_outer_one_survived():
    with atomic():
        try:
            with atomic():
                UserFactory()
                raise ValueError("inner failure")
        except ValueError:
            pass
    failures = transaction_semantics.take_failures()
    assert [failure.rule for failure in failures] == [transaction_semantics.CARRIED_ON_AFTER_ERROR]


@pytest.mark.django_db
def test_errors_that_end_the_transaction_are_fine():
    user = UserFactory()
    with pytest.raises(IntegrityError), atomic():
        User.objects.create(email=user.email, display_name="duplicate")
    assert transaction_semantics.take_failures() == []
