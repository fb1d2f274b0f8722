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

    [metrics]
    summary = ["unemployment", "talent_offshore_share"]   # final, mean and peak per run
    series = ["unemployment"]                              # kept month by month

Every factor value (grid values, or both ends of a range) is checked by building the parameters
it produces, so a bad spec fails before any run starts, with one line naming key, value and what
is allowed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tomllib
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from experiments.scenarios import ParameterError, is_scenario_path, merge, nest, scenario_data, validate
from model.parameters import check_month, is_block

SWEEPS_DIR = Path(__file__).parent / "sweeps"
DESIGNS = ("grid", "lhs", "sobol", "morris")


class Factor(BaseModel):
    """One swept quantity: the parameter keys it sets and the values (grid) or range (sampled designs)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    keys: list[str] = Field(min_length=1)
    values: list[Any] | None = None
    min: float | None = None
    max: float | None = None
    at: str | None = None
    announce_months: int = Field(0, ge=0, le=120)

    _month = field_validator("at")(classmethod(lambda cls, v: v if v is None else check_month(v)))

    @model_validator(mode="after")
    def _values_or_range(self) -> Factor:
        if self.values is None and (self.min is None or self.max is None):
            raise ValueError("give either values = [...] or both min and max")
        if self.values is not None and (self.min is not None or self.max is not None):
            raise ValueError("give either values or min/max, not both")
        if self.values is not None and not self.values:
            raise ValueError("values must not be empty")
        if self.min is not None and self.max is not None and not self.min < self.max:
            raise ValueError(f"min {self.min} must be below max {self.max}")
        return self

    def overrides(self, value: Any) -> dict[str, Any]:
        """Dotted-key overrides setting every key to ``value`` (as a dated lever change when ``at`` is set)."""
        if self.at is not None:
            value = [{"at": self.at, "value": value, "announce_months": self.announce_months}]
        return {key: value for key in self.keys}


class Metrics(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    summary: list[str] = Field(default_factory=lambda: ["unemployment", "talent_offshore_share"])
    series: list[str] = Field(default_factory=list)


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

    @model_validator(mode="after")
    def _design_fits_factors(self) -> SweepSpec:
        for name, factor in self.factors.items():
            if self.design == "grid" and factor.values is None:
                raise ValueError(f"factors.{name}: a grid design needs values = [...]")
            if self.design != "grid" and factor.values is not None:
                raise ValueError(f"factors.{name}: a {self.design} design needs min and max, not values")
        if self.design == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"samples: value {self.samples} is not a power of 2; allowed a power of 2 for sobol")
        return self

    def hash(self) -> str:
        """SHA-256 of the spec's canonical JSON: the identity of a results folder."""
        return hashlib.sha256(json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()

    def problem(self) -> dict[str, Any]:
        """The SALib problem of a sampled design."""
        return {"num_vars": len(self.factors), "names": list(self.factors),
                "bounds": [[f.min, f.max] for f in self.factors.values()]}


def read_spec(path: str | Path) -> SweepSpec:
    """Read and validate a spec file (a path, or the name of a shipped spec), checking every factor value.

    Raises:
        ParameterError: one line naming the key, the value and what is allowed.
    """
    file = Path(path)
    if not file.suffix and not file.exists():
        file = SWEEPS_DIR / f"{path}.toml"
    if not file.is_file():
        shipped = ", ".join(sorted(p.stem for p in SWEEPS_DIR.glob("*.toml")))
        raise ParameterError(f"sweep spec {str(path)!r} not found; allowed a TOML file or one of: {shipped}")
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"sweep spec {file.name}: malformed TOML: {exc}") from None
    if isinstance(raw.get("scenario"), str) and is_scenario_path(raw["scenario"]):
        raw["scenario"] = str(file.parent / raw["scenario"])   # a scenario file named relative to the spec
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as exc:
        raise ParameterError(f"sweep spec {file.name}: {_describe(exc.errors()[0])}") from None
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


def check_spec(spec: SweepSpec, label: str = "spec") -> None:
    """Build the parameters of every factor value (grid) or range end (sampled) on the base scenario."""
    try:
        base = spec_base(spec)
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


# --------------------------------------------------------------------------- designs


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
