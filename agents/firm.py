"""Firms: 'atoms' (food service, manufacturing, logistics, white-collar services) and 'bits' (AI labs, software)."""

from __future__ import annotations

from agents.views import ArrayAgent, column
from model.domain import ATOMS, BITS
from model.populations import FirmPopulation


class Firm(ArrayAgent):
    """A firm: automates tasks, posts vacancies, lays off, produces, prices, borrows and raises equity.

    Behaviour: model/phases/automation.py, model/phases/labour_market.py, model/phases/goods_market.py,
    model/phases/firm_accounts.py, model/phases/entry_exit.py, model/phases/prices.py; its technology
    (tasks, capacity, unit cost) is in model/production.py.
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
    productivity = column("productivity", "own productivity multiplier on the sector's (bits firms: times their talent's quality)")
    appeal = column("appeal", "demand shifter: weight with buyers at equal prices")

    @property
    def workers_by_skill(self) -> np.ndarray:
        return self.population.workers[self.row].copy()
