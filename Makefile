# Big Whoosh: set-up, demo, tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,cluster]'
	touch $(STAMP)

demo: setup
	$(BIN)/whoosh run --scenario big-whoosh --out runs/demo-big-whoosh
	$(BIN)/whoosh run --scenario baseline --out runs/demo-baseline

test: setup
	$(BIN)/python -m pytest

bench: setup
	mkdir -p .benchmarks
	$(BIN)/python -m pytest tests/benchmarks -o addopts="" --benchmark-only -q \
		--benchmark-json=.benchmarks/latest.json --benchmark-columns=min,median,max,rounds
	$(BIN)/whoosh bench

clean:
	rm -rf $(VENV) runs .pytest_cache
