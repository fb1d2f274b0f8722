"""Incomes: wages and benefits to workers, pay to AI talent, and last month's capital income; taxes withheld.

Mechanism: employed workers earn their market's wage, the unemployed a benefit (replacement rate ×
last wage), both after the income tax. AI talent is paid by its employer (a bits firm) in
proportion to its productivity, taxed where it lives (an expat regime for foreigners where one
exists). Talent follows firm size: a bits firm employs the talent per task-month its jurisdiction's
bits firms had at the start (none without human staff); a firm with more than that (beyond the
hoarding slack) lets the excess go, and talent without an employer is hired by bits firms with
openings, at home when one there is hiring.
Distributions allocators paid last month reach households in proportion to their savings.
Money moves when it is spent: savings rise now, and firms' cash falls by their wage and talent bills.

Reads: workers' wages and employment, state.wage, firms' staff, talent's employers and locations,
state.capital_income_accrued.
Writes: workers.income, savings; talent.employer, pay, liquid; firms.cash; gov.cash;
month.household_capital_income, worker_capital_income, firm_wage_cost, firm_talent_cost, talent_net_pay; flows (wages,
benefits, talent_pay, gov_revenue, gov_spending).
Ledger: firms → households (net wages), firms → government (income tax), government → households
(benefits), firms → talent (net pay, across jurisdictions), firms → government (tax on talent pay).
RNG: one uniform per talent (released by a shrinking employer?), then the hiring of talent without an
employer (``pick_employer``).
"""

from __future__ import annotations

import numpy as np

from model.accounts import capital_income_per_person, government_receives
from model.domain import BITS
from model.parameters import Parameters
from model.phases.labour_market import assign_to_vacancies
from model.state import Month, State


def talent_employers(state: State) -> np.ndarray:
    """Indices of the bits firms that can employ talent: those with human staff, or every alive bits firm
    when none has staff yet (as when the world is built)."""
    f = state.firms
    bits = f.alive & (f.kind == BITS)
    staffed = bits & f.staffed()
    return np.flatnonzero(staffed if staffed.any() else bits)


def pick_employer(state: State, rng: np.random.Generator, jurisdiction: np.ndarray,
                  openings: np.ndarray | None = None) -> np.ndarray:
    """A bits firm for each talent: in its jurisdiction if one there is hiring, else anywhere.

    Firms are picked in proportion to their ``openings`` (talent they want and do not have), or to
    their size when no firm has openings (or none are given).
    """
    f = state.firms
    bits = talent_employers(state)
    if len(bits) == 0:
        return np.full(len(jurisdiction), -1, dtype=np.intp)
    weight = openings[bits] if openings is not None and openings[bits].sum() > 0 else np.maximum(f.tasks[bits], 1e-9)
    chosen = assign_to_vacancies(rng, jurisdiction, weight, f.jurisdiction[bits])
    fallback = bits[rng.choice(len(bits), size=len(jurisdiction), p=weight / weight.sum())]
    return np.where(chosen >= 0, bits[np.maximum(chosen, 0)], fallback)


def hire_talent(state: State, rng: np.random.Generator, rows: np.ndarray, openings: np.ndarray) -> np.ndarray:
    """Employers for the talent ``rows``: firms with openings, and never more than a firm's openings.

    Each row picks a firm by its openings (``pick_employer``); in random order, a firm takes rows while
    they fit in its openings (in productivity units). A row that does not fit, a star bigger than any
    opening among them, goes to a bits firm picked by size, where it is a small part of the payroll.
    """
    t, f = state.talent, state.firms
    choice = pick_employer(state, rng, t.home[rows], openings)
    units = t.productivity[rows] * t.weight[rows]
    order = np.lexsort((rng.random(len(rows)), choice))
    sorted_choice = choice[order]
    cum = np.cumsum(units[order])
    start = np.searchsorted(sorted_choice, sorted_choice, side="left")
    before = cum - units[order] - np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    fits = np.empty(len(rows), dtype=bool)
    fits[order] = (before + units[order] <= openings[np.maximum(sorted_choice, 0)] * 1.05) & (sorted_choice >= 0)
    bits = talent_employers(state)
    if (~fits).any() and len(bits):
        size = np.maximum(f.tasks[bits], 1e-9)
        choice[~fits] = bits[rng.choice(len(bits), size=int((~fits).sum()), p=size / size.sum())]
    return choice


def talent_slots(state: State) -> np.ndarray:
    """(F,) talent each firm employs at its size, in productivity units (people × productivity); none for a firm
    that is not a staffed bits firm.

    A bits firm needs the talent per task-month its jurisdiction's bits firms had at the start
    (``state.talent_intensity``), so talent follows firms as they grow and shrink; a star counts for as
    many average researchers as her productivity (and is paid accordingly).
    """
    f = state.firms
    staffed = f.alive & (f.kind == BITS) & f.staffed()
    return np.where(staffed, f.tasks * state.talent_intensity[f.jurisdiction], 0.0)


def talent_employed(state: State) -> np.ndarray:
    """(F,) talent on each firm's payroll, in productivity units."""
    t = state.talent
    return np.bincount(np.maximum(t.employer, 0), weights=t.productivity * t.weight * (t.employer >= 0),
                       minlength=len(state.firms))


def release_excess_talent(state: State, slack: float, rng: np.random.Generator) -> None:
    """Firms with more talent than their size needs (beyond ``slack``) let the excess go, at random."""
    t = state.talent
    held = talent_employed(state)
    keep = talent_slots(state) * (1.0 + slack)
    excess = np.clip(np.divide(held - keep, held, out=np.zeros_like(held), where=held > 0), 0.0, 1.0)
    leaving = (t.employer >= 0) & (rng.random(len(t)) < excess[np.maximum(t.employer, 0)])
    t.employer[leaving] = -1


def worker_pay(state: State) -> tuple[np.ndarray, np.ndarray]:
    """Each worker's after-tax wage and after-tax unemployment benefit this month, per person."""
    w = state.workers
    net_wage = w.wage * state.worker_keep                     # w.wage is 0 for the unemployed
    benefit = state.worker_benefit_rate * w.last_wage * ~w.employed
    return net_wage, benefit


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    w, t, f, st, g, ledger = state.workers, state.talent, state.firms, state.structure, state.gov, state.ledger
    month.household_capital_income = state.capital_income_accrued
    state.capital_income_accrued = np.zeros(state.n_j)
    net_wage, benefit = worker_pay(state)
    received = net_wage + benefit
    month.worker_capital_income = capital_income_per_person(state, month.household_capital_income)
    w.income[:] = received + month.worker_capital_income
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

    # talent follows firm size: shrinking firms let talent go, and it is hired where firms are hiring
    release_excess_talent(state, p.labour.hoarding, rng)
    has_job = (t.employer >= 0) & f.alive[np.maximum(t.employer, 0)]
    openings = np.maximum(talent_slots(state) - talent_employed(state), 0.0)
    t.employer[~has_job] = hire_talent(state, rng, np.flatnonzero(~has_job), openings)
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
