"""The stylized-facts scorecard: designed experiments, their estimates, and the bands they must land in.

Each experiment is a set of runs (``Case``) that differ in one factor and in the seed. A run records
a few series per jurisdiction (``simulate``); ``score`` turns the records of all runs into one
``Score`` per fact: the model's estimate with a 95% interval over seeds, and whether it lies in the
fact's band. The facts, their sources and the estimators are described in docs/VALIDATION.md.

Runs of the same seed share their business cycle (``WhooshModel.shock_rng``), and the regressions
difference it out with seed fixed effects; intervals are cluster-robust by seed.
"""

from __future__ import annotations

import json
import math
import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from experiments import whoosh
from experiments.analysis import format_number
from experiments.estimators import Estimate, hp_cycle, mean_interval, ols_slope, share_within, within
from experiments.scenarios import resolve_parameters
from model.domain import SECTORS, SKILLS
from model.economy import WhooshModel

HOME = "US"                      # the jurisdiction the labour-market facts describe (BLS, JOLTS data)
ROBOT_LEVELS = (0.0, 1.0, 2.0, 4.0, 8.0)
TOP_TAXES = (0.30, 0.40, 0.50, 0.60)
EXPAT_TAXES = (0.05, 0.20, 0.35, 0.50)
ROBOT_TAXES = (0.0, 2.0)


@dataclass(frozen=True)
class Fact:
    """An empirical regularity and the band the model's estimate must land in."""

    key: str
    title: str
    source: str
    target: str
    low: float
    high: float
    unit: str
    experiment: str


FACTS = (
    Fact("robots_employment", "Robots lower employment", "Acemoglu & Restrepo 2020, JPE",
         "-0.2 pp of E/P per robot per 1,000 workers", -0.34, -0.10, "pp per robot per 1,000", "robots"),
    Fact("robots_wages", "Robots lower wages", "Acemoglu & Restrepo 2020, JPE",
         "-0.42% per robot per 1,000 workers", -0.8, -0.2, "% per robot per 1,000", "robots"),
    Fact("talent_foreign", "Foreign top talent follows the net-of-tax rate",
         "Akcigit, Baslandze & Stantcheva 2016, AER; Kleven, Landais & Saez 2013, AER",
         "elasticity about 1", 0.5, 2.0, "elasticity", "top_tax"),
    Fact("talent_domestic", "Domestic top talent barely moves", "Akcigit, Baslandze & Stantcheva 2016, AER",
         "elasticity 0.03 to 0.15", 0.0, 0.3, "elasticity", "top_tax"),
    Fact("expat_regime", "A targeted expat regime draws foreign high earners",
         "Kleven, Landais, Saez & Schultz 2014, QJE", "elasticity 1.5 to 2", 1.0, 2.5, "elasticity", "expat"),
    Fact("beveridge", "Beveridge curve: vacancies fall as unemployment rises",
         "Shimer 2005, AER (corr -0.89, quarterly HP-filtered)", "correlation <= -0.3", -1.0, -0.3,
         "correlation", "cycle"),
    Fact("unemployment", "Unemployment rate", "BLS CPS 2015-2024", "3.5% to 5.5%", 3.5, 5.5, "%", "cycle"),
    Fact("job_finding", "Monthly job-finding rate", "Shimer 2012; BLS CPS flows", "20% to 50%", 20.0, 50.0,
         "% per month", "cycle"),
    Fact("separation", "Monthly separation rate", "BLS JOLTS 2015-2024", "1% to 4%", 1.0, 4.0, "% per month",
         "cycle"),
    Fact("ledger", "Stock-flow consistency", "Godley & Lavoie 2007", "ledger error <= 1e-9 in every step",
         0.0, 1e-9, "largest relative error", "all"),
    Fact("haven_capacity", "Havens never take in more talent than they can house", "model contract",
         "intake <= capacity", 0.0, 1.0, "largest intake / capacity", "all"),
    Fact("stationary_inflation", "Yearly inflation stays in band", "central-bank mandates (Fed, ECB: 2% targets)",
         "December-to-December inflation in -1% to +4%, 95% of jurisdiction-years", 0.95, 1.0,
         "share of jurisdiction-years", "stationary"),
    Fact("stationary_unemployment", "Unemployment settles at its natural rate",
         "Friedman 1968, AER; Phelps 1967, Economica (natural rate)", "mean unemployment within 1 pp of the natural rate",
         0.0, 1.0, "pp, largest over jurisdictions", "stationary"),
    Fact("stationary_policy_floor", "The policy rate is rarely at its floor",
         "model contract (2% target, 1% neutral real rate)", "at the zero floor in <= 10% of months", 0.0, 0.10,
         "share of months, largest over jurisdictions", "stationary"),
    Fact("stationary_productivity", "No trend in output per worker without technology", "Solow 1956, QJE",
         "log real GDP per employed person trends by at most 0.25% a year", 0.0, 0.25,
         "% per year, largest over jurisdictions", "stationary"),
    Fact("labour_share", "Labour share at the start, every jurisdiction",
         "BEA NIPA; Eurostat (compensation of employees / GDP)", "about 0.55 to 0.65", 0.55, 0.65,
         "share of GDP, furthest from 0.60", "stationary"),
    Fact("robot_tax_adoption", "A robot tax slows robot adoption",
         "Acemoglu, Manera & Restrepo 2020, BPEA; Guerreiro, Rebelo & Teles 2022, REStud",
         "fewer robots per 1,000 workers", -100.0, -5.0, "% change, taxed vs untaxed", "robot_tax"),
    Fact("robot_tax_unemployment", "A robot tax does not raise unemployment in a robot wave",
         "Acemoglu, Manera & Restrepo 2020, BPEA", "world unemployment no more than 0.3 pp higher", -10.0, 0.3,
         "pp, taxed - untaxed", "robot_tax"),
    Fact("wave_labour_share", "An automation wave lowers the labour share",
         "Acemoglu & Restrepo 2018, AER; Karabarbounis & Neiman 2014, QJE", "lower than without the wave",
         -20.0, 0.0, "pp, wave - frozen, the smaller fall of the two waves", "waves"),
    Fact("wave_exposed_unemployment", "An automation wave raises unemployment of the exposed skill",
         "Acemoglu & Restrepo 2020, JPE; Acemoglu & Autor 2011, Handbook of Labor Economics",
         "higher than without the wave", 0.0, 30.0, "pp, wave - frozen, the smaller rise of the two waves", "waves"),
    Fact("wave_exposed_prices", "An automation wave lowers the prices of exposed goods",
         "Acemoglu & Restrepo 2018, AER (automation lowers the cost of automated tasks); Graetz & Michaels 2018, REStat",
         "lower than without the wave", -100.0, 0.0, "%, wave vs frozen, the smallest fall over exposed sectors",
         "waves"),
    Fact("wave_recovery", "Deflation after an automation wave does not spiral",
         "Eggertsson & Woodford 2003, BPEA (an anchored target ends a spell at the zero floor)",
         "world inflation over the last two years at least 0.25 pp above its trough", 0.25, 100.0,
         "pp, last 24 months - lowest 12-month mean", "waves"),
    Fact("whoosh_happens", "Under the essay's conditions a run of AI talent happens",
         "mechanism check (seed essay 1's chain; nothing scheduled)",
         f"in at least half of the seeds, {whoosh.RUN_SHARE:.0%} of home-born talent leaves within {whoosh.WINDOW} months above churn",
         0.5, 1.0, "share of seeds", "whoosh"),
    Fact("whoosh_timing", "The run's date is the model's, not the scenario's", "mechanism check",
         "the busiest month varies from seed to seed", 3.0, float(whoosh.MONTHS), "months, standard deviation over seeds with a run",
         "whoosh"),
    Fact("whoosh_links", "Cutting any link of the chain shrinks the run by at least half", "mechanism check",
         "each cut's mean run size at most half the full chain's", 0.0, 0.5,
         "largest ratio of mean run sizes, cut / full", "whoosh"),
)


@dataclass(frozen=True)
class Case:
    """One run of an experiment: ``x`` is the factor value it sets, ``sets`` the overrides."""

    experiment: str
    x: float
    seed: int
    steps: int
    scale: float
    scenario: str = "baseline"
    sets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Design:
    """How many seeds and how large each experiment's runs are."""

    seeds: int
    cycle_scale: float
    robot_scale: float
    talent_agents: int
    stationary_months: int
    stationary_scale: float
    robot_tax_scale: float

    @classmethod
    def for_mode(cls, quick: bool, seeds: int | None = None) -> Design:
        if quick:
            return cls(seeds or 6, cycle_scale=8.0, robot_scale=1.0, talent_agents=20_000,
                       stationary_months=240, stationary_scale=0.3, robot_tax_scale=0.25)
        return cls(seeds or 12, cycle_scale=16.0, robot_scale=2.0, talent_agents=60_000,
                   stationary_months=360, stationary_scale=1.0, robot_tax_scale=0.5)


CYCLE_MONTHS = 60      # 2026-2030: today's labour market, before the AI and robot waves of the baseline
ROBOT_MONTHS = 60
# A&R's outcomes are annual (Census and ACS): levels are averaged over a year, and a change is taken between
# the first and the last year of a run
YEAR = 12
TALENT_MONTHS = 60
BURN_IN = 12
TALENT_SCALE = 0.5     # the talent experiments need many talent agents, not many workers
# Acemoglu & Restrepo compare commuting zones under one national monetary and fiscal policy, which does not
# respond to a zone's own robots (as in Nakamura & Steinsson 2014): the robots experiment holds the
# jurisdiction's stabilisation policy still (the central bank keeps the real rate at neutral; no fiscal rule).
LOCAL_LABOUR_MARKET = ("central_bank.unemployment_weight=0.0", "central_bank.inflation_weight=0.0",
                       "government.unemployment_response=0.0", "government.debt_response=0.0")
FROZEN_ROBOTS = ("technology.humanoid_capability_start=0.0", "technology.humanoid_speed=0.0",
                 "technology.robot_price_decline=0.0")
FROZEN_AI = ("technology.ai_capability_start=0.0", "technology.ai_speed=0.0", "technology.ai_price_decline=0.0")
FROZEN_TECHNOLOGY = FROZEN_ROBOTS + FROZEN_AI
STATIONARY_BURN_IN = 24          # the stationarity facts use months 25 to the end
INFLATION_BAND = (-0.01, 0.04)
POLICY_FLOOR = 1e-9
LABOUR_SHARE_MONTHS = 12
LABOUR_SHARE_CENTRE = 0.60
ROBOT_TAX_SCENARIO = "robot-wave"
ROBOT_TAX_MONTHS = 120
ROBOT_TAX_BURN_IN = 48           # the robot-tax facts compare months 49 to 120
# the automation waves, each alone against frozen technology: the robot-wave scenario's humanoid path, and
# the baseline's AI path
WAVES = {0: ("baseline", FROZEN_TECHNOLOGY), 1: (ROBOT_TAX_SCENARIO, FROZEN_AI), 2: ("baseline", FROZEN_ROBOTS)}
WAVE_NAMES = {1: "robot wave", 2: "AI wave"}
WAVE_MONTHS = 240
WAVE_WINDOW = slice(60, 120)     # the wave facts compare months 61 to 120, while the waves sweep through
EXPOSED = 0.5                    # a sector whose exposure to a wave's technology is at least this is exposed to it


def cases(design: Design) -> list[Case]:
    """Every run of the scorecard's experiments."""
    seeds = range(design.seeds)
    runs = [Case("cycle", 0.0, s, CYCLE_MONTHS, design.cycle_scale) for s in seeds]
    runs += [Case("robots", level, s, ROBOT_MONTHS + YEAR, design.robot_scale,
                  sets=(f"jurisdictions.{HOME}.robot_adoption={level}", *LOCAL_LABOUR_MARKET))
             for level in ROBOT_LEVELS for s in seeds]
    talent = (f"population.talent={int(design.talent_agents / TALENT_SCALE)}",)
    runs += [Case("top_tax", tax, s, TALENT_MONTHS, TALENT_SCALE, sets=(f"jurisdictions.{HOME}.top_income_tax={tax}", *talent))
             for tax in TOP_TAXES for s in seeds]
    runs += [Case("expat", tax, s, TALENT_MONTHS, TALENT_SCALE, sets=(f"jurisdictions.Singapore.expat_tax={tax}", *talent))
             for tax in EXPAT_TAXES for s in seeds]
    # a haven with little room, under the big-whoosh exodus: its capacity binds
    runs += [Case("haven", 5000.0, s, 60, TALENT_SCALE, "big-whoosh",
                  ("jurisdictions.Singapore.haven_capacity=5000.0", "talent.reconsider_rate=0.3")) for s in seeds[:2]]
    runs += [Case("stationary", 0.0, s, design.stationary_months, design.stationary_scale, sets=FROZEN_TECHNOLOGY)
             for s in seeds]
    names = list(resolve_parameters(ROBOT_TAX_SCENARIO, []).jurisdictions)
    runs += [Case("robot_tax", tax, s, ROBOT_TAX_MONTHS, design.robot_tax_scale, ROBOT_TAX_SCENARIO,
                  tuple(f"jurisdictions.{name}.robot_tax={tax}" for name in names))
             for tax in ROBOT_TAXES for s in seeds]
    runs += [Case("waves", float(wave), s, WAVE_MONTHS, design.stationary_scale, scenario, sets)
             for wave, (scenario, sets) in WAVES.items() for s in seeds]
    runs += [Case("whoosh", float(i), s, whoosh.MONTHS, whoosh.SCALE, whoosh.SCENARIO, cut)
             for i, cut in enumerate(whoosh.scored_arms().values()) for s in seeds]
    return runs


def recorded_metrics(experiment: str, names: list[str]) -> list[str]:
    """The model metrics an experiment keeps, month by month."""
    if experiment == "stationary":
        return [f"{kind}_{name}" for name in names
                for kind in ("inflation", "unemployment", "policy_rate", "real_gdp", "labour_share")]
    if experiment == "robot_tax":
        return ["robots_per_1000", "unemployment", f"unemployment_{HOME}"]
    if experiment == "whoosh":
        return ["talent_outflow", "talent_offshore_share"]
    if experiment == "waves":
        return ["labour_share", "inflation", "unemployment", *[f"unemployment_{s}" for s in SKILLS],
                *[f"price_{s}" for s in SECTORS], *[f"policy_rate_{name}" for name in names]]
    return []


# --------------------------------------------------------------------------- one run


def simulate(case: Case) -> dict:
    """Run ``case`` and record what the facts need (plain arrays and floats, cheap to pickle)."""
    params = resolve_parameters(case.scenario, [*case.sets, f"population.scale={case.scale}"])
    with WhooshModel(params, seed=case.seed) as model:
        st, w, f, t = model.structure, model.workers, model.firms, model.talent
        home = st.names.index(HOME)
        in_home = w.jurisdiction == home
        skill_weight = np.bincount(w.skill[in_home], weights=w.weight[in_home], minlength=3)
        skill_weight /= skill_weight.sum()
        havens = np.array([j.haven for j in params.jurisdictions.values()])
        capacity = np.array([j.haven_capacity for j in params.jurisdictions.values()])

        def robots_per_1000() -> float:
            return float((f.robots * f.alive * (f.jurisdiction == home)).sum() / (st.labour_force[home] / 1000.0))

        def employment_rate() -> float:
            return float(st.labour_force[home] * (1.0 - model.state.unemployment_j[home]) / st.working_age[home])

        def wage_index() -> float:
            # fixed skill weights: a composition-adjusted wage, like A&R's wages net of demographics
            return float(skill_weight @ np.log(model.state.wage[home]))

        series = {key: [] for key in ("unemployment", "vacancy_rate", "job_finding", "separation")}
        ledger_error, haven_load, outcomes = 0.0, 0.0, []
        for step in range(case.steps):
            model.step()
            flows = model.last_month.labour_flows
            series["unemployment"].append(model.state.unemployment_j[home])
            series["vacancy_rate"].append(flows["vacancies"][home] / st.labour_force[home])
            series["job_finding"].append(flows["job_finding_j"][home])
            series["separation"].append(flows["separations_j"][home])
            ledger_error = max(ledger_error, model.ledger_error())
            foreign = np.bincount(t.location, weights=t.weight * (t.location != t.home), minlength=model.n_j)
            if havens.any():
                haven_load = max(haven_load, float(np.max(foreign[havens] / np.maximum(capacity[havens], 1e-12))))
            outcomes.append((robots_per_1000(), employment_rate(), wage_index()))
        start = np.mean(outcomes[:YEAR], axis=0)
        end = np.mean(outcomes[-YEAR:], axis=0)
        abroad = t.location != t.home
        kept = recorded_metrics(case.experiment, st.names)
        frame = model.metrics_frame() if kept else None
        return {
            "case": case,
            "series": {key: np.asarray(v, dtype=float) for key, v in series.items()},
            "robots_change": end[0] - start[0],
            "employment_change_pp": 100.0 * (end[1] - start[1]),
            "wage_change_pct": 100.0 * (end[2] - start[2]),
            "names": st.names,
            "foreign_talent": np.bincount(t.location, weights=t.weight * abroad, minlength=model.n_j),
            "domestic_talent": np.bincount(t.location, weights=t.weight * ~abroad, minlength=model.n_j),
            "ledger_error": ledger_error,
            "haven_load": haven_load,
            "metrics": {key: frame[key].to_numpy(dtype=float) for key in kept},
            "month_of_year": np.array([int(d[5:7]) for d in frame["date"]]) if kept else np.array([], int),
            "labour_force": np.asarray(st.labour_force, dtype=float).copy(),
            "home_born_talent": float(t.weight[t.home == st.home].sum()),
            "natural_u": np.asarray(st.natural_u, dtype=float).copy(),
        }


def run_all(runs: Iterable[Case], workers: int = 1, on_done: Callable[[dict], None] | None = None) -> list[dict]:
    """Simulate ``runs`` (in a spawn process pool when ``workers`` > 1), in order."""
    runs = list(runs)
    if workers <= 1:
        records = []
        for case in runs:
            records.append(simulate(case))
            if on_done:
                on_done(records[-1])
        return records
    from experiments.sweep import START_METHOD

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(START_METHOD)) as pool:
        records = []
        for record in pool.map(simulate, runs, chunksize=max(1, len(runs) // (8 * workers))):
            records.append(record)
            if on_done:
                on_done(record)
        return records


# --------------------------------------------------------------------------- estimates


@dataclass
class Score:
    """A fact, the model's estimate of it, and whether it lies in the band."""

    fact: Fact
    estimate: Estimate
    passed: bool = field(init=False)
    note: str = ""

    def __post_init__(self) -> None:
        value = self.estimate.value
        self.passed = bool(math.isfinite(value) and self.fact.low <= value <= self.fact.high)

    def as_dict(self) -> dict:
        est = self.estimate
        return {**asdict(self.fact), "estimate": est.value, "ci_low": est.ci_low, "ci_high": est.ci_high,
                "n": est.n, "method": est.method, "passed": self.passed, "note": self.note}


def _fixed_effects_slope(x, y, seeds, *, log: bool = False) -> Estimate:
    """Slope of y on x (log-log if ``log``) with seed fixed effects; CR1 interval clustered by seed."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if log:
        x, y = np.log(x), np.log(np.maximum(y, 1e-12))
    return ols_slope(within(x, seeds), within(y, seeds), seeds)


def _talent(record: dict, kind: str, jurisdiction: str) -> float:
    return float(record[f"{kind}_talent"][record["names"].index(jurisdiction)])


def _window(record: dict, key: str) -> np.ndarray:
    return record["series"][key][BURN_IN:]


def december_inflation(inflation, month_of_year) -> np.ndarray:
    """Yearly (December-to-December) inflation: the year-on-year rate of every December after the first year."""
    inflation, month_of_year = np.asarray(inflation, dtype=float), np.asarray(month_of_year)
    rows = np.flatnonzero(month_of_year == 12)
    return inflation[rows[rows >= 12]]


def trend_percent_per_year(values) -> float:
    """OLS trend of the log of a monthly series, in % per year (100 × log points per year)."""
    y = np.log(np.asarray(values, dtype=float))
    return 100.0 * ols_slope(np.arange(y.size) / 12.0, y).value


def largest_over_jurisdictions(values, *, absolute: bool = False) -> tuple[Estimate, int]:
    """Each seed's largest value over jurisdictions, averaged over seeds, and the jurisdiction largest on average.

    Taking the largest per seed before averaging is the stricter reading (a jurisdiction that is
    out of line in one run counts), and the estimate and its interval measure the same thing.

    Args:
        values: one row per seed, one column per jurisdiction.
        absolute: compare magnitudes.

    Returns:
        The mean over seeds of each seed's largest value with its t interval, and the column whose mean
        over seeds is largest.
    """
    values = np.asarray(values, dtype=float)
    values = np.abs(values) if absolute else values
    column = int(np.argmax(values.mean(axis=0)))
    spread = mean_interval(values.max(axis=1))
    return Estimate(spread.value, spread.ci_low, spread.ci_high, values.shape[0],
                    f"{spread.method} of each seed's largest over jurisdictions"), column


def score_stationary(runs: list[dict], facts: dict[str, Fact]) -> dict[str, Score]:
    """The stationarity and labour-share facts from the records of the stationary runs (one per seed)."""
    names = runs[0]["names"]
    window = slice(STATIONARY_BURN_IN, None)
    months = f"months {STATIONARY_BURN_IN + 1}-{len(runs[0]['month_of_year'])}"
    largest = "mean and interval over seeds of each seed's largest over jurisdictions"

    def series(r: dict, kind: str, j: int) -> np.ndarray:
        return r["metrics"][f"{kind}_{names[j]}"]

    def per_run(measure: Callable[[dict, int], float]) -> np.ndarray:
        return np.array([[measure(r, j) for j in range(len(names))] for r in runs])

    def employed(r: dict, j: int) -> np.ndarray:
        return r["labour_force"][j] * (1.0 - series(r, "unemployment", j))

    yearly = [[december_inflation(series(r, "inflation", j), r["month_of_year"]) for j in range(len(names))]
              for r in runs]
    in_band = np.array([[share_within(rates, *INFLATION_BAND) for rates in run] for run in yearly]).mean(axis=0)
    rates = np.concatenate([np.concatenate(run) for run in yearly])
    fewest = int(np.argmin(in_band))
    out = {"stationary_inflation": Score(
        facts["stationary_inflation"],
        mean_interval([share_within(np.concatenate(run), *INFLATION_BAND) for run in yearly]),
        f"{rates.size // len(runs)} jurisdiction-years per run, {100 * rates.min():.1f}% to {100 * rates.max():.1f}%; "
        f"fewest in band: {names[fewest]} {in_band[fewest]:.0%}")}

    gap = per_run(lambda r, j: 100.0 * (series(r, "unemployment", j)[window].mean() - r["natural_u"][j]))
    estimate, _ = largest_over_jurisdictions(gap, absolute=True)
    out["stationary_unemployment"] = Score(facts["stationary_unemployment"], estimate, (
        f"{months}; mean minus natural rate, pp: " + ", ".join(f"{n} {g:+.2f}" for n, g in zip(names, gap.mean(axis=0)))
        + f"; {largest}"))

    floor = per_run(lambda r, j: float(np.mean(series(r, "policy_rate", j)[window] <= POLICY_FLOOR)))
    estimate, worst = largest_over_jurisdictions(floor)
    out["stationary_policy_floor"] = Score(facts["stationary_policy_floor"], estimate,
                                           f"{months}; most at the floor: {names[worst]}; {largest}")

    trend = per_run(lambda r, j: trend_percent_per_year((series(r, "real_gdp", j) / employed(r, j))[window]))
    estimate, worst = largest_over_jurisdictions(trend, absolute=True)
    out["stationary_productivity"] = Score(facts["stationary_productivity"], estimate,
                                           f"{months}; steepest: {names[worst]} {trend.mean(axis=0)[worst]:+.3f}; {largest}")

    share = per_run(lambda r, j: float(series(r, "labour_share", j)[:LABOUR_SHARE_MONTHS].mean()))
    means = share.mean(axis=0)
    furthest = int(np.argmax(np.abs(means - LABOUR_SHARE_CENTRE)))
    out["labour_share"] = Score(facts["labour_share"], mean_interval(share[:, furthest]), (
        f"{names[furthest]}; months 1-{LABOUR_SHARE_MONTHS}: " + ", ".join(f"{n} {v:.3f}" for n, v in zip(names, means))))
    return out


def score_robot_tax(runs: list[dict], facts: dict[str, Fact]) -> dict[str, Score]:
    """The robot-tax facts from the records of the robot-tax runs, taxed and untaxed paired by seed."""
    untaxed = {r["case"].seed: r["metrics"] for r in runs if r["case"].x == min(ROBOT_TAXES)}
    taxed = {r["case"].seed: r["metrics"] for r in runs if r["case"].x == max(ROBOT_TAXES)}
    seeds = sorted(untaxed.keys() & taxed.keys())
    window = slice(ROBOT_TAX_BURN_IN, None)

    def mean(metrics: dict, key: str) -> float:
        return float(metrics[key][window].mean())

    def change_pp(key: str) -> Estimate:
        return mean_interval([100.0 * (mean(taxed[s], key) - mean(untaxed[s], key)) for s in seeds])

    months = f"months {ROBOT_TAX_BURN_IN + 1}-{ROBOT_TAX_MONTHS}"
    adoption = mean_interval([100.0 * (mean(taxed[s], "robots_per_1000") / mean(untaxed[s], "robots_per_1000") - 1.0)
                              for s in seeds])
    levels = [np.mean([mean(arm[s], "robots_per_1000") for s in seeds]) for arm in (untaxed, taxed)]
    home = change_pp(f"unemployment_{HOME}")
    return {
        "robot_tax_adoption": Score(facts["robot_tax_adoption"], adoption, (
            f"{ROBOT_TAX_SCENARIO}, robot tax {max(ROBOT_TAXES):g} vs {min(ROBOT_TAXES):g} everywhere, {months}; "
            f"robots per 1,000 workers {levels[0]:.1f} untaxed, {levels[1]:.1f} taxed")),
        "robot_tax_unemployment": Score(facts["robot_tax_unemployment"], change_pp("unemployment"), (
            f"world (labour-force weighted), {months}; {HOME}: {home.value:+.2f} pp {interval_text(home)}")),
    }


def score_waves(runs: list[dict], facts: dict[str, Fact]) -> dict[str, Score]:
    """The automation-wave facts: each wave against frozen technology, paired by seed."""
    arms = {wave: {r["case"].seed: r["metrics"] for r in runs if r["case"].x == wave} for wave in WAVES}
    seeds = sorted(set.intersection(*(set(arm) for arm in arms.values())))
    sectors = resolve_parameters("baseline", []).sectors
    exposure = {1: [s for s in SECTORS if sectors[s].robot_share >= EXPOSED],
                2: [s for s in SECTORS if sectors[s].ai_share >= EXPOSED]}
    exposed_skill = {1: "low", 2: "medium"}     # robots do low-skill tasks, AI services medium-skill ones
    window = f"months {WAVE_WINDOW.start + 1}-{WAVE_WINDOW.stop}"

    def effect(wave: int, key: str, relative: bool = False) -> Estimate:
        def mean(metrics: dict) -> float:
            return float(metrics[key][WAVE_WINDOW].mean())
        diffs = [100.0 * (mean(arms[wave][s]) / mean(arms[0][s]) - 1.0 if relative else mean(arms[wave][s]) - mean(arms[0][s]))
                 for s in seeds]
        return mean_interval(diffs)

    def smaller(estimates: dict[str, Estimate], fall: bool) -> tuple[Estimate, str]:
        parts = ", ".join(f"{label} {format_number(e.value)} {interval_text(e)}" for label, e in estimates.items())
        label = max(estimates, key=lambda k: estimates[k].value) if fall else min(estimates, key=lambda k: estimates[k].value)
        return estimates[label], f"{window}; {parts}"

    share = {WAVE_NAMES[w]: effect(w, "labour_share") for w in WAVE_NAMES}
    jobless = {f"{WAVE_NAMES[w]}, {exposed_skill[w]} skill": effect(w, f"unemployment_{exposed_skill[w]}") for w in WAVE_NAMES}
    prices = {f"{WAVE_NAMES[w]}, {sector}": effect(w, f"price_{sector}", relative=True)
              for w in WAVE_NAMES for sector in exposure[w]}

    def recovery(metrics: dict) -> float:
        inflation = metrics["inflation"]
        trough = np.convolve(inflation, np.ones(YEAR) / YEAR, mode="valid").min()
        return 100.0 * (inflation[-2 * YEAR:].mean() - trough)

    wave_runs = [arms[w][s] for w in WAVE_NAMES for s in seeds]
    floor_keys = [k for k in wave_runs[0] if k.startswith("policy_rate_")]
    at_floor = np.mean([np.mean([(m[k] <= POLICY_FLOOR).mean() for k in floor_keys]) for m in wave_runs])
    unemployment_peak = np.mean([np.convolve(m["unemployment"], np.ones(YEAR) / YEAR, mode="valid").max() for m in wave_runs])
    unemployment_end = np.mean([m["unemployment"][-2 * YEAR:].mean() for m in wave_runs])
    return {
        "wave_labour_share": Score(facts["wave_labour_share"], *smaller(share, fall=True)),
        "wave_exposed_unemployment": Score(facts["wave_exposed_unemployment"], *smaller(jobless, fall=False)),
        "wave_exposed_prices": Score(facts["wave_exposed_prices"], *smaller(prices, fall=True)),
        "wave_recovery": Score(facts["wave_recovery"], mean_interval([recovery(m) for m in wave_runs]), (
            f"both waves, {WAVE_MONTHS} months; policy rates at the floor in {at_floor:.0%} of months; world "
            f"unemployment {100 * unemployment_peak:.1f}% at its peak (12-month mean), "
            f"{100 * unemployment_end:.1f}% over the last 24 months")),
    }


def score_whoosh(runs: list[dict], facts: dict[str, Fact]) -> dict[str, Score]:
    """The chain's mechanism checks: a run under the essay's conditions, at dates of the model's choosing,
    and each link cut shrinking it by at least half (paired by seed)."""
    names = list(whoosh.scored_arms())
    measures = {(names[int(r["case"].x)], r["case"].seed):
                whoosh.whoosh_measures(r["metrics"]["talent_outflow"] / r["home_born_talent"]) for r in runs}
    seeds = sorted({seed for _, seed in measures})
    full = np.array([measures[whoosh.FULL, s]["size"] for s in seeds])
    happened = [s for s in seeds if measures[whoosh.FULL, s]["size"] >= whoosh.RUN_SHARE]
    share = len(happened) / len(seeds)
    peaks = np.array([measures[whoosh.FULL, s]["peak_month"] for s in happened], dtype=float)
    spread = float(peaks.std(ddof=1)) if len(peaks) > 1 else 0.0
    ratios = {arm: whoosh.ratio_interval(full, np.array([measures[arm, s]["size"] for s in seeds]))
              for arm in names if arm != whoosh.FULL}
    worst = max(ratios, key=lambda arm: ratios[arm].value)
    months = f"months {int(peaks.min()) + 1}-{int(peaks.max()) + 1}" if len(peaks) else "none"
    return {
        "whoosh_happens": Score(facts["whoosh_happens"], Estimate(share, share, share, len(seeds), "share of seeds"), (
            f"{whoosh.SCENARIO}, {len(happened)} of {len(seeds)} seeds; mean size {100 * full.mean():.1f}% of home-born "
            f"talent; busiest month {months}")),
        "whoosh_timing": Score(facts["whoosh_timing"], Estimate(spread, spread, spread, len(peaks), "standard deviation"),
                               f"busiest months of the runs: {', '.join(str(int(m) + 1) for m in sorted(peaks))}"),
        "whoosh_links": Score(facts["whoosh_links"], ratios[worst], f"largest: {worst}; " + ", ".join(
            f"{arm} {r.value:.2f} {interval_text(r)}" for arm, r in ratios.items())),
    }


def score(records: list[dict]) -> list[Score]:
    """One score per fact, in the order of ``FACTS``."""
    by = {}
    for r in records:
        by.setdefault(r["case"].experiment, []).append(r)
    facts = {fact.key: fact for fact in FACTS}
    out: dict[str, Score] = {}

    robots = by["robots"]
    seeds = [r["case"].seed for r in robots]
    x = [r["robots_change"] for r in robots]
    out["robots_employment"] = Score(facts["robots_employment"],
                                     _fixed_effects_slope(x, [r["employment_change_pp"] for r in robots], seeds),
                                     f"{ROBOT_MONTHS}-month change; robots {min(x):.1f} to {max(x):.1f} per 1,000")
    out["robots_wages"] = Score(facts["robots_wages"],
                                _fixed_effects_slope(x, [r["wage_change_pct"] for r in robots], seeds),
                                "fixed-skill-weight log wage index")

    tax = by["top_tax"]
    seeds = [r["case"].seed for r in tax]
    net = [1.0 - r["case"].x for r in tax]
    out["talent_foreign"] = Score(facts["talent_foreign"],
                                  _fixed_effects_slope(net, [_talent(r, "foreign", HOME) for r in tax], seeds, log=True),
                                  f"{HOME} top tax {min(TOP_TAXES):.0%} to {max(TOP_TAXES):.0%}")
    out["talent_domestic"] = Score(facts["talent_domestic"],
                                   _fixed_effects_slope(net, [_talent(r, "domestic", HOME) for r in tax], seeds, log=True),
                                   f"{HOME} top tax {min(TOP_TAXES):.0%} to {max(TOP_TAXES):.0%}")
    expat = by["expat"]
    out["expat_regime"] = Score(facts["expat_regime"], _fixed_effects_slope(
        [1.0 - r["case"].x for r in expat], [_talent(r, "foreign", "Singapore") for r in expat],
        [r["case"].seed for r in expat], log=True), f"Singapore expat tax {min(EXPAT_TAXES):.0%} to {max(EXPAT_TAXES):.0%}")

    cycle = by["cycle"]
    correlations = [float(np.corrcoef(hp_cycle(np.log(_window(r, "vacancy_rate"))),
                                      hp_cycle(np.log(_window(r, "unemployment"))))[0, 1]) for r in cycle]
    out["beveridge"] = Score(facts["beveridge"], mean_interval(correlations),
                             "log vacancy and unemployment rates, HP-filtered (monthly λ = 129,600)")
    for key, series, label in (("unemployment", "unemployment", "rate"), ("job_finding", "job_finding", "rate"),
                               ("separation", "separation", "rate")):
        out[key] = Score(facts[key], mean_interval([100.0 * _window(r, series).mean() for r in cycle]),
                         f"{HOME}, mean of months {BURN_IN + 1}-{len(cycle[0]['series'][series])} per run")

    worst = max(r["ledger_error"] for r in records)
    out["ledger"] = Score(facts["ledger"], Estimate(worst, worst, worst, len(records), "maximum over all runs"),
                          f"{len(records)} runs, every step")
    load = max(r["haven_load"] for r in records)
    bound = max(r["haven_load"] for r in by["haven"])
    out["haven_capacity"] = Score(facts["haven_capacity"], Estimate(load, load, load, len(records), "maximum over all runs"),
                                  f"binds in the stress runs: up to {bound:.0%} of capacity")
    out.update(score_stationary(by["stationary"], facts))
    out.update(score_robot_tax(by["robot_tax"], facts))
    out.update(score_waves(by["waves"], facts))
    out.update(score_whoosh(by["whoosh"], facts))
    return [out[fact.key] for fact in FACTS]


def cyclical_volatility(records: list[dict]) -> Estimate:
    """Standard deviation of HP-filtered log unemployment (the calibration target of ``goods.demand_noise``)."""
    return mean_interval([float(hp_cycle(np.log(_window(r, "unemployment"))).std()) for r in records
                          if r["case"].experiment == "cycle"])


# --------------------------------------------------------------------------- the scorecard


def interval_text(estimate: Estimate) -> str:
    if estimate.ci_low == estimate.ci_high:
        return "(every run)"
    return f"[{format_number(estimate.ci_low)}, {format_number(estimate.ci_high)}]"


def scorecard_markdown(scores: list[Score], meta: dict) -> str:
    """The scorecard as a Markdown table, with how it was made."""
    passed = sum(s.passed for s in scores)
    lines = [
        "# Big Whoosh stylized-facts scorecard", "",
        (f"{passed} of {len(scores)} facts in band. Mode: {meta['mode']}, {meta['seeds']} seeds, {meta['runs']} runs, "
         f"{meta['wall_time_s']:.0f} s; commit {meta.get('git_commit') or 'unknown'}."), "",
        "| fact | source | target (band) | model estimate [95% CI] | pass | how |",
        "|---|---|---|---|---|---|",
    ]
    for s in scores:
        f, e = s.fact, s.estimate
        lines.append(f"| {f.title} | {f.source} | {f.target} ({format_number(f.low)} to {format_number(f.high)} {f.unit}) | "
                     f"{format_number(e.value)} {interval_text(e)} | {'✓' if s.passed else '✗'} | {s.note} |")
    return "\n".join(lines) + "\n"


def write_scorecard(out: Path, scores: list[Score], meta: dict) -> None:
    """Write scorecard.md, scorecard.json and scorecard.png into ``out`` (each file atomically)."""
    out.mkdir(parents=True, exist_ok=True)
    payload = {**meta, "passed": sum(s.passed for s in scores), "facts": [s.as_dict() for s in scores]}
    for name, text in (("scorecard.md", scorecard_markdown(scores, meta)),
                       ("scorecard.json", json.dumps(payload, indent=2, default=str) + "\n")):
        staging = out / f".{name}.tmp"
        staging.write_text(text, encoding="utf-8")
        staging.replace(out / name)
    plot_scorecard(scores, out / "scorecard.png")


def plot_scorecard(scores: list[Score], path: Path) -> None:
    """Each fact's estimate and interval on its band, rescaled so the band runs from 0 to 1."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9.5, 0.45 * len(scores) + 1.6))
    ax.axvspan(0, 1, color="#d9ead3", label="target band")
    for row, s in enumerate(reversed(scores)):
        f, e = s.fact, s.estimate
        span = f.high - f.low
        position = (e.value - f.low) / span
        low, high = (e.ci_low - f.low) / span, (e.ci_high - f.low) / span
        colour = "#1b7837" if s.passed else "#b2182b"
        if math.isfinite(low) and math.isfinite(high) and high > low:
            ax.plot([max(low, -1.5), min(high, 2.5)], [row, row], color=colour, lw=2)
        ax.plot([min(max(position, -1.5), 2.5)], [row], "o", color=colour)
    ax.plot([], [], "o-", color="#1b7837", label="estimate and 95% interval: in band")
    ax.plot([], [], "o-", color="#b2182b", label="out of band")
    ax.set_yticks(range(len(scores)), [s.fact.title for s in reversed(scores)], fontsize=8)
    ax.set_xlim(-1.6, 2.6)
    ax.set_xlabel("position in the target band (0 = its low end, 1 = its high end)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=7, frameon=False)
    ax.set_title("Big Whoosh against stylized facts", pad=20)
    fig.tight_layout()
    staging = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(staging, dpi=110)
    plt.close(fig)
    staging.replace(path)
