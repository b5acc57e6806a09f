"""``deltalabs.sqlite``: writers queue on a file lock and wake when it is released.

Each test holds the lock from one connection (a transaction, or the lock
taken directly) and checks what a second connection, on another thread, may
and may not do meanwhile. "Still waiting" is observed after a pause; "went
ahead" is waited for with a generous deadline, so no assertion is about
speed.
"""

from __future__ import annotations

import fcntl
import os
import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from apps.catalog.models import Category
from deltalabs.db import atomic

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite engine's own lock"),
]

PAUSE = 0.3  # how long a blocked writer is watched before the holder lets go
DEADLINE = 10


class Other(threading.Thread):
    """Runs ``work`` on its own thread (its own connection) and records the outcome."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work = work
        self.done = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            self.work()
        except BaseException as error:
            self.error = error
        finally:
            connections.close_all()
            self.done.set()


def _insert(slug: str):
    def work():
        Category.objects.create(slug=slug, name=slug)

    return work


def _transaction_insert(slug: str):
    def work():
        with atomic():
            Category.objects.create(slug=slug, name=slug)

    return work


@pytest.mark.parametrize("other", [_transaction_insert, _insert], ids=["transaction", "autocommit write"])
def test_a_writer_waits_for_the_open_transaction_and_goes_ahead_after_its_commit(other):
    with atomic():
        Category.objects.create(slug="first", name="First")
        second = Other(other("second"))
        second.start()
        assert not second.done.wait(PAUSE), "the second writer did not wait for the lock"
        assert not Category.objects.filter(slug="second").exists()
    assert second.done.wait(DEADLINE) and second.error is None
    assert set(Category.objects.values_list("slug", flat=True)) == {"first", "second"}


def test_a_rollback_releases_the_lock():
    with pytest.raises(RuntimeError), atomic():
        Category.objects.create(slug="undone", name="Undone")
        second = Other(_transaction_insert("second"))
        second.start()
        assert not second.done.wait(PAUSE)
        raise RuntimeError("roll back")
    assert second.done.wait(DEADLINE) and second.error is None
    assert list(Category.objects.values_list("slug", flat=True)) == ["second"]


def test_closing_the_connection_releases_the_lock():
    transaction.set_autocommit(True)
    connection.ensure_connection()
    connection._take_write_lock()
    second = Other(_transaction_insert("second"))
    second.start()
    assert not second.done.wait(PAUSE)
    connection.close()
    assert second.done.wait(DEADLINE) and second.error is None


def test_a_writer_gives_up_after_the_timeout_with_database_is_locked():
    options = connection.settings_dict["OPTIONS"]  # shared by every thread's connection
    connection.ensure_connection()
    connection._take_write_lock()
    try:
        connection.settings_dict["OPTIONS"] = {**options, "timeout": 0.2}
        late = Other(_transaction_insert("late"))
        late.start()
        assert late.done.wait(DEADLINE)
    finally:
        connection.settings_dict["OPTIONS"] = options
        connection._release_write_lock()
    assert isinstance(late.error, OperationalError) and "database is locked" in str(late.error)
    assert not Category.objects.filter(slug="late").exists()


def test_reads_never_wait_for_the_lock():
    with atomic():
        Category.objects.create(slug="first", name="First")
        seen = []
        reader = Other(lambda: seen.append(Category.objects.count()))
        reader.start()
        assert reader.done.wait(DEADLINE) and reader.error is None
    assert seen == [0]  # WAL: the reader saw the last committed state, without waiting


def _lock_file_is_free() -> bool:
    """Whether another open file description could take the lock right now."""
    fd = os.open(f"{connection.settings_dict['NAME']}.writelock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def test_a_transaction_holds_the_lock_file_until_it_ends():
    assert _lock_file_is_free()
    with atomic():
        assert not _lock_file_is_free()
        Category.objects.create(slug="first", name="First")
        assert not _lock_file_is_free()
    assert _lock_file_is_free()
    with pytest.raises(RuntimeError), atomic():
        assert not _lock_file_is_free()
        raise RuntimeError("roll back")
    assert _lock_file_is_free()


@pytest.mark.parametrize("other", [_transaction_insert, _insert], ids=["transaction", "autocommit write"])
def test_every_writer_waits_for_whoever_holds_the_lock_file(other):
    """Another process holding the file (no SQLite lock at all) is waited for:
    the lock, not SQLite's busy handler, orders the writers."""
    connection.ensure_connection()
    fd = os.open(f"{connection.settings_dict['NAME']}.writelock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        writer = Other(other("second"))
        writer.start()
        assert not writer.done.wait(PAUSE), f"the writer did not wait for the lock file ({writer.error!r})"
        fcntl.flock(fd, fcntl.LOCK_UN)
        assert writer.done.wait(DEADLINE) and writer.error is None
    finally:
        os.close(fd)
    assert Category.objects.filter(slug="second").exists()
