"""Labour market: separations, vacancies, matching and wages per (jurisdiction, skill) market.

This is where unemployment comes from. Mechanism, in order:
1. Separations. Each firm-skill cell lays off the staff above what the firm now wants (demand falls
   with automation and with sales; ``labour.hoarding`` is the slack kept), plus exogenous quits at
   ``labour.separation_rate``; a dead firm's staff all leave. Layoffs up to the automated share are
   flagged as displaced by automation.
2. Matching. Vacancies (demand above staff) and job seekers meet in each market through a
   Cobb-Douglas meeting rate, aggregated over the month so the job-finding rate stays below one (so
   frictional unemployment never vanishes, however tight the market); workers displaced by automation search less effectively (their
   skills fit the jobs left less well), the unemployed also search one skill level down, and workers
   in a job below their skill search on the job for one at their own skill (so underemployment
   is not a trap). Hires are placed in firms in proportion to their vacancies.
3. Wages follow a wage Phillips curve (Galí 2011): each market's wage builds in anchored expected
   inflation, rises when the unemployment of its own workers is below that skill's natural rate
   (higher for low skills) and falls, never by more than ``labour.max_wage_cut`` a month, when it is
   above; firms' skill mix substitutes away from skills whose wages rose most.

Reads: firms' tasks, needs and staff, month.displaced, state.wage, state.market_labour_force, gov.inflation.
Writes: workers.employed, employer, job_skill, sector, wage, last_wage, displaced;
firms.workers; state.wage, state.firm_need, state.unemployment_j;
month.labour_flows (separation and job-finding rates, vacancies; world and per jurisdiction).
Ledger: nothing (wages are paid in model/phases/incomes.py).
RNG: one uniform per employed worker (separation), one per unemployed job seeker (finding a job), one
per underemployed worker (moving up), one per hire or move (which firm), in that order.
"""

from __future__ import annotations

import numpy as np

from model.domain import LOW, N_SKILLS
from model.parameters import Parameters
from model.production import labour_demand
from model.state import Month, State


def matches(job_seekers, vacancies, efficiency: float, elasticity: float):
    """Monthly matches: each job seeker meets jobs at the Poisson rate A · (V/U)^(1-α) of a Cobb-Douglas
    matching function, and finds one within the month with probability 1 - exp(-rate) (Shimer 2012's
    time aggregation). Never more than the vacancies; the job-finding rate stays below one however tight
    the market, so frictional unemployment never vanishes.
    """
    u = np.maximum(job_seekers, 0.0)
    v = np.maximum(vacancies, 0.0)
    tightness = np.divide(v, u, out=np.zeros_like(u), where=u > 0)
    rate = efficiency * np.power(tightness, 1.0 - elasticity)
    return np.minimum(u * -np.expm1(-rate), v)


def update_wages(wage, unemployment, natural_unemployment, up: float, down: float, inflation_monthly,
                 max_cut: float = 1.0):
    """A wage Phillips curve: wages follow expected inflation, rise when unemployment is below its natural rate
    and fall (at slope ``down``) when it is above; a nominal cut is never larger than ``max_cut`` a month.

    Args:
        wage: wage index per market.
        unemployment: unemployment rate of each market's own workers.
        natural_unemployment: the rate at which wages only follow expected inflation.
        up, down: monthly wage change per unit of unemployment below / above it (each month capped at ±5%).
        inflation_monthly: expected monthly inflation built into wages (may be negative).
        max_cut: most a market's nominal wage falls in a month (downward nominal wage rigidity).
    """
    gap = np.asarray(natural_unemployment) - np.asarray(unemployment)
    change = np.where(gap > 0, up * gap, down * gap)
    change = np.clip(change, -0.05, 0.05)
    return wage * np.maximum((1.0 + change) * (1.0 + inflation_monthly), 1.0 - max_cut)


def skill_needs(base_need, relative_wage, substitution: float):
    """Skill shares of a firm's tasks after substitution away from skills whose wages rose most.

    need_k ∝ base_k · (w_k / w̄)^(−σ), where w_k is the wage relative to its starting level and
    w̄ the base-weighted mean of those relatives (only relative wages matter).
    """
    mean = (base_need * relative_wage).sum(axis=-1, keepdims=True)
    shifted = base_need * np.power(relative_wage / np.maximum(mean, 1e-12), -substitution)
    return shifted / np.maximum(shifted.sum(axis=-1, keepdims=True), 1e-12)


def layoff_probability(employed, demanded, slack: float):
    """Probability each worker of a firm-skill cell is laid off: the share employed above demand plus ``slack``."""
    excess = employed - demanded * (1.0 + slack)
    return np.where((employed > 0) & (excess > 0), excess / np.maximum(employed, 1e-12), 0.0)


def assign_to_vacancies(rng: np.random.Generator, market_of_hire, vacancies, market_of_firm):
    """Place hired workers into firms: within each market, pick firms in proportion to their vacancies.

    Args:
        market_of_hire: market index of each hired worker.
        vacancies: vacancies per firm (people).
        market_of_firm: market index of each firm's vacancy (same length as ``vacancies``).

    Returns:
        Index into ``vacancies`` chosen for each hire (or -1 where its market has none).
    """
    order = np.argsort(market_of_firm, kind="stable")
    sorted_markets = market_of_firm[order]
    cum = np.cumsum(vacancies[order])
    n_markets = int(max(market_of_hire.max(initial=-1), market_of_firm.max(initial=-1))) + 1
    first = np.searchsorted(sorted_markets, np.arange(n_markets), side="left")
    last = np.searchsorted(sorted_markets, np.arange(n_markets), side="right")
    base = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0.0)
    base = np.where(first > 0, base, 0.0)
    top = np.where(last > 0, cum[np.maximum(last - 1, 0)], 0.0)
    total = top - base
    lo = base[market_of_hire]
    span = total[market_of_hire]
    draws = lo + rng.random(len(market_of_hire)) * span
    pos = np.searchsorted(cum, draws, side="right")
    pos = np.clip(pos, first[market_of_hire], np.maximum(last[market_of_hire] - 1, first[market_of_hire]))
    chosen = order[np.minimum(pos, len(order) - 1)] if len(order) else np.full(len(market_of_hire), -1)
    return np.where(span > 0, chosen, -1)


def unemployment_rate(state: State) -> np.ndarray:
    """(J,) unemployment rate of each jurisdiction, from the firms' headcount."""
    J = state.n_j
    employed_j = state.firms.market_headcount(J * N_SKILLS).reshape(J, N_SKILLS).sum(axis=1)
    return np.clip(1.0 - employed_j / state.structure.labour_force, 0.0, 1.0)


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    w, f, lab = state.workers, state.firms, p.labour
    J = state.n_j
    n_markets = J * N_SKILLS
    demand = labour_demand(state)
    # separations: layoffs above demand, exogenous quits, and firm exits (probabilities per firm-skill cell)
    excess = layoff_probability(f.workers, demand, lab.hoarding)
    p_cell = np.clip(excess + lab.separation_rate * (1 - excess), 0.0, 1.0)
    p_cell[~f.alive] = 1.0
    employed_people = f.market_headcount(n_markets)
    employed_before = employed_people.sum()
    emp = np.flatnonzero(w.employed)
    cell = w.employer[emp] * N_SKILLS + w.job_skill[emp]
    draw = rng.random(len(emp))
    leave = np.flatnonzero(draw < p_cell.ravel()[cell])
    by_automation = np.minimum(month.displaced, excess).ravel()[cell[leave]]
    flagged = emp[leave[draw[leave] < by_automation]]
    gone, gone_cell = emp[leave], cell[leave]
    w.separate(gone)
    w.displaced[flagged] = True
    f.add_headcount(gone_cell, -w.weight[gone])

    # vacancies and matching per (jurisdiction, skill) market; job seekers also search one level down
    vac = np.maximum(demand - f.workers, 0.0)
    market = state.worker_market
    seekers = np.flatnonzero(~w.employed)
    own, below = market[seekers], market[seekers] - 1
    effort = np.where(w.displaced[seekers], lab.displaced_search, 1.0)
    can_downgrade = w.skill[seekers] > LOW
    intensity = lab.downgrade_search * can_downgrade
    u_people = (np.bincount(own, weights=w.weight[seekers] * effort, minlength=n_markets)
                + np.bincount(np.where(can_downgrade, below, 0), weights=w.weight[seekers] * effort * intensity,
                              minlength=n_markets))
    # the underemployed (in a job below their skill) look for one at their own skill while they work
    underemployed = np.flatnonzero(w.employed & (w.job_skill < w.skill))
    climbing_search = np.bincount(market[underemployed], weights=w.weight[underemployed] * lab.on_the_job_search,
                                  minlength=n_markets)
    cell_market = f.job_cells().ravel()
    v_people = np.bincount(cell_market, weights=vac.ravel(), minlength=n_markets)
    searchers = u_people + climbing_search
    m = matches(searchers, v_people, lab.matching_efficiency, lab.matching_elasticity)
    finding = np.divide(m, searchers, out=np.zeros_like(m), where=searchers > 0)
    p_own = finding[own] * effort
    p_below = np.where(can_downgrade, finding[np.maximum(below, 0)] * intensity, 0.0) * effort
    draw = rng.random(len(seekers))
    job_market = np.where(draw < p_own, own, np.where(draw < p_own + p_below, below, -1))
    hired, job_market = seekers[job_market >= 0], job_market[job_market >= 0]
    climbing = underemployed[rng.random(len(underemployed)) < lab.on_the_job_search * finding[market[underemployed]]]
    movers = np.concatenate([hired, climbing])
    cells = assign_to_vacancies(rng, np.concatenate([job_market, market[climbing]]), vac.ravel(), cell_market)
    movers, cells = movers[cells >= 0], cells[cells >= 0]
    climbed = w.employed[movers]
    f.add_headcount(w.employer[movers[climbed]] * N_SKILLS + w.job_skill[movers[climbed]], -w.weight[movers[climbed]])
    hired = movers[~climbed]
    w.employed[movers] = True
    w.employer[movers] = cells // N_SKILLS
    w.job_skill[movers] = cells % N_SKILLS
    w.sector[movers] = f.sector[cells // N_SKILLS]
    w.displaced[movers] = False
    f.add_headcount(cells, w.weight[movers])

    # wages: a Phillips curve in each market's unemployment (by the workers' own skill), sticky downward
    unemployed = np.bincount(market[seekers], weights=w.weight[seekers] * ~w.employed[seekers], minlength=n_markets)
    market_u = np.divide(unemployed, state.market_labour_force, out=np.zeros(n_markets), where=state.market_labour_force > 0)
    anchor = p.central_bank.inflation_target
    infl_month = ((1 - lab.inflation_indexation) * anchor + lab.inflation_indexation * state.gov.inflation) / 12.0
    state.wage = update_wages(state.wage.ravel(), market_u, state.structure.natural_u_market.ravel(), lab.wage_up,
                              lab.wage_down, np.repeat(infl_month, N_SKILLS), lab.max_wage_cut).reshape(J, N_SKILLS)
    w.wage[:] = state.wage.ravel()[state.worker_market - w.skill + np.maximum(w.job_skill, 0)] * w.employed
    state.firm_need = skill_needs(state.base_need, state.wage[f.jurisdiction] / state.structure.wage0[f.jurisdiction],
                                  lab.skill_substitution)
    state.unemployment_j = unemployment_rate(state)

    employed_before_j = employed_people.reshape(J, N_SKILLS).sum(axis=1)
    seekers_j = state.per_jurisdiction(w.jurisdiction[seekers], w.weight[seekers])
    month.labour_flows = {
        "separations": float(w.weight[gone].sum()) / max(employed_before, 1e-12),
        "job_finding": float(w.weight[hired].sum()) / max(float(w.weight[seekers].sum()), 1e-12),
        "vacancies": v_people.reshape(J, N_SKILLS).sum(axis=1),
        "separations_j": state.per_jurisdiction(w.jurisdiction[gone], w.weight[gone]) / np.maximum(employed_before_j, 1e-12),
        "job_finding_j": state.per_jurisdiction(w.jurisdiction[hired], w.weight[hired]) / np.maximum(seekers_j, 1e-12),
    }
