"""Workers: the labour force, by jurisdiction, skill and sector."""

from __future__ import annotations

import numpy as np

from agents.views import ArrayAgent, column


class WorkerPopulation:
    """State of all workers as arrays; each row stands for ``weight`` people.

    Money amounts are per person (k$); aggregates are weighted by ``weight``.
    """

    def __init__(self, jurisdiction: np.ndarray, skill: np.ndarray, sector: np.ndarray, weight: np.ndarray):
        n = len(jurisdiction)
        self.jurisdiction = jurisdiction.astype(np.intp)
        self.skill = skill.astype(np.intp)
        self.sector = sector.astype(np.intp)
        self.weight = weight.astype(float)
        self.employed = np.zeros(n, dtype=bool)
        self.employer = np.full(n, -1, dtype=np.intp)
        self.job_skill = np.full(n, -1, dtype=np.intp)   # skill level of the job held (≤ skill), -1 if none
        self.wage = np.zeros(n)
        self.last_wage = np.zeros(n)
        self.savings = np.zeros(n)
        self.months_unemployed = np.zeros(n, dtype=np.intp)
        self.displaced = np.zeros(n, dtype=bool)
        self.grievance = np.zeros(n)
        self.income = np.zeros(n)

        order = np.diff(self.jurisdiction)
        if (order < 0).any():
            raise ValueError("workers must be grouped by jurisdiction (they never move)")
        self.jurisdiction_starts = np.flatnonzero(np.r_[True, order > 0])

    def __len__(self) -> int:
        return len(self.jurisdiction)

    def by_jurisdiction(self, values: np.ndarray) -> np.ndarray:
        """Sum ``values`` over the workers of each jurisdiction.

        Workers are stored grouped by jurisdiction, so this is a contiguous reduction, several times
        faster than a scatter (``np.bincount``) over a million rows.
        """
        return np.add.reduceat(np.asarray(values, dtype=float), self.jurisdiction_starts)


class Worker(ArrayAgent):
    """A worker (or many identical ones: see ``weight``).

    Searches for work in its jurisdiction and skill market (and one level down), consumes out of income and
    savings, draws benefits when unemployed and accumulates grievance (model/labour_market.py,
    model/goods_market.py, model/politics.py).
    """

    jurisdiction = column("jurisdiction", "index of the jurisdiction")
    skill = column("skill", "0 low, 1 medium (white-collar), 2 high")
    sector = column("sector", "sector of the current or last job")
    weight = column("weight", "people this agent stands for")
    employed = column("employed")
    employer = column("employer", "firm row, -1 when unemployed")
    job_skill = column("job_skill", "skill level of the job held (may be below the worker's own), -1 when unemployed")
    wage = column("wage", "monthly wage, k$")
    savings = column("savings", "k$ per person")
    months_unemployed = column("months_unemployed")
    displaced = column("displaced", "laid off by automation")
    grievance = column("grievance", "0..1")
