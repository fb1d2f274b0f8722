"""Scenario discovery (PRIM and CART from the EMA Workbench) on synthetic results with a known box."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from experiments import discovery
from experiments.discovery import discover, format_boxes, to_json, write
from experiments.results import Results

ROOT = Path(__file__).resolve().parents[1]
TRUE_X1_LOW, TRUE_X2_HIGH = 0.6, 0.4
BOOKKEEPING = {"point": 0, "replicate": 0, "status": "ok", "error": "", "wall_s": 0.1,
               "finished_at": "2026-01-01T00:00:01+00:00"}


def synthetic(n: int = 400, seed: int = 1, flip: float = 0.03) -> Results:
    """``n`` runs with x1, x2, x3 uniform in [0, 1] and a category ``regime``; ``share_final`` is high
    inside x1 > 0.6 and x2 < 0.4, except for a share ``flip`` of runs whose outcome is flipped."""
    rng = np.random.default_rng(seed)
    runs = pd.DataFrame({"run_id": np.arange(n), "seed": np.arange(n), **BOOKKEEPING,
                         "x1": rng.random(n), "x2": rng.random(n), "x3": rng.random(n),
                         "regime": rng.choice(["low", "mid", "high"], n)})
    inside = (runs["x1"] > TRUE_X1_LOW) & (runs["x2"] < TRUE_X2_HIGH)
    flipped = rng.random(n) < flip
    runs["share_final"] = np.where(inside ^ flipped, 0.3, 0.05) + rng.normal(0, 0.01, n)
    runs["calm_final"] = -runs["share_final"]
    factors = {name: {"keys": [f"fake.{name}"], "min": 0.0, "max": 1.0} for name in ("x1", "x2", "x3")}
    factors["regime"] = {"keys": ["fake.regime"], "values": ["low", "mid", "high"]}
    return Results(runs=runs, series=pd.DataFrame(), manifest={"spec": {"factors": factors, "design": "lhs"}})


@pytest.fixture(scope="module")
def results() -> Results:
    return synthetic()


@pytest.fixture(scope="module")
def prim(results):
    return discover(results, "share_final", above=0.15)


@pytest.fixture(scope="module")
def cart(results):
    return discover(results, "share_final", above=0.15, method="cart")


def assert_true_box(x1: discovery.Limits, x2: discovery.Limits, tolerance: float) -> None:
    assert abs(x1.low - TRUE_X1_LOW) <= tolerance and x1.high == x1.full_high
    assert abs(x2.high - TRUE_X2_HIGH) <= tolerance and x2.low == x2.full_low


# --------------------------------------------------------------------------- finding the box


def test_prim_finds_the_true_box(prim):
    assert prim.method == "prim" and prim.rule == "share_final > 0.15"
    assert prim.n_runs == 400 and 0.1 < prim.base_rate < 0.3
    box = prim.boxes[0]
    assert_true_box(box.limits["x1"], box.limits["x2"], tolerance=0.1)
    assert box.restricted == ["x1", "x2"] and box.res_dim == 2
    assert not box.limits["x3"].restricted and not box.limits["regime"].restricted
    assert box.limits["regime"].allowed == ("low", "mid", "high")     # levels in the spec's order
    assert box.density >= 0.8 and box.coverage >= 0.7 and box.meets_threshold
    chosen = box.trajectory[box.chosen_step]
    assert (chosen.coverage, chosen.density, chosen.mass) == (box.coverage, box.density, box.mass)
    first = box.trajectory[0]
    assert first.coverage == 1 and first.res_dim == 0 and first.density == pytest.approx(prim.base_rate)


def test_cart_leaves_cover_the_true_box(cart):
    assert cart.boxes and all(b.density >= 0.8 and b.meets_threshold for b in cart.boxes)
    assert all(b.trajectory == () and b.chosen_step is None for b in cart.boxes)
    assert all(set(b.restricted) <= {"x1", "x2"} for b in cart.boxes)
    assert sum(b.coverage for b in cart.boxes) >= 0.7       # leaves do not overlap: coverages add up
    x1 = min((b.limits["x1"] for b in cart.boxes), key=lambda lim: lim.low)
    x2 = max((b.limits["x2"] for b in cart.boxes), key=lambda lim: lim.high)
    assert abs(x1.low - TRUE_X1_LOW) <= 0.15 and abs(x2.high - TRUE_X2_HIGH) <= 0.15
    assert min(b.limits["x2"].low for b in cart.boxes) == x2.full_low


def test_below_finds_the_same_box(results, prim):
    calm = discover(results, "calm_final", below=-0.15)
    assert calm.rule == "calm_final < -0.15"
    assert calm.n_of_interest == prim.n_of_interest
    assert to_json(calm)["boxes"] == to_json(prim)["boxes"]


def test_categorical_restrictions_are_sets_of_levels():
    rng = np.random.default_rng(4)
    n = 400
    runs = pd.DataFrame({"run_id": np.arange(n), "seed": np.arange(n), **BOOKKEEPING,
                         "x1": rng.random(n), "regime": rng.choice(["a", "b", "c", "d"], n),
                         "mix": [[0.75, 0.25] if v else [0.5, 0.5] for v in rng.random(n) < 0.5],
                         "flag": rng.random(n) < 0.5})
    runs["m"] = ((runs["x1"] > 0.5) & runs["regime"].isin(["b", "c"])).astype(float)
    factors = {"x1": {}, "regime": {}, "mix": {"values": [[0.75, 0.25], [0.5, 0.5]]}, "flag": {"values": [False, True]}}
    results = Results(runs=runs, series=pd.DataFrame(), manifest={"spec": {"factors": factors, "design": "grid"}})
    for method in ("prim", "cart"):
        found = discover(results, "m", above=0.5, method=method)
        box = found.boxes[0]
        assert box.limits["regime"].allowed == ("b", "c"), method
        assert box.limits["mix"].levels == ("[0.75, 0.25]", "[0.5, 0.5]") and not box.limits["mix"].restricted
        assert box.limits["flag"].levels == ("False", "True") and not box.limits["flag"].restricted
        assert abs(box.limits["x1"].low - 0.5) <= 0.1 and box.density >= 0.8


def test_constant_factors_are_left_out(results):
    runs = results.runs.assign(const=2.0, label="same")
    spec = {"factors": {**results.manifest["spec"]["factors"], "const": {}, "label": {}}, "design": "lhs"}
    found = discover(Results(runs, results.series, {"spec": spec}), "share_final", above=0.15, method="cart")
    assert found.constant_factors == ("const", "label")
    assert found.factors == ("x1", "x2", "x3", "regime")
    assert "const" not in found.boxes[0].limits


def test_only_ok_runs_with_a_value_count(results):
    runs = results.runs.copy()
    runs.loc[:19, "status"] = "failed"
    runs.loc[20:29, "share_final"] = np.nan
    found = discover(Results(runs, results.series, results.manifest), "share_final", above=0.15, method="cart")
    assert found.n_runs == 370 and found.n_missing == 10


def test_a_box_short_of_the_threshold_is_flagged(results):
    found = discover(results, "share_final", above=0.15, threshold=1.0, mass_min=0.2)
    box = found.boxes[0]
    assert len(found.boxes) == 1 and not box.meets_threshold and box.density < 1
    assert box.density == max(s.density for s in box.trajectory)


# --------------------------------------------------------------------------- errors


def with_runs(results: Results, runs: pd.DataFrame) -> Results:
    return Results(runs.reset_index(drop=True), results.series, results.manifest)


@pytest.mark.parametrize(("change", "kwargs", "words"), [
    (None, {"metric": "nope", "above": 0.1}, ["metric 'nope'", "available: share_final, calm_final"]),
    (None, {"metric": "share_final"}, ["above", "below", "neither"]),
    (None, {"metric": "share_final", "above": 0.1, "below": 0.2}, ["above=0.1", "below=0.2", "both"]),
    (None, {"metric": "share_final", "above": float("nan")}, ["above=nan", "finite number"]),
    (None, {"metric": "share_final", "above": 5.0}, ["above=5", "no run", "ranges", "400 ok runs"]),
    (None, {"metric": "share_final", "below": 5.0}, ["below=5", "every run", "ranges"]),
    (None, {"metric": "share_final", "above": 0.1, "method": "tree"}, ["method='tree'", "prim, cart"]),
    (None, {"metric": "share_final", "above": 0.1, "threshold": 0.0}, ["threshold=0.0", "(0, 1]"]),
    (None, {"metric": "share_final", "above": 0.1, "threshold": 1.5}, ["threshold=1.5", "(0, 1]"]),
    (None, {"metric": "share_final", "above": 0.1, "peel_alpha": 0.7}, ["peel_alpha=0.7", "(0, 0.5)"]),
    (None, {"metric": "share_final", "above": 0.1, "mass_min": 0}, ["mass_min=0", "(0, 0.5)"]),
    (lambda r: r.assign(status="failed"), {"metric": "share_final", "above": 0.1}, ["no run finished ok"]),
    (lambda r: r.head(9), {"metric": "share_final", "above": 0.1}, ["only 9 ok runs", "at least 10"]),
    (lambda r: r.assign(x1=0.5, x2=0.5, x3=0.5, regime="low"), {"metric": "share_final", "above": 0.1},
     ["every factor is constant", "x1, x2, x3, regime"]),
    (lambda r: r.assign(x1=np.where(r["run_id"] < 3, np.nan, r["x1"])), {"metric": "share_final", "above": 0.1},
     ["factor 'x1'", "3 of 400"]),
])
def test_errors_name_the_key_and_what_is_allowed(results, change, kwargs, words):
    data = with_runs(results, change(results.runs)) if change else results
    with pytest.raises(ValueError) as error:
        discover(data, **kwargs)
    message = str(error.value)
    assert "\n" not in message
    for word in words:
        assert word in message


# --------------------------------------------------------------------------- output


def test_results_are_deterministic(results, prim, cart):
    state = np.random.get_state()[1].copy()
    assert to_json(discover(results, "share_final", above=0.15)) == to_json(prim)
    assert to_json(discover(results, "share_final", above=0.15, method="cart")) == to_json(cart)
    assert (np.random.get_state()[1] == state).all()       # numpy's global generator is left as it was


def test_write_produces_json_and_png_only(tmp_path, prim, cart):
    import matplotlib.pyplot as plt

    for found in (prim, cart):
        out = tmp_path / found.method / "nested"
        paths = write(found, out)
        assert paths == [out / "discovery.json", out / "discovery.png"]
        assert sorted(p for p in (tmp_path / found.method).rglob("*") if p.is_file()) == paths
        data = json.loads((out / "discovery.json").read_text(encoding="utf-8"))
        assert data == json.loads(json.dumps(to_json(found)))
        assert data["boxes"][0]["limits"]["regime"]["allowed"] == ["low", "mid", "high"]
        assert (out / "discovery.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plt.get_fignums() == []


def test_json_shape(prim, cart):
    data = to_json(prim)
    assert set(data) >= {"metric", "rule", "method", "threshold", "n_runs", "n_of_interest", "base_rate", "boxes"}
    box = data["boxes"][0]
    assert set(box["limits"]["x1"]) == {"kind", "restricted", "low", "high", "full_low", "full_high"}
    assert set(box["limits"]["regime"]) == {"kind", "restricted", "allowed", "levels"}
    assert set(box["trajectory"][0]) == {"coverage", "density", "mass", "res_dim"}
    assert isinstance(box["chosen_step"], int)
    assert to_json(cart)["boxes"][0]["trajectory"] == [] and to_json(cart)["boxes"][0]["chosen_step"] is None


def test_format_boxes_shows_restricted_ranges(prim, cart):
    console = Console(record=True, width=160)
    console.print(format_boxes(prim))
    console.print(format_boxes(cart))
    text = console.export_text()
    assert "PRIM: where share_final > 0.15" in text and "CART: where share_final > 0.15" in text
    assert "≥ 0.6" in text and "≤ 0.4" in text and "—" in text
    assert "together they hold" in text       # CART found more than one leaf


def test_discover_prints_and_warns_nothing(tmp_path):
    """A fresh interpreter with INFO logging on: importing the Workbench and running both methods is silent."""
    script = (
        "import logging, warnings\n"
        "logging.basicConfig(level=logging.INFO)\n"
        "warnings.simplefilter('default')\n"
        "from tests.test_discovery import synthetic\n"
        "from experiments.discovery import discover, write\n"
        "results = synthetic(200)\n"
        f"write(discover(results, 'share_final', above=0.15), {str(tmp_path / 'p')!r})\n"
        "discover(results, 'share_final', above=0.15, method='cart')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


def test_no_warnings_escape(results):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        discover(results, "share_final", above=0.15, method="prim")
    assert caught == []


# --------------------------------------------------------------------------- the command


@pytest.fixture(scope="module")
def results_folder(tmp_path_factory, results) -> Path:
    """The synthetic results as a folder `whoosh sweep` could have written."""
    from experiments import results as store

    out = tmp_path_factory.mktemp("sweep")
    factors = {name: f for name, f in results.manifest["spec"]["factors"].items() if "min" in f}   # lhs: ranges only
    spec = {"name": "synthetic", "description": "a known box", "design": "lhs", "samples": 400, "factors": factors}
    store.write_manifest(out, {"spec": spec, "spec_hash": "synthetic", "finished": "2026-01-01T00:00:02+00:00"})
    records = results.runs.to_dict("records")
    store.write_batch(out, records[:200], None, "synthetic")
    store.write_batch(out, records[200:], None, "synthetic")
    return out


def test_the_command_prints_the_boxes_and_says_where_they_went(results_folder, tmp_path):
    from typer.testing import CliRunner

    from experiments.cli import app

    out = tmp_path / "boxes"
    result = CliRunner().invoke(app, ["discover", str(results_folder), "--metric", "share_final", "--above", "0.15",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "x1" in result.stdout and "x2" in result.stdout and f"wrote {out}" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["discovery.json", "discovery.png"]
    assert json.loads((out / "discovery.json").read_text(encoding="utf-8"))["boxes"][0]["restricted"] == ["x1", "x2"]


@pytest.mark.parametrize(("flags", "named"), [
    (["--metric", "share_final"], "above"),
    (["--metric", "share_final", "--above", "0.1", "--below", "0.2"], "above"),
    (["--metric", "nope", "--above", "0.1"], "nope"),
    (["--metric", "share_final", "--above", "5"], "--above"),
    (["--metric", "share_final", "--above", "0.15", "--method", "forest"], "forest"),
    (["--metric", "share_final", "--above", "0.15", "--threshold", "1.5"], "--threshold"),
    (["--metric", "share_final", "--above", "abc"], "'abc'"),
])
def test_bad_flags_are_one_line_and_write_nothing(results_folder, tmp_path, flags, named):
    from typer.testing import CliRunner

    from experiments.cli import app

    out = tmp_path / "boxes"
    result = CliRunner().invoke(app, ["discover", str(results_folder), *flags, "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and named in lines[0], lines
    assert not out.exists()
