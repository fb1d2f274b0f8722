# Big Whoosh: set-up, demo, tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench clean

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

test: setup
	$(BIN)/python -m pytest

bench: setup
	mkdir -p .benchmarks
	$(BIN)/python -m pytest tests/benchmarks -o addopts="" --benchmark-only -q \
		--benchmark-json=.benchmarks/latest.json --benchmark-columns=min,median,max,rounds
	$(BIN)/whoosh bench

clean:
	rm -rf $(VENV) runs .pytest_cache
