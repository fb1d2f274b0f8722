"""Replicates until precise: add seeds to each design point until a metric's 95% interval is narrow enough.

A sweep runs ``replicates`` seeds per design point. With a precision target (metric M, half-width H,
at most R replicates), each point then grows in rounds: from the values of its first n replicates,
if the t interval's half-width is above H and n < R, the point's next target is

    min(R, max(n + 1, min(2n, ceil((t(n-1) · s / H)²))))

(the replicates the current spread says are needed, at most doubling per round so one noisy
estimate cannot overshoot far). The decision for a point depends only on the values of its own
first n replicates, and is recomputed from scratch from the stored records, so a resumed or
re-run sweep takes exactly the decisions an uninterrupted one takes.

Run ids of the extra replicates continue the design's numbering layer by layer: replicate r ≥
``replicates`` of point p is run ``points · r + p``, and its seed comes from the same
``SeedSequence(seed, spawn_key=(run_id,))`` scheme as every other run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from experiments.sweep_spec import SweepSpec, run_seed

LEVEL = 0.95


@dataclass(frozen=True)
class Precision:
    """The precision target: the 95% interval half-width of ``metric`` at most ``half_width``."""

    metric: str
    half_width: float
    max_replicates: int


@dataclass
class Plan:
    """Where each point stands: the rows still to run and one row of report per point."""

    pending: pd.DataFrame     # rows of the run table still to run (same columns as run_table)
    required: set[int]        # every run id the plan needs so far (done or not)
    points: pd.DataFrame      # point, factors, replicates, mean, half_width, reached


def run_id_of(spec: SweepSpec, n_points: int, point: int, replicate: int) -> int:
    """The run id of a point's replicate (the design's own numbering below ``spec.replicates``)."""
    if replicate < spec.replicates:
        return point * spec.replicates + replicate
    return n_points * replicate + point


def half_width(values: np.ndarray) -> float:
    """Half-width of the t interval of the mean (infinite with fewer than 2 values)."""
    n = values.size
    if n < 2:
        return math.inf
    return float(stats.t.ppf(0.5 + LEVEL / 2, n - 1) * values.std(ddof=1) / math.sqrt(n))


def next_target(n: int, values: np.ndarray, target: Precision) -> int:
    """The replicate count a point should reach next (``n`` when it is precise enough or at the cap)."""
    width = half_width(values)
    if width <= target.half_width or n >= target.max_replicates:
        return n
    if values.size < 2:
        return min(target.max_replicates, n + 1)
    ratio = width * math.sqrt(values.size) / target.half_width
    needed = math.ceil(ratio ** 2) if ratio < math.sqrt(target.max_replicates) + 1 else target.max_replicates
    return min(target.max_replicates, max(n + 1, min(2 * n, needed)))


def plan(spec: SweepSpec, table: pd.DataFrame, records: pd.DataFrame, target: Precision,
         retried: set[int] = frozenset()) -> Plan:
    """Decide, per design point, which runs are still needed to reach the precision target.

    Args:
        spec: the sweep's spec.
        table: its run table (``run_table(spec)``).
        records: the stored run records (``results.run_records``).
        target: the precision target.
        retried: run ids already tried in this sweep that failed (not tried again now).
    """
    points = table.drop_duplicates("point").set_index("point")
    n_points = len(points)
    status = dict(zip(records["run_id"].astype(int), records["status"]))
    metric = records[target.metric] if target.metric in records else pd.Series(np.nan, index=records.index)
    values = dict(zip(records["run_id"].astype(int), pd.to_numeric(metric, errors="coerce")))
    factors = list(spec.factors)
    pending, required, report = [], set(), []
    for point, row in points.iterrows():
        n = spec.replicates
        while True:
            ids = [run_id_of(spec, n_points, int(point), r) for r in range(n)]
            required.update(ids)
            missing = [(r, i) for r, i in enumerate(ids) if status.get(i) != "ok" and i not in retried]
            ok = np.array([values[i] for i in ids if status.get(i) == "ok"], dtype=float)
            ok = ok[np.isfinite(ok)]
            if missing:
                pending += [_row(spec, row, factors, int(point), r, i) for r, i in missing]
                break
            grown = next_target(n, ok, target)
            if grown == n:
                break
            n = grown
        width = half_width(ok)
        report.append({"point": int(point), **{f: row[f] for f in factors}, "replicates": n, "ok": ok.size,
                       "mean": float(ok.mean()) if ok.size else math.nan, "half_width": width,
                       "reached": bool(width <= target.half_width) and not missing})
    columns = list(table.columns)
    return Plan(pending=pd.DataFrame(pending, columns=columns), required=required, points=pd.DataFrame(report))


def _row(spec: SweepSpec, point_row: pd.Series, factors: list[str], point: int, replicate: int, run_id: int) -> dict:
    return {"run_id": run_id, "point": point, "replicate": replicate, "seed": run_seed(spec.seed, run_id),
            **{f: point_row[f] for f in factors}}
