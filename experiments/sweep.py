"""The sweep engine: runs a spec's runs in batches on any ``concurrent.futures.Executor``.

Runs are grouped into batches (tasks) so per-task overhead stays small; each finished batch is
written to the results store at once. Seeds come from the spec's root seed and the run id, so the
results do not depend on the executor, the number of workers or the order runs finish in.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments import results
from experiments.provenance import PACKAGES, git_commit, package_versions
from experiments.sweep_spec import SweepSpec, run_overrides, run_table, spec_base

TASK_SECONDS = 5.0          # aim for tasks of about this much work: per-task overhead is then well under 5%
BATCHES_PER_WORKER = 3      # …but at least this many tasks per worker, so the load balances
MAX_FRUITLESS_RESTARTS = 3  # local pool crashes in a row, with no batch finished, before giving up
CRASH_ATTEMPTS = 2          # a run alone in its batch that crashes its worker this often is recorded as failed
FALLBACK_STEP_SECONDS = 0.01
START_METHOD = "spawn"      # of every worker pool the experiments start (importing mesa changes the default)


class SweepError(Exception):
    """A sweep that cannot start (e.g. a results folder made by another spec); the message is one line."""


@dataclass
class Progress:
    """What the engine reports as batches finish."""

    total: int
    skipped: int = 0
    done: int = 0
    failed: int = 0
    started: float = field(default_factory=time.perf_counter)


# --------------------------------------------------------------------------- one batch (runs in a worker)


@lru_cache(maxsize=4)
def _base(spec_json: str) -> tuple[SweepSpec, dict[str, Any]]:
    spec = SweepSpec.model_validate_json(spec_json)
    return spec, spec_base(spec)


def run_batch(spec_json: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run the given rows of the run table; a run that raises is returned as failed, not raised.

    Returns:
        One ``{"record": …, "series": …}`` per row; ``series`` is a dict of columns or None.
    """
    spec, base = _base(spec_json)
    return [run_one(spec, base, row) for row in rows]


def run_one(spec: SweepSpec, base: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    from experiments.scenarios import merge, nest, validate
    from model.economy import WhooshModel

    started = time.perf_counter()
    record = {key: row[key] for key in ("run_id", "point", "replicate", "seed")}
    record.update({name: row[name] for name in spec.factors})
    series = None
    try:
        params = validate(merge(base, nest(run_overrides(spec, row, base))))
        with WhooshModel(params, seed=int(row["seed"])) as model:
            for _ in range(spec.steps):
                model.step()
            frame = model.metrics_frame()
        record.update(summarize_run(frame, spec.metrics.summary, params.home))
        record.update(status="ok", error="")
        if spec.metrics.series:
            kept = frame[["step", "date", *spec.metrics.series]]
            series = {"run_id": np.full(len(kept), int(row["run_id"])), **{c: kept[c].to_numpy() for c in kept}}
    except Exception as exc:  # noqa: BLE001 - a failed run is data: recorded with its error, the sweep goes on
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" ({Path(last[0].filename).name}:{last[0].lineno})" if last else ""
        record.update(status="failed", error=f"{type(exc).__name__}: {exc}{where}")
    record["wall_s"] = time.perf_counter() - started
    record["finished_at"] = datetime.now(timezone.utc).isoformat()
    return {"record": record, "series": series}


def summarize_run(frame: pd.DataFrame, metrics: Iterable[str], home: str) -> dict[str, Any]:
    """Summary metrics of one run: the headline results plus final, mean and peak of each chosen metric."""
    from model.metrics import headline

    results = headline(frame, home)
    summary = {k: v for k, v in results.items() if not k.endswith("_date")}
    months = pd.PeriodIndex(frame["date"], freq="M")
    half = results["half_outflow_date"]
    summary["half_outflow_month"] = float((pd.Period(half, freq="M") - months[0]).n) if half else float("nan")
    for metric in metrics:
        values = frame[metric].to_numpy(dtype=float)
        summary[f"{metric}_final"] = float(values[-1])
        summary[f"{metric}_mean"] = float(values.mean())
        summary[f"{metric}_peak"] = float(values.max())
    return summary


# --------------------------------------------------------------------------- planning


def pending_runs(spec: SweepSpec, out: Path) -> tuple[pd.DataFrame, int]:
    """Runs not yet recorded as ok in ``out``, and how many were skipped."""
    table = run_table(spec)
    done = results.done_run_ids(out) if out.exists() else set()
    todo = table[~table["run_id"].isin(done)]
    return todo, len(table) - len(todo)


def batch_size(n_runs: int, workers: int, run_seconds: float) -> int:
    """Runs per task: about TASK_SECONDS of work, but enough tasks to keep every worker busy."""
    by_time = max(1, math.ceil(TASK_SECONDS / max(run_seconds, 1e-3)))
    by_balance = max(1, n_runs // max(1, workers * BATCHES_PER_WORKER))
    return max(1, min(by_time, by_balance))


def estimate_run_seconds(spec: SweepSpec, probe_steps: int = 6, tries: int = 5) -> float:
    """Seconds one run of the spec takes here, from a short probe of the first run that builds.

    A run that fails is skipped here (the sweep records it as failed); if none of the first ``tries``
    runs builds, a rough guess from the model's scale is returned.
    """
    from experiments.scenarios import merge, nest, validate
    from model.economy import WhooshModel

    base = spec_base(spec)
    for row in run_table(spec).head(tries).to_dict("records"):
        try:
            params = validate(merge(base, nest(run_overrides(spec, row, base))))
            start = time.perf_counter()
            with WhooshModel(params, seed=0) as model:
                build = time.perf_counter() - start
                start = time.perf_counter()
                for _ in range(probe_steps):
                    model.step()
                stepping = time.perf_counter() - start
        except Exception:  # noqa: BLE001 - the real run will record the error
            continue
        return build + stepping / probe_steps * spec.steps
    return FALLBACK_STEP_SECONDS * spec.steps


# --------------------------------------------------------------------------- the sweep


def manifest_for(spec: SweepSpec) -> dict[str, Any]:
    return {"spec": spec.model_dump(mode="json"), "spec_hash": spec.hash(), "versions": package_versions(PACKAGES),
            "git_commit": git_commit(), "started": datetime.now(timezone.utc).isoformat(), "finished": None}


def check_folder(spec: SweepSpec, out: Path) -> dict[str, Any] | None:
    """The manifest of ``out`` if this very spec made it, None if ``out`` is new or empty.

    Raises:
        SweepError: when ``out`` holds another spec's results or is not a results folder.
    """
    existing = results.read_manifest(out)
    if existing is not None:
        if existing.get("spec_hash") != spec.hash():
            raise SweepError(f"{out} holds results of a different spec (hash {existing.get('spec_hash', '?')[:12]} "
                             f"vs {spec.hash()[:12]}); allowed: the same spec to resume, or a new --out folder")
        return existing
    if out.exists() and any(out.iterdir()):
        raise SweepError(f"{out} exists and is not a sweep results folder; allowed a new or empty --out folder")
    return None


def prepare(spec: SweepSpec, out: Path) -> dict[str, Any]:
    """Create the results folder, or check that an existing one was made by this very spec."""
    existing = check_folder(spec, out)
    if existing is not None:
        return existing
    manifest = manifest_for(spec)
    results.write_manifest(out, manifest)
    return manifest


def local_executor(workers: int) -> Executor:
    """A process pool that starts workers with START_METHOD ('spawn': no inherited threads or state)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(START_METHOD))


def run_sweep(spec: SweepSpec, out: str | Path, *, workers: int = 1, executor: Executor | None = None,
              run_seconds: float | None = None, on_progress: Callable[[Progress], None] | None = None) -> Progress:
    """Run every pending run of ``spec`` into ``out``; returns the final counts.

    Args:
        spec: the validated spec.
        out: results folder (created, or resumed when it holds this spec's results).
        workers: local worker processes; with ``executor``, the number of parallel slots it offers (sets the
            batch size: enough batches to keep every slot busy).
        executor: any ``concurrent.futures.Executor`` (e.g. ``dask.distributed.Client(...).get_executor()``).
        run_seconds: expected seconds per run (sets the batch size); probed when None.
        on_progress: called after every finished batch.
    """
    out = Path(out)
    manifest = prepare(spec, out)
    todo, skipped = pending_runs(spec, out)
    progress = Progress(total=len(todo) + skipped, skipped=skipped)
    if on_progress:
        on_progress(progress)
    if len(todo):
        seconds = run_seconds if run_seconds is not None else estimate_run_seconds(spec)
        size = batch_size(len(todo), workers, seconds)
        rows = todo.to_dict("records")
        batches = [rows[i:i + size] for i in range(0, len(rows), size)]
        spec_json = spec.model_dump_json()
        own = executor is None
        pool = executor or local_executor(workers)
        try:
            pool = _drain(pool, spec_json, batches, out, progress, on_progress,
                          restart=(lambda: local_executor(workers)) if own else None)
        finally:
            if own:
                pool.shutdown(wait=True, cancel_futures=True)
    manifest["finished"] = datetime.now(timezone.utc).isoformat()
    results.write_manifest(out, manifest)
    return progress


def _drain(pool: Executor, spec_json: str, batches: list[list[dict]], out: Path, progress: Progress,
           on_progress: Callable[[Progress], None] | None, restart: Callable[[], Executor] | None) -> Executor:
    """Submit every batch, store each as it finishes; recover from crashes of the local pool.

    A crashed pool (a worker killed: segfault, out of memory) loses every batch in flight, and does not
    say which run killed it. The runs lost become suspects: after the other batches, each is re-run alone
    on a fresh pool, where a crash is attributable. A suspect that crashes CRASH_ATTEMPTS times alone is
    recorded as failed. If no run has ever finished and the pool crashed MAX_FRUITLESS_RESTARTS times in a
    row, the workers cannot run at all and the sweep stops with a SweepError.

    Returns:
        The executor in use at the end (a new one if the local pool had to be restarted).
    """
    queue, suspects, crashes = list(batches), [], {}
    finished_any, fruitless = False, 0
    while queue or suspects:
        alone = not queue
        round_batches = [suspects.pop(0)] if alone else queue
        queue = []
        futures, lost = {}, []
        for batch in round_batches:
            try:
                futures[pool.submit(run_batch, spec_json, batch)] = batch
            except BrokenProcessPool:
                lost.append(batch)
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    if restart is None:
                        raise
                    lost.append(futures[future])
                    continue
                _store(out, outcome, progress)
                finished_any, fruitless = True, 0
                if on_progress:
                    on_progress(progress)
        if not lost:
            continue
        if restart is None:
            raise SweepError("the executor refused the sweep's tasks")
        fruitless += 1
        if not finished_any and fruitless >= MAX_FRUITLESS_RESTARTS:
            raise SweepError(f"worker processes died {fruitless} times in a row without finishing a run; "
                             "check that the model runs (e.g. `whoosh run`) and that the machine has memory")
        if alone:
            row = lost[0][0]
            crashes[row["run_id"]] = crashes.get(row["run_id"], 0) + 1
            if crashes[row["run_id"]] >= CRASH_ATTEMPTS and finished_any:
                _store(out, [crashed(row, spec_json)], progress)
                if on_progress:
                    on_progress(progress)
            else:
                suspects.insert(0, lost[0])
        else:
            suspects.extend([row] for batch in lost for row in batch)
        pool.shutdown(wait=False, cancel_futures=True)
        pool = restart()
    return pool


def crashed(row: dict[str, Any], spec_json: str) -> dict[str, Any]:
    """The failed record of a run whose worker process died under it every time it was tried."""
    spec, _ = _base(spec_json)
    record = {key: row[key] for key in ("run_id", "point", "replicate", "seed")}
    record.update({name: row[name] for name in spec.factors})
    record.update(status="failed", error=f"worker process died while running it ({CRASH_ATTEMPTS} tries): "
                                         "killed, out of memory or a crash in native code", wall_s=float("nan"),
                  finished_at=datetime.now(timezone.utc).isoformat())
    return {"record": record, "series": None}


def _store(out: Path, outcome: list[dict[str, Any]], progress: Progress) -> None:
    records = [o["record"] for o in outcome]
    parts = [pd.DataFrame(o["series"]) for o in outcome if o["series"] is not None]
    results.write_batch(out, records, pd.concat(parts, ignore_index=True) if parts else None)
    progress.done += sum(r["status"] == "ok" for r in records)
    progress.failed += sum(r["status"] != "ok" for r in records)


def default_workers() -> int:
    return max(1, (os.cpu_count() or 1))
