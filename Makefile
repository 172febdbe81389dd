# stockcast: the two commands are `make demo` and `make test`; everything else helps them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install demo run serve test test-fast bench lint format docs clean

install: $(VENV)/.installed  ## Create .venv from uv.lock (Python 3.11 or 3.12).

$(VENV)/.installed: uv.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install -q "uv==$(UV_VERSION)"
	$(BIN)/uv sync --frozen --python $(BIN)/python
	@touch $@

demo: install  ## Generate sample data, materialise every asset on DuckDB, serve the UIs.
	@if ! ls $${STOCKCAST_HOME:-.stockcast}/incoming/sales* >/dev/null 2>&1; then \
		$(BIN)/stockcast generate --skus 300 --days 1095 --seed 42; fi
	$(BIN)/stockcast run
	$(BIN)/stockcast serve

run: install
	$(BIN)/stockcast run

serve: install
	$(BIN)/stockcast serve

test: install  ## Run the whole suite, starting PostgreSQL for it (CI=true: nothing may skip).
	@bash .ci/test.sh

test-fast: install
	$(BIN)/pytest -m "unit" -q

bench: install  ## Benchmarks (wall time, peak memory); JSON under bench/results/. Long: ~1.5 h.
	STOCKCAST_TEST_POSTGRES_URL=$${STOCKCAST_TEST_POSTGRES_URL:-$$(bash .ci/postgres.sh start)} \
		$(BIN)/python bench/run.py  # generate + ingest + dbt: 1k, 10k DuckDB; 1k Postgres
	$(BIN)/python bench/forecast_bench.py --skus 1000,10000
	$(BIN)/python bench/forecast_eval_bench.py --series 1000,20000  # the forecast-eval CLI on a sales file
	$(BIN)/python bench/policy_bench.py
	$(BIN)/python bench/backorder_bench.py
	$(BIN)/python bench/quality_bench.py --skus 10000  # GX checks' share of `stockcast run` (with and without them)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

docs: install  ## Regenerate docs/reports/ (figures, tables and plots).
	$(BIN)/python bench/forecast_report.py
	$(BIN)/python bench/policy_report.py
	$(BIN)/python bench/backorder_report.py

clean:
	rm -rf .stockcast dbt_project/target dbt_project/logs .pytest_cache
