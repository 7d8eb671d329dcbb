# Targets that people and CI both use. Everything installs itself into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two installs share .venv: run and demo need soc2bot alone (RUNTIME: 389 MB, 86 s from an
# empty pip cache); setup, lint, test and bench add the dev tools (STAMP: 721 MB, 139 s). A dev
# install covers both.
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed

.PHONY: setup run demo test lint format typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Editable in both, so neither replaces the other's install and code edits need no reinstall.
$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(RUNTIME)

setup: $(STAMP) ## create .venv and install soc2bot with its dev tools

run: $(RUNTIME) ## start the service (SQLite + starter catalog unless configured otherwise)
	$(BIN)/soc2bot serve

DEMO_ENV := DATABASE_URL=sqlite:///./data/demo.db SOC2BOT_EVIDENCE_URL=file://./data/demo-evidence

demo: $(RUNTIME) ## seed a fictional company into ./data/demo.db (once) and start the service on it
	test -f data/demo.db || $(DEMO_ENV) $(BIN)/soc2bot demo
	$(DEMO_ENV) $(BIN)/soc2bot serve

lint: $(STAMP) ## ruff, formatting check, mypy and the import-layering contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot models schedules handlers
	$(BIN)/lint-imports

# Two worker processes at most (the machines have 2 cores), keeping the groups of
# tests/parallel.py together; a plain `pytest` runs in one process.
PYTEST_WORKERS ?= -n auto --maxprocesses=2 --dist loadgroup

pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_WORKERS) --cov --cov-report=term:skip-covered

test: lint pytest ## everything CI runs

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP) ## a quick run of every benchmark (bench/README.md; full figures: docs/performance.md)
	$(BIN)/python bench/run_all.py

.PHONY: gallery
gallery: $(STAMP) ## every message on Teams (PNG, height) and Slack (Block Kit) into docs/messages.md
	$(BIN)/python -m docs.gallery.build

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage
