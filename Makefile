# Elettro: `make run` to start everything, `make test` to check everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run setup system install migrate demo test lint format stop bench clean-data help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements/base.txt requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/dev.txt
	$(BIN)/pip check
	touch $@

install: $(BIN)/.installed  ## create .venv and install the pinned requirements

migrate: install  ## start the database if embedded, migrate public then company schemas
	$(MANAGE) migrate_schemas --shared --verbosity 0
	$(MANAGE) setup_platform
	$(MANAGE) migrate_schemas --tenant --verbosity 0

demo: migrate  ## create (or refresh) the demo company and print its login
	$(MANAGE) seed_demo

system:  ## install Chromium, pango, fonts and pdftotext where the machine allows (Debian/Ubuntu), else say how
	@bash .ci/system-packages

setup: system demo  ## everything `run` does before starting processes (idempotent)
	$(MANAGE) collectstatic --noinput --verbosity 0

run: setup  ## set up, then run web, worker and beat in this terminal (Ctrl-C stops all)
	@$(MANAGE) seed_demo --print-only
	$(BIN)/honcho start --no-prefix -f Procfile

# Tests run in parallel processes, each with its own test database, broker and worker; TEST_PROCS=1 runs them in one.
TEST_PROCS ?= 2

test: install  ## lint, then every test: unit, integration (real worker), browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(TEST_PROCS)

lint: install  ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install  ## run the benchmarks in bench/ and print their figures (about an hour the first time)
	$(PY) bench/signup.py
	$(PY) bench/ingest.py
	$(PY) bench/rollup_tuning.py
	$(PY) bench/apply_master.py
	$(PY) bench/dashboards.py
	$(PY) bench/api.py
	$(PY) bench/alerts.py
	$(PY) bench/browser.py
	$(PY) bench/pricing.py
	$(PY) bench/hsn.py
	$(PY) bench/scope.py
	$(PY) bench/reports.py review
	$(PY) bench/reports.py schedules
	$(BIN)/pip install --quiet -r requirements/bench.txt
	$(PY) bench/load.py

stop:  ## stop the embedded PostgreSQL and Redis
	@$(PY) -c "from elettro import embedded as e; print('postgres stopped' if e.stop_postgres() else 'postgres was not running'); print('redis stopped' if e.stop_redis() else 'redis was not running')"

clean-data: stop  ## delete all local data (.data/): databases, uploads, reports
	rm -rf .data
