"""Firm accounts: interest, IP royalties booked where talent lives, profits, corporate tax, debt and dividends.

Mechanism:
1. Firms pay interest on bank debt at the policy rate plus a spread.
2. IP and value capture: a bits firm's surplus is IP rent, attributed to its talent by productivity;
   the part attributable to talent living abroad is paid to that talent as royalties and taxed
   there (the onshore tax base erodes). Licensing IP back onshore costs extra when capital controls
   bind, less where the crypto rail still works.
3. Profits are taxed; firms repay debt from cash above a buffer of monthly costs, then pay a share
   of the rest as dividends to the allocators that hold them (households where nobody does).

Reads: firms' sales, cash, debt; month.firm_wage_cost, firm_talent_cost, firm_machine_cost;
talent's employers, locations, productivity; gov.policy_rate, capital_controls; the crypto rail.
Writes: month.bank_interest, firm_paid_abroad, talent_royalties, firm_dividends; firms.cash, debt, profit;
talent.liquid; gov.cash; allocators.income, cash; workers.savings; state.foreign_other, state.capital_income_accrued;
flows (gov_revenue, ip_value, profits_positive).
Ledger: firms → central bank (interest, repayment), firms → foreign (licensing), firms → talent and
government abroad (royalties and their tax), firms → government (corporate tax), firms → allocators
(dividends), firms → households (dividends of firms no allocator holds, as capital income).
RNG: nothing.
"""

from __future__ import annotations

import numpy as np

from model.accounts import government_receives, households_receive_capital_income, rest_of_world_receives
from model.door import crypto_escape_now
from model.domain import BITS
from model.parameters import Parameters
from model.state import Month, State


def ip_rent_shares(employer, location, productivity, weight, n_firms: int, n_jurisdictions: int):
    """Share of each firm's IP attributable to talent living in each jurisdiction.

    Returns:
        (n_firms, J) shares; rows of firms with no talent are zero.
    """
    valid = employer >= 0
    cell = employer[valid] * n_jurisdictions + location[valid]
    contrib = np.bincount(cell, weights=(productivity * weight)[valid],
                          minlength=n_firms * n_jurisdictions).astype(float).reshape(n_firms, n_jurisdictions)
    total = contrib.sum(axis=1, keepdims=True)
    return np.divide(contrib, total, out=np.zeros_like(contrib), where=total > 0)


def licensing_cost_share(stringency, escape, base_cost: float):
    """Extra cost of licensing IP back onshore: bites with controls, falls where the crypto rail works."""
    return base_cost * stringency * (1.0 - escape)


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    f, t, st, g, a, ledger = state.firms, state.talent, state.structure, state.gov, state.allocators, state.ledger
    fin = p.finance
    j = f.jurisdiction
    interest = f.debt * (g.policy_rate[j] + fin.loan_spread) / 12.0
    f.cash -= interest
    ledger.transfer("firms", j, "central_bank", j, interest)
    month.bank_interest = state.per_jurisdiction(j, interest)

    # IP rent booked where the talent lives: royalties to talent abroad
    surplus = f.sales - month.firm_wage_cost - month.firm_talent_cost - month.firm_machine_cost - interest
    shares = ip_rent_shares(t.employer, t.location, t.productivity, t.weight, len(f), state.n_j)
    bits = (f.kind == BITS) & f.alive
    rent = np.maximum(surplus, 0.0) * bits
    abroad = shares.copy()
    abroad[np.arange(len(f)), j] = 0.0
    royalty = rent[:, None] * abroad                                        # (F, J)
    escape = crypto_escape_now(state, p)
    lic_share = licensing_cost_share(g.capital_controls, escape, p.controls.licensing_cost)[j]
    licensing = royalty.sum(axis=1) * lic_share
    month.firm_paid_abroad = royalty.sum(axis=1) + licensing
    f.cash -= month.firm_paid_abroad
    rest_of_world_receives(state, "firms", j, j, licensing)
    # royalties go to the talent abroad behind them (by productivity), taxed where booked
    valid = t.employer >= 0
    contrib = np.where(valid, t.productivity * t.weight, 0.0)
    emp = np.maximum(t.employer, 0)
    denom = np.bincount(emp[valid] * state.n_j + t.location[valid], weights=contrib[valid],
                        minlength=len(f) * state.n_j).astype(float).reshape(len(f), state.n_j)
    per_unit = np.divide(royalty, denom, out=np.zeros_like(royalty), where=denom > 0)
    received = per_unit[emp, t.location] * contrib                          # total per talent row
    received = np.where(t.location != j[emp], received, 0.0)
    corp = st.corporate_tax[t.location]
    month.talent_royalties = received * (1 - corp) / np.maximum(t.weight, 1e-12)
    t.liquid += month.talent_royalties
    ledger.transfer("firms", j[emp], "talent", t.location, received * (1 - corp))
    government_receives(state, month, "firms", j[emp], t.location, received * corp)
    booked = (f.sales * bits)[:, None] * shares
    month.flows["ip_value"] += booked.sum(axis=0)

    profit = surplus - royalty.sum(axis=1) - licensing
    corp_tax = st.corporate_tax[j] * np.maximum(profit, 0.0) * f.alive
    f.cash -= corp_tax
    government_receives(state, month, "firms", j, j, corp_tax)
    f.profit[:] = (profit - corp_tax) * f.alive
    month.flows["profits_positive"] += state.per_jurisdiction(j, np.maximum(f.profit, 0.0))

    # repay debt, then pay dividends from cash above the buffer
    monthly_cost = month.firm_wage_cost + month.firm_talent_cost + month.firm_machine_cost
    buffer = fin.cash_buffer * monthly_cost
    repay = np.clip(f.cash - buffer, 0.0, f.debt)
    f.cash -= repay
    f.debt -= repay
    ledger.transfer("firms", j, "central_bank", j, repay)
    dividend = fin.payout_ratio * np.maximum(f.cash - buffer, 0.0) * f.alive
    month.firm_dividends = dividend
    f.cash -= dividend
    held = a.stakes.sum(axis=0)
    owned = held > 0
    to_alloc = np.where(owned, dividend, 0.0)
    per_alloc = a.stakes @ np.divide(to_alloc, held, out=np.zeros_like(held), where=owned)
    a.income[:] = per_alloc
    a.cash += per_alloc
    ledger.pooled("firms", state.per_jurisdiction(j, to_alloc), "allocators", state.per_jurisdiction(a.jurisdiction, per_alloc))
    # dividends of firms nobody holds go to their jurisdiction's households
    households_receive_capital_income(state, "firms", state.per_jurisdiction(j, np.where(owned, 0.0, dividend)))
