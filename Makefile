# Two commands matter: `make run` and `make test`. Both create .venv when missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint typecheck demo bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

## Set up, load the demo company when the store is empty, serve on http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/tandem demo --if-empty
	$(BIN)/tandem serve

## Lint, type-check, then the whole suite on SQLite and on PostgreSQL
test: $(STAMP) lint typecheck test-sqlite test-postgres

test-sqlite: $(STAMP)
	$(BIN)/python -m pytest

# PostgreSQL leg: skipped with a message locally when no server answers; never under CI=true.
test-postgres: $(STAMP)
	@$(BIN)/python scripts/postgres_leg.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet channelattribution==2.2.5 matplotlib
	$(BIN)/python benchmarks/pages.py
	$(BIN)/python benchmarks/rule_scoring.py
	$(BIN)/python benchmarks/predictive.py
	$(BIN)/python benchmarks/attribution.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
