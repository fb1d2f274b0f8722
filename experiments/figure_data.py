"""What each figure and table of the paper shows, computed from its sweeps' results as a tidy frame.

Each function takes the build (``experiments.figures.Build``: it runs or reuses the sweeps and hands
back their results) and returns the frame that is written as the figure's data CSV and drawn by its
plotting function in ``viz.figures``. Bands are over seeds: the 5th to 95th percentile of the runs
(a 90% band); intervals of means are 95% t intervals (``experiments.estimators.mean_interval``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from experiments.estimators import mean_interval

if TYPE_CHECKING:
    from experiments.figures import Build

HOME = "US"
SKILLS = ("low", "medium", "high")
JURISDICTIONS = ("US", "China", "EU", "Singapore", "UAE", "Switzerland")   # home first
FULL_ARM = "essay's conditions"
TIMING_ARMS = (FULL_ARM, "no anticipation")
TIMING_WINDOW = (-36, 24)          # months before and after the door starts to close
WHOOSH_OFFSHORE = 0.10             # a whoosh: more than 10% of US-born AI talent abroad at the end of the run
ALLOCATION_MEASURES = {
    "home_bits_selection_gain_pct": "selection gain of the money into US bits firms (%)",
    "productivity_sales_weighted_bits": "sales-weighted productivity of bits firms (index)",
    "index_return_pct": "index funds' return before fees (%/yr)",
    "venture_return_pct": "venture funds' return before fees (%/yr)",
    "tournament_return_pct": "tournament allocators' return before fees (%/yr)",
    "fees_pct_gdp": "fees (% of GDP)",
    "real_gdp_home_index": "US real GDP, last year (start = 100)",
}


def _ok(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "ok"]


def _levels(build: Build, sweep: str, factor: str) -> list[Any]:
    """The factor's values in the spec's order (categories keep it in tables and legends)."""
    return list(build.spec(sweep).factors[factor].values)


def band(frame: pd.DataFrame, by: list[str], value: str = "value") -> pd.DataFrame:
    """Mean and 90% band (5th to 95th percentile) of ``value`` over the runs in each group."""
    grouped = frame.groupby(by, sort=False, observed=True)[value]
    out = grouped.agg(mean="mean", p05=lambda v: float(np.percentile(v, 5)), p95=lambda v: float(np.percentile(v, 95)),
                      runs="count")
    return out.reset_index()


def interval_rows(frame: pd.DataFrame, by: list[str], measures: dict[str, str]) -> pd.DataFrame:
    """Mean and 95% interval over the runs of each measure in each group (long form)."""
    rows = []
    for keys, group in frame.groupby(by, sort=False, observed=True):
        keys = keys if isinstance(keys, tuple) else (keys,)
        for measure, label in measures.items():
            values = group[measure].dropna().to_numpy(dtype=float)
            if len(values) == 0:
                continue
            est = mean_interval(values)
            rows.append({**dict(zip(by, keys)), "measure": measure, "label": label, "mean": est.value,
                         "ci_low": est.ci_low, "ci_high": est.ci_high, "runs": est.n})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- figures


def robot_wave_unemployment(build: Build) -> pd.DataFrame:
    """Unemployment (%) month by month by skill and by jurisdiction, per robot-deployment level."""
    results = build.results("robot-wave-paths")
    levels = _levels(build, "robot-wave-paths", "deployment")
    runs = _ok(results.runs)[["run_id", "deployment"]]
    series = results.series.merge(runs, on="run_id")
    columns = {**{f"unemployment_{s}": ("skill", s) for s in SKILLS},
               **{f"unemployment_{j}": ("jurisdiction", j) for j in JURISDICTIONS}}
    long = series.melt(id_vars=["run_id", "deployment", "step", "date"], value_vars=list(columns),
                       var_name="metric", value_name="value")
    long["value"] *= 100.0
    long["panel"] = long["metric"].map(lambda m: columns[m][0])
    long["group"] = long["metric"].map(lambda m: columns[m][1])
    long["deployment"] = pd.Categorical(long["deployment"], levels)
    long["group"] = pd.Categorical(long["group"], [*SKILLS, *JURISDICTIONS])
    long = long.sort_values(["panel", "group", "deployment", "step"], kind="stable")
    return band(long, ["panel", "group", "deployment", "step", "date"])


def whoosh_ablation(build: Build) -> pd.DataFrame:
    """US-born AI talent abroad (%) month by month, under the essay's conditions and each cut link."""
    results = build.results("whoosh-ablation")
    arms = _levels(build, "whoosh-ablation", "arm")
    series = results.series.merge(_ok(results.runs)[["run_id", "arm"]], on="run_id")
    series["value"] = 100.0 * series["talent_offshore_share"]
    series["arm"] = pd.Categorical(series["arm"], arms)
    series = series.sort_values(["arm", "step"], kind="stable")
    return band(series, ["arm", "step", "date"])


def door_month(run: pd.DataFrame) -> tuple[int, str, float] | None:
    """When a run's door starts to close: the step the controls are announced, or else enacted, how, and the
    months from then to their taking effect (NaN: never). None when the door never starts to close."""
    steps = run["step"].to_numpy()
    announced = np.flatnonzero(run["controls_announced_US"].to_numpy() > 0)
    enacted = np.flatnonzero(run["capital_controls_US"].to_numpy() > 0)
    if len(announced) and (not len(enacted) or announced[0] <= enacted[0]):
        step, how = int(steps[announced[0]]), "announcement"
    elif len(enacted):
        step, how = int(steps[enacted[0]]), "enactment"
    else:
        return None
    return step, how, float(steps[enacted[0]] - step) if len(enacted) else float("nan")


def whoosh_timing(build: Build) -> pd.DataFrame:
    """Monthly talent outflow of every run, aligned on the month its door starts to close."""
    results = build.results("whoosh-ablation")
    runs = _ok(results.runs)
    runs = runs[runs["arm"].isin(TIMING_ARMS)].sort_values("run_id")
    rows = []
    by_run = dict(tuple(results.series[results.series["run_id"].isin(runs["run_id"])].groupby("run_id")))
    for run in runs.itertuples(index=False):
        series = by_run[run.run_id].sort_values("step")
        door = door_month(series)
        if door is None:       # kept as one row, so the figure can say how many runs never saw the door close
            rows.append(pd.DataFrame({"arm": [run.arm], "replicate": [run.replicate], "door": ["none"]}))
            continue
        step, how, to_enactment = door
        relative = series["step"].to_numpy() - step
        keep = (relative >= TIMING_WINDOW[0]) & (relative <= TIMING_WINDOW[1])
        rows.append(pd.DataFrame({
            "arm": run.arm, "replicate": run.replicate, "door": how,
            "door_date": series["date"].to_numpy()[series["step"].to_numpy() == step][0],
            "months_to_enactment": to_enactment,
            "months_from_door": relative[keep], "outflow_thousands": series["talent_outflow"].to_numpy()[keep] / 1e3,
        }))
    columns = ["arm", "replicate", "door", "door_date", "months_to_enactment", "months_from_door", "outflow_thousands"]
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)
    frame["arm"] = pd.Categorical(frame["arm"], list(TIMING_ARMS))
    return frame.sort_values(["arm", "replicate", "months_from_door"], kind="stable")[columns]


def lockin_policy_space(build: Build) -> pd.DataFrame:
    """US-born AI talent abroad after the last month (%), mean over seeds, at each lever setting."""
    runs = _ok(build.results("lockin-policy-space").runs).copy()
    runs["value"] = 100.0 * runs["talent_offshore_share_final"]
    by = ["crypto_access", "controls_response", "surveillance"]
    out = runs.groupby(by)["value"].agg(mean="mean", sd="std", runs="count").reset_index()
    return out.sort_values(by, kind="stable")


def _mix_label(mix: Any) -> str:
    """A US allocator mix (index, venture, tournament, sovereign) named by its venture share."""
    values = json.loads(mix) if isinstance(mix, str) else list(mix)
    return f"venture {values[1]:.0%} at start"


def carried_interest(build: Build) -> pd.DataFrame:
    """Venture share, fees, velocity share and real output against the carry tax (95% intervals)."""
    runs = _ok(build.results("carried-interest").runs).copy()
    runs["mix"] = pd.Categorical(runs["us_allocator_mix"].map(_mix_label),
                                 [_mix_label(mix) for mix in _levels(build, "carried-interest", "us_allocator_mix")])
    runs["venture_share_pct"] = 100.0 * runs["capital_share_venture_mean"]
    runs["fees_pct_gdp"] = 100.0 * runs["fees_mean"] / runs["gdp_mean"]
    runs["velocity_share_pct"] = 100.0 * runs["velocity_share_mean"]
    untaxed = runs[runs["carry_tax"] == runs["carry_tax"].min()].groupby("mix", observed=True)["real_gdp_mean"].mean()
    runs["real_output_pct"] = 100.0 * (runs["real_gdp_mean"] / runs["mix"].map(untaxed).astype(float) - 1.0)
    measures = {"venture_share_pct": "venture funds' share of capital (%)", "fees_pct_gdp": "fees (% of GDP)",
                "velocity_share_pct": "velocity share: fees / (fees + profits) (%)",
                "real_output_pct": "real output against no carry tax (%)"}
    runs = runs.sort_values(["mix", "carry_tax"], kind="stable")
    return interval_rows(runs, ["mix", "carry_tax"], measures)


def allocation_regimes(build: Build) -> pd.DataFrame:
    """Productivity of funded firms, returns and output under each allocation regime (95% intervals)."""
    runs = _ok(build.results("allocation-regimes").runs).copy()
    runs["regime"] = pd.Categorical(runs["regime"], _levels(build, "allocation-regimes", "regime"))
    return interval_rows(runs.sort_values("regime", kind="stable"), ["regime"], ALLOCATION_MEASURES)


SOBOL_METRICS = {"talent_offshore_share_final": "US-born AI talent abroad at the end",
                 "peak_unemployment_home": "peak US unemployment"}


def sobol_indices(build: Build) -> pd.DataFrame:
    """First-order and total Sobol indices with 95% bootstrap intervals, per metric and factor."""
    from experiments.analysis import sensitivity

    results = build.results("global-sensitivity")
    frames = []
    for metric, label in SOBOL_METRICS.items():
        table = sensitivity(results, metric)["table"]
        frames.append(table.assign(metric=metric, label=label))
    return pd.concat(frames, ignore_index=True)[["metric", "label", "factor", "S1", "S1_conf", "ST", "ST_conf"]]


def scenario_discovery(build: Build) -> pd.DataFrame:
    """PRIM boxes of the global-sensitivity runs in which more than ``WHOOSH_OFFSHORE`` of talent is abroad."""
    from experiments.discovery import discover

    found = discover(build.results("global-sensitivity"), "talent_offshore_share_final", above=WHOOSH_OFFSHORE)
    rows = []
    for number, box in enumerate(found.boxes, start=1):
        for factor, limits in box.limits.items():
            rows.append({"box": number, "rule": found.rule, "coverage": box.coverage, "density": box.density,
                         "mass": box.mass, "meets_threshold": box.meets_threshold, "runs": found.n_runs,
                         "runs_of_interest": found.n_of_interest, "factor": factor, "restricted": limits.restricted,
                         "low": limits.low, "high": limits.high, "full_low": limits.full_low,
                         "full_high": limits.full_high})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- tables


def scorecard(build: Build) -> pd.DataFrame:
    """Table 1: each stylized fact's target band, the model's estimate with its 95% interval, and pass/fail."""
    rows = []
    for s in build.scorecard():
        f, e = s.fact, s.estimate
        rows.append({"fact": f.title, "source": f.source, "target": f.target, "low": f.low, "high": f.high,
                     "unit": f.unit, "estimate": e.value, "ci_low": e.ci_low, "ci_high": e.ci_high, "runs": e.n,
                     "passed": bool(s.passed), "how": s.note})
    return pd.DataFrame(rows)


def parameters(build: Build) -> pd.DataFrame:
    """Table 2: every parameter of the tree with its default, unit, range, source and meaning."""
    from model.parameter_table import rows

    return pd.DataFrame(rows())
