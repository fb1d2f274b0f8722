"""Heterogeneous firms: persistent productivity, its effects on prices, sales, growth and exit, the financing of
growth, allocators' noisy signals and tournament selection.

Statistical checks use fixed seeds and tolerances derived from their sample sizes (a number of standard
errors), not hand-tuned constants.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy import stats

from experiments.scenarios import resolve_parameters
from model.domain import BITS, SECTORS
from model.economy import WhooshModel
from model.parameters import Parameters
from model.phases import capital_allocation, entry_exit, firm_productivity, goods_market, prices
from model.production import productivity

Z_TOL = 4.0        # standard errors allowed in a statistical check
RUN_MONTHS = 60    # long enough for a few dozen exits at scale 1
P90, P10 = stats.norm.ppf(0.9), stats.norm.ppf(0.1)


def quantile_se(sd: float, q: float, n: int) -> float:
    """Standard error of a sample quantile of a normal with standard deviation ``sd``."""
    return sd * np.sqrt(q * (1 - q) / n) / stats.norm.pdf(stats.norm.ppf(q))


def log_ratio_90_10(x: np.ndarray) -> float:
    return float(np.percentile(x, 90) - np.percentile(x, 10))


@pytest.fixture(scope="module")
def fresh():
    """The economy as built, before any month has run (no burn-in)."""
    params = resolve_parameters("baseline", ["population.scale=1", "burn_in=0"])
    model = WhooshModel(params, seed=5)
    yield model
    model.close()


@pytest.fixture(scope="module")
def run():
    """A run of 60 months at scale 1, with each month's productivity, sales and exits recorded."""
    params = resolve_parameters("baseline", ["population.scale=1"])
    model = WhooshModel(params, seed=7)
    f = model.firms
    record = {"z0": f.productivity.copy(), "sales0": f.expected_sales.copy(), "alive0": f.alive.copy(),
              "exit_logz": [], "alive_logz": []}
    for _ in range(RUN_MONTHS):
        alive, logz = f.alive.copy(), np.log(f.productivity)
        model.step()
        closed = model.last_month.closed
        record["exit_logz"] += list(logz[closed & alive])
        record["alive_logz"] += list(logz[alive & ~closed])
    yield model, record
    model.close()


# --------------------------------------------------------------------------- the productivity process

def test_stationary_draws_match_the_calibrated_90_10_ratio():
    p = Parameters()
    sd = p.firms.productivity_dispersion
    n = 200_000
    x = firm_productivity.draw_log_efficiency(np.random.default_rng(1), n, sd)
    expected = sd * (P90 - P10)
    assert np.exp(expected) == pytest.approx(1.9, abs=0.01)         # the calibration target (Syverson 2004)
    tol = Z_TOL * np.sqrt(2) * quantile_se(sd, 0.9, n)
    assert abs(log_ratio_90_10(x) - expected) < tol
    z = np.exp(x)
    assert abs(z.mean() - 1.0) < Z_TOL * z.std() / np.sqrt(n)         # a mean-one multiplier


def test_dispersion_at_construction_is_near_the_calibrated_90_10(fresh):
    f, p = fresh.firms, fresh.p
    sd = p.firms.productivity_dispersion
    own = f.log_efficiency[f.alive]
    n = len(own)
    tol = Z_TOL * np.sqrt(2) * quantile_se(sd, 0.9, n)
    assert abs(log_ratio_90_10(own) - sd * (P90 - P10)) < tol
    # bits firms' productivity is their own times their talent's quality; atoms firms' is their own
    atoms = f.alive & (f.kind != BITS)
    np.testing.assert_allclose(f.productivity[atoms], np.exp(f.log_efficiency[atoms]))
    bits = f.alive & (f.kind == BITS)
    quality = firm_productivity.talent_quality(fresh.talent.employer, fresh.talent.productivity,
                                               fresh.talent.weight, len(f))
    np.testing.assert_allclose(f.productivity[bits], np.exp(f.log_efficiency[bits]) * quality[bits])


def expected_autocorrelation(yearly: float, months: int) -> float:
    """Autocorrelation over ``months`` of the staggered process: E[ρ^N], N ~ Binomial(months, 1/12) yearly steps."""
    return (1.0 - firm_productivity.UPDATE_CHANCE * (1.0 - yearly)) ** months


def staggered_months(x, months, rng, market, alive, yearly, sd, size=None):
    for _ in range(months):
        updating = rng.random(len(x)) < firm_productivity.UPDATE_CHANCE
        x = firm_productivity.staggered_update(x, updating, rng.standard_normal(len(x)), market, alive, yearly, sd, size)
    return x


def test_staggered_ar1_keeps_the_stationary_sd_and_has_the_yearly_persistence():
    p = Parameters()
    sd, yearly = p.firms.productivity_dispersion, p.firms.productivity_persistence
    assert expected_autocorrelation(yearly, 12) == pytest.approx(yearly, abs=0.02)   # about ρ over a year
    rng = np.random.default_rng(2)
    n = 50_000
    x0 = firm_productivity.draw_log_efficiency(rng, n, sd)
    market, alive = np.arange(n) // 50, np.ones(n, bool)                             # 1,000 markets of 50 firms
    x = staggered_months(x0.copy(), 12, rng, market, alive, yearly, sd)
    corr = np.corrcoef(x0, x)[0, 1]
    assert abs(np.arctanh(corr) - np.arctanh(expected_autocorrelation(yearly, 12))) < Z_TOL / np.sqrt(n - 3)  # Fisher z
    assert abs(x.std() - sd) < Z_TOL * sd / np.sqrt(2 * n)
    assert abs(x.mean() - firm_productivity.log_mean(sd)) < Z_TOL * sd / np.sqrt(n)


def test_innovations_are_netted_out_of_each_market_by_sales():
    rng = np.random.default_rng(3)
    x = firm_productivity.draw_log_efficiency(rng, 12, 0.25)
    market, alive = np.repeat([0, 1, 2], 4), np.ones(12, bool)
    size = rng.uniform(1, 10, 12)
    updating = np.ones(12, bool)
    new = firm_productivity.staggered_update(x, updating, rng.standard_normal(12), market, alive, 0.85, 0.25, size)
    reverted = firm_productivity.ar1_step(x, np.zeros(12), 0.85, 0.25)
    share = size / np.bincount(market, weights=size)[market]
    # the sales-weighted mean change of each market is its reversion only: the innovations net out
    np.testing.assert_allclose(np.bincount(market, weights=share * (new - x)),
                               np.bincount(market, weights=share * (reverted - x)), atol=1e-12)
    # a firm alone in its market does not draw; dead slots do not move
    lone = firm_productivity.staggered_update(x[:2], np.ones(2, bool), np.ones(2), np.array([0, 1]), np.array([True, False]),
                                              0.85, 0.25)
    np.testing.assert_allclose(lone, [firm_productivity.ar1_step(x[0], 0.0, 0.85, 0.25), x[1]])


def test_firms_productivity_is_persistent_in_the_model(run):
    model, record = run
    f = model.firms
    both = record["alive0"] & f.alive
    n = int(both.sum())
    corr = np.corrcoef(np.log(record["z0"][both]), np.log(f.productivity[both]))[0, 1]
    expected = expected_autocorrelation(model.p.firms.productivity_persistence, RUN_MONTHS)
    # bits firms' talent quality adds a little noise of its own: allow for it in the lower bound only
    assert np.arctanh(corr) < np.arctanh(expected) + Z_TOL / np.sqrt(n - 3)
    assert np.arctanh(corr) > np.arctanh(expected) - Z_TOL / np.sqrt(n - 3) - 0.1


def test_talent_quality_is_geometric_mean_productivity_per_head_relative_to_the_world():
    # firm 0: heads 1+1, productivity 2 and 4 -> sqrt(8); firm 1: one head of productivity 1; world (2*4*1)^(1/3) = 2;
    # the unemployed talent (50) does not count; firm 2 has no talent -> 1
    args = np.array([0, 0, 1, -1]), np.array([2.0, 4.0, 1.0, 50.0]), np.ones(4), 3
    np.testing.assert_allclose(firm_productivity.talent_quality(*args, prior_agents=0.0), [np.sqrt(8) / 2, 1 / 2, 1.0])
    # with a prior of 2 agents at the world's mean: firm 0 (2 agents) keeps half its log deviation, firm 1 a third
    np.testing.assert_allclose(firm_productivity.talent_quality(*args, prior_agents=2.0),
                               [(np.sqrt(8) / 2) ** 0.5, 0.5 ** (1 / 3), 1.0])


@pytest.mark.parametrize("scale", [0.3, 10.0])
def test_bits_firms_talent_quality_stays_within_its_bound_at_any_scale(scale):
    """The spread of log talent quality across bits firms is at most 1 / (2α √prior) however many agents they hold."""
    params = resolve_parameters("baseline", [f"population.scale={scale}", "burn_in=0"])
    with WhooshModel(params, seed=6) as model:
        f, t = model.firms, model.talent
        bits = f.alive & (f.kind == BITS)
        q = np.log(firm_productivity.talent_quality(t.employer, t.productivity, t.weight, len(f))[bits])
        bound = 1.0 / (2 * params.talent.productivity_alpha * np.sqrt(firm_productivity.TALENT_PRIOR_AGENTS))
        assert q.std() < bound * (1 + Z_TOL / np.sqrt(2 * len(q)))


# --------------------------------------------------------------------------- prices, sales, growth, exit

def test_more_productive_firms_price_lower_and_sell_more(run):
    model, _ = run
    f = model.firms
    market = f.jurisdiction * len(SECTORS) + f.sector
    a = f.alive & (f.sales > 0)

    def demeaned(v):
        v = np.log(v[a])
        count = np.bincount(market[a], minlength=market.max() + 1)
        mean = np.bincount(market[a], weights=v, minlength=market.max() + 1) / np.maximum(count, 1)
        return v - mean[market[a]]

    logz = demeaned(f.productivity)
    n = int(a.sum())
    price_corr = np.corrcoef(logz, demeaned(f.price))[0, 1]
    sales_corr = np.corrcoef(logz, demeaned(f.sales))[0, 1]
    assert np.arctanh(price_corr) < -Z_TOL / np.sqrt(n - 3)
    assert np.arctanh(sales_corr) > Z_TOL / np.sqrt(n - 3)


def test_firms_whose_productivity_rose_grew(run):
    model, record = run
    f = model.firms
    both = record["alive0"] & f.alive & (record["sales0"] > 0) & (f.expected_sales > 0)
    n = int(both.sum())
    dz = np.log(f.productivity[both]) - np.log(record["z0"][both])
    growth = np.log(f.expected_sales[both]) - np.log(record["sales0"][both])
    corr = np.corrcoef(dz, growth)[0, 1]
    assert np.arctanh(corr) > Z_TOL / np.sqrt(n - 3)


def test_the_least_productive_exit_more_often(run):
    _, record = run
    exits, stayers = np.array(record["exit_logz"]), np.array(record["alive_logz"])
    assert len(exits) >= 10, "too few exits to test"
    se = np.sqrt(exits.var(ddof=1) / len(exits) + stayers.var(ddof=1) / len(stayers))
    assert stayers.mean() - exits.mean() > Z_TOL * se


def test_price_index_holds_firms_own_productivity_constant():
    """Buyers moving between more and less productive firms, or a firm's productivity and price moving together,
    leave a market's price level alone; a common rise in costs (prices per efficiency unit) moves it."""
    params = resolve_parameters("baseline", ["population.scale=0.3", "burn_in=0"])
    with WhooshModel(params, seed=2) as model:
        state = model.state
        before = prices.market_price_levels(state).copy()
        f = state.firms
        f.productivity[:] *= 2.0
        f.price[:] /= 2.0
        np.testing.assert_allclose(prices.market_price_levels(state), before)
        f.price[:] *= 1.1
        alive = np.bincount(f.jurisdiction * len(SECTORS) + f.sector, weights=f.alive, minlength=len(before)) > 0
        np.testing.assert_allclose(prices.market_price_levels(state)[alive], 1.1 * before[alive])


def test_center_within_keeps_variance_and_zeroes_group_means():
    rng = np.random.default_rng(4)
    group = np.repeat(np.arange(2000), 5)
    values = rng.standard_normal(len(group))
    centred = firm_productivity.center_within(values, group, np.ones(len(group), bool))
    np.testing.assert_allclose(np.bincount(group, weights=centred), 0.0, atol=1e-9)
    assert abs(centred.std() - 1.0) < Z_TOL / np.sqrt(2 * len(group))


def test_target_price_falls_with_productivity():
    cost = np.array([10.0, 10.0])
    price = prices.target_price(cost, 0.5) / np.array([1.0, 2.0])
    np.testing.assert_allclose(price, [15.0, 7.5])


def test_demand_favours_appeal_and_low_prices_and_overflow_is_served_by_rivals():
    # one market, three firms; equal appeal: the cheaper firm gets more
    demand = goods_market.spread_demand(np.array([90.0]), np.zeros(3, int), np.ones(3), np.array([1.0, 1.0, 0.5]), 2.0)
    assert demand[2] > demand[0] == pytest.approx(demand[1])
    assert demand.sum() == pytest.approx(90.0)
    # firm 2 can sell only 20: its excess goes to the others in proportion to their room, never beyond it
    limit = np.array([40.0, 100.0, 20.0])
    sales, received = goods_market.serve_overflow(demand, limit, np.zeros(3, int), 1)
    assert (sales <= limit + 1e-9).all() and sales.sum() == pytest.approx(min(90.0, limit.sum()))
    assert received[2] == 0 and received[1] > received[0] >= 0
    # nobody has room: what cannot be made is not sold; a firm outside every market sells nothing
    sales, received = goods_market.serve_overflow(np.array([10.0, 10.0, 5.0]), np.array([5.0, 5.0, 9.0]),
                                                  np.array([0, 0, -1]), 1)
    np.testing.assert_allclose(sales, [5.0, 5.0, 0.0])
    np.testing.assert_allclose(received, 0.0)


def test_exit_and_entry_rules():
    market = np.array([0, 0, 0, 1, 1])
    alive = np.array([True, True, True, True, False])
    small = entry_exit.too_small(np.array([10.0, 10.0, 1.0, 5.0, 0.0]), market, alive, 0.25, 2)
    np.testing.assert_array_equal(small, [False, False, True, False, False])   # 1 < 0.25 x 7
    np.testing.assert_array_equal(entry_exit.room_for_entrants([3, 1], [3, 2]), [0.0, 1.0])


# --------------------------------------------------------------------------- funding matters for growth

def test_financed_scale_grows_only_with_funds():
    tasks, cost = np.array([100.0, 100.0, 100.0]), np.array([2.0, 2.0, 2.0])
    ceiling = prices.financed_scale(tasks, np.array([0.0, 240.0, 480.0]), cost, 12.0, 1.5)
    # 1.5 x cash / (12 x 2) task-months more
    np.testing.assert_allclose(ceiling, [100.0, 115.0, 130.0])


def test_money_from_allocators_lets_a_constrained_firm_grow(run):
    model, _ = run
    state = model.state
    f = state.firms
    bits = np.flatnonzero(f.alive & (f.kind == BITS) & (f.tasks > 0))
    firm = bits[0]
    grown = {}
    for extra in (0.0, 1.0):
        trial = copy.deepcopy(state)
        tf = trial.firms
        tf.expected_sales[firm] *= 3.0                      # it wants to triple
        tf.cash[firm] = 0.0 + extra * 12.0 * tf.expected_sales[firm]
        before = tf.tasks[firm]
        prices.run(trial, model.last_month, model.p, None)
        grown[extra] = tf.tasks[firm] / before
    assert grown[0.0] == pytest.approx(1.0, abs=0.2)         # no funds: hardly any growth
    assert grown[1.0] > grown[0.0] + 0.5                     # funded: it expands


# --------------------------------------------------------------------------- signals and tournament selection

def tournament_gain(rng, informative: bool, n_firms: int, keep: float, sd: float, noise: float) -> float:
    """Mean productivity of a tournament's winners over its population's mean, for one synthetic draw."""
    logz = firm_productivity.draw_log_efficiency(rng, n_firms, sd)
    errors = rng.standard_normal(n_firms)
    truth = logz if informative else np.zeros(n_firms)
    score = capital_allocation.productivity_signal(truth, noise, errors)
    weights = capital_allocation.tournament_review(score, np.ones(n_firms, bool), keep, 4.0)
    z = np.exp(logz)
    return float(np.average(z, weights=weights) / z.mean() - 1.0)


@pytest.mark.parametrize("informative", [True, False])
def test_tournament_selection_gains_only_with_informative_signals(informative):
    p = Parameters()
    sd, noise, keep = p.firms.productivity_dispersion, p.firms.tournament_signal_noise, p.finance.tournament_keep
    rng = np.random.default_rng(11)
    gains = np.array([tournament_gain(rng, informative, 40, keep, sd, noise) for _ in range(2000)])
    se = gains.std(ddof=1) / np.sqrt(len(gains))
    if informative:
        assert gains.mean() > Z_TOL * se
    else:
        assert abs(gains.mean()) < Z_TOL * se


def test_selection_gain_falls_as_signals_get_noisier():
    sd, keep = 0.25, 0.3
    means = []
    for noise in (0.1, 0.5, 2.0):
        rng = np.random.default_rng(12)
        means.append(np.mean([tournament_gain(rng, True, 40, keep, sd, noise) for _ in range(1000)]))
    assert means[0] > means[1] > means[2] > 0


def test_review_score_is_measured_log_output_per_worker():
    score = capital_allocation.review_score(np.array([20.0, 10.0, 0.0]), np.array([5.0, 0.0, 3.0]),
                                            np.array([2.0, 2.0, 2.0]), 0.5, np.array([1.0, 0.0, 0.0]))
    assert score[0] == pytest.approx(np.log(2.0) + 0.5)
    assert score[1] == -np.inf and score[2] == -np.inf


def test_venture_weights_tilt_to_its_signal_and_default_to_no_tilt():
    kw = dict(valuation=np.ones(2), sales=np.ones(2), expected_sales=np.ones(2), profit=np.zeros(2),
              is_bits=np.ones(2), tournament_weight=np.ones(2), eligible=np.ones(2, bool))
    plain = capital_allocation.deployment_weights(capital_allocation.VENTURE, **kw)
    tilted = capital_allocation.deployment_weights(capital_allocation.VENTURE, **kw, signal=np.array([0.0, np.log(2.0)]))
    assert plain[0] == pytest.approx(plain[1])
    assert tilted[1] / tilted[0] == pytest.approx(2.0)


def test_capital_allocation_records_who_funded_what(run):
    model, _ = run
    month, f = model.last_month, model.firms
    assert month.deployed.shape == (4, len(f))
    assert (month.deployed >= 0).all() and month.deployed.sum() > 0
    # venture and tournament funds fund only bits firms
    for kind in (capital_allocation.VENTURE, capital_allocation.TOURNAMENT):
        assert month.deployed[kind][f.kind != BITS].sum() == 0


# --------------------------------------------------------------------------- determinism

def test_same_seed_gives_identical_firm_arrays():
    params = resolve_parameters("baseline", ["population.scale=0.3", "burn_in=6"])
    arrays = []
    for seed in (3, 3, 4):
        with WhooshModel(params, seed=seed) as model:
            for _ in range(6):
                model.step()
            f = model.firms
            arrays.append([f.log_efficiency.copy(), f.productivity.copy(), f.appeal.copy(), f.signal_error.copy(),
                           f.tasks.copy(), productivity(model.state).copy()])
    for a, b in zip(arrays[0], arrays[1]):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(arrays[0][0], arrays[2][0])
