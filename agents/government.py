"""Governments: one per jurisdiction, holding the levers, the budget and the central bank."""

from __future__ import annotations

from agents.views import ArrayAgent, column
from model.populations import GovernmentPopulation


class Government(ArrayAgent):
    """Government and central bank of one jurisdiction (row = jurisdiction index).

    Holds the levers in force (model/phases/policy.py), sets the policy rate
    (model/phases/central_bank.py), collects taxes, pays benefits, runs its budget and optionally
    responds to talent outflow and populism (model/phases/government.py).
    """

    policy_rate = column("policy_rate", "annual")
    inflation = column("inflation", "annual")
    revenue = column("revenue", "k$ this month")
    debt = column("debt", "k$")
    populism = column("populism")
    violence_risk = column("violence_risk")
    cbdc_adoption = column("cbdc_adoption")
    robot_tax = column("robot_tax")
    robot_adoption = column("robot_adoption")
    robot_cap = column("robot_cap")
    capital_controls = column("capital_controls")
    cbdc_surveillance = column("cbdc_surveillance")
    carry_tax = column("carry_tax")

    @property
    def jurisdiction(self) -> int:
        return self.row
