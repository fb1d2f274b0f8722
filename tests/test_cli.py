"""The ``whoosh`` command line: listing, bad input (one line, status 2, no output) and runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments import robustness, scenarios
from experiments.cli import app
from experiments.scenarios import resolve_parameters
from model import economy
from model.parameters import Parameters
from model.phases import politics

WHOOSH = Path(sys.executable).parent / "whoosh"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def assert_one_error_line(result, *fragments: str) -> None:
    lines = result.stderr.splitlines()
    assert result.exit_code == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    for fragment in fragments:
        assert fragment in lines[0]


def test_scenarios_lists_every_scenario():
    result = invoke("scenarios")
    assert result.exit_code == 0
    for name in ("baseline", "robot-wave", "big-whoosh", "open-door", "carry-closed", "tournament"):
        assert name in result.stdout


@pytest.mark.parametrize(("args", "fragments"), [
    (["--scenario", "nope"], ["unknown scenario 'nope'", "available: baseline"]),
    (["--scenario", "baseline", "--set", "talent.home_biass=2"], ["talent.home_biass: unknown parameter", "home_bias"]),
    (["--scenario", "baseline", "--set", "jurisdictions.US.robot_tax=9.0"],
     ["jurisdictions.US.robot_tax: value 9.0 is out of range; allowed -0.9 to 5.0"]),
    (["--scenario", "baseline", "--set", "nonsense"], ["--set 'nonsense': expected key=value"]),
    (["--scenario", "baseline", "--scale", "0"], ["population.scale: value 0 is out of range; allowed 0.01 to 1000.0"]),
    (["--scenario", "baseline", "--scale", "big"], ["population.scale: value 'big' has the wrong type"]),
    (["--scenario", "baseline", "--steps", "0"], ["--steps", "value 0 is out of range; allowed an integer of 1 or more"]),
    (["--scenario", "baseline", "--steps", "-3"], ["--steps", "value -3 is out of range"]),
    (["--scenario", "baseline", "--steps", "abc"], ["--steps", "value 'abc' is not an integer"]),
    (["--scenario", "baseline", "--steps", "2.5"], ["--steps", "value '2.5' is not an integer"]),
    (["--scenario", "baseline", "--seed", "-1"], ["--seed", "value -1 is out of range"]),
    (["--scenario", "baseline", "--set", 'jurisdictions.US.capital_controls=[{at="2020-01", value=0.5}]'],
     ["jurisdictions.US.capital_controls[0].at: value '2020-01' is before the start 2025-01; allowed a month from 2025-01"]),
    ([], ["--scenario"]),
])
def test_bad_input_is_one_line_status_2_and_no_output(tmp_path, args, fragments):
    out = tmp_path / "out"
    result = invoke("run", *args, "--out", str(out))
    assert_one_error_line(result, *fragments)
    assert list(tmp_path.iterdir()) == []


def test_malformed_scenario_file_is_one_line(tmp_path, monkeypatch):
    scenario_dir = tmp_path / "scenarios"
    scenario_dir.mkdir()
    (scenario_dir / "broken.toml").write_text('name = "broken"\ndescription = "x"\n[parameters.talent\n')
    monkeypatch.setattr(scenarios, "SCENARIO_DIR", scenario_dir)
    result = invoke("run", "--scenario", "broken", "--out", str(tmp_path / "out"))
    assert_one_error_line(result, "scenario 'broken': malformed TOML in broken.toml")
    assert not (tmp_path / "out").exists()
    assert_one_error_line(invoke("scenarios"), "scenario 'broken': malformed TOML")


def test_out_must_not_be_a_file_or_a_foreign_directory(tmp_path):
    afile = tmp_path / "notes.txt"
    afile.write_text("keep me")
    assert_one_error_line(invoke("run", "--scenario", "baseline", "--out", str(afile)), "is a file")
    assert afile.read_text() == "keep me"
    assert_one_error_line(invoke("run", "--scenario", "baseline", "--out", str(afile / "run")), "is not a writable directory")
    assert_one_error_line(invoke("run", "--scenario", "baseline", "--out", str(tmp_path)), "is not a previous run")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("args", [["run", "--scenario", "baseline", "--steps", "abc"], ["run", "--scenario", "nope"]])
def test_console_script_prints_one_line_and_no_traceback(tmp_path, args):
    result = subprocess.run([str(WHOOSH), *args, "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: ")
    assert list(tmp_path.iterdir()) == []


def test_no_arguments_shows_help():
    result = invoke()
    assert "run" in result.stdout and "scenarios" in result.stdout


# --------------------------------------------------------------------------- runs (need the model)


def run_small(out: Path, *extra: str):
    return invoke("run", "--scenario", "big-whoosh", "--steps", "3", "--scale", "0.05", "--seed", "7", "--out", str(out), *extra)


def test_run_writes_metrics_and_provenance(tmp_path):
    out = tmp_path / "runs" / "small"
    result = run_small(out, "--set", "talent.home_bias=2.5")
    assert result.exit_code == 0, result.stderr
    assert "Peak unemployment" in result.stdout
    home, world = result.stdout.find("US (home jurisdiction)"), result.stdout.find("World (all jurisdictions)")
    assert 0 <= home < world, "the table shows the home jurisdiction first, then the world"
    assert sorted(p.name for p in out.iterdir()) == ["metrics.parquet", "run.json"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["small"]

    frame = pd.read_parquet(out / "metrics.parquet")
    assert len(frame) == 3 and {"step", "date"} <= set(frame.columns)
    for metric in ("unemployment", "inflation", "price_level", "real_gdp", "labour_share", "policy_rate"):
        assert {metric, f"{metric}_US", f"{metric}_Switzerland"} <= set(frame.columns), metric

    record = json.loads((out / "run.json").read_text())
    assert record["scenario"] == "big-whoosh" and record["seed"] == 7 and record["steps"] == 3
    assert record["version"] and record["wall_time_s"] >= 0 and "git_commit" in record
    expected = resolve_parameters("big-whoosh", ["talent.home_bias=2.5", "population.scale=0.05"])
    assert Parameters.model_validate(record["parameters"]) == expected


def test_rerun_replaces_a_previous_run_and_same_seed_gives_same_metrics(tmp_path):
    out = tmp_path / "run"
    assert run_small(out).exit_code == 0
    first = pd.read_parquet(out / "metrics.parquet")
    assert run_small(out).exit_code == 0
    pd.testing.assert_frame_equal(first, pd.read_parquet(out / "metrics.parquet"))
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def fail_in_month(monkeypatch, step: int) -> None:
    """Make the politics phase raise in 0-based month ``step``."""
    original = politics.run

    def run(state, month, p, rng):
        if month.step == step:
            raise RuntimeError("boom\nsecond line")
        original(state, month, p, rng)

    monkeypatch.setattr(politics, "run", run)


def assert_model_failure(result, message: str) -> None:
    assert result.exit_code == 1, result.stderr
    assert result.stderr.splitlines() == [message]


def test_a_model_failure_is_one_line_with_a_reproduction_status_1_and_no_output(tmp_path, monkeypatch):
    fail_in_month(monkeypatch, 1)
    result = run_small(tmp_path / "out", "--set", "talent.home_bias=2.5", "--check-phases")
    assert_model_failure(result, "error: the model failed at 2025-02 (month 2): RuntimeError: boom second line; "
                                 "reproduce with: whoosh run --scenario big-whoosh --seed 7 --steps 2 --scale 0.05 "
                                 "--set talent.home_bias=2.5 --check-phases")
    assert list(tmp_path.iterdir()) == []


def test_a_model_that_fails_to_build_is_one_line(tmp_path, monkeypatch):
    def broken(params, rng):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(economy, "build_state", broken)
    result = invoke("run", "--scenario", "baseline", "--set", 'jurisdictions.US.robot_tax=[{at="2026-01", value=0.5}]',
                    "--out", str(tmp_path / "out"))
    assert_model_failure(result, "error: the model failed while building the economy of 2025-01: ZeroDivisionError: "
                                 "division by zero; reproduce with: whoosh run --scenario baseline --seed 0 --steps 1 "
                                 "--set 'jurisdictions.US.robot_tax=[{at=\"2026-01\", value=0.5}]'")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- stress


@pytest.mark.parametrize(("args", "fragment"), [
    (["--runs", "0"], "--runs"), (["--workers", "two"], "--workers"), (["--seed", "-1"], "--seed"),
    (["--runs", "1.5"], "--runs"),
])
def test_stress_bad_flags_are_one_line_status_2(tmp_path, args, fragment):
    result = invoke("stress", *args, "--out", str(tmp_path / "out"))
    assert_one_error_line(result, fragment)
    assert list(tmp_path.iterdir()) == []


def fake_check_run(setting: robustness.Setting) -> robustness.Result:
    """Fails the settings with an odd seed (as if the model raised in their third month), passes the others."""
    if setting.seed % 2 == 0:
        return robustness.Result(ok=True, reproduction=setting.command())
    return robustness.Result(ok=False, error="AccountingError" if setting.seed % 4 == 1 else "RuntimeWarning",
                             message="books", date="2025-03", month=3, where="model/x.py:1 in run",
                             reproduction=setting.command(3))


def test_stress_lists_failures_by_type_writes_every_setting_and_exits_1(tmp_path, monkeypatch):
    monkeypatch.setattr(robustness, "check_run", fake_check_run)
    out = tmp_path / "stress"
    result = invoke("stress", "--runs", "12", "--workers", "1", "--seed", "5", "--out", str(out))
    record = json.loads((out / "stress.json").read_text())
    failed = [entry for entry in record["settings"] if not entry["result"]["ok"]]
    assert result.exit_code == 1 and 0 < len(failed) < 12
    assert (record["runs"], record["failed"], record["redraws"], record["seed"]) == (12, len(failed), 0, 5)
    assert "AccountingError" in result.stdout and "failures by type" in result.stdout
    assert failed[0]["result"]["reproduction"] in result.stdout
    assert "--steps 3" in failed[0]["result"]["reproduction"]


def test_stress_without_failures_exits_0_and_writes_nothing_without_out(tmp_path, monkeypatch):
    monkeypatch.setattr(robustness, "check_run", lambda s: robustness.Result(ok=True, reproduction=s.command()))
    monkeypatch.chdir(tmp_path)
    result = invoke("stress", "--runs", "3", "--workers", "1")
    assert result.exit_code == 0, result.stderr
    assert "failures by type" not in result.stdout and "runs" in result.stdout
    assert list(tmp_path.iterdir()) == []
