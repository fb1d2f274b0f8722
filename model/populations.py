"""The agents' state as arrays: one population object per agent type, one numpy array per attribute.

Behaviour runs vectorised over these arrays (struct of arrays); the ``mesa.Agent`` objects in
``agents/`` are thin views on one row each. Money amounts of workers and talent are per person
(k$) and each row stands for ``weight`` people; firms' and allocators' amounts are totals.
"""

from __future__ import annotations

import numpy as np

from model.domain import N_SKILLS

NEVER = 10**9   # a step no run reaches: nothing announced or scheduled


class WorkerPopulation:
    """All workers; stored grouped by jurisdiction (workers never move)."""

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

    def separate(self, rows: np.ndarray) -> None:
        """Workers in ``rows`` lose their jobs; they keep their last wage for benefits."""
        self.employed[rows] = False
        self.employer[rows] = -1
        self.job_skill[rows] = -1
        self.last_wage[rows] = self.wage[rows]
        self.wage[rows] = 0.0


class FirmPopulation:
    """All firm slots. Dead slots (``alive`` False) are refilled by entry; stored grouped by jurisdiction."""

    def __init__(self, jurisdiction: np.ndarray, sector: np.ndarray, kind: np.ndarray):
        n = len(jurisdiction)
        self.jurisdiction = jurisdiction.astype(np.intp)
        self.sector = sector.astype(np.intp)
        self.kind = kind.astype(np.intp)
        self.alive = np.zeros(n, dtype=bool)
        self.workers = np.zeros((n, N_SKILLS))   # people employed by skill of the job
        self.robot_share = np.zeros(n)           # share of low-skill tasks done by robots
        self.ai_share = np.zeros(n)              # share of white-collar tasks done by AI services
        self.robots = np.zeros(n)                # robots (each does technology.workers_per_robot workers' tasks)
        self.ai_services = np.zeros(n)           # AI-service units bought this month
        self.tasks = np.zeros(n)                 # task-months demanded (scale of the firm)
        self.capital = np.zeros(n)               # equity raised, k$
        self.cash = np.zeros(n)
        self.debt = np.zeros(n)
        self.price = np.ones(n)
        self.output = np.zeros(n)
        self.sales = np.zeros(n)
        self.expected_sales = np.zeros(n)
        self.profit = np.zeros(n)
        self.valuation = np.zeros(n)
        self.tournament_weight = np.ones(n)      # funding weight set by tournament reviews
        # heterogeneity (model/phases/firm_productivity.py): output per task relative to the sector's
        self.log_efficiency = np.zeros(n)        # persistent own productivity, log, AR(1) (mean-one multiplier)
        self.productivity = np.ones(n)           # productivity multiplier in force (bits firms: times their talent's)
        self.appeal = np.ones(n)                 # demand shifter: the firm's weight with buyers at equal prices
        self.signal_error = np.zeros(n)          # venture due diligence's persistent error on log productivity (sd 1)

    def __len__(self) -> int:
        return len(self.jurisdiction)

    def job_cells(self) -> np.ndarray:
        """(F, K) index of each firm's job market: jurisdiction × N_SKILLS + skill."""
        return self.jurisdiction[:, None] * N_SKILLS + np.arange(N_SKILLS)

    def staffed(self) -> np.ndarray:
        """(F,) whether each firm has any staff (headcounts are never negative)."""
        return (self.workers[:, 0] + self.workers[:, 1] + self.workers[:, 2]) > 0

    def market_headcount(self, n_markets: int) -> np.ndarray:
        """People employed per (jurisdiction, job skill) market."""
        return np.bincount(self.job_cells().ravel(), weights=self.workers.ravel(), minlength=n_markets)

    def add_headcount(self, cells: np.ndarray, people: np.ndarray) -> None:
        """Add ``people`` to firm-skill ``cells`` (firm × N_SKILLS + skill)."""
        self.workers += np.bincount(cells, weights=people, minlength=len(self) * N_SKILLS).reshape(len(self), N_SKILLS)

    def count_headcount(self, workers: WorkerPopulation) -> None:
        """Recount every firm's staff by skill from the workers' employers."""
        emp = workers.employed
        cells = workers.employer[emp] * N_SKILLS + workers.job_skill[emp]
        self.workers[:] = np.bincount(cells, weights=workers.weight[emp],
                                      minlength=len(self) * N_SKILLS).reshape(len(self), N_SKILLS)


class TalentPopulation:
    """All AI talent; each row stands for ``weight`` people (money per person)."""

    def __init__(self, home: np.ndarray, productivity: np.ndarray, weight: np.ndarray):
        n = len(home)
        self.home = home.astype(np.intp)
        self.location = home.astype(np.intp, copy=True)
        self.productivity = productivity.astype(float)
        self.weight = weight.astype(float)
        self.liquid = np.zeros(n)
        self.illiquid = np.zeros(n)
        self.trapped = np.zeros(n)               # wealth left behind, blocked at ``trapped_in``
        self.trapped_in = home.astype(np.intp, copy=True)
        self.employer = np.full(n, -1, dtype=np.intp)
        self.pay = np.zeros(n)

    def __len__(self) -> int:
        return len(self.home)


class AllocatorPopulation:
    """All capital allocators; ``stakes[a, f]`` is allocator a's shares in firm f.

    A firm's shares are issued at its value (model/phases/capital_allocation.py: ``share_prices``), so
    new money buys a claim on the firm's dividends in proportion to what it pays, not to the firm's
    book capital.
    """

    def __init__(self, jurisdiction: np.ndarray, kind: np.ndarray, firm_jurisdiction: np.ndarray, n_jurisdictions: int):
        n = len(jurisdiction)
        self.jurisdiction = jurisdiction.astype(np.intp)
        self.kind = kind.astype(np.intp)
        self.cash = np.zeros(n)
        self.stakes = np.zeros((n, len(firm_jurisdiction)))
        self.committed = np.zeros(n)                      # money invested in firms (cost basis), k$
        self.fees = np.zeros(n)                           # fees charged this month
        self.income = np.zeros(n)                         # dividends received this month
        self.firm_jurisdiction = firm_jurisdiction.astype(np.intp)
        self.n_jurisdictions = n_jurisdictions

    def __len__(self) -> int:
        return len(self.jurisdiction)

    def holdings(self, share_price: np.ndarray) -> np.ndarray:
        """(A,) value of each allocator's shares at ``share_price`` (F,)."""
        return self.stakes @ share_price

    def holdings_by_jurisdiction(self, share_price: np.ndarray) -> np.ndarray:
        """(A, J) value of each allocator's shares, by the jurisdiction of the firms held."""
        return self.stakes @ (share_price[:, None] * np.eye(self.n_jurisdictions)[self.firm_jurisdiction])


class GovernmentPopulation:
    """Governments and central banks: one row per jurisdiction."""

    def __init__(self, n: int):
        self.cash = np.zeros(n)
        self.policy_rate = np.zeros(n)
        self.inflation = np.zeros(n)
        self.price_index = np.ones(n)
        self.revenue = np.zeros(n)
        self.debt = np.zeros(n)
        self.populism = np.zeros(n)
        self.violence_risk = np.zeros(n)
        self.cbdc_adoption = np.zeros(n)
        # lever values in force this month (schedule plus endogenous responses)
        self.robot_tax = np.zeros(n)
        self.robot_adoption = np.ones(n)
        self.robot_cap = np.zeros(n)
        self.capital_controls = np.zeros(n)
        self.cbdc_surveillance = np.zeros(n)
        self.carry_tax = np.zeros(n)
        # endogenous responses accumulated on top of the scheduled paths
        self.controls_response = np.zeros(n)
        self.surveillance_response = np.zeros(n)
        self.robot_tax_response = np.zeros(n)
        # politics: who governs, and what it has announced
        self.populist = np.zeros(n, dtype=bool)              # a populist government is in power
        self.populism_calm = np.zeros(n)                     # populism when the run starts (calm times)
        self.outflow_calm = np.zeros(n)                      # talent outflow trend when the run starts
        self.controls_announced = np.zeros(n)                # stringency of announced, not yet enacted controls
        self.controls_enact_step = np.full(n, NEVER)         # step at which they take effect
        self.cbdc_start = np.full(n, NEVER)                  # step the CBDC rollout starts (scheduled or announced)

    def __len__(self) -> int:
        return len(self.cash)
