"""Governments: one per jurisdiction, holding the levers, the budget and the central bank."""

from __future__ import annotations

import numpy as np

from agents.views import ArrayAgent, column


class GovernmentPopulation:
    """Per-jurisdiction state of governments and central banks (arrays of length J)."""

    def __init__(self, n: int):
        self.policy_rate = np.zeros(n)
        self.inflation = np.zeros(n)
        self.price_index = np.ones(n)
        self.revenue = np.zeros(n)
        self.spending = np.zeros(n)
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


class Government(ArrayAgent):
    """Government and central bank of one jurisdiction (row = jurisdiction index).

    Sets the policy rate (model/central_bank.py), collects taxes, pays benefits, runs its
    budget and optionally responds to talent outflow and populism (model/government_policy.py).
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
