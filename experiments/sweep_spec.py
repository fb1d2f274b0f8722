"""Sweep specifications: which runs a sweep makes, validated against the parameter tree.

A spec is a TOML file (``experiments/sweeps/*.toml``)::

    name = "talent-flight"
    description = "..."
    scenario = "big-whoosh"      # base scenario: a shipped name, or a .toml file (relative to the spec)
    steps = 120
    replicates = 10              # seeds per design point
    seed = 20261121              # root seed; run i gets SeedSequence(seed, spawn_key=(i,))
    design = "grid"              # grid | lhs | sobol | morris
    samples = 64                 # lhs: points; sobol: base N (N·(2D+2) points); morris: trajectories (N·(D+1))

    [set]                        # optional: fixed overrides for every run
    "population.scale" = 0.5

    [factors.stringency]         # a factor: a label, the parameter keys it sets, and its values or range
    keys = ["jurisdictions.US.capital_controls"]
    values = [0.0, 0.5, 1.0]     # grid; sampled designs take min = … and max = …
    at = "2027-01"               # optional: a lever takes the value from this month…
    announce_months = 12         # …announced this far ahead

    [factors.arm]                # or, in a grid: named levels, each its own set of overrides
    levels."as is" = {}
    levels."no anticipation" = {"talent.beta_anticipation" = 0.0}

    [metrics]
    summary = ["unemployment", "talent_offshore_share"]   # final, mean and peak per run
    series = ["unemployment"]                              # kept month by month
    probes = ["allocation"]                                # optional in-run measurements (experiments.sweep.probe_class)

Every factor value (grid values, or both ends of a range) is checked by building the parameters
it produces, so a bad spec fails before any run starts, with one line naming key, value and what
is allowed. Before that, the sweep's size is checked against the work budget (``experiments.budget``):
``run_count`` is computed without building the design, so a spec of 10^12 runs is refused at once.

Names: ``name`` becomes the default results folder (runs/sweeps/<name>), so it is a plain file name;
factor names become columns of the runs table, so they are identifiers that do not clash with its
bookkeeping and summary columns (``reserved_columns``), nor with each other ignoring case. Keys: a
parameter key is set by at most one factor, once, and not also fixed in ``set``; no key lies under
another (``jurisdictions.US`` and ``jurisdictions.US.capital_controls``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from experiments.scenarios import ParameterError, is_scenario_path, merge, nest, scenario_data, validate
from model.parameters import check_month, is_block

SWEEPS_DIR = Path(__file__).parent / "sweeps"
SHIPPED_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")     # a shipped spec named without path or suffix
DESIGNS = ("grid", "lhs", "sobol", "morris")
PROBES = ("allocation",)     # in-run measurements besides the metrics (experiments.sweep.probe_class)
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
NAME_MAX = 100
FACTOR_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
LEVEL_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _',().-]{0,59}")
# columns every runs table carries besides the factors (experiments.analysis.BOOKKEEPING, and the series' step/date)
BOOKKEEPING_COLUMNS = ("run_id", "point", "replicate", "seed", "status", "error", "wall_s", "finished_at", "batch",
                       "step", "date")
SUMMARY_STATS = ("final", "mean", "peak")   # experiments.sweep.summarize_run: <metric>_final, _mean, _peak


class Factor(BaseModel):
    """One swept quantity: the parameter keys it sets and the values (grid) or range (sampled designs)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    keys: list[str] = Field(default_factory=list)
    values: list[Any] | None = None
    levels: dict[str, dict[str, Any]] | None = None
    min: float | None = None
    max: float | None = None
    at: str | None = None
    announce_months: int = Field(0, ge=0, le=120)

    _month = field_validator("at")(classmethod(lambda cls, v: v if v is None else check_month(v)))

    @model_validator(mode="after")
    def _values_or_range(self) -> Factor:
        if self.levels is not None:
            return self._named_levels()
        if not self.keys:
            raise ValueError("keys: give at least one parameter key (or named levels = {...})")
        if self.values is None and (self.min is None or self.max is None):
            raise ValueError("give either values = [...] or both min and max")
        if self.values is not None and (self.min is not None or self.max is not None):
            raise ValueError("give either values or min/max, not both")
        if self.values is not None and not self.values:
            raise ValueError("values must not be empty")
        if self.min is not None and self.max is not None and not self.min < self.max:
            raise ValueError(f"min {self.min} must be below max {self.max}")
        return self

    def _named_levels(self) -> Factor:
        """Levels are named sets of overrides: ``values`` become the names and ``keys`` every key they set."""
        if not self.levels:
            raise ValueError("levels must not be empty; allowed one or more named levels")
        for name, overrides in self.levels.items():
            try:
                self.levels[name] = _flatten(overrides)
            except ValueError as exc:
                raise ValueError(f"levels.{name}: {exc}") from None
        keys = sorted({key for overrides in self.levels.values() for key in overrides})
        for name in self.levels:
            if not LEVEL_PATTERN.fullmatch(name):
                raise ValueError(f"levels: name {json.dumps(name)} is not a plain label; allowed 1 to 60 letters, "
                                 "digits, spaces and - _ ' , ( ) . starting with a letter or digit")
        if not keys:
            raise ValueError("levels: no level sets any parameter; allowed levels of which at least one sets a key")
        if self.values is not None and self.values != list(self.levels) or self.keys and self.keys != keys:
            raise ValueError("a factor with levels sets its keys and values from the levels; allowed levels "
                             "without keys or values")
        if self.min is not None or self.max is not None or self.at is not None or self.announce_months:
            raise ValueError("a factor with levels takes no min, max, at or announce_months; allowed levels "
                             "whose overrides say it all (a dated lever as a list of {at, value, announce_months})")
        self.values, self.keys = list(self.levels), keys
        return self

    def overrides(self, value: Any) -> dict[str, Any]:
        """Dotted-key overrides setting every key to ``value`` (as a dated lever change when ``at`` is set), or
        the overrides of the level named ``value``."""
        if self.levels is not None:
            return dict(self.levels[value])
        if self.at is not None:
            value = [{"at": self.at, "value": value, "announce_months": self.announce_months}]
        return {key: value for key in self.keys}


class Metrics(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    summary: list[str] = Field(default_factory=lambda: ["unemployment", "talent_offshore_share"])
    series: list[str] = Field(default_factory=list)
    probes: list[Literal[PROBES]] = Field(default_factory=list)  # type: ignore[valid-type]


class SweepSpec(BaseModel):
    """A validated sweep specification."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    scenario: str = "baseline"
    steps: int = Field(120, ge=1, le=1200)
    replicates: int = Field(1, ge=1, le=100_000)
    seed: int = Field(0, ge=0)
    design: Literal[DESIGNS] = "grid"  # type: ignore[valid-type]
    samples: int = Field(16, ge=1, le=1_000_000)
    set: dict[str, Any] = Field(default_factory=dict, description="fixed overrides for every run (dotted keys)")
    factors: dict[str, Factor] = Field(min_length=1)
    metrics: Metrics = Field(default_factory=Metrics)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        if not NAME_PATTERN.fullmatch(name) or ".." in name or len(name) > NAME_MAX:
            raise ValueError(f"allowed a plain name of at most {NAME_MAX} characters: letters, digits, '.', '_' "
                             "and '-', starting with a letter or digit, without '..' (it names the results folder)")
        return name

    @model_validator(mode="after")
    def _factor_names(self) -> SweepSpec:
        reserved = {column.lower(): column for column in reserved_columns(self.metrics.summary)}
        seen: dict[str, str] = {}
        for name in self.factors:
            if not FACTOR_PATTERN.fullmatch(name):
                raise ValueError(f"factors.{name}: value {json.dumps(name)} is not a plain factor name; allowed an "
                                 "ASCII identifier (letters, digits and '_', not starting with a digit)")
            if name.lower() in reserved:
                raise ValueError(f"factors.{name}: value {json.dumps(name)} is the name of a runs-table column "
                                 f"({reserved[name.lower()]}); allowed a name other than the table's columns: "
                                 f"{', '.join(BOOKKEEPING_COLUMNS)}, the headline results (e.g. "
                                 "peak_unemployment_home, half_outflow_month) and <metric>_final/_mean/_peak of "
                                 "metrics.summary")
            if name.lower() in seen:
                raise ValueError(f"factors.{name}: value {json.dumps(name)} equals factor {seen[name.lower()]!r} "
                                 "ignoring case; allowed factor names that differ other than in case")
            seen[name.lower()] = name
        return self

    @model_validator(mode="after")
    def _factor_keys(self) -> SweepSpec:
        owners: list[tuple[str, str]] = [(key, "set") for key in _leaf_keys(self.set)]
        for name, factor in self.factors.items():
            where = f"factors.{name}"
            mine: list[str] = []
            for key in factor.keys:
                for other in mine:
                    if overlap(key, other):
                        same = "is listed twice" if key == other else f"overlaps {other!r} (one lies under the other)"
                        raise ValueError(f"{where}.keys: value {key!r} {same} in {where}; allowed each parameter "
                                         "key once, none under another")
                for other, owner in owners:
                    if overlap(key, other):
                        same = "is also" if key == other else f"overlaps {other!r},"
                        by = "fixed in set" if owner == "set" else f"set by {owner}"
                        raise ValueError(f"{where}.keys: value {key!r} {same} {by}; allowed a parameter key in "
                                         "one factor or in set only, none under another")
                mine.append(key)
            owners.extend((key, where) for key in mine)
        return self

    @model_validator(mode="after")
    def _probe_columns(self) -> SweepSpec:
        if not self.metrics.probes:
            return self
        from experiments.allocation import MEASURES    # the only probe; imported only when a spec uses it

        taken = {column.lower() for column in (*reserved_columns(self.metrics.summary), *self.factors)}
        clash = [column for column in MEASURES if column.lower() in taken]
        if clash:
            raise ValueError(f"metrics.probes: the allocation probe's column {clash[0]!r} is also a factor or summary "
                             "column; allowed names that differ from the probe's columns")
        return self

    @model_validator(mode="after")
    def _design_fits_factors(self) -> SweepSpec:
        for name, factor in self.factors.items():
            if self.design == "grid" and factor.values is None:
                raise ValueError(f"factors.{name}: a grid design needs values = [...]")
            if self.design != "grid" and factor.values is not None:
                raise ValueError(f"factors.{name}: a {self.design} design needs min and max, not values or "
                                 "named levels (those are for grid designs)")
        if self.design == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"samples: value {self.samples} is not a power of 2; allowed a power of 2 for sobol")
        return self

    def hash(self) -> str:
        """SHA-256 (hex) of everything that maps run ids to runs: the identity of a results folder.

        The spec's canonical JSON (tables with sorted keys, except the factors, whose order sets the
        design's columns and so which run id has which values), plus the resolved scenario the runs start
        from (its parameters, in their own order), not the scenario file's path: the same spec reached
        from another working directory hashes the same, an edited scenario file hashes differently.

        Raises:
            ParameterError: when the scenario cannot be read.
        """
        spec = without_unused_features(self.model_dump(mode="json"))
        factors = spec.pop("factors")
        scenario = spec.pop("scenario")
        spec["scenario"] = "(file)" if is_scenario_path(scenario) else scenario
        canonical = {"spec": _sorted_keys(spec),
                     "factors": [[name, _sorted_keys(factor)] for name, factor in factors.items()],
                     "base": scenario_data(scenario)}
        text = json.dumps(canonical, default=str, allow_nan=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def problem(self) -> dict[str, Any]:
        """The SALib problem of a sampled design."""
        return {"num_vars": len(self.factors), "names": list(self.factors),
                "bounds": [[f.min, f.max] for f in self.factors.values()]}


def without_unused_features(dump: dict[str, Any]) -> dict[str, Any]:
    """A spec's JSON dump without the fields older specs lack when unused (``levels`` None, ``probes`` empty):
    a spec that uses neither hashes, and compares with a stored manifest, as it did before they existed."""
    dump = {**dump, "factors": {name: {k: v for k, v in factor.items() if k != "levels" or v is not None}
                                for name, factor in dump.get("factors", {}).items()}}
    if isinstance(dump.get("metrics"), dict) and not dump["metrics"].get("probes", True):
        dump["metrics"] = {k: v for k, v in dump["metrics"].items() if k != "probes"}
    return dump


def read_spec(path: str | Path, *, allow_large: bool = False) -> SweepSpec:
    """Read and validate a spec file (a path, or the name of a shipped spec), checking every factor value.

    In order: the file (UTF-8 TOML), the spec's structure (fields, names, keys), its scenario and ``set``,
    its size against the work budget (``experiments.budget.check_sweep_size``, skipped with
    ``allow_large``; computed without building the design, so a huge spec is refused at once), then
    every factor value (``check_spec``). Nothing is run or written.

    Raises:
        ParameterError: one line naming the key, the value and what is allowed.
    """
    from experiments.budget import check_sweep_size

    file = Path(path)
    if not file.suffix and not file.exists() and SHIPPED_NAME.fullmatch(str(path)):
        file = SWEEPS_DIR / f"{path}.toml"
    if file.exists() and not file.is_file():
        raise ParameterError(f"sweep spec {str(path)!r} is not a regular file; allowed a TOML file or the name of a "
                             "shipped spec")
    if not file.is_file():
        shipped = ", ".join(sorted(p.stem for p in SWEEPS_DIR.glob("*.toml")))
        raise ParameterError(f"sweep spec {str(path)!r} not found; allowed a TOML file or one of: {shipped}")
    try:
        raw = tomllib.loads(file.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ParameterError(f"sweep spec {file.name}: byte {exc.object[exc.start]:#04x} at offset {exc.start} is not "
                             "UTF-8 text; allowed a UTF-8 TOML file") from None
    except OSError as exc:
        raise ParameterError(f"sweep spec {file.name}: cannot read {file}: {exc.strerror or exc}; "
                             "allowed a readable TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"sweep spec {file.name}: malformed TOML: {exc}") from None
    if isinstance(raw.get("scenario"), str) and is_scenario_path(raw["scenario"]):
        raw["scenario"] = str(file.parent / raw["scenario"])   # a scenario file named relative to the spec
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as exc:
        raise ParameterError(f"sweep spec {file.name}: {_describe(exc.errors()[0])}") from None
    checked_base(spec, file.name)
    check_sweep_size(spec, allow_large=allow_large, label=file.name)
    check_spec(spec, file.name)
    return spec


def _describe(error: dict) -> str:
    key = ".".join(str(part) for part in error["loc"])
    value = error.get("input")
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key; allowed keys: {', '.join(_allowed(error['loc']))}"
    if error["type"] == "missing":
        return f"{key}: missing; allowed {_expected(error['loc'])}"
    if not key or isinstance(value, dict):
        return f"{key + ': ' if key else ''}{message}"
    shown = json.dumps(value) if isinstance(value, (int, float, str, bool, list)) else type(value).__name__
    return f"{key}: value {shown} is invalid; {message}"


def _expected(loc: tuple) -> str:
    """What a missing key of the spec takes, from its field's type."""
    field = SweepSpec.model_fields.get(str(loc[-1])) or Factor.model_fields.get(str(loc[-1]))
    if field is None:
        return "a value"
    return {str: "a non-empty string", int: "an integer"}.get(field.annotation, "a value")


def _allowed(loc: tuple) -> list[str]:
    model: type[BaseModel] = SweepSpec
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        if field is None:
            break
        annotation = field.annotation
        if is_block(annotation):
            model = annotation
        elif part == "factors":
            model = Factor
    return list(model.model_fields)


def spec_base(spec: SweepSpec) -> dict[str, Any]:
    """The parameter dump every run starts from: the scenario plus the spec's fixed ``set`` overrides."""
    base = scenario_data(spec.scenario)
    return merge(base, nest(coerce(base, spec.set))) if spec.set else base


def checked_base(spec: SweepSpec, label: str = "spec") -> dict[str, Any]:
    """``spec_base(spec)``, with its errors as one line: the scenario (missing, not UTF-8, malformed) or ``set``.

    Raises:
        ParameterError: ``sweep spec <label>: scenario '…': …`` or ``sweep spec <label>: set: …``.
    """
    try:
        base = scenario_data(spec.scenario)
    except ParameterError as exc:
        message = str(exc)
        raise ParameterError(f"sweep spec {label}: {'' if message.startswith('scenario') else 'scenario: '}"
                             f"{message}") from None
    try:
        return merge(base, nest(coerce(base, spec.set))) if spec.set else base
    except ParameterError as exc:
        raise ParameterError(f"sweep spec {label}: set: {exc}") from None


def check_spec(spec: SweepSpec, label: str = "spec") -> None:
    """Build the parameters of every factor value (grid) or range end (sampled) on the base scenario."""
    base = checked_base(spec, label)
    try:
        validate(base)
    except ParameterError as exc:
        raise ParameterError(f"sweep spec {label}: set: {exc}") from None
    for name, factor in spec.factors.items():
        probes = factor.values if factor.values is not None else [factor.min, factor.max]
        for value in probes:
            try:
                validate(merge(base, nest(coerce(base, factor.overrides(value)))))
            except ParameterError as exc:
                raise ParameterError(f"sweep spec {label}: factors.{name}: {exc}") from None
    known = set(metric_names(spec))
    for metric in (*spec.metrics.summary, *spec.metrics.series):
        if metric not in known:
            raise ParameterError(f"sweep spec {label}: metrics: {metric!r} is not a model metric; "
                                 f"allowed e.g. unemployment, talent_offshore_share, capital_flight_stock")


def metric_names(spec: SweepSpec) -> list[str]:
    """The metrics a model of this spec's scenario reports."""
    from model.metrics import metric_names as model_metric_names

    return model_metric_names(list(validate(spec_base(spec)).jurisdictions))


def summary_columns(summary: list[str]) -> list[str]:
    """The summary metric columns of a runs table: the headline results and ``<metric>_final/_mean/_peak``
    of each summary metric (as ``experiments.sweep.summarize_run`` writes them)."""
    from model.metrics import HOME_HEADLINE, WORLD_HEADLINE

    headline = [key for key in (*HOME_HEADLINE, *WORLD_HEADLINE) if not key.endswith("_date")]
    stats = [f"{metric}_{stat}" for metric in summary for stat in SUMMARY_STATS]
    return list(dict.fromkeys([*headline, "half_outflow_month", *stats]))


def reserved_columns(summary: list[str]) -> list[str]:
    """Columns a runs table carries besides the factors: bookkeeping and the summary metrics."""
    return list(dict.fromkeys([*BOOKKEEPING_COLUMNS, *summary_columns(summary)]))


def overlap(a: str, b: str) -> bool:
    """Whether two dotted keys set the same parameter, or one lies under the other."""
    return a == b or a.startswith(f"{b}.") or b.startswith(f"{a}.")


def _leaf_keys(values: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted keys of a ``set`` table, nested tables flattened (``{"a": {"b": 1}}`` → ``a.b``)."""
    keys = []
    for key, value in values.items():
        dotted_key = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            keys.extend(_leaf_keys(value, f"{dotted_key}."))
        else:
            keys.append(dotted_key)
    return keys


def _flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A table of overrides with nested tables flattened to dotted keys (``{"a": {"b": 1}}`` → ``{"a.b": 1}``).

    Raises:
        ValueError: a key given twice (``"a.b" = 1`` beside ``a = {b = 2}``).
    """
    flat: dict[str, Any] = {}
    for key, value in values.items():
        inner = _flatten(value, f"{prefix}{key}.") if isinstance(value, dict) and value else {f"{prefix}{key}": value}
        for dotted_key, item in inner.items():
            if dotted_key in flat:
                raise ValueError(f"key {dotted_key!r} is set twice in one level; allowed each key once")
            flat[dotted_key] = item
    return flat


def _sorted_keys(value: Any) -> Any:
    """``value`` with every dict's keys in sorted order (lists keep theirs)."""
    if isinstance(value, dict):
        return {key: _sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(item) for item in value]
    return value


# --------------------------------------------------------------------------- designs


def run_count(spec: SweepSpec) -> int:
    """How many runs the spec makes, computed without building its design (``len(run_table(spec))``)."""
    d = len(spec.factors)
    if spec.design == "grid":
        points = math.prod(len(factor.values or ()) for factor in spec.factors.values())
    elif spec.design == "lhs":
        points = spec.samples
    elif spec.design == "sobol":
        points = spec.samples * (2 * d + 2)
    else:
        points = spec.samples * (d + 1)
    return points * spec.replicates


def design_points(spec: SweepSpec) -> pd.DataFrame:
    """One row per design point, one column per factor (values as the runs will use them)."""
    names = list(spec.factors)
    if spec.design == "grid":
        grid = list(itertools.product(*(spec.factors[n].values for n in names)))
        return pd.DataFrame({name: [point[i] for point in grid] for i, name in enumerate(names)})
    problem = spec.problem()
    if spec.design == "lhs":
        from SALib.sample import latin

        sample = latin.sample(problem, spec.samples, seed=spec.seed)
    elif spec.design == "sobol":
        from SALib.sample import sobol

        sample = sobol.sample(problem, spec.samples, calc_second_order=True, seed=spec.seed)
    else:
        from SALib.sample import morris

        sample = morris.sample(problem, spec.samples, seed=spec.seed)
    return pd.DataFrame(np.asarray(sample, dtype=float), columns=names)


def run_table(spec: SweepSpec) -> pd.DataFrame:
    """Every run: run id, design point, replicate, seed and factor values (run id = point × replicates + replicate)."""
    points = design_points(spec)
    runs = points.loc[points.index.repeat(spec.replicates)].reset_index(names="point")
    runs.insert(0, "run_id", np.arange(len(runs)))
    runs.insert(2, "replicate", np.tile(np.arange(spec.replicates), len(points)))
    runs.insert(3, "seed", [run_seed(spec.seed, i) for i in runs["run_id"]])
    return runs


def run_seed(root: int, run_id: int) -> int:
    """The model seed of run ``run_id``: independent of worker count, executor and completion order."""
    return int(np.random.SeedSequence(root, spawn_key=(int(run_id),)).generate_state(1, dtype=np.uint64)[0] >> 1)


def run_overrides(spec: SweepSpec, row: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """Dotted-key parameter overrides of one run, typed like the parameters they set."""
    values: dict[str, Any] = {}
    for name, factor in spec.factors.items():
        value = row[name]
        values.update(factor.overrides(value.item() if hasattr(value, "item") else value))
    return coerce(base, values)


def coerce(base: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Round sampled values for integer parameters and widen integers for float ones (validation is strict)."""
    out = {}
    for key, value in values.items():
        current: Any = base
        for part in key.split("."):
            current = current.get(part) if isinstance(current, dict) else None
        if isinstance(current, bool) or isinstance(value, bool):
            out[key] = value
        elif isinstance(current, int) and isinstance(value, float) and math.isfinite(value):
            out[key] = int(round(value))
        elif isinstance(current, float) and isinstance(value, int):
            out[key] = float(value)
        else:
            out[key] = value
    return out
