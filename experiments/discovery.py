"""Scenario discovery: the regions of factor space where an outcome of interest happens.

``discover`` labels each ok run of a sweep as one of interest or not (a summary metric above or below
a value) and describes where the runs of interest concentrate as boxes: a range for each numeric
factor, a set of levels for each categorical one. Two methods, both the EMA Workbench's:

* PRIM (patient rule induction) peels thin slices off the factor space, trading coverage (share of
  the runs of interest inside the box) for density (share of the runs inside the box that are of
  interest). Of its peeling trajectory we take the step with the highest coverage whose density
  meets the threshold; later boxes are searched among the runs outside earlier ones (PRIM's
  covering), up to ``MAX_BOXES``.
* CART (a classification tree, each leaf a box): the leaves whose density meets the threshold,
  largest coverage first; when none does, the densest leaf.

A box that falls short of the threshold is reported only when nothing better exists (the first
PRIM box, the densest CART leaf), flagged ``meets_threshold=False``. Errors are ``ValueError`` with
a one-line message.
"""

from __future__ import annotations

import json
import logging
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.table import Table

from experiments.analysis import _level, _ok_runs, format_number, metric_columns
from experiments.results import Results, load, write_atomic

METHODS = ("prim", "cart")
METHOD_NAMES = {"prim": "PRIM", "cart": "CART"}
MIN_RUNS = 10
MAX_BOXES = 3
NUMBER, CATEGORY = "number", "category"
JSON_NAME, PNG_NAME = "discovery.json", "discovery.png"
EMA_LOGGER = "EMA"          # the EMA Workbench logs under "EMA.<module>"
CART_SEED = 0


@dataclass(frozen=True)
class Limits:
    """One factor's extent in a box: ``low``–``high`` of ``full_low``–``full_high`` for a number,
    ``allowed`` of ``levels`` for a category."""

    kind: str
    restricted: bool
    low: float | None = None
    high: float | None = None
    full_low: float | None = None
    full_high: float | None = None
    allowed: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One box on PRIM's peeling and pasting trajectory."""

    coverage: float
    density: float
    mass: float
    res_dim: int


@dataclass(frozen=True)
class Box:
    """A region of factor space and how well it captures the runs of interest.

    ``coverage``: share of all runs of interest inside; ``density``: share of the runs inside that are
    of interest; ``mass``: share of all runs inside; ``res_dim``: number of restricted factors.
    ``trajectory`` and ``chosen_step`` are PRIM's (empty and None for CART).
    """

    coverage: float
    density: float
    mass: float
    res_dim: int
    n_runs: int
    n_of_interest: int
    meets_threshold: bool
    limits: dict[str, Limits]
    trajectory: tuple[Step, ...] = ()
    chosen_step: int | None = None

    @property
    def restricted(self) -> list[str]:
        return [name for name, limits in self.limits.items() if limits.restricted]


@dataclass(frozen=True)
class Discovery:
    """The boxes found for one rule (e.g. ``peak_unemployment_home > 0.1``) over a sweep's ok runs."""

    metric: str
    rule: str
    method: str
    threshold: float
    peel_alpha: float
    mass_min: float
    n_runs: int
    n_of_interest: int
    boxes: tuple[Box, ...]
    factors: tuple[str, ...]
    constant_factors: tuple[str, ...] = ()
    n_missing: int = 0
    more_boxes: int = 0

    @property
    def base_rate(self) -> float:
        return self.n_of_interest / self.n_runs


# --------------------------------------------------------------------------- discover


def discover(results: Results | str | Path, metric: str, *, above: float | None = None, below: float | None = None,
             method: str = "prim", threshold: float = 0.8, peel_alpha: float = 0.05, mass_min: float = 0.05,
             max_boxes: int = MAX_BOXES) -> Discovery:
    """Find the boxes of factor space where ``metric > above`` (or ``metric < below``) in the ok runs.

    Args:
        results: loaded results, or a results folder.
        metric: a summary metric column; ok runs without a value of it are left out (``n_missing``).
        above: runs with ``metric > above`` are of interest. Give exactly one of ``above``, ``below``.
        below: runs with ``metric < below`` are of interest.
        method: ``"prim"`` or ``"cart"``.
        threshold: the density a box should reach, in (0, 1].
        peel_alpha: share of the runs PRIM peels off per step, in (0, 0.5).
        mass_min: smallest share of the runs a box (PRIM) or leaf (CART) holds, in (0, 0.5).
        max_boxes: at most this many boxes.

    Raises:
        ValueError: bad arguments, an unknown metric, no ok run or fewer than ``MIN_RUNS``, a rule that
            no run or every run meets, or factors that are all constant.
    """
    _check_arguments(method, above, below, threshold, peel_alpha, mass_min, max_boxes)
    results = results if isinstance(results, Results) else load(results)
    ok = _ok_runs(results)
    available = metric_columns(results)
    if metric not in available:
        raise ValueError(f"unknown metric {metric!r}; available: {', '.join(available) if available else '(none)'}")
    values = ok[metric].to_numpy(dtype=float)
    has_value = ~np.isnan(values)
    ok, values = ok[has_value], values[has_value]
    if len(ok) < MIN_RUNS:
        raise ValueError(f"only {len(ok)} ok runs with a value of {metric!r}; discovery needs at least {MIN_RUNS}")
    key, bound = ("above", float(above)) if above is not None else ("below", float(below))
    of_interest = values > bound if key == "above" else values < bound
    rule = f"{metric} {'>' if key == 'above' else '<'} {bound:.6g}"
    if not of_interest.any() or of_interest.all():
        what = "no run" if not of_interest.any() else "every run"
        raise ValueError(f"{key}={bound:.6g} makes {what} one of interest: {metric} ranges "
                         f"{format_number(values.min())} – {format_number(values.max())} over {len(ok)} ok runs; "
                         f"choose a value inside that range")
    x, constant = _factor_frame(ok, results)
    boxes, more = (_prim_boxes if method == "prim" else _cart_boxes)(
        x, of_interest, threshold=threshold, peel_alpha=peel_alpha, mass_min=mass_min, max_boxes=max_boxes)
    return Discovery(metric=metric, rule=rule, method=method, threshold=float(threshold), peel_alpha=float(peel_alpha),
                     mass_min=float(mass_min), n_runs=len(ok), n_of_interest=int(of_interest.sum()), boxes=tuple(boxes),
                     factors=tuple(x.columns), constant_factors=tuple(constant),
                     n_missing=int((~has_value).sum()), more_boxes=more)


def _check_arguments(method: str, above: Any, below: Any, threshold: float, peel_alpha: float, mass_min: float,
                     max_boxes: int) -> None:
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not allowed; allowed: {', '.join(METHODS)}")
    if (above is None) == (below is None):
        got = "neither" if above is None else f"both (above={above}, below={below})"
        raise ValueError(f"give exactly one of above or below; got {got}")
    for name, value in (("above", above), ("below", below)):
        if value is not None and not _finite(value):
            raise ValueError(f"{name}={value!r} is not allowed; allowed: a finite number")
    for name, value, low, high, closed in (("threshold", threshold, 0.0, 1.0, True),
                                           ("peel_alpha", peel_alpha, 0.0, 0.5, False),
                                           ("mass_min", mass_min, 0.0, 0.5, False)):
        if not _finite(value) or not (low < value <= high if closed else low < value < high):
            bracket = "]" if closed else ")"
            raise ValueError(f"{name}={value!r} is not allowed; allowed: a number in ({low:g}, {high:g}{bracket}")
    if isinstance(max_boxes, bool) or not isinstance(max_boxes, (int, np.integer)) or max_boxes < 1:
        raise ValueError(f"max_boxes={max_boxes!r} is not allowed; allowed: an integer >= 1")


def _finite(value: Any) -> bool:
    try:
        return not isinstance(value, bool) and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _factor_frame(ok: pd.DataFrame, results: Results) -> tuple[pd.DataFrame, list[str]]:
    """The factors of the ok runs as PRIM/CART input (numbers as float, the rest as text categories),
    without the constant ones, which are returned apart."""
    spec_factors = results.manifest["spec"].get("factors", {})
    columns: dict[str, Any] = {}
    constant: list[str] = []
    for name in results.factors:
        values = ok[name].tolist() if name in ok else [None] * len(ok)
        if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
               for v in values):
            column = np.asarray(values, dtype=float)
            if not np.isfinite(column).all():
                missing = int((~np.isfinite(column)).sum())
                raise ValueError(f"factor {name!r} has no value in {missing} of {len(ok)} ok runs; "
                                 f"allowed: a number in every run")
            if column.min() == column.max():
                constant.append(name)
            else:
                columns[name] = column
            continue
        text = [str(_level(v)) for v in values]
        spec_values = (spec_factors.get(name) or {}).get("values") or []
        listed = [str(_level(v)) for v in spec_values]
        seen = set(text)
        levels = [v for v in dict.fromkeys(listed) if v in seen] + sorted(seen - set(listed))
        if len(levels) == 1:
            constant.append(name)
        else:
            columns[name] = pd.Categorical(text, categories=levels)
    if not columns:
        raise ValueError(f"every factor is constant over the {len(ok)} ok runs "
                         f"({', '.join(constant) if constant else 'no factors'}); nothing to discover")
    return pd.DataFrame(columns), constant


# --------------------------------------------------------------------------- EMA Workbench


def _ema() -> tuple[Any, Any]:
    """The EMA Workbench's ``Prim`` and ``CART`` classes (its import warns about optional packages)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis.cart import CART
        from ema_workbench.analysis.prim import Prim
    return Prim, CART


@contextmanager
def _quiet(seed: int | None = None) -> Iterator[None]:
    """No EMA log records below WARNING nor warnings (pandas deprecations inside the Workbench); with
    ``seed``, numpy's global generator seeded meanwhile, then restored."""
    logger = logging.getLogger(EMA_LOGGER)
    level = logger.level
    state = np.random.get_state() if seed is not None else None
    logger.setLevel(logging.WARNING)
    try:
        if seed is not None:
            np.random.seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
        if state is not None:
            np.random.set_state(state)


def _chosen_step(trajectory: pd.DataFrame, threshold: float) -> int:
    """The highest-coverage step whose density meets ``threshold`` (then the densest, the fewest
    restrictions); when none meets it, the densest step (then the highest coverage)."""
    meeting = trajectory[trajectory["density"] >= threshold]
    if len(meeting):
        order = meeting.sort_values(["coverage", "density", "res_dim"], ascending=[False, False, True], kind="stable")
    else:
        order = trajectory.sort_values(["density", "coverage"], ascending=[False, False], kind="stable")
    return int(order.index[0])


def _prim_boxes(x: pd.DataFrame, of_interest: np.ndarray, *, threshold: float, peel_alpha: float, mass_min: float,
                max_boxes: int) -> tuple[list[Box], int]:
    prim_class, _ = _ema()
    boxes: list[Box] = []
    with _quiet():
        # Prim's own threshold replaces a found box whose density falls short of it by the whole
        # space, losing the trajectory. On a 0/1 outcome any value in (0, 1] counts the same runs of
        # interest, so Prim gets a tiny one and the threshold is applied to the steps here.
        prim = prim_class(x, of_interest.astype(int), threshold=1e-9, peel_alpha=peel_alpha, mass_min=mass_min)
        while len(boxes) < max_boxes:
            found = prim.find_box()
            if found is None:
                break
            trajectory = found.peeling_trajectory.reset_index(drop=True)
            step = _chosen_step(trajectory, threshold)
            row = trajectory.loc[step]
            meets = bool(row["density"] >= threshold)
            if boxes and (not meets or int(row["res_dim"]) == 0):
                break
            found.select(step)
            limits = _limits(x, found.box_lims[step], prim.box_init)
            boxes.append(Box(
                coverage=float(row["coverage"]), density=float(row["density"]), mass=float(row["mass"]),
                res_dim=sum(lim.restricted for lim in limits.values()), n_runs=int(row["n"]),
                n_of_interest=int(row["k"]), meets_threshold=meets, limits=limits,
                trajectory=tuple(Step(float(r.coverage), float(r.density), float(r.mass), int(r.res_dim))
                                 for r in trajectory.itertuples()),
                chosen_step=step))
            if not meets or int(row["res_dim"]) == 0:
                break
    return boxes, 0


def _cart_boxes(x: pd.DataFrame, of_interest: np.ndarray, *, threshold: float, peel_alpha: float, mass_min: float,
                max_boxes: int) -> tuple[list[Box], int]:
    _, cart_class = _ema()
    # The Workbench's CART reads categorical splits into box limits wrongly (the levels of a
    # right-hand branch are not restricted, and removed levels leak into the other leaves); the
    # levels' codes as numbers keep its interval logic exact, and are mapped back to sets below.
    coded = pd.DataFrame({name: (x[name].cat.codes.astype(float) if isinstance(x[name].dtype, pd.CategoricalDtype)
                                 else x[name]) for name in x.columns})
    # a leaf holds at least int(mass_min * n) runs, which must be one or more
    leaf_mass = max(mass_min, 1.5 / len(x))
    with _quiet(seed=CART_SEED):   # sklearn's tree permutes features with numpy's global generator
        cart = cart_class(coded, of_interest.astype(int), mass_min=leaf_mass)
        cart.build_tree()
        leaves = list(zip(cart.boxes, cart.stats))
    total = int(of_interest.sum())
    meeting = [leaf for leaf in leaves if leaf[1]["density"] >= threshold]
    chosen = sorted(meeting, key=lambda leaf: (-leaf[1]["coverage"], -leaf[1]["density"]))
    if not chosen:
        chosen = [max(leaves, key=lambda leaf: (leaf[1]["density"], leaf[1]["coverage"]))]
    box_init = pd.DataFrame({name: [coded[name].min(), coded[name].max()] for name in coded.columns})
    boxes = []
    for box_lim, stats in chosen[:max_boxes]:
        limits = _limits(x, box_lim, box_init, coded=True)
        n_runs = int(round(stats["mass"] * len(x)))
        boxes.append(Box(coverage=float(stats["coverage"]), density=float(stats["density"]), mass=float(stats["mass"]),
                         res_dim=sum(lim.restricted for lim in limits.values()), n_runs=n_runs,
                         n_of_interest=int(round(stats["coverage"] * total)),
                         meets_threshold=bool(stats["density"] >= threshold), limits=limits))
    return boxes, max(0, len(meeting) - max_boxes)


def _limits(x: pd.DataFrame, box_lim: pd.DataFrame, box_init: pd.DataFrame, coded: bool = False) -> dict[str, Limits]:
    """Each factor's extent in a box from the Workbench's box limits (row 0 lower, row 1 upper; a
    category's allowed set, or with ``coded`` the range of its level codes)."""
    out = {}
    for name in x.columns:
        low, high = box_lim.loc[0, name], box_lim.loc[1, name]
        if isinstance(x[name].dtype, pd.CategoricalDtype):
            levels = tuple(str(v) for v in x[name].cat.categories)
            if coded:
                allowed = tuple(v for i, v in enumerate(levels) if low <= i <= high)
            else:
                allowed = tuple(v for v in levels if v in low)
            out[name] = Limits(kind=CATEGORY, restricted=len(allowed) < len(levels), allowed=allowed, levels=levels)
        else:
            full_low, full_high = float(box_init.loc[0, name]), float(box_init.loc[1, name])
            low, high = float(low), float(high)
            out[name] = Limits(kind=NUMBER, restricted=(low, high) != (full_low, full_high), low=low, high=high,
                               full_low=full_low, full_high=full_high)
    return out


# --------------------------------------------------------------------------- output


def to_json(discovery: Discovery) -> dict[str, Any]:
    """The discovery as plain JSON types (a category's sets as lists in level order)."""
    return {
        "metric": discovery.metric,
        "rule": discovery.rule,
        "method": discovery.method,
        "threshold": discovery.threshold,
        "peel_alpha": discovery.peel_alpha,
        "mass_min": discovery.mass_min,
        "n_runs": discovery.n_runs,
        "n_of_interest": discovery.n_of_interest,
        "base_rate": discovery.base_rate,
        "n_missing": discovery.n_missing,
        "factors": list(discovery.factors),
        "constant_factors": list(discovery.constant_factors),
        "more_boxes": discovery.more_boxes,
        "boxes": [_box_json(box) for box in discovery.boxes],
    }


def _box_json(box: Box) -> dict[str, Any]:
    limits = {}
    for name, lim in box.limits.items():
        if lim.kind == NUMBER:
            limits[name] = {"kind": NUMBER, "restricted": lim.restricted, "low": lim.low, "high": lim.high,
                            "full_low": lim.full_low, "full_high": lim.full_high}
        else:
            limits[name] = {"kind": CATEGORY, "restricted": lim.restricted, "allowed": list(lim.allowed),
                            "levels": list(lim.levels)}
    return {
        "coverage": box.coverage, "density": box.density, "mass": box.mass, "res_dim": box.res_dim,
        "n_runs": box.n_runs, "n_of_interest": box.n_of_interest, "meets_threshold": box.meets_threshold,
        "restricted": box.restricted, "limits": limits,
        "trajectory": [{"coverage": s.coverage, "density": s.density, "mass": s.mass, "res_dim": s.res_dim}
                       for s in box.trajectory],
        "chosen_step": box.chosen_step,
    }


def write(discovery: Discovery, out_dir: str | Path) -> list[Path]:
    """Write ``discovery.json`` and ``discovery.png`` into ``out_dir`` (created if needed); returns their paths."""
    from viz.discovery_plot import plot_discovery

    out_dir = Path(out_dir)
    text = json.dumps(to_json(discovery), indent=2, allow_nan=False) + "\n"
    figure = plot_discovery(discovery)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, png_path = out_dir / JSON_NAME, out_dir / PNG_NAME
    write_atomic(json_path, lambda p: p.write_text(text, encoding="utf-8"))
    write_atomic(png_path, lambda p: figure.savefig(p, format="png", dpi=150))
    return [json_path, png_path]


def format_range(limits: Limits) -> str:
    """A factor's extent in a box as text: ``0.6 – 0.9``, ``≥ 0.6``, ``≤ 0.4``, or the allowed levels."""
    if limits.kind == CATEGORY:
        return ", ".join(limits.allowed)
    if limits.low != limits.full_low and limits.high == limits.full_high:
        return f"≥ {format_number(limits.low)}"
    if limits.low == limits.full_low and limits.high != limits.full_high:
        return f"≤ {format_number(limits.high)}"
    return f"{format_number(limits.low)} – {format_number(limits.high)}"


def format_boxes(discovery: Discovery) -> Table:
    """A rich table of the boxes: their statistics, then each factor's range in each box (— where unrestricted)."""
    d = discovery
    table = Table(title=f"{METHOD_NAMES[d.method]}: where {d.rule} "
                        f"({d.n_of_interest:,} of {d.n_runs:,} runs, {d.base_rate:.0%})")
    table.add_column("", no_wrap=True)
    table.add_column("all runs", justify="right", no_wrap=True)
    for i, _ in enumerate(d.boxes, start=1):
        table.add_column(f"box {i}", justify="right", style="bold", no_wrap=True)
    boxes = d.boxes
    table.add_row("coverage (share of runs of interest inside)", "100%", *(f"{b.coverage:.0%}" for b in boxes))
    table.add_row("density (share of runs inside of interest)", f"{d.base_rate:.0%}",
                  *(f"{b.density:.0%}" for b in boxes))
    table.add_row("mass (share of runs inside)", "100%", *(f"{b.mass:.0%}" for b in boxes))
    table.add_row("runs inside (of interest)", f"{d.n_runs:,} ({d.n_of_interest:,})",
                  *(f"{b.n_runs:,} ({b.n_of_interest:,})" for b in boxes))
    table.add_row("restricted factors", "", *(str(b.res_dim) for b in boxes))
    table.add_section()
    first = boxes[0].limits if boxes else {}
    for name in d.factors:
        full = first.get(name)
        full_text = (", ".join(full.levels) if full.kind == CATEGORY
                     else f"{format_number(full.full_low)} – {format_number(full.full_high)}") if full else ""
        table.add_row(name, full_text, *(format_range(b.limits[name]) if b.limits[name].restricted else "—"
                                         for b in boxes))
    table.caption = "\n".join(_notes(d))
    return table


def _notes(d: Discovery) -> list[str]:
    notes = ["—: not restricted (the box spans the factor's whole range)"]
    short = [str(i) for i, b in enumerate(d.boxes, start=1) if not b.meets_threshold]
    if short:
        notes.append(f"box {', '.join(short)} falls short of the density threshold {d.threshold:g}: "
                     f"the best {'PRIM found' if d.method == 'prim' else 'CART leaf'}")
    if len(d.boxes) > 1:
        together = sum(b.coverage for b in d.boxes)
        notes.append(f"no run counts in two boxes: together they hold {together:.0%} of the runs of interest"
                     + ("; later boxes count only the runs outside earlier ones" if d.method == "prim" else ""))
    if d.more_boxes:
        notes.append(f"{d.more_boxes} more CART leaves meet the threshold (not shown)")
    if d.constant_factors:
        notes.append(f"constant over the runs, left out: {', '.join(d.constant_factors)}")
    if d.n_missing:
        notes.append(f"{d.n_missing:,} ok runs without a value of {d.metric} left out")
    return notes
