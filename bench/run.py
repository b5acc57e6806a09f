"""``make bench``: the production server under load, measured side by side.

1. Migrates and seeds (``seed --size medium``) a fresh SQLite database
   (``var/bench.sqlite3``) under the production settings, with Redis for the
   cache, rate limits, idempotency records and the Celery broker (a private
   redis-server on ``BENCH_REDIS_PORT``, started and stopped by the run).
2. Starts the application server (``BENCH_SERVER``, granian's WSGI server by
   default; one worker per CPU, each taking its share of wrk's connections)
   on 127.0.0.1 only; rows with ``server_env`` (the uncached course list) get
   their own server.
3. For each row of ``ENDPOINTS``: prepares its requests in this process,
   through the ORM and the services (fresh users and tokens, carts, free lab
   seats, a real deep cursor found by paging), never through the server being
   measured; sends one probe request in-process (counting its SQL statements)
   and one smoke request to the server; then drives the server with ``wrk``
   from a second process for ``BENCH_SECONDS`` (GETs after a warm-up).
4. Prints one table (req/s, p50, p99, ratio to /healthz, SQL statements per
   request) and writes ``bench/results/latest.{json,md,png}``. The ratio
   divides a row's req/s by /healthz measured on the same server for
   ``BENCH_CEILING_SECONDS`` right before and right after the row (their
   mean): load from other work on a shared machine then skews the row and its
   ceiling alike.

Every answer must have the row's status (200, or 201 for creations); rows
with another status, socket errors, timeouts or too few fresh requests make
the run exit non-zero.

Rate limits are raised for the run (the limiter still counts every request in
Redis; it just never refuses): the bench measures throughput, not the limiter.

Adding a row: an ``Endpoint`` with its route template, expected status and a
``prepare(bench, count)`` returning the requests to replay. Rows with
``unique=True`` (mutations) get one fresh request per call, sized from the
rate of ``SIZING_ROW``; running out is flagged.

Knobs (environment): BENCH_SECONDS (8), BENCH_WARMUP_SECONDS (2),
BENCH_CEILING_SECONDS (2), BENCH_SIZE (medium), BENCH_WORKERS (one per CPU),
BENCH_CONNECTIONS (4 x workers), BENCH_CONNECTIONS_PER_WORKER (connections /
workers; 0: no cap), BENCH_PORT (8765), BENCH_REDIS_PORT (6395, the private
Redis) or BENCH_REDIS_URL (an existing Redis the bench may empty).
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
from datetime import UTC, datetime, timedelta
from decimal import Decimal
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
CEILING_SECONDS = float(os.environ.get("BENCH_CEILING_SECONDS", "2"))
SIZE = os.environ.get("BENCH_SIZE", "medium")
CPUS = os.cpu_count() or 1
# One worker per CPU: with two per CPU (4 workers, wrk and Redis on 2 CPUs)
# the rows served as many requests, but a request often waited for a core and
# every GET row's p99 was 4-9 x its p50 (docs/performance.md, "Tail latency").
WORKERS = int(os.environ.get("BENCH_WORKERS", str(CPUS)))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", str(4 * WORKERS)))
# wrk holds its connections for a whole row, and the kernel hands each to
# whichever worker accepts first: 3/3/1/1 or 7/1 was common, and a request on
# a crowded worker queued behind the others. Each worker accepts at most its
# share (granian's backpressure, gunicorn's worker connections), so they
# spread evenly; uvicorn has no such limit.
# BENCH_CONNECTIONS_PER_WORKER=0 lifts the cap (to compare with how it was).
CONNECTIONS_PER_WORKER = int(os.environ.get("BENCH_CONNECTIONS_PER_WORKER", str(-(-CONNECTIONS // WORKERS))))
WRK_THREADS = max(1, min(2, CPUS))
# The application servers compared (``compare_servers``) and the one every row
# runs on: chosen by that comparison (README, "Choosing the server").
SERVERS = ("gunicorn-sync", "gunicorn-gthread", "granian-wsgi", "uvicorn-asgi")
SERVER = os.environ.get("BENCH_SERVER", "granian-wsgi")
GTHREADS = int(os.environ.get("BENCH_GTHREADS", "4"))
# The bench's own Redis: a private redis-server on BENCH_REDIS_PORT, started
# and stopped by the run (its database is emptied at the start, which must
# never happen to a server other people use). BENCH_REDIS_URL picks another.
REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", "6395"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL") or f"redis://127.0.0.1:{REDIS_PORT}/0"
DATABASE_FILE = VAR / "bench.sqlite3"
DEEP_PAGE = 500
# Quick iterations: keep the database the previous run seeded and grew.
REUSE_DB = os.environ.get("BENCH_REUSE_DB", "") not in ("", "0")  # the course list page measured through a real cursor

SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdefghijklmnop",
    "JWT_SIGNING_KEY": "bench-only-jwt-signing-key-not-for-production-9876543210",
    "ALLOWED_HOSTS": HOST,
    "SECURE_SSL_REDIRECT": "0",
    # The built-in test provider, chosen on purpose (production demands a choice).
    "PAYMENT_PROVIDER": "sandbox",
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
    """The row cannot be prepared (or its probe request failed); the run fails."""


@dataclass(frozen=True)
class Endpoint:
    name: str
    route: str  # route template; the row runs once it resolves
    prepare: Callable[[Bench, int], list[Request]]
    expect: int = 200  # every answer must have this status
    unique: bool = False  # every request must be fresh (mutations)
    max_requests: int = 12_000  # cap on prepared unique requests
    server_env: tuple[tuple[str, str], ...] = ()  # extra server settings for this row
    verify: Callable[[Bench], str | None] | None = None  # after the run: a problem, or None


@dataclass
class Result:
    name: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    ratio: float | None = None  # rps / ceiling_rps
    ceiling_rps: float | None = None  # /healthz around this row (mean of just before and just after)
    sql_per_request: int | None = None
    prepared: int | None = None  # fresh requests prepared (unique rows)
    statuses: dict[str, int] = field(default_factory=dict)
    unexpected_statuses: int = 0
    socket_errors: int = 0
    timeouts: int = 0
    ran_out_of_requests: bool = False
    problem: str | None = None


class Bench:
    """What ``prepare`` functions get: the server's URL, the bench's own data, and
    the rates measured so far. Everything is prepared in this process, through
    the ORM and the services, never through the server being measured."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        # No keep-alive: a connection held between requests would take one of a
        # worker's CONNECTIONS_PER_WORKER places and leave a wrk connection waiting.
        self.http = httpx.Client(base_url=base_url, timeout=30, limits=httpx.Limits(max_keepalive_connections=0))
        self.run_id = uuid.uuid4().hex[:8]
        self.rates: dict[str, float] = {}
        self.notes: list[str] = []
        self._user_counter = 0
        self._catalogue_ready = False
        self.catalogue: dict[str, int] = {}
        self.list_version: str | None = None  # the course-list cache namespace of the uncached rows
        self.replays: dict[str, Endpoint] = {}  # the GET rows measured, for the server comparison

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
        User.objects.bulk_create(users, batch_size=2000)
        pairs = [(user, tokens_for(user)) for user in users]
        return [(user, tokens.refresh if refresh else tokens.access) for user, tokens in pairs]

    def token(self) -> str:
        return self.fresh_users(1)[0][1]

    def grow_catalogue(self) -> None:
        """Bulk-insert published courses (two seeded instructors each) until the
        public list has ``DEEP_PAGE`` full pages and one more, once per run."""
        if self._catalogue_ready:
            return
        from django.conf import settings
        from django.utils import timezone

        from apps.catalog.models import Category, Course, CourseInstructor
        from apps.identity.models import User
        from apps.identity.seeding import instructor_email
        from deltalabs.seeding import SCALES

        wanted = (DEEP_PAGE + 1) * settings.PAGINATION_DEFAULT_LIMIT
        published = Course.objects.filter(status=Course.Status.PUBLISHED).count()
        missing = max(wanted - published, 0)
        categories = list(Category.objects.order_by("position").values_list("id", flat=True))
        instructors = list(
            User.objects.filter(email__in=[instructor_email(n) for n in range(1, SCALES[SIZE].instructors + 1)])
            .order_by("email")
            .values_list("id", flat=True)
        )
        now = timezone.now()
        levels = list(Course.Level.values)
        prices = [Decimal("0"), Decimal("29.00"), Decimal("49.00"), Decimal("99.00")]
        courses = [
            Course(
                slug=f"bench-{self.run_id}-{n}",
                title=f"Bench course {n}",
                summary=f"Bench course {n}: generated so the catalogue has {DEEP_PAGE}+ pages.",
                description="Generated by bench/run.py.",
                category_id=categories[n % len(categories)] if categories else None,
                level=levels[n % len(levels)],
                price=prices[n % len(prices)],
                status=Course.Status.PUBLISHED,
                # Spread over ~3 years, interleaved with the seeded courses.
                published_at=now - timedelta(days=1 + n % 1000, seconds=n),
            )
            for n in range(missing)
        ]
        Course.objects.bulk_create(courses, batch_size=2000)
        links = []
        for index, course in enumerate(courses if instructors else []):
            pair = dict.fromkeys(instructors[(index + step) % len(instructors)] for step in (0, 7))
            links += [CourseInstructor(course=course, user_id=user_id, position=p) for p, user_id in enumerate(pair)]
        CourseInstructor.objects.bulk_create(links, batch_size=2000)
        self.catalogue = {"published_courses": published + missing, "added_by_bench": missing}
        self.notes.append(
            f"The catalogue was grown to {published + missing} published courses ({missing} bulk-inserted by the "
            f"bench, two instructors each) so that page {DEEP_PAGE} exists at the default limit "
            f"{settings.PAGINATION_DEFAULT_LIMIT}; every course row runs on it."
        )
        self.forget_course_pages()
        self._catalogue_ready = True

    def forget_course_pages(self) -> None:
        """A new list namespace: no cached course page survives."""
        from apps.catalog import caching

        caching.forget_courses([])
        self.list_version = caching.list_version()


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


def _window_open(course, now) -> bool:
    return (course.enrollment_opens_at is None or course.enrollment_opens_at <= now) and (
        course.enrollment_closes_at is None or now < course.enrollment_closes_at
    )


def _seeded_courses(*, free: bool):
    """Published seeded courses with unlimited seats whose enrollment window is open."""
    from django.utils import timezone

    from apps.catalog.models import Course

    courses = Course.objects.filter(status=Course.Status.PUBLISHED, capacity__isnull=True).exclude(
        slug__startswith="bench-"
    )
    courses = courses.filter(price=0) if free else courses.filter(price__gt=0)
    now = timezone.now()
    return [course for course in courses.order_by("slug") if _window_open(course, now)]


# --- Row preparations ---------------------------------------------------------------
# Rows run in this order; course rows share a catalogue grown for the deep page.


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
    bench.grow_catalogue()
    return [Request("GET", "/v1/courses")]


def prepare_course_list_uncached(bench: Bench, count: int) -> list[Request]:
    # The server runs with CATALOG_CACHE_SECONDS=0 (every cache write is a
    # delete); a fresh namespace also hides the pages the cached row stored.
    bench.grow_catalogue()
    bench.forget_course_pages()
    return [Request("GET", "/v1/courses")]


def prepare_course_list_deep(bench: Bench, count: int) -> list[Request]:
    """The cursor of page ``DEEP_PAGE``, found by paging from the first page
    (in this process, with the cache off, at the API's default limit)."""
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.test import override_settings

    from apps.catalog import services

    bench.grow_catalogue()
    cursor = None
    with override_settings(CATALOG_CACHE_SECONDS=0):
        for page in range(1, DEEP_PAGE):
            cursor = services.course_search(
                actor=AnonymousUser(), cursor=cursor, limit=settings.PAGINATION_DEFAULT_LIMIT
            ).next_cursor
            if cursor is None:
                raise SetupError(f"the catalogue ends at page {page}")
    bench.forget_course_pages()
    return [Request("GET", f"/v1/courses?cursor={cursor}")]


def verify_uncached(bench: Bench) -> str | None:
    """The uncached server must not have stored a single course-list page
    (cached pages carry the list version they were rendered under)."""
    from django.core.cache import caches

    cache = caches["default"]
    stored = [
        key for key in cache.iter_keys("cache:courses:v1:page:*") if _page_version(cache, key) == bench.list_version
    ]
    return f"{len(stored)} course pages were cached by the uncached server" if stored else None


def _page_version(cache, key: str) -> str | None:
    page = cache.get(key)
    return page.get("version") if isinstance(page, dict) else None


def prepare_course_detail(bench: Bench, count: int) -> list[Request]:
    """Every seeded published course with its outline, in turn."""
    from apps.catalog.models import Course

    ids = list(
        Course.objects.filter(status=Course.Status.PUBLISHED, sections__isnull=False)
        .exclude(slug__startswith="bench-")
        .distinct()
        .order_by("slug")
        .values_list("id", flat=True)
    )
    if not ids:
        raise SetupError("no published course with an outline")
    return [Request("GET", f"/v1/courses/{course_id}") for course_id in ids]


def _open_labs():
    from apps.labs.models import Lab

    return list(Lab.objects.filter(is_active=True, required_course__isnull=True).order_by("slug"))


def _availability(lab):
    """31 days of the lab's slots from its local today, through the service
    (a ``services.Availability``)."""
    from django.contrib.auth.models import AnonymousUser

    from apps.labs import services

    first = services.lab_availability(actor=AnonymousUser(), lab_id=lab.pk).date_from
    return services.lab_availability(
        actor=AnonymousUser(),
        lab_id=lab.pk,
        date_from=first,
        date_to=first + timedelta(days=services.MAX_AVAILABILITY_DAYS - 1),
    )


def prepare_availability(bench: Bench, count: int) -> list[Request]:
    """The open lab with the most slots in 31 days (the heaviest answer)."""
    labs = [(lab, _availability(lab)) for lab in _open_labs()]
    if not labs:
        raise SetupError("no active lab open to everyone")
    lab, availability = max(labs, key=lambda pair: len(pair[1].slots))
    bench.notes.append(f"Availability: {lab.name}, {len(availability.slots)} slots in 31 days.")
    query = f"from={availability.date_from}&to={availability.date_to}"
    return [Request("GET", f"/v1/labs/{lab.pk}/availability?{query}")]


def prepare_enrollments(bench: Bench, count: int) -> list[Request]:
    """A fresh learner per request, spread over the free seeded courses without a seat limit."""
    courses = _seeded_courses(free=True)
    if not courses:
        raise SetupError("no free published course without a seat limit and with enrollment open")
    return [
        _json_post("/v1/enrollments", {"course_id": str(courses[n % len(courses)].pk)}, token)
        for n, (_, token) in enumerate(bench.fresh_users(count))
    ]


def prepare_orders(bench: Bench, count: int) -> list[Request]:
    """A fresh learner per request whose open cart holds one paid seeded course.

    The carts are bulk-inserted exactly as ``cart_add_item`` leaves them (open,
    the course's currency, one item, version 1, the price snapshot)."""
    from django.utils import timezone

    from apps.commerce.models import Cart, CartItem

    courses = _seeded_courses(free=False)
    if not courses:
        raise SetupError("no paid published course without a seat limit and with enrollment open")
    users = bench.fresh_users(count)
    now = timezone.now()
    carts, items = [], []
    for n, (user, _) in enumerate(users):
        course = courses[n % len(courses)]
        cart = Cart(user=user, status=Cart.Status.OPEN, currency=course.currency, item_count=1, version=1)
        carts.append(cart)
        items.append(CartItem(cart=cart, course=course, price=course.price, currency=course.currency, added_at=now))
    Cart.objects.bulk_create(carts, batch_size=2000)
    CartItem.objects.bulk_create(items, batch_size=2000)
    payment = {"payment": {"method": "card", "token": "tok_visa"}}
    return [_json_post("/v1/orders", payment, token) for _, token in users]


def prepare_bookings(bench: Bench, count: int) -> list[Request]:
    """A fresh learner per request (no other booking, so never 5 upcoming or an
    overlap), one free seat each, round-robin over every slot of every open
    lab in the next 31 days that starts more than an hour from now."""
    from django.utils import timezone

    later = timezone.now() + timedelta(hours=1)
    slots = [
        (lab, slot)
        for lab in _open_labs()
        for slot in _availability(lab).slots
        if slot.start > later and slot.available > 0
    ]
    seats = [
        (lab, slot.start)
        for seat in range(max((slot.available for _, slot in slots), default=0))
        for lab, slot in slots
        if slot.available > seat
    ]
    if not seats:
        raise SetupError("no free lab seat in the next 31 days")
    seats = seats[:count]
    users = bench.fresh_users(len(seats))
    return [
        _json_post(f"/v1/labs/{lab.pk}/bookings", {"start": start.isoformat().replace("+00:00", "Z")}, token)
        for (lab, start), (_, token) in zip(seats, users, strict=True)
    ]


# Unique (mutation) rows are sized from this row's rate: an authenticated
# request that writes is not faster than the cheapest authenticated read.
SIZING_ROW = "GET /v1/users/me"
MIN_UNIQUE_REQUESTS = 1_000
UNCACHED = (("CATALOG_CACHE_SECONDS", "0"),)

ENDPOINTS: list[Endpoint] = [
    Endpoint("GET /healthz", "/healthz", prepare_healthz),  # the ceiling: first, always
    Endpoint("GET /v1/users/me", "/v1/users/me", prepare_me),
    Endpoint("POST /v1/auth/refresh", "/v1/auth/refresh", prepare_refresh, unique=True),
    Endpoint("GET /v1/courses (cached)", "/v1/courses", prepare_course_list),
    Endpoint(
        "GET /v1/courses (uncached)",
        "/v1/courses",
        prepare_course_list_uncached,
        server_env=UNCACHED,
        verify=verify_uncached,
    ),
    Endpoint(
        f"GET /v1/courses?cursor=<page {DEEP_PAGE}> (uncached)",
        "/v1/courses",
        prepare_course_list_deep,
        server_env=UNCACHED,
        verify=verify_uncached,
    ),
    Endpoint("GET /v1/courses/{id}", "/v1/courses/{id}", prepare_course_detail),
    Endpoint("GET /v1/labs/{id}/availability (31 days)", "/v1/labs/{id}/availability", prepare_availability),
    Endpoint("POST /v1/enrollments", "/v1/enrollments", prepare_enrollments, expect=201, unique=True),
    Endpoint("POST /v1/orders", "/v1/orders", prepare_orders, expect=201, unique=True),
    Endpoint("POST /v1/labs/{id}/bookings", "/v1/labs/{id}/bookings", prepare_bookings, expect=201, unique=True),
]


def selected_endpoints() -> list[Endpoint]:
    """``BENCH_ROWS`` (comma-separated substrings of row names) narrows the run;
    the ceiling row always runs first."""
    wanted = [part.strip() for part in os.environ.get("BENCH_ROWS", "").split(",") if part.strip()]
    if not wanted:
        return ENDPOINTS
    return [ENDPOINTS[0]] + [row for row in ENDPOINTS[1:] if any(part in row.name for part in wanted)]


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


def server_command(server: str) -> list[str]:
    """The command line of one of ``SERVERS``, bound to the bench port."""
    bind = f"{HOST}:{PORT}"
    gunicorn = [sys.executable, "-m", "gunicorn", "--bind", bind, "--workers", str(WORKERS), "--timeout", "60"]
    gunicorn += ["--log-level", "warning"]
    commands = {
        "gunicorn-sync": [*gunicorn, "--worker-class", "sync", "config.wsgi:application"],
        "gunicorn-gthread": [
            *gunicorn,
            "--worker-class",
            "gthread",
            "--threads",
            str(GTHREADS),
            *(["--worker-connections", str(CONNECTIONS_PER_WORKER)] if CONNECTIONS_PER_WORKER else []),
            "config.wsgi:application",
        ],
        "granian-wsgi": [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            HOST,
            "--port",
            str(PORT),
            "--workers",
            str(WORKERS),
            "--blocking-threads",
            "1",
            *(["--backpressure", str(CONNECTIONS_PER_WORKER)] if CONNECTIONS_PER_WORKER else []),
            "--no-ws",
            "--log-level",
            "warning",
            "config.wsgi:application",
        ],
        "uvicorn-asgi": [
            sys.executable,
            "-m",
            "uvicorn",
            "--host",
            HOST,
            "--port",
            str(PORT),
            "--workers",
            str(WORKERS),
            "--no-access-log",
            "--log-level",
            "warning",
            "config.asgi:application",
        ],
    }
    return commands[server]


def start_server(extra_env: dict[str, str], server: str | None = None) -> subprocess.Popen:
    log = open(VAR / "bench-server.log", "a")  # noqa: SIM115 (lives as long as the server)
    process = subprocess.Popen(  # noqa: S603 (fixed argv)
        server_command(server or SERVER),
        cwd=BASE_DIR,
        env=_env(extra_env),
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 120  # a loaded machine boots workers slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{server or SERVER} exited ({process.returncode}); see var/bench-server.log")
        try:
            if httpx.get(f"http://{HOST}:{PORT}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(process)
    raise SystemExit(f"{server or SERVER} did not answer /healthz within 120 s; see var/bench-server.log")


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
    # No completed request (a loaded machine, a slow row in a short window) is
    # reported, not fatal: callers retry the ceiling and flag the row.
    return numbers


# --- The run ------------------------------------------------------------------------


def _route_exists(route: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(route.replace("{id}", "00000000-0000-4000-8000-000000000000"))
        return True
    except Resolver404:
        return False


def _probe(request: Request, endpoint: Endpoint) -> int:
    """Send ``request`` through Django in this process (the server's settings,
    database and Redis, plus the row's ``server_env``); returns how many SQL
    statements it executed (BEGIN counts, COMMIT does not)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings

    overrides = {name: type(getattr(settings, name))(value) for name, value in endpoint.server_env}
    headers = dict(request.headers)
    content_type = headers.pop("Content-Type", "application/octet-stream")
    statements: list[str] = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with override_settings(**overrides), connection.execute_wrapper(count):
        response = Client(HTTP_HOST=HOST).generic(
            request.method, request.path, data=(request.body or "").encode(), content_type=content_type, headers=headers
        )
    if response.status_code != endpoint.expect:
        raise SetupError(
            f"{request.method} {request.path} answered {response.status_code} in-process "
            f"(expected {endpoint.expect}): {response.content[:200]!r}"
        )
    return len(statements)


def _smoke(bench: Bench, request: Request, expect: int) -> None:
    """One request to the server before the run: a setup mistake fails loudly, not as 8 s of 4xx."""
    response = bench.http.request(request.method, request.path, headers=request.headers, content=request.body)
    if response.status_code != expect:
        raise SetupError(
            f"{request.method} {request.path} answered {response.status_code} (expected {expect}): "
            f"{response.text[:200]}"
        )


def _rps(numbers: dict) -> float:
    return numbers["requests"] / (numbers["duration_us"] / 1e6)


def _ceiling_now() -> float:
    """/healthz on the current server for ``CEILING_SECONDS``: the machine's
    ceiling right now (measured longer when a window completed nothing)."""
    for attempt in range(1, 4):
        numbers = run_wrk(prepare_healthz(None, 1), CEILING_SECONDS * attempt)
        if numbers["requests"]:
            return _rps(numbers)
    raise SystemExit("/healthz completed no request in three attempts: the machine is saturated")


def measure(bench: Bench, endpoint: Endpoint, *, is_ceiling: bool) -> Result:
    """Prepare, probe and run one row. Its ratio is taken against /healthz
    measured on the same server right before and right after it (the mean of
    the two), so load that other work puts on the machine during the run
    cancels out instead of skewing the rows measured later."""
    from django.db import connections

    started = time.monotonic()
    prepared = None
    if endpoint.unique:
        reference = bench.rates.get(SIZING_ROW) or 500
        count = min(max(int(reference * SECONDS * 1.5), MIN_UNIQUE_REQUESTS), endpoint.max_requests)
        requests = endpoint.prepare(bench, count + 2)
        if len(requests) < 3:
            raise SetupError(f"only {len(requests)} fresh requests could be prepared")
        statements = _probe(requests.pop(), endpoint)
        _smoke(bench, requests.pop(), endpoint.expect)
        prepared = len(requests)
    else:
        requests = endpoint.prepare(bench, 1)
        _probe(requests[0], endpoint)  # the first request fills caches, as on the server
        statements = _probe(requests[0], endpoint)
        _smoke(bench, requests[0], endpoint.expect)
    connections.close_all()  # hold no SQLite connection while the server is measured
    # Write the seed's and the preparation's data out now: left to the kernel,
    # its write-back ran during the first rows and the rows after the
    # catalogue grew, and their p99 measured the disk (up to 9 x p50).
    os.sync()
    print(
        f"    {len(requests)} request(s) prepared in {time.monotonic() - started:.1f} s; "
        f"{statements} SQL statements per request",
        flush=True,
    )
    if not endpoint.unique and WARMUP_SECONDS:
        run_wrk(requests, WARMUP_SECONDS)
    before = None if is_ceiling else _ceiling_now()
    numbers = run_wrk(requests, SECONDS)
    rps = _rps(numbers)
    if is_ceiling and not rps:
        rps = _ceiling_now()
    ceiling = rps if is_ceiling else (before + _ceiling_now()) / 2
    statuses = {str(code): count for code, count in sorted(numbers["statuses"].items())}
    result = Result(
        name=endpoint.name,
        requests=numbers["requests"],
        rps=round(rps, 1),
        p50_ms=round(numbers["p50_us"] / 1000, 2),
        p99_ms=round(numbers["p99_us"] / 1000, 2),
        ratio=round(rps / ceiling, 3) if ceiling else 0.0,
        ceiling_rps=round(ceiling, 1),
        sql_per_request=statements,
        prepared=prepared,
        statuses=statuses,
        unexpected_statuses=sum(count for code, count in statuses.items() if int(code) != endpoint.expect),
        socket_errors=numbers["socket_errors"],
        timeouts=numbers["timeouts"],
        ran_out_of_requests=endpoint.unique and numbers["wraps"] > 0,
        problem=("no request completed" if not numbers["requests"] else None)
        or (endpoint.verify(bench) if endpoint.verify else None),
    )
    bench.rates[endpoint.name] = result.rps
    if not endpoint.unique and not endpoint.server_env:
        bench.replays[endpoint.name] = endpoint
    return result


# --- Choosing the application server -------------------------------------------------

COMPARE_SERVERS = [
    name.strip() for name in os.environ.get("BENCH_COMPARE_SERVERS", ",".join(SERVERS)).split(",") if name.strip()
]
COMPARE_ROUNDS = int(os.environ.get("BENCH_COMPARE_ROUNDS", "3"))
COMPARE_SECONDS = float(os.environ.get("BENCH_COMPARE_SECONDS", "4"))
COMPARE_ROWS = ("GET /healthz", "GET /v1/users/me", "GET /v1/courses (cached)", "GET /v1/courses/{id}")


def compare_servers(bench: Bench) -> dict:
    """Every server of ``COMPARE_SERVERS`` on the same rows, in alternating
    rounds (the order rotates each round, so load that comes and goes on the
    machine falls on every server alike); the medians decide."""
    import statistics

    from django.db import connections

    rows = [name for name in COMPARE_ROWS if name in bench.replays]
    samples: dict[str, dict[str, list[dict]]] = {server: {row: [] for row in rows} for server in COMPARE_SERVERS}
    for round_number in range(COMPARE_ROUNDS):
        shift = round_number % len(COMPARE_SERVERS)
        for server_name in COMPARE_SERVERS[shift:] + COMPARE_SERVERS[:shift]:
            print(f"  servers, round {round_number + 1}/{COMPARE_ROUNDS}: {server_name}", flush=True)
            process = start_server({}, server_name)
            try:
                for row in rows:
                    # Prepared again for each server: access tokens expire (15 min).
                    requests = bench.replays[row].prepare(bench, 1)
                    connections.close_all()
                    run_wrk(requests, 1)  # warm up
                    numbers = run_wrk(requests, COMPARE_SECONDS)
                    bad = sum(count for code, count in numbers["statuses"].items() if int(code) != 200)
                    samples[server_name][row].append(
                        {
                            "rps": _rps(numbers),
                            "p50_ms": numbers["p50_us"] / 1000,
                            "p99_ms": numbers["p99_us"] / 1000,
                            "errors": bad + numbers["socket_errors"] + numbers["timeouts"],
                        }
                    )
            finally:
                stop(process)
    table = {
        server: {
            row: {
                key: round(statistics.median(sample[key] for sample in runs), 2) for key in ("rps", "p50_ms", "p99_ms")
            }
            | {"errors": sum(sample["errors"] for sample in runs)}
            for row, runs in by_row.items()
        }
        for server, by_row in samples.items()
    }
    return {"rounds": COMPARE_ROUNDS, "seconds": COMPARE_SECONDS, "workers": WORKERS, "medians": table}


def render_servers(comparison: dict) -> str:
    rows = list(next(iter(comparison["medians"].values())))
    lines = [
        "| server | " + " | ".join(f"`{row}` req/s (p50/p99 ms)" for row in rows) + " |",
        "|---|" + "---:|" * len(rows),
    ]
    for server, by_row in comparison["medians"].items():
        cells = [
            f"{by_row[row]['rps']:.0f} ({by_row[row]['p50_ms']:.1f}/{by_row[row]['p99_ms']:.1f})"
            + (f" {by_row[row]['errors']} errors" if by_row[row]["errors"] else "")
            for row in rows
        ]
        marker = " (chosen)" if server == SERVER else ""
        lines.append(f"| {server}{marker} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


LOAD_BEFORE = os.getloadavg()


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk (make bench does this)", file=sys.stderr)
        return 2
    VAR.mkdir(exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(
        f"Bench: {SERVER}, {WORKERS} workers, wrk {WRK_THREADS} threads x {CONNECTIONS} connections, "
        f"{SECONDS:g} s per row; load average {LOAD_BEFORE[0]:.2f}"
    )

    redis_process = start_redis_if_needed()
    server = None
    comparison = None
    results: list[Result] = []
    skipped: list[dict[str, str]] = []
    try:
        if REUSE_DB and DATABASE_FILE.exists():
            print(f"  reusing {DATABASE_FILE.relative_to(BASE_DIR)} (BENCH_REUSE_DB)", flush=True)
        else:
            for stale in VAR.glob(f"{DATABASE_FILE.name}*"):
                stale.unlink()
            print(f"  migrating and seeding ({SIZE}) {DATABASE_FILE.relative_to(BASE_DIR)}", flush=True)
            _manage("migrate", "--noinput", "-v", "0")
            _manage("seed", "--size", SIZE, "--no-progress")
        seeded_after = round(time.monotonic() - started, 1)

        os.environ.update(_env())
        sys.path.insert(0, str(BASE_DIR))
        import django

        django.setup()
        from django.core.cache import caches

        caches["default"].clear()  # the bench's own Redis database: no stale keys, counters or records

        bench = Bench(f"http://{HOST}:{PORT}")
        current_env: tuple | None = None
        for endpoint in selected_endpoints():
            if not _route_exists(endpoint.route):
                skipped.append({"name": endpoint.name, "reason": f"{endpoint.route} is not routed"})
                continue
            if endpoint.server_env != current_env:
                stop(server)
                server = start_server(dict(endpoint.server_env))
                current_env = endpoint.server_env
            print(f"  {endpoint.name} ...", flush=True)
            try:
                result = measure(bench, endpoint, is_ceiling=not results)
            except SetupError as exc:
                skipped.append({"name": endpoint.name, "reason": str(exc)})
                print(f"    not measured: {exc}")
                continue
            results.append(result)
        stop(server)
        server = None
        comparison = compare_servers(bench) if len(COMPARE_SERVERS) > 1 and COMPARE_ROUNDS > 0 else None
    finally:
        stop(server)
        stop(redis_process)

    report = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": ".venv/bin/python bench/run.py  (make bench)",
        "machine": _machine(),
        "config": {
            "server": f"{SERVER}, {WORKERS} workers, production settings, SQLite, Redis",
            "connections_per_worker": CONNECTIONS_PER_WORKER or "no cap",
            "load_generator": f"wrk {WRK_THREADS} threads, {CONNECTIONS} connections",
            "seconds_per_row": SECONDS,
            "warmup_seconds": WARMUP_SECONDS,
            "ceiling_seconds_around_each_row": CEILING_SECONDS,
            "seed_size": SIZE,
            "seeded_in_seconds": seeded_after,
        },
        "catalogue": bench.catalogue,
        "notes": bench.notes,
        "results": [asdict(result) for result in results],
        "servers": comparison,
        "skipped": skipped,
        "took_seconds": round(time.monotonic() - started, 1),
    }
    table = render_table(results, skipped)
    print()
    print(table)
    if comparison:
        print(f"\nServers (medians of {COMPARE_ROUNDS} alternating rounds, {WORKERS} workers each):")
        print(render_servers(comparison))
    for note in bench.notes:
        print(f"  {note}")
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(render_markdown(report) + "\n")
    render_chart(results, RESULTS / "latest.png", report)
    print(f"\nWrote bench/results/latest.json, latest.md, latest.png in {report['took_seconds']} s")
    failures = [result.name for result in results if _flags(result)] + [row["name"] for row in skipped]
    if failures:
        print(
            f"Rows with errors, unexpected answers, too few prepared requests or not measured: {failures}",
            file=sys.stderr,
        )
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
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
    }


def _flags(result: Result) -> str:
    notes = []
    if result.unexpected_statuses:
        notes.append(f"{result.unexpected_statuses} unexpected answers {result.statuses}")
    if result.socket_errors or result.timeouts:
        notes.append(f"{result.socket_errors + result.timeouts} socket errors/timeouts")
    if result.ran_out_of_requests:
        notes.append("ran out of fresh requests")
    if result.problem:
        notes.append(result.problem)
    return "; ".join(notes)


def render_table(results: list[Result], skipped: list[dict]) -> str:
    width = max([len(result.name) for result in results] + [8])
    lines = [f"{'endpoint':<{width}}  {'req/s':>9}  {'p50 ms':>8}  {'p99 ms':>8}  {'vs /healthz':>11}  {'SQL':>4}"]
    lines.append("-" * len(lines[0]))
    for result in results:
        line = (
            f"{result.name:<{width}}  {result.rps:>9.1f}  {result.p50_ms:>8.2f}  {result.p99_ms:>8.2f}  "
            f"{result.ratio:>11.3f}  {result.sql_per_request:>4}"
        )
        flags = _flags(result)
        lines.append(line + (f"  ! {flags}" if flags else ""))
    for row in skipped:
        lines.append(f"{row['name']:<{width}}  (not measured: {row['reason']})")
    return "\n".join(lines)


def render_markdown(report: dict) -> str:
    lines = [
        "| endpoint | req/s | p50 ms | p99 ms | ratio to /healthz | SQL per request |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in report["results"]:
        lines.append(
            f"| `{row['name']}` | {row['rps']:.1f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} "
            f"| {row['ratio']:.3f} | {row['sql_per_request']} |"
        )
    machine, config = report["machine"], report["config"]
    before, after = machine["load_average_before"], machine["load_average_after"]
    notes = [
        f"{report['generated_at']} on {machine['cpus']} x {machine['cpu']}, load average {before[0]} before the "
        f"run and {after[0]} after; {config['server']}; {config['load_generator']}; "
        f"{config['seconds_per_row']:g} s per row; seed `{config['seed_size']}`; whole run {report['took_seconds']:g} s."
    ]
    ceilings = [row["ceiling_rps"] for row in report["results"]]
    if ceilings:
        notes.append(
            f"Ratio: req/s divided by `GET /healthz` on the same server just before and after the row "
            f"(it ranged {min(ceilings):.0f}-{max(ceilings):.0f} req/s during this run)."
        )
    notes += report["notes"]
    if report["skipped"]:
        notes.append("Not measured: " + "; ".join(f"`{row['name']}` ({row['reason']})" for row in report["skipped"]))
    servers = []
    if report.get("servers"):
        comparison = report["servers"]
        servers = [
            "",
            f"Servers, medians of {comparison['rounds']} alternating rounds of {comparison['seconds']:g} s per row, "
            f"{comparison['workers']} workers each (the rows above ran on `{SERVER}`):",
            "",
            render_servers(comparison),
        ]
    return "\n".join([*lines, "", *(f"- {note}" for note in notes), *servers])


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
        f"Delta Labs API, {machine['cpus']} CPUs, {config['server'].split(',')[0].strip()}, "
        f"{config['load_generator']}, {report['generated_at']}",
        fontsize=10,
    )
    figure.tight_layout(rect=(0, 0, 1, 0.96))
    figure.savefig(path, dpi=130)
    plt.close(figure)


if __name__ == "__main__":
    sys.exit(main())
