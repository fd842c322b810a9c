# The README's commands. Everything installs into .venv; nothing global is touched.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
GBSTATS_VENV := .venv-gbstats
GBSTATS_STAMP := $(GBSTATS_VENV)/.installed

.PHONY: demo test gbstats check lint typecheck format serve clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	# torch first, pinned: this machine keeps the 2.13.0 CPU build on disk for pip to take;
	# left to the resolver, a looser requirement could pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

$(GBSTATS_STAMP): tools/gbstats-venv.sh
	tools/gbstats-venv.sh $(PYTHON) $(GBSTATS_VENV)
	touch $@

## make demo: build the demo company and serve it at http://127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/prodloop demo

## make gbstats: GrowthBook's gbstats 0.8.0 in its own environment (numpy<2), for the stats tests
gbstats: $(GBSTATS_STAMP)

## make test: install the dev dependencies and run the whole suite
test: $(DEV_STAMP) $(GBSTATS_STAMP)
	$(BIN)/pytest

## make bench: every benchmark at its default size, prodloop beside its reference (see benchmarks/RESULTS.md)
bench: $(DEV_STAMP) $(GBSTATS_STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

## make check: ruff (lint and format) and mypy
check: lint typecheck

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

format: $(DEV_STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

serve: $(STAMP)
	$(BIN)/prodloop serve

clean:
	rm -rf $(VENV) $(GBSTATS_VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
