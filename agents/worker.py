"""Workers: the labour force, by jurisdiction, skill and sector."""

from __future__ import annotations

from agents.views import ArrayAgent, column
from model.populations import WorkerPopulation


class Worker(ArrayAgent):
    """A worker (or many identical ones: see ``weight``).

    Searches for work in its jurisdiction and skill market (and one level down), consumes out of income and
    savings, draws benefits when unemployed and accumulates grievance (model/phases/labour_market.py,
    model/phases/incomes.py, model/phases/goods_market.py, model/phases/politics.py).
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
    displaced = column("displaced", "laid off by automation")
    grievance = column("grievance", "0..1")
