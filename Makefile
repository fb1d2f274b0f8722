# Big Whoosh: set-up, demo, tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench figures chromium dashboard screenshots clean

setup: $(STAMP)

# pip's own output (and the machine's index warnings) go to .venv/install.log; it is shown only if the install fails
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing the project and its dependencies into $(VENV) (log: $(VENV)/install.log)"
	@{ $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e '.[dev,cluster]'; } \
		> $(VENV)/install.log 2>&1 || { tail -n 40 $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

demo: setup
	$(BIN)/whoosh run --scenario big-whoosh --out runs/demo-big-whoosh
	$(BIN)/whoosh run --scenario baseline --out runs/demo-baseline

test: setup chromium
	$(BIN)/python -m pytest

# Debian's chromium for the browser tests (playwright drives it; playwright's own browsers are never installed)
CHROMIUM := /usr/bin/chromium
SUDO := $(shell test "$$(id -u)" = 0 || echo sudo -n)
chromium:
	@test -x $(CHROMIUM) || { echo "installing Debian's chromium for the browser tests (log: $(VENV)/apt.log)"; \
		{ $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends chromium; } \
		> $(VENV)/apt.log 2>&1 || { tail -n 20 $(VENV)/apt.log; exit 1; }; }

dashboard: setup
	$(BIN)/whoosh dashboard

screenshots: setup chromium
	$(BIN)/python -m viz.screenshots --out docs/dashboard

bench: setup
	mkdir -p .benchmarks
	$(BIN)/python -m pytest tests/benchmarks -o addopts="" --benchmark-only -q \
		--benchmark-json=.benchmarks/latest.json --benchmark-columns=min,median,max,rounds
	$(BIN)/whoosh bench

# every figure and table of the paper, with its data, manifest.json and the replication README (runs/figures)
figures: setup
	$(BIN)/whoosh figures --out runs/figures

clean:
	rm -rf $(VENV) runs .pytest_cache test-artifacts
