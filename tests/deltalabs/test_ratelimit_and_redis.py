"""Rate limits (429 + Retry-After) and behaviour when Redis is configured but down (docs/api.md, Rate limits; docs/architecture.md, Redis)."""

import pytest

from tests.deltalabs.probe_urls import Calls
from tests.factories.identity import TEST_PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.deltalabs.probe_urls")]


def login(client, email, ip="10.0.0.1"):
    return client.post("/v1/auth/login", {"email": email, "password": "wrong"}, format="json", REMOTE_ADDR=ip)


def test_login_is_limited_per_ip(api_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "auth": "3/min"}
    statuses = [login(api_client, f"u{n}@example.test").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    response = login(api_client, "other@example.test")
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_login_is_limited_per_email_across_ips(api_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "auth": "3/min"}
    statuses = [login(api_client, "target@example.test", ip=f"10.0.1.{n}").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_register_shares_the_auth_limit(api_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "auth": "1/min"}
    payload = {"email": "r@example.test", "password": TEST_PASSWORD, "display_name": "R"}
    assert api_client.post("/v1/auth/register", payload, format="json").status_code == 201
    assert api_client.post("/v1/auth/register", payload, format="json").status_code == 429


def test_default_limit_per_user(user_client, other_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "default": "3/min"}
    assert [user_client.get("/v1/users/me").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert other_client.get("/v1/users/me").status_code == 200


DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    from config.settings.base import redis_cache

    settings.REDIS_URL = DEAD_REDIS
    settings.CACHES = {
        "default": redis_cache(DEAD_REDIS, fail_soft=True),
        "strict": redis_cache(DEAD_REDIS, fail_soft=False),
    }
    Calls.reset()


def test_reads_keep_working_when_redis_is_down(user_client, redis_down, caplog):
    # the rate limiter cannot count, so it lets the request through and says so
    response = user_client.get("/v1/users/me")
    assert response.status_code == 200
    assert "Rate limiter unavailable" in caplog.text


def test_idempotent_mutation_fails_closed_when_redis_is_down(user_client, redis_down):
    response = user_client.post("/v1/_probe/counter", {"a": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 503 and response.json()["code"] == "service_unavailable"
    assert Calls.count == 0


def test_readyz_reports_redis_down(api_client, redis_down):
    response = api_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "unavailable"


def test_catalogue_reads_answer_from_the_database_when_redis_is_down(api_client, redis_down):
    from tests.factories.catalog import CourseFactory

    course = CourseFactory(title="Resilient Rust")
    listing = api_client.get("/v1/courses")
    detail = api_client.get(f"/v1/courses/{course.pk}")
    assert listing.status_code == 200 and [c["title"] for c in listing.json()["results"]] == ["Resilient Rust"]
    assert detail.status_code == 200 and detail.json()["id"] == str(course.pk)


def test_enrollment_fails_closed_when_redis_is_down(user_client, redis_down):
    from apps.learning.models import Enrollment
    from tests.factories.catalog import CourseFactory

    course = CourseFactory(price=0)
    response = user_client.post(
        "/v1/enrollments", {"course_id": str(course.pk)}, format="json", HTTP_IDEMPOTENCY_KEY="e1"
    )
    assert response.status_code == 503 and response.json()["code"] == "service_unavailable"
    assert not Enrollment.objects.exists()


# --- One round trip per request --------------------------------------------------


def test_rate_limit_costs_one_redis_round_trip(user_client, settings, monkeypatch):
    from tests.support.redis_round_trips import counting_round_trips, require_redis

    require_redis(settings)
    user_client.get("/v1/users/me")  # the window exists now
    with counting_round_trips(monkeypatch) as trips:
        response = user_client.get("/v1/users/me")
    assert response.status_code == 200
    assert trips.calls == ["limit:1+0"]


def test_login_counts_ip_and_email_in_one_round_trip(api_client, user, settings, monkeypatch):
    from tests.support.redis_round_trips import counting_round_trips, require_redis

    require_redis(settings)
    with counting_round_trips(monkeypatch) as trips:
        login(api_client, user.email)
    # auth scope (ip + email), then the default scope (ip): one script call each
    assert trips.calls == ["limit:2+0", "limit:1+0"]


def test_window_keeps_its_fixed_end(user_client, user, settings):
    """A hit inside the window never extends it (the script sets the expiry only on a key without one), so Retry-After
    counts down to the same instant for every refused request."""
    from django.core.cache import caches

    from deltalabs.cache import redis_client
    from tests.support.redis_round_trips import require_redis

    require_redis(settings)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "default": "2/min"}
    strict = caches["strict"]
    key = strict.make_key(f"ratelimit:default:user:{user.pk}")
    user_client.get("/v1/users/me")
    redis_client(strict).expire(key, 7)  # pretend most of the window has passed
    user_client.get("/v1/users/me")
    refused = user_client.get("/v1/users/me")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 7
    assert 0 < redis_client(strict).ttl(key) <= 7


def test_first_hit_opens_a_window_of_the_configured_length(user_client, user, settings):
    from django.core.cache import caches

    from deltalabs.cache import redis_client
    from tests.support.redis_round_trips import require_redis

    require_redis(settings)
    user_client.get("/v1/users/me")
    strict = caches["strict"]
    key = strict.make_key(f"ratelimit:default:user:{user.pk}")
    assert int(redis_client(strict).get(key)) == 1
    assert 55 <= redis_client(strict).ttl(key) <= 60


def test_a_counter_without_expiry_gets_one_again(user_client, user, settings):
    """A counter key that lost its expiry (restored from a dump, PERSISTed by
    hand) would otherwise count forever: the next hit starts a fresh window."""
    from django.core.cache import caches

    from deltalabs.cache import redis_client
    from tests.support.redis_round_trips import require_redis

    require_redis(settings)
    strict = caches["strict"]
    key = strict.make_key(f"ratelimit:default:user:{user.pk}")
    client = redis_client(strict)
    client.set(key, 5)  # no expiry
    user_client.get("/v1/users/me")
    assert int(client.get(key)) == 6
    assert 55 <= client.ttl(key) <= 60


def test_the_limiter_survives_redis_forgetting_its_script(user_client, user, settings):
    """After a Redis restart (or SCRIPT FLUSH) the script is sent again, and counting goes on."""
    from django.core.cache import caches

    from deltalabs.cache import redis_client
    from tests.support.redis_round_trips import require_redis

    require_redis(settings)
    strict = caches["strict"]
    key = strict.make_key(f"ratelimit:default:user:{user.pk}")
    assert user_client.get("/v1/users/me").status_code == 200
    redis_client(strict).script_flush()
    assert user_client.get("/v1/users/me").status_code == 200
    assert int(redis_client(strict).get(key)) == 2


def test_the_limiter_takes_no_connection_from_the_pool(user_client, user, settings, monkeypatch):
    """Each thread counts on a connection of its own: a request's limit borrows
    nothing from redis-py's pool (borrowing cost system calls every request)."""
    from django.core.cache import caches

    from deltalabs.cache import redis_client
    from tests.support.redis_round_trips import require_redis

    require_redis(settings)
    pool = redis_client(caches["strict"]).connection_pool
    assert user_client.get("/v1/users/me").status_code == 200
    borrowed = []
    take = type(pool).get_connection
    monkeypatch.setattr(type(pool), "get_connection", lambda self, *a, **k: borrowed.append(1) or take(self, *a, **k))
    for _ in range(3):
        assert user_client.get("/v1/users/me").status_code == 200
    assert borrowed == []
    key = caches["strict"].make_key(f"ratelimit:default:user:{user.pk}")
    assert int(redis_client(caches["strict"]).get(key)) == 4


def test_threads_that_come_and_go_never_use_up_the_pool(settings):
    """Each thread's connection stays outside the pool's count: more threads
    than the pool's ``max_connections`` each count a request (and end), and
    the cache still gets connections afterwards."""
    import threading

    from django.core.cache import caches

    from deltalabs import ratelimit
    from deltalabs.cache import redis_client
    from tests.support.redis_round_trips import require_redis

    require_redis(settings)
    client = redis_client(caches["strict"])
    pool = client.connection_pool
    created = pool._created_connections
    key = "ratelimit:test:threads"
    caches["strict"].delete(key)

    def count_once():
        ratelimit.hit([key], 60)

    for _ in range(pool.max_connections + 20):
        thread = threading.Thread(target=count_once)
        thread.start()
        thread.join()

    assert pool._created_connections == created
    assert int(client.get(caches["strict"].make_key(key))) == pool.max_connections + 20
    caches["strict"].set("ratelimit:test:still-served", 1)
    assert caches["strict"].get("ratelimit:test:still-served") == 1


def test_the_limiter_counts_on_after_redis_drops_its_connection(user_client, user, settings, caplog):
    """A connection the server closed (restart, idle timeout) is opened again:
    the request is counted, not waved through."""
    from django.core.cache import caches

    from deltalabs.cache import redis_client
    from tests.support.redis_round_trips import require_redis

    require_redis(settings)
    client = redis_client(caches["strict"])
    assert user_client.get("/v1/users/me").status_code == 200
    killed = client.client_kill_filter(_type="normal", skipme=True)
    assert killed >= 1
    assert user_client.get("/v1/users/me").status_code == 200
    assert "Rate limiter unavailable" not in caplog.text
    key = caches["strict"].make_key(f"ratelimit:default:user:{user.pk}")
    assert int(client.get(key)) == 2


def test_a_forked_child_does_not_share_the_limiters_connection(user_client, settings):
    import os

    from deltalabs import ratelimit
    from tests.support.redis_round_trips import require_redis

    require_redis(settings)
    assert user_client.get("/v1/users/me").status_code == 200
    assert getattr(ratelimit._threads, "held", None) is not None
    child = os.fork()
    if child == 0:  # pragma: no cover (the child reports through its exit status)
        os._exit(0 if getattr(ratelimit._threads, "held", None) is None else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
