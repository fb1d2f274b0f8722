"""Allocation regimes with heterogeneous firms: does who funds firms change which firms grow?

Runs the ``baseline``, ``tournament`` and ``carry-closed`` scenarios over many seeds (common random
numbers: a seed's runs share their shocks) and measures, from the firm-level arrays every month:

- selection: the true productivity of the firms each allocator kind funded (weighted by money,
  seed capital included) against the mean of the firms it could have funded (alive firms of the
  jurisdictions it invests in; bits firms only for venture, tournament and sovereign funds), and
  against all firms;
- the correlation, across eligible firms each month, between money received per unit of sales and
  log productivity (averaged over months, weighted by money);
- allocators' returns: the annualised return on each kind's portfolio (dividends plus the change in
  the value of last month's shares; a closing firm at what it paid out), and venture's fees;
- misallocation: the within-market standard deviation of log revenue per worker (Hsieh & Klenow
  2009's TFPR dispersion in this model's labour-only form; zero when funds and workers go where
  their marginal revenue is highest) and the Olley & Pakes (1996) covariance between market share
  and productivity (how far the sales-weighted productivity exceeds the plain mean);
- fees (as a share of GDP) and the velocity share; real output; firm exit.

    python -m experiments.allocation                                   # 8 seeds, scale 1, 120 months
    python -m experiments.allocation --seeds 12 --scale 0.5 --out runs/allocation
    python -m experiments.allocation --set firms.tournament_signal_noise=0 --out runs/allocation-exact

Prints a table (mean and 95% interval over seeds per scenario, and each scenario's difference from
the baseline paired by seed) and writes ``summary.csv`` (long form) and ``runs.csv`` (one row per
run) to ``--out``.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import track
from rich.table import Table

from experiments.estimators import mean_interval
from experiments.experiment_args import add_run_options, check_run_options, fail
from experiments.scenarios import ParameterError, resolve_parameters
from model.domain import ALLOCATOR_KINDS, BITS, INDEX, SECTORS, SOVEREIGN
from model.economy import WhooshModel
from model.phases.capital_allocation import share_prices

SCENARIOS = ("baseline", "tournament", "carry-closed")
MONTHS = 120
MIN_FIRMS = 3            # a month's correlation needs at least this many eligible firms


def _kind_stakes(state) -> np.ndarray:
    """(kinds, F) shares each allocator kind holds in each firm."""
    a = state.allocators
    out = np.zeros((len(ALLOCATOR_KINDS), a.stakes.shape[1]))
    np.add.at(out, a.kind, a.stakes)
    return out


def _eligible(state, kind: int, alive: np.ndarray) -> np.ndarray:
    """Firms an allocator kind may fund: alive, bits unless index, in a jurisdiction where the kind invests."""
    f, a = state.firms, state.allocators
    ok = alive.copy()
    if kind != INDEX:
        ok &= f.kind == BITS
    if kind != SOVEREIGN:
        ok &= np.isin(f.jurisdiction, a.jurisdiction[a.kind == kind])
    return ok


def _within_market_sd(values: np.ndarray, weights: np.ndarray, market: np.ndarray, n: int) -> float:
    """Weighted standard deviation of ``values`` around their markets' weighted means."""
    total = np.bincount(market, weights=weights, minlength=n)
    mean = np.divide(np.bincount(market, weights=weights * values, minlength=n), total, out=np.zeros(n), where=total > 0)
    dev = values - mean[market]
    return float(np.sqrt(np.sum(weights * dev ** 2) / max(weights.sum(), 1e-300)))


def _olley_pakes(z: np.ndarray, sales: np.ndarray, market: np.ndarray, n: int) -> float:
    """Σ_m S_m Σ_{f∈m} (s_f − 1/N_m)(z_f − z̄_m) / z̄, with S_m the market's share of sales (relative to mean z)."""
    count = np.bincount(market, minlength=n).astype(float)
    total = np.bincount(market, weights=sales, minlength=n)
    zbar = np.divide(np.bincount(market, weights=z, minlength=n), count, out=np.zeros(n), where=count > 0)
    share = np.divide(sales, total[market], out=np.zeros_like(sales), where=total[market] > 0)
    cov = np.bincount(market, weights=(share - 1.0 / count[market]) * (z - zbar[market]), minlength=n)
    weight = total / max(total.sum(), 1e-300)
    return float(np.sum(weight * cov) / max(np.sum(weight * zbar), 1e-300))


class AllocationProbe:
    """The allocation measurements of one run, observed month by month (also a sweep probe: see
    ``experiments.sweep.probe_class``).

    Build it on a fresh model, call ``observe`` after every step and ``results`` at the end.
    """

    def __init__(self, model: WhooshModel) -> None:
        state, f = model.state, model.firms
        K = len(ALLOCATOR_KINDS)
        self.home = model.structure.names.index(model.p.home)
        self.home_name = model.p.home
        self.funded_z, self.funded_money, self.bench = np.zeros(K), np.zeros(K), np.zeros(K)
        self.corr_sum, self.corr_weight = np.zeros(K), np.zeros(K)
        self.log_growth, self.fee_sum, self.value_sum = np.zeros(K), np.zeros(K), np.zeros(K)
        self.months_held = np.zeros(K)
        self.home_money_z = self.home_money = self.home_bench = 0.0
        self.z_all, self.z_sales, self.z_sales_bits = [], [], []
        self.op_all, self.op_bits, self.rpw_all, self.rpw_bits = [], [], [], []
        self.n_markets = state.n_j * len(SECTORS)
        self.market = f.jurisdiction * len(SECTORS) + f.sector
        self.stakes_prev, self.price_prev = _kind_stakes(state), share_prices(state)
        self.alive_prev = f.alive.copy()

    def observe(self, model: WhooshModel) -> None:
        """Record the month the model has just stepped."""
        state, f = model.state, model.firms
        month, a = model.last_month, state.allocators
        K, home, market, n_markets = len(ALLOCATOR_KINDS), self.home, self.market, self.n_markets
        z = f.productivity
        was_alive = self.alive_prev | (month.deployed.sum(axis=0) > 0)
        # selection by each kind: money-weighted productivity against the eligible firms' mean
        for k in range(K):
            money = month.deployed[k]
            if money.sum() <= 0:
                continue
            ok = _eligible(state, k, was_alive)
            self.funded_z[k] += money @ z
            self.funded_money[k] += money.sum()
            if k == SOVEREIGN:
                self.bench[k] += money.sum() * z[ok].mean()
            else:
                per_j = np.bincount(f.jurisdiction, weights=money, minlength=state.n_j)
                count = np.bincount(f.jurisdiction, weights=ok.astype(float), minlength=state.n_j)
                mean_j = np.divide(np.bincount(f.jurisdiction, weights=z * ok, minlength=state.n_j), count,
                                   out=np.zeros(state.n_j), where=count > 0)
                self.bench[k] += per_j @ mean_j
            intensity = money[ok] / np.maximum(f.expected_sales[ok], 1e-9)
            if ok.sum() >= MIN_FIRMS and intensity.std() > 0:
                self.corr_sum[k] += money.sum() * np.corrcoef(np.log(z[ok]), intensity)[0, 1]
                self.corr_weight[k] += money.sum()
        # all allocators' money into the home jurisdiction's bits firms
        money = month.deployed.sum(axis=0) * ((f.jurisdiction == home) & (f.kind == BITS))
        ok = was_alive & (f.jurisdiction == home) & (f.kind == BITS)
        if money.sum() > 0 and ok.any():
            self.home_money_z += money @ z
            self.home_money += money.sum()
            self.home_bench += money.sum() * z[ok].mean()
        # portfolio returns: dividends plus the change in value of last month's shares
        price_now = share_prices(state)
        closed = month.closed if month.closed is not None else np.zeros(len(f), bool)
        shares_prev = self.stakes_prev.sum(axis=0)
        exit_value = np.divide(month.liquidated if month.liquidated is not None else np.zeros(len(f)), shares_prev,
                               out=np.zeros(len(f)), where=shares_prev > 0)
        valued = np.where(closed, exit_value, price_now)
        value_prev = self.stakes_prev @ self.price_prev
        income = np.bincount(a.kind, weights=a.income, minlength=K)
        fees = np.bincount(a.kind, weights=a.fees, minlength=K)
        gain = self.stakes_prev @ (valued - self.price_prev)
        held = value_prev > 0
        self.log_growth[held] += np.log(np.maximum(1.0 + (income[held] + gain[held]) / value_prev[held], 1e-9))
        self.fee_sum += fees
        self.value_sum += value_prev
        self.months_held += held
        self.stakes_prev, self.price_prev, self.alive_prev = _kind_stakes(state), price_now, f.alive.copy()
        # productivity of the firms alive, plain and sales-weighted; misallocation
        alive = f.alive & (f.sales > 0)
        bits = alive & (f.kind == BITS)
        self.z_all.append(z[f.alive].mean())
        self.z_sales.append(np.average(z[alive], weights=f.sales[alive]))
        self.z_sales_bits.append(np.average(z[bits], weights=f.sales[bits]))
        self.op_all.append(_olley_pakes(z[alive], f.sales[alive], market[alive], n_markets))
        self.op_bits.append(_olley_pakes(z[bits], f.sales[bits], market[bits], n_markets))
        staff = f.workers.sum(axis=1)
        for mask, out in ((alive & (staff > 0), self.rpw_all), (bits & (staff > 0), self.rpw_bits)):
            out.append(_within_market_sd(np.log(f.sales[mask] / staff[mask]), staff[mask], market[mask], n_markets))

    def results(self, frame: pd.DataFrame) -> dict[str, float]:
        """Every measure (``MEASURES``' keys; NaN for an allocator kind that funded nothing), given the run's
        metrics frame."""
        nan = float("nan")
        out: dict[str, float] = {}
        for k, kind in enumerate(ALLOCATOR_KINDS):
            funded = self.funded_money[k] > 0
            out[f"{kind}_funded_productivity"] = self.funded_z[k] / self.funded_money[k] if funded else nan
            out[f"{kind}_selection_gain_pct"] = 100 * (self.funded_z[k] / self.bench[k] - 1.0) if funded else nan
            out[f"{kind}_funding_productivity_corr"] = (self.corr_sum[k] / self.corr_weight[k]
                                                        if funded and self.corr_weight[k] > 0 else nan)
            out[f"{kind}_return_pct"] = (100 * (np.exp(12 * self.log_growth[k] / self.months_held[k]) - 1)
                                         if funded and self.months_held[k] > 0 else nan)
        venture = ALLOCATOR_KINDS.index("venture")
        out["venture_fees_pct"] = 100 * 12 * self.fee_sum[venture] / max(self.value_sum[venture], 1e-300)
        out["home_bits_selection_gain_pct"] = (100 * (self.home_money_z / self.home_bench - 1.0)
                                               if self.home_money > 0 else nan)
        out["productivity_mean"] = float(np.mean(self.z_all))
        out["productivity_sales_weighted"] = float(np.mean(self.z_sales))
        out["productivity_sales_weighted_bits"] = float(np.mean(self.z_sales_bits))
        out["olley_pakes_pct"] = 100 * float(np.mean(self.op_all))
        out["olley_pakes_bits_pct"] = 100 * float(np.mean(self.op_bits))
        out["tfpr_dispersion"] = float(np.mean(self.rpw_all))
        out["tfpr_dispersion_bits"] = float(np.mean(self.rpw_bits))
        last, home = frame.iloc[-12:], self.home_name
        out["fees_pct_gdp"] = 100 * frame["fees"].sum() / frame["gdp"].sum()
        out["velocity_share_average"] = float(frame["velocity_share"].mean())
        out["real_gdp_index"] = 100 * last["real_gdp"].mean() / frame["real_gdp"].iloc[:12].mean()
        out["real_gdp_home_index"] = 100 * last[f"real_gdp_{home}"].mean() / frame[f"real_gdp_{home}"].iloc[:12].mean()
        out["firm_exits_pct"] = 100 * 12 * frame["firm_exits"].sum() / max(frame["firms_alive"].sum(), 1)
        return {key: float(value) for key, value in out.items()}


def measure_labels(home: str) -> dict[str, str]:
    """Each measure's key and its label in the tables (``home``: the home jurisdiction's name)."""
    labels = {}
    for kind in ALLOCATOR_KINDS:
        labels[f"{kind}_funded_productivity"] = f"{kind}: funded firms' productivity (money-weighted)"
        labels[f"{kind}_selection_gain_pct"] = f"{kind}: selection gain over its eligible firms (%)"
        labels[f"{kind}_funding_productivity_corr"] = f"{kind}: corr(funding per unit of sales, log productivity)"
        labels[f"{kind}_return_pct"] = f"{kind}: portfolio return before fees (%/yr)"
    labels.update({
        "venture_fees_pct": "venture: fees (% of its portfolio a year)",
        "home_bits_selection_gain_pct": f"{home} bits: selection gain of all allocators' money (%)",
        "productivity_mean": "all firms: mean productivity",
        "productivity_sales_weighted": "all firms: sales-weighted productivity",
        "productivity_sales_weighted_bits": "bits firms: sales-weighted productivity",
        "olley_pakes_pct": "Olley-Pakes covariance, all firms (% of mean)",
        "olley_pakes_bits_pct": "Olley-Pakes covariance, bits firms (% of mean)",
        "tfpr_dispersion": "sd of log revenue per worker within markets, all",
        "tfpr_dispersion_bits": "sd of log revenue per worker within markets, bits",
        "fees_pct_gdp": "fees (% of GDP)",
        "velocity_share_average": "velocity share (fees / fees + profits)",
        "real_gdp_index": "real GDP, world, last year (index, start = 100)",
        "real_gdp_home_index": f"real GDP, {home}, last year (index, start = 100)",
        "firm_exits_pct": "firm exits (% of firms a year)",
    })
    return labels


MEASURES = tuple(measure_labels("home"))   # the keys a probe reports, in table order


def simulate(scenario: str, seed: int, scale: float, months: int = MONTHS, sets: tuple[str, ...] = ()) -> dict[str, float]:
    """One run: the allocation measurements of ``scenario`` at ``seed`` (``sets``: extra ``key=value`` overrides)."""
    params = resolve_parameters(scenario, [*sets, f"population.scale={scale}"])
    with WhooshModel(params, seed=seed) as model:
        probe = AllocationProbe(model)
        for _ in range(months):
            model.step()
            probe.observe(model)
        measures = probe.results(model.metrics_frame())
    labels = measure_labels(params.home)
    out: dict[str, float] = {"scenario": scenario, "seed": seed}
    out.update({labels[key]: value for key, value in measures.items() if not math.isnan(value)})
    return out


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% interval over seeds of every measure per scenario, and each scenario's paired difference
    from the baseline (long form: measure, scenario, mean, ci_low, ci_high, n)."""
    measures = [c for c in runs.columns if c not in ("scenario", "seed")]
    rows = []
    base = runs[runs["scenario"] == SCENARIOS[0]].set_index("seed")
    for scenario in [s for s in SCENARIOS if s in set(runs["scenario"])]:
        sub = runs[runs["scenario"] == scenario].set_index("seed")
        for key in measures:
            values = sub[key].dropna()
            if len(values) >= 2:
                est = mean_interval(values.to_numpy())
                rows.append({"measure": key, "scenario": scenario, "mean": est.value, "ci_low": est.ci_low,
                             "ci_high": est.ci_high, "n": est.n})
            if scenario != SCENARIOS[0] and key in base:
                diff = (sub[key] - base[key]).dropna()
                if len(diff) >= 2:
                    est = mean_interval(diff.to_numpy())
                    rows.append({"measure": key, "scenario": f"{scenario} − {SCENARIOS[0]}", "mean": est.value,
                                 "ci_low": est.ci_low, "ci_high": est.ci_high, "n": est.n})
    return pd.DataFrame(rows)


def _cell(row: pd.Series | None) -> str:
    if row is None:
        return "–"
    return f"{row['mean']:.3g} [{row['ci_low']:.3g}, {row['ci_high']:.3g}]"


def render(summary: pd.DataFrame, title: str) -> Table:
    """A rich table: one row per measure, one column per scenario and per paired difference."""
    columns = list(dict.fromkeys(summary["scenario"]))
    table = Table(title=title, show_lines=False)
    table.add_column("measure", style="bold")
    for column in columns:
        table.add_column(column, justify="right")
    lookup = {(r.measure, r.scenario): r for r in summary.itertuples(index=False)}
    for measure in dict.fromkeys(summary["measure"]):
        cells = []
        for column in columns:
            row = lookup.get((measure, column))
            cells.append(_cell(None if row is None else pd.Series(row._asdict())))
        table.add_row(measure, *cells)
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.allocation", description=__doc__.splitlines()[0])
    add_run_options(parser, seeds=8, scale=1.0, months=MONTHS, out="runs/allocation")
    args = parser.parse_args(argv)
    check_run_options(args, months=(12, 1200))
    try:
        resolve_parameters(SCENARIOS[0], args.sets)
    except ParameterError as error:
        fail(str(error))
    jobs = [(scenario, seed, args.scale, args.months, tuple(args.sets)) for scenario in SCENARIOS
            for seed in range(args.seeds)]
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(simulate, *job) for job in jobs]
        for _ in track(as_completed(futures), total=len(futures), description="runs", transient=True):
            pass
        runs = pd.DataFrame([future.result() for future in futures]).sort_values(["scenario", "seed"])
    summary = summarise(runs)
    args.out.mkdir(parents=True, exist_ok=True)
    runs.to_csv(args.out / "runs.csv", index=False)
    summary.to_csv(args.out / "summary.csv", index=False)
    console = Console(width=200)
    overrides = f"; {', '.join(args.sets)}" if args.sets else ""
    console.print(render(summary, f"Allocation regimes: {args.seeds} seeds, scale {args.scale}, {args.months} months"
                                  f"{overrides} (mean [95% interval] over seeds; differences paired by seed)"))
    console.print(f"wrote {args.out / 'summary.csv'} and {args.out / 'runs.csv'}")


if __name__ == "__main__":
    main()
