"""The stylized-facts scorecard: the quick scorecard must pass, and a fact out of its band must fail."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from experiments import validation
from experiments.cli import app
from experiments.estimators import Estimate

# Facts the model fails since firms became heterogeneous (issue 11), reported as failing in docs/VALIDATION.md
# ("Known failures"): granular productivity noise from a few firms per market, and talent elasticities at the
# band's edge. They stay in the scorecard, and `whoosh validate` exits 1 while they fail.
KNOWN_FAILURES = {"robots_employment", "expat_regime", "stationary_productivity"}
FACT_KEYS = [pytest.param(fact.key, marks=pytest.mark.xfail(reason="known failure: docs/VALIDATION.md", strict=False))
             if fact.key in KNOWN_FAILURES else fact.key for fact in validation.FACTS]


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
    for key in ("robots_employment", "robots_wages", "talent_foreign", "expat_regime", "beveridge", "unemployment",
                "labour_share", "robot_tax_adoption", "robot_tax_unemployment"):
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
    assert {case.experiment for case in cases} == {"cycle", "robots", "top_tax", "expat", "haven", "stationary",
                                                   "robot_tax", "waves", "whoosh"}
    assert {fact.experiment for fact in validation.FACTS} <= {case.experiment for case in cases} | {"all"}
    assert len({fact.key for fact in validation.FACTS}) == len(validation.FACTS)


@pytest.mark.parametrize("quick, months, scale", [(True, 240, 0.3), (False, 360, 1.0)])
def test_stationary_runs_freeze_technology_and_pull_no_lever(quick, months, scale):
    design = validation.Design.for_mode(quick=quick)
    runs = [case for case in validation.cases(design) if case.experiment == "stationary"]
    assert [case.seed for case in runs] == list(range(design.seeds))
    for case in runs:
        assert (case.scenario, case.steps, case.scale) == ("baseline", months, scale)
        assert set(case.sets) == {f"technology.{key}=0.0" for key in (
            "humanoid_capability_start", "humanoid_speed", "ai_capability_start", "ai_speed", "robot_price_decline",
            "ai_price_decline")}


@pytest.mark.parametrize("quick, scale", [(True, 0.25), (False, 0.5)])
def test_robot_tax_runs_are_paired_and_tax_every_jurisdiction(quick, scale):
    from experiments.scenarios import resolve_parameters

    design = validation.Design.for_mode(quick=quick)
    runs = [case for case in validation.cases(design) if case.experiment == "robot_tax"]
    names = list(resolve_parameters("robot-wave", []).jurisdictions)
    for tax in (0.0, 2.0):
        arm = [case for case in runs if case.x == tax]
        assert [case.seed for case in arm] == list(range(design.seeds))
        for case in arm:
            assert (case.scenario, case.steps, case.scale) == ("robot-wave", 120, scale)
            assert case.sets == tuple(f"jurisdictions.{name}.robot_tax={tax}" for name in names)
    assert len(runs) == 2 * design.seeds


def test_december_inflation_skips_the_first_year():
    months = np.arange(36) % 12 + 1                        # 2025-01 to 2027-12
    inflation = np.arange(36) / 100.0
    assert validation.december_inflation(inflation, months).tolist() == [0.23, 0.35]
    assert validation.december_inflation(inflation[:12], months[:12]).size == 0
    late_start = (np.arange(30) + 6) % 12 + 1              # 2025-07 to 2027-12
    assert validation.december_inflation(np.arange(30) / 100.0, late_start).tolist() == [0.17, 0.29]


def test_trend_percent_per_year_of_known_series():
    t = np.arange(216) / 12.0
    assert validation.trend_percent_per_year(np.exp(0.02 * t)) == pytest.approx(2.0)
    assert validation.trend_percent_per_year(5.0 * np.exp(-0.001 * t)) == pytest.approx(-0.1)
    flat = 3.0 * np.exp(0.01 * np.sin(np.arange(216)))
    assert abs(validation.trend_percent_per_year(flat)) < 0.01


def test_largest_over_jurisdictions():
    values = np.array([[0.1, -0.8, 0.3],
                       [0.3, -0.4, 0.1],
                       [0.2, -0.6, 0.8]])
    # each seed's largest |value| is 0.8, 0.4, 0.8: the estimate is their mean, with their interval;
    # the column largest on average is the second (mean |value| 0.6)
    estimate, column = validation.largest_over_jurisdictions(values, absolute=True)
    per_seed = validation.mean_interval([0.8, 0.4, 0.8])
    assert column == 1 and estimate.value == pytest.approx(2.0 / 3.0) and estimate.n == 3
    assert (estimate.ci_low, estimate.ci_high) == pytest.approx((per_seed.ci_low, per_seed.ci_high))
    assert estimate.ci_low <= estimate.value <= estimate.ci_high
    estimate, column = validation.largest_over_jurisdictions(values)
    assert column == 2 and estimate.value == pytest.approx(np.mean([0.3, 0.3, 0.8]))


FACTS_BY_KEY = {fact.key: fact for fact in validation.FACTS}


def _stationary_record(seed: int, months: int = 120) -> dict:
    """Two jurisdictions: A in band, at its natural rate and never at the floor, output per worker growing
    1% a year; B with inflation of 5% in every third December, 0.5 pp above its natural rate, at the floor
    in the first 30 of the last 96 months and flat output per worker."""
    step = np.arange(months)
    december = step % 12 == 11
    b_inflation = np.where(december & (step // 12 % 3 == 0), 0.05, 0.02)
    employed = 100.0 * (1 - np.array([0.04, 0.065]))
    metrics = {
        "inflation_A": np.full(months, 0.02), "inflation_B": b_inflation,
        "unemployment_A": np.full(months, 0.04), "unemployment_B": np.full(months, 0.065),
        "policy_rate_A": np.full(months, 0.03), "policy_rate_B": np.where((step >= 24) & (step < 54), 0.0, 0.03),
        "real_gdp_A": employed[0] * np.exp(0.01 * step / 12.0), "real_gdp_B": np.full(months, employed[1] * 2.0),
        "labour_share_A": np.full(months, 0.60 + 0.01 * seed), "labour_share_B": np.full(months, 0.52 + 0.01 * seed),
    }
    case = validation.Case("stationary", 0.0, seed, months, 1.0)
    return {"case": case, "names": ["A", "B"], "metrics": metrics, "month_of_year": step % 12 + 1,
            "labour_force": np.array([100.0, 100.0]), "natural_u": np.array([0.04, 0.06])}


def test_score_stationary_on_constructed_runs():
    scores = validation.score_stationary([_stationary_record(0), _stationary_record(1)], FACTS_BY_KEY)
    # Decembers after the first: 9 per jurisdiction, B's at steps 47, 83, 119 (years 3, 6, 9) out of band
    assert scores["stationary_inflation"].estimate.value == pytest.approx(15 / 18)
    assert not scores["stationary_inflation"].passed
    assert scores["stationary_unemployment"].estimate.value == pytest.approx(0.5)
    assert scores["stationary_unemployment"].passed
    assert scores["stationary_policy_floor"].estimate.value == pytest.approx(30 / 96)
    assert "most at the floor: B" in scores["stationary_policy_floor"].note
    assert scores["stationary_productivity"].estimate.value == pytest.approx(1.0)
    assert not scores["stationary_productivity"].passed
    share = scores["labour_share"]
    assert share.estimate.value == pytest.approx(0.525) and not share.passed
    assert share.note.startswith("B;") and "A 0.605" in share.note and "B 0.525" in share.note


def _robot_tax_record(seed: int, tax: float) -> dict:
    months = 120
    robots = np.where(np.arange(months) < 48, 1000.0, 10.0 * (1 - 0.1 * tax) + seed)
    world = np.full(months, 0.05 + 0.001 * tax)
    home = np.full(months, 0.04 + 0.01 * tax * (seed + 1))
    case = validation.Case("robot_tax", tax, seed, months, 0.25, "robot-wave")
    return {"case": case, "metrics": {"robots_per_1000": robots, "unemployment": world, "unemployment_US": home}}


def test_score_robot_tax_pairs_runs_by_seed():
    runs = [_robot_tax_record(seed, tax) for tax in (2.0, 0.0) for seed in (1, 0)]
    scores = validation.score_robot_tax(runs, FACTS_BY_KEY)
    adoption = scores["robot_tax_adoption"].estimate
    assert adoption.value == pytest.approx(100 * (np.mean([8 / 10, 9 / 11]) - 1)) and adoption.n == 2
    assert scores["robot_tax_adoption"].passed
    unemployment = scores["robot_tax_unemployment"]
    assert unemployment.estimate.value == pytest.approx(0.2) and unemployment.passed
    assert "US: +3.00 pp" in unemployment.note


@pytest.mark.parametrize("quick", [True, False])
def test_wave_runs_pair_each_wave_alone_with_frozen_technology(quick):
    design = validation.Design.for_mode(quick=quick)
    runs = [case for case in validation.cases(design) if case.experiment == "waves"]
    arms = {x: [case for case in runs if case.x == x] for x in (0.0, 1.0, 2.0)}
    assert sum(len(arm) for arm in arms.values()) == len(runs)
    for arm in arms.values():
        assert [case.seed for case in arm] == list(range(design.seeds))
        assert {(case.steps, case.scale) for case in arm} == {(validation.WAVE_MONTHS, design.stationary_scale)}
    frozen, robots, ai = (arms[x][0] for x in (0.0, 1.0, 2.0))
    assert (frozen.scenario, set(frozen.sets)) == ("baseline", set(validation.FROZEN_TECHNOLOGY))
    assert (robots.scenario, set(robots.sets)) == ("robot-wave", set(validation.FROZEN_AI))
    assert (ai.scenario, set(ai.sets)) == ("baseline", set(validation.FROZEN_ROBOTS))


def _wave_record(seed: int, wave: int, months: int = 240) -> dict:
    """Frozen (0), robot (1) and AI (2) arms: the robot wave lowers the labour share 2 pp and the AI wave 0.5 pp;
    each raises its exposed skill's unemployment; exposed prices fall; world inflation dips to -1% in months
    61-120 (waves) and ends at +1%."""
    step = np.arange(months)
    metrics = {name: np.full(months, 0.05) for name in
               ("unemployment", "unemployment_low", "unemployment_medium", "unemployment_high")}
    metrics["labour_share"] = np.full(months, 0.62 - {0: 0.0, 1: 0.02, 2: 0.005}[wave] + 0.001 * seed)
    metrics["inflation"] = np.where((step >= 60) & (step < 120) & (wave > 0), -0.01, 0.01 if wave else 0.02)
    if wave:
        metrics[{1: "unemployment_low", 2: "unemployment_medium"}[wave]] = np.full(months, 0.05 + 0.01 * wave)
    for sector in validation.SECTORS:
        metrics[f"price_{sector}"] = np.full(months, 1.0 - (0.1 * wave if wave else 0.0))
    metrics["policy_rate_A"] = np.where(step < 60, 0.03, 0.0) if wave else np.full(months, 0.03)
    return {"case": validation.Case("waves", float(wave), seed, months, 0.3), "metrics": metrics}


def test_score_waves_scores_the_weaker_wave():
    runs = [_wave_record(seed, wave) for wave in (2, 0, 1) for seed in (0, 1)]
    scores = validation.score_waves(runs, FACTS_BY_KEY)
    share = scores["wave_labour_share"]
    assert share.estimate.value == pytest.approx(-0.5) and share.passed
    assert "robot wave -2" in share.note and "AI wave -0.5" in share.note
    jobless = scores["wave_exposed_unemployment"]
    assert jobless.estimate.value == pytest.approx(1.0) and jobless.passed
    assert "low skill 1" in jobless.note and "medium skill 2" in jobless.note
    prices = scores["wave_exposed_prices"]
    assert prices.estimate.value == pytest.approx(-10.0) and prices.passed
    recovery = scores["wave_recovery"]
    assert recovery.estimate.value == pytest.approx(2.0) and recovery.passed
    assert "floor in 75% of months" in recovery.note


def test_score_waves_fails_a_wave_that_raises_the_labour_share():
    runs = [_wave_record(seed, wave) for wave in (0, 1, 2) for seed in (0, 1)]
    for run in runs:
        if run["case"].x == 2.0:
            run["metrics"]["labour_share"] = run["metrics"]["labour_share"] + 0.01
    assert not validation.score_waves(runs, FACTS_BY_KEY)["wave_labour_share"].passed


def test_scorecard_files_list_every_fact(tmp_path):
    scores = [validation.Score(fact, Estimate(fact.low, fact.low, fact.high, 5, "t")) for fact in validation.FACTS]
    meta = {"mode": "quick", "seeds": 2, "runs": 4, "wall_time_s": 1.0, "git_commit": None}
    validation.write_scorecard(tmp_path, scores, meta)
    payload = json.loads((tmp_path / "scorecard.json").read_text())
    assert [f["key"] for f in payload["facts"]] == [fact.key for fact in validation.FACTS]
    markdown = (tmp_path / "scorecard.md").read_text()
    assert all(fact.title in markdown for fact in validation.FACTS)
    assert f"{len(FACT_KEYS)} of {len(FACT_KEYS)} facts in band" in markdown
    rows = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + len(FACT_KEYS) and all(row.count("|") == 7 for row in rows)


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
