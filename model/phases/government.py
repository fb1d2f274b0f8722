"""Government: interest on public debt, deficit finance, and the optional endogenous policy responses.

Mechanism: governments pay interest on their debt to the central bank, and the central bank,
consolidated with the banks, remits its interest income (on public debt and on firms' loans) to the
treasury, as central banks remit their profits (so interest is income of the public sector, not a
leak of money out of the economy). A cash deficit is financed by issuing debt to the central bank
(new money); a surplus repays it. A fiscal rule sets next month's purchases: they rise
by ``government.debt_response`` × the gap between the target and actual debt (in years of GDP, Bohn
1998; debt net of the government's cash) and by ``government.unemployment_response`` × unemployment above its natural rate (Taylor 2000),
each times monthly GDP; with taxes and benefits these are the automatic stabilisers, and they work
when the policy rate is at its floor.

A populist government (model/phases/politics.py decides who governs) acts on its politics. With
``government.populist_response`` it announces a CBDC rollout ``populist_cbdc_lead`` months ahead
(if none is due sooner) and raises CBDC surveillance and the robot tax each month it is in power.
With ``government.lockin_response`` it answers talent leaving ("lock them in", seed essay 1): when
its talent outflow (the quarterly trend) passes ``lockin_outflow_ratio`` times its calm-times level
it announces capital controls of stringency
``lockin_level``, taking effect ``lockin_lead`` months later. Announcements are public: talent sees
them coming (model/phases/talent_choice.py). The responses take effect from next month
(model/phases/policy.py).

Reads: gov.cash, debt, policy_rate, populist, controls_announced, controls_enact_step, cbdc_start;
gov.outflow_calm; month.bank_interest; state.unemployment_j; state.outflow_trend; month's revenue and spending.
Writes: state.gdp_trend, state.purchases_adjustment; gov.cash, debt, revenue, controls_response, surveillance_response,
robot_tax_response, controls_announced, controls_enact_step, cbdc_start; flows (gov_spending).
Ledger: government → central bank (interest, repayment); central bank → government (remitted interest);
money issued to the government (deficits).
RNG: nothing.
"""

from __future__ import annotations

import numpy as np

from model.parameters import Parameters
from model.state import Month, State


def announce_controls(populist, outflow_trend, outflow_calm, announced, enact_step, step: int, ratio: float,
                      level: float, lead: int):
    """Populist governments facing an outflow trend above ``ratio`` × its calm-times level announce controls at
    ``level`` for ``step + lead``.

    A government that has already announced controls at least as strict does not announce again.

    Returns:
        The announced stringency and the step it takes effect, per jurisdiction.
    """
    announcing = populist & (outflow_trend > ratio * outflow_calm) & (announced < level)
    return np.where(announcing, level, announced), np.where(announcing, step + lead, enact_step)


def enact_controls(response, announced, enact_step, step: int):
    """Announced controls whose date has come are enacted: the response rises to the announced stringency."""
    due = (announced > 0) & (enact_step <= step)
    return np.where(due, np.maximum(response, announced), response)


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
    # a populist government acts on its politics; what it announces takes effect later
    step = month.step
    if gp.lockin_response:
        g.controls_announced[:], g.controls_enact_step[:] = announce_controls(
            g.populist, state.outflow_trend, g.outflow_calm, g.controls_announced, g.controls_enact_step, step,
            gp.lockin_outflow_ratio, gp.lockin_level, gp.lockin_lead)
    g.controls_response[:] = enact_controls(g.controls_response, g.controls_announced, g.controls_enact_step, step + 1)
    if gp.populist_response:
        g.cbdc_start[:] = np.where(g.populist, np.minimum(g.cbdc_start, step + gp.populist_cbdc_lead), g.cbdc_start)
        g.surveillance_response += gp.populist_surveillance_step * g.populist
        g.robot_tax_response += gp.populist_robot_tax_step * g.populist
