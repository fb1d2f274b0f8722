"""The sweep engine: results independent of the executor, resume after a hard kill, failed runs recorded
and retried, a results folder tied to its spec, spec validation through the CLI, Dask workers dying.

Tiny specs (baseline at population.scale 0.05, a few steps) unless a test needs runs long enough to be
interrupted; the whole file takes about 80 s on two cores.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments import results, sweep
from experiments.cli import app
from experiments.results import done_run_ids, load
from experiments.scenarios import ParameterError
from experiments.sweep import run_sweep
from experiments.sweep_spec import read_spec, run_seed, run_table

WHOOSH = Path(sys.executable).parent / "whoosh"
VOLATILE = ["wall_s", "finished_at"]   # the only columns allowed to differ between two runs of a spec

GRID_2X2 = """
[factors.controls]
keys = ["jurisdictions.US.capital_controls"]
values = [0.0, 0.5]

[factors.home_bias]
keys = ["talent.home_bias"]
values = [1.0, 3.0]
"""

# Two factors each valid alone (check_spec probes one factor at a time), but at the design point where
# both are 0.0 every jurisdiction's talent share is zero, which Parameters rejects: that run fails for
# real, in any process, without patching anything.
ZERO_TALENT = """
[factors.big_three]
keys = ["jurisdictions.US.talent_share", "jurisdictions.China.talent_share", "jurisdictions.EU.talent_share"]
values = [{a}, {b}]

[factors.havens]
keys = ["jurisdictions.Singapore.talent_share", "jurisdictions.UAE.talent_share",
        "jurisdictions.Switzerland.talent_share"]
values = [{c}, {d}]
"""


def spec_toml(*, name: str = "tiny", description: str = "tiny sweep for the engine tests", steps: int = 8,
              replicates: int = 2, seed: int = 123, scale: float = 0.05, factors: str = GRID_2X2,
              metrics: str = '[metrics]\nsummary = ["unemployment", "talent_offshore_share"]\nseries = ["unemployment"]\n',
              top: str = "") -> str:
    return (f'{top}name = "{name}"\ndescription = "{description}"\nscenario = "baseline"\nsteps = {steps}\n'
            f'replicates = {replicates}\nseed = {seed}\ndesign = "grid"\n\n[set]\n"population.scale" = {scale}\n'
            f"{factors}\n{metrics}")


def write_spec(path: Path, **kwargs) -> Path:
    path.write_text(spec_toml(**kwargs), encoding="utf-8")
    return path


def stable(res: results.Results) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs (minus timing columns) and series frames of a results folder, in run order."""
    runs = res.runs.drop(columns=VOLATILE).sort_values("run_id").reset_index(drop=True)
    series = res.series.sort_values(["run_id", "step"]).reset_index(drop=True)
    return runs, series


def assert_same_results(a: str | Path, b: str | Path) -> None:
    runs_a, series_a = stable(load(a))
    runs_b, series_b = stable(load(b))
    pd.testing.assert_frame_equal(runs_a, runs_b, check_exact=True)
    pd.testing.assert_frame_equal(series_a, series_b, check_exact=True)


def raw_run_records(out: Path) -> pd.DataFrame:
    """Every record of every committed runs part, duplicates kept."""
    parts = sorted((out / "runs").glob("part-*.parquet"))
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)


def folder_state(out: Path) -> dict[str, bytes]:
    """Every file under ``out`` with its content, to check nothing was written."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def assert_complete_exactly_once(out: Path, spec) -> None:
    """Every run of the spec committed exactly once (in the raw parts, not only after load's dedup), all ok."""
    expected = set(run_table(spec)["run_id"])
    runs = load(out).runs
    assert sorted(runs["run_id"]) == sorted(expected)
    assert (runs["status"] == "ok").all(), runs.loc[runs["status"] != "ok", ["run_id", "error"]]
    raw = raw_run_records(out)
    counts = raw["run_id"].value_counts()
    assert (counts == 1).all(), counts[counts > 1]
    assert load(out).manifest["finished"] is not None


def restore_environ(saved: dict[str, str]) -> None:
    """Put ``os.environ`` back as it was (a Dask Nanny leaves its workers' variables in its parent's
    environment: MALLOC_TRIM_THRESHOLD_=65536 makes every process spawned afterwards run the model
    ~1.8x slower; OMP_NUM_THREADS=1, PYTHONHASHSEED…)."""
    for key in set(os.environ) - set(saved):
        del os.environ[key]
    os.environ.update(saved)


@pytest.fixture
def dask_cluster():
    distributed = pytest.importorskip("dask.distributed")
    saved = dict(os.environ)
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                      silence_logs=50) as cluster, distributed.Client(cluster) as client:
            client.wait_for_workers(2, timeout=60)
            restore_environ(saved)
            yield client
    finally:
        restore_environ(saved)


# --------------------------------------------------------------------------- 1. executor independence


def test_results_do_not_depend_on_the_executor(tmp_path, dask_cluster):
    spec = read_spec(write_spec(tmp_path / "tiny.toml"))
    one, two, dask = tmp_path / "one", tmp_path / "two", tmp_path / "dask"
    for out, kwargs in ((one, {"workers": 1}), (two, {"workers": 2}),
                        (dask, {"executor": dask_cluster.get_executor(), "run_seconds": 0.05})):
        progress = run_sweep(spec, out, **kwargs)
        assert (progress.total, progress.done, progress.failed, progress.skipped) == (8, 8, 0, 0)
    assert_same_results(one, two)
    assert_same_results(one, dask)
    runs = load(one).runs
    assert len(runs) == 8 and (runs["status"] == "ok").all()
    assert list(runs["seed"]) == [run_seed(spec.seed, i) for i in runs["run_id"]]
    assert runs["seed"].nunique() == 8
    assert set(load(one).series["run_id"]) == set(range(8)) and len(load(one).series) == 8 * spec.steps


# --------------------------------------------------------------------------- 2. resume after SIGKILL


def test_resume_after_sigkill_of_the_whole_process_group(tmp_path):
    # 32 runs of about a second: the first batch commits long before the last
    spec_path = write_spec(tmp_path / "big.toml", name="big", steps=24, scale=1.0, replicates=8)
    spec = read_spec(spec_path)
    total = len(run_table(spec))
    out = tmp_path / "killed"
    command = [str(WHOOSH), "sweep", str(spec_path), "--out", str(out), "--workers", "2"]
    with open(tmp_path / "first.log", "wb") as log:
        proc = subprocess.Popen(command, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 90
            while not list((out / "runs").glob("part-*.parquet")):
                assert proc.poll() is None, (tmp_path / "first.log").read_text()
                assert time.monotonic() < deadline, "no batch committed in 90 s"
                time.sleep(0.02)
            assert proc.poll() is None, "the sweep finished before it could be killed; make the spec bigger"
            os.killpg(proc.pid, signal.SIGKILL)   # the CLI and its pool workers (same process group)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    done = done_run_ids(out)
    assert 0 < len(done) < total, f"{len(done)} of {total} runs done at the kill"
    assert results.read_manifest(out)["finished"] is None

    resumed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert_complete_exactly_once(out, spec)   # runs done before the kill were skipped, the rest run once

    reference = tmp_path / "reference"
    run_sweep(spec, reference, workers=2)
    assert_same_results(out, reference)


def test_local_pool_worker_killed_mid_sweep_is_replaced_and_lost_batches_rerun(tmp_path):
    """``_drain`` restarts a broken local pool and resubmits only the batches lost with it."""
    spec = read_spec(write_spec(tmp_path / "mid.toml", name="mid", steps=24, scale=0.5, replicates=3))
    killed: list[int] = []

    def kill_one_worker(progress) -> None:
        if not killed and progress.done >= 1:
            children = multiprocessing.active_children()
            workers = [c for c in children if "resource_tracker" not in (c.name or "")]
            assert workers
            os.kill(workers[0].pid, signal.SIGKILL)
            killed.append(workers[0].pid)

    out = tmp_path / "out"
    progress = run_sweep(spec, out, workers=2, run_seconds=10.0, on_progress=kill_one_worker)
    assert killed
    assert (progress.done, progress.failed) == (12, 0)
    assert_complete_exactly_once(out, spec)
    reference = tmp_path / "reference"
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        run_sweep(spec, reference, executor=pool, run_seconds=10.0)
    assert_same_results(out, reference)


# --------------------------------------------------------------------------- 3. failures


def test_a_failed_run_is_recorded_and_retried_on_resume(tmp_path, monkeypatch):
    from model.economy import WhooshModel

    spec = read_spec(write_spec(tmp_path / "tiny.toml", replicates=3))
    victim = 7
    bad_seed = run_seed(spec.seed, victim)
    original_step = WhooshModel.step

    def step(self):
        if self._seed == bad_seed and self.steps >= 3:
            raise RuntimeError(f"injected failure for seed {bad_seed}")
        return original_step(self)

    monkeypatch.setattr(WhooshModel, "step", step)
    out = tmp_path / "out"
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        progress = run_sweep(spec, out, executor=pool, run_seconds=0.05)
    assert (progress.total, progress.done, progress.failed, progress.skipped) == (12, 11, 1, 0)
    runs = load(out).runs.set_index("run_id")
    assert runs.loc[victim, "status"] == "failed"
    assert "RuntimeError" in runs.loc[victim, "error"]
    assert f"injected failure for seed {bad_seed}" in runs.loc[victim, "error"]
    assert (runs.drop(index=victim)["status"] == "ok").all()
    assert (runs.drop(index=victim)["error"] == "").all()
    assert runs.loc[victim, "seed"] == bad_seed
    assert victim not in set(load(out).series["run_id"])
    assert done_run_ids(out) == set(range(12)) - {victim}

    monkeypatch.setattr(WhooshModel, "step", original_step)
    parts_before = set((out / "runs").glob("part-*.parquet"))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        again = run_sweep(spec, out, executor=pool, run_seconds=0.05)
    assert (again.total, again.skipped, again.done, again.failed) == (12, 11, 1, 0)
    new_parts = set((out / "runs").glob("part-*.parquet")) - parts_before
    assert [list(pd.read_parquet(p)["run_id"]) for p in new_parts] == [[victim]]
    runs = load(out).runs
    assert sorted(runs["run_id"]) == list(range(12)) and (runs["status"] == "ok").all()
    assert len(load(out).series) == 12 * spec.steps

    # …and the retried run is the run an untroubled sweep makes
    reference = tmp_path / "reference"
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        run_sweep(spec, reference, executor=pool, run_seconds=0.05)
    assert_same_results(out, reference)


def test_cli_exits_1_when_a_run_fails(tmp_path):
    # the failing point (0.0, 0.0) is the last of four, run id 3
    spec_path = write_spec(tmp_path / "zero.toml", name="zero", steps=6, replicates=1,
                           factors=ZERO_TALENT.format(a=0.3, b=0.0, c=0.05, d=0.0))
    out = tmp_path / "out"
    result = subprocess.run([str(WHOOSH), "sweep", str(spec_path), "--out", str(out), "--workers", "1"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "1 run(s) failed" in result.stderr
    assert "Traceback" not in result.stderr
    runs = load(out).runs.set_index("run_id")
    assert list(runs["status"]) == ["ok", "ok", "ok", "failed"]
    assert runs.loc[3, "error"].startswith("ParameterError: ")
    assert "talent_share must not all be zero" in runs.loc[3, "error"]
    # resuming retries the failure (and fails again: it is in the spec, not in the machine)
    again = subprocess.run([str(WHOOSH), "sweep", str(spec_path), "--out", str(out), "--workers", "1"],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 1, again.stderr
    assert len(raw_run_records(out)) == 5


def test_cli_exits_1_when_a_run_fails_in_process(tmp_path, monkeypatch):
    """The same through CliRunner with an injected failure (the local pool swapped for threads)."""
    from model.economy import WhooshModel

    spec_path = write_spec(tmp_path / "tiny.toml")
    bad_seed = run_seed(123, 2)
    original_init = WhooshModel.__init__

    def init(self, parameters=None, seed=None):
        if seed == bad_seed:
            raise ValueError("constructor refused this seed")
        original_init(self, parameters, seed=seed)

    monkeypatch.setattr(WhooshModel, "__init__", init)
    monkeypatch.setattr(sweep, "local_executor", lambda workers: concurrent.futures.ThreadPoolExecutor(workers))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["sweep", str(spec_path), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 1, result.output
    assert "1 run(s) failed" in result.stderr
    runs = load(out).runs.set_index("run_id")
    assert runs.loc[2, "status"] == "failed"
    assert runs.loc[2, "error"].startswith("ValueError: constructor refused this seed")
    assert (runs.drop(index=2)["status"] == "ok").all()


def test_a_failing_first_run_is_recorded_not_raised(tmp_path):
    # the failing point (0.0, 0.0) is the first of four, run id 0
    spec = read_spec(write_spec(tmp_path / "zero.toml", name="zero", steps=6, replicates=1,
                                factors=ZERO_TALENT.format(a=0.0, b=0.3, c=0.0, d=0.05)))
    out = tmp_path / "out"
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        progress = run_sweep(spec, out, executor=pool)   # run_seconds=None: the default, as in the CLI
    assert (progress.done, progress.failed) == (3, 1)
    assert list(load(out).runs["status"]) == ["failed", "ok", "ok", "ok"]


def _poison_worker(bad_seed: int) -> None:
    """Pool initializer: in this worker process, building the model of ``bad_seed`` kills the process
    (as a segfault or the OOM killer would)."""
    from model.economy import WhooshModel

    original_init = WhooshModel.__init__

    def init(self, parameters=None, seed=None):
        if seed == bad_seed:
            os._exit(70)
        original_init(self, parameters, seed=seed)

    WhooshModel.__init__ = init


def _poisoned_pools(monkeypatch, bad_seed: int) -> list[concurrent.futures.Executor]:
    """Make the engine's local pools real spawn process pools whose workers die on the run of ``bad_seed``."""
    pools: list[concurrent.futures.Executor] = []

    def local_executor(workers):
        assert len(pools) <= sweep.MAX_FRUITLESS_RESTARTS + 12, "restarting the pool without end"
        pools.append(concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_poison_worker, initargs=(bad_seed,)))
        return pools[-1]

    monkeypatch.setattr(sweep, "local_executor", local_executor)
    return pools


def _die_at_start() -> None:
    """Pool initializer: the worker process dies before it can run anything."""
    os.kill(os.getpid(), signal.SIGKILL)


def test_workers_that_always_die_stop_the_sweep_after_bounded_restarts(tmp_path, monkeypatch):
    """When no worker ever survives (broken environment), the engine restarts the pool a bounded number of
    times, then stops with a SweepError; nothing is committed and the folder stays resumable."""
    spec = read_spec(write_spec(tmp_path / "tiny.toml"))
    pools: list[concurrent.futures.Executor] = []

    def local_executor(workers):
        assert len(pools) <= 20, "restarting the pool without end"
        pools.append(concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_die_at_start))
        return pools[-1]

    monkeypatch.setattr(sweep, "local_executor", local_executor)
    out = tmp_path / "out"
    with pytest.raises(sweep.SweepError, match="died .* times in a row"):
        run_sweep(spec, out, workers=2, run_seconds=0.05)
    assert done_run_ids(out) == set()
    assert results.read_manifest(out)["finished"] is None


def test_a_run_that_kills_its_worker_is_recorded_failed_and_the_rest_complete(tmp_path, monkeypatch):
    spec = read_spec(write_spec(tmp_path / "tiny.toml", replicates=3))
    poison = 5
    _poisoned_pools(monkeypatch, run_seed(spec.seed, poison))
    assert sweep.batch_size(12, 2, 0.05) == 2            # batches [0, 1], …, [4, 5], …
    out = tmp_path / "out"
    progress = run_sweep(spec, out, workers=2, run_seconds=0.05)
    assert (progress.done, progress.failed) == (11, 1)
    runs = load(out).runs.set_index("run_id")
    assert runs.loc[poison, "status"] == "failed"
    assert (runs.drop(index=poison)["status"] == "ok").all()


class _CrashingPool(concurrent.futures.ThreadPoolExecutor):
    """A stand-in for a local process pool in which one run kills its worker: every batch holding that run
    comes back as ``BrokenProcessPool``."""

    def __init__(self, poison: int):
        super().__init__(1)
        self.poison = poison

    def submit(self, fn, *args, **kwargs):
        spec_json, rows = args
        if any(row["run_id"] == self.poison for row in rows):
            future: concurrent.futures.Future = concurrent.futures.Future()
            future.set_exception(concurrent.futures.process.BrokenProcessPool("a worker died abruptly"))
            return future
        return super().submit(fn, *args, **kwargs)


def test_cli_isolates_a_run_that_crashes_its_pool_and_exits_1(tmp_path, monkeypatch):
    pools: list[_CrashingPool] = []

    def local_executor(workers):
        pools.append(_CrashingPool(poison=5))
        return pools[-1]

    monkeypatch.setattr(sweep, "local_executor", local_executor)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["sweep", str(write_spec(tmp_path / "tiny.toml")), "--out", str(out),
                                      "--workers", "1"])
    assert result.exit_code == 1, result.output
    assert "1 run(s) failed" in result.stderr and "Traceback" not in result.output
    runs = load(out).runs.set_index("run_id")
    assert runs.loc[5, "status"] == "failed" and runs.loc[5, "error"].startswith("worker process died")
    assert (runs.drop(index=5)["status"] == "ok").all()
    assert len(pools) <= 2 + sweep.CRASH_ATTEMPTS          # the first pool, one crash round, the poison's retries


# --------------------------------------------------------------------------- 4. a folder belongs to its spec


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    """The results of the default tiny spec, made once for the tests that only need a finished folder."""
    root = tmp_path_factory.mktemp("tiny")
    spec = read_spec(write_spec(root / "tiny.toml"))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        run_sweep(spec, root / "out", executor=pool, run_seconds=0.05)
    return root / "out"


@pytest.mark.parametrize("change", [
    {"description": "tiny sweep, reworded"},
    {"steps": 9},
    {"factors": GRID_2X2.replace("[1.0, 3.0]", "[1.0, 4.0]")},
    {"seed": 124},
])
def test_a_changed_spec_is_refused_on_an_old_folder(tmp_path, change, tiny_folder):
    out = tmp_path / "out"
    shutil.copytree(tiny_folder, out)
    spec = read_spec(write_spec(tmp_path / "tiny.toml"))
    assert results.read_manifest(out)["spec_hash"] == spec.hash()
    before = folder_state(out)
    changed = write_spec(tmp_path / "tiny.toml", **change)
    assert read_spec(changed).hash() != spec.hash()
    result = CliRunner().invoke(app, ["sweep", str(changed), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "different spec" in lines[0] and str(out) in lines[0]
    assert result.stdout == ""
    assert folder_state(out) == before


def test_a_changed_spec_is_refused_by_the_cli_process(tmp_path):
    out = tmp_path / "out"
    path = write_spec(tmp_path / "tiny.toml")
    first = subprocess.run([str(WHOOSH), "sweep", str(path), "--out", str(out), "--workers", "1"],
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    before = folder_state(out)
    write_spec(path, description="another question")
    second = subprocess.run([str(WHOOSH), "sweep", str(path), "--out", str(out), "--workers", "1"],
                            capture_output=True, text=True, timeout=120)
    assert second.returncode == 2
    assert len(second.stderr.splitlines()) == 1 and second.stderr.startswith("error: ")
    assert "different spec" in second.stderr
    assert folder_state(out) == before


def test_the_same_spec_resumes_with_nothing_to_do(tmp_path):
    out = tmp_path / "out"
    spec = read_spec(write_spec(tmp_path / "tiny.toml"))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        run_sweep(spec, out, executor=pool, run_seconds=0.05)
        parts = folder_state(out / "runs")
        again = run_sweep(spec, out, executor=pool, run_seconds=0.05)
    assert (again.total, again.skipped, again.done, again.failed) == (8, 8, 0, 0)
    assert folder_state(out / "runs") == parts


def test_dry_run_on_a_folder_of_another_spec_is_refused(tmp_path):
    out = tmp_path / "out"
    spec = read_spec(write_spec(tmp_path / "tiny.toml"))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        run_sweep(spec, out, executor=pool, run_seconds=0.05)
    changed = write_spec(tmp_path / "tiny.toml", description="another question")
    result = CliRunner().invoke(app, ["sweep", str(changed), "--out", str(out), "--dry-run"])
    assert result.exit_code == 2 and "different spec" in result.stderr


# --------------------------------------------------------------------------- 5. spec validation via the CLI


FACTOR = '[factors.controls]\nkeys = ["jurisdictions.US.capital_controls"]\n'
BAD_SPECS = {
    "malformed TOML": (spec_toml().replace("[factors.controls]", "[factors.controls"), ["malformed TOML", "line"]),
    "unknown top-level key": (spec_toml(top='colour = "blue"\n'),
                              ["colour: unknown key", "allowed keys: name, description"]),
    "unknown set key": (spec_toml(scale=0.05).replace('"population.scale" = 0.05', '"population.scael" = 0.05'),
                        ["set:", "population.scael: unknown parameter"]),
    "factor key not a parameter": (spec_toml(factors='[factors.hb]\nkeys = ["talent.home_biass"]\nvalues = [1.0, 2.0]\n'),
                                   ["factors.hb", "talent.home_biass: unknown parameter", "home_bias"]),
    "grid value out of range": (spec_toml(factors=FACTOR + "values = [0.0, 1.5]\n"),
                                ["factors.controls", "jurisdictions.US.capital_controls: value 1.5 is out of range",
                                 "allowed 0.0 to 1.0"]),
    "sobol samples not a power of 2": (spec_toml(factors=FACTOR + "min = 0.0\nmax = 1.0\n")
                                       .replace('design = "grid"', 'design = "sobol"\nsamples = 12'),
                                       ["samples: value 12 is not a power of 2"]),
    "grid factor with min/max": (spec_toml(factors=FACTOR + "min = 0.0\nmax = 1.0\n"),
                                 ["factors.controls: a grid design needs values"]),
    "both values and min/max": (spec_toml(factors=FACTOR + "values = [0.0]\nmin = 0.0\nmax = 1.0\n"),
                                ["factors.controls", "not both"]),
    "unknown metric": (spec_toml(metrics='[metrics]\nsummary = ["unemployment", "happiness"]\n'),
                       ["metrics: 'happiness' is not a model metric"]),
    "unknown series metric": (spec_toml(metrics='[metrics]\nseries = ["happiness"]\n'),
                              ["metrics: 'happiness' is not a model metric"]),
    "missing description": ("\n".join(l for l in spec_toml().splitlines() if not l.startswith("description")),
                            ["description", "missing"]),
    "no factors": (spec_toml(factors=""), ["factors"]),
    "steps out of range": (spec_toml(steps=0), ["steps: value 0 is invalid"]),
    "unknown design": (spec_toml().replace('design = "grid"', 'design = "random"'), ["design", '"random"']),
    "bad lever month": (spec_toml(factors=FACTOR + 'values = [0.5]\nat = "2027-13"\n'), ["at", "2027-13"]),
}


def assert_one_error_line(result, fragments) -> None:
    lines = result.stderr.splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("case", list(BAD_SPECS))
def test_a_bad_spec_is_one_error_line_status_2_and_no_output(tmp_path, case):
    text, fragments = BAD_SPECS[case]
    path = tmp_path / "spec.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["sweep", str(path), "--out", str(out), "--workers", "1"])
    assert_one_error_line(result, ["sweep spec spec.toml: ", *fragments])
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]
    with pytest.raises(ParameterError):
        read_spec(path)


def test_an_unknown_spec_name_is_one_error_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["sweep", "no-such-sweep", "--workers", "1"])
    assert_one_error_line(result, ["sweep spec 'no-such-sweep' not found", "talent-flight"])
    assert list(tmp_path.iterdir()) == []


def test_a_bad_spec_through_the_real_cli_process(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text(spec_toml(factors=FACTOR + "values = [0.0, 1.5]\n"), encoding="utf-8")
    result = subprocess.run([str(WHOOSH), "sweep", str(path), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert "value 1.5 is out of range" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- 6. a Dask worker dies


def test_a_dask_worker_killed_mid_sweep_costs_only_time(tmp_path, dask_cluster):
    client = dask_cluster
    # 20 runs of ~0.2 s; run_seconds=10 makes every batch a single run
    spec = read_spec(write_spec(tmp_path / "dask.toml", name="dask", steps=30, scale=1.5, replicates=5))
    assert sweep.batch_size(20, 2, 10.0) == 1
    reference = tmp_path / "local"
    run_sweep(spec, reference, workers=1, run_seconds=10.0)
    before = client.run(os.getpid)
    killed: dict[str, int] = {}

    def kill_a_busy_worker(progress) -> None:
        if killed or progress.done + progress.failed < 1:
            return
        busy = [address for address, keys in client.processing().items() if keys]
        if not busy:
            return   # nothing in flight at this instant: try after the next batch
        pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
        os.kill(pid, signal.SIGKILL)
        killed[busy[0]] = pid

    out = tmp_path / "dask"
    progress = run_sweep(spec, out, workers=2, executor=client.get_executor(), run_seconds=10.0,
                         on_progress=kill_a_busy_worker)
    assert killed, "no worker was busy after any batch"
    assert (progress.total, progress.done, progress.failed) == (20, 20, 0)
    assert_complete_exactly_once(out, spec)
    client.wait_for_workers(2, timeout=60)
    after = client.run(os.getpid)
    assert set(killed.values()) <= set(before.values())
    assert not set(killed.values()) & set(after.values()), "the killed worker is still there"
    assert_same_results(out, reference)
