"""AI's demand channel in real terms (experiments/ai_demand.py): a fast AI wave against the same seeds with AI frozen.

Small and short runs: the signs the experiment reports, the per-person records it reads, and determinism.
"""

from __future__ import annotations

import numpy as np
import pytest

from experiments import ai_demand
from experiments.ai_demand import FROZEN, WAVE
from experiments.scenarios import resolve_parameters
from model.economy import WhooshModel
from model.phases.goods_market import liquidity_mpc

SCALE, MONTHS, SEEDS = 0.5, 72, 3     # six years: the fast wave is half-way by month 18


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return [ai_demand.simulate_seed(seed, SCALE, MONTHS) for seed in range(SEEDS)]


def test_displaced_white_collar_workers_consume_less_after_displacement(records):
    """In the year after an AI layoff, a displaced medium-skill worker's real consumption is below what the same
    person consumed in the same months with AI frozen; before it, it is not lower by much."""
    after = [r["event_year"]["consumption"] for r in records]
    before = [r["event_before"]["consumption"] for r in records]
    assert all(change < -5.0 for change in after), after
    assert np.mean(after) < np.mean(before) - 10.0, (after, before)


def test_owners_capital_income_rises(records):
    """The top 10% by savings (who hold the vendors, with everyone else, in proportion to savings) get more
    real capital income in the AI wave."""
    window = slice(0, MONTHS)
    changes = [ai_demand.change(r["series"][WAVE, "owners", "capital_income"],
                                r["series"][FROZEN, "owners", "capital_income"], window) for r in records]
    assert all(c > 0 for c in changes), changes


def test_vendor_revenue_is_fully_accounted_for(records):
    """The uses of the AI labs' revenue from AI services add up to that revenue, every month."""
    for r in records:
        revenue = r["aggregate"][WAVE]["vendor_revenue"]
        used = sum(r["uses"][key] for key in ai_demand.USES)
        np.testing.assert_allclose(used, revenue, rtol=1e-9, atol=1e-6)
        assert revenue[-12:].sum() > 0
        assert r["aggregate"][FROZEN]["vendor_revenue"].sum() == 0


def test_outputs(records, tmp_path):
    """The summary has every group and use; the CSVs and the plot are written."""
    meta = {"seeds": SEEDS, "scale": SCALE, "months": MONTHS, "sets": []}
    summary = ai_demand.write_outputs(records, meta, tmp_path)
    groups = summary[summary.section == "groups"]
    assert set(groups.group) == set(ai_demand.GROUPS)
    full = f"months 1-{MONTHS}"
    shares = summary[(summary.section == "vendors") & (summary.unit == "% of AI-vendor revenue")
                     & (summary.window == full) & summary.measure.isin(ai_demand.USES.values())]
    assert len(shares) == len(ai_demand.USES)
    assert shares.change.sum() == pytest.approx(100.0, abs=1e-6)
    for name in ("ai_demand_summary.csv", "ai_demand_seeds.csv", "ai_demand_series.csv", "ai_demand.png"):
        assert (tmp_path / name).stat().st_size > 0


def test_deterministic():
    """Same seed, same results, to the bit."""
    a = ai_demand.simulate_seed(1, 0.1, 24)
    b = ai_demand.simulate_seed(1, 0.1, 24)
    assert a["series"].keys() == b["series"].keys()
    for key in a["series"]:
        np.testing.assert_array_equal(a["series"][key], b["series"][key])
    for key in ai_demand.USES:
        np.testing.assert_array_equal(a["uses"][key], b["uses"][key])
    assert a["event_year"] == b["event_year"] or all(
        np.isnan(a["event_year"][k]) and np.isnan(b["event_year"][k]) for k in a["event_year"])


def test_consumption_records_add_up_to_the_consumption_flow():
    """Per-person consumption of workers and talent (the month's records) sums to the consumption booked (world total:
    talent that moved later in the month spent where it lived before)."""
    params = resolve_parameters("baseline", ["population.scale=0.1"])
    with WhooshModel(params, seed=3) as model:
        for _ in range(3):
            model.step()
            month, w, t = model.last_month, model.workers, model.talent
            recorded = (month.household_consumption * w.weight).sum() + (month.talent_consumption * t.weight).sum()
            assert recorded == pytest.approx(month.flows["consumption"].sum(), rel=1e-9)
            assert month.worker_capital_income.shape == (len(w),)
            assert (month.worker_capital_income >= 0).all()


def test_top_rows_takes_the_top_share_of_people_in_each_group():
    values = np.array([5.0, 1.0, 3.0, 9.0, 2.0, 8.0, 7.0, 7.0])
    weight = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    group = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    top = ai_demand.top_rows(values, weight, group, 0.25)
    assert top.tolist() == [False, False, False, True, False, True, False, False]
    tie = ai_demand.top_rows(values, weight, group, 0.5)     # ties go by row order
    assert tie.tolist() == [True, False, False, True, False, True, True, False]


def test_liquidity_mpc_falls_with_savings():
    assert liquidity_mpc(np.array([1.0, 2.0]), np.array([1.0, 1.0]), 0.85, 0.0) == 0.85
    mpc = liquidity_mpc(np.array([0.0, 0.1, 1.0, 10.0]), np.ones(4), 0.85, 0.15)
    assert mpc[2] == pytest.approx(0.85)
    assert mpc[0] == 1.0 and mpc[1] <= 1.0
    assert np.all(np.diff(mpc) <= 0) and mpc[3] == pytest.approx(0.85 * 10 ** -0.15)
