"""Unit tests of the model's mechanisms: small pure functions over numpy arrays.

Expected values are worked out by hand from each function's documented formula (the arithmetic
is in the comment next to each literal); property checks use seeded random arrays.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from model.domain import INDEX, SOVEREIGN, TOURNAMENT, VENTURE
from model import door
from model.phases import (
    automation,
    capital_allocation,
    capital_flight,
    central_bank,
    firm_accounts,
    goods_market,
    government,
    labour_market,
    politics,
    prices,
    talent_choice,
    technology,
)
from model.parameters import TalentBehaviour
from model.populations import NEVER

E = np.e


# =========================================================================== automation


def test_logistic_path_lifts_floor_to_start_value():
    # speed = ln 3, midpoint 1: raw(t) = 1/(1+3^(1-t)) -> [0.25, 0.5, 0.75]; raw0 = 0.25.
    # start 0.1 < raw0: floor 0.1, lifted = 0.1 + 0.9*(raw-0.25)/0.75 = [0.1, 0.4, 0.7]
    out = technology.logistic_path(0.1, 1.0, np.log(3.0), np.array([0.0, 1.0, 2.0]))
    np.testing.assert_allclose(out, [0.1, 0.4, 0.7])


def test_logistic_path_above_the_raw_curve_has_no_kink():
    # start 0.5 > raw0 0.25: lifted = 0.5 + 0.5*(raw-0.25)/0.75 = [0.5, 0.6667, 0.8333]
    out = technology.logistic_path(0.5, 1.0, np.log(3.0), np.array([0.0, 1.0, 2.0]))
    np.testing.assert_allclose(out, [0.5, 2 / 3, 5 / 6])


def test_logistic_path_starts_at_start_value_rises_and_tends_to_one():
    steps = np.arange(0, 400)
    for start in (0.0, 0.05, 0.3, 0.9):
        out = technology.logistic_path(start, 60.0, 0.08, steps)
        assert out[0] == pytest.approx(start)
        assert np.all(np.diff(out) >= -1e-15)
        assert np.all((out >= 0.0) & (out <= 1.0))
        assert out[-1] == pytest.approx(1.0, abs=1e-6)


def test_automation_target_is_feasible_share_times_normal_cdf_of_log_advantage():
    # dispersion 1: log(w/c) = [0, 1, -1] -> Phi = [0.5, 0.8413447, 0.1586553]; x 0.6 feasible
    out = automation.automation_target(np.array([0.6, 0.6, 0.6]), np.array([2.0, 2.0 * E, 2.0]),
                                       np.array([2.0, 2.0, 2.0 * E]), 1.0)
    np.testing.assert_allclose(out, [0.3, 0.6 * 0.8413447461, 0.6 * 0.1586552539], rtol=1e-8)


def test_automation_target_rises_with_wage_falls_with_cost_and_stays_below_feasible():
    wages = np.linspace(0.5, 20.0, 50)
    by_wage = automation.automation_target(0.7, wages, 5.0, 0.5)
    assert np.all(np.diff(by_wage) > 0)
    by_cost = automation.automation_target(0.7, 5.0, wages, 0.5)
    assert np.all(np.diff(by_cost) < 0)
    assert np.all(by_wage <= 0.7) and np.all(by_cost <= 0.7) and np.all(by_wage >= 0)


def test_adjust_share_moves_a_fraction_of_the_gap_and_clips_speed():
    cur, tgt = np.array([0.2, 0.5]), np.array([0.6, 0.1])
    # 0.2 + 0.25*0.4 = 0.3; 0.5 + 0.25*(-0.4) = 0.4
    np.testing.assert_allclose(automation.adjust_share(cur, tgt, 0.25), [0.3, 0.4])
    np.testing.assert_allclose(automation.adjust_share(cur, tgt, 2.0), tgt)   # speed clipped to 1
    np.testing.assert_allclose(automation.adjust_share(cur, tgt, -1.0), cur)  # speed clipped to 0


def test_robot_cap_share_scales_down_to_the_cap():
    # robots = [0.5*100, 0.5*300] = [50, 150] = 200; allowed = 100*1000/1000 = 100 -> x 0.5
    share, tasks = np.array([0.5, 0.5]), np.array([100.0, 300.0])
    np.testing.assert_allclose(automation.robot_cap_share(share, tasks, 100.0, 1000.0), [0.25, 0.25])


def test_robot_cap_share_leaves_shares_alone_when_cap_does_not_bind():
    share, tasks = np.array([0.5, 0.5]), np.array([100.0, 300.0])
    np.testing.assert_array_equal(automation.robot_cap_share(share, tasks, 300.0, 1000.0), share)
    np.testing.assert_array_equal(automation.robot_cap_share(np.zeros(2), tasks, 0.0, 1000.0), np.zeros(2))


def test_robot_cap_share_zero_cap_removes_all_robots():
    out = automation.robot_cap_share(np.array([0.5, 0.2]), np.array([100.0, 300.0]), 0.0, 1000.0)
    np.testing.assert_array_equal(out, [0.0, 0.0])


def test_robot_monthly_cost_formula():
    # 2 * (1+0.5) * (1+4*0.05) = 2 * 1.5 * 1.2 = 3.6
    assert technology.robot_monthly_cost(2.0, 0.5, 0.05, 4.0) == pytest.approx(3.6)
    # tax [0, 0.5, -0.5] at rate 0: 2*[1, 1.5, 0.5] = [2, 3, 1]
    np.testing.assert_allclose(technology.robot_monthly_cost(2.0, np.array([0.0, 0.5, -0.5]), 0.0, 2.0), [2.0, 3.0, 1.0])


def test_robot_tax_raises_robot_cost_and_lowers_automation():
    taxes = np.array([0.0, 0.25, 1.0, 3.0])
    cost = technology.robot_monthly_cost(3.0, taxes, 0.04, 2.0)
    assert np.all(np.diff(cost) > 0)
    target = automation.automation_target(0.5, 3.0, cost, 0.5)
    assert np.all(np.diff(target) < 0)


def test_displaced_share_is_rise_over_remaining_human_share():
    # [0.4/0.8, fall -> 0, 0.5/0.5, already fully automated -> 0]
    out = automation.displaced_share(np.array([0.2, 0.5, 0.5, 1.0]), np.array([0.6, 0.4, 1.0, 1.0]))
    np.testing.assert_allclose(out, [0.5, 0.0, 1.0, 0.0])


# =========================================================================== labour market


def test_matches_poisson_meetings_aggregated_over_the_month():
    # A=0.5, alpha=0.5: rate 0.5*sqrt(9/4) = 0.75 -> 4*(1-e^-0.75); rate 0.5*sqrt(1/100) -> 100*(1-e^-0.05),
    # capped at V=1; an empty side gives no matches
    out = labour_market.matches(np.array([4.0, 100.0, 0.0, 9.0]), np.array([9.0, 1.0, 5.0, 0.0]), 0.5, 0.5)
    np.testing.assert_allclose(out, [4.0 * (1 - np.exp(-0.75)), 1.0, 0.0, 0.0])


def test_matches_never_exceed_either_side_and_vanish_with_an_empty_side():
    rng = np.random.default_rng(1)
    u, v = rng.uniform(0, 100, 200), rng.uniform(0, 100, 200)
    m = labour_market.matches(u, v, 2.0, 0.4)
    assert np.all(m <= u + 1e-12) and np.all(m <= v + 1e-12) and np.all(m >= 0)
    assert np.all(labour_market.matches(u, np.zeros(200), 2.0, 0.4) == 0)
    assert np.all(labour_market.matches(np.zeros(200), v, 2.0, 0.4) == 0)


def test_job_finding_rate_stays_below_one_however_tight_the_market():
    seekers = np.ones(5)
    vacancies = np.array([0.1, 1.0, 3.0, 10.0, 30.0])
    finding = labour_market.matches(seekers, vacancies, 0.75, 0.5) / seekers
    assert np.all(np.diff(finding) > 0) and np.all(finding < 1.0)


def test_update_wages_asymmetric_capped_and_indexed():
    # natural 0.05; unemployment [0.03, 0.05, 0.07, 0.0] -> gaps [0.02, 0, -0.02, 0.05]
    # up 1, down 0.25 -> changes [0.02, 0, -0.005, 0.05 (the cap)]; x 1.01 inflation
    # 100*1.02*1.01 = 103.02; 101; 100*0.995*1.01 = 100.495; 100*1.05*1.01 = 106.05
    out = labour_market.update_wages(np.full(4, 100.0), np.array([0.03, 0.05, 0.07, 0.0]), 0.05, 1.0, 0.25, 0.01)
    np.testing.assert_allclose(out, [103.02, 101.0, 100.495, 106.05])


def test_update_wages_cuts_are_capped_at_five_percent():
    # gap -0.5 * down 1 = -0.5 -> clipped -0.05: 100*0.95 = 95
    assert labour_market.update_wages(100.0, 0.55, 0.05, 0.2, 1.0, 0.0) == pytest.approx(95.0)


def test_update_wages_nominal_cuts_limited_by_downward_rigidity():
    # slack and deflation would cut 100 by 5% and 2%; the floor lets it fall 0.2% at most
    assert labour_market.update_wages(100.0, 0.5, 0.05, 0.2, 1.0, -0.02, max_cut=0.002) == pytest.approx(99.8)


def test_skill_needs_substitutes_away_from_dearer_skills():
    # sigma 0.5: base [0.5,0.5]*[1,4]^-0.5 = [0.5, 0.25] -> [2/3, 1/3]
    # sigma 1:   [0.5, 0.125] -> [0.8, 0.2]
    base, rel = np.array([0.5, 0.5]), np.array([1.0, 4.0])
    np.testing.assert_allclose(labour_market.skill_needs(base, rel, 0.5), [2 / 3, 1 / 3])
    np.testing.assert_allclose(labour_market.skill_needs(base, rel, 1.0), [0.8, 0.2])


def test_skill_needs_rows_sum_to_one_and_equal_relatives_keep_base():
    base = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    out = labour_market.skill_needs(base, np.array([[1.0, 1.5, 3.0], [2.0, 2.0, 2.0]]), 0.8)
    np.testing.assert_allclose(out.sum(axis=1), [1.0, 1.0])
    np.testing.assert_allclose(out[1], base[1])
    assert out[0, 2] < base[0, 2] and out[0, 0] > base[0, 0]


def test_layoff_probability_is_excess_over_demand_plus_slack():
    # slack 0.1: excess = [10-5.5, 10-11, 0-3.3, 10-8.8] = [4.5, -1, -, 1.2] -> [0.45, 0, 0, 0.12]
    out = labour_market.layoff_probability(np.array([10.0, 10.0, 0.0, 10.0]), np.array([5.0, 10.0, 3.0, 8.0]), 0.1)
    np.testing.assert_allclose(out, [0.45, 0.0, 0.0, 0.12])


def test_assign_to_vacancies_deterministic_cases():
    # market 0: only firm 1 has vacancies; market 1: only firm 2; market 2: firms without vacancies; market 3: no firms
    vac = np.array([0.0, 5.0, 3.0, 0.0])
    market_of_firm = np.array([0, 0, 1, 2])
    hires = np.array([0, 1, 2, 3, 0, 1])
    out = labour_market.assign_to_vacancies(np.random.default_rng(0), hires, vac, market_of_firm)
    np.testing.assert_array_equal(out, [1, 2, -1, -1, 1, 2])


def test_assign_to_vacancies_picks_firms_in_proportion_to_vacancies_within_market():
    # market 0 firms 0,1,4 with vacancies 1,3,0 -> shares 0.25, 0.75, 0
    vac = np.array([1.0, 3.0, 10.0, 2.0, 0.0])
    market_of_firm = np.array([0, 0, 1, 1, 0])
    out = labour_market.assign_to_vacancies(np.random.default_rng(42), np.zeros(20000, dtype=np.int64), vac,
                                            market_of_firm)
    assert set(np.unique(out)) == {0, 1}
    assert np.mean(out == 1) == pytest.approx(0.75, abs=0.015)


# =========================================================================== goods market


def test_household_demand_income_and_wealth_shares():
    # 0.8*[10,0,0,10] + 0.05*[100,20,40,0] = [13, 1, 2, 8] (negative income counts as 0)
    out = goods_market.household_demand(np.array([10.0, 0.0, -5.0, 10.0]), np.array([100.0, 20.0, 40.0, 0.0]), 0.8, 0.05)
    np.testing.assert_allclose(out, [13.0, 1.0, 2.0, 8.0])


def test_household_demand_capped_at_income_plus_savings():
    # plan 1.5*10 + 0.5*4 = 17 > 10 + 4 = 14
    assert goods_market.household_demand(10.0, 4.0, 1.5, 0.5) == pytest.approx(14.0)
    rng = np.random.default_rng(2)
    y, s = rng.uniform(-50, 100, 300), rng.uniform(-50, 100, 300)
    d = goods_market.household_demand(y, s, 1.2, 0.9)
    assert np.all(d <= np.maximum(y, 0) + np.maximum(s, 0) + 1e-12) and np.all(d >= 0)


def test_rate_factor_is_exponential_in_real_rate_gap():
    # real gap = i - 0.02 - 0.01 = [0.02, 0, -0.03]; x -2 -> exp([-0.04, 0, 0.06])
    out = goods_market.rate_factor(np.array([0.05, 0.03, 0.0]), 0.02, 0.01, 2.0)
    np.testing.assert_allclose(out, [0.9607894392, 1.0, 1.0618365465])


def test_spread_demand_hand_example():
    # market 0: firms 0,1 cap 1,1 prices 1,2 -> mean 1.5; w = [1.5, 0.75] -> 100*[2/3, 1/3]
    # market 1: single firm 2 -> 60; firm 3 outside every market -> 0
    out = goods_market.spread_demand(np.array([100.0, 60.0]), np.array([0, 0, 1, -1]), np.array([1.0, 1.0, 2.0, 5.0]),
                                     np.array([1.0, 2.0, 3.0, 1.0]), 1.0)
    np.testing.assert_allclose(out, [200 / 3, 100 / 3, 60.0, 0.0])


def test_spread_demand_conserves_each_budget_and_favours_cheaper_firm():
    rng = np.random.default_rng(3)
    market = rng.integers(0, 4, 40)
    market[:4] = np.arange(4)
    budget = np.array([10.0, 20.0, 30.0, 40.0])
    out = goods_market.spread_demand(budget, market, rng.uniform(1, 5, 40), rng.uniform(0.5, 2, 40), 3.0)
    np.testing.assert_allclose(np.bincount(market, weights=out, minlength=4), budget)
    two = goods_market.spread_demand(np.array([50.0]), np.array([0, 0]), np.array([1.0, 1.0]), np.array([0.9, 1.1]), 2.0)
    assert two[0] > two[1]


def test_target_price_markup_and_bounded_demand_pressure():
    # 10*1.2 = 12 x clip(p^0.5, 0.8, 1.25): p = [1, 1.21, 4, 0.25] -> [1, 1.1, 2->1.25, 0.5->0.8]
    out = prices.target_price(10.0, 0.2, np.array([1.0, 1.21, 4.0, 0.25]), 0.5)
    np.testing.assert_allclose(out, [12.0, 13.2, 15.0, 9.6])


def test_adjust_price_closes_share_of_gap():
    # 10 + 0.3*10 = 13; 20 - 0.3*10 = 17
    np.testing.assert_allclose(prices.adjust_price(np.array([10.0, 20.0]), np.array([20.0, 10.0]), 0.3), [13.0, 17.0])


# =========================================================================== central bank


def test_taylor_rate_hand_example():
    # target = 0.01 + 0.03 + 0.5*(0.01) - 1.0*(u - 0.05) = 0.045 - (u - 0.05): [0.045, 0.035, -0.405]
    # rate = 0.8*0.04 + 0.2*target = [0.041, 0.039, -0.049 -> 0]
    out = central_bank.taylor_rate(0.04, np.array([0.05, 0.06, 0.5]), 0.05, 0.03, 0.02, 0.01, 0.5, 1.0, 0.8)
    np.testing.assert_allclose(out, [0.041, 0.039, 0.0])


def test_taylor_rate_falls_with_unemployment_floored_at_exactly_zero():
    u = np.linspace(0.02, 0.4, 60)
    r = central_bank.taylor_rate(0.03, u, 0.045, 0.02, 0.02, 0.01, 0.5, 1.5, 0.5)
    assert np.all(r >= 0.0)
    assert np.all(np.diff(r) <= 0)
    assert np.all(np.diff(r[r > 0]) < 0)
    assert r[-1] == 0.0


# =========================================================================== politics


def test_update_grievance_hand_example():
    # decay 0.05, rise 0.1 if unemployed, +0.2 if also displaced
    # [0.5*0.95, 0.475 + 0.1*0.5, 0.475 + 0.3*0.5, 0 + 0.3*1] = [0.475, 0.525, 0.625, 0.3]
    g = np.array([0.5, 0.5, 0.5, 0.0])
    out = politics.update_grievance(g, np.array([False, True, True, True]), np.array([True, False, True, True]),
                                    np.zeros(4), 0.1, 0.2, 0.0, 0.05)
    np.testing.assert_allclose(out, [0.475, 0.525, 0.625, 0.3])


def test_update_grievance_exposure_raises_grievance_of_the_employed_only():
    # exposure 0.5 with rise 0.1 adds 0.05 * (1 - g) for the employed; the unemployed get no exposure term
    g = np.array([0.2, 0.2])
    out = politics.update_grievance(g, np.array([False, True]), np.array([False, False]), np.array([0.5, 0.5]),
                                    0.0, 0.0, 0.1, 0.0)
    np.testing.assert_allclose(out, [0.2 + 0.05 * 0.8, 0.2])


def test_update_grievance_stays_in_unit_interval_and_decays_without_unemployment():
    rng = np.random.default_rng(4)
    g = rng.uniform(0, 1, 100)
    out = politics.update_grievance(g, rng.random(100) < 0.5, rng.random(100) < 0.5, rng.random(100), 0.9, 0.9, 0.9, 0.5)
    assert np.all((out >= 0) & (out <= 1))
    calm = politics.update_grievance(g, np.zeros(100, bool), np.ones(100, bool), np.zeros(100), 0.1, 0.2, 0.3, 0.05)
    np.testing.assert_allclose(calm, g * 0.95)
    assert np.all(calm <= g)


def test_populism_is_weighted_mean_per_jurisdiction():
    # j0: grievance×weight summed = 0.2*1 + 0.4*3 = 1.4 over 4 people = 0.35; j1: 1.8/2 = 0.9; j2 empty -> 0
    out = politics.populism(np.array([1.4, 1.8, 0.0]), np.array([4.0, 2.0, 0.0]))
    np.testing.assert_allclose(out, [0.35, 0.9, 0.0])


def test_violence_risk_hand_example():
    # logit(0.1) = ln(1/9); +2*0.5 = +1 -> e/(e+9) = 0.2319693; u excess 0.1*10 = +1 -> same
    out = politics.violence_risk(np.array([0.0, 0.5, 0.0, 0.0]), np.array([0.05, 0.05, 0.15, 0.01]), 0.05,
                                 0.1, 2.0, 10.0)
    np.testing.assert_allclose(out, [0.1, 0.2319693, 0.2319693, 0.1], rtol=1e-6)


def test_violence_risk_rises_with_populism_and_unemployment_above_normal_only():
    pop = np.linspace(0, 1, 11)
    assert np.all(np.diff(politics.violence_risk(pop, 0.05, 0.05, 0.02, 3.0, 20.0)) > 0)
    u = np.linspace(0.0, 0.3, 31)
    r = politics.violence_risk(0.3, u, 0.05, 0.02, 3.0, 20.0)
    below, above = r[u <= 0.05], r[u >= 0.05]
    np.testing.assert_allclose(below, below[0])
    assert np.all(np.diff(above) > 0)


# =========================================================================== talent choice


def test_crypto_escape_hand_example():
    # leak 0.5, enforcement 0.8: [0.5*1*(1-0), 0.5*1*(1-0.4), 0.5*0.5*(1-0.8)] = [0.5, 0.3, 0.05]
    out = door.crypto_escape(np.array([1.0, 1.0, 0.5]), np.array([0.0, 0.5, 1.0]), 1.0, 0.5, 0.8)
    np.testing.assert_allclose(out, [0.5, 0.3, 0.05])


def test_crypto_escape_falls_with_cbdc_adoption_times_surveillance():
    adoption = np.linspace(0, 1, 11)
    out = door.crypto_escape(0.8, adoption, 0.9, 0.6, 0.9)
    assert np.all(np.diff(out) < 0)
    assert np.all((out >= 0) & (out <= 1))


def test_exit_cost_share_hand_example():
    # moving 0.03 of what leaves, max tax 0.2, max trapped 0.5; tax t = 0.2 s, trapped k = 0.5 s (1 - e)
    # cost = t + (1 - t) k + 0.03 (1 - t)(1 - k)
    # s=0: 0.03; s=.5: 0.1 + 0.9*0.25 + 0.03*0.9*0.75 = 0.34525; s=1: 0.2 + 0.4 + 0.03*0.4 = 0.612;
    # s=1, e=.5: 0.2 + 0.8*0.25 + 0.03*0.8*0.75 = 0.418
    out = door.exit_cost_share(np.array([0.0, 0.5, 1.0, 1.0]), np.array([0.0, 0.0, 0.0, 0.5]), 0.03, 0.2, 0.5)
    np.testing.assert_allclose(out, [0.03, 0.34525, 0.612, 0.418])


def test_exit_bill_splits_liquid_wealth_and_taxes_all_wealth():
    # liquid 100, illiquid 300, s = 0.5, e = 0.5: tax min(0.2*0.5*400, 100) = 40; after 60; trapped 0.5*0.5*0.5 = 0.125
    # of 60 = 7.5; moving 0.03 * 52.5 = 1.575; carried 50.925
    tax, trapped, moving, carried, share = door.exit_bill(100.0, 300.0, 0.5, 0.5, 0.03, 0.2, 0.5)
    np.testing.assert_allclose([tax, trapped, moving, carried, share], [40.0, 7.5, 1.575, 50.925, 0.125])
    assert tax + trapped + moving + carried == 100.0
    # the exit tax is capped by liquid wealth, and negative liquid wealth carries nothing
    assert door.exit_bill(10.0, 1000.0, 1.0, 0.0, 0.03, 0.2, 0.5)[0] == 10.0
    assert door.exit_bill(-5.0, 0.0, 0.5, 0.0, 0.03, 0.2, 0.5)[3] == 0.0


def test_exit_cost_share_rises_with_stringency_and_falls_with_escape():
    s = np.linspace(0, 1, 11)
    assert np.all(np.diff(door.exit_cost_share(s, 0.3, 0.03, 0.2, 0.5)) > 0)
    e = np.linspace(0, 1, 11)
    assert np.all(np.diff(door.exit_cost_share(0.7, e, 0.03, 0.2, 0.5)) < 0)


def test_lockin_probability_hand_example():
    # base -4: expit(-4) = 0.0179862; +4*0.5 -> expit(-2) = 0.1192029; +60*0.05 + 2*1*0.5 -> expit(0) = 0.5;
    # a populist government in power: +2 -> expit(-2)
    out = door.lockin_probability(np.array([0.0, 0.5, 0.0, 0.0]), np.array([False, False, False, True]),
                                  np.array([0.0, 0.0, 0.05, 0.0]), np.array([0.0, 0.0, 1.0, 0.0]), 0.5,
                                  -4.0, 4.0, 2.0, 60.0, 2.0)
    np.testing.assert_allclose(out, [0.0179862100, 0.1192029220, 0.5, 0.1192029220], rtol=1e-8)


def test_anticipated_cost_rise_hand_example():
    # [0 + .5*0, 0.2 + .5*(0.6-0.3), 0 + .5*(0.6-0.1), 0 + 0*0.3] = [0, 0.35, 0.25, 0]
    out = door.anticipated_cost_rise(np.array([0.1, 0.1, 0.1, 0.3]), np.array([0.1, 0.3, 0.05, 0.3]),
                                              np.array([0.1, 0.6, 0.6, 0.6]), np.array([0.5, 0.5, 0.5, 0.0]))
    np.testing.assert_allclose(out, [0.0, 0.35, 0.25, 0.0])


def test_anticipated_cost_rise_zero_with_nothing_announced_and_no_fear():
    now = np.array([0.03, 0.2, 0.5])
    out = door.anticipated_cost_rise(now, now, np.array([0.9, 0.9, 0.9]), np.zeros(3))
    np.testing.assert_array_equal(out, np.zeros(3))


def test_financial_freedom_hand_example():
    # censorship = clip(a*s*(0.3+pop)) = [0, 0.25, 1.2->1, 0.3]; 1 - 0.7c - 0.3*stringency
    # [1, 0.825, 0.3, 1 - 0.21 - 0.3 = 0.49]
    out = talent_choice.financial_freedom(np.array([0.0, 1.0, 1.0, 1.0]), np.array([1.0, 0.5, 1.0, 1.0]),
                                          np.array([0.0, 0.2, 0.9, 0.0]), np.array([0.0, 0.0, 0.0, 1.0]), 0.3, 0.3)
    np.testing.assert_allclose(out, [1.0, 0.825, 0.3, 0.49])


def behaviour() -> TalentBehaviour:
    return TalentBehaviour(beta_income=3.0, beta_safety=4.0, beta_freedom=4.0, beta_amenity=1.0,
                           beta_agglomeration=0.4, beta_congestion=4.0, beta_cost=6.0, beta_anticipation=12.0,
                           home_bias=2.0, stay_bias=2.0)


def utility_inputs():
    return dict(
        log_income=np.array([[1.0, 1.5], [1.0, 1.5]]), safety=np.array([0.5, 0.25]), freedom=np.array([0.25, 0.5]),
        amenity=np.array([0.5, 1.0]), talent_share=np.array([1.0, np.exp(-1.0)]), congestion=np.array([0.0, 0.5]),
        exit_cost=np.array([0.1, 0.2]), cost_rise=np.array([0.1, 0.0]),
        is_home=np.array([[True, False], [True, False]]), is_current=np.array([[True, False], [False, True]]))


def test_location_utility_hand_example():
    # row 0 (home & current in col 0):
    #   col 0: 3*1 + 4*.5 + 4*.25 + .5 + .4*0 + home 2 + stay 2 = 10.5
    #   col 1: 3*1.5 + 4*.25 + 4*.5 + 1 + .4*(-1) - 4*.5 + (-6*.1 + 12*.1) = 4.5+1+2+1-.4-2+.6 = 6.7
    # row 1 (home col 0, living in col 1):
    #   col 0: 3 + 2 + 1 + .5 + (-6*.2 + 0) + home 2 = 7.3
    #   col 1: 4.5 + 1 + 2 + 1 - .4 - 2 + stay 2 = 8.1
    u = talent_choice.location_utility(**utility_inputs(), b=behaviour())
    np.testing.assert_allclose(u, [[10.5, 6.7], [7.3, 8.1]])


def test_location_utility_income_shift_moves_only_that_column():
    b, base = TalentBehaviour(), utility_inputs()
    before = talent_choice.location_utility(**base, b=b)
    raised = {**base, "log_income": base["log_income"] + np.array([[0.0, 0.3], [0.0, 0.3]])}
    after = talent_choice.location_utility(**raised, b=b)
    np.testing.assert_allclose(after[:, 1] - before[:, 1], b.beta_income * 0.3)
    np.testing.assert_allclose(after[:, 0], before[:, 0])


def test_location_utility_congestion_spares_home_and_share_is_floored():
    b, base = behaviour(), utility_inputs()
    crowded_home = {**base, "congestion": np.array([5.0, 0.5])}   # col 0 is everyone's home
    np.testing.assert_allclose(talent_choice.location_utility(**crowded_home, b=b),
                               talent_choice.location_utility(**base, b=b))
    zero, floor = ({**base, "talent_share": np.array([1.0, s])} for s in (0.0, 1e-3))
    np.testing.assert_allclose(talent_choice.location_utility(**zero, b=b), talent_choice.location_utility(**floor, b=b))


def test_choose_picks_hugely_dominant_column():
    u = np.array([[0.0, 100.0, 0.0], [50.0, 0.0, 0.0], [0.0, 0.0, 80.0]])
    np.testing.assert_array_equal(talent_choice.choose(np.random.default_rng(7), u), [1, 0, 2])


def test_choose_follows_logit_probabilities():
    # P(col 1) = e^{ln 3}/(1 + e^{ln 3}) = 0.75
    u = np.tile([0.0, np.log(3.0)], (20000, 1))
    assert np.mean(talent_choice.choose(np.random.default_rng(8), u) == 1) == pytest.approx(0.75, abs=0.015)


def test_enforce_capacity_hand_example():
    # room at 1 = 2 - 1 = 1: only one of talents 0,1 (foreign arrivals, weight 1) fits.
    # talent 2 returns home to 1 (not an arrival), 3 stays, 4 arrives in roomy 2.
    choice, current, home = np.array([1, 1, 1, 0, 2]), np.zeros(5, int), np.array([0, 0, 1, 0, 0])
    out = talent_choice.enforce_capacity(np.random.default_rng(0), choice, current, home, np.ones(5),
                                         np.array([0.0, 1.0, 0.0]), np.array([1e9, 2.0, 1e9]))
    assert sorted(out[:2].tolist()) == [0, 1]
    np.testing.assert_array_equal(out[2:], [1, 0, 2])


def test_enforce_capacity_respects_capacity_and_leaves_non_arrivals_untouched():
    rng = np.random.default_rng(9)
    n, J = 300, 4
    current, home, choice = rng.integers(0, J, n), rng.integers(0, J, n), rng.integers(0, J, n)
    weight = rng.uniform(0.5, 2.0, n)
    foreign_stock, capacity = np.array([5.0, 0.0, 30.0, 1.0]), np.array([20.0, 10.0, 25.0, 1e9])
    out = talent_choice.enforce_capacity(np.random.default_rng(10), choice, current, home, weight, foreign_stock, capacity)
    arriving = (choice != current) & (choice != home)
    np.testing.assert_array_equal(out[~arriving], choice[~arriving])
    assert np.all((out == choice) | (out == current))
    admitted = arriving & (out == choice)
    intake = np.bincount(out[admitted], weights=weight[admitted], minlength=J)
    assert np.all(foreign_stock + intake <= np.maximum(capacity, foreign_stock) + 1e-9)
    assert intake[2] == 0 and intake[3] == pytest.approx(weight[arriving & (choice == 3)].sum())
    assert (arriving & (out != choice)).any()   # the caps did bind


def test_enforce_capacity_admits_light_arrival_that_fits_after_heavy_one_is_refused():
    # room at 1 = 1; weights 2 (never fits) and 0.5 (fits): the light one should be admitted in any order
    for seed in range(10):
        out = talent_choice.enforce_capacity(np.random.default_rng(seed), np.array([1, 1]), np.zeros(2, int),
                                             np.zeros(2, int), np.array([2.0, 0.5]), np.zeros(2), np.array([1e9, 1.0]))
        np.testing.assert_array_equal(out, [0, 1])


# =========================================================================== finance


def test_venture_share_target_hand_example():
    # advantage (1-ct)/(1-0.2) over reference 1.0 = [1, 0.5, 1.25, 1.25];
    # 0.2 * adv^2 = [0.2, 0.05, 0.3125]; 0.8 * 1.5625 = 1.25 -> clipped to 0.95
    out = capital_allocation.venture_share_target(np.array([0.2, 0.2, 0.2, 0.8]), np.array([0.2, 0.6, 0.0, 0.0]), 0.2, 1.0, 2.0)
    np.testing.assert_allclose(out, [0.2, 0.05, 0.3125, 0.95])


def test_venture_share_target_falls_with_carry_tax():
    out = capital_allocation.venture_share_target(0.3, np.linspace(0, 0.9, 10), 0.45, 1.45, 1.5)
    assert np.all(np.diff(out) < 0)


def test_management_fee_is_monthly_share_of_assets():
    # [1200, 600] * 0.02 / 12 = [2, 1]
    np.testing.assert_allclose(capital_allocation.management_fee(np.array([1200.0, 600.0]), 0.02), [2.0, 1.0])


def test_carried_interest_is_share_above_monthly_hurdle():
    # hurdle 1200*0.08/12 = 8; 0.2*max(r - 8, 0) for r = [5, 8, 18] -> [0, 0, 2]
    np.testing.assert_allclose(capital_allocation.carried_interest(np.array([5.0, 8.0, 18.0]), 1200.0, 0.2, 0.08), [0.0, 0.0, 2.0])


def test_carried_interest_zero_below_hurdle():
    assets = np.array([100.0, 1000.0, 5000.0])
    assert np.all(capital_allocation.carried_interest(assets * 0.08 / 12 * 0.99, assets, 0.2, 0.08) == 0)


DEPLOY = dict(valuation=np.array([10.0, -5.0, 20.0]), sales=np.array([100.0, 50.0, 10.0]),
              expected_sales=np.array([120.0, 40.0, 10.0]), profit=np.array([5.0, -10.0, 0.0]),
              is_bits=np.array([True, True, False]), tournament_weight=np.array([4.0, 0.0, 1.0]))


@pytest.mark.parametrize("kind, expected", [
    (INDEX, [10.0, 0.0, 20.0]),                      # max(valuation, 0)
    # growth = max(exp - sales, 0) + 0.05 sales = [25, 2.5, 0.5]; burn = [0, 10, 0]; (+1e-6) x bits
    (VENTURE, [25.000001, 12.500001, 0.0]),
    (TOURNAMENT, [4.0, 0.0, 0.0]),                    # tournament weight x bits
    (SOVEREIGN, [10.0, 0.0, 0.0]),                    # max(valuation, 0) x bits
])
def test_deployment_weights_by_kind(kind, expected):
    out = capital_allocation.deployment_weights(kind, **DEPLOY, eligible=np.ones(3, bool))
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    masked = capital_allocation.deployment_weights(kind, **DEPLOY, eligible=np.array([False, True, True]))
    assert masked[0] == 0 and masked[1:] == pytest.approx(out[1:])


def test_deployment_weights_unknown_kind_raises():
    with pytest.raises(ValueError):
        capital_allocation.deployment_weights(99, **DEPLOY, eligible=np.ones(3, bool))


def test_tournament_review_hand_example():
    # funded 0..3 with scores 5,1,3,4; keep 0.5 -> 2 winners: firms 0 and 3; firm 4 not in the tournament
    out = capital_allocation.tournament_review(np.array([5.0, 1.0, 3.0, 4.0, 2.0]), np.array([True, True, True, True, False]), 0.5, 4.0)
    np.testing.assert_array_equal(out, [4.0, 0.0, 0.0, 4.0, 1.0])


@pytest.mark.parametrize("n, keep, winners", [(4, 0.5, 2), (10, 0.3, 3), (4, 0.1, 1), (7, 0.6, 4), (1, 0.0, 1)])
def test_tournament_review_keeps_rounded_share_at_least_one(n, keep, winners):
    score = np.random.default_rng(n).random(n + 2)
    funded = np.r_[np.ones(n, bool), np.zeros(2, bool)]
    out = capital_allocation.tournament_review(score, funded, keep, scale_up=3.0)
    assert np.sum(out[funded] == 3.0) == winners
    assert np.sum(out[funded] == 0.0) == n - winners
    np.testing.assert_array_equal(out[~funded], 1.0)
    assert score[funded][out[funded] == 3.0].min() >= score[funded][out[funded] == 0.0].max(initial=-np.inf)


def test_valuation_hand_example():
    # r + premium = 0.1; growth clipped to [-0.5, 0.05]: [0, 0.02, 0.05, -0.5] -> discount [0.1, 0.08, 0.05, 0.6]
    # 10 - 4 + 12*1/discount = [126, 156, 246, 26]
    out = prices.valuation(10.0, 4.0, 1.0, 0.04, 0.06, np.array([0.0, 0.02, 0.2, -1.0]))
    np.testing.assert_allclose(out, [126.0, 156.0, 246.0, 26.0])


def test_valuation_floored_at_zero():
    # 0 - 100 + 12*(-1)/0.1 = -220 -> 0
    assert prices.valuation(0.0, 100.0, -1.0, 0.04, 0.06, 0.0) == 0.0


# =========================================================================== capital flight


def test_political_risk_hand_example():
    # 0.4*0.5 + 0.1 + 0.3*1*0.5 + 0.3*0.2 = 0.2 + 0.1 + 0.15 + 0.06 = 0.51; second: 0.4 + 0.9 + ... -> 1
    out = door.political_risk(np.array([0.5, 1.0]), np.array([0.1, 0.9]), 1.0, np.array([0.5, 0.0]),
                                        np.array([0.2, 0.0]), [0.4, 1.0, 0.3, 0.3])
    np.testing.assert_allclose(out, [0.51, 1.0])


def test_desired_offshore_share_capped():
    # 2*[0.1, 0.5] = [0.2, 1.0 -> 0.9]
    np.testing.assert_allclose(capital_flight.desired_offshore_share(np.array([0.1, 0.5]), 2.0), [0.2, 0.9])


def test_capital_outflow_hand_example():
    # assets 90, offshore 10, desired 0.3 -> gap 30 - 10 = 20; speed .5 -> wanted 10; max_outflow 0.05 of 100
    # s=0: min(10, 5) = 5; s=.5,e=.4: 2.5 + .4*.5*10 = 4.5; s=1,e=0: 0; cash 3 -> 3; desired .05: gap < 0 -> 0
    out = capital_flight.capital_outflow(90.0, 10.0, np.array([100.0, 100.0, 100.0, 3.0, 100.0]),
                                         np.array([0.3, 0.3, 0.3, 0.3, 0.05]), 0.5,
                                         np.array([0.0, 0.5, 1.0, 0.0, 0.0]), np.array([0.0, 0.4, 0.0, 0.0, 0.0]), 0.05)
    np.testing.assert_allclose(out, [5.0, 4.5, 0.0, 3.0, 0.0])


def test_capital_outflow_zero_at_full_controls_and_never_above_cash():
    rng = np.random.default_rng(11)
    assets, offshore, cash = rng.uniform(0, 100, 50), rng.uniform(0, 50, 50), rng.uniform(-5, 20, 50)
    closed = capital_flight.capital_outflow(assets, offshore, cash, 0.9, 1.0, 1.0, 0.0, 0.5)
    np.testing.assert_array_equal(closed, 0.0)
    out = capital_flight.capital_outflow(assets, offshore, cash, 0.9, 1.0, rng.random(50), rng.random(50), 0.5)
    assert np.all(out <= np.maximum(cash, 0) + 1e-12) and np.all(out >= 0)


# =========================================================================== IP


def test_ip_rent_shares_hand_example():
    # firm 0: loc0 1*1 = 1, loc1 2*1 + 1*2 = 4 -> [0.2, 0.8]; firm 1: loc1 3*2 -> [0, 1]; firm 2 no talent
    out = firm_accounts.ip_rent_shares(np.array([0, 0, 1, -1, 0]), np.array([0, 1, 1, 0, 1]), np.array([1.0, 2.0, 3.0, 5.0, 1.0]),
                            np.array([1.0, 1.0, 2.0, 1.0, 2.0]), 3, 2)
    np.testing.assert_allclose(out, [[0.2, 0.8], [0.0, 1.0], [0.0, 0.0]])


def test_ip_rent_shares_rows_sum_to_one_with_talent_else_zero():
    rng = np.random.default_rng(12)
    employer = rng.integers(-1, 6, 100)
    out = firm_accounts.ip_rent_shares(employer, rng.integers(0, 4, 100), rng.pareto(1.8, 100) + 1, rng.uniform(1, 3, 100), 8, 4)
    has = np.isin(np.arange(8), employer[employer >= 0])
    np.testing.assert_allclose(out.sum(axis=1)[has], 1.0)
    np.testing.assert_array_equal(out[~has], 0.0)
    assert (~has).any()


def test_licensing_cost_share_bites_with_controls_net_of_escape():
    # 0.1 * [0*.5, 1*1, .5*.5] = [0, 0.1, 0.025]
    out = firm_accounts.licensing_cost_share(np.array([0.0, 1.0, 0.5]), np.array([0.5, 0.0, 0.5]), 0.1)
    np.testing.assert_allclose(out, [0.0, 0.1, 0.025])


# =========================================================================== government policy


def test_only_a_populist_government_facing_an_outflow_above_the_ratio_announces_controls():
    # calm outflow 0.002, ratio 2: trend 0.005 is above 0.004, 0.003 is not; only populists announce,
    # and a government that has announced controls as strict does not announce again (its date stays)
    populist = np.array([True, True, False, True])
    trend = np.array([0.005, 0.003, 0.009, 0.009])
    calm = np.full(4, 0.002)
    level, when = government.announce_controls(populist, trend, calm, np.array([0.0, 0.0, 0.0, 0.8]),
                                               np.array([NEVER, NEVER, NEVER, 40]), 30, 2.0, 0.8, 6)
    np.testing.assert_allclose(level, [0.8, 0.0, 0.0, 0.8])
    np.testing.assert_array_equal(when, [36, NEVER, NEVER, 40])


def test_announced_controls_take_effect_on_their_date_and_never_loosen_the_response():
    announced = np.array([0.8, 0.8, 0.0, 0.5])
    enact = np.array([36, 37, NEVER, 30])
    out = government.enact_controls(np.array([0.0, 0.0, 0.3, 0.7]), announced, enact, 36)
    np.testing.assert_allclose(out, [0.8, 0.0, 0.3, 0.7])


def test_takeover_chance_rises_with_populism_above_its_calm_level_and_with_violence():
    # logit -7 + 50 * max(p - calm, 0) + 10 * violence
    calm = np.full(4, 0.10)
    out = politics.takeover_chance(np.array([0.05, 0.10, 0.16, 0.10]), calm, np.array([0.0, 0.0, 0.0, 0.1]),
                                   -7.0, 50.0, 10.0)
    np.testing.assert_allclose(out, expit(np.array([-7.0, -7.0, -4.0, -6.0])), rtol=1e-12)
