"""``make profile``: where one bench row spends its time, from py-spy.

Runs the production server (the bench's, ``bench/run.py``: production
settings, SQLite, its own Redis) with ONE worker, drives it with ``wrk``
replaying the row's prepared requests, and samples the worker with py-spy
meanwhile. Writes ``bench/results/profile-<row>.svg`` (a flame graph) and
``profile-<row>.txt``: the functions holding the most samples, by own time
and by total time (own + callees), as a share of the worker's samples.

    make profile                               # PROFILE_ROW="courses (cached)"
    PROFILE_ROW="users/me" make profile        # any substring of a bench row name
    PROFILE_SECONDS=20 PROFILE_ROW=availability make profile

Uses ``var/bench.sqlite3`` as the last ``make bench`` left it (the grown
catalogue included); without one it migrates and seeds it first.
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("BENCH_WORKERS", "1")  # one worker: one process to sample
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

import run as bench_run  # noqa: E402 (the knobs above first)

ROW = os.environ.get("PROFILE_ROW", "courses (cached)")
SECONDS = float(os.environ.get("PROFILE_SECONDS", "12"))
RATE = int(os.environ.get("PROFILE_RATE", "250"))  # samples per second
TOP = int(os.environ.get("PROFILE_TOP", "40"))
# PROFILE_IDLE=1 samples waiting threads too (locks, sockets, sleeps): where
# wall-clock time goes, for rows whose latency is not CPU.
IDLE = os.environ.get("PROFILE_IDLE", "") not in ("", "0")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def summarise(collapsed: Path) -> str:
    """Own and total sample shares per function from py-spy's collapsed stacks."""
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = [re.sub(r" \(.*?/(site-packages|perf|deltalabs)/", " (", frame) for frame in stack.split(";")]
        weight = int(count)
        samples += weight
        own[frames[-1]] += weight
        for frame in set(frames):
            total[frame] += weight
    lines = [f"{samples} samples of one worker", "", "own time:"]
    lines += [f"  {100 * n / samples:5.1f}%  {frame}" for frame, n in own.most_common(TOP)]
    lines += ["", "total time (own + callees):"]
    # The server's own frames (accept loop, WSGI handler, middleware) hold
    # nearly every sample; skip them to show where a request's time splits.
    split = [(frame, n) for frame, n in total.most_common() if n < 0.75 * samples]
    lines += [f"  {100 * n / samples:5.1f}%  {frame}" for frame, n in split[:TOP]]
    return "\n".join(lines)


def main() -> int:
    endpoint = next((row for row in bench_run.ENDPOINTS if ROW in row.name), None)
    if endpoint is None:
        print(f"No bench row matches {ROW!r}: {[row.name for row in bench_run.ENDPOINTS]}", file=sys.stderr)
        return 2
    py_spy = Path(sys.executable).with_name("py-spy")
    bench_run.VAR.mkdir(exist_ok=True)
    bench_run.RESULTS.mkdir(parents=True, exist_ok=True)
    redis_process = bench_run.start_redis_if_needed()
    server = None
    try:
        if not bench_run.DATABASE_FILE.exists():
            bench_run._manage("migrate", "--noinput", "-v", "0")
            bench_run._manage("seed", "--size", bench_run.SIZE, "--no-progress")
        os.environ.update(bench_run._env())
        import django

        django.setup()
        bench = bench_run.Bench(f"http://{bench_run.HOST}:{bench_run.PORT}")
        server = bench_run.start_server(dict(endpoint.server_env))
        count = 12_000 if endpoint.unique else 1
        requests = endpoint.prepare(bench, count)
        from django.db import connections

        connections.close_all()
        bench_run.run_wrk(requests, 2)  # warm up
        worker = _children(server.pid)[0]
        slug = _slug(endpoint.name)
        collapsed = bench_run.VAR / f"profile-{slug}.collapsed"  # raw stacks, kept for digging
        svg = bench_run.RESULTS / f"profile-{slug}.svg"
        load = threading.Thread(target=bench_run.run_wrk, args=(requests, SECONDS + 2), daemon=True)
        load.start()
        time.sleep(0.5)
        for output, form in ((collapsed, "raw"), (svg, "flamegraph")):
            subprocess.run(  # noqa: S603 (fixed argv)
                [
                    *(str(py_spy), "record", "-p", str(worker), "-d", str(int(SECONDS / 2)), "-r", str(RATE)),
                    *("-f", form, "-o", str(output), "--nonblocking"),
                    *(("--idle",) if IDLE else ()),
                ],
                check=True,
                capture_output=True,
            )
        load.join()
        report = f"{endpoint.name}: {bench_run.SERVER}, 1 worker, production settings\n\n" + summarise(collapsed)
        (bench_run.RESULTS / f"profile-{slug}.txt").write_text(report + "\n")
        print(report)
        print(f"\nWrote {svg.relative_to(bench_run.BASE_DIR)} and profile-{slug}.txt")
    finally:
        bench_run.stop(server)
        bench_run.stop(redis_process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
