"""Government: interest on public debt, deficit finance, and the optional endogenous policy responses.

Mechanism: governments pay interest on their debt to the central bank; a cash deficit is financed
by issuing debt to the central bank (new money), a surplus repays it. With ``government.lockin_response``
a government tightens capital controls while its monthly talent outflow exceeds a threshold ("lock
them in"); with ``government.populist_response`` populism above a threshold raises CBDC surveillance
and the robot tax. The responses take effect from next month (model/phases/policy.py).

Reads: gov.cash, debt, policy_rate, populism; state.last_outflow_share; month's revenue and spending.
Writes: gov.cash, debt, revenue, controls_response, surveillance_response, robot_tax_response;
flows (gov_spending).
Ledger: government → central bank (interest, repayment); money issued to the government (deficits).
RNG: nothing.
"""

from __future__ import annotations

import numpy as np

from model.parameters import Parameters
from model.state import Month, State


def lockin_response(response, outflow_share, threshold: float, step: float):
    """Tighten capital controls while monthly talent outflow exceeds the threshold."""
    return response + step * (outflow_share > threshold)


def populist_response(response, populism, threshold: float, step: float):
    """Raise a lever in proportion to populism above the threshold."""
    return response + step * np.maximum(populism - threshold, 0.0)


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    g, gp, ledger = state.gov, p.government, state.ledger
    interest = g.debt * g.policy_rate / 12.0
    g.cash -= interest
    ledger.transfer_by_jurisdiction("government", "central_bank", interest)
    month.flows["gov_spending"] += interest
    # deficits are financed by issuing debt to the central bank; surpluses repay it
    borrow = np.maximum(-g.cash, 0.0)
    ledger.issue("government", borrow)
    g.cash += borrow
    g.debt += borrow
    repay = np.minimum(np.maximum(g.cash, 0.0), g.debt)
    ledger.transfer_by_jurisdiction("government", "central_bank", repay)
    g.cash -= repay
    g.debt -= repay
    g.revenue[:] = month.flows["gov_revenue"]
    if gp.lockin_response:
        g.controls_response[:] = lockin_response(g.controls_response, state.last_outflow_share,
                                                 gp.lockin_threshold, gp.lockin_step)
    if gp.populist_response:
        g.surveillance_response[:] = populist_response(g.surveillance_response, g.populism, gp.populist_threshold,
                                                       gp.populist_surveillance_step)
        g.robot_tax_response[:] = populist_response(g.robot_tax_response, g.populism, gp.populist_threshold,
                                                    gp.populist_robot_tax_step)
