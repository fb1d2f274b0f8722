"""Speed of one month of the benchmark rules: vectorised numpy vs one Mesa agent object per worker and firm.

Skipped by ``make test`` (``--benchmark-skip``); run with

    .venv/bin/python -m pytest -o addopts="" --benchmark-only -p no:cacheprovider tests/benchmarks/test_rules_speed.py

Each round's setup builds fresh rules from the same cached initial state (building the agents is not timed).
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from experiments.benchmark import TARGETS
from tests.benchmarks.rules import InitialState, PerAgentRules, VectorisedRules, initial_state, speed_ratio

pytestmark = pytest.mark.benchmark(group="rules")

SEED = 0
RATIO_TARGET_100K = TARGETS["rules_ratio"]
IMPLEMENTATIONS = {"vectorised": VectorisedRules, "per_agent": PerAgentRules}


@lru_cache(maxsize=None)
def _state(scale: float) -> InitialState:
    return initial_state(scale, SEED)


@pytest.mark.parametrize("scale", [1, 10], ids=["10k", "100k"])
@pytest.mark.parametrize("implementation", list(IMPLEMENTATIONS))
def test_one_month(benchmark, implementation, scale):
    state = _state(scale)
    cls = IMPLEMENTATIONS[implementation]
    benchmark.extra_info["workers"] = len(state.weight)

    built = []

    def setup():
        built.append(cls(state, SEED))
        return (built[-1],), {}

    try:
        benchmark.pedantic(lambda rules: rules.step(), setup=setup, rounds=3, iterations=1)
    finally:
        for rules in built:
            if isinstance(rules, PerAgentRules):
                rules.close()


@pytest.mark.parametrize("scale", [1, 10], ids=["10k", "100k"])
def test_speed_ratio(benchmark, scale):
    """Both versions timed in one process; the per-agent one must be the slower (and by a wide margin)."""
    result = benchmark.pedantic(speed_ratio, kwargs={"scale": scale, "months": 3, "seed": SEED}, rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    print(f"\n{result['workers']} workers: vectorised {result['vectorised_s'] * 1e3:.1f} ms/month, "
          f"per-agent {result['per_agent_s'] * 1e3:.1f} ms/month, ratio {result['ratio']:.1f}x")
    assert result["ratio"] > 1.0
    if scale == 10:
        assert result["ratio"] >= RATIO_TARGET_100K, f"vectorised rules only {result['ratio']:.0f}x faster at 100k"
