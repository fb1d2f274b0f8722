"""Per-task overhead of the sweep engine on a 2-worker local pool, with the default batching.

Skipped by ``make test`` (``--benchmark-skip``); ``make bench`` runs it. The spec's runs take ~0.4 s each
(baseline at population.scale 2, 48 months), so the default batch size (about TASK_SECONDS of work, but at
least BATCHES_PER_WORKER tasks per worker) gives batches of a few runs.

Per batch, with a clock shared by every process (CLOCK_MONOTONIC):

- dispatch: from when the batch could start (submitted, and its worker free after its previous batch)
  to when ``run_batch`` starts in the worker (queueing, pickling the spec and rows, process hand-off);
- in-worker: ``run_batch``'s own time minus the runs' ``wall_s`` (spec parsing, per-run parameter
  validation is inside wall_s, so this is mostly the spec cache and the result dicts);
- return: from ``run_batch`` returning in the worker to its result arriving in the engine's process.

overhead = Σ (dispatch + in-worker + return) / Σ wall_s, asserted under 5%. The one-time cost of starting
the pool (spawn + imports) is measured apart, and so is the whole-sweep overhead
(wall × workers − Σ wall_s) / Σ wall_s, which also counts the run-time probe, the tail where one worker
idles, and the main process's Parquet writes competing for the two cores.
"""

from __future__ import annotations

import concurrent.futures
import os
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments import results, sweep
from experiments.results import load
from experiments.sweep import run_sweep
from experiments.sweep_spec import read_spec

pytestmark = pytest.mark.benchmark(group="sweep")

WORKERS = 2
OVERHEAD_TARGET = 0.05

SPEC = """name = "overhead"
description = "per-task overhead of the sweep engine"
scenario = "baseline"
steps = 48
replicates = 4
seed = 31
design = "grid"

[set]
"population.scale" = 2.0

[factors.controls]
keys = ["jurisdictions.US.capital_controls"]
values = [0.0, 0.5]

[factors.home_bias]
keys = ["talent.home_bias"]
values = [1.0, 2.5, 4.0]

[metrics]
summary = ["unemployment", "talent_offshore_share"]
series = ["unemployment"]
"""


def now() -> float:
    """A clock shared by every process on the machine."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def timed_run_batch(spec_json: str, rows: list[dict]) -> tuple[int, float, float, list[dict]]:
    """``run_batch`` in the worker, with its pid, start and end."""
    start = now()
    outcome = sweep.run_batch(spec_json, rows)
    return os.getpid(), start, now(), outcome


def warm_up(seconds: float = 0.5) -> int:
    """Pay a worker's imports, as its first batch would."""
    import model.economy  # noqa: F401

    time.sleep(seconds)
    return os.getpid()


class TimedExecutor(concurrent.futures.Executor):
    """Runs the engine's batches on ``inner`` through ``timed_run_batch`` and records each batch's times."""

    def __init__(self, inner: concurrent.futures.Executor):
        self.inner = inner
        self.batches: list[dict] = []

    def submit(self, fn, *args, **kwargs):
        assert fn is sweep.run_batch and not kwargs
        submitted = now()
        outer: concurrent.futures.Future = concurrent.futures.Future()

        def arrived(inner_future: concurrent.futures.Future) -> None:
            at = now()
            try:
                pid, start, end, outcome = inner_future.result()
            except BaseException as exc:  # noqa: BLE001 - handed on to the engine as it is
                outer.set_exception(exc)
                return
            self.batches.append({"submitted": submitted, "start": start, "end": end, "arrived": at, "pid": pid,
                                 "runs": len(outcome), "work": sum(o["record"]["wall_s"] for o in outcome)})
            outer.set_result(outcome)

        self.inner.submit(timed_run_batch, *args).add_done_callback(arrived)
        return outer

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)


def per_batch_overheads(batches: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(batches).sort_values("start").reset_index(drop=True)
    free = frame.groupby("pid")["end"].shift()                 # the worker's previous batch ended
    ready = pd.concat([frame["submitted"], free], axis=1).max(axis=1)
    frame["dispatch"] = frame["start"] - ready
    frame["in_worker"] = (frame["end"] - frame["start"]) - frame["work"]
    frame["return"] = frame["arrived"] - frame["end"]
    frame["overhead"] = frame["dispatch"] + frame["in_worker"] + frame["return"]
    return frame


def test_sweep_per_task_overhead(benchmark, tmp_path: Path):
    spec_path = tmp_path / "overhead.toml"
    spec_path.write_text(SPEC, encoding="utf-8")
    spec = read_spec(spec_path)
    n_runs = 24
    stores: list[float] = []
    write_batch = results.write_batch

    def timed_write_batch(*args, **kwargs):
        start = time.perf_counter()
        try:
            return write_batch(*args, **kwargs)
        finally:
            stores.append(time.perf_counter() - start)

    # 1. the engine's own pool, started and warmed (imports paid) before the sweep, timed through a wrapper
    started = time.perf_counter()
    pool = sweep.local_executor(WORKERS)
    pids: set[int] = set()
    while len(pids) < WORKERS:
        pids |= {f.result() for f in [pool.submit(warm_up) for _ in range(2 * WORKERS)]}
    pool_start_s = time.perf_counter() - started
    timed = TimedExecutor(pool)
    out = tmp_path / "warm"
    sweep_s: dict[str, float] = {}

    def warm_sweep():
        results.write_batch = timed_write_batch
        try:
            start = time.perf_counter()
            progress = run_sweep(spec, out, workers=WORKERS, executor=timed)   # default batching: probed
            sweep_s["warm"] = time.perf_counter() - start
        finally:
            results.write_batch = write_batch
        return progress

    try:
        progress = benchmark.pedantic(warm_sweep, rounds=1, iterations=1, warmup_rounds=0)
    finally:
        pool.shutdown(wait=True)
    assert (progress.done, progress.failed) == (n_runs, 0)
    frame = per_batch_overheads(timed.batches)
    assert frame["runs"].sum() == n_runs and frame["pid"].nunique() == WORKERS
    work = load(out).runs["wall_s"].sum()
    assert abs(frame["work"].sum() - work) < 1e-9
    per_task = frame["overhead"].sum() / work

    # 2. the same sweep as a user runs it: run_sweep's own (cold) pool, everything included
    start = time.perf_counter()
    cold = run_sweep(spec, tmp_path / "cold", workers=WORKERS)
    cold_s = time.perf_counter() - start
    assert cold.done == n_runs
    cold_work = load(tmp_path / "cold").runs["wall_s"].sum()

    info = {
        "runs": n_runs,
        "workers": WORKERS,
        "batches": len(frame),
        "runs_per_batch": round(n_runs / len(frame), 2),
        "run_s_mean": round(work / n_runs, 4),
        "per_task_overhead_pct": round(100 * per_task, 3),
        "per_task_overhead_ms": round(1e3 * frame["overhead"].mean(), 2),
        "dispatch_ms_mean": round(1e3 * frame["dispatch"].mean(), 2),
        "in_worker_ms_mean": round(1e3 * frame["in_worker"].mean(), 2),
        "return_ms_mean": round(1e3 * frame["return"].mean(), 2),
        "store_ms_mean": round(1e3 * sum(stores) / len(stores), 2),
        "pool_start_s": round(pool_start_s, 3),
        "warm_sweep_s": round(sweep_s["warm"], 3),
        "warm_sweep_overhead_pct": round(100 * (sweep_s["warm"] * WORKERS - work) / work, 2),
        "cold_sweep_s": round(cold_s, 3),
        "cold_sweep_overhead_pct": round(100 * (cold_s * WORKERS - cold_work) / cold_work, 2),
    }
    benchmark.extra_info.update(info)
    print("\nsweep overhead:", ", ".join(f"{k}={v}" for k, v in info.items()))
    print(frame[["pid", "runs", "work", "dispatch", "in_worker", "return", "overhead"]].round(4).to_string())
    assert per_task < OVERHEAD_TARGET, info
