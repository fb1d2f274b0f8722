"""Sweep statistics on fake results folders (no model runs): group means and intervals, Sobol and Morris."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from scipy import stats

from experiments import results as store
from experiments.analysis import format_number, format_sensitivity, format_summary, sensitivity, summarize
from experiments.sweep_spec import SweepSpec, run_table

MIXES = [[0.75, 0.25], [0.5, 0.5]]


def spec_of(design: str, factors: dict, **kwargs) -> SweepSpec:
    return SweepSpec.model_validate({"name": f"fake-{design}", "description": "fake results for tests",
                                     "design": design, "factors": factors, "seed": 5, **kwargs})


def grid_spec(replicates: int = 30) -> SweepSpec:
    return spec_of("grid", {"tax": {"keys": ["jurisdictions.US.robot_tax"], "values": [0.0, 0.5, 1.0]},
                            "mix": {"keys": ["jurisdictions.US.allocator_mix"], "values": MIXES}},
                   replicates=replicates)


def ranged(*names: str) -> dict:
    return {name: {"keys": [f"fake.{name}"], "min": 0.0, "max": 1.0} for name in names}


def write_results(out: Path, spec: SweepSpec, metrics, failed=lambda row: False) -> Path:
    """A results folder of ``spec`` whose run metrics are ``metrics(row) -> dict``; ``failed(row)`` marks failures.

    Failed runs carry a wild metric value, so a summary that let them in would show it.
    """
    store.write_manifest(out, {"spec": spec.model_dump(mode="json"), "spec_hash": spec.hash(), "versions": {},
                               "git_commit": None, "started": "2026-01-01T00:00:00+00:00", "finished": "2026-01-01T00:00:02+00:00"})
    records = []
    for row in run_table(spec).to_dict("records"):
        record = {k: row[k] for k in ("run_id", "point", "replicate", "seed", *spec.factors)}
        values = metrics(row)
        if failed(row):
            record.update(status="failed", error="RuntimeError: boom (fake.py:1)",
                          **{k: 1e9 for k in values})
        else:
            record.update(status="ok", error="", **values)
        record.update(wall_s=0.01, finished_at="2026-01-01T00:00:01+00:00")
        records.append(record)
    half = len(records) // 2
    store.write_batch(out, records[:half], None, spec.hash())
    store.write_batch(out, records[half:], None, spec.hash())
    return out


# --------------------------------------------------------------------------- summarize, grid


def unemployment(tax: float) -> float:
    return 0.05 + 0.1 * tax


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """Unemployment = 0.05 + 0.1·tax + noise (mix has no effect); every run of (tax 1, second mix) failed,
    and so did the first two replicates of every other cell; half_outflow_month is NaN for odd replicates."""
    spec = grid_spec()
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 0.01, len(run_table(spec)))

    def metrics(row):
        u = unemployment(row["tax"]) + noise[row["run_id"]]
        return {"unemployment_final": u, "unemployment_mean": u / 2, "talent_offshore_share_final": 0.2,
                "peak_unemployment_home": u + 0.01, "capital_flight_stock": 3e9,
                "half_outflow_month": float(row["replicate"]) if row["replicate"] % 2 == 0 else math.nan}

    def failed(row):
        return (row["tax"] == 1.0 and list(row["mix"]) == MIXES[1]) or row["replicate"] < 2

    out = write_results(tmp_path_factory.mktemp("grid"), spec, metrics, failed)
    return store.load(out), noise


def test_grid_means_and_intervals_recover_the_truth(grid):
    results, _ = grid
    frame = summarize(results, metrics=["unemployment_final"], by=["tax"])
    assert list(frame.columns) == ["tax", "metric", "n", "mean", "ci_low", "ci_high"]
    assert frame["tax"].tolist() == [0.0, 0.5, 1.0]
    for row in frame.itertuples():
        truth = unemployment(row.tax)
        assert row.ci_low < truth < row.ci_high
        assert row.mean == pytest.approx(truth, abs=0.005)
        assert row.ci_high - row.ci_low < 0.01


def test_grid_interval_is_the_t_interval_of_the_ok_runs(grid):
    results, _ = grid
    row = summarize(results, metrics=["unemployment_final"], by=["tax"]).iloc[1]
    ok = results.runs[(results.runs["status"] == "ok") & (results.runs["tax"] == 0.5)]["unemployment_final"]
    n = len(ok)
    half = stats.t.ppf(0.975, n - 1) * ok.std(ddof=1) / math.sqrt(n)
    assert row["n"] == n == 2 * 28
    assert row["mean"] == pytest.approx(ok.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ok.mean() - half, ok.mean() + half))


def test_failed_runs_are_excluded_and_empty_cells_shown(grid):
    results, _ = grid
    frame = summarize(results, metrics=["unemployment_final"])
    assert list(frame.columns) == ["tax", "mix", "metric", "n", "mean", "ci_low", "ci_high"]
    assert frame["mix"].tolist() == ["[0.75, 0.25]", "[0.5, 0.5]"] * 3  # list levels as text, in spec order
    assert frame["n"].tolist() == [28, 28, 28, 28, 28, 0]
    assert frame["mean"].max() < 1  # the failed runs' 1e9 never gets in
    empty = frame.iloc[-1]
    assert (empty["tax"], empty["mix"]) == (1.0, "[0.5, 0.5]")
    assert all(math.isnan(empty[c]) for c in ("mean", "ci_low", "ci_high"))


def test_default_metrics_and_nan_values(grid):
    results, _ = grid
    frame = summarize(results, by=[])
    assert list(frame.columns) == ["metric", "n", "mean", "ci_low", "ci_high"]
    assert frame["metric"].tolist() == ["unemployment_final", "talent_offshore_share_final", "peak_unemployment_home",
                                        "half_outflow_month"]
    counts = dict(zip(frame["metric"], frame["n"]))
    assert counts["unemployment_final"] == 5 * 28
    assert counts["half_outflow_month"] == 5 * 14  # NaN values are left out
    constant = frame.set_index("metric").loc["talent_offshore_share_final"]
    assert constant["ci_low"] == pytest.approx(0.2) and constant["ci_high"] == pytest.approx(0.2)


def test_single_run_groups_have_no_interval(tmp_path):
    spec = grid_spec(replicates=1)
    results = store.load(write_results(tmp_path, spec, lambda row: {"unemployment_final": unemployment(row["tax"])}))
    frame = summarize(results, by=["tax", "mix"])
    assert (frame["n"] == 1).all()
    assert frame["ci_low"].isna().all() and frame["ci_high"].isna().all()


def test_unknown_metric_or_factor_and_no_ok_run(grid, tmp_path):
    results, _ = grid
    with pytest.raises(ValueError, match=r"unknown metric 'gdp_final'; available: .*unemployment_final") as info:
        summarize(results, metrics=["unemployment_final", "gdp_final"])
    assert "\n" not in str(info.value) and "status" not in str(info.value) and "tax" not in str(info.value)
    with pytest.raises(ValueError, match=r"unknown factor 'speed'; factors: tax, mix"):
        summarize(results, by=["speed"])
    failing = write_results(tmp_path, grid_spec(replicates=1), lambda row: {"unemployment_final": 0.1},
                            failed=lambda row: True)
    with pytest.raises(ValueError, match="no run finished ok"):
        summarize(failing)


def test_summarize_takes_a_folder(tmp_path):
    out = write_results(tmp_path, grid_spec(replicates=2), lambda row: {"unemployment_final": unemployment(row["tax"])})
    assert summarize(out)["mean"].tolist() == pytest.approx([0.05, 0.05, 0.1, 0.1, 0.15, 0.15])


# --------------------------------------------------------------------------- summarize, sampled designs


def test_sampled_design_is_binned_by_quintiles_one_factor_at_a_time(tmp_path):
    spec = spec_of("lhs", ranged("x1", "x2"), samples=100, replicates=2)
    results = store.load(write_results(tmp_path, spec, lambda row: {"y_final": 4 * row["x1"] + row["x2"]},
                                       failed=lambda row: row["run_id"] < 10))
    frame = summarize(results)
    assert list(frame.columns) == ["factor", "bin", "metric", "n", "mean", "ci_low", "ci_high"]
    assert frame["factor"].tolist() == ["all runs"] + ["x1"] * 5 + ["x2"] * 5
    everything = frame.iloc[0]
    assert everything["n"] == 190 and everything["mean"] == pytest.approx(2.5, abs=0.05)
    x1 = frame[frame["factor"] == "x1"]
    assert x1["n"].sum() == 190 and x1["n"].between(36, 40).all()
    assert x1["mean"].is_monotonic_increasing and x1["mean"].iloc[-1] - x1["mean"].iloc[0] > 2.5
    ok = results.runs.loc[results.runs["status"] == "ok", "x1"]
    edges = np.quantile(ok, np.linspace(0, 1, 6))
    assert x1["bin"].tolist() == [f"{'[' if i == 0 else '('}{edges[i]:.4g}, {edges[i + 1]:.4g}]" for i in range(5)]
    inside = [((ok > lo) | (i == 0) & (ok == lo)) & (ok <= hi) for i, (lo, hi) in enumerate(zip(edges, edges[1:]))]
    assert x1["n"].tolist() == [mask.sum() for mask in inside]  # right-closed bins, the first closed on the left too


def test_tied_values_give_fewer_bins(tmp_path):
    spec = spec_of("morris", ranged("x1", "x2"), samples=10)  # 4 levels per factor
    results = store.load(write_results(tmp_path, spec, lambda row: {"y_final": row["x1"]}))
    bins = summarize(results, by=["x1"])
    assert 2 <= len(bins) - 1 <= 4
    assert bins["n"].iloc[1:].sum() == bins["n"].iloc[0] == 30


# --------------------------------------------------------------------------- sensitivity


def linear(row) -> float:
    return 4 * row["x1"] + row["x2"] + 0 * row["x3"]


@pytest.fixture(scope="module")
def sobol_folder(tmp_path_factory):
    spec = spec_of("sobol", ranged("x1", "x2", "x3"), samples=256, replicates=2)
    rng = np.random.default_rng(2)
    noise = rng.normal(0, 0.01, len(run_table(spec)))
    return write_results(tmp_path_factory.mktemp("sobol"), spec,
                         lambda row: {"y_final": linear(row) + noise[row["run_id"]]},
                         failed=lambda row: row["replicate"] == 1 and row["point"] % 3 == 0)  # one replicate is enough


def test_sobol_ranks_the_factors(sobol_folder):
    result = sensitivity(store.load(sobol_folder), "y_final")
    assert result["method"] == "sobol" and result["metric"] == "y_final"
    assert (result["points"], result["runs"]) == (256 * 8, 2 * 256 * 8 - len(range(0, 256 * 8, 3)))
    table = result["table"].set_index("factor")
    assert list(result["table"].columns) == ["factor", "S1", "S1_conf", "ST", "ST_conf"]
    assert table.loc["x1", "S1"] > table.loc["x2", "S1"] > table.loc["x3", "S1"]
    assert table.loc["x1", "S1"] == pytest.approx(16 / 17, abs=0.05)
    assert table.loc["x2", "S1"] == pytest.approx(1 / 17, abs=0.02)
    assert abs(table.loc["x3", "ST"]) < 0.01 and abs(table.loc["x3", "S1"]) < 0.02
    assert (table["S1_conf"] > 0).all()
    assert list(result["second_order"].columns) == ["factor_a", "factor_b", "S2", "S2_conf"]
    assert len(result["second_order"]) == 3
    again = sensitivity(store.load(sobol_folder), "y_final")
    pd.testing.assert_frame_equal(again["table"], result["table"])  # bootstrap seeded by the spec


def test_morris_ranks_the_factors(tmp_path):
    spec = spec_of("morris", ranged("x1", "x2", "x3"), samples=20, replicates=2)
    result = sensitivity(store.load(write_results(tmp_path, spec, lambda row: {"y_final": linear(row)})), "y_final")
    assert result["method"] == "morris" and result["points"] == 80
    assert list(result["table"].columns) == ["factor", "mu", "mu_star", "mu_star_conf", "sigma"]
    table = result["table"].set_index("factor")
    assert table["mu_star"].tolist() == pytest.approx([4, 1, 0], abs=1e-9)
    assert table["sigma"].tolist() == pytest.approx([0, 0, 0], abs=1e-9)


def test_sensitivity_refuses_grid_and_lhs(grid, tmp_path):
    results, _ = grid
    with pytest.raises(ValueError, match="^sensitivity needs a sobol or morris sweep; this one is grid$"):
        sensitivity(results, "unemployment_final")
    lhs = spec_of("lhs", ranged("x1", "x2"), samples=8)
    with pytest.raises(ValueError, match="this one is lhs"):
        sensitivity(store.load(write_results(tmp_path, lhs, lambda row: {"y_final": row["x1"]})), "y_final")


def test_sensitivity_needs_every_point(tmp_path):
    spec = spec_of("sobol", ranged("x1", "x2"), samples=8, replicates=2)
    out = write_results(tmp_path, spec, lambda row: {"y_final": row["x1"]}, failed=lambda row: row["point"] in (3, 17))
    with pytest.raises(ValueError, match=r"^2 of 48 design points have no ok run \(e.g. point 3, 17\); SALib needs them all"):
        sensitivity(store.load(out), "y_final")


def test_sensitivity_needs_a_value_at_every_point(tmp_path):
    spec = spec_of("morris", ranged("x1", "x2"), samples=4)
    out = write_results(tmp_path, spec, lambda row: {"y_final": math.nan if row["point"] == 5 else row["x1"]})
    with pytest.raises(ValueError, match=r"'y_final' has no value at 1 of 12 design points"):
        sensitivity(store.load(out), "y_final")


def test_sensitivity_unknown_metric(sobol_folder):
    with pytest.raises(ValueError, match=r"^unknown metric 'gdp'; available: y_final$"):
        sensitivity(store.load(sobol_folder), "gdp")


# --------------------------------------------------------------------------- display


def rendered(table) -> str:
    console = Console(record=True, width=160)
    console.print(table)
    return console.export_text()


def test_format_summary(grid):
    results, _ = grid
    text = rendered(format_summary(summarize(results, metrics=["unemployment_final", "half_outflow_month"]),
                                   title="fake grid"))
    assert "fake grid" in text and "95% CI" in text and "[0.75, 0.25]" in text
    assert "unemployment_final" in text and "half_outflow_month" in text
    assert "—" in text  # the empty cell
    assert "0.05" in text


def test_format_sensitivity(sobol_folder, tmp_path):
    text = rendered(format_sensitivity(sensitivity(store.load(sobol_folder), "y_final")))
    assert "Sobol indices of y_final (2,048 points" in text and "total ST" in text and " ± " in text
    assert text.index("x1") < text.index("x2") < text.index("x3")
    spec = spec_of("morris", ranged("x1", "x2", "x3"), samples=6)
    morris = sensitivity(store.load(write_results(tmp_path, spec, lambda row: {"y_final": row["x3"] - 2 * row["x1"]})),
                         "y_final")
    text = rendered(format_sensitivity(morris))
    assert "Morris" in text and "mu*" in text
    assert text.index("x1 ") < text.index("x3 ") < text.index("x2 ")
    assert "│ -2 │" in text and "e-1" not in text  # rounding noise shows as 0


def test_format_number():
    assert [format_number(v) for v in (math.nan, None, 0.0, 0.123456, 999.94, 12345.6, -3e-6, 42)] == \
        ["—", "—", "0", "0.1235", "999.9", "12,346", "-3.000e-06", "42"]


def test_sensitivity_of_a_constant_metric_or_a_single_trajectory_is_refused(tmp_path):
    spec = spec_of("sobol", ranged("x1", "x2"), samples=8, replicates=1)
    folder = write_results(tmp_path / "sobol", spec, lambda row: {"y_final": 0.25})
    with pytest.raises(ValueError, match="'y_final' is constant"):
        sensitivity(store.load(folder), "y_final")
    spec = spec_of("morris", ranged("x1", "x2"), samples=1, replicates=1)
    folder = write_results(tmp_path / "morris", spec, lambda row: {"y_final": row["x1"]})
    with pytest.raises(ValueError, match="samples: value 1"):
        sensitivity(store.load(folder), "y_final")
