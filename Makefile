# The contract: `make demo` and `make test` on a fresh clone of a fresh machine.
PORT ?= 8000
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GK := $(BIN)/gongkai
PYTEST := $(BIN)/pytest

.PHONY: setup demo test lint typecheck migrations-check translations-check test-sqlite test-postgres test-browser test-api bench clean

$(BIN)/gongkai: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

setup: $(BIN)/gongkai
	scripts/system-deps.sh base
	mkdir -p var
	$(GK) compilemessages --ignore=.venv -v 0
	$(GK) migrate --noinput -v 0
	$(GK) collectstatic --noinput -v 0
	$(GK) demo

demo: setup
	$(GK) demo --accounts
	$(GK) runserver 127.0.0.1:$(PORT)

test: $(BIN)/gongkai
	scripts/system-deps.sh test
	$(GK) compilemessages --ignore=.venv -v 0
	$(MAKE) lint typecheck migrations-check translations-check test-sqlite test-postgres test-browser test-api

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy gongkai

migrations-check:
	$(GK) makemigrations --check --dry-run

translations-check:
	$(BIN)/python scripts/check_translations.py

test-sqlite:
	$(PYTEST) -q

test-postgres:
	scripts/with-postgres.sh $(PYTEST) -q

test-browser:
	$(PYTEST) -q -m browser

# schemathesis over every operation of /api/v1/openapi.json (public and with a staff token):
# no 5xx, on SQLite and on PostgreSQL. Bounded examples and a fixed seed.
test-api:
	$(PYTEST) -q -m fuzz gongkai/api
	scripts/with-postgres.sh $(PYTEST) -q -m fuzz gongkai/api

# Tree queries at 1,000,000 organizations on SQLite (cached in var/bench/) and on a throwaway
# PostgreSQL cluster; prints JSON. The demo database is not touched.
bench: $(BIN)/gongkai
	scripts/with-postgres.sh sh -c 'BENCH_DATABASE_URL="$$DATABASE_URL" exec env -u DATABASE_URL $(GK) bench'

clean:
	rm -rf $(VENV) var/*.sqlite3*
