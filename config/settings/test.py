"""Test suite: local settings plus a file-backed SQLite test database and the Mongo compile gate."""

import os

from config.settings.local import *  # noqa: F403
from config.settings.local import BASE_DIR, CACHES, DATABASES, REDIS_URL, USE_MONGODB
from deltalabs.testing.mongo_engine import on_emulator

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in the test process; errors surface in the test that caused them.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
LOGGING_CONFIG = None  # keep pytest's log capture in charge

# pytest-xdist runs several workers; each gets its own Redis database and key space.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_WORKER_NUMBER = int(_WORKER[2:] or 0) if _WORKER.startswith("gw") else 0

if not USE_MONGODB:
    # A file-backed test database, so concurrency tests can use real threads
    # with their own connections.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test_deltalabs_{_WORKER}.sqlite3")}

# A django-mongodb-backend connection that never talks to a server
# (deltalabs.testing.mongo_gate). On SQLite it is the Mongo compile gate: every
# query the suite runs is also compiled by the Mongo backend. On every engine,
# the transaction fault tests script its pymongo client.
DATABASES["mongo_gate"] = {
    "ENGINE": "deltalabs.testing.mongo_gate",
    "NAME": "compile_gate",
    "HOST": "mongodb://127.0.0.1:1/compile_gate",
}

if USE_MONGODB and on_emulator():
    # `make test-mongo`: the mongoeco emulator has no collMod, so check
    # constraints are not applied as validators there (the conditional updates
    # still guard them; tests of the validators are marked emulator_cannot_judge).
    MONGODB_CHECK_VALIDATORS = False

if REDIS_URL:
    for alias in CACHES:
        base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL
        CACHES[alias]["LOCATION"] = f"{base}/{10 + _WORKER_NUMBER}"
        CACHES[alias]["KEY_PREFIX"] = f"test{_WORKER_NUMBER}"

# Sessions in the database whether or not Redis is configured, so admin query
# budgets count the same queries in every run (with Redis, production reads
# the session from the cache first: cached_db).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
