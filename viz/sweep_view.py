"""The sweep explorer's data: a results folder's metrics against one factor (line with 95% bands) or
two (heatmap of means), through the same summaries as ``whoosh summarize``."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.analysis import default_metrics, metric_columns, summarize
from experiments.results import IncompleteSweep, Results, load


def open_sweep(folder: str | Path) -> Results:
    """Load a results folder; a one-line ``ValueError`` when it is not one."""
    path = Path(folder).expanduser()
    if not (path / "manifest.json").is_file():
        raise ValueError(f"{folder}: not a sweep results folder (no manifest.json); allowed the --out folder of `whoosh sweep`")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IncompleteSweep)    # the page shows Results.incomplete_note()
        return load(path)


def metrics_of(results: Results) -> list[str]:
    """The summary metrics a user can pick, the defaults first."""
    first = default_metrics(results)
    return [*first, *(m for m in metric_columns(results) if m not in first)]


def by_one(results: Results, metric: str, factor: str) -> pd.DataFrame:
    """Mean and 95% interval of ``metric`` at each level (or bin) of ``factor``: columns level, n, mean, ci_low, ci_high."""
    table = summarize(results, [metric], by=[factor])
    if "bin" in table:   # a sampled design: bins of the factor
        table = table[table["factor"] == factor].rename(columns={"bin": "level"})
    else:
        table = table.rename(columns={factor: "level"})
    return table[["level", "n", "mean", "ci_low", "ci_high"]].reset_index(drop=True)


def by_two(results: Results, metric: str, x: str, y: str) -> tuple[list, list, np.ndarray]:
    """Means of ``metric`` over the grid of two factors' levels: (x levels, y levels, means[y, x]).

    Grid designs only; a sampled design has no joint levels (use one factor).
    """
    if x == y:
        raise ValueError(f"pick two different factors (both are {x!r})")
    table = summarize(results, [metric], by=[x, y])
    if "bin" in table:
        raise ValueError("a heatmap needs a grid design; this sweep is sampled: pick one factor")
    xs = list(dict.fromkeys(table[x].tolist()))
    ys = list(dict.fromkeys(table[y].tolist()))
    grid = np.full((len(ys), len(xs)), np.nan)
    for _, row in table.iterrows():
        grid[ys.index(row[y]), xs.index(row[x])] = row["mean"] if row["n"] > 0 else np.nan
    return xs, ys, grid
