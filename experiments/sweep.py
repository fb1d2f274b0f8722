"""The sweep engine: runs a spec's runs in batches on any ``concurrent.futures.Executor``.

Runs are grouped into batches (tasks) so per-task overhead stays small; each finished batch is
written to the results store at once. Seeds come from the spec's root seed and the run id, so the
results do not depend on the executor, the number of workers or the order runs finish in.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import shutil
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiments import folder_lock, replicates, results
from experiments.folder_lock import LOCK_FILE, FolderLock
from experiments.provenance import PACKAGES, git_commit, package_versions
from experiments.replicates import Precision
from experiments.sweep_spec import SweepSpec, run_overrides, run_table, spec_base, without_unused_features

TASK_SECONDS = 5.0          # aim for tasks of about this much work: per-task overhead is then well under 5%
BATCHES_PER_WORKER = 3      # …but at least this many tasks per worker, so the load balances
MAX_FRUITLESS_RESTARTS = 3  # local pool crashes in a row, with no batch finished, before giving up
CRASH_ATTEMPTS = 2          # a run alone in its batch that crashes its worker this often is recorded as failed
FALLBACK_STEP_SECONDS = 0.01
START_METHOD = "spawn"      # of every worker pool the experiments start (importing mesa changes the default)


class SweepError(Exception):
    """A sweep that cannot start (e.g. a results folder made by another spec); the message is one line."""


class SweepIOError(Exception):
    """Results could not be written while the sweep ran (disk full, folder gone…); the folder stays resumable."""

    def __init__(self, out: Path, error: OSError) -> None:
        reason = error.strerror or type(error).__name__
        super().__init__(f"cannot write results to {out}: {reason}"
                         f"{f' (errno {error.errno})' if error.errno else ''}; the runs recorded so far are kept "
                         "and the folder is resumable: fix the cause and run the same command again")
        self.error = error


@dataclass
class Progress:
    """What the engine reports as batches finish."""

    total: int
    skipped: int = 0
    done: int = 0
    failed: int = 0
    started: float = field(default_factory=time.perf_counter)
    replicates: pd.DataFrame | None = None   # with a precision target: replicates used per design point


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
            probes = [probe_class(name)(model) for name in spec.metrics.probes]
            for _ in range(spec.steps):
                model.step()
                for probe in probes:
                    probe.observe(model)
            frame = model.metrics_frame()
        record.update(summarize_run(frame, spec.metrics.summary, params.home))
        for probe in probes:
            record.update(probe.results(frame))
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


def probe_class(name: str) -> type:
    """The in-run measurement a spec's ``metrics.probes`` names (``observe(model)`` each month, then
    ``results(frame)``: a dict of summary columns)."""
    if name == "allocation":
        from experiments.allocation import AllocationProbe

        return AllocationProbe
    raise ValueError(f"unknown probe {name!r}")


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
    """Runs of the design not yet recorded as ok in ``out`` (damaged parts do not count), and how many are done."""
    table = run_table(spec)
    done = results.done_run_ids(out, spec.hash(), bool(spec.metrics.series), _columns(spec)) if out.is_dir() else set()
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


# --------------------------------------------------------------------------- the results folder


def manifest_for(spec: SweepSpec) -> dict[str, Any]:
    return {"spec": spec.model_dump(mode="json"), "spec_hash": spec.hash(), "versions": package_versions(PACKAGES),
            "git_commit": git_commit(), "started": datetime.now(timezone.utc).isoformat(), "finished": None}


def _columns(spec: SweepSpec) -> dict[str, list[str]]:
    return results.expected_columns(spec.model_dump(mode="json"))


def part_hashes(out: Path) -> set[str]:
    """The spec hashes named by the readable parts of ``out`` (damaged parts are left to the scan)."""
    hashes = set()
    for kind in (results.RUNS, results.SERIES):
        for path in (out / kind).glob("part-*.parquet"):
            try:
                metadata = pq.read_schema(path).metadata or {}
            except (pa.ArrowException, OSError, ValueError):
                continue
            hashes.add(metadata.get(results.SPEC_HASH_KEY, b"").decode("utf-8", "replace"))
    return hashes


def check_folder(spec: SweepSpec, out: Path) -> dict[str, Any] | None:
    """The manifest of ``out`` if this very spec made it, None if ``out`` is new, empty or rebuildable.

    A folder whose manifest is missing or damaged is rebuildable when every readable part in it was
    written by this spec (the lock holder then writes a fresh manifest). Reads only.

    Raises:
        SweepError: when ``out`` holds another spec's results or is not a results folder.
    """
    if out.exists() and not out.is_dir():
        raise SweepError(f"--out: {out} is a file; allowed a directory path")
    for name in (results.RUNS, results.SERIES, results.DAMAGED):
        if (out / name).exists() and not (out / name).is_dir():
            raise SweepError(f"--out: {out / name} is not a directory; allowed a results folder whose {name} "
                             "is a directory (move that file away)")
    if (out / LOCK_FILE).is_dir():
        raise SweepError(f"--out: {out / LOCK_FILE} is a directory; allowed a results folder whose {LOCK_FILE} "
                         "is a file (remove it)")
    try:
        existing = results.read_manifest(out)
    except results.DamagedManifest as exc:
        if part_hashes(out) - {spec.hash()}:
            raise SweepError(f"{exc}, and parts in it were written by another spec; allowed: another --out folder") from None
        return None
    if existing is not None:
        if existing.get("spec_hash") != spec.hash():
            raise SweepError(f"{out} holds results of a different spec (hash {existing['spec_hash'][:12]} "
                             f"vs {spec.hash()[:12]}); allowed: the same spec to resume, or a new --out folder")
        return existing
    if out.is_dir():
        contents = {p.name for p in out.iterdir()} - {LOCK_FILE}
        if contents and not (contents <= {results.RUNS, results.SERIES, results.DAMAGED}
                             and part_hashes(out) == {spec.hash()}):
            raise SweepError(f"{out} exists and is not a sweep results folder of this spec; "
                             "allowed a new or empty --out folder")
    return None


@dataclass
class SweepFolder:
    """A results folder opened for writing: its lock is held until ``close``."""

    out: Path
    spec: SweepSpec
    manifest: dict[str, Any]
    lock: FolderLock
    notes: list[str]

    def close(self) -> None:
        self.lock.release()

    def __enter__(self) -> SweepFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_folder(spec: SweepSpec, out: str | Path) -> SweepFolder:
    """Lock ``out``, check that it is new or this spec's, and repair what an interruption left behind.

    Repairs: a damaged or missing manifest is rebuilt when every part was written by this spec; damaged
    parts move into ``damaged/`` (their runs rerun); orphan series parts and temporary files are removed.

    Raises:
        SweepError: ``out`` is another spec's folder, not a results folder, or locked by a live sweep.
        OSError: ``out`` cannot be created or written (read-only, under a file, disk full…); nothing is
            left behind that was not there before.
    """
    out = Path(out)
    created = not out.exists()
    check_folder(spec, out)
    try:
        lock = folder_lock.acquire(out)
    except folder_lock.LockHeld as exc:
        raise SweepError(str(exc)) from None
    except OSError:
        _remove_if_created(out, created)
        raise
    notes = []
    if lock.taken_over:
        notes.append(f"took over the lock of a sweep that is gone ({folder_lock.describe(lock.taken_over)})")
    try:
        manifest = _manifest(spec, out, notes)
        notes += results.repair(out, results.scan(out, spec.hash(), bool(spec.metrics.series), _columns(spec)))
    except BaseException:
        lock.release()
        _remove_if_created(out, created)
        raise
    return SweepFolder(out, spec, manifest, lock, notes)


def _manifest(spec: SweepSpec, out: Path, notes: list[str]) -> dict[str, Any]:
    """The folder's manifest, written fresh for a new folder or rebuilt when damaged (the lock is held)."""
    existing = check_folder(spec, out)
    if existing is not None and without_unused_features(existing["spec"]) != without_unused_features(
            spec.model_dump(mode="json")):
        existing = None                          # the hash matches but the spec written beside it does not
    if existing is not None:
        if existing.get("finished") is not None:
            existing["finished"] = None          # until this sweep finishes: a reader then sees it incomplete
            results.write_manifest(out, existing)
        return existing
    manifest_path = out / results.MANIFEST
    if manifest_path.exists():
        (out / results.DAMAGED).mkdir(exist_ok=True)
        aside = out / results.DAMAGED / f"manifest-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}.json"
        os.replace(manifest_path, aside)
        notes.append(f"{manifest_path.name} was damaged: moved to {results.DAMAGED}/{aside.name} and rebuilt "
                     "from the spec (every part in the folder was written by it)")
    elif any((out / kind).exists() for kind in (results.RUNS, results.SERIES)):
        notes.append(f"{manifest_path.name} was missing: rebuilt from the spec (every part in the folder was written by it)")
    manifest = manifest_for(spec)
    results.write_manifest(out, manifest)
    return manifest


def _remove_if_created(out: Path, created: bool) -> None:
    """Remove a folder this sweep created when it has to stop before writing results into it."""
    if created and out.is_dir():
        shutil.rmtree(out, ignore_errors=True)


def prepare(spec: SweepSpec, out: Path) -> dict[str, Any]:
    """Create the results folder, or check that an existing one was made by this very spec (takes and drops the lock)."""
    with open_folder(spec, out) as folder:
        return folder.manifest


def local_executor(workers: int) -> Executor:
    """A process pool that starts workers with START_METHOD ('spawn': no inherited threads or state).

    Each worker exits when the sweep's process is gone (killed, say), instead of running on orphaned.
    """
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(START_METHOD),
                               initializer=exit_with_parent, initargs=(os.getpid(),))


def exit_with_parent(parent: int, every_s: float = 1.0) -> None:
    """Start a daemon thread that ends this worker process once ``parent`` is no longer its parent."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every_s)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


# --------------------------------------------------------------------------- the sweep


def run_sweep(spec: SweepSpec, out: str | Path, *, workers: int = 1, executor: Executor | None = None,
              run_seconds: float | None = None, on_progress: Callable[[Progress], None] | None = None,
              on_note: Callable[[str], None] | None = None, precision: Precision | None = None,
              folder: SweepFolder | None = None) -> Progress:
    """Run every pending run of ``spec`` into ``out``; returns the final counts.

    Args:
        spec: the validated spec.
        out: results folder (created, or resumed when it holds this spec's results).
        workers: local worker processes; with ``executor``, the number of parallel slots it offers (sets the
            batch size: enough batches to keep every slot busy).
        executor: any ``concurrent.futures.Executor`` (e.g. ``dask.distributed.Client(...).get_executor()``).
        run_seconds: expected seconds per run (sets the batch size); probed when None.
        on_progress: called after every finished batch.
        on_note: called with one line for each repair made when the folder was opened.
        precision: add replicates per design point until this target is met (see ``experiments.replicates``).
        folder: the folder already opened with ``open_folder`` (its lock is then released by the caller).

    Raises:
        SweepError: the folder cannot be used (another spec's, locked), or the workers cannot run at all.
        SweepIOError: results could not be written while running (e.g. disk full); the folder stays resumable.
    """
    out = Path(out)
    own_folder = folder is None
    folder = folder or open_folder(spec, out)
    try:
        for note in folder.notes:
            if on_note:
                on_note(note)
        return _run(spec, out, folder.manifest, workers, executor, run_seconds, on_progress, precision)
    finally:
        if own_folder:
            folder.close()


def _run(spec: SweepSpec, out: Path, manifest: dict[str, Any], workers: int, executor: Executor | None,
         run_seconds: float | None, on_progress: Callable[[Progress], None] | None,
         precision: Precision | None) -> Progress:
    table = run_table(spec)
    has_series = bool(spec.metrics.series)
    records = results.run_records(out, spec.hash(), has_series, _columns(spec))
    done_before = set(records.loc[records["status"] == "ok", "run_id"].astype(int))
    progress = Progress(total=0)
    spec_json = spec.model_dump_json()
    own = executor is None
    pool = None
    retried: set[int] = set()
    try:
        while True:
            if precision is None:
                todo = table[~table["run_id"].isin(done_before)]
                required = set(table["run_id"])
            else:
                step = replicates.plan(spec, table, records, precision, retried)
                todo, required = step.pending, step.required
            progress.total = len(required)
            progress.skipped = len(required & done_before)
            if on_progress:
                on_progress(progress)
            if todo.empty:
                break
            if pool is None:
                seconds = run_seconds if run_seconds is not None else estimate_run_seconds(spec)
                pool = executor or local_executor(workers)
            size = batch_size(len(todo), workers, seconds)
            rows = todo.to_dict("records")
            batches = [rows[i:i + size] for i in range(0, len(rows), size)]
            pool = _drain(pool, spec_json, batches, out, progress, on_progress,
                          restart=(lambda: local_executor(workers)) if own else None, spec_hash=spec.hash())
            if precision is None:
                break
            retried |= set(todo["run_id"].astype(int))
            records = results.run_records(out, spec.hash(), has_series, _columns(spec))
    finally:
        if own and pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if precision is not None:
        progress.replicates = replicates.plan(spec, table, records, precision, retried).points
        _write_replicates(out, progress.replicates, precision)
    manifest["finished"] = datetime.now(timezone.utc).isoformat()
    if precision is not None:
        manifest["precision"] = asdict(precision)
    _write(lambda: results.write_manifest(out, manifest), out)
    return progress


def _write_replicates(out: Path, points: pd.DataFrame, precision: Precision) -> None:
    """``replicates.csv``: replicates used, mean and half-width per design point."""
    path = out / f"replicates-{precision.metric}.csv"
    _write(lambda: results.write_atomic(path, lambda p: points.to_csv(p, index=False)), out)


def _write(write: Callable[[], None], out: Path) -> None:
    try:
        write()
    except OSError as exc:
        raise SweepIOError(out, exc) from None


def _drain(pool: Executor, spec_json: str, batches: list[list[dict]], out: Path, progress: Progress,
           on_progress: Callable[[Progress], None] | None, restart: Callable[[], Executor] | None,
           spec_hash: str) -> Executor:
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
                _store(out, outcome, progress, spec_hash)
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
                _store(out, [crashed(row, spec_json)], progress, spec_hash)
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


def _store(out: Path, outcome: list[dict[str, Any]], progress: Progress, spec_hash: str) -> None:
    records = [o["record"] for o in outcome]
    parts = [pd.DataFrame(o["series"]) for o in outcome if o["series"] is not None]
    _write(lambda: results.write_batch(out, records, pd.concat(parts, ignore_index=True) if parts else None,
                                       spec_hash), out)
    progress.done += sum(r["status"] == "ok" for r in records)
    progress.failed += sum(r["status"] != "ok" for r in records)


def default_workers() -> int:
    return max(1, (os.cpu_count() or 1))
