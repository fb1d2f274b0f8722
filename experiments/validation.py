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

from experiments.analysis import format_number
from experiments.estimators import Estimate, hp_cycle, mean_interval, ols_slope, within
from experiments.scenarios import resolve_parameters
from model.economy import WhooshModel

HOME = "US"                      # the jurisdiction the labour-market facts describe (BLS, JOLTS data)
ROBOT_LEVELS = (0.0, 1.0, 2.0, 4.0, 8.0)
TOP_TAXES = (0.30, 0.40, 0.50, 0.60)
EXPAT_TAXES = (0.05, 0.20, 0.35, 0.50)


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

    @classmethod
    def for_mode(cls, quick: bool, seeds: int | None = None) -> Design:
        if quick:
            return cls(seeds or 6, cycle_scale=8.0, robot_scale=1.0, talent_agents=20_000)
        return cls(seeds or 12, cycle_scale=16.0, robot_scale=2.0, talent_agents=60_000)


CYCLE_MONTHS = 60      # 2026-2030: today's labour market, before the AI and robot waves of the baseline
ROBOT_MONTHS = 60
TALENT_MONTHS = 60
BURN_IN = 12
TALENT_SCALE = 0.5     # the talent experiments need many talent agents, not many workers


def cases(design: Design) -> list[Case]:
    """Every run of the scorecard's experiments."""
    seeds = range(design.seeds)
    runs = [Case("cycle", 0.0, s, CYCLE_MONTHS, design.cycle_scale) for s in seeds]
    runs += [Case("robots", level, s, ROBOT_MONTHS + 1, design.robot_scale, sets=(f"jurisdictions.{HOME}.robot_adoption={level}",))
             for level in ROBOT_LEVELS for s in seeds]
    talent = (f"population.talent={int(design.talent_agents / TALENT_SCALE)}",)
    runs += [Case("top_tax", tax, s, TALENT_MONTHS, TALENT_SCALE, sets=(f"jurisdictions.{HOME}.top_income_tax={tax}", *talent))
             for tax in TOP_TAXES for s in seeds]
    runs += [Case("expat", tax, s, TALENT_MONTHS, TALENT_SCALE, sets=(f"jurisdictions.Singapore.expat_tax={tax}", *talent))
             for tax in EXPAT_TAXES for s in seeds]
    # a haven with little room, under the big-whoosh exodus: its capacity binds
    runs += [Case("haven", 5000.0, s, 60, TALENT_SCALE, "big-whoosh",
                  ("jurisdictions.Singapore.haven_capacity=5000.0", "talent.reconsider_rate=0.3")) for s in seeds[:2]]
    return runs


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
        ledger_error, haven_load, start = 0.0, 0.0, None
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
            if step == 0:
                start = (robots_per_1000(), employment_rate(), wage_index())
        end = (robots_per_1000(), employment_rate(), wage_index())
        abroad = t.location != t.home
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
    ax.legend(loc="lower right", fontsize=7)
    ax.set_title("Big Whoosh against stylized facts")
    fig.tight_layout()
    staging = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(staging, dpi=110)
    plt.close(fig)
    staging.replace(path)
