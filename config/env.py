"""The one place that reads the process environment.

Settings modules call these helpers instead of touching ``os.environ``
directly, so every variable the project understands can be found by grepping
for ``env_`` and is listed in the README.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_required(name: str) -> str:
    value = env_str(name)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} is required in this configuration.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}.")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}.") from exc


def env_float(name: str, default: float) -> float:
    value = env_str(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}.") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = env_str(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


DEFAULT_SQLITE_PATH = BASE_DIR / "var" / "deltalabs.sqlite3"


def is_mongodb_url(url: str | None) -> bool:
    return bool(url) and url.startswith(("mongodb://", "mongodb+srv://"))


def database_from_url(url: str | None) -> dict:
    """Translate ``DATABASE_URL`` into a Django ``DATABASES["default"]`` entry.

    - unset: SQLite file under ``var/`` (the embedded default);
    - ``sqlite:///relative/path`` or ``sqlite:////absolute/path``;
    - ``mongodb://`` or ``mongodb+srv://``: django-mongodb-backend, the whole URL
      goes to ``HOST`` (the driver parses it) and the database name comes from
      its path, defaulting to ``deltalabs``.
    """
    if not url:
        return sqlite_database(DEFAULT_SQLITE_PATH)
    if url.startswith("sqlite://"):
        path = unquote(url[len("sqlite://") :])
        if path in ("", "/", "/:memory:"):
            return sqlite_database(":memory:")
        # sqlite:///var/x.db -> "var/x.db" (relative to the project); sqlite:////tmp/x.db -> "/tmp/x.db"
        relative = path[1:] if path.startswith("/") else path
        resolved = Path(relative) if relative.startswith("/") else BASE_DIR / relative
        return sqlite_database(resolved)
    if is_mongodb_url(url):
        name = urlsplit(url).path.lstrip("/") or "deltalabs"
        return {
            "ENGINE": "deltalabs.mongodb",
            "HOST": url,
            "NAME": name,
            # Fail fast instead of hanging for pymongo's 30 s default when the
            # server is unreachable; readiness probes report it as 503.
            "OPTIONS": {"serverSelectionTimeoutMS": env_int("MONGODB_TIMEOUT_MS", 5000)},
        }
    scheme = url.split(":", 1)[0]
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {scheme!r} is not supported: use sqlite:///path, mongodb:// or mongodb+srv://."
    )


def sqlite_database(path: Path | str) -> dict:
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "deltalabs.sqlite",
        "NAME": str(path),
        "OPTIONS": {
            # Writers wait for each other instead of failing with "database is
            # locked"; IMMEDIATE takes the write lock at BEGIN, so two
            # transactions never deadlock upgrading a read lock.
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
