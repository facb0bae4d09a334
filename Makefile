# Aftersale: `make run` (portal with demo data) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi.py

# PostgreSQL and Redis used by the second test run (CI and developers' machines). Each pytest-xdist
# worker takes its own database (aftersale_test_gw0, _gw1...) and Redis database (15 for gw0,
# 14 for gw1...): see tests/conftest.py.
PG_URL ?= postgresql://postgres@127.0.0.1:5432/aftersale_test
TEST_REDIS ?= redis://127.0.0.1:6379/15
# Test processes (pytest-xdist): one per core. The browser journeys stay together on one worker.
TEST_WORKERS ?= auto
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist loadgroup

.PHONY: run setup setup-dev translations test test-sqlite test-postgres services browser lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs the portal and its pinned dependencies; re-runs only when they change.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

## translations: after changing customer-facing text, extract, update and compile Swedish
translations: setup
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l --no-location --sort-output \
	  -o /tmp/aftersale-messages.pot .
	$(BIN)/pybabel update -i /tmp/aftersale-messages.pot -d portal/translations --no-fuzzy-matching
	@echo "Fill in the empty msgstr lines in portal/translations/sv/LC_MESSAGES/messages.po, then"
	@echo "  $(BIN)/pybabel compile -d portal/translations"

setup: $(VENV)/.installed

setup-dev: setup

## run: set up, migrate, add demo data (once), serve on http://$(HOST):$(PORT)
# Without REDIS_URL, periodic jobs (sending surveys...) run from `flask portal tick` beside
# the web server; with Redis, start `python worker.py` instead.
# Emailed links point at the address the portal is served on (unless PORTAL_BASE_URL is set).
run: export PORTAL_BASE_URL ?= http://$(HOST):$(PORT)
run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask portal init
	$(BIN)/flask portal seed-demo --if-empty
	@echo
	@echo "  Aftersale is starting on http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	@echo "  Mail is written to instance/mail/ (set SMTP_HOST to send it)."
	@echo
	@if [ -z "$$REDIS_URL" ]; then \
	  $(BIN)/flask portal tick --every 60 >instance/tick.log 2>&1 & tick=$$!; \
	  trap "kill $$tick 2>/dev/null" EXIT INT TERM; \
	fi; \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

## test: lint, then the suite on SQLite with inline jobs, then on PostgreSQL + Redis + worker
# The browser tests (marker `browser`, tests/browser/) run in the SQLite run only.
test: setup lint browser test-sqlite services test-postgres

test-sqlite: setup browser
	$(BIN)/pytest $(PYTEST_PARALLEL)

test-postgres: setup services
	TEST_DATABASE_URL=$(PG_URL) TEST_REDIS_URL=$(TEST_REDIS) $(BIN)/pytest $(PYTEST_PARALLEL) -m "not browser"

## browser: Debian's Chromium for the browser tests (Playwright drives it; it downloads nothing)
browser:
	@test -x /usr/bin/chromium || { \
	  echo "installing Debian's chromium"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 || { \
	    apt-get update -q && apt-get install -y -q --no-install-recommends chromium; }; }

## services: start the local PostgreSQL and Redis if they are down
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  echo "starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	  for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { \
	  echo "starting Redis"; \
	  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
	    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log; \
	  for i in $$(seq 30); do redis-cli ping >/dev/null 2>&1 && break; sleep 1; done; }

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
