"""Statistics over a sweep's results: group means with confidence intervals, and Sobol / Morris sensitivity.

``summarize`` works on any design: a grid is grouped by the factors' levels, a sampled design (LHS,
Sobol, Morris) by each factor's quintile bins in turn plus an "all runs" row. ``sensitivity`` runs
the SALib analysis that matches a Sobol or Morris design, on the per-point means of the replicates.
Only runs with status ``ok`` are used. Errors are ``ValueError`` with a one-line message.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.table import Table

from experiments.estimators import mean_interval
from experiments.results import Results, load

BOOKKEEPING = ("run_id", "point", "replicate", "seed", "status", "error", "wall_s", "finished_at", "batch")
DEFAULT_EXTRA = ("peak_unemployment_home", "half_outflow_month")
SAMPLED = ("lhs", "sobol", "morris")
SENSITIVITY = ("sobol", "morris")
QUANTILES = 5
ALL_RUNS = "all runs"
STATS = ["n", "mean", "ci_low", "ci_high"]


# --------------------------------------------------------------------------- helpers


def _results(results: Results | str | Path) -> Results:
    return results if isinstance(results, Results) else load(results)


def _design(results: Results) -> str:
    return results.manifest["spec"].get("design", "grid")


def metric_columns(results: Results) -> list[str]:
    """The summary metric columns of the runs table (numeric columns other than factors and bookkeeping)."""
    skip = {*BOOKKEEPING, *results.factors}
    runs = results.runs
    return [c for c in runs.columns if c not in skip
            and pd.api.types.is_numeric_dtype(runs[c]) and not pd.api.types.is_bool_dtype(runs[c])]


def default_metrics(results: Results) -> list[str]:
    """Summary columns ending in ``_final``, plus ``peak_unemployment_home`` and ``half_outflow_month``: those that exist."""
    available = metric_columns(results)
    return [c for c in available if c.endswith("_final")] + [c for c in DEFAULT_EXTRA if c in available]


def _check_metrics(results: Results, metrics: list[str]) -> None:
    available = metric_columns(results)
    unknown = [m for m in metrics if m not in available]
    if unknown:
        names = ", ".join(repr(m) for m in unknown)
        raise ValueError(f"unknown metric{'s' if len(unknown) > 1 else ''} {names}; "
                         f"available: {', '.join(available) if available else '(none)'}")


def _ok_runs(results: Results) -> pd.DataFrame:
    runs = results.runs
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs.iloc[0:0]
    if ok.empty:
        raise ValueError(f"no run finished ok ({len(runs)} recorded); nothing to analyse")
    return ok


def _mean_stats(values: Any) -> tuple[int, float, float, float]:
    """``mean_interval`` of the finite values as (n, mean, ci_low, ci_high); n = 0 and NaNs when there are none."""
    x = np.asarray(values, dtype=float)
    if not np.isfinite(x).any():
        return 0, math.nan, math.nan, math.nan
    estimate = mean_interval(x)
    return estimate.n, estimate.value, estimate.ci_low, estimate.ci_high


def _level(value: Any) -> Any:
    """A hashable group key for a factor value: numbers stay numbers, lists become their text."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(_level(v)) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def _bin_label(lo: float, hi: float, first: bool) -> str:
    return f"{'[' if first else '('}{lo:.4g}, {hi:.4g}]"


# --------------------------------------------------------------------------- summarize


def summarize(results: Results | str | Path, metrics: list[str] | None = None,
              by: list[str] | None = None) -> pd.DataFrame:
    """Mean and 95% confidence interval of each metric per group of ok runs.

    A grid design is grouped by the levels of the ``by`` factors jointly (every combination in the
    design, in spec order, n = 0 where no run finished ok); list-valued levels are shown as text. A
    sampled design is grouped by each ``by`` factor's quintile bin in turn (``pd.qcut``; fewer bins
    when values tie), labelled by the bin's range, after an "all runs" row. NaN metric values (e.g.
    ``half_outflow_month`` when half the outflow never happened) are left out of n.

    Args:
        results: loaded results, or a results folder.
        metrics: summary metric columns; default: those ending in ``_final`` plus ``peak_unemployment_home``
            and ``half_outflow_month``, whichever exist.
        by: factors to group by; default all factors.

    Returns:
        Columns ``[*group columns, metric, n, mean, ci_low, ci_high]``, rows metric by metric; the
        group columns are the ``by`` factors (grid) or ``factor`` and ``bin`` (sampled designs).

    Raises:
        ValueError: unknown metric or factor, or no ok run.
    """
    results = _results(results)
    ok = _ok_runs(results)
    metrics = list(metrics) if metrics is not None else default_metrics(results)
    _check_metrics(results, metrics)
    factors = results.factors
    by = list(by) if by is not None else factors
    unknown = [f for f in by if f not in factors]
    if unknown:
        raise ValueError(f"unknown factor {', '.join(repr(f) for f in unknown)}; factors: {', '.join(factors)}")
    design = _design(results)
    if design in SAMPLED:
        groups, columns = _sampled_groups(ok, by), ["factor", "bin"]
    else:
        groups, columns = _grid_groups(ok, by, results.manifest["spec"]["factors"]), by
    rows = []
    for metric in metrics:
        for key, frame in groups:
            rows.append([*key, metric, *_mean_stats(frame[metric])])
    out = pd.DataFrame(rows, columns=[*columns, "metric", *STATS])
    return out.astype({"n": int})


def _grid_groups(ok: pd.DataFrame, by: list[str], spec_factors: dict[str, Any]) -> list[tuple[tuple, pd.DataFrame]]:
    """(levels, runs) for every combination of the ``by`` factors' levels, in spec order."""
    if not by:
        return [((), ok)]
    keys = pd.DataFrame({f: [_level(v) for v in ok[f]] for f in by}, index=ok.index)
    levels = []
    for f in by:
        spec_levels = [_level(v) for v in spec_factors[f].get("values") or []]
        seen = list(dict.fromkeys(spec_levels))
        extra = [v for v in dict.fromkeys(keys[f]) if v not in seen]  # stored values the spec does not list
        levels.append(seen + extra)
    members: dict[tuple, list] = {}
    for index, key in zip(keys.index, keys.itertuples(index=False, name=None)):
        members.setdefault(key, []).append(index)
    return [(combo, ok.loc[members.get(combo, [])]) for combo in itertools.product(*levels)]


def _sampled_groups(ok: pd.DataFrame, by: list[str]) -> list[tuple[tuple, pd.DataFrame]]:
    """("all runs", "") then (factor, bin range) for each factor's quintile bins."""
    groups: list[tuple[tuple, pd.DataFrame]] = [((ALL_RUNS, ""), ok)]
    for f in by:
        values = ok[f].to_numpy(dtype=float)
        codes, edges = pd.qcut(values, QUANTILES, labels=False, retbins=True, duplicates="drop")
        for i in range(len(edges) - 1):
            groups.append(((f, _bin_label(edges[i], edges[i + 1], i == 0)), ok[codes == i]))
    return groups


# --------------------------------------------------------------------------- sensitivity


def sensitivity(results: Results | str | Path, metric: str) -> dict[str, Any]:
    """SALib sensitivity analysis of ``metric`` matching the sweep's design, on per-point replicate means.

    Sobol: first-order and total indices with bootstrap 95% intervals (``calc_second_order=True``, as
    sampled). Morris: mu, mu* with its 95% interval, and sigma. The bootstrap uses the spec's seed.

    Returns:
        ``{"method": "sobol"|"morris", "metric", "table": one row per factor, "points", "runs"}``, and
        for Sobol ``"second_order"``: one row per factor pair with S2 and S2_conf.

    Raises:
        ValueError: a grid or LHS design, an unknown metric, or design points without an ok run
            (or with no value of the metric): SALib needs every point.
    """
    from experiments.sweep_spec import SweepSpec, design_points

    results = _results(results)
    design = _design(results)
    if design not in SENSITIVITY:
        raise ValueError(f"sensitivity needs a sobol or morris sweep; this one is {design}")
    ok = _ok_runs(results)
    _check_metrics(results, [metric])
    try:
        spec = SweepSpec.model_validate_json(json.dumps(results.manifest["spec"]))
    except ValueError as exc:  # pydantic's ValidationError: a manifest from an incompatible version
        raise ValueError(f"the manifest's sweep spec is not valid here: {' '.join(str(exc).split())}") from None
    points = design_points(spec)
    names = list(spec.factors)
    ok = ok[ok["point"].between(0, len(points) - 1)]
    missing = np.setdiff1d(np.arange(len(points)), ok["point"].astype(int).unique())
    if len(missing):
        raise ValueError(f"{len(missing)} of {len(points)} design points have no ok run (e.g. point "
                         f"{', '.join(str(p) for p in missing[:5])}); SALib needs them all: re-run the sweep "
                         f"to fill them")
    stored = ok.groupby("point")[names].first().sort_index().to_numpy(dtype=float)
    X = points.to_numpy(dtype=float)
    if not np.allclose(stored, X, rtol=1e-9, atol=1e-12):
        raise ValueError("the stored factor values differ from the design of the sweep's spec "
                         "(made with another SALib version?); cannot match runs to design points")
    Y = ok.groupby("point")[metric].mean().sort_index().to_numpy(dtype=float)  # mean of the replicates
    nan = np.flatnonzero(~np.isfinite(Y))
    if len(nan):
        raise ValueError(f"metric {metric!r} has no value at {len(nan)} of {len(points)} design points "
                         f"(e.g. point {', '.join(str(p) for p in nan[:5])}); SALib needs a value at every point")
    if np.ptp(Y) == 0:
        raise ValueError(f"metric {metric!r} is constant ({Y[0]:.6g}) over the {len(points)} design points; "
                         "sensitivity indices are undefined: allowed a metric that varies")
    if design == "morris" and spec.samples < 2:
        raise ValueError(f"samples: value {spec.samples} Morris trajectory is too few for an interval; "
                         "allowed a sweep with samples of 2 or more")
    problem = spec.problem()
    out: dict[str, Any] = {"method": design, "metric": metric}
    if design == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(problem, Y, calc_second_order=True, seed=spec.seed)
        out["table"] = pd.DataFrame({"factor": names, **{k: np.asarray(si[k], dtype=float)
                                                         for k in ("S1", "S1_conf", "ST", "ST_conf")}})
        pairs = list(itertools.combinations(range(len(names)), 2))
        out["second_order"] = pd.DataFrame({
            "factor_a": [names[i] for i, _ in pairs], "factor_b": [names[j] for _, j in pairs],
            "S2": [float(si["S2"][i, j]) for i, j in pairs], "S2_conf": [float(si["S2_conf"][i, j]) for i, j in pairs],
        })
    else:
        from SALib.analyze import morris

        si = morris.analyze(problem, X, Y, seed=spec.seed)
        out["table"] = pd.DataFrame({"factor": names, **{k: np.asarray(si[k], dtype=float)
                                                         for k in ("mu", "mu_star", "mu_star_conf", "sigma")}})
    out.update(points=len(points), runs=len(ok))
    return out


# --------------------------------------------------------------------------- display


def format_number(value: Any) -> str:
    """A number for display: 4 significant digits, thousands separators for large ones, NaN as a dash."""
    if value is None:
        return "—"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{int(value):,}"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(x):
        return "—"
    if x == 0:
        return "0"
    if abs(x) >= 1e3:
        return f"{x:,.0f}"
    if abs(x) >= 1e-3:
        return f"{x:.4g}"
    return f"{x:.3e}"


def format_summary(frame: pd.DataFrame, title: str | None = None) -> Table:
    """A rich table of a ``summarize`` frame: one section per metric, the interval as ``low – high``.

    Group levels are shown as stored (grid levels as written in the spec, bins as their range).
    """
    groups = list(frame.columns[:list(frame.columns).index("metric")])
    table = Table(title=title)
    for column in groups:
        table.add_column(column, justify="left" if column in ("factor", "bin") else "right", no_wrap=True)
    table.add_column("metric", no_wrap=True)
    table.add_column("n", justify="right", no_wrap=True)
    table.add_column("mean", justify="right", style="bold", no_wrap=True)
    table.add_column("95% CI", justify="right", no_wrap=True)
    previous = None
    for values in frame.to_dict("records"):
        if previous is not None and values["metric"] != previous:
            table.add_section()
        previous = values["metric"]
        low, high = values["ci_low"], values["ci_high"]
        interval = f"{format_number(low)} – {format_number(high)}" if math.isfinite(low) and math.isfinite(high) else "—"
        table.add_row(*(str(values[c]) for c in groups), str(values["metric"]), format_number(int(values["n"])),
                      format_number(values["mean"]), interval)
    return table


def format_sensitivity(result: dict[str, Any], title: str | None = None) -> Table:
    """A rich table of a ``sensitivity`` result, most influential factor first."""
    frame = result["table"]
    extent = f" ({result['points']:,} points, {result['runs']:,} runs)" if "points" in result else ""
    if result["method"] == "sobol":
        table = Table(title=title or f"Sobol indices of {result['metric']}{extent}")
        columns = [("first order S1", "S1", "S1_conf"), ("total ST", "ST", "ST_conf")]
        order = frame.sort_values("ST", ascending=False, kind="stable")
        number = _index
    else:
        table = Table(title=title or f"Morris elementary effects of {result['metric']}{extent}")
        columns = [("mu*", "mu_star", "mu_star_conf"), ("mu", "mu", None), ("sigma", "sigma", None)]
        order = frame.sort_values("mu_star", ascending=False, kind="stable")
        scale = float(np.nanmax(np.abs(frame["mu_star"]))) if len(frame) else 0.0

        def number(value: float) -> str:  # effects are in the metric's units; rounding noise shows as 0
            return format_number(0.0 if abs(value) <= 1e-9 * scale else value)
    table.add_column("factor", no_wrap=True)
    for label, _, _ in columns:
        table.add_column(label, justify="right", style="bold" if label in ("total ST", "mu*") else None, no_wrap=True)
    for row in order.to_dict("records"):
        cells = [str(row["factor"])]
        for _, key, conf in columns:
            cell = number(row[key])
            if conf is not None and math.isfinite(row[conf]):
                cell += f" ± {number(abs(row[conf]))}"
            cells.append(cell)
        table.add_row(*cells)
    return table


def _index(value: float) -> str:
    """A Sobol index (a share of variance) with three decimals."""
    return f"{value:.3f}" if math.isfinite(value) else "—"
