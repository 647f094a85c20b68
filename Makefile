# The two commands the README names: `make demo` (until the web app exists) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SHARED ?= ../shared
# the checks and tests run with a throwaway key; real deployments set SECRET_KEY themselves
TEST_ENV := SECRET_KEY=cutis-test-only-key CUTIS_DATA_DIR=$(CURDIR)/var/test

# The app on 127.0.0.1:8000 with demo data (SQLite in ./var unless DATABASE_URL is set)
DEMO_ENV := DEBUG=true CUTIS_DEMO=true

.PHONY: serve demo test lint typecheck contracts unit knowledge bench bench-core bench-web fuzz load profile clean

# Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser),
# and the pango/harfbuzz libraries and fonts WeasyPrint renders the owner's handout with
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core \
		libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0

# axe-core for the accessibility test, from the npm registry into var/node (gitignored, never
# committed); Debian's npm when the machine has none
AXE_VERSION := 4.11.1
AXE := var/node/axe-core-$(AXE_VERSION).stamp
NPM := /usr/bin/npm
$(NPM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm

$(AXE): | $(NPM)
	$(NPM) install --prefix var/node --no-audit --no-fund --no-save axe-core@$(AXE_VERSION)
	touch $(AXE)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(DEMO_ENV) $(BIN)/python manage.py load_demo
	@echo "Cutis is starting on http://127.0.0.1:8000/ (Ctrl-C stops it)"
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

demo: $(STAMP)
	$(BIN)/cutis assess --format text examples/biscuit.json

knowledge: $(STAMP)
	$(BIN)/python -c "from cutis.knowledge import write_snapshot; print(write_snapshot())"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src bench

typecheck: $(STAMP)
	$(TEST_ENV) $(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

# the whole suite on SQLite, then again on the local PostgreSQL when its server answers (the test
# database is created by pytest-django from the name in PG_URL, which need not exist)
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
unit: $(STAMP) $(CHROMIUM) $(AXE)
	$(TEST_ENV) CUTIS_SHARED=$(SHARED) $(BIN)/pytest
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', dbname='postgres', connect_timeout=3).close()" 2>/dev/null; then \
		echo "--- the same suite on PostgreSQL ($(PG_URL))"; \
		$(TEST_ENV) DATABASE_URL=$(PG_URL) CUTIS_SHARED=$(SHARED) $(BIN)/pytest -p no:cacheprovider; \
	else echo "--- PostgreSQL at $(PG_URL) does not answer: suite ran on SQLite only"; fi

test: lint typecheck contracts unit

# bytecode is compiled first, as a normal install does: this machine sets PYTHONDONTWRITEBYTECODE,
# and without .pyc files the start-up figure would measure the compiler, not Cutis
bench: bench-core bench-web

bench-core: $(STAMP)
	$(BIN)/python -m compileall -q src
	CUTIS_SHARED=$(SHARED) $(BIN)/python bench/bench_core.py

# gunicorn on a free loopback port over a throwaway PostgreSQL database (created and dropped);
# BENCH_REQUESTS (default 500) requests per URL
bench-web: $(STAMP)
	$(BIN)/python -m compileall -q src
	$(BIN)/python bench/bench_web.py

# 50 simulated users on the demo under gunicorn + PostgreSQL (throwaway database cutis_load,
# Redis db 5) for 60 s; LOAD_USERS, LOAD_SECONDS, LOAD_MAX_REQUESTS, LOAD_WORKERS to change it
load: $(STAMP)
	$(BIN)/python -m compileall -q src
	$(BIN)/python -m bench.load

# where each page of the load mix spends its time: cProfile over Django's test client on the demo
# (throwaway SQLite); PROFILE_ROUNDS requests per page, PROFILE_TOP slowest pages detailed
profile: $(STAMP)
	$(BIN)/python -m bench.profile_pages

# the long bad-input run: CUTIS_FUZZ_EXAMPLES cases shared out over the fuzz tests (core, CLI,
# assess API, clinic and owner portal forms), randomized; `make test` runs the same tests as a
# bounded, derandomized slice
CUTIS_FUZZ_EXAMPLES ?= 100000
fuzz: $(STAMP)
	@start=$$(date +%s); \
	$(TEST_ENV) CUTIS_SHARED=$(SHARED) CUTIS_FUZZ_EXAMPLES=$(CUTIS_FUZZ_EXAMPLES) \
		$(BIN)/pytest -p no:cacheprovider -q tests/test_fuzz.py tests/api/test_assess_fuzz.py \
		$(wildcard tests/web/test_form_fuzz.py tests/web/portal/test_portal_fuzz.py); \
	status=$$?; echo "fuzz: $$(( $$(date +%s) - start )) s, exit status $$status"; exit $$status

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
