# hashchat: `make run` serves the demo on SQLite, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck services bench bench-smoke clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

## run: serve http://127.0.0.1:8000 on SQLite with demo content
run: $(STAMP)
	$(BIN)/hashchat db upgrade
	$(BIN)/hashchat demo
	$(BIN)/hashchat serve

## services: install and start PostgreSQL, Redis and Chromium for the tests
services:
	scripts/services.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

## test: lint, type-check and the whole suite on SQLite and PostgreSQL
# Four workers, a module's tests on one worker so its servers start once. More workers than
# 2 cores: most tests wait on servers, browsers and the network, so with 2 workers the cores
# sat a third idle (15.5 minutes of tests on a quiet 2-core machine, 10.8 with 4).
PYTEST_ARGS ?= -n 4 --dist loadscope
test: $(STAMP) services lint typecheck
	$(BIN)/pytest $(PYTEST_ARGS)

## bench: every scenario, hashchat and the peers side by side; rewrites docs/benchmarks.md
bench: $(STAMP) services
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.refusals
	$(BIN)/python -m benchmarks.synapse
	taskset -c 0 $(BIN)/python -m benchmarks.bluesky

## bench-smoke: the benchmark harness at tiny sizes against hashchat (also part of `make test`)
bench-smoke: $(STAMP)
	$(BIN)/pytest -q tests/test_bench_smoke.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
