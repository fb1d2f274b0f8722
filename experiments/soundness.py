"""Macro soundness checks over many seeds: the baseline and a frozen-technology baseline, measured as a
macroeconomist would look at them (inflation, the zero floor, nominal GDP, the price level, unemployment
peaks, zero-unemployment stretches, the labour share, and AI talent kept by firms without staff).

    python -m experiments.soundness                 # 12 seeds, scale 1, 120 months: under a minute on 2 cores
    python -m experiments.soundness --seeds 4 --scale 0.3

Prints a Markdown table (mean over seeds, range over seeds in brackets); docs/VALIDATION.md reports it.
"""

from __future__ import annotations

import argparse
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np
import pandas as pd
from rich.progress import track

from experiments.scenarios import resolve_parameters
from experiments.validation import FROZEN_TECHNOLOGY, POLICY_FLOOR
from model.economy import WhooshModel

ARMS = {"baseline": (), "frozen technology": FROZEN_TECHNOLOGY}
MONTHS = 120


def simulate(arm: str, seed: int, scale: float) -> dict:
    """One run of ``arm``: its metrics frame and the most AI talent held by firms without human staff."""
    params = resolve_parameters("baseline", [*ARMS[arm], f"population.scale={scale}"])
    with WhooshModel(params, seed=seed) as model:
        idle_talent = 0.0
        for _ in range(MONTHS):
            model.step()
            f, t = model.firms, model.talent
            staffed = f.alive & (f.workers.sum(axis=1) > 0)
            idle = (t.employer >= 0) & ~staffed[np.maximum(t.employer, 0)]
            idle_talent = max(idle_talent, float(t.weight[idle].sum() / t.weight.sum()))
        return {"arm": arm, "frame": model.metrics_frame(), "names": list(model.structure.names),
                "idle_talent": idle_talent}


def longest_run(flags: np.ndarray) -> int:
    """Length of the longest stretch of consecutive True values."""
    edges = np.diff(np.r_[0, flags.astype(int), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return int((ends - starts).max()) if len(starts) else 0


def measures(run: dict) -> dict[str, float]:
    """The soundness measurements of one run."""
    fr, names = run["frame"], run["names"]
    year = fr["date"].str[:4].astype(int)
    last = fr["date"].iloc[-1]
    home = names[0]
    yearly_gdp = fr.groupby(year)["gdp"].sum()
    return {
        f"{home} inflation, year to {last} (%)": 100 * fr[f"inflation_{home}"].iloc[-1],
        f"world inflation, year to {last} (%)": 100 * fr["inflation"].iloc[-1],
        f"lowest inflation of any jurisdiction, year to {last} (%)": 100 * min(float(fr[f"inflation_{n}"].iloc[-1]) for n in names),
        f"{home} policy rate at its floor, last 6 years (% of months)":
            100 * float((fr.loc[year > year.max() - 6, f"policy_rate_{home}"] <= POLICY_FLOOR).mean()),
        "worst year of world nominal GDP growth (%)": 100 * float(yearly_gdp.pct_change().min()),
        f"{home} price level at the end": float(fr[f"price_level_{home}"].iloc[-1]),
        "world unemployment, mean (%)": 100 * float(fr["unemployment"].mean()),
        "world unemployment, peak month (%)": 100 * float(fr["unemployment"].max()),
        f"{home} unemployment, peak month (%)": 100 * float(fr[f"unemployment_{home}"].max()),
        "highest peak unemployment of any jurisdiction (%)": 100 * max(float(fr[f"unemployment_{n}"].max()) for n in names),
        "lowest price level of any jurisdiction at the end": min(float(fr[f"price_level_{n}"].iloc[-1]) for n in names),
        "jurisdiction-months at exactly 0% unemployment (%)":
            100 * float(np.mean([(fr[f"unemployment_{n}"] <= 0.0).mean() for n in names])),
        "longest stretch at 0% unemployment (months)": max(longest_run((fr[f"unemployment_{n}"] <= 0.0).to_numpy())
                                                          for n in names),
        "labour share, first year, lowest jurisdiction": min(float(fr[f"labour_share_{n}"].iloc[:12].mean()) for n in names),
        "labour share, first year, highest jurisdiction": max(float(fr[f"labour_share_{n}"].iloc[:12].mean()) for n in names),
        "world labour share, last year minus first (pp)":
            100 * float(fr["labour_share"].iloc[-12:].mean() - fr["labour_share"].iloc[:12].mean()),
        "AI talent at firms without staff, most in any month (%)": 100 * run["idle_talent"],
    }


def table(runs: list[dict]) -> str:
    """Markdown table: one row per measurement, one column per arm (mean over seeds, [min, max])."""
    by_arm = {arm: pd.DataFrame([measures(r) for r in runs if r["arm"] == arm]) for arm in ARMS}
    rows = ["| measurement | " + " | ".join(ARMS) + " |", "|---|" + "---|" * len(ARMS)]
    for key in next(iter(by_arm.values())).columns:
        cells = [f"{v[key].mean():.3g} [{v[key].min():.3g}, {v[key].max():.3g}]" for v in by_arm.values()]
        rows.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.soundness", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=12, help="seeds per arm (default 12)")
    parser.add_argument("--scale", type=float, default=1.0, help="population.scale (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args(argv)
    if args.seeds < 2 or args.workers < 1 or not 0.01 <= args.scale <= 100:
        parser.error("--seeds must be at least 2, --workers at least 1, --scale in [0.01, 100]")
    jobs = [(arm, seed, args.scale) for arm in ARMS for seed in range(args.seeds)]
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(simulate, *job) for job in jobs]
        for _ in track(as_completed(futures), total=len(futures), description="runs", transient=True):
            pass
        runs = [future.result() for future in futures]
    print(f"{args.seeds} seeds per arm, scale {args.scale}, {MONTHS} months from the start of the baseline\n")
    print(table(runs))


if __name__ == "__main__":
    main()
