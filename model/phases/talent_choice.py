"""Talent moves: each month a share of AI talent reconsiders where to live (multinomial logit with anticipation).

Mechanism: the utility of living in k weighs log after-tax pay there (expat regimes for
foreigners), safety (falls with violence risk), financial freedom (falls with CBDC surveillance,
worse under populism, and with capital controls), amenity, agglomeration (where other talent
lives), congestion of small havens, a home bias and inertia. Leaving costs moving costs, an exit
tax and wealth trapped by controls (less what escapes through crypto). Anticipation: talent
compares today's exit cost with what it expects within its horizon — changes announced by schedule
or by a government, plus the feared chance that the door closes, judged from what it can observe
(populism, a populist government, others leaving, surveillance money) — and a door about to close
is a reason to leave now, the more so the more of its fortune is wealth a closing door would catch. Havens turn back arrivals past their intake capacity.
Movers pay the exit tax to the government they leave, leave trapped wealth blocked there, pay
moving costs abroad and carry the rest.

Reads: talent's location, home, pay, wealth; gov.capital_controls, cbdc_adoption, cbdc_surveillance,
populism, populist, violence_risk, controls_announced, controls_enact_step; the lever schedules (announced
controls); state.last_outflow_share.
Writes: talent.location, liquid, illiquid, trapped, trapped_in; gov.cash;
state.foreign_other, state.last_outflow_share, state.outflow_trend, state.cumulative; month.talent_outflow_home;
flows (gov_revenue, talent_wealth_out).
Ledger: talent → government (exit tax), talent → blocked (trapped wealth), talent → foreign
(moving costs), talent → talent of the destination (wealth carried).
RNG: one uniform per talent (who reconsiders), a Gumbel draw per decider and jurisdiction (the
logit choice), a permutation of arrivals (capacity), in that order.
"""

from __future__ import annotations

import numpy as np

from model.accounts import government_receives, rest_of_world_receives
from model.door import anticipated_cost_rise, crypto_escape_now, exit_bill, exit_cost_share, lockin_now
from model.parameters import Parameters
from model.state import Month, State

OUTFLOW_SMOOTHING = 1.0 / 3.0   # weight of this month in the outflow trend: about a quarter's average


def financial_freedom(cbdc_adoption, surveillance, populism, stringency, calm_censorship: float, controls_weight: float):
    """Financial freedom in [0, 1]: falls with CBDC surveillance (worse under populism) and with capital controls.

    censorship = adoption × surveillance × (calm_censorship + populism), capped at 1;
    freedom = 1 − (1 − controls_weight) × censorship − controls_weight × stringency.
    """
    censorship = np.clip(cbdc_adoption * surveillance * (calm_censorship + populism), 0.0, 1.0)
    return np.clip(1.0 - (1.0 - controls_weight) * censorship - controls_weight * stringency, 0.0, 1.0)


def congestion(foreign_stock, capacity, population, population_share: float):
    """Congestion felt by arriving talent: foreign talent relative to intake capacity and to population.

    A small haven congests sooner: 1 unit = a full capacity, or foreign talent making up
    ``population_share`` of the population.
    """
    return foreign_stock / np.maximum(capacity, 1.0) + foreign_stock / np.maximum(population_share * population, 1.0)


def location_utility(log_income, safety, freedom, amenity, talent_share, congestion,
                     exit_cost, cost_rise, is_home, is_current, b):
    """Utility of each jurisdiction (columns) for each deciding talent (rows).

    Args:
        log_income: (n, J) log after-tax income if living in k.
        safety, freedom, amenity, congestion: (J,) location attributes.
        talent_share: (J,) share of all talent living in k (agglomeration).
        exit_cost: (n,) exit cost share of leaving the current location.
        cost_rise: (n,) expected rise in that cost over the horizon (leaving now avoids it).
        is_home, is_current: (n, J) booleans.
        b: TalentBehaviour parameters.
    """
    u = (b.beta_income * log_income
         + b.beta_safety * safety + b.beta_freedom * freedom + b.beta_amenity * amenity
         + b.beta_agglomeration * np.log(np.maximum(talent_share, 1e-3))
         - b.beta_congestion * congestion * ~is_home)
    leave = ~is_current
    u = u + leave * (-b.beta_cost * exit_cost + b.beta_anticipation * cost_rise)[:, None]
    return u + b.home_bias * is_home + b.stay_bias * is_current


def announced_controls(level, enact_step, step: int, horizon: int):
    """(J,) stringency of the controls governments have announced to take effect within ``horizon`` months."""
    return np.where(enact_step <= step + horizon, level, 0.0)


def wealth_exposure(talent, rows, horizon: int):
    """How much of a talent's fortune a closing door would catch: wealth over wealth plus pay over the horizon.

    The rich, whose fortune is mostly wealth that controls could trap, weigh a closing door more than
    those whose fortune is mostly pay they can earn anywhere.
    """
    wealth = np.maximum(talent.liquid[rows], 0.0) + talent.illiquid[rows]
    return wealth / np.maximum(wealth + horizon * talent.pay[rows], 1e-12)


def choose(rng: np.random.Generator, utility):
    """Multinomial-logit choice by the Gumbel-max trick."""
    return np.argmax(utility + rng.gumbel(size=utility.shape), axis=1)


def enforce_capacity(rng: np.random.Generator, choice, current, home, weight, foreign_stock, capacity):
    """Turn back arrivals that would push a jurisdiction's foreign talent stock past its capacity.

    Arrivals of foreigners into k are taken in random order and admitted while they fit in the
    room left; those that do not fit stay where they are.

    Returns:
        The admitted choices.
    """
    arriving = (choice != current) & (choice != home)
    if not arriving.any():
        return choice
    idx = np.flatnonzero(arriving)
    idx = idx[rng.permutation(len(idx))]
    room = np.maximum(capacity - foreign_stock, 0.0)
    out = choice.copy()
    demand = np.bincount(choice[idx], weights=weight[idx], minlength=len(capacity))
    for dest in np.flatnonzero(demand > room + 1e-9):
        left = room[dest]
        for i in idx[choice[idx] == dest]:  # rare: only destinations that would overflow
            if weight[i] <= left + 1e-9:
                left -= weight[i]
            else:
                out[i] = current[i]
    return out


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    t, g, st, ledger = state.talent, state.gov, state.structure, state.ledger
    tb, c = p.talent, p.controls
    J = state.n_j
    deciding = np.flatnonzero(rng.random(len(t)) < tb.reconsider_rate)
    moved_people = np.zeros(J)
    if len(deciding):
        cur, home = t.location[deciding], t.home[deciding]
        escape = crypto_escape_now(state, p)
        cost_now = exit_cost_share(g.capital_controls, escape, tb.moving_cost, c.max_exit_tax, c.max_trapped)
        announced = np.clip(np.maximum(
            state.levers.expected_max("capital_controls", month.step, tb.anticipation_horizon) + g.controls_response,
            announced_controls(g.controls_announced, g.controls_enact_step, month.step, tb.anticipation_horizon)),
            0.0, 1.0)
        cost_announced = exit_cost_share(announced, escape, tb.moving_cost, c.max_exit_tax, c.max_trapped)
        cost_locked = exit_cost_share(np.ones(J), escape, tb.moving_cost, c.max_exit_tax, c.max_trapped)
        rise = anticipated_cost_rise(cost_now, cost_announced, cost_locked, lockin_now(state, p))
        locs = np.arange(J)
        tax = st.talent_tax(locs[None, :], home[:, None])
        log_income = np.log(np.maximum(t.pay[deciding, None] * (1 - tax), 1e-6))
        located = state.per_jurisdiction(t.location, t.weight)
        foreign_stock = state.per_jurisdiction(t.location, t.weight * (t.location != t.home))
        utility = location_utility(
            log_income, st.safety * (1 - g.violence_risk),
            financial_freedom(g.cbdc_adoption, g.cbdc_surveillance, g.populism, g.capital_controls,
                              tb.calm_censorship, tb.freedom_controls_weight),
            st.amenity, located / located.sum(),
            congestion(foreign_stock, st.capacity, st.population, tb.congestion_population_share),
            cost_now[cur], rise[cur] * wealth_exposure(t, deciding, tb.anticipation_horizon),
            locs[None, :] == home[:, None], locs[None, :] == cur[:, None], tb)
        choice = choose(rng, utility)
        choice = enforce_capacity(rng, choice, cur, home, t.weight[deciding], foreign_stock, st.capacity)
        movers = deciding[choice != cur]
        if len(movers):
            dest = choice[choice != cur]
            origin = t.location[movers]
            exit_tax, trapped, moving, carried, trap_share = exit_bill(
                t.liquid[movers], t.illiquid[movers], g.capital_controls[origin], escape[origin], tb.moving_cost,
                c.max_exit_tax, c.max_trapped)
            wt = t.weight[movers]
            government_receives(state, month, "talent", origin, origin, exit_tax * wt)
            ledger.transfer("talent", origin, "blocked", origin, trapped * wt)
            rest_of_world_receives(state, "talent", origin, dest, moving * wt)
            ledger.transfer("talent", origin, "talent", dest, carried * wt)
            # trapped wealth stays where it was blocked (merged into any earlier blocked balance there)
            prev = t.trapped[movers] > 0
            same = t.trapped_in[movers] == origin
            keep_old = prev & ~same
            ledger.transfer("blocked", t.trapped_in[movers][keep_old], "blocked", origin[keep_old],
                            t.trapped[movers][keep_old] * wt[keep_old])
            t.trapped[movers] += trapped
            t.trapped_in[movers] = origin
            t.illiquid[movers] *= 1 - trap_share
            t.liquid[movers] = carried + np.minimum(t.liquid[movers], 0.0)
            t.location[movers] = dest
            moved_people = state.per_jurisdiction(origin, wt)
            month.flows["talent_wealth_out"] += state.per_jurisdiction(origin, carried * wt)
            state.cumulative["talent_wealth_out"] += state.per_jurisdiction(origin, carried * wt)
            left_home = (origin == st.home) & (t.home[movers] == st.home)
            month.talent_outflow_home = float(wt[left_home].sum())
    located = state.per_jurisdiction(t.location, t.weight)
    state.last_outflow_share = np.divide(moved_people, located + moved_people, out=np.zeros(J),
                                         where=(located + moved_people) > 0)
    state.outflow_trend += OUTFLOW_SMOOTHING * (state.last_outflow_share - state.outflow_trend)
    state.cumulative["talent_outflow"] += month.talent_outflow_home
