"""Government: interest on public debt, deficit finance, and the optional endogenous policy responses.

Mechanism: governments pay interest on their debt to the central bank, and the central bank,
consolidated with the banks, remits its interest income (on public debt and on firms' loans) to the
treasury, as central banks remit their profits (so interest is income of the public sector, not a
leak of money out of the economy). A cash deficit is financed by issuing debt to the central bank
(new money); a surplus repays it. A fiscal rule sets next month's purchases: they rise
by ``government.debt_response`` × the gap between the target and actual debt (in years of GDP, Bohn
1998; debt net of the government's cash) and by ``government.unemployment_response`` × unemployment above its natural rate (Taylor 2000),
each times monthly GDP; with taxes and benefits these are the automatic stabilisers, and they work
when the policy rate is at its floor. With ``government.lockin_response``
a government tightens capital controls while its monthly talent outflow exceeds a threshold ("lock
them in"); with ``government.populist_response`` populism above a threshold raises CBDC surveillance
and the robot tax. The responses take effect from next month (model/phases/policy.py).

Reads: gov.cash, debt, policy_rate, populism; month.bank_interest; state.unemployment_j; state.last_outflow_share; month's
revenue and spending.
Writes: state.gdp_trend, state.purchases_adjustment; gov.cash, debt, revenue, controls_response, surveillance_response, robot_tax_response;
flows (gov_spending).
Ledger: government → central bank (interest, repayment); central bank → government (remitted interest);
money issued to the government (deficits).
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
    # the central bank (consolidated with the banks) remits its interest income to the treasury
    remitted = interest + month.bank_interest
    ledger.transfer_by_jurisdiction("central_bank", "government", remitted)
    g.cash += remitted
    month.flows["gov_revenue"] += remitted
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
    # fiscal rule: purchases rise when debt is below its target ratio to GDP and fall when above
    state.gdp_trend += (month.flows["gdp"] - state.gdp_trend) / 12.0
    debt_ratio = (g.debt - g.cash) / np.maximum(12.0 * state.gdp_trend, 1e-12)   # net of the cash it holds
    slack = state.unemployment_j - state.structure.natural_u
    state.purchases_adjustment = (gp.debt_response * (state.debt_target - debt_ratio)
                                  + gp.unemployment_response * slack) * state.gdp_trend
    if gp.lockin_response:
        g.controls_response[:] = lockin_response(g.controls_response, state.last_outflow_share,
                                                 gp.lockin_threshold, gp.lockin_step)
    if gp.populist_response:
        g.surveillance_response[:] = populist_response(g.surveillance_response, g.populism, gp.populist_threshold,
                                                       gp.populist_surveillance_step)
        g.robot_tax_response[:] = populist_response(g.robot_tax_response, g.populism, gp.populist_threshold,
                                                    gp.populist_robot_tax_step)
