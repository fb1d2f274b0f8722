"""Capital allocators: index funds, venture (2-and-20), state tournament planners and sovereign funds."""

from __future__ import annotations

import numpy as np

from agents.views import ArrayAgent, column
from model.parameters import ALLOCATOR_KINDS

INDEX, VENTURE, TOURNAMENT, SOVEREIGN = range(len(ALLOCATOR_KINDS))


class AllocatorPopulation:
    """State of all allocators; ``stakes[a, f]`` is allocator a's invested capital in firm f."""

    def __init__(self, jurisdiction: np.ndarray, kind: np.ndarray, n_firms: int, n_jurisdictions: int):
        n = len(jurisdiction)
        self.jurisdiction = jurisdiction.astype(np.intp)
        self.kind = kind.astype(np.intp)
        self.cash = np.zeros(n)
        self.stakes = np.zeros((n, n_firms))
        self.offshore = np.zeros((n, n_jurisdictions))   # money moved out, by where it is held
        self.fees = np.zeros(n)                           # fees charged this month
        self.income = np.zeros(n)                         # dividends received this month

    def __len__(self) -> int:
        return len(self.jurisdiction)

    @property
    def invested(self) -> np.ndarray:
        return self.stakes.sum(axis=1)


class CapitalAllocator(ArrayAgent):
    """An allocator of one kind in one jurisdiction (model/finance.py, model/capital_flight.py)."""

    jurisdiction = column("jurisdiction")
    kind = column("kind", "0 index, 1 venture, 2 tournament, 3 sovereign")
    cash = column("cash", "k$")
    fees = column("fees", "k$ charged this month")

    @property
    def kind_name(self) -> str:
        return ALLOCATOR_KINDS[self.kind]

    @property
    def invested(self) -> float:
        return float(self.population.stakes[self.row].sum())

    @property
    def offshore(self) -> float:
        return float(self.population.offshore[self.row].sum())
