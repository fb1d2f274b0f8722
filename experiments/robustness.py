"""Robustness: random valid settings over the whole parameter tree, run with every check armed.

A setting is a shipped scenario, a seed, a scale, a horizon and ``--set`` overrides drawn over the
tree's full ranges (walked with ``model.parameter_table.leaves``), sometimes on a custom layout of
2-5 jurisdictions. ``check_run`` runs one with numpy's warnings raised as errors and checks after
every month that the books balance and every metric is finite; ``stress`` runs many in a process
pool. A failure comes with a command line that reproduces it.

    python -m experiments.robustness '<setting as JSON>'    # run one setting with every check
"""

from __future__ import annotations

import json
import math
import shlex
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, get_origin

import numpy as np
from pydantic.fields import FieldInfo

from experiments.scenarios import ParameterError, merge, parse_set, scenario_data, scenario_names, validate
from experiments.sweep import local_executor
from model.economy import LEDGER_TOLERANCE, WhooshModel, month_label
from model.metrics import headline
from model.parameter_table import leaves
from model.parameters import LeverPath, Parameters, field_bounds, month_index

SCALES = (0.05, 0.6)                  # agent-count multipliers drawn: small, so runs are quick
HORIZONS = (12, 480)                  # months simulated, mostly short (see draw_steps)
MAX_OVERRIDES = 60                    # most parameters one setting overrides
AGENT_CAPS = {"population.workers": 20_000, "population.talent": 5_000, "population.min_talent": 5_000}   # for speed
SIZE_KEYS = ("population", "talent_share")                                # drawn for every custom jurisdiction
EDGE_SHARE = 0.1                      # chance a number is its lower bound, and again its upper bound
FAR_SHARE = 0.1                       # chance a month is drawn from all of 0000-01 … 9999-12
CUSTOM_SHARE = 0.2                    # settings on a custom jurisdiction layout
WEIGHT_MAX = 5.0                      # upper end of unbounded non-negative weights
RATIO_MIN, RATIO_MAX = 0.01, 10.0     # range of positive ratios (e.g. labour.natural_by_skill)
LAST_MONTH = month_index("9999-12")
MAX_REJECTED = 1000                   # invalid draws tolerated before the sampler gives up
SOURCE_DIRS = ("model", "agents", "experiments", "tests")
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "tu", "vo", "zan", "del", "bor", "qui", "fen", "hal")


class CheckFailed(Exception):
    """A finished month broke a robustness check: the books do not balance or a metric is not finite."""


@dataclass(frozen=True)
class Setting:
    """One run: a scenario (or a custom layout of jurisdictions on it), a seed, a horizon, a scale and overrides.

    Attributes:
        sets: ``--set`` overrides (``key=TOML value``), applied in order.
        jurisdictions: names of a custom layout replacing the scenario's jurisdictions, each starting
            from the ``Jurisdiction`` defaults (the first is home); empty for the scenario's own.
    """

    scenario: str
    seed: int
    steps: int
    scale: float
    sets: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Setting:
        return cls(**{**raw, "sets": tuple(raw.get("sets", ())), "jurisdictions": tuple(raw.get("jurisdictions", ()))})

    def parameters(self) -> Parameters:
        """The validated tree, resolved as ``whoosh run`` resolves its flags (raises ``ParameterError``)."""
        data = scenario_data(self.scenario)
        if self.jurisdictions:
            layout = {"jurisdictions": {name: {} for name in self.jurisdictions}, "home": self.jurisdictions[0]}
            data = merge(data, layout, replace_jurisdictions=True)
        for item in (*self.sets, f"population.scale={self.scale}"):
            data = merge(data, parse_set([item]))
        return validate(data)

    def command(self, steps: int | None = None, warnings_as_errors: bool = False) -> str:
        """A shell command that runs this setting for ``steps`` months (all of them by default)."""
        steps = self.steps if steps is None else steps
        if self.jurisdictions:
            setting = json.dumps(asdict(self) | {"steps": steps})
            return f"python -m experiments.robustness {shlex.quote(setting)}"
        return run_command(self.scenario, self.seed, steps, repr(self.scale), self.sets,
                           warnings_as_errors=warnings_as_errors)


def run_command(scenario: str, seed: int, steps: int, scale: str | None, sets: Iterable[str],
                check_phases: bool = False, warnings_as_errors: bool = False) -> str:
    """The ``whoosh run`` command line for these flags, quoted for a POSIX shell.

    With ``warnings_as_errors`` it runs with numpy's RuntimeWarnings raised, as ``check_run`` does.
    """
    words = ["whoosh", "run", "--scenario", scenario, "--seed", str(seed), "--steps", str(steps)]
    words += ["--scale", scale] if scale is not None else []
    for item in sets:
        words += ["--set", item]
    words += ["--check-phases"] if check_phases else []
    return ("PYTHONWARNINGS=error::RuntimeWarning " if warnings_as_errors else "") + shlex.join(words)


@dataclass(frozen=True)
class Result:
    """How a setting's run ended.

    Attributes:
        error: the exception's type name ('' when the run finished and passed every check).
        date, month: the month it failed in (YYYY-MM, and 1 for the start month; 0 while building).
        where: the innermost line of the project's code the exception passed through.
        reproduction: a command that reproduces the outcome (for a failure, up to the failing month).
    """

    ok: bool
    reproduction: str
    error: str = ""
    message: str = ""
    date: str = ""
    month: int = 0
    where: str = ""

    def cause(self) -> str:
        """The exception's message and where it was raised."""
        return f"{self.message} ({self.where})" if self.where else self.message

    def summary(self) -> str:
        return "ok" if self.ok else f"failed at {self.date} (month {self.month}): {self.error}: {self.cause()}"


@dataclass
class Stress:
    """The outcome of ``stress``: every setting, its result in the same order, and the rejected draws."""

    seed: int
    settings: list[Setting]
    results: list[Result]
    rejected: list[str]
    seconds: float

    @property
    def failures(self) -> list[tuple[Setting, Result]]:
        return [(s, r) for s, r in zip(self.settings, self.results) if not r.ok]

    def as_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "runs": len(self.settings), "failed": len(self.failures),
                "redraws": len(self.rejected), "rejected": self.rejected, "wall_time_s": round(self.seconds, 1),
                "settings": [{"setting": asdict(s), "result": asdict(r)} for s, r in zip(self.settings, self.results)]}


# --------------------------------------------------------------------------- running


def check_run(setting: Setting) -> Result:
    """Run ``setting`` with numpy warnings raised as errors, checking the books and the metrics every month."""
    params, model = None, None
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            params = setting.parameters()
            model = WhooshModel(params, seed=setting.seed)
            for _ in range(setting.steps):
                model.step()
                check_month(model)
            headline(model.metrics_frame(), params.home)
        except Exception as exc:  # noqa: BLE001 - any exception is a finding, reported with its reproduction
            return failure(setting, params, model, exc)
        finally:
            if model is not None:
                model.close()
    return Result(ok=True, reproduction=setting.command())


def check_month(model: WhooshModel) -> None:
    """Raise ``CheckFailed`` unless the books balance and every metric of the month just run is finite."""
    error = model.ledger_error()
    if not error <= LEDGER_TOLERANCE:
        raise CheckFailed(f"ledger error {error:.3g} > {LEDGER_TOLERANCE}")
    bad = [name for name, value in model.metrics.values.items() if not math.isfinite(value)]
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise CheckFailed(f"metric {bad[0]} is {model.metrics.values[bad[0]]}{more}")


def failure(setting: Setting, params: Parameters | None, model: WhooshModel | None, exc: Exception) -> Result:
    """The failed result of ``setting``: where and when ``exc`` was raised, and how to reproduce it."""
    month = model.steps if model is not None else 0
    date = model.date if model is not None else params.start if params is not None else ""
    return Result(ok=False, error=type(exc).__name__, message=" ".join(str(exc).split()), date=date, month=month,
                  where=innermost_source_line(exc),
                  reproduction=setting.command(max(month, 1), warnings_as_errors=isinstance(exc, RuntimeWarning)))


def innermost_source_line(exc: BaseException) -> str:
    """``path:line in function`` of the deepest traceback frame in the project's own code."""
    root = Path(__file__).resolve().parent.parent
    found = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(root) and path.relative_to(root).parts[0] in SOURCE_DIRS:
            found = f"{path.relative_to(root)}:{frame.lineno} in {frame.name}"
    return found


def run_all(settings: list[Setting], workers: int = 1, on_done: Callable[[Result], None] | None = None) -> list[Result]:
    """``check_run`` of every setting (in a spawn process pool when ``workers`` > 1), in the settings' order."""
    workers = min(workers, len(settings))
    if workers <= 1:
        results = []
        for setting in settings:
            results.append(check_run(setting))
            if on_done:
                on_done(results[-1])
        return results
    results: list[Result | None] = [None] * len(settings)
    with local_executor(workers) as pool:
        futures = {pool.submit(check_run, setting): i for i, setting in enumerate(settings)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if on_done:
                on_done(future.result())
    return results


def stress(n: int, workers: int = 1, seed: int = 0, on_done: Callable[[Result], None] | None = None,
           max_steps: int = HORIZONS[1]) -> Stress:
    """Draw ``n`` valid settings from ``seed`` and check each; the outcome does not depend on ``workers``."""
    started = time.perf_counter()
    settings, rejected = draw_settings(n, seed, max_steps)
    results = run_all(settings, workers, on_done)
    return Stress(seed, settings, results, rejected, time.perf_counter() - started)


# --------------------------------------------------------------------------- sampling


def draw_settings(n: int, seed: int, max_steps: int = HORIZONS[1]) -> tuple[list[Setting], list[str]]:
    """``n`` valid settings drawn from ``np.random.default_rng(seed)``, and the errors of the draws rejected.

    A draw the tree refuses is redrawn; each one means the sampler strays outside the valid space.
    """
    rng = np.random.default_rng(seed)
    settings: list[Setting] = []
    rejected: list[str] = []
    while len(settings) < n:
        setting = draw_setting(rng, max_steps)
        try:
            setting.parameters()
        except ParameterError as exc:
            rejected.append(str(exc))
            if len(rejected) > MAX_REJECTED:
                raise RuntimeError(f"the sampler drew {len(rejected)} invalid settings; last: {exc}") from None
            continue
        settings.append(setting)
    return settings, rejected


def draw_setting(rng: np.random.Generator, max_steps: int = HORIZONS[1]) -> Setting:
    """One setting: a scenario, seed, horizon, scale, maybe a custom layout, and a random subset of overrides."""
    scenario = str(rng.choice(scenario_names()))
    seed = int(rng.integers(0, 2**32)) if rng.random() > 0.1 else int(rng.integers(0, 2**63 - 1))
    steps = draw_steps(rng, max_steps)
    scale = round(float(rng.uniform(*SCALES)), 3)
    layout = draw_layout(rng) if rng.random() < CUSTOM_SHARE else ()
    base = Setting(scenario, seed, steps, scale, (), layout).parameters()
    start = draw_start(rng, base)
    drawn = draw_overrides(rng, base, month_index(start), steps, layout)
    sets = ([f"start={toml(start)}"] if start != base.start else []) + override_strings(drawn)
    return Setting(scenario, seed, steps, scale, tuple(sets), layout)


def draw_steps(rng: np.random.Generator, max_steps: int) -> int:
    """A horizon in [12, max_steps] months, skewed short: the median of [12, 480] is about 40."""
    lo = min(HORIZONS[0], max_steps)
    return int(round(lo * (max_steps / lo) ** (rng.random() ** 3)))


def draw_layout(rng: np.random.Generator) -> tuple[str, ...]:
    """2-5 distinct made-up jurisdiction names."""
    names: list[str] = []
    count = int(rng.integers(2, 6))
    while len(names) < count:
        name = "".join(rng.choice(SYLLABLES, size=int(rng.integers(2, 4)))).capitalize()
        if name not in names:
            names.append(name)
    return tuple(names)


def draw_start(rng: np.random.Generator, base: Parameters) -> str:
    """The first month: mostly the scenario's, else within 30 years or anywhere, never after a scheduled change."""
    origin = month_index(base.start)
    latest = min([LAST_MONTH, *(month_index(change.at) for _, _, path in leaves(base) if isinstance(path, LeverPath)
                                for change in path.changes)])
    u = rng.random()
    if u < 0.6:
        return base.start
    if u < 0.9:
        return month_label(int(rng.integers(origin - 360, min(origin + 360, latest) + 1)))
    return month_label(int(rng.integers(0, latest + 1)))


def draw_overrides(rng: np.random.Generator, base: Parameters, origin: int, steps: int,
                   layout: tuple[str, ...]) -> dict[str, Any]:
    """New values for a random subset of the tree's leaves (dotted key → value; a lever → ``LeverDraw``)."""
    candidates = [(key, info, value) for key, info, value in leaves(base) if key not in ("start", "population.scale")]
    count = min(len(candidates), int(math.exp(rng.uniform(0.0, math.log(MAX_OVERRIDES + 1)))))
    chosen = [candidates[i] for i in sorted(rng.choice(len(candidates), size=count, replace=False))]
    forced = {f"jurisdictions.{name}.{key}" for name in layout for key in SIZE_KEYS} - {key for key, _, _ in chosen}
    chosen += [leaf for leaf in candidates if leaf[0] in forced]
    names = list(base.jurisdictions)
    drawn = {key: draw_leaf(rng, key, info, value, origin, steps, names) for key, info, value in chosen}
    if layout and rng.random() < 0.5:
        haven = str(rng.choice(layout))
        drawn[f"jurisdictions.{haven}.haven"] = True
        capacity = next(leaf for leaf in candidates if leaf[0] == f"jurisdictions.{haven}.haven_capacity")
        drawn[capacity[0]] = draw_leaf(rng, *capacity, origin, steps, names)
    respect_cross_field_rules(rng, drawn, {key: (info, value) for key, info, value in candidates}, names)
    return drawn


def respect_cross_field_rules(rng: np.random.Generator, drawn: dict[str, Any], tree: dict[str, tuple[FieldInfo, Any]],
                              names: list[str]) -> None:
    """Mend ``drawn`` where it breaks a rule across fields that the tree checks.

    The rules are ``Jurisdiction._lever_ranges`` (labour_force_share at most working_age_share) and
    ``Parameters._consistent`` (talent_share not zero everywhere).
    """
    def effective(key: str) -> Any:
        return drawn.get(key, tree[key][1])

    for name in names:
        labour, working = f"jurisdictions.{name}.labour_force_share", f"jurisdictions.{name}.working_age_share"
        if effective(labour) > effective(working):
            lo, _ = field_bounds(tree[labour][0])
            drawn[labour] = draw_number(rng, lo, effective(working))
    shares = [f"jurisdictions.{name}.talent_share" for name in names]
    if all(effective(key) == 0 for key in shares):
        key = shares[int(rng.integers(len(shares)))]
        drawn[key] = draw_number(rng, 0.01, field_bounds(tree[key][0])[1])


@dataclass(frozen=True)
class LeverDraw:
    """A drawn lever: a new value from the start (or None to keep it) and dated changes (or none)."""

    initial: float | None
    changes: list[dict[str, Any]] = field(default_factory=list)


def draw_leaf(rng: np.random.Generator, key: str, info: FieldInfo, current: Any, origin: int, steps: int,
              names: list[str]) -> Any:
    """A random valid value of one leaf of the tree, from its type, unit and range."""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    annotation = info.annotation
    unit = extra.get("unit")
    if "lever_range" in extra:
        return draw_lever(rng, *extra["lever_range"], origin, steps)
    if annotation is bool:
        return bool(rng.random() < 0.5)
    if annotation in (int, float):
        lo, hi = field_bounds(info)
        if lo is None or hi is None:
            raise TypeError(f"{key}: no range to draw from")
        return draw_number(rng, lo, min(hi, AGENT_CAPS.get(key, hi)), integer=annotation is int)
    if annotation is str and unit == "month":
        return month_label(draw_month(rng, origin, steps))
    if annotation is str and unit == "name":
        return str(rng.choice(names))
    if get_origin(annotation) is list and unit == "shares":
        return draw_shares(rng, len(current))
    if get_origin(annotation) is list and unit == "weights":
        return [draw_number(rng, 0.0, WEIGHT_MAX) for _ in current]
    if get_origin(annotation) is list and unit == "ratios":
        return [draw_number(rng, RATIO_MIN, RATIO_MAX) for _ in current]
    raise TypeError(f"{key}: the sampler cannot draw a {annotation} with unit {unit!r}")


def draw_number(rng: np.random.Generator, lo: float, hi: float, integer: bool = False) -> float | int:
    """A number in [lo, hi]: sometimes an end, log-uniform over ranges spanning orders of magnitude, else uniform."""
    u = rng.random()
    if u < EDGE_SHARE:
        value = lo
    elif u < 2 * EDGE_SHARE:
        value = hi
    elif hi - lo > 100 and hi > 0:
        value = math.exp(rng.uniform(math.log(max(lo, hi * 1e-6)), math.log(hi)))
    else:
        value = rng.uniform(lo, hi)
    if integer:
        return int(min(max(round(value), lo), hi))
    return float(min(max(float(f"{value:.6g}"), lo), hi))


def draw_month(rng: np.random.Generator, origin: int, steps: int) -> int:
    """A month index: mostly within five years of the run, sometimes anywhere from 0000-01 to 9999-12."""
    if rng.random() < FAR_SHARE:
        return int(rng.integers(0, LAST_MONTH + 1))
    return int(np.clip(rng.integers(origin - 60, origin + steps + 61), 0, LAST_MONTH))


def draw_shares(rng: np.random.Generator, n: int) -> list[float]:
    """``n`` non-negative shares in steps of 1e-4 summing to 1; sometimes some of them zero."""
    weights = rng.dirichlet(np.ones(n))
    if rng.random() < 2 * EDGE_SHARE:
        weights *= rng.random(n) < 0.5
        if weights.sum() == 0:
            weights[rng.integers(n)] = 1.0
    raw = weights / weights.sum() * 10_000
    counts = np.floor(raw).astype(int)
    counts[np.argsort(counts - raw, kind="stable")[: 10_000 - counts.sum()]] += 1
    return [int(c) / 10_000 for c in counts]


def draw_lever(rng: np.random.Generator, lo: float, hi: float, origin: int, steps: int) -> LeverDraw:
    """A lever: a new value from the start, dated changes within the horizon in date order, or both."""
    initial = draw_number(rng, lo, hi) if rng.random() < 0.5 else None
    if rng.random() < 0.3:
        return LeverDraw(initial if initial is not None else draw_number(rng, lo, hi))
    months = np.sort(rng.integers(origin, origin + steps, size=int(rng.integers(1, 5))))
    changes = [{"at": month_label(int(m)), "value": draw_number(rng, lo, hi),
                "announce_months": 0 if rng.random() < 0.4 else int(rng.integers(1, 121))} for m in months]
    return LeverDraw(initial, changes)


def override_strings(drawn: dict[str, Any]) -> list[str]:
    """``--set`` strings for drawn values; a lever with a new start value and changes takes two, in that order."""
    sets = []
    for key, value in drawn.items():
        if not isinstance(value, LeverDraw):
            sets.append(f"{key}={toml(value)}")
            continue
        if value.initial is not None:
            sets.append(f"{key}={toml(value.initial)}")
        if value.changes:
            sets.append(f"{key}={toml(value.changes)}")
    return sets


def toml(value: Any) -> str:
    """A value as a TOML literal (strings, booleans, numbers, lists and inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={toml(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML form for {value!r}")


def main(argv: list[str]) -> int:
    """Run one setting given as JSON with every check; print its outcome; 1 if it failed."""
    result = check_run(Setting.from_dict(json.loads(argv[0])))
    print(result.summary())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
