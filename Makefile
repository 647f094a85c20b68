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

.PHONY: serve demo test lint typecheck contracts unit knowledge bench clean

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

unit: $(STAMP)
	$(TEST_ENV) CUTIS_SHARED=$(SHARED) $(BIN)/pytest

test: lint typecheck contracts unit

# bytecode is compiled first, as a normal install does: this machine sets PYTHONDONTWRITEBYTECODE,
# and without .pyc files the start-up figure would measure the compiler, not Cutis
bench: $(STAMP)
	$(BIN)/python -m compileall -q src
	CUTIS_SHARED=$(SHARED) $(BIN)/python bench/bench_core.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
