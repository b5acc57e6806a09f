"""Settings per environment and database portability checks (docs/architecture.md, Database portability; issue 2 "Done when")."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import models
from django.test.utils import isolate_apps

from config.env import database_from_url
from deltalabs.checks import find_auto_increment_models

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "prod-secret-" + "s" * 60,
    "JWT_SIGNING_KEY": "prod-jwt-" + "j" * 60,
    "ALLOWED_HOSTS": "api.deltalabs.example",
    "PAYMENT_PROVIDER": "sandbox",
}


def manage(*args, env=None):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "JWT_SIGNING_KEY"])
def test_production_refuses_to_start_without_its_keys(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_jwt_key_equal_to_secret_key():
    result = manage("check", env={**PRODUCTION_ENV, "JWT_SIGNING_KEY": PRODUCTION_ENV["SECRET_KEY"]})
    assert result.returncode != 0 and "JWT_SIGNING_KEY must differ" in result.stderr


def test_mongodb_settings_pass_check_without_a_server():
    result = manage("check", env={"DATABASE_URL": "mongodb://localhost:27017/deltalabs"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_missing_migrations_on_sqlite():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_missing_migrations_under_mongodb_settings():
    result = manage("mongo_migrations", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


class TestDatabaseUrl:
    def test_default_is_sqlite_under_var(self):
        config = database_from_url(None)
        assert config["ENGINE"] == "deltalabs.sqlite"
        assert config["NAME"].endswith("var/deltalabs.sqlite3")

    def test_relative_and_absolute_sqlite_paths(self, tmp_path):
        assert database_from_url("sqlite:///var/x.sqlite3")["NAME"] == str(ROOT / "var" / "x.sqlite3")
        assert database_from_url(f"sqlite:///{tmp_path}/y.db")["NAME"] == f"{tmp_path}/y.db"

    @pytest.mark.parametrize(
        "url", ["mongodb://db1,db2/platform?replicaSet=rs0", "mongodb+srv://u:p@c.example/platform"]
    )
    def test_mongodb_urls_use_the_mongo_backend(self, url):
        config = database_from_url(url)
        assert config["ENGINE"] == "deltalabs.mongodb"
        assert config["HOST"] == url and config["NAME"] == "platform"

    def test_unknown_scheme_is_refused(self):
        from django.core.exceptions import ImproperlyConfigured

        with pytest.raises(ImproperlyConfigured):
            database_from_url("mysql://localhost/x")


@isolate_apps("apps.identity")
def test_check_rejects_auto_increment_keys_in_project_apps():
    class Legacy(models.Model):
        class Meta:
            app_label = "identity"

    class Modern(models.Model):
        id = models.UUIDField(primary_key=True)

        class Meta:
            app_label = "identity"

    errors = find_auto_increment_models([Legacy, Modern])
    assert [error.id for error in errors] == ["deltalabs.E001"]
    assert errors[0].obj is Legacy


def test_project_models_pass_the_check():
    from django.apps import apps

    assert find_auto_increment_models(apps.get_models(include_auto_created=True)) == []


# --- Persistent connections --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_persistent_connection_is_reused_across_requests():
    """With ``CONN_MAX_AGE`` (production sets it), the second request runs on
    the connection the first one opened: set-up is paid once per worker."""
    from django.db import connection
    from django.test import Client

    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(CONN_MAX_AGE=600, CONN_HEALTH_CHECKS=True)
    try:
        client = Client()
        assert client.get("/v1/courses").status_code == 200
        first = connection.connection
        assert client.get("/v1/courses").status_code == 200
        assert first is not None and connection.connection is first
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_production_keeps_connections_with_health_checks():
    import json

    from config.env import BASE_DIR
    from tests.security.test_api8_misconfiguration import PRODUCTION_ENV

    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; print(json.dumps([d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    max_age, health_checks = json.loads(result.stdout.strip().splitlines()[-1])
    assert max_age > 0 and health_checks is True
