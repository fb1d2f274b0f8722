"""The essay's causal chain, one link cut at a time: does the robot wave set off a run of AI talent?

The chain: robots → unemployment and insecurity → grievance and violence risk → a populist
government → a surveillance CBDC and, when talent starts leaving, capital controls announced to
"lock them in" → talent that sees the door closing leaves before it shuts. ``big-whoosh`` sets the
conditions and schedules nothing; each arm below cuts one link and is run with the same seeds.

    python -m experiments.whoosh                      # 12 seeds, scale 0.3, 120 months: about 3 minutes on 2 cores
    python -m experiments.whoosh --seeds 6 --out runs/whoosh
    python -m experiments.whoosh --set population.scale=0.5 --set talent.reconsider_rate=0.1

Prints the ablation table and writes ``ablation.csv`` (one row per arm and seed), ``ablation.md``
and ``whoosh.png`` to ``--out`` (default ``runs/whoosh``).
"""

from __future__ import annotations

import argparse
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.estimators import Estimate, mean_interval
from experiments.experiment_args import add_run_options, check_run_options, fail
from experiments.scenarios import ParameterError, read_scenario, resolve_parameters
from model.economy import WhooshModel

SCENARIO = "big-whoosh"
MONTHS = 120
SCALE = 0.3            # the talent population has a floor (population.min_talent), so this sizes the workers only
WINDOW = 12            # "most of it within about a year"
RUN_SHARE = 0.05       # a whoosh: 5% of home-born talent leaves within a year, above the usual churn
FULL = "essay's conditions"
ROBOTS_FROZEN = "robots frozen, AI wave kept"
BOOTSTRAP = 2_000


def arms(scenario: str = SCENARIO) -> dict[str, tuple[str, ...]]:
    """The full chain and each link cut, as parameter overrides on top of ``scenario``.

    "No automation wave" freezes robots and AI at their start (no capability gain, no price decline).
    The last arm, robots frozen with the scenario's AI wave kept, asks whether AI displacement alone
    sets the chain off; it is reported, not scored (``scored_arms``).
    """
    from experiments.validation import FROZEN_ROBOTS, FROZEN_TECHNOLOGY   # here: validation imports this module

    read_scenario(scenario)
    return {
        FULL: (),
        "no automation wave": FROZEN_TECHNOLOGY,
        "no populist turn": ("politics.takeover_populism=0.0", "politics.takeover_violence=0.0"),
        "no CBDC or controls response": ("government.populist_response=false", "government.lockin_response=false"),
        "no anticipation": ("talent.beta_anticipation=0.0",),
        "open door": ("controls.max_exit_tax=0.0", "controls.max_trapped=0.0"),
        ROBOTS_FROZEN: FROZEN_ROBOTS,
    }


def scored_arms(scenario: str = SCENARIO) -> dict[str, tuple[str, ...]]:
    """The full chain and the cuts of its links, which ``whoosh validate`` scores."""
    return {name: cut for name, cut in arms(scenario).items() if name != ROBOTS_FROZEN}


def whoosh_measures(outflow_share: np.ndarray) -> dict[str, float]:
    """How run-like a home jurisdiction's talent outflow is.

    Args:
        outflow_share: monthly outflow of home-born talent as a share of all home-born talent.

    Returns:
        ``size``: outflow in the busiest ``WINDOW`` months less the usual churn (``WINDOW`` × the median month);
        ``peak_month``: index of the busiest single month inside that window;
        ``concentration``: that window's share of the run's whole outflow above churn.
    """
    out = np.asarray(outflow_share, dtype=float)
    churn = float(np.median(out))
    window = np.convolve(out, np.ones(WINDOW), mode="valid")
    start = int(np.argmax(window))
    size = float(window[start] - WINDOW * churn)
    excess = float(np.maximum(out - churn, 0.0).sum())
    return {"size": size, "peak_month": start + int(np.argmax(out[start:start + WINDOW])),
            "concentration": size / excess if excess > 0 else 0.0}


def simulate(job: tuple[str, int, str, tuple[str, ...], float, int]) -> dict:
    """One arm and seed: the home jurisdiction's monthly talent outflow and the state of its door."""
    arm, seed, scenario, sets, scale, months = job
    params = resolve_parameters(scenario, [*sets, f"population.scale={scale}"])
    with WhooshModel(params, seed=seed) as model:
        t, home = model.talent, model.structure.home
        home_born = float(t.weight[t.home == home].sum())
        name = model.structure.names[home]
        for _ in range(months):
            model.step()
        frame = model.metrics_frame()
    outflow = frame["talent_outflow"].to_numpy() / home_born
    measures = whoosh_measures(outflow)
    announced = frame[f"controls_announced_{name}"].to_numpy() > 0
    populist = frame[f"populist_{name}"].to_numpy() > 0
    return {
        "arm": arm, "seed": seed, "home": name, **measures,
        "whoosh": measures["size"] >= RUN_SHARE,
        "peak_date": frame["date"].iloc[measures["peak_month"]],
        "populist_months": int(populist.sum()),
        "first_populist": frame["date"].iloc[int(np.argmax(populist))] if populist.any() else "",
        "controls_announced": frame["date"].iloc[int(np.argmax(announced))] if announced.any() else "",
        "offshore_end": float(frame["talent_offshore_share"].iloc[-1]),
        "offshore_peak": float(frame["talent_offshore_share"].max()),
        "capital_flight_bn": float(frame["capital_flight_stock"].iloc[-1]) * 1e3 / 1e9,   # k$ → $bn
        "ip_share_home_start": float(frame[f"ip_share_{name}"].iloc[:12].mean()),
        "ip_share_home_end": float(frame[f"ip_share_{name}"].iloc[-12:].mean()),
        "offshore": frame["talent_offshore_share"].to_numpy(),
        "dates": frame["date"].to_numpy(),
    }


def run_ablation(seeds: int, scale: float = SCALE, months: int = MONTHS, scenario: str = SCENARIO,
                 sets: tuple[str, ...] = (), workers: int = 2, progress: bool = True) -> list[dict]:
    """Every arm × seed, in a spawn process pool when ``workers`` > 1 (results do not depend on it)."""
    jobs = [(arm, seed, scenario, (*sets, *cut), scale, months)
            for arm, cut in arms(scenario).items() for seed in range(seeds)]
    if workers <= 1:
        return [simulate(job) for job in _track(jobs, progress)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(_track(pool.map(simulate, jobs), progress, total=len(jobs)))


def _track(items, progress: bool, total: int | None = None):
    if not progress:
        return items
    from rich.progress import track
    return track(items, total=total, description="whoosh ablation runs", transient=True)


def ratio_interval(full: np.ndarray, cut: np.ndarray, seed: int = 0) -> Estimate:
    """Mean whoosh size with a link cut over the full chain's, with a paired bootstrap 95% interval over seeds."""
    full, cut = np.asarray(full, float), np.asarray(cut, float)
    value = float(cut.mean() / full.mean()) if full.mean() > 0 else float("nan")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(full), size=(BOOTSTRAP, len(full)))
    ratios = cut[draws].mean(axis=1) / np.maximum(full[draws].mean(axis=1), 1e-12)
    low, high = np.quantile(ratios, [0.025, 0.975])
    return Estimate(value, float(low), float(high), len(full), f"ratio of means, paired bootstrap ({BOOTSTRAP} draws)")


def month_spread(dates: list[str]) -> float:
    """Standard deviation, in months, of YYYY-MM dates (0 for fewer than two)."""
    months = np.array([int(d[:4]) * 12 + int(d[5:7]) for d in dates], dtype=float)
    return float(months.std(ddof=1)) if len(months) > 1 else 0.0


def summary(records: list[dict]) -> pd.DataFrame:
    """One row per arm: how often a whoosh happens, its mean size with its interval, and its ratio to the full chain."""
    frame = pd.DataFrame([{k: v for k, v in r.items() if k not in ("offshore", "dates")} for r in records])
    full = frame[frame.arm == FULL].sort_values("seed")
    rows = []
    for arm, group in frame.groupby("arm", sort=False):
        group = group.sort_values("seed")
        size = mean_interval(100 * group["size"])
        ratio = ratio_interval(full["size"].to_numpy(), group["size"].to_numpy())
        happened = group[group.whoosh]
        rows.append({
            "arm": arm, "seeds": len(group), "whoosh_share": float(group.whoosh.mean()),
            "size_pp": size.value, "size_low": size.ci_low, "size_high": size.ci_high,
            "ratio": ratio.value, "ratio_low": ratio.ci_low, "ratio_high": ratio.ci_high,
            "concentration": float(happened["concentration"].mean()) if len(happened) else float("nan"),
            "first_peak": happened["peak_date"].min() if len(happened) else "",
            "last_peak": happened["peak_date"].max() if len(happened) else "",
            "peak_spread_months": month_spread(list(happened["peak_date"])),
            "offshore_end_pct": 100 * float(group["offshore_end"].mean()),
            "capital_flight_bn": float(group["capital_flight_bn"].mean()),
            "ip_share_change_pp": 100 * float((group["ip_share_home_end"] - group["ip_share_home_start"]).mean()),
            "populist_share": float((group["populist_months"] > 0).mean()),
        })
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """The ablation table as Markdown, as docs/VALIDATION.md shows it."""
    lines = ["| arm | whoosh in | size, pp of home talent [95% CI] | vs full chain [95% CI] | busiest month, range | "
             "in its busiest year | offshore at the end | capital flight, end | home IP share, last year − first | "
             "populist government at some point |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        dates = f"{r.first_peak} to {r.last_peak}" if r.first_peak else "—"
        conc = f"{r.concentration:.0%}" if np.isfinite(r.concentration) else "—"
        lines.append(f"| {r.arm} | {r.whoosh_share:.0%} of seeds | {r.size_pp:.1f} [{r.size_low:.1f}, {r.size_high:.1f}] | "
                     f"{r.ratio:.2f} [{r.ratio_low:.2f}, {r.ratio_high:.2f}] | {dates} | {conc} | "
                     f"{r.offshore_end_pct:.1f}% | ${r.capital_flight_bn:,.0f}bn | {r.ip_share_change_pp:+.1f} pp | "
                     f"{r.populist_share:.0%} of seeds |")
    return "\n".join(lines)


def plot(records: list[dict], path: Path) -> None:
    """Home talent offshore over time by arm (mean and range over seeds), and each seed's whoosh size."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r["arm"] for r in records))
    colours = plt.get_cmap("tab10").colors
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [1.6, 1]})
    for i, arm in enumerate(names):
        runs = [r for r in records if r["arm"] == arm]
        series = 100 * np.array([r["offshore"] for r in runs])
        x = pd.to_datetime(runs[0]["dates"])
        ax.plot(x, series.mean(axis=0), color=colours[i], label=arm, lw=2 if arm == FULL else 1.3)
        ax.fill_between(x, series.min(axis=0), series.max(axis=0), color=colours[i], alpha=0.12)
        sizes = 100 * np.array([r["size"] for r in runs])
        bx.scatter(sizes, np.full(len(sizes), i) + np.linspace(-0.2, 0.2, len(sizes)), color=colours[i], s=18)
    home = records[0]["home"]
    ax.set(title=f"{home}-born AI talent living abroad (mean, range over seeds)", ylabel="% of home-born AI talent")
    ax.legend(fontsize=8, loc="upper left")
    bx.axvline(100 * RUN_SHARE, color="grey", ls="--", lw=1)
    bx.set_yticks(range(len(names)), names, fontsize=8)
    bx.invert_yaxis()
    bx.set(title="Whoosh size per seed", xlabel=f"busiest {WINDOW} months' outflow above churn, % of home-born")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.whoosh", description=__doc__.splitlines()[0])
    add_run_options(parser, seeds=12, scale=SCALE, months=MONTHS, out="runs/whoosh")
    parser.add_argument("--scenario", default=SCENARIO, help=f"scenario name (default {SCENARIO})")
    args = parser.parse_args(argv)
    try:
        check_run_options(args, months=(12, 1200), scale=(0.01, 10.0))
        try:
            for cut in arms(args.scenario).values():
                resolve_parameters(args.scenario, [*args.sets, *cut])
        except (ParameterError, ValueError) as exc:
            fail(str(exc))
    except SystemExit as exit_:
        return int(exit_.code)
    records = run_ablation(args.seeds, args.scale, args.months, args.scenario, tuple(args.sets), args.workers)
    table = summary(records)
    args.out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([{k: v for k, v in r.items() if k not in ("offshore", "dates")} for r in records]).to_csv(
        args.out / "ablation.csv", index=False)
    text = markdown(table)
    (args.out / "ablation.md").write_text(text + "\n")
    plot(records, args.out / "whoosh.png")
    print(f"{args.scenario}: {args.seeds} seeds per arm, scale {args.scale}, {args.months} months; "
          f"a whoosh = at least {RUN_SHARE:.0%} of home-born talent leaving within {WINDOW} months above churn\n")
    print(text)
    print(f"\nwrote {args.out / 'ablation.csv'}, {args.out / 'ablation.md'} and {args.out / 'whoosh.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
