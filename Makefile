# The two commands from the README: `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# One pytest worker per core; each worker has its own databases and live server.
PYTEST_ARGS ?= -n auto

.PHONY: run test install lock lint typecheck imports deadcode browser test-sqlite test-postgres audit clean

# Installs come from the lock files (exact versions, every file checked against its hash), then the app itself
# without dependencies. `make lock` writes them again from pyproject.toml, keeping the pinned versions it can.
UV ?= $(if $(wildcard $(VENV)/bin/uv),$(VENV)/bin/uv,uv)
LOCK_ARGS := --universal --python-version 3.11 --generate-hashes --quiet --custom-compile-command "make lock"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# The app's own dependencies only: what `make run` needs.
$(VENV)/.app-installed: requirements.lock pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# Everything `make test` needs: the app's dependencies and the development tools.
$(VENV)/.installed: requirements-dev.lock pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.app-installed

install: $(VENV)/.installed

lock:
	$(UV) pip compile pyproject.toml $(LOCK_ARGS) -o requirements.lock
	$(UV) pip compile pyproject.toml --extra dev $(LOCK_ARGS) -c requirements.lock -o requirements-dev.lock

## Run the app with demo data on SQLite at http://$(HOST):$(PORT)
run: $(VENV)/.app-installed
	$(PY) -m app migrate
	$(PY) -m app demo
	HOST=$(HOST) PORT=$(PORT) $(PY) -m app serve

## Run the whole suite: lint, types, then the tests on SQLite and again on PostgreSQL
test: install browser
	$(PY) -m ruff check app tests bench migrations
	$(PY) -m mypy
	$(MAKE) --no-print-directory imports deadcode
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "== test suite on SQLite =="
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test-postgres:
	@url="$${TEST_DATABASE_URL:-}"; \
	if [ -z "$$url" ]; then \
	  if $(PY) -c "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(('127.0.0.1',5432)))"; then \
	    url="$(PG_TEST_URL)"; \
	  elif [ "$${CI:-}" = "true" ]; then \
	    echo "CI=true but no PostgreSQL answers on 127.0.0.1:5432 and TEST_DATABASE_URL is unset: failing." >&2; exit 1; \
	  else \
	    echo "== PostgreSQL pass skipped: no server on 127.0.0.1:5432 (set TEST_DATABASE_URL to run it) =="; exit 0; \
	  fi; \
	fi; \
	echo "== test suite on PostgreSQL =="; \
	TEST_DATABASE_URL="$$url" $(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

## Debian's chromium for the browser tests (Playwright cannot download its own browser here)
browser:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi; \
	if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$${CI:-}" = "true" ]; then echo "CI=true but /usr/bin/chromium is missing: failing." >&2; exit 1; fi; \
	  echo "chromium not found: browser tests will be skipped (install Debian's chromium to run them)"; \
	fi

## Known vulnerabilities in the installed dependencies (pip-audit). Fails if any package could not be checked.
## Not yet part of `make test`: from the build machine neither PyPI's per-version JSON nor api.osv.dev answers.
AUDIT_SERVICE ?= pypi
audit: install
	$(PY) -m pip_audit --strict --skip-editable --progress-spinner off --vulnerability-service $(AUDIT_SERVICE)

## The import rules between layers (pyproject.toml [tool.importlinter]): every contract must be KEPT
imports: install
	PYTHONPATH=. $(VENV)/bin/lint-imports --no-cache

## Dead code in app/: vulture at 80% confidence, then unused functions, methods and classes down to 60% (route
## functions, validators, listeners and exception handlers are called by their framework). vulture_whitelist.py
## names the few false positives.
VULTURE_DECORATORS := @*router.get,@*router.post,@*router.put,@*router.patch,@*router.delete,@app.get,@app.exception_handler,@field_validator,@model_validator,@event.listens_for
deadcode: install
	$(PY) -m vulture app vulture_whitelist.py --min-confidence 80
	@unused="$$($(PY) -m vulture app vulture_whitelist.py --min-confidence 60 --ignore-decorators '$(VULTURE_DECORATORS)' \
	  | grep -E 'unused (function|method|class|property)' || true)"; \
	if [ -n "$$unused" ]; then echo "$$unused"; echo "Unused functions or classes: delete them (or whitelist a false positive)." >&2; exit 1; fi

lint: install
	$(PY) -m ruff check app tests bench migrations

typecheck: install
	$(PY) -m mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
