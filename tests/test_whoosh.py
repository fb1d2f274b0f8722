"""The whoosh ablation: the run measure, the arms, the CLI's errors, and the chain's signs over seeds."""

from __future__ import annotations

import numpy as np
import pytest

from experiments import whoosh
from experiments.scenarios import resolve_parameters


def test_a_run_of_outflow_is_measured_above_churn():
    churn = np.full(60, 0.002)
    calm = whoosh.whoosh_measures(churn)
    assert calm["size"] == pytest.approx(0.0)
    run = churn.copy()
    run[30:35] += 0.03      # 15% of home talent leaves within five months
    measured = whoosh.whoosh_measures(run)
    assert measured["size"] == pytest.approx(0.15)
    assert 30 <= measured["peak_month"] < 35
    assert measured["concentration"] == pytest.approx(1.0)


def test_a_slow_drift_is_not_a_run():
    drift = np.linspace(0.001, 0.006, 120)     # outflow rising steadily over ten years
    assert whoosh.whoosh_measures(drift)["size"] < whoosh.RUN_SHARE


def test_no_automation_wave_freezes_robots_and_ai_and_the_robots_only_arm_keeps_ai():
    arms = whoosh.arms("big-whoosh")
    full = resolve_parameters("big-whoosh")
    frozen = resolve_parameters("big-whoosh", arms["no automation wave"]).technology
    assert (frozen.humanoid_speed, frozen.robot_price_decline, frozen.ai_speed, frozen.ai_price_decline) == (0, 0, 0, 0)
    robots_only = resolve_parameters("big-whoosh", arms[whoosh.ROBOTS_FROZEN]).technology
    assert robots_only.humanoid_speed == 0.0 and robots_only.ai_speed == full.technology.ai_speed
    assert whoosh.ROBOTS_FROZEN not in whoosh.scored_arms()
    assert set(whoosh.scored_arms()) == {whoosh.FULL, "no automation wave", "no populist turn",
                                         "no CBDC or controls response", "no anticipation", "open door"}
    for cut in arms.values():
        resolve_parameters("big-whoosh", cut)     # every arm is a valid parameter set


def test_big_whoosh_schedules_no_lever_change():
    params = resolve_parameters("big-whoosh")
    base = resolve_parameters("baseline")
    for name, j in params.jurisdictions.items():
        for lever in ("robot_tax", "robot_adoption", "robot_cap", "capital_controls", "cbdc_surveillance", "carry_tax"):
            assert getattr(j, lever) == getattr(base.jurisdictions[name], lever), (name, lever)
        assert j.cbdc_start == base.jurisdictions[name].cbdc_start
    assert params.government.populist_response and params.government.lockin_response


def test_ratio_interval_covers_the_ratio_of_means():
    full = np.array([0.2, 0.15, 0.18, 0.22])
    est = whoosh.ratio_interval(full, full / 4)
    assert est.value == pytest.approx(0.25)
    assert est.ci_low <= 0.25 <= est.ci_high


@pytest.mark.parametrize("argv, key", [(["--seeds", "1"], "--seeds"), (["--months", "5"], "--months"),
                                       (["--scale", "0"], "--scale"), (["--set", "talent.nope=1"], "talent.nope"),
                                       (["--scenario", "nowhere"], "nowhere")])
def test_bad_input_is_one_error_line_and_exit_2(argv, key, tmp_path, capsys):
    out = tmp_path / "out"
    assert whoosh.main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and key in err and "\n" not in err
    assert not out.exists()


@pytest.mark.slow
def test_each_cut_link_shrinks_the_run_over_seeds(tmp_path):
    seeds = 4
    records = whoosh.run_ablation(seeds, scale=0.2, workers=2, progress=False)
    table = whoosh.summary(records).set_index("arm")
    full = table.loc[whoosh.FULL]
    assert full["whoosh_share"] >= 0.5
    for arm, row in table.iterrows():
        if arm in whoosh.scored_arms() and arm != whoosh.FULL:
            assert row["size_pp"] < full["size_pp"], arm
    first = records[0]
    again = whoosh.simulate((first["arm"], first["seed"], whoosh.SCENARIO, whoosh.arms()[first["arm"]], 0.2, whoosh.MONTHS))
    assert again["size"] == first["size"] and again["peak_date"] == first["peak_date"]   # pool or not, same result
    whoosh.plot(records, tmp_path / "whoosh.png")
    assert (tmp_path / "whoosh.png").stat().st_size > 10_000
