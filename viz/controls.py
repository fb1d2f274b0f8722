"""The dashboard's controls, described from the parameter tree: label, unit, range and type of each.

Nothing here keeps a second copy of a range or a unit: each control looks its field up in
``model.parameters`` (a lever's range is its ``lever_range``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from model.parameters import Jurisdiction, Parameters, field_bounds

# The four levers, grouped as the dashboard shows them. Levers marked live move while the model runs
# (a dated change from the next month); the CBDC's start and adoption speed are settings: they take
# effect when the model is reset.
LEVER_GROUPS: dict[str, tuple[str, ...]] = {
    "Robots": ("robot_tax", "robot_adoption", "robot_cap"),
    "Capital controls": ("capital_controls",),
    "CBDC": ("cbdc_start", "cbdc_adoption_speed", "cbdc_surveillance"),
    "Carried interest": ("carry_tax",),
}

RESPONSES = ("government.populist_response", "government.lockin_response")

BEHAVIOUR = (
    "talent.beta_income", "talent.home_bias", "talent.reconsider_rate", "talent.lockin_populism",
    "talent.beta_anticipation", "politics.grievance_unemployed", "politics.takeover_populism",
    "technology.humanoid_speed", "technology.robot_price_decline", "technology.adoption_speed",
    "labour.wage_down", "firms.productivity_dispersion",
)


@dataclass(frozen=True)
class Control:
    """One control: its parameter key (``jurisdictions.*.x`` for a jurisdiction's field), text and range."""

    key: str
    name: str
    description: str
    unit: str
    kind: str               # "float", "int", "bool" or "month"
    lo: float | None = None
    hi: float | None = None
    lever: bool = False     # a live lever (LeverPath): moves while the model runs

    @property
    def label(self) -> str:
        """The control's label: its name and unit."""
        return f"{self.name.replace('_', ' ')} ({self.unit})" if self.unit not in ("flag", "") else self.name.replace("_", " ")

    def jurisdiction_key(self, jurisdiction: str) -> str:
        return self.key.replace("*", jurisdiction)

    def step(self) -> float:
        """A slider step: a power of ten about a thousandth of the range (whole numbers for integers), so
        round values such as the defaults lie on the slider's grid."""
        if self.kind == "int":
            return 1
        span = (self.hi or 1.0) - (self.lo or 0.0)
        return 10.0 ** (math.floor(math.log10(span)) - 3)

    def value(self, params: Parameters, jurisdiction: str | None = None) -> Any:
        """The control's current value in ``params`` (a lever's starting value)."""
        node: Any = params
        for part in self.jurisdiction_key(jurisdiction or "").split("."):
            node = node[part] if isinstance(node, dict) else getattr(node, part)
        return node.initial if self.lever else node


def control(key: str) -> Control:
    """The control for a dotted parameter key (``jurisdictions.*.lever`` for a jurisdiction's field)."""
    parts = key.split(".")
    model: type[BaseModel] = Parameters
    if parts[0] == "jurisdictions":
        model, parts = Jurisdiction, parts[2:]
    for part in parts[:-1]:
        model = model.model_fields[part].annotation  # type: ignore[assignment]
    info = model.model_fields[parts[-1]]
    extra = info.json_schema_extra or {}
    unit = str(extra.get("unit", ""))
    if "lever_range" in extra:
        lo, hi = extra["lever_range"]
        return Control(key, parts[-1], info.description or "", unit, "float", lo, hi, lever=True)
    annotation = info.annotation
    kind = {bool: "bool", int: "int", float: "float"}.get(annotation, "month" if unit == "month" else "text")
    lo, hi = field_bounds(info)
    return Control(key, parts[-1], info.description or "", unit, kind, lo, hi)


def lever_controls() -> dict[str, list[Control]]:
    """The four levers' controls, by group."""
    return {group: [control(f"jurisdictions.*.{name}") for name in names] for group, names in LEVER_GROUPS.items()}


def response_controls() -> list[Control]:
    return [control(key) for key in RESPONSES]


def behaviour_controls() -> list[Control]:
    return [control(key) for key in BEHAVIOUR]


def population_control(name: str) -> Control:
    return control(f"population.{name}")
