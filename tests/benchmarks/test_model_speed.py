"""Speed of the full model: construction, one step, 120-step runs, mechanisms alone, data collection.

Skipped by ``make test``; ``make bench`` runs them and saves the results as JSON. The targets
(docs/PERFORMANCE.md) are checked by the ``test_target_*`` benchmarks:

- one full step at 1M workers ≤ 0.25 s (≥ 4M worker-steps per second), every agent a ``mesa.Agent``;
- construction at 1M workers ≤ 15 s; peak memory at 1M workers ≤ 1.5 GB;
- step time grows linearly: step time at 1M ≤ 12 × step time at 100k.
"""

from __future__ import annotations

import statistics
import time
from functools import lru_cache

import mesa
import pytest

from experiments.benchmark import TARGETS, peak_memory_mb
from experiments.scenarios import resolve_parameters
from model.economy import PHASES, WhooshModel
from model.phases import automation, goods_market, labour_market, talent_choice
from model.state import Month

pytestmark = pytest.mark.benchmark(group="model")

SCALES = {"10k": 1, "100k": 10, "1M": 100}
STEP_TARGET_1M_S = TARGETS["step_s_1m"]
BUILD_TARGET_1M_S = TARGETS["construction_s_1m"]
MEMORY_TARGET_1M_MB = TARGETS["peak_memory_mb_1m"]
LINEARITY_TARGET = TARGETS["linearity_1m_100k"]


def build(scale: float, seed: int = 0) -> WhooshModel:
    return WhooshModel(resolve_parameters("big-whoosh", [f"population.scale={scale}"]), seed=seed)


class Latest:
    """The model a benchmark round built, closed by ``close`` (in the next round's setup and at the end)."""

    def __init__(self, scale: float):
        self.scale = scale
        self.model: WhooshModel | None = None

    def build(self) -> WhooshModel:
        self.model = build(self.scale)
        return self.model

    def close(self) -> None:
        if self.model is not None:
            self.model.close()
            self.model = None


@lru_cache(maxsize=None)
def warm_model(scale: float) -> WhooshModel:
    """A model past its first months (the first steps are not typical), shared by the step benchmarks."""
    model = build(scale)
    for _ in range(3):
        model.step()
    return model


def median_step_seconds(model: WhooshModel, steps: int = 5) -> float:
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@pytest.mark.parametrize("size", list(SCALES))
def test_construction(benchmark, size):
    rounds = 2 if size == "1M" else 3
    latest = Latest(SCALES[size])
    try:
        model = benchmark.pedantic(latest.build, setup=latest.close, rounds=rounds, iterations=1)
        benchmark.extra_info["workers"] = len(model.workers)
        benchmark.extra_info["agents"] = len(model.agents)
    finally:
        latest.close()


@pytest.mark.parametrize("size", list(SCALES))
def test_one_step(benchmark, size):
    model = warm_model(SCALES[size])
    benchmark.extra_info["workers"] = len(model.workers)
    benchmark.pedantic(model.step, rounds=5, iterations=1)
    benchmark.extra_info["worker_steps_per_s"] = len(model.workers) / benchmark.stats.stats.median


@pytest.mark.parametrize("size", list(SCALES))
def test_run_120_steps(benchmark, size):
    def run(model):
        for _ in range(120):
            model.step()

    latest = Latest(SCALES[size])

    def setup():
        latest.close()
        return (latest.build(),), {}

    try:
        benchmark.pedantic(run, setup=setup, rounds=1 if size == "1M" else 3, iterations=1)
    finally:
        latest.close()


# ------------------------------------------------------------------ mechanisms alone (on a 1M-worker model)

def run_phase_alone(benchmark, phase) -> None:
    """Time one phase on a warm 1M-worker model, after the phases before it have filled this month's record."""
    model = warm_model(100)
    month = Month.start(model.month, model.n_j)
    for earlier in PHASES[:PHASES.index(phase)]:
        earlier.run(model.state, month, model.p, model.rng)
    benchmark.pedantic(phase.run, args=(model.state, month, model.p, model.rng), rounds=5, iterations=1)


def test_labour_market_alone(benchmark):
    run_phase_alone(benchmark, labour_market)


def test_goods_market_alone(benchmark):
    run_phase_alone(benchmark, goods_market)


def test_automation_alone(benchmark):
    run_phase_alone(benchmark, automation)


def test_talent_choice_alone(benchmark):
    run_phase_alone(benchmark, talent_choice)


def test_datacollector_collection(benchmark):
    model = warm_model(100)

    def collect():
        model.metrics.compute(model.state, model.last_month)
        model.datacollector.collect(model)

    benchmark.pedantic(collect, rounds=5, iterations=1)


# ------------------------------------------------------------------ targets

def test_target_step_at_1m(benchmark):
    model = warm_model(100)
    assert len(model.agents) > 1_000_000 and all(isinstance(a, mesa.Agent) for a in model.agents)
    seconds = benchmark.pedantic(median_step_seconds, args=(model,), rounds=1, iterations=1)
    benchmark.extra_info.update(step_s=seconds, worker_steps_per_s=len(model.workers) / seconds)
    assert seconds <= STEP_TARGET_1M_S, f"one step at 1M workers took {seconds:.3f} s > {STEP_TARGET_1M_S} s"


def test_target_construction_at_1m(benchmark):
    latest = Latest(100)

    def timed_build():
        start = time.perf_counter()
        latest.build()
        return time.perf_counter() - start

    try:
        seconds = benchmark.pedantic(timed_build, rounds=1, iterations=1)
    finally:
        latest.close()
    assert seconds <= BUILD_TARGET_1M_S, f"construction at 1M workers took {seconds:.1f} s > {BUILD_TARGET_1M_S} s"


def test_target_memory_at_1m(benchmark):
    megabytes = benchmark.pedantic(peak_memory_mb, args=(100,), kwargs={"steps": 5, "scenario": "big-whoosh"},
                                   rounds=1, iterations=1)
    benchmark.extra_info["peak_rss_mb"] = megabytes
    assert megabytes <= MEMORY_TARGET_1M_MB, f"peak memory at 1M workers {megabytes:.0f} MB > {MEMORY_TARGET_1M_MB} MB"


def test_target_linear_scaling(benchmark):
    def ratio():
        return median_step_seconds(warm_model(100)) / median_step_seconds(warm_model(10))

    value = benchmark.pedantic(ratio, rounds=1, iterations=1)
    benchmark.extra_info["step_1m_over_100k"] = value
    assert value <= LINEARITY_TARGET, f"step time at 1M is {value:.1f} x that at 100k > {LINEARITY_TARGET}"
