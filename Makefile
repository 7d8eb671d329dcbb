# Targets that people and CI both use. Everything installs itself into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run demo test lint format typecheck pytest bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) ## create .venv and install soc2bot with its dev tools

run: $(STAMP) ## start the service (SQLite + starter catalog unless configured otherwise)
	$(BIN)/soc2bot serve

DEMO_ENV := DATABASE_URL=sqlite:///./data/demo.db SOC2BOT_EVIDENCE_URL=file://./data/demo-evidence

demo: $(STAMP) ## seed a fictional company into ./data/demo.db (once) and start the service on it
	test -f data/demo.db || $(DEMO_ENV) $(BIN)/soc2bot demo
	$(DEMO_ENV) $(BIN)/soc2bot serve

lint: $(STAMP) ## ruff, formatting check, mypy and the import-layering contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot models schedules handlers
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest --cov --cov-report=term:skip-covered

test: lint pytest ## everything CI runs

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP) ## a quick run of every benchmark (bench/README.md; full figures: docs/performance.md)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage
