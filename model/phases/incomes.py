"""Incomes: wages and benefits to workers, pay to AI talent, and last month's capital income; taxes withheld.

Mechanism: employed workers earn their market's wage, the unemployed a benefit (replacement rate ×
last wage), both after the income tax. AI talent is paid by its employer (a bits firm) in
proportion to its productivity, taxed where it lives (an expat regime for foreigners where one
exists); talent whose employer died is hired by another bits firm, at home when one is alive there.
Distributions allocators paid last month reach households in proportion to their savings.
Money moves when it is spent: savings rise now, and firms' cash falls by their wage and talent bills.

Reads: workers' wages and employment, state.wage, firms' staff, talent's employers and locations,
state.capital_income_accrued.
Writes: workers.income, savings; talent.employer, pay, liquid; firms.cash; gov.cash;
month.household_capital_income, firm_wage_cost, firm_talent_cost, talent_net_pay; flows (wages,
benefits, talent_pay, gov_revenue, gov_spending).
Ledger: firms → households (net wages), firms → government (income tax), government → households
(benefits), firms → talent (net pay, across jurisdictions), firms → government (tax on talent pay).
RNG: the re-hiring of talent whose employer died (``pick_employer``).
"""

from __future__ import annotations

import numpy as np

from model.accounts import government_receives
from model.domain import BITS
from model.parameters import Parameters
from model.phases.labour_market import assign_to_vacancies
from model.state import Month, State


def pick_employer(state: State, rng: np.random.Generator, jurisdiction: np.ndarray) -> np.ndarray:
    """A bits firm for each talent: same jurisdiction if one is alive there, else anywhere; by size."""
    f = state.firms
    bits = np.flatnonzero(f.alive & (f.kind == BITS))
    if len(bits) == 0:
        return np.full(len(jurisdiction), -1, dtype=np.int32)
    size = np.maximum(f.tasks[bits], 1e-9)
    market = f.jurisdiction[bits]
    chosen = assign_to_vacancies(rng, jurisdiction, size, market)
    fallback = bits[rng.choice(len(bits), size=len(jurisdiction), p=size / size.sum())]
    return np.where(chosen >= 0, bits[np.maximum(chosen, 0)], fallback)


def worker_pay(state: State) -> tuple[np.ndarray, np.ndarray]:
    """Each worker's after-tax wage and after-tax unemployment benefit this month, per person."""
    w = state.workers
    net_wage = w.wage * state.worker_keep                     # w.wage is 0 for the unemployed
    benefit = state.worker_benefit_rate * w.last_wage * ~w.employed
    return net_wage, benefit


def capital_income_per_person(state: State, received: np.ndarray) -> np.ndarray:
    """Capital income ``received[j]`` spread over households of j in proportion to their savings."""
    w = state.workers
    held = w.by_jurisdiction(np.maximum(w.savings, 0) * w.weight)
    return received[w.jurisdiction] * np.maximum(w.savings, 0) / np.maximum(held[w.jurisdiction], 1e-12)


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    w, t, f, st, g, ledger = state.workers, state.talent, state.firms, state.structure, state.gov, state.ledger
    month.household_capital_income = state.capital_income_accrued
    state.capital_income_accrued = np.zeros(state.n_j)
    net_wage, benefit = worker_pay(state)
    received = net_wage + benefit
    w.income[:] = received + capital_income_per_person(state, month.household_capital_income)
    w.savings += received
    # everyone in a firm-skill cell earns that market's wage, so firms' wage bills come from headcount
    month.firm_wage_cost = (f.workers * state.wage[f.jurisdiction]).sum(axis=1)
    f.cash -= month.firm_wage_cost
    wages = state.per_jurisdiction(f.jurisdiction, month.firm_wage_cost)
    net = w.by_jurisdiction(net_wage * w.weight)
    taxes = wages - net
    benefits = w.by_jurisdiction(benefit * w.weight)
    jurisdictions = np.arange(state.n_j)
    ledger.transfer_by_jurisdiction("firms", "households", net)
    government_receives(state, month, "firms", jurisdictions, jurisdictions, taxes)
    ledger.transfer_by_jurisdiction("government", "households", benefits)
    g.cash -= benefits
    month.flows["gov_spending"] += benefits
    month.flows["benefits"] += benefits
    month.flows["wages"] += wages

    # talent pay: employer's scale, taxed where the talent lives
    has_job = (t.employer >= 0) & f.alive[np.maximum(t.employer, 0)]
    t.employer[~has_job] = pick_employer(state, rng, t.home[~has_job])
    t.pay[:] = np.where(t.employer >= 0, st.talent_pay[f.jurisdiction[np.maximum(t.employer, 0)]] * t.productivity, 0.0)
    ttax = st.talent_tax(t.location, t.home)
    employer_j = f.jurisdiction[np.maximum(t.employer, 0)]
    month.firm_talent_cost = np.bincount(np.maximum(t.employer, 0), weights=t.pay * t.weight, minlength=len(f))
    f.cash -= month.firm_talent_cost
    ledger.transfer("firms", employer_j, "talent", t.location, t.pay * (1 - ttax) * t.weight)
    government_receives(state, month, "firms", employer_j, t.location, t.pay * ttax * t.weight)
    month.flows["talent_pay"] += state.per_jurisdiction(t.location, t.pay * t.weight)
    t.liquid += t.pay * (1 - ttax)
    month.talent_net_pay = t.pay * (1 - ttax)
