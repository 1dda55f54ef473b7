# The contract: `make demo` and `make test` on a fresh clone of a fresh machine.
PORT ?= 8000
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GK := $(BIN)/gongkai
PYTEST := $(BIN)/pytest

.PHONY: setup demo test lint typecheck migrations-check translations-check test-sqlite test-postgres test-browser test-api test-clock bench bench-portal clean

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

# The web server and, beside it, the task worker (notifications); stopping one stops both.
demo: setup
	$(GK) demo --accounts
	GK=$(GK) scripts/demo.sh $(PORT)

test: $(BIN)/gongkai
	scripts/system-deps.sh test
	$(GK) compilemessages --ignore=.venv -v 0
	$(MAKE) --jobs=$(TEST_JOBS) --output-sync=target --keep-going \
		test-postgres test-sqlite test-clock test-api test-browser lint typecheck migrations-check translations-check

# The suites are independent (each PostgreSQL run starts its own cluster on a free port, the
# SQLite runs use their own in-memory databases), so `make test` runs two at a time, one per
# core: serially they take about 80 minutes, side by side about half. The longest go first.
# Each target's output is printed whole when it ends. TEST_JOBS=1 runs them one after another.
TEST_JOBS ?= 2

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

# The suite passes whatever the date: chinese-calendar knows no year after 2026. The apps whose
# rules read the clock run again with libfaketime moving the process's clock into a year
# without calendar data, at the turn of the year in Beijing while UTC still says Dec 31.
# Text scanning and attachment parsing read no clock and are the slowest tests: left out, so
# this stays around two minutes. The first line proves the clock moved (a run on the real
# clock would prove nothing). Another moment: make test-clock CLOCK="2029-10-01 10:00:00"
CLOCK ?= 2030-12-31 20:30:00
# test_loopback starts gunicorn and nginx: faketime starts each process's clock afresh at
# CLOCK, so the servers would run behind the test that publishes.
CLOCK_APPS := gongkai/workdays gongkai/disclosures gongkai/console gongkai/portal gongkai/api gongkai/ledger \
	gongkai/engagement gongkai/inforequests gongkai/supervision gongkai/topics \
	gongkai/search gongkai/feeds gongkai/boards \
	--ignore-glob='*/test_scan*' --ignore-glob='*/test_attachment*' --ignore-glob='*/test_sandbox*' \
	--ignore-glob='*/test_loopback*'
test-clock:
	TZ=UTC faketime -f "@$(CLOCK)" $(BIN)/python -c 'import datetime, sys; sys.exit(0 if str(datetime.datetime.now()).startswith("$(CLOCK)"[:16]) else "faketime did not move the clock")'
	TZ=UTC faketime -f "@$(CLOCK)" $(PYTEST) -q $(CLOCK_APPS)

# schemathesis over every operation of /api/v1/openapi.json (public and with a staff token):
# no 5xx, on SQLite and on PostgreSQL. Bounded examples and a fixed seed.
test-api:
	$(PYTEST) -q -m fuzz gongkai/api
	scripts/with-postgres.sh $(PYTEST) -q -m fuzz gongkai/api

# Tree queries at 1,000,000 organizations on SQLite (cached in var/bench/) and on a throwaway
# PostgreSQL cluster, and the ledger: verify of 1,000,000 entries, proofs at 10,000,000
# leaves (both SQLite, cached in var/bench/), appends under concurrent publishing (both
# databases); prints JSON. The demo database is not touched.
# `gongkai bench --only-portal` (not part of this target: it seeds 1,000,000 disclosures into
# var/bench/portal.sqlite3 the first time) measures the portal pages uncached under gunicorn
# with two workers beside a bare Django view, search, and nginx cached against a static file:
# `make bench-portal` (SQLite; add --postgres-url URL for PostgreSQL).
bench: $(BIN)/gongkai
	scripts/with-postgres.sh sh -c 'BENCH_DATABASE_URL="$$DATABASE_URL" exec env -u DATABASE_URL $(GK) bench'

bench-portal: $(BIN)/gongkai
	env -u DATABASE_URL $(GK) bench --only-portal

clean:
	rm -rf $(VENV) var/*.sqlite3*
