"""Counting Redis round trips (a command, or a pipeline, is one) in tests that
run against a real Redis (``REDIS_URL`` set, as in CI).

The rate limiter's script (``deltalabs.ratelimit``) is recorded as
``"limit:<counters counted>+<entries read>"``, e.g. ``"limit:1+2"`` for one
counter and the two entries a cached course list reads along."""

from __future__ import annotations

import contextlib

import pytest
import redis
from redis.client import Pipeline

from deltalabs import ratelimit


class RoundTrips:
    def __init__(self) -> None:
        self.calls: list[str] = []

    @property
    def count(self) -> int:
        return len(self.calls)


@contextlib.contextmanager
def counting_round_trips(monkeypatch):
    trips = RoundTrips()
    command = redis.Redis.execute_command
    limiter_script = ratelimit._evalsha  # sent on the limiter's own connection
    pipeline_execute = Pipeline.execute

    def counted_command(self, *args, **options):
        trips.calls.append(_describe(args))
        return command(self, *args, **options)

    def counted_pipeline(self, *args, **kwargs):
        trips.calls.append("pipeline:" + ",".join(str(entry[0][0]) for entry in self.command_stack))
        return pipeline_execute(self, *args, **kwargs)

    def counted_script(connection, sha, names, args):
        trips.calls.append(_describe(("EVALSHA", sha, len(names), *names, *args)))
        return limiter_script(connection, sha, names, args)

    monkeypatch.setattr(redis.Redis, "execute_command", counted_command)
    monkeypatch.setattr(Pipeline, "execute", counted_pipeline)
    monkeypatch.setattr(ratelimit, "_evalsha", counted_script)
    yield trips


def _describe(args) -> str:
    name = str(args[0])
    if name not in ("EVALSHA", "EVAL"):
        return name
    keys, counters = int(args[2]), int(args[-1])  # the script's ARGV: window, counters
    return f"limit:{counters}+{keys - counters}"


def require_redis(settings) -> None:
    if not settings.REDIS_URL:
        pytest.skip("needs a real Redis: run with REDIS_URL set (CI does)")
