"""``make bench``: the production server under load, measured side by side.

1. Migrates and seeds (``seed --size medium``) a fresh SQLite database
   (``var/bench.sqlite3``) under the production settings, with Redis for the
   cache, rate limits and idempotency records (``redis://127.0.0.1:6379/8``;
   a private redis-server is started when none answers).
2. Starts gunicorn (``config.wsgi``, sync workers) on 127.0.0.1 only.
3. For each row of ``ENDPOINTS`` whose route exists, prepares its requests
   (fresh users, tokens, Idempotency-Keys, ids found through the API), then
   drives the server with ``wrk`` from a second process for ``BENCH_SECONDS``.
4. Prints one table (req/s, p50, p99, ratio to /healthz measured in the same
   run) and writes ``bench/results/latest.{json,md,png}``.

Rate limits are raised for the run (the limiter still counts every request in
Redis; it just never refuses): the bench measures throughput, not the limiter.

Adding a row: an ``Endpoint`` with its route template (the row is skipped
until that route exists) and a ``prepare(bench, count)`` returning the
requests to replay. Rows with ``unique=True`` (mutations) get one fresh
request per call, sized from the /healthz rate; running out is flagged.

Knobs (environment): BENCH_SECONDS (8), BENCH_WARMUP_SECONDS (2), BENCH_SIZE
(medium), BENCH_WORKERS (2 x CPUs), BENCH_CONNECTIONS (2 x workers),
BENCH_PORT (8765), BENCH_REDIS_URL (redis://127.0.0.1:6379/8).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
VAR = BASE_DIR / "var"
HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", "8765"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
WARMUP_SECONDS = float(os.environ.get("BENCH_WARMUP_SECONDS", "2"))
SIZE = os.environ.get("BENCH_SIZE", "medium")
CPUS = os.cpu_count() or 1
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * CPUS)))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", str(2 * WORKERS)))
WRK_THREADS = max(1, min(2, CPUS))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
DATABASE_FILE = VAR / "bench.sqlite3"

SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdefghijklmnop",
    "JWT_SIGNING_KEY": "bench-only-jwt-signing-key-not-for-production-9876543210",
    "ALLOWED_HOSTS": HOST,
    "SECURE_SSL_REDIRECT": "0",
    "REDIS_URL": REDIS_URL,
    "DATABASE_URL": f"sqlite:///{DATABASE_FILE.relative_to(BASE_DIR)}",
    "RATE_LIMIT_DEFAULT": "100000000/min",
    "RATE_LIMIT_AUTH": "100000000/min",
    "RATE_LIMIT_AI_CHAT": "100000000/min",
    # One access-log line per request would measure the log pipe, not the app.
    "LOG_LEVEL": "WARNING",
}


# --- Requests and rows --------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None

    def line(self) -> str:
        headers = "\x1f".join(f"{name}: {value}" for name, value in self.headers.items())
        return "\t".join([self.method, self.path, headers, self.body or ""])


class SetupError(Exception):
    """The seed lacks what a row needs; the row is skipped with this reason."""


@dataclass(frozen=True)
class Endpoint:
    name: str
    route: str  # route template; the row runs once it resolves
    prepare: Callable[[Bench, int], list[Request]]
    unique: bool = False  # every request must be fresh (mutations)
    max_requests: int = 60_000  # cap on prepared unique requests
    server_env: tuple[tuple[str, str], ...] = ()  # extra server settings for this row


@dataclass
class Result:
    name: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    ratio: float | None = None
    non_2xx_3xx: int = 0
    socket_errors: int = 0
    timeouts: int = 0
    ran_out_of_requests: bool = False


class Bench:
    """What ``prepare`` functions get: the server's URL and helpers."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.run_id = uuid.uuid4().hex[:8]
        self._user_counter = 0

    def get(self, path: str, token: str | None = None, **params) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.http.get(path, params=params or None, headers=headers)
        if response.status_code != 200:
            raise SetupError(f"GET {path} answered {response.status_code}: {response.text[:200]}")
        return response.json()

    def post(self, path: str, body: dict, token: str) -> dict:
        response = self.http.post(
            path, json=body, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
        )
        if response.status_code >= 300:
            raise SetupError(f"POST {path} answered {response.status_code}: {response.text[:200]}")
        return response.json() if response.content else {}

    def fresh_users(self, count: int, *, refresh: bool = False) -> list[tuple[object, str]]:
        """``count`` new learners (bulk-inserted), each with an access token
        (or a refresh token)."""
        from django.contrib.auth.hashers import make_password

        from apps.identity.models import User
        from apps.identity.services import tokens_for

        password = make_password(None)  # unusable: these users only hold tokens
        start = self._user_counter
        self._user_counter += count
        users = [
            User(email=f"bench-{self.run_id}-{n}@bench.deltalabs.example", display_name=f"Bench {n}", password=password)
            for n in range(start, start + count)
        ]
        for offset in range(0, len(users), 2000):
            User.objects.bulk_create(users[offset : offset + 2000])
        pairs = [(user, tokens_for(user)) for user in users]
        return [(user, tokens.refresh if refresh else tokens.access) for user, tokens in pairs]

    def token(self) -> str:
        return self.fresh_users(1)[0][1]


def _json_post(path: str, body: dict, token: str) -> Request:
    return Request(
        "POST",
        path,
        {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        },
        json.dumps(body, separators=(",", ":")),
    )


# --- Row preparations ---------------------------------------------------------------
# Domain rows were written against SPEC 4 before their apps landed: check them
# when the app arrives (ids, filters, seed contents).


def prepare_healthz(bench: Bench, count: int) -> list[Request]:
    return [Request("GET", "/healthz")]


def prepare_me(bench: Bench, count: int) -> list[Request]:
    return [Request("GET", "/v1/users/me", {"Authorization": f"Bearer {bench.token()}"})]


def prepare_refresh(bench: Bench, count: int) -> list[Request]:
    # A refresh token works once (rotation revokes it): one fresh token per request.
    return [
        Request("POST", "/v1/auth/refresh", {"Content-Type": "application/json"}, json.dumps({"refresh": token}))
        for _, token in bench.fresh_users(count, refresh=True)
    ]


def prepare_course_list(bench: Bench, count: int) -> list[Request]:
    return [Request("GET", "/v1/courses")]


def _course_pages(bench: Bench, pages: int) -> list[str]:
    """Cursors of the first ``pages`` pages of the public course list."""
    cursors, cursor = [], None
    for _ in range(pages):
        body = bench.get("/v1/courses", **({"cursor": cursor} if cursor else {}))
        cursor = body["next_cursor"]
        if not cursor:
            break
        cursors.append(cursor)
    return cursors


def prepare_course_list_deep(bench: Bench, count: int) -> list[Request]:
    cursors = _course_pages(bench, 499)
    if not cursors:
        raise SetupError("the seeded catalogue has a single page")
    if len(cursors) < 499:
        print(f"    (the catalogue has {len(cursors) + 1} pages; measuring the last one)")
    return [Request("GET", f"/v1/courses?cursor={cursors[-1]}")]


def prepare_course_detail(bench: Bench, count: int) -> list[Request]:
    courses = bench.get("/v1/courses", limit=100)["results"]
    if not courses:
        raise SetupError("no published course")
    return [Request("GET", f"/v1/courses/{course['id']}") for course in courses]


def _lab(bench: Bench) -> dict:
    labs = [lab for lab in bench.get("/v1/labs", limit=100)["results"] if not lab.get("required_course")]
    if not labs:
        raise SetupError("no lab open to everyone")
    return labs[0]


def prepare_availability(bench: Bench, count: int) -> list[Request]:
    lab, today = _lab(bench), date.today()
    return [Request("GET", f"/v1/labs/{lab['id']}/availability?from={today}&to={today + timedelta(days=30)}")]


def prepare_enrollments(bench: Bench, count: int) -> list[Request]:
    courses = bench.get("/v1/courses", is_free="true", limit=100)["results"]
    open_courses = [course for course in courses if course.get("capacity") is None]
    if not open_courses:
        raise SetupError("no free course without a seat limit")
    course_id = open_courses[0]["id"]
    return [_json_post("/v1/enrollments", {"course_id": course_id}, token) for _, token in bench.fresh_users(count)]


def prepare_orders(bench: Bench, count: int) -> list[Request]:
    courses = [course for course in bench.get("/v1/courses", limit=100)["results"] if not course.get("is_free")]
    open_courses = [course for course in courses if course.get("capacity") is None]
    if not open_courses:
        raise SetupError("no paid course without a seat limit")
    course_id = open_courses[0]["id"]
    requests = []
    for _, token in bench.fresh_users(count):  # each buyer's cart holds the course
        bench.post("/v1/cart/items", {"course_id": course_id}, token)
        requests.append(_json_post("/v1/orders", {"payment": {"method": "card", "token": "tok_visa"}}, token))
    return requests


def prepare_bookings(bench: Bench, count: int) -> list[Request]:
    lab, today = _lab(bench), date.today()
    slots = bench.get(
        f"/v1/labs/{lab['id']}/availability", **{"from": str(today), "to": str(today + timedelta(days=30))}
    )
    now = datetime.now(UTC).isoformat()
    seats = [slot["start"] for slot in slots["slots"] if slot["start"] > now for _ in range(slot["available"])]
    if not seats:
        raise SetupError("no free lab seat in the next 31 days")
    users = bench.fresh_users(min(count, len(seats)))  # one booking per fresh user
    return [
        _json_post(f"/v1/labs/{lab['id']}/bookings", {"start": start}, token)
        for start, (_, token) in zip(seats, users, strict=False)
    ]


ENDPOINTS: list[Endpoint] = [
    Endpoint("GET /healthz", "/healthz", prepare_healthz),  # the ceiling: first, always
    Endpoint("GET /v1/users/me", "/v1/users/me", prepare_me),
    Endpoint("POST /v1/auth/refresh", "/v1/auth/refresh", prepare_refresh, unique=True),
    Endpoint("GET /v1/courses (cached)", "/v1/courses", prepare_course_list),
    Endpoint(
        "GET /v1/courses (uncached)",
        "/v1/courses",
        prepare_course_list,
        server_env=(("CATALOG_CACHE_SECONDS", "0"),),
    ),
    Endpoint("GET /v1/courses/{id}", "/v1/courses/{id}", prepare_course_detail),
    Endpoint("GET /v1/courses?cursor=<page 500>", "/v1/courses", prepare_course_list_deep),
    Endpoint("GET /v1/labs/{id}/availability (31 days)", "/v1/labs/{id}/availability", prepare_availability),
    Endpoint("POST /v1/enrollments", "/v1/enrollments", prepare_enrollments, unique=True),
    Endpoint("POST /v1/orders", "/v1/orders", prepare_orders, unique=True, max_requests=4_000),
    Endpoint("POST /v1/labs/{id}/bookings", "/v1/labs/{id}/bookings", prepare_bookings, unique=True),
]


# --- Processes ------------------------------------------------------------------------


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL"}}
    return {**env, **SERVER_ENV, **(extra or {})}


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=_env(), check=True)  # noqa: S603


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=0.5).ping())
    except redis.exceptions.RedisError:
        return False


def start_redis_if_needed() -> subprocess.Popen | None:
    if _redis_up():
        return None
    port = str(urlsplit(REDIS_URL).port or 6379)
    print(f"  no Redis at {REDIS_URL}: starting a private redis-server on port {port}")
    process = subprocess.Popen(  # noqa: S603 (fixed argv)
        ["redis-server", "--port", port, "--bind", HOST, "--save", "", "--appendonly", "no"],  # noqa: S607
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(40):
        if _redis_up():
            return process
        time.sleep(0.25)
    process.terminate()
    raise SystemExit("redis-server did not start")


def start_server(extra_env: dict[str, str]) -> subprocess.Popen:
    log = open(VAR / "bench-gunicorn.log", "a")  # noqa: SIM115 (lives as long as the server)
    process = subprocess.Popen(  # noqa: S603 (fixed argv)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{PORT}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=_env(extra_env),
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}); see var/bench-gunicorn.log")
        try:
            if httpx.get(f"http://{HOST}:{PORT}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(process)
    raise SystemExit("gunicorn did not answer /healthz within 30 s; see var/bench-gunicorn.log")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_wrk(requests: list[Request], seconds: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".requests", delete=False, dir=VAR) as handle:
        handle.write("\n".join(request.line() for request in requests) + "\n")
        path = handle.name
    try:
        completed = subprocess.run(  # noqa: S603 (fixed argv)
            [  # noqa: S607 (wrk from PATH)
                "wrk",
                "--threads",
                str(WRK_THREADS),
                "--connections",
                str(CONNECTIONS),
                "--duration",
                f"{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "--script",
                str(BASE_DIR / "bench" / "replay.lua"),
                f"http://{HOST}:{PORT}",
            ],
            env={**os.environ, "BENCH_REQUESTS": path, "BENCH_THREADS": str(WRK_THREADS)},
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(path)
    numbers = json.loads(completed.stdout.strip().splitlines()[-1])
    if not numbers["requests"]:
        raise SystemExit(f"wrk completed no request:\n{completed.stdout}\n{completed.stderr}")
    return numbers


# --- The run ------------------------------------------------------------------------


def _route_exists(route: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(route.replace("{id}", "00000000-0000-4000-8000-000000000000"))
        return True
    except Resolver404:
        return False


def _smoke(bench: Bench, request: Request) -> None:
    """One request before the run: a setup mistake fails loudly, not as 10 s of 4xx."""
    response = bench.http.request(request.method, request.path, headers=request.headers, content=request.body)
    if response.status_code >= 400:
        raise SetupError(f"{request.method} {request.path} answered {response.status_code}: {response.text[:200]}")


def measure(bench: Bench, endpoint: Endpoint, ceiling_rps: float | None) -> Result:
    if endpoint.unique:
        count = int((ceiling_rps or 2000) * SECONDS * 1.3) + 50
        requests = endpoint.prepare(bench, min(count, endpoint.max_requests) + 1)
        _smoke(bench, requests.pop())
    else:
        requests = endpoint.prepare(bench, 1)
        _smoke(bench, requests[0])
        if WARMUP_SECONDS:
            run_wrk(requests, WARMUP_SECONDS)
    numbers = run_wrk(requests, SECONDS)
    rps = numbers["requests"] / (numbers["duration_us"] / 1e6)
    return Result(
        name=endpoint.name,
        requests=numbers["requests"],
        rps=round(rps, 1),
        p50_ms=round(numbers["p50_us"] / 1000, 2),
        p99_ms=round(numbers["p99_us"] / 1000, 2),
        non_2xx_3xx=numbers["non_2xx_3xx"],
        socket_errors=numbers["socket_errors"],
        timeouts=numbers["timeouts"],
        ran_out_of_requests=endpoint.unique and numbers["wraps"] > 0,
    )


LOAD_BEFORE = os.getloadavg()


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk (make bench does this)", file=sys.stderr)
        return 2
    VAR.mkdir(exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(
        f"Bench: {WORKERS} gunicorn workers, wrk {WRK_THREADS} threads x {CONNECTIONS} connections, {SECONDS:g} s per row"
    )

    redis_process = start_redis_if_needed()
    server = None
    try:
        for stale in VAR.glob(f"{DATABASE_FILE.name}*"):
            stale.unlink()
        print(f"  migrating and seeding ({SIZE}) {DATABASE_FILE.relative_to(BASE_DIR)}")
        _manage("migrate", "--noinput", "-v", "0")
        _manage("seed", "--size", SIZE, "--no-progress")

        os.environ.update(_env())
        sys.path.insert(0, str(BASE_DIR))
        import django

        django.setup()
        from django.core.cache import caches

        caches["default"].clear()  # the bench's own Redis database: no stale keys, counters or records

        bench = Bench(f"http://{HOST}:{PORT}")
        results: list[Result] = []
        skipped: list[dict[str, str]] = []
        ceiling: float | None = None
        current_env: tuple | None = None
        for endpoint in ENDPOINTS:
            if not _route_exists(endpoint.route):
                skipped.append({"name": endpoint.name, "reason": f"{endpoint.route} is not routed yet"})
                continue
            if endpoint.server_env != current_env:
                stop(server)
                server = start_server(dict(endpoint.server_env))
                current_env = endpoint.server_env
            print(f"  {endpoint.name} ...", flush=True)
            try:
                result = measure(bench, endpoint, ceiling)
            except SetupError as exc:
                skipped.append({"name": endpoint.name, "reason": str(exc)})
                print(f"    skipped: {exc}")
                continue
            if ceiling is None:
                ceiling = result.rps
            result.ratio = round(result.rps / ceiling, 3)
            results.append(result)
    finally:
        stop(server)
        stop(redis_process)

    report = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": _machine(),
        "config": {
            "server": f"gunicorn config.wsgi, {WORKERS} sync workers, production settings, SQLite, Redis",
            "load_generator": f"wrk {WRK_THREADS} threads, {CONNECTIONS} connections",
            "seconds_per_row": SECONDS,
            "warmup_seconds": WARMUP_SECONDS,
            "seed_size": SIZE,
        },
        "results": [asdict(result) for result in results],
        "skipped": skipped,
        "took_seconds": round(time.monotonic() - started, 1),
    }
    table = render_table(results, skipped)
    print()
    print(table)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(render_markdown(report) + "\n")
    render_chart(results, RESULTS / "latest.png", report)
    print(f"\nWrote bench/results/latest.json, latest.md, latest.png in {report['took_seconds']} s")
    failures = [r.name for r in results if r.non_2xx_3xx or r.socket_errors or r.timeouts or r.ran_out_of_requests]
    if failures:
        print(f"Rows with errors or too few prepared requests: {failures}", file=sys.stderr)
        return 1
    return 0


def _machine() -> dict:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpus": CPUS,
        "cpu": model,
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
        # Other work on the machine skews every row alike; the ratios stay comparable.
        "load_average_before": [round(value, 2) for value in LOAD_BEFORE],
    }


def _flags(result: Result) -> str:
    notes = []
    if result.non_2xx_3xx:
        notes.append(f"{result.non_2xx_3xx} non-2xx")
    if result.socket_errors or result.timeouts:
        notes.append(f"{result.socket_errors + result.timeouts} socket errors/timeouts")
    if result.ran_out_of_requests:
        notes.append("ran out of fresh requests")
    return "; ".join(notes)


def render_table(results: list[Result], skipped: list[dict]) -> str:
    width = max([len(result.name) for result in results] + [8])
    lines = [f"{'endpoint':<{width}}  {'req/s':>9}  {'p50 ms':>8}  {'p99 ms':>8}  {'vs /healthz':>11}"]
    lines.append("-" * len(lines[0]))
    for result in results:
        line = f"{result.name:<{width}}  {result.rps:>9.1f}  {result.p50_ms:>8.2f}  {result.p99_ms:>8.2f}  {result.ratio:>11.3f}"
        flags = _flags(result)
        lines.append(line + (f"  ! {flags}" if flags else ""))
    for row in skipped:
        lines.append(f"{row['name']:<{width}}  (not measured: {row['reason']})")
    return "\n".join(lines)


def render_markdown(report: dict) -> str:
    lines = [
        "| endpoint | req/s | p50 ms | p99 ms | ratio to /healthz |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in report["results"]:
        lines.append(
            f"| `{row['name']}` | {row['rps']:.1f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['ratio']:.3f} |"
        )
    machine, config = report["machine"], report["config"]
    lines.append("")
    lines.append(
        f"{report['generated_at']} on {machine['cpus']} x {machine['cpu']} (load average "
        f"{machine['load_average_before'][0]}); {config['server']}; "
        f"{config['load_generator']}; {config['seconds_per_row']:g} s per row; seed `{config['seed_size']}`."
    )
    if report["skipped"]:
        lines.append(
            "Not measured yet: " + "; ".join(f"`{row['name']}` ({row['reason']})" for row in report["skipped"]) + "."
        )
    return "\n".join(lines)


def render_chart(results: list[Result], path: Path, report: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [result.name for result in results][::-1]
    rps = [result.rps for result in results][::-1]
    p50 = [result.p50_ms for result in results][::-1]
    p99 = [result.p99_ms for result in results][::-1]
    positions = range(len(names))
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 1.2 + 0.55 * len(names)), sharey=True)
    bars = left.barh(positions, rps, color=["#9aa5b1" if name == "GET /healthz" else "#2f6fdf" for name in names])
    for bar, value, result in zip(bars, rps, results[::-1], strict=True):
        left.text(
            value, bar.get_y() + bar.get_height() / 2, f" {value:,.0f}  ({result.ratio:.2f}x)", va="center", fontsize=8
        )
    left.set_yticks(list(positions), names, fontsize=9)
    left.set_xlabel("requests / s (higher is better)")
    left.set_xlim(0, max(rps) * 1.35 if rps else 1)
    height = 0.38
    right.barh([p - height / 2 for p in positions], p50, height, label="p50", color="#2f6fdf")
    right.barh([p + height / 2 for p in positions], p99, height, label="p99", color="#f0a030")
    right.set_xlabel("latency ms (lower is better)")
    right.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, fontsize=8, frameon=False)
    machine, config = report["machine"], report["config"]
    figure.suptitle(
        f"Delta Labs API, {machine['cpus']} CPUs, {config['server'].split(',')[1].strip()}, "
        f"{config['load_generator']}, {report['generated_at']}",
        fontsize=10,
    )
    figure.tight_layout(rect=(0, 0, 1, 0.96))
    figure.savefig(path, dpi=130)
    plt.close(figure)


if __name__ == "__main__":
    sys.exit(main())
