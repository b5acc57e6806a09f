# Delta Labs backend. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SIZE ?= small

.PHONY: run test lint install migrate seed serve worker beat bench check clean mongo-migrations

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed --size $(SIZE)

## run: install, migrate, seed demo data, then serve API + admin on http://$(HOST):$(PORT)
## (and a Celery worker + beat when REDIS_URL is set)
run: seed
	@if [ -n "$$REDIS_URL" ]; then \
		echo "REDIS_URL set: starting a Celery worker and beat alongside the server"; \
		$(BIN)/celery -A config worker --loglevel=INFO --concurrency=2 & \
		$(BIN)/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule & \
	fi; \
	$(PY) manage.py runserver $(HOST):$(PORT)

## test: the whole suite (SQLite + Mongo compile gate; Redis when REDIS_URL is set)
test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: install
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py mongo_migrations --check

mongo-migrations: install
	$(PY) manage.py mongo_migrations

worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule

## bench: production server (gunicorn, Redis, seeded medium data) under wrk; table + bench/results/latest.*
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	@command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var/*.sqlite3* .pytest_cache .ruff_cache
