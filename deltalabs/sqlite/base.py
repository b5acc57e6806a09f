"""Django's SQLite backend, with writers queued on a file lock (docs/decisions.md, SQLite writers).

Every transaction Django opens here starts with ``BEGIN IMMEDIATE`` (the
database's ``transaction_mode``), so a second writer waits for the first.
SQLite's busy handler does that waiting by sleeping between retries in
growing steps (up to 100 ms each), so a writer often slept on long after the
lock was free: under the bench's concurrent checkouts ``POST /v1/orders``
had a p99 five to seven times its p50.

Here a transaction first takes an exclusive ``flock`` on ``<database>.writelock``
(one per database file, shared by every process and thread that opens it),
and releases it when it commits, rolls back or its connection closes; a
write outside a transaction (an autocommit ``INSERT``/``UPDATE``/``DELETE``,
such as the sandbox payment provider's record of a charge) holds it for that
statement. The
lock is polled in steps of at most a millisecond, so the next writer starts
within about a millisecond of the last one finishing; it gives up after the
connection's ``timeout`` with SQLite's own "database is locked". SQLite's
lock still guards the data: writes outside a transaction (autocommit
statements) and other programs keep using the busy handler, and nothing here
is needed for correctness, only for how soon a waiting writer wakes.

In-memory databases (one connection, nobody to wait for) take no lock.

Also: date-times read back are parsed once per distinct value and worker
(``_datetime_from``). The sqlite3 module parses every ``datetime`` column
of every row it fetches, and a 31-day lab availability fetches the same ~500
slot starts on every request: their parsing was a third of its queries' time.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base
from django.utils.dateparse import parse_datetime

# Seconds between two tries while another writer holds the lock: short first
# (most transactions here last a few milliseconds), then a millisecond.
_POLL_STEPS = (0.0002, 0.0005, 0.001)


@functools.lru_cache(maxsize=32_768)
def _datetime_from(raw: bytes):
    """Django's own converter (``decoder(parse_datetime)``), remembered: a
    ``datetime`` is immutable, and the same bytes always give the same one."""
    return parse_datetime(raw.decode())


# The module-wide converters Django registered for these declared types.
base.Database.register_converter("datetime", _datetime_from)
base.Database.register_converter("timestamp", _datetime_from)

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")


class _Cursor(base.SQLiteCursorWrapper):
    """Takes the write lock around a write outside any transaction (an
    autocommit statement is a transaction of its own)."""

    database: DatabaseWrapper

    def execute(self, query, params=None):
        if not self._unlocked_write(query):
            return super().execute(query, params)
        with self.database.write_lock():
            return super().execute(query, params)

    def executemany(self, query, param_list):
        if not self._unlocked_write(query):
            return super().executemany(query, param_list)
        with self.database.write_lock():
            return super().executemany(query, param_list)

    def _unlocked_write(self, query: str) -> bool:
        database = self.database
        return database.autocommit and not database._write_lock_held and query.lstrip()[:6].upper() in _WRITES


class DatabaseWrapper(base.DatabaseWrapper):
    _write_lock_fd: int | None = None
    _write_lock_held: bool = False

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=_Cursor)
        cursor.database = self
        return cursor

    @contextlib.contextmanager
    def write_lock(self):
        """The write lock around one autocommit statement."""
        self._take_write_lock()
        try:
            yield
        finally:
            self._release_write_lock()

    def _start_transaction_under_autocommit(self):
        self._take_write_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()
            if self._write_lock_fd is not None:
                os.close(self._write_lock_fd)
                self._write_lock_fd = None

    # --- the lock -----------------------------------------------------------------

    def _lock_path(self) -> str | None:
        if self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}.writelock"

    def _take_write_lock(self) -> None:
        if self._write_lock_held:
            return
        if self._write_lock_fd is None:
            path = self._lock_path()
            if path is None:
                return  # in memory: nobody to wait for
            self._write_lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 5))
        step = 0
        while True:
            try:
                fcntl.flock(self._write_lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OperationalError("database is locked") from None
                time.sleep(_POLL_STEPS[min(step, len(_POLL_STEPS) - 1)])
                step += 1
            else:
                self._write_lock_held = True
                return

    def _release_write_lock(self) -> None:
        if self._write_lock_held:
            self._write_lock_held = False
            fcntl.flock(self._write_lock_fd, fcntl.LOCK_UN)
