"""Agents as thin views on their population's arrays.

Each agent type keeps its state in a population object holding one numpy array per attribute
(struct of arrays). The ``mesa.Agent`` objects are real agents in ``model.agents`` whose
attributes read and write their row, so Mesa's tools keep working while behaviour runs
vectorised over the arrays (docs/PERFORMANCE.md measures what this buys).
"""

from __future__ import annotations

import mesa
import numpy as np


def column(name: str, doc: str = "") -> property:
    """A property reading and writing ``population.<name>[row]``."""

    def get(self):
        value = getattr(self.population, name)[self.row]
        return value.item() if isinstance(value, np.generic) else value

    def set_(self, value):
        getattr(self.population, name)[self.row] = value

    return property(get, set_, doc=doc or name)


class ArrayAgent(mesa.Agent):
    """A Mesa agent whose state is row ``row`` of ``population``."""

    def __init__(self, model: mesa.Model, population, row: int):
        super().__init__(model)
        self.population = population
        self.row = row

    def step(self) -> None:
        """Agents do not step one by one: the model runs their behaviour over the arrays."""


def make_views(cls: type[ArrayAgent], model: mesa.Model, population, n: int) -> list[ArrayAgent]:
    return [cls(model, population, row) for row in range(n)]
