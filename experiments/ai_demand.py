"""AI's demand channel in real terms: a fast AI wave against the same seeds with AI frozen.

Firms that buy AI services instead of employing white-collar workers pay the AI labs
(model/phases/goods_market.py); the labs pay their staff and AI talent (model/phases/incomes.py) and
dividends (model/phases/firm_accounts.py) that reach households in proportion to their savings
(model/accounts.py). This experiment follows that money and measures, in real terms (each person's
spending and income divided by the price index where the person lives, 1 at the start), who ends up
consuming more or less:

* displaced: medium-skill (white-collar) workers laid off by automation at some point of the AI wave;
* owners: the top 10% of each jurisdiction's workers by savings at the start (capital income, the
  labs' dividends included, is paid in proportion to savings);
* others: every other worker;
* AI talent living in its home jurisdiction, and living abroad.

It also reports aggregate real consumption and real GDP, and where the AI labs' revenue from AI services
goes: staff wages, talent pay (to talent living where the lab is, or abroad), royalties and licensing
abroad, dividends, and the rest (taxes, interest, machines, cash kept).

Both arms freeze robots, so the AI wave is the only technology that moves; the frozen arm freezes AI too
(``FROZEN_ROBOTS`` and ``FROZEN_TECHNOLOGY`` of experiments/validation.py, whose automation-wave facts use the
same pairing). Runs of one seed share their demand shocks and their worker rows, so a group is the same
people in both arms (groups are defined in the AI wave). Changes are AI wave against AI frozen, in % of the
frozen arm, averaged over a window of months and then over seeds, with a t interval over seeds.

    python -m experiments.ai_demand                          # 12 seeds, scale 2, 120 months, 2 processes
    python -m experiments.ai_demand --seeds 8 --scale 1 --out runs/ai-demand
    python -m experiments.ai_demand --set goods.mpc_wealth_elasticity=0.15 --out runs/ai-demand-mpc

Writes ai_demand_summary.csv (every estimate), ai_demand_seeds.csv (per-seed changes),
ai_demand_series.csv (monthly changes by group) and ai_demand.png to ``--out``.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from experiments.estimators import mean_interval
from experiments.experiment_args import add_run_options, check_run_options, fail
from experiments.scenarios import ParameterError, resolve_parameters
from experiments.sweep import START_METHOD
from experiments.validation import FROZEN_ROBOTS, FROZEN_TECHNOLOGY
from model.domain import AI_LABS, MEDIUM
from model.economy import WhooshModel

SCENARIO = "baseline"
# a fast AI wave: half of the ceiling by mid-2026 (the baseline: 2028-01), three times as steep, and AI able to do
# 60% of the exposed tasks (the ceiling of the robot-wave, big-whoosh and open-door scenarios; the baseline: 35%)
FAST_AI = ('technology.ai_midpoint="2026-07"', "technology.ai_speed=0.15", "technology.ai_ceiling=0.6")
WAVE, FROZEN = "AI wave", "AI frozen"
ARMS = {WAVE: (*FROZEN_ROBOTS, *FAST_AI), FROZEN: FROZEN_TECHNOLOGY}
MONTHS = 120
OWNER_SHARE = 0.10                 # owners: the top 10% of each jurisdiction's workers by savings at the start
WORKER_GROUPS = ("displaced", "owners", "others", "all workers")
TALENT_GROUPS = ("talent at home", "talent abroad")
GROUPS = WORKER_GROUPS + TALENT_GROUPS
MEASURES = {"consumption": "real consumption", "income": "real income", "capital_income": "real capital income"}
NOMINAL = {"nominal_income": ("income", "nominal income"), "nominal_capital_income": ("capital_income", "nominal capital income")}
GROUP_MEASURES = {**MEASURES, **{key: label for key, (_, label) in NOMINAL.items()}}
CAPITAL = ("capital_income", "nominal_capital_income")     # reported for owners and all workers
EVENT_BEFORE, EVENT_AFTER = 12, 24   # months before and after a worker's first displacement in the event study
YEAR = 12
USES = {                            # where the AI labs' revenue from AI services goes
    "wages": "staff wages",
    "talent_home": "AI talent pay, talent living where the lab is",
    "talent_abroad": "AI talent pay, talent living abroad",
    "royalties_abroad": "IP royalties and licensing abroad",
    "dividends": "dividends (to allocators, then households by savings)",
    "rest": "taxes, interest, machines and cash kept",
    "no_lab": "rest of the world (no AI lab alive)",
}
ABROAD_USES = ("talent_abroad", "royalties_abroad", "no_lab")
AGGREGATES = {"real_consumption": "real private consumption (households and talent)",
              "household_real_consumption": "real household consumption", "real_gdp": "real GDP",
              "price_level": "world price level", "nominal_income": "nominal household income",
              "wage_bill": "nominal wage bill"}


# --------------------------------------------------------------------------- one run


def top_rows(values: np.ndarray, weight: np.ndarray, group: np.ndarray, share: float) -> np.ndarray:
    """Rows in the top ``share`` (by people) of ``values`` within each ``group``; ties by row order.

    A group's rows are taken from the highest value down while the people above them are fewer than
    ``share`` of the group (so the row that crosses the line is in).
    """
    order = np.lexsort((-values, group))
    g, wt = group[order], weight[order]
    cum = np.cumsum(wt)
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    above = cum - wt - np.where(first > 0, cum[first - 1], 0.0)
    total = np.bincount(g, weights=wt)[g]
    top = np.zeros(len(values), dtype=bool)
    top[order] = above < share * total
    return top


def run_arm(arm: str, seed: int, scale: float, months: int, sets: tuple[str, ...] = ()) -> dict:
    """One run: each worker's real consumption, income and capital income every month, and the month of
    first displacement; talent groups, aggregates and the AI labs' revenue uses month by month."""
    params = resolve_parameters(SCENARIO, [*ARMS[arm], *sets, f"population.scale={scale}"])
    with WhooshModel(params, seed=seed) as model:
        w, t, f, g, st = model.workers, model.talent, model.firms, model.gov, model.structure
        n = len(w)
        out = {key: np.zeros((months, n)) for key in MEASURES}
        talent = {(group, key): np.zeros(months) for group in TALENT_GROUPS for key in ("consumption", "income", "people")}
        aggregate = {key: np.zeros(months) for key in ("real_consumption", "household_real_consumption", "real_gdp",
                                                       "price_level", "nominal_income", "wage_bill", "gdp",
                                                       "unemployment_medium", "vendor_revenue", "ai_cost_to_wage")}
        uses = {key: np.zeros(months) for key in USES}
        prices = np.zeros((months, model.n_j))
        start_savings = w.savings.copy()
        first_displaced = np.full(n, -1)
        labs = f.sector == AI_LABS
        for s in range(months):
            model.step()
            month, price = model.last_month, g.price_index
            prices[s] = price
            deflator = price[w.jurisdiction]
            out["consumption"][s] = month.household_consumption / deflator
            out["income"][s] = w.income / deflator
            out["capital_income"][s] = month.worker_capital_income / deflator
            newly = (first_displaced < 0) & w.displaced & (w.skill == MEDIUM)
            first_displaced[newly] = s
            at_home = t.location == t.home
            t_deflator = price[t.location]
            t_income = (month.talent_net_pay + month.talent_royalties) / t_deflator
            for group, mask in zip(TALENT_GROUPS, (at_home, ~at_home)):
                talent[group, "people"][s] = t.weight[mask].sum()
                talent[group, "consumption"][s] = (month.talent_consumption / t_deflator * t.weight)[mask].sum()
                talent[group, "income"][s] = (t_income * t.weight)[mask].sum()
            v = model.metrics.values
            aggregate["real_consumption"][s] = (month.flows["consumption"] / price).sum()
            aggregate["household_real_consumption"][s] = out["consumption"][s] @ w.weight
            aggregate["real_gdp"][s] = v["real_gdp"]
            aggregate["price_level"][s] = v["price_level"]
            aggregate["nominal_income"][s] = w.income @ w.weight
            aggregate["wage_bill"][s] = month.flows["wages"].sum()
            aggregate["gdp"][s] = v["gdp"]
            aggregate["unemployment_medium"][s] = v["unemployment_medium"]
            aggregate["vendor_revenue"][s] = month.vendor_revenue.sum()
            aggregate["ai_cost_to_wage"][s] = month.ai_cost[st.home] / model.state.wage[st.home, MEDIUM]
            for key, amount in vendor_uses(model, labs).items():
                uses[key][s] = amount
        return {"arm": arm, "seed": seed, "weight": w.weight.copy(), "jurisdiction": w.jurisdiction.copy(),
                "skill": w.skill.copy(), "start_savings": start_savings, "first_displaced": first_displaced,
                "workers": out, "prices": prices, "talent": talent, "aggregate": aggregate, "uses": uses}


def vendor_uses(model: WhooshModel, labs: np.ndarray) -> dict[str, float]:
    """This month's revenue of the AI labs from AI services (and robots), split over what the labs paid, pro rata:
    each lab's vendor revenue / its sales of every use of its revenue."""
    month, f, t = model.last_month, model.firms, model.talent
    vendor = month.vendor_revenue
    share = np.divide(vendor, f.sales, out=np.zeros(len(f)), where=f.sales > 0) * labs
    share = np.clip(share, 0.0, 1.0)
    employed = t.employer >= 0
    employer = np.maximum(t.employer, 0)
    pay = t.pay * t.weight * employed
    abroad = employed & (t.location != f.jurisdiction[employer])
    paid = np.bincount(employer, weights=pay, minlength=len(f))
    paid_abroad = np.bincount(employer, weights=pay * abroad, minlength=len(f))
    abroad_share = np.divide(paid_abroad, paid, out=np.zeros(len(f)), where=paid > 0)
    spent = {
        "wages": month.firm_wage_cost,
        "talent_home": month.firm_talent_cost * (1.0 - abroad_share),
        "talent_abroad": month.firm_talent_cost * abroad_share,
        "royalties_abroad": month.firm_paid_abroad,
        "dividends": month.firm_dividends,
    }
    out = {key: float(share @ amount) for key, amount in spent.items()}
    out["rest"] = float(share @ f.sales) - sum(out.values())
    out["no_lab"] = float(month.firm_machine_cost.sum() - vendor.sum())
    return out


# --------------------------------------------------------------------------- one seed, both arms


def per_person(values: np.ndarray, weight: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(months,) the people-weighted mean of ``values`` (months, workers) over the rows in ``mask``."""
    people = weight[mask].sum()
    return values[:, mask] @ weight[mask] / people if people > 0 else np.full(len(values), np.nan)


def worker_groups(wave: dict) -> dict[str, np.ndarray]:
    """Row masks of the worker groups, from the AI-wave run (the same rows are the same people in both arms)."""
    displaced = wave["first_displaced"] >= 0
    top = top_rows(wave["start_savings"], wave["weight"], wave["jurisdiction"], OWNER_SHARE)
    owners = top & ~displaced
    return {"displaced": displaced, "owners": owners, "others": ~displaced & ~owners,
            "all workers": np.ones(len(displaced), dtype=bool)}


def event_study(wave: dict, frozen: dict, key: str, first: np.ndarray, weight: np.ndarray,
                offsets: range) -> np.ndarray:
    """% difference, AI wave against AI frozen, of the displaced's ``key`` in the months ``offsets`` from their
    first displacement (the same people in the same calendar months)."""
    rows = np.flatnonzero(first >= 0)
    months = len(wave["workers"][key])
    out = np.full(len(offsets), np.nan)
    for i, k in enumerate(offsets):
        month = first[rows] + k
        ok = (month >= 0) & (month < months)
        r, m = rows[ok], month[ok]
        if len(r):
            a = wave["workers"][key][m, r] @ weight[r]
            b = frozen["workers"][key][m, r] @ weight[r]
            out[i] = 100.0 * (a / b - 1.0) if b > 0 else np.nan
    return out


def pooled_event_change(wave: dict, frozen: dict, key: str, first: np.ndarray, weight: np.ndarray,
                        offsets: range) -> float:
    """% difference of the displaced's ``key`` summed over the person-months ``offsets`` from their displacement."""
    rows = np.flatnonzero(first >= 0)
    months = len(wave["workers"][key])
    a = b = 0.0
    for k in offsets:
        month = first[rows] + k
        ok = (month >= 0) & (month < months)
        a += wave["workers"][key][month[ok], rows[ok]] @ weight[rows[ok]]
        b += frozen["workers"][key][month[ok], rows[ok]] @ weight[rows[ok]]
    return 100.0 * (a / b - 1.0) if b > 0 else math.nan


def simulate_seed(seed: int, scale: float, months: int = MONTHS, sets: tuple[str, ...] = ()) -> dict:
    """Both arms of one seed, reduced to group series, event study, vendor uses and aggregates (small to pickle)."""
    wave = run_arm(WAVE, seed, scale, months, sets)
    frozen = run_arm(FROZEN, seed, scale, months, sets)
    for key in ("weight", "jurisdiction", "skill"):
        if not np.array_equal(wave[key], frozen[key]):
            raise RuntimeError(f"seed {seed}: the arms' workers differ ({key}); groups could not be compared")
    weight = wave["weight"]
    masks = worker_groups(wave)
    series = {}
    for arm, run in ((WAVE, wave), (FROZEN, frozen)):
        deflator = run["prices"][:, wave["jurisdiction"]]
        for group, mask in masks.items():
            for key in MEASURES:
                series[arm, group, key] = per_person(run["workers"][key], weight, mask)
            for key, (real, _) in NOMINAL.items():
                series[arm, group, key] = per_person(run["workers"][real] * deflator, weight, mask)
        for group in TALENT_GROUPS:
            people = np.maximum(run["talent"][group, "people"], 1e-12)
            series[arm, group, "consumption"] = run["talent"][group, "consumption"] / people
            series[arm, group, "income"] = run["talent"][group, "income"] / people
    first = wave["first_displaced"]
    offsets = range(-EVENT_BEFORE, EVENT_AFTER + 1)
    total_people = weight.sum()
    return {
        "seed": seed,
        "months": months,
        "series": series,
        "people": {group: float(weight[mask].sum() / total_people) for group, mask in masks.items()},
        "medium_displaced": float(weight[masks["displaced"]].sum() / weight[wave["skill"] == MEDIUM].sum()),
        "talent_people": {(arm, group): run["talent"][group, "people"] for arm, run in ((WAVE, wave), (FROZEN, frozen))
                          for group in TALENT_GROUPS},
        "event": {key: event_study(wave, frozen, key, first, weight, offsets) for key in ("consumption", "income")},
        "event_year": {key: pooled_event_change(wave, frozen, key, first, weight, range(0, YEAR))
                       for key in ("consumption", "income")},
        "event_before": {key: pooled_event_change(wave, frozen, key, first, weight, range(-YEAR, 0))
                         for key in ("consumption", "income")},
        "capital_income_top": {arm: owner_capital_share(run, masks["owners"], weight)
                               for arm, run in ((WAVE, wave), (FROZEN, frozen))},
        "aggregate": {arm: run["aggregate"] for arm, run in ((WAVE, wave), (FROZEN, frozen))},
        "uses": wave["uses"],
    }


def owner_capital_share(run: dict, owners: np.ndarray, weight: np.ndarray) -> float:
    """Share of all workers' capital income (over the run) that the owners received."""
    capital = run["workers"]["capital_income"].sum(axis=0) * weight
    return float(capital[owners].sum() / max(capital.sum(), 1e-12))


def run_seeds(seeds: int, scale: float, months: int = MONTHS, sets: tuple[str, ...] = (), workers: int = 1) -> list[dict]:
    """``simulate_seed`` for seeds 0 .. seeds-1, in a process pool when ``workers`` > 1; in seed order."""
    jobs = list(range(seeds))
    if workers <= 1:
        return [simulate_seed(seed, scale, months, sets) for seed in jobs]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(START_METHOD)) as pool:
        return list(pool.map(simulate_seed, jobs, [scale] * seeds, [months] * seeds, [tuple(sets)] * seeds))


# --------------------------------------------------------------------------- estimates


def windows(months: int) -> dict[str, slice]:
    """The whole run and its second half."""
    half = months // 2
    return {f"months 1-{months}": slice(0, months), f"months {half + 1}-{months}": slice(half, months)}


def change(wave: np.ndarray, frozen: np.ndarray, window: slice) -> float:
    """% change of the window's mean, AI wave against AI frozen."""
    b = float(np.nanmean(frozen[window]))
    return 100.0 * (float(np.nanmean(wave[window])) / b - 1.0) if b != 0 else math.nan


def summarise(records: list[dict]) -> pd.DataFrame:
    """Every estimate as one row: section, group, measure, unit, window, levels of both arms, change and its
    95% interval over seeds."""
    months = records[0]["months"]
    rows = []

    def add(section, group, measure, unit, window, frozen_levels, wave_levels, changes):
        est = mean_interval(changes)
        rows.append({"section": section, "group": group, "measure": measure, "unit": unit, "window": window,
                     "frozen": float(np.mean(frozen_levels)) if len(frozen_levels) else math.nan,
                     "wave": float(np.mean(wave_levels)) if len(wave_levels) else math.nan,
                     "change": est.value, "ci_low": est.ci_low, "ci_high": est.ci_high, "n_seeds": est.n})

    level_unit = "k$ a month per person, start prices"
    for label, window in windows(months).items():
        for group in GROUPS:
            keys = GROUP_MEASURES if group in WORKER_GROUPS else ("consumption", "income")
            for key in keys:
                if key in CAPITAL and group not in ("owners", "all workers"):
                    continue
                frozen = [np.nanmean(r["series"][FROZEN, group, key][window]) for r in records]
                wave = [np.nanmean(r["series"][WAVE, group, key][window]) for r in records]
                changes = [change(r["series"][WAVE, group, key], r["series"][FROZEN, group, key], window)
                           for r in records]
                unit = "k$ a month per person" if key in NOMINAL else level_unit
                add("groups", group, GROUP_MEASURES[key], unit, label, frozen, wave, changes)
            # what they consume vs save: saving rate out of income over the window
            rate = {arm: [100.0 * (1.0 - np.nansum(r["series"][arm, group, "consumption"][window])
                                   / np.nansum(r["series"][arm, group, "income"][window])) for r in records]
                    for arm in (WAVE, FROZEN)}
            add("groups", group, "saving rate", "% of income (change in pp)", label, rate[FROZEN], rate[WAVE],
                np.subtract(rate[WAVE], rate[FROZEN]))
        for key, measure in AGGREGATES.items():
            unit, scale = (("index, 1 at the start", 1.0) if key == "price_level"
                           else ("$ trillion a month (real: start prices)", 1e-9))
            frozen = [scale * r["aggregate"][FROZEN][key][window].mean() for r in records]
            wave = [scale * r["aggregate"][WAVE][key][window].mean() for r in records]
            changes = [change(r["aggregate"][WAVE][key], r["aggregate"][FROZEN][key], window) for r in records]
            add("aggregates", "world", measure, unit, label, frozen, wave, changes)
        frozen = [100 * r["aggregate"][FROZEN]["unemployment_medium"][window].mean() for r in records]
        wave = [100 * r["aggregate"][WAVE]["unemployment_medium"][window].mean() for r in records]
        add("aggregates", "world", "medium-skill unemployment", "% (change in pp)", label, frozen, wave,
            np.subtract(wave, frozen))
        revenue = [r["aggregate"][WAVE]["vendor_revenue"][window].sum() for r in records]
        share_gdp = [100 * r["aggregate"][WAVE]["vendor_revenue"][window].sum() / r["aggregate"][WAVE]["gdp"][window].sum()
                     for r in records]
        add("vendors", "AI labs", "AI-vendor revenue", "% of world GDP", label, [0.0] * len(records), share_gdp, share_gdp)
        lost = [100 * r["aggregate"][WAVE]["vendor_revenue"][window].sum()
                / max(r["aggregate"][FROZEN]["wage_bill"][window].sum() - r["aggregate"][WAVE]["wage_bill"][window].sum(),
                      1e-12) for r in records]
        add("vendors", "AI labs", "AI-vendor revenue", "% of the fall in the nominal wage bill", label, [], lost, lost)
        cost = [100 * r["aggregate"][WAVE]["ai_cost_to_wage"][window].mean() for r in records]
        add("vendors", "AI labs", "AI services' cost of one worker's tasks, home", "% of the medium-skill wage", label,
            [], cost, cost)
        for key, use in USES.items():
            shares = [100 * r["uses"][key][window].sum() / max(revenue[i], 1e-12) for i, r in enumerate(records)]
            add("vendors", "AI labs", use, "% of AI-vendor revenue", label, [], shares, shares)
        abroad = [100 * sum(r["uses"][key][window].sum() for key in ABROAD_USES) / max(revenue[i], 1e-12)
                  for i, r in enumerate(records)]
        add("vendors", "AI labs", "money abroad (talent abroad, royalties, no lab)", "% of AI-vendor revenue", label,
            [], abroad, abroad)
    top = {arm: [100 * r["capital_income_top"][arm] for r in records] for arm in (WAVE, FROZEN)}
    add("vendors", "owners", "owners' share of households' capital income", "% (change in pp)", f"months 1-{months}",
        top[FROZEN], top[WAVE], np.subtract(top[WAVE], top[FROZEN]))
    for key, measure in (("consumption", "real consumption"), ("income", "real income")):
        year = [r["event_year"][key] for r in records]
        before = [r["event_before"][key] for r in records]
        add("event", "displaced", measure, "% change, same people and months", "first 12 months after displacement",
            [], [], year)
        add("event", "displaced", measure, "% change, same people and months", "12 months before displacement",
            [], [], before)
    people = {group: [100 * r["people"][group] for r in records] for group in WORKER_GROUPS}
    for group, values in people.items():
        add("people", group, "share of workers", "%", f"months 1-{months}", values, values, values)
    medium = [100 * r["medium_displaced"] for r in records]
    add("people", "displaced", "share of medium-skill workers", "%", f"months 1-{months}", medium, medium, medium)
    return pd.DataFrame(rows)


def per_seed(records: list[dict]) -> pd.DataFrame:
    """Each seed's % change of real consumption and income by group over the whole run."""
    months = records[0]["months"]
    rows = []
    for r in records:
        for group in GROUPS:
            for key in ("consumption", "income"):
                rows.append({"seed": r["seed"], "group": group, "measure": MEASURES[key],
                             "change": change(r["series"][WAVE, group, key], r["series"][FROZEN, group, key],
                                              slice(0, months))})
        for key in ("consumption", "income"):
            rows.append({"seed": r["seed"], "group": "displaced, first year after displacement",
                         "measure": MEASURES[key], "change": r["event_year"][key]})
    return pd.DataFrame(rows)


def monthly_series(records: list[dict]) -> pd.DataFrame:
    """Month by month, the % change (AI wave against AI frozen) of real consumption by group and of the aggregates,
    mean and 95% interval over seeds; and the displaced's event study."""
    months = records[0]["months"]
    rows = []

    def add(kind, name, x, values):
        values = np.asarray(values)
        for i, xi in enumerate(x):
            est = mean_interval(values[:, i])
            rows.append({"kind": kind, "series": name, "x": int(xi), "mean": est.value, "ci_low": est.ci_low,
                         "ci_high": est.ci_high})

    steps = np.arange(1, months + 1)
    for group in GROUPS:
        add("real consumption by month", group, steps,
            [100 * (r["series"][WAVE, group, "consumption"] / r["series"][FROZEN, group, "consumption"] - 1) for r in records])
    for key, name in (("real_consumption", "real private consumption"), ("real_gdp", "real GDP"),
                      ("price_level", "world price level"), ("nominal_income", "nominal household income")):
        add("aggregates by month", name, steps,
            [100 * (r["aggregate"][WAVE][key] / r["aggregate"][FROZEN][key] - 1) for r in records])
    offsets = np.arange(-EVENT_BEFORE, EVENT_AFTER + 1)
    for key in ("consumption", "income"):
        add("displaced by months since displacement", MEASURES[key], offsets, [r["event"][key] for r in records])
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- output


def interval(row) -> str:
    if not (math.isfinite(row["ci_low"]) and math.isfinite(row["ci_high"])):
        return f"{row['change']:+.2f}"
    return f"{row['change']:+.2f} [{row['ci_low']:+.2f}, {row['ci_high']:+.2f}]"


def print_tables(summary: pd.DataFrame, meta: dict, console: Console) -> None:
    """The summary as rich tables: groups, the displaced's first year, aggregates, and the AI labs' revenue."""
    months = meta["months"]
    full, late = list(windows(months))
    console.print(f"[bold]AI's demand channel in real terms[/bold]: {meta['seeds']} seeds, scale {meta['scale']}, "
                  f"{months} months; {WAVE} ({', '.join(FAST_AI)}; robots frozen) against {FROZEN}"
                  + (f"; --set {' '.join(meta['sets'])}" if meta["sets"] else ""))
    people = summary[summary.section == "people"].set_index(["group", "measure"])

    groups = Table(title="Real consumption and income per person by group: AI wave against AI frozen (same people)",
                   title_justify="left")
    for col in ("group", "people", "measure", f"{FROZEN} (k$/month)", f"{WAVE} (k$/month)",
                f"change, % [95% CI], {full}", f"change, % [95% CI], {late}"):
        groups.add_column(col, justify="left" if col in ("group", "measure") else "right")
    rows = summary[summary.section == "groups"]
    for group in GROUPS:
        share = (f"{people.loc[(group, 'share of workers'), 'wave']:.1f}% of workers"
                 if (group, "share of workers") in people.index else "")
        for measure in ("real consumption", "real income", "nominal income", "real capital income",
                        "nominal capital income", "saving rate"):
            a = rows[(rows.group == group) & (rows.measure == measure) & (rows.window == full)]
            b = rows[(rows.group == group) & (rows.measure == measure) & (rows.window == late)]
            if a.empty:
                continue
            a, b = a.iloc[0], b.iloc[0]
            if measure == "saving rate":
                groups.add_row("", "", "saving rate, % of income (change: pp)", f"{a.frozen:.1f}%", f"{a.wave:.1f}%",
                               interval(a), interval(b))
            else:
                groups.add_row(group if measure == "real consumption" else "", share if measure == "real consumption" else "",
                               measure, f"{a.frozen:.3f}", f"{a.wave:.3f}", interval(a), interval(b))
        groups.add_section()
    console.print(groups)
    medium = people.loc[("displaced", "share of medium-skill workers"), "wave"]
    console.print(f"displaced: medium-skill workers laid off by automation at least once in the AI wave "
                  f"({medium:.1f}% of medium-skill workers); owners: top {OWNER_SHARE:.0%} by savings at the start in "
                  f"each jurisdiction (not displaced); talent: by where it lives each month. Real = divided by the price "
                  f"index where the person lives (1 at the start).")

    event = Table(title="Displaced medium-skill workers around displacement: AI wave against the same people and months "
                        "with AI frozen", title_justify="left")
    for col in ("measure", "window", "change, % [95% CI]"):
        event.add_column(col, justify="right" if col.startswith("change") else "left")
    for _, r in summary[summary.section == "event"].iterrows():
        event.add_row(r.measure, r.window, interval(r))
    console.print(event)

    agg = Table(title="Aggregates: AI wave against AI frozen", title_justify="left")
    for col in ("measure (unit of the levels)", FROZEN, WAVE, f"change, % or pp [95% CI], {full}",
                f"change, % or pp [95% CI], {late}"):
        agg.add_column(col, justify="left" if col == "measure" else "right")
    rows = summary[summary.section == "aggregates"]
    for measure in rows.measure.unique():
        a = rows[(rows.measure == measure) & (rows.window == full)].iloc[0]
        b = rows[(rows.measure == measure) & (rows.window == late)].iloc[0]
        agg.add_row(f"{measure} ({a.unit})", f"{a.frozen:,.4g}", f"{a.wave:,.4g}", interval(a), interval(b))
    console.print(agg)

    vend = Table(title="Where the AI labs' revenue from AI services goes (AI wave; pro rata over each lab's uses)",
                 title_justify="left")
    for col in ("measure", "unit", f"mean [95% CI], {full}", f"mean [95% CI], {late}"):
        vend.add_column(col, justify="left" if col in ("measure", "unit") else "right")
    rows = summary[summary.section == "vendors"]
    for (measure, unit), _ in rows.groupby(["measure", "unit"], sort=False):
        a = rows[(rows.measure == measure) & (rows.unit == unit) & (rows.window == full)]
        b = rows[(rows.measure == measure) & (rows.unit == unit) & (rows.window == late)]
        if measure.startswith("owners'"):
            a = a.iloc[0]
            vend.add_row(measure, unit, f"{a.frozen:.1f} → {a.wave:.1f} ({interval(a)})", "")
            continue
        vend.add_row(measure, unit, interval(a.iloc[0]).lstrip("+"), interval(b.iloc[0]).lstrip("+") if len(b) else "")
    console.print(vend)


def plot(series: pd.DataFrame, summary: pd.DataFrame, meta: dict, path: Path) -> None:
    """Six panels: real consumption by group and the aggregates month by month, the displaced around displacement,
    changes by group, saving rates, and where the AI labs' revenue goes."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    months = meta["months"]
    full = list(windows(months))[0]
    colours = {"displaced": "#b2182b", "owners": "#1b7837", "others": "#2166ac", "all workers": "#444444",
               "talent at home": "#e08214", "talent abroad": "#8073ac"}
    fig, axes = plt.subplots(2, 3, figsize=(17, 9.5))

    def band(ax, frame, name, colour, label=None):
        d = frame[frame.series == name]
        ax.plot(d.x, d["mean"], color=colour, lw=1.6, label=label or name)
        ax.fill_between(d.x, d.ci_low, d.ci_high, color=colour, alpha=0.15, lw=0)

    ax = axes[0, 0]
    frame = series[series.kind == "real consumption by month"]
    for group in WORKER_GROUPS:
        band(ax, frame, group, colours[group])
    for group in TALENT_GROUPS:       # few and lumpy (royalties): means only
        d = frame[frame.series == group]
        ax.plot(d.x, d["mean"], color=colours[group], lw=0.9, ls="--", label=f"{group} (mean only)")
    ax.axhline(0, color="black", lw=0.6)
    ax.set(title="Real consumption per person by group", xlabel="months since the start (2025-01)",
           ylabel="AI wave vs AI frozen, % (same people)")
    ax.legend(fontsize=7, frameon=False)

    ax = axes[0, 1]
    frame = series[series.kind == "aggregates by month"]
    for name, colour in zip(("real private consumption", "real GDP", "world price level", "nominal household income"),
                            ("#2166ac", "#1b7837", "#b2182b", "#e08214")):
        band(ax, frame, name, colour)
    ax.axhline(0, color="black", lw=0.6)
    ax.set(title="Aggregates", xlabel="months since the start (2025-01)", ylabel="AI wave vs AI frozen, %")
    ax.legend(fontsize=7, frameon=False)

    ax = axes[0, 2]
    frame = series[series.kind == "displaced by months since displacement"]
    band(ax, frame, "real consumption", "#b2182b")
    band(ax, frame, "real income", "#2166ac")
    ax.axhline(0, color="black", lw=0.6)
    ax.axvline(0, color="grey", lw=0.6, ls="--")
    ax.set(title="Displaced medium-skill workers", xlabel="months since first displacement",
           ylabel="AI wave vs the same people and months, AI frozen, %")
    ax.legend(fontsize=7, frameon=False)

    ax = axes[1, 0]
    rows = summary[(summary.section == "groups") & (summary.window == full)]
    x = np.arange(len(GROUPS))
    for offset, measure, colour in ((-0.2, "real income", "#2166ac"), (0.2, "real consumption", "#b2182b")):
        d = rows[rows.measure == measure].set_index("group").loc[list(GROUPS)]
        ax.bar(x + offset, d.change, width=0.4, color=colour, label=measure,
               yerr=[d.change - d.ci_low, d.ci_high - d.change], capsize=3)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(x, [g.replace(" ", "\n", 1) for g in GROUPS], fontsize=8)
    ax.set(title=f"Change by group, {full}", ylabel="AI wave vs AI frozen, %")
    ax.legend(fontsize=7, frameon=False)

    ax = axes[1, 1]
    d = rows[rows.measure == "saving rate"].set_index("group").loc[list(GROUPS)]
    ax.bar(x - 0.2, d.frozen, width=0.4, color="#999999", label=FROZEN)
    ax.bar(x + 0.2, d.wave, width=0.4, color="#b2182b", label=WAVE)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(x, [g.replace(" ", "\n", 1) for g in GROUPS], fontsize=8)
    ax.set(title=f"Saving rate by group, {full}", ylabel="saving, % of income (mean over seeds)")
    ax.legend(fontsize=7, frameon=False)

    ax = axes[1, 2]
    rows = summary[(summary.section == "vendors") & (summary.window == full) & (summary.unit == "% of AI-vendor revenue")]
    labels = list(USES.values())
    d = rows.set_index("measure").loc[labels]
    y = np.arange(len(labels))
    ax.barh(y, d.change, xerr=[d.change - d.ci_low, d.ci_high - d.change], capsize=3,
            color=["#2166ac", "#e08214", "#8073ac", "#8073ac", "#1b7837", "#999999", "#8073ac"])
    ax.set_yticks(y, [label.replace(" (", "\n(").replace(", talent", ",\ntalent") for label in labels], fontsize=7)
    ax.invert_yaxis()
    ax.set(title=f"Uses of AI labs' revenue from AI services,\n{full} (AI wave)", xlabel="% of AI-vendor revenue")

    sets = f"; --set {' '.join(meta['sets'])}" if meta["sets"] else ""
    fig.suptitle(f"AI's demand channel in real terms: fast AI wave vs AI frozen ({meta['seeds']} seeds, scale "
                 f"{meta['scale']}, shaded/bars: 95% CI over seeds{sets})", fontsize=12)
    fig.tight_layout()
    staging = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(staging, dpi=110)
    plt.close(fig)
    staging.replace(path)


def write_outputs(records: list[dict], meta: dict, out: Path, console: Console | None = None) -> pd.DataFrame:
    """Print the tables and write the CSVs and the plot into ``out``; returns the summary."""
    out.mkdir(parents=True, exist_ok=True)
    summary = summarise(records)
    series = monthly_series(records)
    for name, frame in (("ai_demand_summary.csv", summary), ("ai_demand_seeds.csv", per_seed(records)),
                        ("ai_demand_series.csv", series)):
        staging = out / f".{name}.tmp"
        frame.to_csv(staging, index=False)
        staging.replace(out / name)
    plot(series, summary, meta, out / "ai_demand.png")
    if console is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=170)
    print_tables(summary, meta, console)
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.ai_demand", description=__doc__.splitlines()[0])
    add_run_options(parser, seeds=12, scale=2.0, months=MONTHS, out="runs/ai-demand")
    args = parser.parse_args(argv)
    check_run_options(args, months=(24, 480))
    try:
        for arm in ARMS:
            resolve_parameters(SCENARIO, [*ARMS[arm], *args.sets, f"population.scale={args.scale}"])
    except ParameterError as exc:
        fail(str(exc))
    records = run_seeds(args.seeds, args.scale, args.months, tuple(args.sets), args.workers)
    meta = {"seeds": args.seeds, "scale": args.scale, "months": args.months, "sets": list(args.sets)}
    write_outputs(records, meta, args.out)
    print(f"\nwrote {args.out}/ai_demand_summary.csv, ai_demand_seeds.csv, ai_demand_series.csv, ai_demand.png")


if __name__ == "__main__":
    main()
