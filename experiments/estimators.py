"""Small, pure estimators for comparing model output with empirical facts.

Each estimator returns an :class:`Estimate`: the point value, a 95% interval (``ci_low``, ``ci_high``),
the number of observations used and a short ``method`` string saying how the interval was built.

* ``ols_slope`` - slope of y on x (with intercept); classical OLS standard error and a t(n-2) interval,
  or, when ``cluster`` labels are given (e.g. one label per seed), the cluster-robust CR1 standard
  error and a t(G-1) interval over G clusters.
* ``elasticity`` - log-log slope, d log y / d log x (pairs with x <= 0 or y <= 0 are dropped).
* ``semi_elasticity`` - d log y / d x (pairs with y <= 0 are dropped); ``100 * value`` is the
  % change of y per unit of x, e.g. of wages per robot.
* ``correlation`` - Pearson r with a Fisher-z interval.
* ``mean_interval`` - mean with a t(n-1) interval (NaN interval when n < 2).
* ``share_within`` - fraction of values in [lo, hi].
* ``hp_cycle`` - the cyclical part of a series after a Hodrick-Prescott filter.
* ``within`` - values minus their group means (group fixed effects, e.g. one group per seed).

All functions take array-likes (lists, numpy arrays, pandas Series) and drop pairs in which any
value is NaN or infinite (and, for the clustered estimators, rows with a missing cluster label).
Too few points or degenerate input (x constant, zero variance) raise ``ValueError`` with a one-line
message. The regressions and the HP filter are statsmodels'; the rest uses numpy and scipy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from statsmodels.regression.linear_model import OLS
from statsmodels.tsa.filters.hp_filter import hpfilter

LEVEL = 0.95

__all__ = [
    "Estimate", "ols_slope", "elasticity", "semi_elasticity", "correlation", "mean_interval", "share_within",
    "hp_cycle", "within", "MONTHLY_HP_LAMBDA",
]

MONTHLY_HP_LAMBDA = 129_600.0   # Ravn & Uhlig 2002: the monthly equivalent of 1,600 for quarterly data


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its interval. ``se`` is the standard error on the estimator's own scale
    (NaN where it has none, e.g. a correlation's interval is built on the Fisher-z scale)."""

    value: float
    ci_low: float
    ci_high: float
    n: int
    method: str
    se: float = math.nan

    def covers(self, truth: float) -> bool:
        """Whether ``truth`` lies in the closed interval (False when the interval is NaN)."""
        return bool(self.ci_low <= truth <= self.ci_high)

    @property
    def half_width(self) -> float:
        return (self.ci_high - self.ci_low) / 2


# --------------------------------------------------------------------------- input handling


def _vector(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}".splitlines()[0]) from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (got shape {arr.shape})")
    return arr


def _missing_label(label: Any) -> bool:
    if label is None:
        return True
    try:
        return bool(label != label)  # NaN / NaT are not equal to themselves
    except (TypeError, ValueError):  # pd.NA: its comparison has no truth value
        return True


def _cluster_codes(cluster: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of the cluster labels and a mask of rows whose label is present."""
    labels = list(np.asarray(cluster, dtype=object).ravel()) if not isinstance(cluster, list) else cluster
    if len(labels) != n:
        raise ValueError(f"cluster has {len(labels)} labels but x and y have {n} values")
    present = np.array([not _missing_label(label) for label in labels], dtype=bool)
    index: dict[Any, int] = {}
    codes = np.array([index.setdefault(label, len(index)) if ok else -1 for label, ok in zip(labels, present)],
                     dtype=np.int64)
    return codes, present


def _pairs(x: Any, y: Any, cluster: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Finite (x, y) pairs (and their cluster codes, renumbered 0..G-1), as 1-D float arrays."""
    xa, ya = _vector(x, "x"), _vector(y, "y")
    if xa.shape != ya.shape:
        raise ValueError(f"x and y differ in length ({xa.size} vs {ya.size})")
    keep = np.isfinite(xa) & np.isfinite(ya)
    codes = None
    if cluster is not None:
        codes, present = _cluster_codes(cluster, xa.size)
        keep &= present
        codes = np.unique(codes[keep], return_inverse=True)[1].ravel()
    return xa[keep], ya[keep], codes


def _t_interval(value: float, se: float, df: int, level: float) -> tuple[float, float]:
    half = float(stats.t.ppf(0.5 + level / 2, df)) * se
    return value - half, value + half


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1) (got {level})")


# --------------------------------------------------------------------------- regressions


def _slope(x: np.ndarray, y: np.ndarray, codes: np.ndarray | None, level: float, what: str,
           note: str = "") -> Estimate:
    n = x.size
    if n < 3:
        raise ValueError(f"{what} needs at least 3 finite (x, y) pairs (got {n})")
    xc = x - x.mean()
    sxx = float(xc @ xc)
    if not sxx > 0 or not np.isfinite(sxx):
        raise ValueError(f"{what} is undefined: x does not vary")
    model = OLS(y, np.column_stack([np.ones(n), xc]))
    if codes is None:
        fit = model.fit()
        kind = f"OLS SE, t({n - 2})"
    else:
        g = int(codes.max()) + 1 if codes.size else 0
        if g < 2:
            raise ValueError(f"{what} with clusters needs at least 2 clusters (got {g})")
        fit = model.fit(cov_type="cluster", use_t=True,
                        cov_kwds={"groups": codes, "use_correction": True, "df_correction": True})
        kind = f"CR1 SE, {g} clusters, t({g - 1})"
    low, high = fit.conf_int(alpha=1 - level)[1]
    return Estimate(float(fit.params[1]), float(low), float(high), n, f"{what}: {kind}{note}", float(fit.bse[1]))


def ols_slope(x: Any, y: Any, cluster: Any = None, *, level: float = LEVEL) -> Estimate:
    """Slope of y on x with an intercept.

    Without ``cluster`` the standard error is the classical OLS one and the interval uses t(n-2).
    With ``cluster`` (one label per observation, e.g. the seed) it is statsmodels' CR1 cluster-robust
    standard error, the sandwich estimate times G/(G-1) * (n-1)/(n-2), and the interval uses t(G-1).
    """
    _check_level(level)
    xa, ya, codes = _pairs(x, y, cluster)
    return _slope(xa, ya, codes, level, "OLS slope")


def _positive(x: np.ndarray, y: np.ndarray, codes: np.ndarray | None, mask: np.ndarray, what: str,
              rule: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
    kept = int(mask.sum())
    if kept < 3:
        raise ValueError(f"{what} needs at least 3 finite pairs with {rule} (got {kept})")
    dropped = x.size - kept
    if codes is not None:
        codes = np.unique(codes[mask], return_inverse=True)[1].ravel()
    note = f", {dropped} non-positive pair(s) dropped" if dropped else ""
    return x[mask], y[mask], codes, note


def elasticity(x: Any, y: Any, cluster: Any = None, *, level: float = LEVEL) -> Estimate:
    """Log-log slope d log y / d log x (``ols_slope(log x, log y)``); pairs with x <= 0 or y <= 0 are dropped."""
    _check_level(level)
    xa, ya, codes = _pairs(x, y, cluster)
    xa, ya, codes, note = _positive(xa, ya, codes, (xa > 0) & (ya > 0), "elasticity", "x > 0 and y > 0")
    return _slope(np.log(xa), np.log(ya), codes, level, "elasticity (log-log OLS)", note)


def semi_elasticity(x: Any, y: Any, cluster: Any = None, *, level: float = LEVEL) -> Estimate:
    """Slope of log y on x; ``100 * value`` is the % change of y per unit of x. Pairs with y <= 0 are dropped."""
    _check_level(level)
    xa, ya, codes = _pairs(x, y, cluster)
    xa, ya, codes, note = _positive(xa, ya, codes, ya > 0, "semi-elasticity", "y > 0")
    return _slope(xa, np.log(ya), codes, level, "semi-elasticity (log-level OLS)", note)


# --------------------------------------------------------------------------- other estimators


def correlation(x: Any, y: Any, *, level: float = LEVEL) -> Estimate:
    """Pearson r with a Fisher-z interval tanh(atanh(r) -/+ z_{level} / sqrt(n - 3))."""
    _check_level(level)
    xa, ya, _ = _pairs(x, y)
    n = xa.size
    if n < 4:
        raise ValueError(f"correlation needs at least 4 finite (x, y) pairs (got {n})")
    xc, yc = xa - xa.mean(), ya - ya.mean()
    sxx, syy = float(xc @ xc), float(yc @ yc)
    if not (sxx > 0 and syy > 0):
        raise ValueError("correlation is undefined: x or y does not vary")
    r = float(np.clip((xc @ yc) / math.sqrt(sxx * syy), -1.0, 1.0))
    half = float(stats.norm.ppf(0.5 + level / 2)) / math.sqrt(n - 3)
    with np.errstate(divide="ignore"):
        z = float(np.arctanh(r))
    low, high = float(np.tanh(z - half)), float(np.tanh(z + half))
    return Estimate(r, low, high, n, f"Pearson r: Fisher-z interval, n={n}")


def mean_interval(values: Any, *, level: float = LEVEL) -> Estimate:
    """Mean of the finite values with a t(n-1) interval; the interval is NaN when n < 2."""
    _check_level(level)
    v = _vector(values, "values")
    v = v[np.isfinite(v)]
    n = v.size
    if n < 1:
        raise ValueError("mean_interval needs at least 1 finite value (got 0)")
    mean = float(v.mean())
    if n < 2:
        return Estimate(mean, math.nan, math.nan, n, "mean: no interval with n < 2")
    se = float(v.std(ddof=1)) / math.sqrt(n)
    low, high = _t_interval(mean, se, n - 1, level)
    return Estimate(mean, low, high, n, f"mean: t({n - 1}) interval", se)


def share_within(values: Any, lo: float, hi: float) -> float:
    """Fraction of the non-NaN values that lie in the closed interval [lo, hi]."""
    if not lo <= hi:
        raise ValueError(f"share_within needs lo <= hi (got lo={lo}, hi={hi})")
    v = _vector(values, "values")
    v = v[~np.isnan(v)]
    if v.size < 1:
        raise ValueError("share_within needs at least 1 non-NaN value (got 0)")
    return float(np.mean((v >= lo) & (v <= hi)))


# --------------------------------------------------------------------------- series helpers


def hp_cycle(values: Any, smoothing: float = MONTHLY_HP_LAMBDA) -> np.ndarray:
    """Cyclical component y - τ of statsmodels' Hodrick-Prescott filter: τ minimises Σ(y-τ)² + λ Σ(Δ²τ)²."""
    y = _vector(values, "values")
    if y.size < 4 or not np.all(np.isfinite(y)):
        raise ValueError(f"hp_cycle needs at least 4 finite values (got {y.size}, finite {int(np.isfinite(y).sum())})")
    cycle, _ = hpfilter(y, lamb=smoothing)
    return np.asarray(cycle, dtype=float)


def within(values: Any, groups: Any) -> np.ndarray:
    """``values`` minus the mean of their group: the within (fixed-effects) transformation."""
    v = _vector(values, "values")
    labels = np.asarray(groups)
    if labels.shape != v.shape:
        raise ValueError(f"groups has shape {labels.shape} but values have {v.shape}")
    codes = np.unique(labels, return_inverse=True)[1].ravel()
    sums = np.bincount(codes, weights=v)
    counts = np.bincount(codes)
    return v - (sums / counts)[codes]
