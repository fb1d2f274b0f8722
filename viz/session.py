"""One dashboard session: its model, the settings it was built from, the interventions made while it
runs, the history the plots draw, and the export that reproduces it.

Nothing here imports Solara, so the logic the dashboard relies on is tested without a browser.

Settings (preset, overrides, seed, scale) take effect when the model is (re)built. A lever moved
before the first month changes the lever's starting value and rebuilds the model; a lever moved
while the model runs takes effect from the next month and is recorded as a dated change of the
lever's path (announced the month it takes effect), exactly as a scenario file would schedule it.
So ``export_scenario`` writes a scenario that ``whoosh run --scenario FILE --seed S --steps N``
reproduces month by month.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from experiments.scenarios import ParameterError, deep_update, nest, read_scenario, resolve_parameters, scenario_label
from model.door import lockin_now
from model.domain import N_SKILLS, SECTORS, SKILLS
from model.economy import WhooshModel, month_label
from model.levers import LEVERS
from model.parameters import Jurisdiction, LeverChange, Parameters

DEFAULT_SCALE = 0.2   # about 2,000 worker agents and the 20,000-agent talent floor: a step takes ~20 ms


@dataclass
class Settings:
    """What a model is built from: a preset, dotted-key overrides, the seed and the scale."""

    scenario: str = "baseline"
    overrides: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    scale: float = DEFAULT_SCALE

    def sets(self) -> list[str]:
        """The overrides as ``key=value`` strings (TOML values), scale last."""
        return [*(f"{key}={toml_value(value)}" for key, value in self.overrides.items()),
                f"population.scale={toml_value(self.scale)}"]

    def parameters(self) -> Parameters:
        return resolve_parameters(self.scenario, self.sets())


def toml_value(value: Any) -> str:
    """``value`` as a TOML literal (for ``key=value`` overrides)."""
    return tomli_w.dumps({"v": value}).partition("=")[2].strip()


@dataclass(frozen=True)
class Intervention:
    """A lever moved while the model ran: from ``at`` (YYYY-MM) the lever takes ``value``."""

    jurisdiction: str
    lever: str
    at: str
    value: float


class History:
    """Every metric month by month, appended in place (amortised O(1) per step, no frame rebuilt)."""

    def __init__(self, names: list[str], capacity: int = 128):
        self.names = list(names)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.data = np.zeros((capacity, len(self.names)))
        self.length = 0

    def append(self, values: dict[str, float]) -> None:
        if self.length == len(self.data):
            self.data = np.concatenate([self.data, np.zeros_like(self.data)])
        self.data[self.length] = [values[name] for name in self.names]
        self.length += 1

    def __getitem__(self, name: str) -> np.ndarray:
        return self.data[: self.length, self.index[name]]

    def __contains__(self, name: str) -> bool:
        return name in self.index


class Session:
    """A model and everything the dashboard shows of it. Thread-safe: ``lock`` guards the model.

    Args:
        settings: what to build the model from.
    """

    def __init__(self, settings: Settings | None = None):
        self.lock = threading.RLock()
        self.model: WhooshModel | None = None
        self.generation = 0      # counts rebuilds: plots that draw incrementally restart when it changes
        self.reset(settings or Settings())

    # ------------------------------------------------------------------ building

    def reset(self, settings: Settings | None = None) -> None:
        """(Re)build the model from ``settings`` (default: the current ones); interventions are cleared."""
        with self.lock:
            settings = settings if settings is not None else self.settings
            params = settings.parameters()          # raises ParameterError on a bad setting, model untouched
            self.close()
            self.settings = settings
            self.params = params
            self.model = WhooshModel(params, seed=settings.seed)
            self.generation += 1
            self.names = list(self.model.structure.names)
            self.interventions: list[Intervention] = []
            extra = [f"unemployment_{s}_{j}" for j in self.names for s in SKILLS]
            extra += [f"lockin_{j}" for j in self.names] + [f"real_consumption_{j}" for j in self.names]
            self.history = History(["step", *self.model.metrics.names(), *extra])
            self.moves_month = np.zeros((len(self.names), len(self.names)))
            self.moves_total = np.zeros_like(self.moves_month)
            self.followed: dict[tuple[str, int], list[dict[str, Any]]] = {}

    def close(self) -> None:
        """Free the model (Mesa keeps a registry of models with agents)."""
        with self.lock:
            if self.model is not None:
                self.model.close()
                self.model = None

    @property
    def steps(self) -> int:
        return self.model.steps if self.model is not None else 0

    @property
    def date(self) -> str:
        """The month the model has reached (the last simulated), or the start month before the first step."""
        return self.model.date if self.model is not None else self.params.start

    @property
    def next_month(self) -> str:
        """The month the next step simulates."""
        return month_label(self.model.state.start_month + self.model.steps)

    # ------------------------------------------------------------------ stepping

    def step(self, months: int = 1) -> None:
        """Advance the model ``months`` months and record what the pages draw."""
        with self.lock:
            for _ in range(months):
                before = self.model.talent.location.copy()
                self.model.step()
                self._record(before)

    def _record(self, location_before: np.ndarray) -> None:
        model, state = self.model, self.model.state
        values = dict(model.metrics.values)
        values["step"] = float(model.steps)
        w, J = model.workers, len(self.names)
        cell = w.jurisdiction * N_SKILLS + w.skill
        labour = np.bincount(cell, weights=w.weight, minlength=J * N_SKILLS)
        unemployed = np.bincount(cell, weights=w.weight * ~w.employed, minlength=J * N_SKILLS)
        rate = np.divide(unemployed, labour, out=np.zeros_like(labour), where=labour > 0).reshape(J, N_SKILLS)
        lockin = lockin_now(state, self.params)
        consumption = model.last_month.flows["consumption"] / model.gov.price_index   # at start-month prices
        for j, name in enumerate(self.names):
            for k, skill in enumerate(SKILLS):
                values[f"unemployment_{skill}_{name}"] = rate[j, k]
            values[f"lockin_{name}"] = lockin[j]
            values[f"real_consumption_{name}"] = consumption[j]
        self.history.append(values)
        t = model.talent
        moved = t.location != location_before
        self.moves_month = np.bincount(location_before[moved] * J + t.location[moved], weights=t.weight[moved],
                                       minlength=J * J).reshape(J, J)
        self.moves_total += self.moves_month
        for (kind, row), track in self.followed.items():
            track.append(agent_state(model, kind, row))

    # ------------------------------------------------------------------ levers and settings

    def lever_value(self, jurisdiction: str, lever: str) -> float:
        """The lever's value for the next month to run (its starting value before the first month)."""
        j = self.names.index(jurisdiction)
        return float(self.model.state.levers.current(lever, self.steps)[j])

    def set_lever(self, jurisdiction: str, lever: str, value: float) -> None:
        """Move a lever: before the first month it sets the starting value (and rebuilds the model);
        afterwards it takes effect from the next month and is recorded as a dated change."""
        if lever not in LEVERS:
            raise ParameterError(f"unknown lever {lever!r}; allowed: {', '.join(LEVERS)}")
        if jurisdiction not in self.params.jurisdictions:
            raise ParameterError(f"unknown jurisdiction {jurisdiction!r}; allowed: {', '.join(self.params.jurisdictions)}")
        lo, hi = Jurisdiction.model_fields[lever].json_schema_extra["lever_range"]
        if not lo <= value <= hi:
            raise ParameterError(f"jurisdictions.{jurisdiction}.{lever}: value {value:g} is out of range; allowed {lo:g} to {hi:g}")
        with self.lock:
            if self.steps == 0:
                self.reset(self.with_override(f"jurisdictions.{jurisdiction}.{lever}", float(value)))
                return
            at = self.next_month
            path = getattr(self.params.jurisdictions[jurisdiction], lever)
            kept = [c for c in path.changes if c.at != at]
            path.changes = [*kept, LeverChange(at=at, value=float(value))]   # validated: in range, in date order
            self.model.state.levers.tabulate(self.model.state.levers.months)
            self.interventions = [i for i in self.interventions
                                  if (i.jurisdiction, i.lever, i.at) != (jurisdiction, lever, at)]
            self.interventions.append(Intervention(jurisdiction, lever, at, float(value)))

    def with_override(self, key: str, value: Any) -> Settings:
        """The current settings with one more override."""
        s = self.settings
        return Settings(s.scenario, {**s.overrides, key: value}, s.seed, s.scale)

    # ------------------------------------------------------------------ following agents

    def follow(self, kind: str, row: int) -> None:
        """Record one agent's state every month from now on."""
        with self.lock:
            self.followed.setdefault((kind, row), [agent_state(self.model, kind, row)])

    # ------------------------------------------------------------------ export

    def scenario_table(self) -> dict[str, Any]:
        """A scenario file's table: the preset's parameters, the overrides and the recorded changes."""
        preset = read_scenario(self.settings.scenario)
        parameters: dict[str, Any] = {}
        deep_update(parameters, preset.parameters)
        deep_update(parameters, nest(self.settings.overrides))
        for name, jurisdiction in self.params.jurisdictions.items():
            for lever in LEVERS:
                path = getattr(jurisdiction, lever)
                if path.changes:
                    table = {"initial": path.initial,
                             "changes": [c.model_dump() for c in path.changes]}
                    deep_update(parameters, {"jurisdictions": {name: {lever: table}}})
        deep_update(parameters, {"population": {"scale": self.settings.scale}})
        label = scenario_label(self.settings.scenario)
        moves = "; ".join(f"{i.at} {i.jurisdiction}.{i.lever} = {i.value:g}" for i in self.interventions) or "none"
        table = {
            "name": f"{label}-dashboard",
            "description": (f"Exported from the dashboard: preset {label!r}, seed {self.settings.seed}, scale "
                            f"{self.settings.scale:g}, {self.steps} months. Interventions: {moves}."),
        }
        if preset.replace_jurisdictions:
            table["replace_jurisdictions"] = True
        table["parameters"] = parameters
        return table

    def export_scenario(self) -> str:
        """The scenario TOML that reproduces this run (with the seed and number of months in its description)."""
        return tomli_w.dumps(self.scenario_table())

    def reproduce_command(self, path: str = "exported.toml") -> str:
        return f"whoosh run --scenario {path} --seed {self.settings.seed} --steps {self.steps}"

    def metrics_frame(self) -> pd.DataFrame:
        with self.lock:
            return self.model.metrics_frame()

    def metrics_csv(self) -> bytes:
        return self.metrics_frame().to_csv(index=False).encode()

    def metrics_parquet(self) -> bytes:
        buffer = io.BytesIO()
        self.metrics_frame().to_parquet(buffer, index=False)
        return buffer.getvalue()


# --------------------------------------------------------------------------- agents

AGENT_KINDS = ("workers", "firms", "talent")


def agent_state(model: WhooshModel, kind: str, row: int) -> dict[str, Any]:
    """One agent's state this month, as plain values (one row of ``agent_table``)."""
    state = agent_table(model, kind, np.array([row])).iloc[0]
    return {"month": model.date if model.steps else "start",
            **{key: value.item() if hasattr(value, "item") else value for key, value in state.items()}}


def agent_table(model: WhooshModel, kind: str, rows: np.ndarray) -> pd.DataFrame:
    """The state of a sample of agents of one kind, one row each."""
    names = np.array(model.structure.names)
    if kind == "workers":
        w = model.workers
        columns = dict(jurisdiction=names[w.jurisdiction[rows]], skill=np.array(SKILLS)[w.skill[rows]],
                       employed=w.employed[rows], employer=w.employer[rows], wage=w.wage[rows],
                       savings=w.savings[rows], grievance=w.grievance[rows], displaced=w.displaced[rows])
    elif kind == "firms":
        f = model.firms
        columns = dict(jurisdiction=names[f.jurisdiction[rows]], sector=np.array(SECTORS)[f.sector[rows]], alive=f.alive[rows],
                       productivity=f.productivity[rows], staff=f.workers[rows].sum(axis=1), robots=f.robots[rows],
                       price=f.price[rows], cash=f.cash[rows], debt=f.debt[rows])
    elif kind == "talent":
        t = model.talent
        columns = dict(home=names[t.home[rows]], location=names[t.location[rows]], employer=t.employer[rows],
                       productivity=t.productivity[rows], liquid=t.liquid[rows], illiquid=t.illiquid[rows])
    else:
        raise ValueError(f"unknown agent kind {kind!r}; allowed: {', '.join(AGENT_KINDS)}")
    return pd.DataFrame({"row": rows, **columns})


def agent_sample(model: WhooshModel, kind: str, size: int = 200) -> np.ndarray:
    """Rows of a fixed, evenly spaced sample of agents of ``kind`` (no random draw: the model's stream is untouched)."""
    n = {"workers": len(model.workers), "firms": len(model.firms), "talent": len(model.talent)}[kind]
    return np.unique(np.linspace(0, n - 1, num=min(size, n)).astype(int))
