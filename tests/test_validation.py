"""The stylized-facts scorecard: the quick scorecard must pass, and a fact out of its band must fail."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from experiments import validation
from experiments.cli import app
from experiments.estimators import Estimate

FACT_KEYS = [fact.key for fact in validation.FACTS]


@pytest.fixture(scope="module")
def quick_scores():
    design = validation.Design.for_mode(quick=True)
    records = validation.run_all(validation.cases(design), workers=2)
    return {score.fact.key: score for score in validation.score(records)}


@pytest.mark.parametrize("key", FACT_KEYS)
def test_quick_scorecard_fact_is_in_band(quick_scores, key):
    score = quick_scores[key]
    est, fact = score.estimate, score.fact
    assert score.passed, f"{fact.title}: {est.value:.4g} [{est.ci_low:.4g}, {est.ci_high:.4g}] outside [{fact.low}, {fact.high}]"


def test_quick_scorecard_intervals_are_real(quick_scores):
    for key in ("robots_employment", "robots_wages", "talent_foreign", "expat_regime", "beveridge", "unemployment"):
        est = quick_scores[key].estimate
        assert math.isfinite(est.ci_low) and est.ci_low < est.value < est.ci_high, key


def test_haven_stress_runs_make_the_capacity_bind(quick_scores):
    assert quick_scores["haven_capacity"].estimate.value > 0.8   # the check is not vacuous


@pytest.mark.parametrize("value", [-0.05, -0.5])
def test_estimate_outside_the_band_fails(value):
    fact = next(f for f in validation.FACTS if f.key == "robots_employment")
    assert not validation.Score(fact, Estimate(value, value - 0.01, value + 0.01, 10, "test")).passed
    assert validation.Score(fact, Estimate(-0.2, -0.25, -0.15, 10, "test")).passed


def test_nan_estimate_fails():
    fact = validation.FACTS[0]
    assert not validation.Score(fact, Estimate(math.nan, math.nan, math.nan, 0, "test")).passed


def test_scorecard_files_report_failures(tmp_path):
    good, bad = validation.FACTS[0], validation.FACTS[1]
    scores = [validation.Score(good, Estimate(-0.2, -0.3, -0.1, 5, "t")),
              validation.Score(bad, Estimate(0.4, 0.1, 0.7, 5, "t"))]
    meta = {"mode": "quick", "seeds": 2, "runs": 4, "wall_time_s": 1.0, "git_commit": None}
    validation.write_scorecard(tmp_path, scores, meta)
    payload = json.loads((tmp_path / "scorecard.json").read_text())
    assert payload["passed"] == 1
    assert [f["passed"] for f in payload["facts"]] == [True, False]
    markdown = (tmp_path / "scorecard.md").read_text()
    assert "1 of 2 facts in band" in markdown and "✗" in markdown
    assert (tmp_path / "scorecard.png").stat().st_size > 1000


def test_every_fact_is_scored_once_in_order():
    cases = validation.cases(validation.Design.for_mode(quick=True, seeds=2))
    assert {case.experiment for case in cases} == {"cycle", "robots", "top_tax", "expat", "haven"}
    assert len({fact.key for fact in validation.FACTS}) == len(validation.FACTS)


@pytest.mark.parametrize("args, fragment", [
    (["--seeds", "1"], "--seeds"),
    (["--seeds", "x"], "--seeds"),
    (["--workers", "0"], "--workers"),
])
def test_validate_rejects_bad_flags(args, fragment, tmp_path):
    result = CliRunner().invoke(app, ["validate", "--quick", "--out", str(tmp_path / "out"), *args])
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and fragment in lines[0], result.stderr
    assert not (tmp_path / "out").exists()


def test_validate_refuses_an_unrelated_out_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(app, ["validate", "--quick", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "is not a previous scorecard" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
