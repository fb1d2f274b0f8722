"""Firms: 'atoms' (food service, manufacturing, logistics, white-collar services) and 'bits' (AI labs, software)."""

from __future__ import annotations

import numpy as np

from agents.views import ArrayAgent, column

ATOMS, BITS = 0, 1


class FirmPopulation:
    """State of all firm slots as arrays. Dead slots (``alive`` False) are refilled by entry."""

    def __init__(self, jurisdiction: np.ndarray, sector: np.ndarray, kind: np.ndarray):
        n = len(jurisdiction)
        self.jurisdiction = jurisdiction.astype(np.intp)
        self.sector = sector.astype(np.intp)
        self.kind = kind.astype(np.intp)
        self.alive = np.zeros(n, dtype=bool)
        self.workers = np.zeros((n, 3))          # people employed by skill
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
        self.owner = np.full(n, -1, dtype=np.intp)  # lead allocator
        self.founded = np.zeros(n, dtype=np.intp)
        self.tournament_weight = np.ones(n)      # funding weight set by tournament reviews

    def __len__(self) -> int:
        return len(self.jurisdiction)


class Firm(ArrayAgent):
    """A firm: automates tasks, posts vacancies, lays off, produces, prices, borrows and raises equity.

    Behaviour: model/automation.py, model/labour_market.py, model/goods_market.py, model/finance.py.
    """

    jurisdiction = column("jurisdiction")
    sector = column("sector")
    kind = column("kind", "0 atoms, 1 bits")
    alive = column("alive")
    robots = column("robots", "robot units in use")
    ai_services = column("ai_services", "AI-service units bought per month")
    robot_share = column("robot_share")
    ai_share = column("ai_share")
    capital = column("capital", "equity raised, k$")
    cash = column("cash", "k$")
    debt = column("debt", "k$")
    price = column("price")
    output = column("output", "real output this month")
    sales = column("sales", "k$ this month")
    profit = column("profit", "k$ this month")
    valuation = column("valuation", "k$")
    owner = column("owner", "lead allocator row")

    @property
    def workers_by_skill(self) -> np.ndarray:
        return self.population.workers[self.row].copy()
