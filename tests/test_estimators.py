"""Estimators on synthetic data with a known answer: point values, intervals, coverage, errors, NaNs."""

from __future__ import annotations

import math
from importlib import resources

import numpy as np
import pytest
from scipy import stats

import experiments.estimators as est
from experiments.estimators import (
    Estimate, correlation, elasticity, mean_interval, ols_slope, semi_elasticity, share_within,
)

REPS = 200


def _clustered(rng: np.random.Generator, groups: int = 20, size: int = 20, slope: float = 0.5):
    """y = 1 + slope*x + a_g + e with x and a_g both correlated within the cluster g."""
    g = np.repeat(np.arange(groups), size)
    x = 0.7 * rng.normal(size=groups)[g] + rng.normal(size=groups * size)
    y = 1 + slope * x + rng.normal(size=groups)[g] + rng.normal(size=groups * size)
    return x, y, g


# --------------------------------------------------------------------------- ols_slope


def test_ols_slope_known_line():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 10, 300)
    y = 2 + 0.5 * x + rng.normal(0, 1, x.size)
    est = ols_slope(x, y)
    assert isinstance(est, Estimate)
    assert est.n == 300
    assert est.ci_low < est.value < est.ci_high
    assert est.covers(0.5)
    assert abs(est.value - 0.5) < 0.05
    assert "t(298)" in est.method


def test_ols_slope_matches_linregress():
    rng = np.random.default_rng(2)
    x = rng.normal(size=50)
    y = -1 + 3 * x + rng.normal(size=50)
    est, ref = ols_slope(x, y), stats.linregress(x, y)
    assert est.value == pytest.approx(ref.slope)
    assert est.se == pytest.approx(ref.stderr)
    half = stats.t.ppf(0.975, 48) * ref.stderr
    assert (est.ci_low, est.ci_high) == pytest.approx((ref.slope - half, ref.slope + half))


def test_clustered_se_matches_sandwich_formula():
    rng = np.random.default_rng(3)
    x, y, g = _clustered(rng, groups=8, size=5)
    n, k, G = x.size, 2, 8
    X = np.column_stack([np.ones(n), x])
    bread = np.linalg.inv(X.T @ X)
    beta = bread @ X.T @ y
    e = y - X @ beta
    meat = sum(np.outer(X[g == c].T @ e[g == c], X[g == c].T @ e[g == c]) for c in range(G))
    V = G / (G - 1) * (n - 1) / (n - k) * bread @ meat @ bread
    labels = np.array([f"seed{c}" for c in g])  # any hashable labels work
    est = ols_slope(x, y, cluster=labels)
    assert est.value == pytest.approx(beta[1])
    assert est.se == pytest.approx(math.sqrt(V[1, 1]))
    assert est.ci_high - est.value == pytest.approx(stats.t.ppf(0.975, G - 1) * est.se)
    assert "8 clusters" in est.method and "t(7)" in est.method


def test_clustered_se_matches_petersen_test_data():
    """Petersen's (2009) panel, 500 firms x 10 years: his published slope and OLS, firm- and year-clustered SEs."""
    path = resources.files("statsmodels.stats.tests") / "test_data.txt"
    if not path.is_file():
        pytest.skip("statsmodels was installed without its test data")
    firm, year, x, y = np.loadtxt(path).T
    ols, by_firm, by_year = ols_slope(x, y), ols_slope(x, y, cluster=firm), ols_slope(x, y, cluster=year)
    assert ols.value == by_firm.value == pytest.approx(1.0348, abs=5e-5)
    assert (ols.se, by_firm.se, by_year.se) == pytest.approx((0.0286, 0.0506, 0.0334), abs=5e-5)
    assert "500 clusters, t(499)" in by_firm.method and "10 clusters, t(9)" in by_year.method
    assert by_year.ci_high - by_year.value == pytest.approx(stats.t.ppf(0.975, 9) * by_year.se)


def test_ols_slope_coverage():
    rng = np.random.default_rng(4)
    hits = 0
    for _ in range(REPS):
        x = rng.uniform(0, 10, 40)
        y = 2 + 0.5 * x + rng.normal(0, 2, x.size)
        hits += ols_slope(x, y).covers(0.5)
    assert 0.90 <= hits / REPS <= 0.99


def test_clustered_coverage_where_naive_undercovers():
    rng = np.random.default_rng(5)
    naive = clustered = 0
    for _ in range(REPS):
        x, y, g = _clustered(rng)
        naive += ols_slope(x, y).covers(0.5)
        clustered += ols_slope(x, y, cluster=g).covers(0.5)
    assert naive / REPS < 0.85  # iid SE ignores the cluster random effect (about 0.67 in expectation)
    assert 0.90 <= clustered / REPS <= 0.99


# --------------------------------------------------------------------------- elasticities


def test_elasticity_of_power_law():
    rng = np.random.default_rng(6)
    x = rng.uniform(0.5, 20, 400)
    y = 3 * x**1.2 * np.exp(rng.normal(0, 0.3, x.size))
    est = elasticity(x, y)
    assert est.covers(1.2)
    assert abs(est.value - 1.2) < 0.05
    assert est.n == 400


def test_elasticity_drops_non_positive_pairs():
    rng = np.random.default_rng(7)
    x = rng.uniform(0.5, 20, 100)
    y = 3 * x**1.2 * np.exp(rng.normal(0, 0.1, x.size))
    x_bad = np.concatenate([x, [0.0, -1.0, 5.0]])
    y_bad = np.concatenate([y, [1.0, 2.0, -3.0]])
    est = elasticity(x_bad, y_bad)
    assert est.n == 100
    assert est.value == pytest.approx(elasticity(x, y).value)
    assert "3 non-positive" in est.method


def test_elasticity_too_few_positive_points():
    with pytest.raises(ValueError, match="at least 3") as info:
        elasticity([1, 2, -3, 0, 5], [1, 2, 3, 4, -5])
    assert "\n" not in str(info.value)


def test_semi_elasticity_of_wages_per_robot():
    rng = np.random.default_rng(8)
    robots = rng.uniform(0, 100, 500)
    wages = np.exp(0.1 - 0.004 * robots + rng.normal(0, 0.05, robots.size))
    est = semi_elasticity(robots, wages)
    assert est.covers(-0.004)
    assert abs(est.value + 0.004) < 0.0005
    assert est.ci_high < 0


def test_semi_elasticity_clustered_and_bad_y():
    rng = np.random.default_rng(9)
    x, y, g = _clustered(rng, slope=0.1)
    est = semi_elasticity(x, np.exp(y), cluster=g)
    assert est.value == pytest.approx(ols_slope(x, y, cluster=g).value)
    assert est.se == pytest.approx(ols_slope(x, y, cluster=g).se)
    with pytest.raises(ValueError, match="y > 0"):
        semi_elasticity([1, 2, 3, 4], [1, 0, -1, 2])


# --------------------------------------------------------------------------- correlation, mean, share


def test_correlation_of_bivariate_normal():
    rng = np.random.default_rng(10)
    rho = -0.6
    xy = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=500)
    est = correlation(xy[:, 0], xy[:, 1])
    assert est.value == pytest.approx(stats.pearsonr(xy[:, 0], xy[:, 1])[0])
    assert abs(est.value - rho) < 0.07
    assert est.covers(rho)
    assert -1 < est.ci_low < est.value < est.ci_high < 0
    z, half = math.atanh(est.value), 1.959963984540054 / math.sqrt(500 - 3)
    assert (est.ci_low, est.ci_high) == pytest.approx((math.tanh(z - half), math.tanh(z + half)))


def test_correlation_coverage():
    rng = np.random.default_rng(11)
    rho, cov = -0.6, [[1, -0.6], [-0.6, 1]]
    hits = sum(correlation(*rng.multivariate_normal([0, 0], cov, size=30).T).covers(rho) for _ in range(REPS))
    assert 0.90 <= hits / REPS <= 0.99


def test_mean_interval_matches_scipy():
    rng = np.random.default_rng(12)
    v = rng.normal(5, 2, 25)
    est = mean_interval(v)
    low, high = stats.t.interval(0.95, v.size - 1, loc=v.mean(), scale=stats.sem(v))
    assert est.value == pytest.approx(v.mean())
    assert (est.ci_low, est.ci_high) == pytest.approx((low, high))
    assert est.n == 25


def test_mean_interval_single_value_and_empty():
    est = mean_interval([np.nan, 4.0])
    assert est.value == 4.0 and est.n == 1
    assert math.isnan(est.ci_low) and math.isnan(est.ci_high)
    assert not est.covers(4.0)
    with pytest.raises(ValueError, match="at least 1"):
        mean_interval([np.nan, np.nan])


def test_share_within():
    assert share_within([1, 2, 3, 4, np.nan], 2, 3) == 0.5  # closed interval, NaN ignored
    assert isinstance(share_within(np.arange(10), 0, 4), float)
    assert share_within(np.arange(10), 0, 4) == 0.5
    with pytest.raises(ValueError, match="lo <= hi"):
        share_within([1, 2], 3, 2)
    with pytest.raises(ValueError, match="at least 1"):
        share_within([np.nan], 0, 1)


# --------------------------------------------------------------------------- errors and NaNs


@pytest.mark.parametrize("fn, x, y", [
    (ols_slope, [1, 2], [1, 2]),
    (ols_slope, [1, 2, np.nan, 4], [1, 2, 3, np.nan]),
    (elasticity, [1, 2], [1, 2]),
    (semi_elasticity, [1, 2], [1, 2]),
    (correlation, [1, 2, 3], [1, 2, 4]),
])
def test_too_few_points(fn, x, y):
    with pytest.raises(ValueError, match="at least") as info:
        fn(x, y)
    assert "\n" not in str(info.value)


def test_degenerate_and_malformed_input():
    with pytest.raises(ValueError, match="x does not vary"):
        ols_slope([1, 1, 1, 1], [1, 2, 3, 4])
    with pytest.raises(ValueError, match="does not vary"):
        correlation([1, 2, 3, 4, 5], [2, 2, 2, 2, 2])
    with pytest.raises(ValueError, match="differ in length"):
        ols_slope([1, 2, 3], [1, 2, 3, 4])
    with pytest.raises(ValueError, match="at least 2 clusters"):
        ols_slope([1, 2, 3, 4], [1, 3, 2, 4], cluster=["a"] * 4)
    with pytest.raises(ValueError, match="labels"):
        ols_slope([1, 2, 3, 4], [1, 3, 2, 4], cluster=["a", "b"])


def test_nan_pairs_dropped():
    rng = np.random.default_rng(13)
    x = rng.normal(size=60)
    y = 1 + 2 * x + rng.normal(size=60)
    g = np.arange(60) % 6
    xn, yn = x.copy(), y.copy()
    xn[[3, 10]] = np.nan
    yn[[10, 20, 30]] = np.nan
    keep = ~(np.isnan(xn) | np.isnan(yn))
    assert keep.sum() == 56
    for fn in (ols_slope, correlation):
        assert fn(xn, yn) == fn(x[keep], y[keep])
    assert ols_slope(xn, yn, cluster=g) == ols_slope(x[keep], y[keep], cluster=g[keep])
    pos_x, pos_y = np.exp(xn), np.exp(yn)
    assert elasticity(pos_x, pos_y).n == 56
    assert semi_elasticity(xn, pos_y).n == 56
    assert mean_interval(yn).n == 57
    # array-likes: plain lists behave like arrays
    assert ols_slope(list(xn), list(yn)) == ols_slope(xn, yn)


# --------------------------------------------------------------------------- hp_cycle, within


def test_hp_cycle_removes_a_linear_trend_and_keeps_a_fast_cycle():
    t = np.arange(120.0)
    np.testing.assert_allclose(est.hp_cycle(2.0 + 0.3 * t), 0.0, atol=1e-6)
    wave = np.sin(2 * np.pi * t / 12)
    assert np.corrcoef(est.hp_cycle(wave + 0.05 * t), wave)[0, 1] > 0.99


def test_hp_cycle_solves_the_hodrick_prescott_system():
    rng = np.random.default_rng(14)
    y = rng.normal(size=40).cumsum()
    second_difference = np.diff(np.eye(40), n=2, axis=0)
    trend = np.linalg.solve(np.eye(40) + 1600.0 * second_difference.T @ second_difference, y)
    np.testing.assert_allclose(est.hp_cycle(y, smoothing=1600.0), y - trend, atol=1e-10)


def test_hp_cycle_rejects_short_or_missing_series():
    with pytest.raises(ValueError, match="at least 4"):
        est.hp_cycle([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="finite"):
        est.hp_cycle([1.0, np.nan, 3.0, 4.0, 5.0])


def test_within_subtracts_group_means_and_recovers_a_slope_under_group_shifts():
    rng = np.random.default_rng(4)
    groups = np.repeat(np.arange(8), 5)
    x = rng.normal(size=40)
    y = 1.5 * x + 10.0 * groups + rng.normal(scale=0.1, size=40)    # big group effects
    np.testing.assert_allclose(np.bincount(groups, weights=est.within(y, groups)), 0.0, atol=1e-9)
    slope = est.ols_slope(est.within(x, groups), est.within(y, groups), groups)
    assert slope.covers(1.5) and abs(slope.value - 1.5) < 0.1
