# Delta Labs backend. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SIZE ?= small
# Celery from the Makefile is a development process: local settings unless told
# otherwise (config.celery alone defaults to production, like the WSGI entry point).
CELERY = DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.local} $(BIN)/celery -A config
CELERY_CONCURRENCY ?=

# make test-mongo: the emulator runs under its own interpreter (mongoeco needs Python 3.13+).
# (a pyenv install first: pyenv's python3.13 shim refuses to run unless 3.13 is selected)
MONGO_PYTHON ?= $(or $(lastword $(wildcard $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions/3.13*/bin/python3.13)),python3.13)
MONGO_VENV := .venv-mongo
MONGO_STAMP := $(MONGO_VENV)/.installed
# What `make test-mongo` runs: every app's service, API and admin tests, the
# admin tests and the transaction fault tests. `MONGO_TESTS=tests` runs it all
# (see the README for what the emulator cannot judge).
MONGO_TESTS ?= $(sort $(wildcard tests/apps/*/test_services.py tests/apps/*/test_api.py tests/apps/*/test_*_api.py \
	tests/apps/*/test_admin.py) tests/apps/commerce/test_checkout.py tests/apps/commerce/test_orders.py \
	tests/apps/commerce/test_sponsors.py tests/admin tests/deltalabs/test_transactions.py tests/deltalabs/test_check_constraints.py \
	tests/deltalabs/test_decimal_places.py tests/apps/catalog/test_prepared_pages.py)
MONGO_WORKERS ?= 2

.PHONY: run test test-mongo lint install install-mongo migrate seed serve worker beat require-redis bench profile check clean mongo-migrations screenshots

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

$(MONGO_STAMP): requirements-mongo.txt
	test -x $(MONGO_VENV)/bin/python || $(MONGO_PYTHON) -m venv $(MONGO_VENV)
	$(MONGO_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MONGO_VENV)/bin/python -m pip install --quiet -r requirements-mongo.txt
	touch $(MONGO_STAMP)

install-mongo: $(MONGO_STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed --size $(SIZE)

## run: install, migrate, seed demo data, then serve API + admin on http://$(HOST):$(PORT)
## (and a Celery worker + beat when REDIS_URL is set)
run: seed
	@if [ -n "$$REDIS_URL" ]; then \
		echo "REDIS_URL set: starting a Celery worker and beat alongside the server"; \
		$(CELERY) worker --loglevel=INFO --concurrency=2 & worker_pid=$$!; \
		$(CELERY) beat --loglevel=INFO --schedule var/celerybeat-schedule & beat_pid=$$!; \
		trap 'kill $$worker_pid $$beat_pid 2>/dev/null; wait $$worker_pid $$beat_pid 2>/dev/null' EXIT; \
		trap 'exit 130' INT TERM; \
	fi; \
	$(PY) manage.py runserver $(HOST):$(PORT)

## test: the whole suite (SQLite + Mongo compile gate; Redis when REDIS_URL is set)
test: install
	$(BIN)/pytest

## test-mongo: the suite on MongoDB: one mongoeco wire emulator per test worker
## on loopback (deltalabs/testing/mongo_engine.py); see the README for what it proves
test-mongo: install install-mongo
	MONGOECO_PYTHON=$(CURDIR)/$(MONGO_VENV)/bin/python $(BIN)/pytest -n $(MONGO_WORKERS) $(MONGO_TESTS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: install
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py mongo_migrations --check

mongo-migrations: install
	$(PY) manage.py mongo_migrations

## worker / beat: the background processes (need REDIS_URL; without it tasks run inside the web process)
worker: require-redis install
	$(CELERY) worker --loglevel=INFO $(if $(CELERY_CONCURRENCY),--concurrency=$(CELERY_CONCURRENCY))

beat: require-redis install
	$(CELERY) beat --loglevel=INFO --schedule var/celerybeat-schedule

require-redis:
	@if [ -z "$$REDIS_URL" ]; then \
		echo "REDIS_URL is not set: tasks run eagerly inside the web process, so there is nothing for a worker or beat to do."; \
		echo "Start Redis and run e.g. REDIS_URL=redis://127.0.0.1:6379/0 make $(or $(MAKECMDGOALS),worker)"; \
		exit 1; \
	fi
	@mkdir -p var

## bench: production server (gunicorn, Redis, seeded medium data) under wrk; table + bench/results/latest.*
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	@command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server)
	$(PY) bench/run.py

## profile: py-spy on one production worker under wrk load, for one bench row (PROFILE_ROW=...)
profile: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	@command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server)
	$(PY) bench/profile.py

## screenshots: the staff cockpit at 1366 x 768 on fresh demo data (docs/screenshots/*.png, linked from the README)
screenshots: install
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	$(PY) docs/screenshots/take.py $(ARGS)

clean:
	rm -rf $(VENV) $(MONGO_VENV) var/*.sqlite3* .pytest_cache .ruff_cache
