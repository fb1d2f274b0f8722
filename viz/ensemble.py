"""Ensembles for the dashboard's Compare page: N seeds of two settings, their mean and 90% band.

Runs go to a process pool (spawned workers: no state inherited from the dashboard's threads), so the
server stays responsive; ``progress`` is called as each run finishes.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np

from viz.session import Settings

BAND = (5.0, 95.0)   # percentiles of the 90% band over seeds


@dataclass(frozen=True)
class Headline:
    """A metric the Compare page plots: its key in the metrics (``{home}`` for the home jurisdiction), title, unit, factor."""

    key: str
    title: str
    unit: str
    factor: float = 1.0


HEADLINES = (
    Headline("unemployment_{home}", "Unemployment, {home}", "% of labour force", 100.0),
    Headline("talent_offshore_share", "{home}-born AI talent living abroad", "% of home-born talent", 100.0),
    Headline("real_gdp_{home}", "Real GDP, {home}", "$ bn a month, start-month prices", 1e-6),
    Headline("inflation_{home}", "Inflation, {home}", "% a year", 100.0),
    Headline("populism_{home}", "Populism, {home}", "index 0-1", 1.0),
)


def run_series(settings: Settings, steps: int, keys: list[str]) -> dict[str, np.ndarray]:
    """One run of ``settings`` for ``steps`` months; the listed metrics month by month."""
    from model.economy import WhooshModel

    params = settings.parameters()
    with WhooshModel(params, seed=settings.seed) as model:
        rows = []
        for _ in range(steps):
            model.step()
            rows.append([model.metrics.values[k] for k in keys])
    return dict(zip(keys, np.array(rows).T))


def summary(runs: list[dict[str, np.ndarray]], key: str) -> dict[str, np.ndarray]:
    """Mean and 90% band over seeds of one metric."""
    values = np.stack([r[key] for r in runs])
    low, high = np.percentile(values, BAND, axis=0)
    return {"mean": values.mean(axis=0), "low": low, "high": high}


def run_ensembles(a: Settings, b: Settings, seeds: int, steps: int, keys: list[str],
                  progress: Callable[[int, int], None] | None = None, workers: int = 2,
                  executor: Executor | None = None) -> tuple[list[dict], list[dict]]:
    """``seeds`` runs each of settings ``a`` and ``b`` (seeds a.seed, a.seed + 1, ...), in a process pool.

    The same seeds are used for both settings (common random numbers), so their difference is paired.
    """
    jobs = [(which, i, Settings(s.scenario, dict(s.overrides), s.seed + i, s.scale))
            for which, s in (("a", a), ("b", b)) for i in range(seeds)]
    out: dict[str, list] = {"a": [None] * seeds, "b": [None] * seeds}
    own = executor is None
    pool = executor or ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {pool.submit(run_series, settings, steps, keys): (which, i) for which, i, settings in jobs}
        for done, future in enumerate(as_completed(futures), start=1):
            which, i = futures[future]
            out[which][i] = future.result()
            if progress is not None:
                progress(done, len(jobs))
    finally:
        if own:
            pool.shutdown(wait=False, cancel_futures=True)
    return out["a"], out["b"]
