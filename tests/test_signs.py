"""Mechanism signs at the level of whole runs, averaged over seeds.

Each test changes one lever or parameter and checks that whole runs move the way the mechanisms of
docs/ODD.md §7 imply: a robot tax means fewer robots and less unemployment in a robot wave, a higher
tax in a haven draws less talent there, harsher controls (a higher exit cost) mean less talent
flight once they bind, announced controls make talent leave earlier, higher unemployment lowers the
policy rate, and a lower carry tax lets venture steer more capital.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import run_frame

SEEDS = range(5)
ALL = ["US", "China", "EU", "Singapore", "UAE", "Switzerland"]


def mean_over_seeds(scenario, sets, column, rows=slice(None), steps=120, scale=0.3, reduce=np.mean):
    """``reduce`` of ``column`` over ``rows`` of each seed's run of ``steps`` months, averaged over seeds (a run
    needs only the months its window reads: months are computed causally)."""
    return float(np.mean([reduce(run_frame(scenario, sets, seed, steps, scale)[column].to_numpy()[rows]) for seed in SEEDS]))


def every(key: str, value) -> list[str]:
    return [f"jurisdictions.{j}.{key}={value}" for j in ALL]


@pytest.mark.slow
def test_robot_tax_means_fewer_robots_and_less_unemployment_in_a_robot_wave():
    wave = slice(24, 72)  # 2027-01 .. 2030-12: humanoids spread (robot-wave midpoint 2027-07); later both saturate
    untaxed = every("robot_tax", 0.0)
    taxed = every("robot_tax", 2.0)
    robots = [mean_over_seeds("robot-wave", s, "robots_per_1000", wave, steps=72) for s in (untaxed, taxed)]
    unemployment = [mean_over_seeds("robot-wave", s, "unemployment", wave, steps=72) for s in (untaxed, taxed)]
    assert robots[1] < robots[0]
    assert unemployment[1] < unemployment[0]


@pytest.mark.slow
def test_higher_haven_tax_means_less_talent_moves_there():
    low = ["jurisdictions.Singapore.expat_tax=0.05", "jurisdictions.Singapore.top_income_tax=0.05"]
    high = ["jurisdictions.Singapore.expat_tax=0.6", "jurisdictions.Singapore.top_income_tax=0.6"]
    arrivals = [mean_over_seeds("big-whoosh", s, "talent_Singapore", slice(-1, None)) for s in (low, high)]
    assert arrivals[1] < arrivals[0]


@pytest.mark.slow
def test_higher_exit_cost_means_less_flight_once_it_binds():
    # the same controls from 2026-01, unannounced; only their bite (exit tax, trapped wealth) differs
    mild = ["jurisdictions.US.capital_controls=[{at=\"2026-01\", value=0.1}]"]
    harsh = ["jurisdictions.US.capital_controls=[{at=\"2026-01\", value=0.9}]"]
    after = slice(13, None)
    outflow = [mean_over_seeds("big-whoosh", s + ["government.lockin_response=false"], "talent_outflow", after, reduce=np.sum)
               for s in (mild, harsh)]
    assert outflow[1] < outflow[0]


@pytest.mark.slow
def test_announced_controls_make_talent_leave_earlier():
    change = "jurisdictions.US.capital_controls=[{{at=\"2028-01\", value=0.9, announce_months={}}}]"
    before = slice(0, 36)  # 2025-01 .. 2027-12, before the controls bind
    fixed = ["government.lockin_response=false"]
    unannounced = mean_over_seeds("baseline", [change.format(0), *fixed], "talent_outflow", before, steps=36, reduce=np.sum)
    announced = mean_over_seeds("baseline", [change.format(24), *fixed], "talent_outflow", before, steps=36, reduce=np.sum)
    assert announced > unannounced


@pytest.mark.slow
def test_higher_unemployment_means_lower_policy_rate():
    # austerity (a primary surplus everywhere) cuts demand and raises unemployment while the rate is off its floor
    window = slice(6, 36)
    slump = every("primary_deficit", -0.08)
    u = [mean_over_seeds("baseline", s, "unemployment", window, steps=36) for s in ([], slump)]
    rate = [mean_over_seeds("baseline", s, "policy_rate", window, steps=36) for s in ([], slump)]
    assert u[1] > u[0]
    assert rate[1] < rate[0]


@pytest.mark.slow
def test_lower_carry_tax_means_more_capital_steered_by_venture():
    low = mean_over_seeds("baseline", every("carry_tax", 0.0), "capital_share_venture", slice(-12, None))
    high = mean_over_seeds("baseline", every("carry_tax", 0.6), "capital_share_venture", slice(-12, None))
    assert low > high
