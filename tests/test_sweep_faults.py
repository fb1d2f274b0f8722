"""Sweeps that cannot mix, lose or misfile results: one writer per folder, damaged files found and
repaired (never misread), disk full and unusable folders as one line, and replicates added until a
metric is precise enough.

Tiny specs (baseline at population.scale 0.05, a few steps), run in-process on a thread pool unless a
test needs real processes.
"""

from __future__ import annotations

import concurrent.futures
import errno
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_sweep import GRID_2X2, WHOOSH, assert_same_results, folder_state, raw_run_records, write_spec
from typer.testing import CliRunner

from experiments import folder_lock, replicates, results, sweep
from experiments.cli import app
from experiments.replicates import Precision
from experiments.results import load
from experiments.sweep import SweepError, SweepIOError, run_sweep
from experiments.sweep_spec import read_spec, run_table

RUN_SECONDS = 0.05


def run_in_threads(spec, out, **kwargs):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return run_sweep(spec, out, executor=pool, run_seconds=RUN_SECONDS, **kwargs)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """A tiny spec (8 runs with series) and its uninterrupted results."""
    root = tmp_path_factory.mktemp("reference")
    spec_path = write_spec(root / "tiny.toml")
    spec = read_spec(spec_path)
    run_in_threads(spec, root / "clean")
    return spec_path, spec, root / "clean"


@pytest.fixture
def copy_of(reference, tmp_path):
    """A fresh copy of the reference results to damage."""
    spec_path, spec, clean = reference
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    return spec, out


def one_error_line(result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def invoke(*args: str):
    return CliRunner().invoke(app, [*args])


# --------------------------------------------------------------------------- 1. one writer per folder


def sleeping_process() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def fake_lock(out: Path, pid: int, started: float | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    holder = {"pid": pid, "host": __import__("socket").gethostname(), "process_started": started,
              "locked_at": "2026-12-01T00:00:00+00:00"}
    (out / folder_lock.LOCK_FILE).write_text(json.dumps(holder), encoding="utf-8")


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path):
    spec = read_spec(write_spec(tmp_path / "tiny.toml"))
    out = tmp_path / "out"
    with sweep.open_folder(spec, out):
        with pytest.raises(SweepError, match=r"being written by another sweep \(pid \d+ on "):
            sweep.open_folder(spec, out)
        result = invoke("sweep", str(tmp_path / "tiny.toml"), "--out", str(out), "--workers", "1")
        assert result.exit_code == 2
        assert f"pid {os.getpid()}" in one_error_line(result)
        assert not (out / "runs").exists()
        summary = invoke("summarize", str(out))
        assert "a sweep is writing" in summary.stderr
    assert not (out / folder_lock.LOCK_FILE).exists()


def test_two_cli_sweeps_into_one_folder_run_each_run_once(tmp_path):
    """Two real processes started together: one runs, the other is refused naming it; no run twice."""
    path = write_spec(tmp_path / "slow.toml", name="slow", steps=24, scale=0.3, replicates=2)
    other = write_spec(tmp_path / "other.toml", name="other", steps=24, scale=0.3, replicates=2, seed=9)
    out = tmp_path / "out"
    commands = [[str(WHOOSH), "sweep", str(p), "--out", str(out), "--workers", "1"] for p in (path, other)]
    procs = [subprocess.Popen(c, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for c in commands]
    outcomes = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 2], outcomes
    refused = next(err for code, err in outcomes if code == 2)
    assert refused.startswith("error: ") and len(refused.splitlines()) == 1, refused
    assert "being written by another sweep" in refused or "different spec" in refused
    winner = read_spec(commands[[code for code, _ in outcomes].index(0)][2])
    assert results.read_manifest(out)["spec_hash"] == winner.hash()
    raw = raw_run_records(out)
    assert sorted(raw["run_id"]) == sorted(run_table(winner)["run_id"])


def test_a_lock_left_by_a_dead_process_is_taken_over(copy_of):
    spec, out = copy_of
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    fake_lock(out, gone.pid, time.time() - 100)
    notes: list[str] = []
    progress = run_in_threads(spec, out, on_note=notes.append)
    assert progress.skipped == progress.total == 8
    assert any(f"took over the lock of a sweep that is gone (pid {gone.pid}" in n for n in notes), notes
    assert not (out / folder_lock.LOCK_FILE).exists()


def test_a_lock_naming_a_reused_process_id_is_taken_over(copy_of):
    spec, out = copy_of
    alive = sleeping_process()
    try:
        fake_lock(out, alive.pid, started=12345.0)   # the pid runs, but it is not the process that locked
        notes: list[str] = []
        run_in_threads(spec, out, on_note=notes.append)
        assert any("took over" in n for n in notes)
    finally:
        alive.kill()


def test_a_lock_naming_a_live_process_is_respected(copy_of, tmp_path):
    spec, out = copy_of
    alive = sleeping_process()
    try:
        import psutil

        fake_lock(out, alive.pid, psutil.Process(alive.pid).create_time())
        before = folder_state(out)
        result = invoke("sweep", str(tmp_path / "tiny.toml") if (tmp_path / "tiny.toml").exists()
                        else str(write_spec(tmp_path / "tiny.toml")), "--out", str(out), "--workers", "1")
        assert result.exit_code == 2
        assert f"pid {alive.pid}" in one_error_line(result)
        assert folder_state(out) == before
    finally:
        alive.kill()


def test_a_reordered_spec_is_refused_for_an_old_folder(copy_of, tmp_path):
    spec, out = copy_of
    halves = GRID_2X2.strip().split("\n\n")
    reordered = write_spec(tmp_path / "reordered.toml", factors="\n\n".join(reversed(halves)) + "\n")
    assert list(read_spec(reordered).factors) == list(reversed(spec.factors))
    before = folder_state(out)
    result = invoke("sweep", str(reordered), "--out", str(out), "--workers", "1")
    assert result.exit_code == 2
    assert "different spec" in one_error_line(result)
    assert folder_state(out) == before


# --------------------------------------------------------------------------- 2. damage found and repaired


def truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def first_part(out: Path, kind: str) -> Path:
    return sorted((out / kind).glob("part-*.parquet"))[0]


@pytest.mark.parametrize("kind", ["runs", "series"])
@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_part_is_reported_moved_aside_and_its_runs_rerun(copy_of, reference, kind, damage):
    spec, out = copy_of
    part = first_part(out, kind)
    batch_runs = set(pd.read_parquet(out / "runs" / part.name)["run_id"])
    {"truncated": truncate, "garbage": lambda p: p.write_bytes(b"\x00\xff" * 300),
     "empty": lambda p: p.write_bytes(b"")}[damage](part)

    loaded = load(out)
    assert not loaded.complete
    assert not batch_runs & set(loaded.runs["run_id"])            # never read
    assert not batch_runs & set(loaded.series["run_id"])
    note = loaded.incomplete_note()
    assert f"{8 - len(batch_runs)} of 8 runs done" in note and part.name in note
    summary = invoke("summarize", str(out))
    assert summary.exit_code == 0 and "sweep incomplete" in summary.stderr and part.name in summary.stderr

    notes: list[str] = []
    progress = run_in_threads(spec, out, on_note=notes.append)
    assert progress.done == len(batch_runs)
    assert any(part.name in n and "moved damaged" in n for n in notes), notes
    assert (out / "damaged" / f"{kind}-{part.name}").exists()
    assert load(out).complete
    assert_same_results(out, reference[2])


@pytest.mark.parametrize("damage", [b"", b"{\"spec\": ", b"\xff\xfe not utf-8", b"[1, 2]", b"{\"a\": 1}"])
def test_a_damaged_manifest_is_one_line_for_readers_and_rebuilt_on_resume(copy_of, reference, damage):
    spec, out = copy_of
    (out / "manifest.json").write_bytes(damage)
    for command in (["summarize", str(out)], ["sensitivity", str(out), "--metric", "unemployment_final"]):
        result = invoke(*command)
        assert result.exit_code == 2
        assert "manifest.json is damaged" in one_error_line(result)
    notes: list[str] = []
    progress = run_in_threads(spec, out, on_note=notes.append)
    assert progress.skipped == 8 and progress.done == 0
    assert any("manifest.json was damaged" in n for n in notes)
    assert results.read_manifest(out)["spec_hash"] == spec.hash()
    assert_same_results(out, reference[2])


def test_a_damaged_manifest_over_another_specs_parts_is_refused(copy_of, tmp_path):
    spec, out = copy_of
    (out / "manifest.json").write_text("{", encoding="utf-8")
    other = read_spec(write_spec(tmp_path / "other.toml", seed=5))
    with pytest.raises(SweepError, match="written by another spec"):
        sweep.open_folder(other, out)


def test_orphan_series_parts_and_temporary_files_are_cleaned(copy_of, reference):
    spec, out = copy_of
    orphan = out / "series" / "part-0099999-deadbeef.parquet"
    shutil.copy(first_part(out, "series"), orphan)
    leftover = out / "runs" / ".part-0000000-aaaa.parquet.1234.tmp"
    leftover.write_bytes(b"partial")
    assert_same_results(out, reference[2])          # readers ignore both
    notes: list[str] = []
    run_in_threads(spec, out, on_note=notes.append)
    assert not orphan.exists() and not leftover.exists()
    assert any("removed series/part-0099999" in n for n in notes)


def test_a_part_from_another_spec_is_never_read_as_this_ones(copy_of, tmp_path):
    spec, out = copy_of
    other = read_spec(write_spec(tmp_path / "other.toml", seed=5))
    run_in_threads(other, tmp_path / "other")
    stray = first_part(tmp_path / "other", "runs")
    shutil.copy(stray, out / "runs" / stray.name)
    loaded = load(out)
    assert any("another spec" in d.reason for d in loaded.damaged)
    assert len(loaded.runs) == 8


def test_a_missing_series_part_reruns_its_batch(copy_of, reference):
    spec, out = copy_of
    part = first_part(out, "series")
    part.unlink()
    assert not load(out).complete
    run_in_threads(spec, out)
    assert_same_results(out, reference[2])


# --------------------------------------------------------------------------- 3. write failures


def test_disk_full_mid_sweep_is_one_line_exit_1_and_resumable(reference, tmp_path, monkeypatch):
    spec_path, spec, clean = reference
    out = tmp_path / "out"
    writes = {"n": 0}
    original = results.write_batch

    def fill_up(*args, **kwargs):
        writes["n"] += 1
        if writes["n"] > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(*args, **kwargs)

    monkeypatch.setattr(results, "write_batch", fill_up)
    result = invoke("sweep", str(spec_path), "--out", str(out), "--workers", "1")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "No space left on device" in line and "resumable" in line and str(out) in line
    assert results.read_manifest(out)["finished"] is None
    assert not load(out).complete
    monkeypatch.setattr(results, "write_batch", original)
    assert invoke("sweep", str(spec_path), "--out", str(out), "--workers", "1").exit_code == 0
    assert_same_results(out, clean)


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 96 KiB tmpfs (needs root and mount); skipped with the reason otherwise."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(mount)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_really_full_disk_leaves_a_resumable_folder(reference, small_tmpfs, tmp_path):
    spec_path, spec, clean = reference
    out = small_tmpfs / "out"
    result = invoke("sweep", str(spec_path), "--out", str(out), "--workers", "1")
    assert result.exit_code in (1, 2), result.output
    line = one_error_line(result)
    assert "No space left on device" in line
    if out.exists():                   # it filled up mid-sweep: what is there is sound, and resumes elsewhere
        moved = tmp_path / "moved"
        shutil.copytree(out, moved, ignore=shutil.ignore_patterns("sweep.lock"))
        assert load(moved).damaged == []
        run_in_threads(spec, moved)
        assert_same_results(moved, clean)


def test_a_read_only_folder_is_one_line_exit_2_and_nothing_written(reference, small_tmpfs):
    spec_path, _, _ = reference
    subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], check=True)
    result = invoke("sweep", str(spec_path), "--out", str(small_tmpfs / "out"), "--workers", "1")
    assert result.exit_code == 2
    assert "Read-only file system" in one_error_line(result)
    assert list(small_tmpfs.iterdir()) == []


@pytest.mark.parametrize("where", ["under_a_file", "is_a_file"])
def test_an_unusable_out_is_one_line_exit_2(reference, tmp_path, where):
    spec_path, _, _ = reference
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    out = blocker / "out" if where == "under_a_file" else blocker
    result = invoke("sweep", str(spec_path), "--out", str(out), "--workers", "1")
    assert result.exit_code == 2
    one_error_line(result)
    assert blocker.read_text(encoding="utf-8") == "x"


def test_a_write_failure_through_the_engine_raises_sweep_io_error(reference, tmp_path, monkeypatch):
    _, spec, _ = reference
    monkeypatch.setattr(results, "write_batch", lambda *a, **k: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    with pytest.raises(SweepIOError, match="I/O error"):
        run_in_threads(spec, tmp_path / "out")
    assert not (tmp_path / "out" / folder_lock.LOCK_FILE).exists()


# --------------------------------------------------------------------------- 4. replicates until precise


def synthetic_records(spec, table, values_by_run: dict[int, float]) -> pd.DataFrame:
    return pd.DataFrame({"run_id": list(values_by_run), "status": "ok", "m": list(values_by_run.values())})


def test_the_plan_grows_noisy_points_and_stops_precise_ones(tmp_path):
    spec = read_spec(write_spec(tmp_path / "tiny.toml", replicates=3))
    table = run_table(spec)
    target = Precision("m", half_width=0.1, max_replicates=20)
    rng = np.random.default_rng(0)
    # point 0 is exact (sd 0), the others noisy (sd 1): they need about (t·1/0.1)² ≈ 400 → capped at 20
    values = {int(r.run_id): (0.0 if r.point == 0 else float(rng.normal())) for r in table.itertuples()}
    plan = replicates.plan(spec, table, synthetic_records(spec, table, values), target)
    points = plan.points.set_index("point")
    assert points.loc[0, "replicates"] == 3 and points.loc[0, "reached"]
    assert (points.loc[1:, "replicates"] == 6).all()        # at most doubling per round
    pending = plan.pending
    assert set(pending["point"]) == {1, 2, 3}
    assert set(pending["replicate"]) == {3, 4, 5}
    n_points = len(points)
    assert set(pending["run_id"]) == {n_points * r + p for p in (1, 2, 3) for r in (3, 4, 5)}
    assert not set(pending["run_id"]) & set(table["run_id"])
    seeds = {int(r.run_id): int(r.seed) for r in pending.itertuples()}
    from experiments.sweep_spec import run_seed
    assert all(seed == run_seed(spec.seed, run_id) for run_id, seed in seeds.items())


def test_the_plan_stops_at_the_cap(tmp_path):
    spec = read_spec(write_spec(tmp_path / "tiny.toml", replicates=2))
    table = run_table(spec)
    target = Precision("m", half_width=1e-9, max_replicates=5)
    n_points = len(table) // 2
    values = {replicates.run_id_of(spec, n_points, p, r): float(r) for p in range(n_points) for r in range(5)}
    plan = replicates.plan(spec, table, synthetic_records(spec, table, values), target)
    assert plan.pending.empty
    assert (plan.points["replicates"] == 5).all() and not plan.points["reached"].any()


def precision_run(spec, out, workers_pool, **kwargs):
    return run_sweep(spec, out, executor=workers_pool, workers=2, run_seconds=RUN_SECONDS,
                     precision=Precision("unemployment_final", 0.004, 5), **kwargs)


def test_replicates_until_precise_are_the_same_whatever_the_workers_and_after_an_interruption(tmp_path, monkeypatch):
    spec = read_spec(write_spec(tmp_path / "tiny.toml", replicates=2, steps=4))
    with concurrent.futures.ThreadPoolExecutor(2) as two:
        first = precision_run(spec, tmp_path / "two", two)
    used = first.replicates
    assert used["replicates"].max() > spec.replicates, used        # some point needed more
    assert (used["reached"] | (used["replicates"] == 5)).all()
    assert (tmp_path / "two" / "replicates-unemployment_final.csv").exists()
    assert len(load(tmp_path / "two").runs) == used["replicates"].sum()

    # interrupted after a few batches (a write failure), then resumed: the same decisions and runs
    original, writes = results.write_batch, {"n": 0}

    def fail_later(*args, **kwargs):
        writes["n"] += 1
        if writes["n"] == 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(*args, **kwargs)

    monkeypatch.setattr(results, "write_batch", fail_later)
    with concurrent.futures.ThreadPoolExecutor(1) as one, pytest.raises(SweepIOError):
        precision_run(spec, tmp_path / "interrupted", one)
    monkeypatch.setattr(results, "write_batch", original)
    with concurrent.futures.ThreadPoolExecutor(1) as one:
        precision_run(spec, tmp_path / "interrupted", one)
    assert_same_results(tmp_path / "two", tmp_path / "interrupted")    # one worker, interrupted, resumed


def test_precision_flags_are_checked_before_any_run(reference, tmp_path):
    spec_path, _, _ = reference
    out = tmp_path / "out"
    cases = [
        (["--precision", "0.01"], "--metric"),
        (["--precision", "0.01", "--metric", "nope"], "nope"),
        (["--precision", "-1", "--metric", "unemployment_final"], "--precision"),
        (["--precision", "nan", "--metric", "unemployment_final"], "--precision"),
        (["--metric", "unemployment_final"], "--metric"),
        (["--precision", "0.01", "--metric", "unemployment_final", "--max-replicates", "1"], "--max-replicates"),
    ]
    for flags, named in cases:
        result = invoke("sweep", str(spec_path), "--out", str(out), *flags)
        assert result.exit_code == 2, (flags, result.output)
        assert named in one_error_line(result), flags
        assert not out.exists()


def test_precision_through_the_cli_reports_replicates_per_point(reference, tmp_path):
    spec_path, _, _ = reference
    out = tmp_path / "out"
    result = invoke("sweep", str(spec_path), "--out", str(out), "--workers", "1", "--precision", "0.004",
                    "--metric", "unemployment_final", "--max-replicates", "3")
    assert result.exit_code == 0, result.output
    assert "design points reached a 95% half-width of unemployment_final" in result.stdout
    used = pd.read_csv(out / "replicates-unemployment_final.csv")
    assert len(used) == 4 and used["replicates"].between(2, 3).all()
    assert results.read_manifest(out)["precision"] == {"metric": "unemployment_final", "half_width": 0.004,
                                                      "max_replicates": 3}


# --------------------------------------------------------------------------- 5. held-out faults, found later


def test_a_vanishingly_small_precision_runs_to_the_cap_without_overflow(tmp_path):
    target = Precision("m", half_width=1e-300, max_replicates=7)
    assert replicates.next_target(2, np.array([0.0, 1.0]), target) == 4
    assert replicates.next_target(4, np.array([0.0, 1.0, 0.0, 1.0]), target) == 7


@pytest.mark.parametrize("manifest", [
    "[" * 100_000 + "]" * 100_000,                                        # too deep to decode
    json.dumps({"spec": {"factors": {"controls": 5}}, "spec_hash": "x"}),   # a spec that does not validate
])
def test_a_manifest_that_cannot_be_a_sweeps_is_damaged_and_rebuilt(copy_of, reference, manifest):
    spec, out = copy_of
    (out / "manifest.json").write_text(manifest, encoding="utf-8")
    result = invoke("summarize", str(out))
    assert result.exit_code == 2 and "manifest.json is damaged" in one_error_line(result)
    run_in_threads(spec, out)
    assert_same_results(out, reference[2])


def test_a_manifest_naming_a_factor_no_run_records_is_damaged(copy_of):
    spec, out = copy_of
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["spec"]["factors"] = {"zzz": {"keys": ["talent.home_bias"], "values": [1.0]}}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = invoke("summarize", str(out))
    assert result.exit_code == 2 and "zzz" in one_error_line(result)
    notes: list[str] = []
    run_in_threads(spec, out, on_note=notes.append)
    assert any("manifest.json was damaged" in n for n in notes)
    assert results.read_manifest(out)["spec"] == spec.model_dump(mode="json")


def test_a_part_with_wrong_column_types_is_damaged(copy_of, reference):
    spec, out = copy_of
    part = first_part(out, "runs")
    frame = pd.read_parquet(part)
    frame["run_id"] = frame["run_id"].astype(str)
    results.write_parquet(frame, part, spec.hash())
    assert any("column run_id" in d.reason for d in load(out).damaged)
    run_in_threads(spec, out)
    assert_same_results(out, reference[2])


def test_a_lock_path_that_is_a_directory_is_not_a_traceback(copy_of, tmp_path):
    spec, out = copy_of
    (out / folder_lock.LOCK_FILE).mkdir()
    assert invoke("summarize", str(out)).exit_code == 0
    result = invoke("sweep", str(write_spec(tmp_path / "tiny.toml")), "--out", str(out), "--workers", "1")
    assert result.exit_code == 2 and folder_lock.LOCK_FILE in one_error_line(result)


@pytest.mark.parametrize("name", ["runs", "series", "damaged"])
def test_a_results_subfolder_that_is_a_file_is_refused_and_nothing_deleted(copy_of, tmp_path, name):
    spec, out = copy_of
    if (out / name).exists():
        shutil.rmtree(out / name)
    (out / name).write_text("x", encoding="utf-8")
    before = folder_state(out)
    result = invoke("sweep", str(write_spec(tmp_path / "tiny.toml")), "--out", str(out), "--workers", "1")
    assert result.exit_code == 2 and f"{name} is not a directory" in one_error_line(result)
    assert folder_state(out) == before


@pytest.mark.parametrize("command", [["run", "-s", "baseline", "--steps", "2", "--scale", "0.05"],
                                     ["discover", "DIR", "-m", "unemployment_final", "--above", "0.05"]])
def test_an_out_where_nothing_can_be_created_is_refused_before_running(reference, command):
    args = [str(reference[2]) if a == "DIR" else a for a in command]
    result = invoke(*args, "--out", "/proc/whoosh-test")
    assert result.exit_code == 2 and "--out" in one_error_line(result)


def test_sweep_workers_exit_when_the_sweep_process_is_killed(tmp_path):
    """A pool worker whose parent dies (SIGKILL) exits by itself instead of running on orphaned."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, sys, time\n"
        "from experiments.sweep import local_executor\n"
        "if __name__ == '__main__':\n"
        "    pool = local_executor(1)\n"
        "    print(pool.submit(os.getpid).result(), flush=True)\n"
        "    pool.submit(time.sleep, 600)\n"
        "    time.sleep(0.5)\n"
        "    os._exit(0)\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    worker = int(done.stdout.split()[0])
    import psutil

    deadline = time.monotonic() + 10
    while psutil.pid_exists(worker) and psutil.Process(worker).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the orphaned worker is still running"
        time.sleep(0.2)


def test_ctrl_c_is_one_line_and_the_folder_resumes(tmp_path):
    import signal

    path = write_spec(tmp_path / "long.toml", name="long", steps=8, scale=0.05, replicates=3)
    out = tmp_path / "out"
    command = [str(WHOOSH), "sweep", str(path), "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not list((out / "runs").glob("part-*.parquet")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    code, stderr = proc.wait(timeout=60), proc.stderr.read()
    assert code == 130, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("error: interrupted") and "Traceback" not in stderr, stderr
    assert subprocess.run(command, capture_output=True, text=True, timeout=300).returncode == 0
    assert load(out).complete


@pytest.mark.parametrize(("kind", "column"), [("runs", "controls"), ("series", "unemployment")])
def test_a_part_without_a_factor_or_series_column_is_damaged(copy_of, reference, kind, column):
    spec, out = copy_of
    part = first_part(out, kind)
    results.write_parquet(pd.read_parquet(part).drop(columns=column), part, spec.hash())
    assert any(f"no column {column}" in d.reason for d in load(out).damaged)
    run_in_threads(spec, out)
    assert_same_results(out, reference[2])
