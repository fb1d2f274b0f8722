"""Goods market: households, talent and governments spend; firms sell; firms buy robots and AI services.

Mechanism:
1. Demand. Households plan consumption out of income and savings (marginal propensities), scaled by
   an AR(1) aggregate demand shock and by the real policy rate against neutral (IS curve). With
   ``goods.mpc_wealth_elasticity`` above zero the propensity out of income falls with a household's
   savings relative to its jurisdiction's mean (the liquid-wealth gradient of the MPC); at zero, the
   default, every household has the same propensities. Talent consumes out of pay and wealth (it
   saves ``talent.saving_rate`` of its pay); governments buy a fixed real basket, adjusted by their
   fiscal rule; the rest of the world spends part of what it received from the jurisdiction (licensing, moving costs, AI imports) on its goods
   (exports). Residents spend ``import_share`` of their private spending abroad (imports), in the
   shares ``state.trade`` fixed at the start so that trade is balanced then. Each jurisdiction's spending
   is split over sectors (CES budget shares, price-inelastic) and spread over a sector's firms by
   their appeal (a persistent demand shifter) and relative price (monopolistic competition: a more
   productive firm, pricing lower, sells more). Firms sell up to 5% above capacity; what a firm
   cannot make goes to the firms of its market with room. Each firm learns its own demand (what
   buyers asked of it, not the overflow it served), so firms' demand adds up to what buyers planned.
   Buyers pay their share of what was actually sold.
2. Machines. Firms pay for their robots (tax to the government) and AI services; the money goes to
   the AI labs of the world in proportion to the productivity of the talent they employ (or abroad
   when no AI lab is alive). This is money paid to AI vendors instead of white-collar wages. The
   labs pass it on as staff wages and talent pay (model/phases/incomes.py) and dividends
   (model/phases/firm_accounts.py), which reach households in proportion to their savings; AI services
   cost far less than the wages they replace, so most of what firms save lowers their unit costs and,
   through prices, raises real incomes (experiments/ai_demand.py measures both).

Reads: workers.income, savings; talent.liquid; month.talent_net_pay; state.trade, real_purchases, purchases_adjustment,
foreign_other;
gov.price_index, policy_rate, inflation; firms' prices, capacity, appeal, robots, AI services; state.market_price_level;
month.robot_cost, robot_cost_pre_tax, ai_cost.
Writes: state.demand_shock; workers.savings; talent.liquid; gov.cash; firms.sales, cash, output;
month.household_consumption, talent_consumption, firm_demand, firm_machine_cost, vendor_revenue;
state.foreign_other;
flows (consumption, exports, imports, gdp, gov_spending, gov_revenue).
Ledger: households and talent → firms at home and abroad, government and the rest of the world → firms
(sales); firms → government (robot tax);
firms → firms (AI labs' revenue, pooled across jurisdictions) or firms → foreign.
RNG: J standard normals from ``state.shock_rng`` (the demand shocks), nothing from the model's stream.
"""

from __future__ import annotations

import numpy as np

from model.accounts import government_receives, rest_of_world_receives
from model.domain import AI_LABS, SECTORS
from model.parameters import Parameters
from model.production import capacity as firm_capacity
from model.state import Month, State


def household_demand(disposable_income, savings, mpc_income: float, mpc_wealth: float):
    """Planned consumption per person: a share of income plus a share of savings, never more than both."""
    income = np.maximum(disposable_income, 0.0)
    wealth = np.maximum(savings, 0.0)
    plan = income * mpc_income
    plan += mpc_wealth * wealth
    income += wealth                      # in place: what can be spent at most
    return np.minimum(plan, income)


def liquidity_mpc(savings, mean_savings, mpc_income: float, elasticity: float):
    """Propensity to consume out of income per person: ``mpc_income`` at the jurisdiction's mean savings,
    times (savings / mean)^(−elasticity), never above 1.

    Households with little liquid wealth spend more of an extra dollar of income, the wealthy less
    (Carroll, Slacalek, Tokuoka & White 2017; Fagereng, Holm & Natvik 2021). With ``elasticity`` 0
    it is ``mpc_income`` for everyone (a scalar).
    """
    if elasticity == 0:
        return mpc_income
    relative = np.maximum(savings, 0.0) / np.maximum(mean_savings, 1e-12)
    return np.minimum(mpc_income * np.power(np.maximum(relative, 1e-6), -elasticity), 1.0)


def rate_factor(policy_rate, inflation, neutral_rate: float, sensitivity: float):
    """Spending multiplier from the real policy rate: above neutral, households spend less (IS curve)."""
    return np.exp(-sensitivity * (policy_rate - inflation - neutral_rate))


def price_index(relative_price, weight, group, n_groups: int, empty=None):
    """Weighted geometric mean of relative prices per group (1, or ``empty``, where a group has no weight).

    A geometric index, as in CPI practice, keeps a dying firm whose price runs away from
    dominating its market's index.
    """
    total = np.bincount(group, weights=weight, minlength=n_groups)
    logs = np.bincount(group, weights=weight * np.log(np.maximum(relative_price, 1e-12)), minlength=n_groups)
    fallback = np.ones(n_groups) if empty is None else np.asarray(empty, dtype=float)
    return np.where(total > 0, np.exp(logs / np.where(total > 0, total, 1.0)), fallback)


def sector_budget_shares(base_shares, relative_price, elasticity: float):
    """Budget shares over sectors (CES): b_s ∝ b0_s · (P_s / P0_s)^(1−η).

    With η < 1 demand is price-inelastic: a sector whose price falls (say, by automation) gets a
    smaller share of spending.
    """
    shares = base_shares * np.power(np.maximum(relative_price, 1e-9), 1.0 - elasticity)
    return shares / np.maximum(shares.sum(axis=-1, keepdims=True), 1e-12)


def spread_demand(budget, market_of_firm, capacity, price, elasticity: float):
    """Spread each market's nominal budget over its firms by a weight and relative price.

    Firm f in market m gets budget[m] · w_f / Σ w, with w_f = capacity_f · (p_f / p̄_m)^(-ε). The model
    passes each firm's demand shifter (``firms.appeal``) as the weight: monopolistic competition, where
    a firm's share depends on its appeal and its price, not on what it can make (which
    :func:`serve_overflow` then enforces).

    Args:
        budget: nominal spending per market.
        market_of_firm: market index per firm (-1 for firms outside every market).
        capacity: weight of each firm at equal prices (capacity, or appeal).
        price: firm prices.
        elasticity: price elasticity ε of market shares.
    """
    inside = market_of_firm >= 0
    m = np.where(inside, market_of_firm, 0)
    n_markets = len(budget)
    cap = np.where(inside, capacity, 0.0)
    mean_price = np.bincount(m, weights=cap * price, minlength=n_markets) / np.maximum(
        np.bincount(m, weights=cap, minlength=n_markets), 1e-12)
    weight = cap * np.power(price / np.maximum(mean_price[m], 1e-12), -elasticity)
    total = np.bincount(m, weights=weight, minlength=n_markets)
    return np.where(inside & (total[m] > 0), budget[m] * weight / np.maximum(total[m], 1e-12), 0.0)


def serve_overflow(demand, limit, market_of_firm, n_markets: int):
    """What firms sell when demand a firm cannot meet goes to the other firms of its market that have room.

    Each firm sells its demand up to ``limit``; each market's unmet demand is shared over its firms in
    proportion to their room (limit less demand), never beyond it.

    Returns:
        (sales, received): what each firm sells, and the overflow it received from its rivals.
    """
    inside = market_of_firm >= 0
    m = np.where(inside, market_of_firm, 0)
    unmet = np.where(inside, np.maximum(demand - limit, 0.0), 0.0)
    room = np.where(inside, np.maximum(limit - demand, 0.0), 0.0)
    total_unmet = np.bincount(m, weights=unmet, minlength=n_markets)
    total_room = np.bincount(m, weights=room, minlength=n_markets)
    served = np.minimum(total_unmet, total_room)
    received = np.divide(room * served[m], total_room[m], out=np.zeros_like(room), where=total_room[m] > 0)
    return np.where(inside, np.minimum(demand, limit), 0.0) + received, received


def balanced_trade(import_share: np.ndarray, private_spending: np.ndarray, iterations: int = 200) -> np.ndarray:
    """(J, J) shares of each jurisdiction's private spending (rows) bought from each jurisdiction (columns).

    Each jurisdiction spends ``1 − import_share`` at home. What it buys abroad is a symmetric flow
    ``a_j a_k`` between every pair (gravity: large and open economies trade more), with ``a`` solved so
    that each spends exactly its import share abroad: trade starts balanced, pair by pair, and
    imbalances come only from spending that moves afterwards (a boom leaks abroad). Where no symmetric
    solution exists (one economy would have to buy more than all others sell), it comes as close as it can.
    """
    J = len(import_share)
    imports = np.maximum(import_share * private_spending, 0.0)
    a = np.sqrt(imports)
    cap = np.sqrt(imports.sum())
    for _ in range(iterations):     # a_j (A - a_j) = imports_j, by a damped fixed point
        rest = a.sum() - a
        a = np.minimum(np.sqrt(np.divide(a * imports, rest, out=np.zeros(J), where=rest > 0)), cap)
    flows = np.outer(a, a)
    np.fill_diagonal(flows, 0.0)
    abroad = np.divide(flows, private_spending[:, None], out=np.zeros_like(flows), where=private_spending[:, None] > 0)
    abroad = np.minimum(abroad, 1.0)
    scale = np.minimum(1.0, np.divide(import_share, abroad.sum(axis=1), out=np.ones(J), where=abroad.sum(axis=1) > 0))
    abroad *= scale[:, None]
    return abroad + np.diag(1.0 - abroad.sum(axis=1))


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    w, t, f, st, g, ledger = state.workers, state.talent, state.firms, state.structure, state.gov, state.ledger
    gm = p.goods
    J, S = state.n_j, len(SECTORS)
    # demand shocks drive the cycle
    state.demand_shock = gm.demand_persistence * state.demand_shock + gm.demand_noise * state.shock_rng.standard_normal(J)
    shock = np.exp(state.demand_shock) * rate_factor(g.policy_rate, g.inflation, p.central_bank.neutral_rate,
                                                     gm.rate_sensitivity)
    mpc = gm.mpc_income
    if gm.mpc_wealth_elasticity > 0:
        mean_savings = w.by_jurisdiction(np.maximum(w.savings, 0.0) * w.weight) / w.by_jurisdiction(w.weight)
        mpc = liquidity_mpc(w.savings, mean_savings[w.jurisdiction], gm.mpc_income, gm.mpc_wealth_elasticity)
    hh_plan = household_demand(w.income, w.savings, mpc, gm.mpc_wealth) * shock[w.jurisdiction]
    hh_plan = np.minimum(hh_plan, np.maximum(w.savings, 0.0))
    t_plan = np.minimum((1 - p.talent.saving_rate) * month.talent_net_pay + gm.mpc_wealth * np.maximum(t.liquid, 0),
                        np.maximum(t.liquid, 0))
    gov_plan = np.maximum(state.real_purchases * g.price_index + state.purchases_adjustment, 0.0)
    export_plan = gm.rest_of_world_spending * np.maximum(state.foreign_other, 0.0)
    hh_total = w.by_jurisdiction(hh_plan * w.weight)
    t_total = state.per_jurisdiction(t.location, t_plan * t.weight)
    # residents' private spending: at home, and the import share abroad in proportion to the others' GDP
    trade = state.trade                                                       # (J buyers, J sellers)
    private = (hh_total + t_total) @ trade
    market = f.jurisdiction * S + f.sector
    # each market's price level: its chained index (model/phases/prices.py)
    sector_price = state.market_price_level
    shares = sector_budget_shares(st.budget, sector_price.reshape(J, S), gm.sector_elasticity)
    planned = private + gov_plan + export_plan
    budget = planned[:, None] * shares
    market = np.where(f.alive, market, -1)
    capacity = firm_capacity(state)
    demand = spread_demand(budget.ravel(), market, f.appeal * f.alive, f.price, gm.price_elasticity)
    sales, _ = serve_overflow(demand, 1.05 * f.price * capacity, market, J * S)
    # firms learn their own demand (the overflow they serve is their rivals'): the total is what buyers planned
    month.firm_demand = demand
    spent = state.per_jurisdiction(np.maximum(market, 0) // S, sales * (market >= 0))
    ratio = np.divide(spent, planned, out=np.zeros(J), where=planned > 0)
    # each buyer pays its share of what was actually sold, in every jurisdiction it buys from
    bought = trade * ratio[None, :]                                          # (J, J) share of a plan filled, by seller
    filled = bought.sum(axis=1)
    hh_paid = hh_plan * filled[w.jurisdiction]
    t_paid = t_plan * filled[t.location]
    gov_paid = gov_plan * ratio
    w.savings -= hh_paid
    t.liquid -= t_paid
    month.household_consumption = hh_paid
    month.talent_consumption = t_paid
    buyer, seller = np.indices((J, J))
    ledger.transfer("households", buyer, "firms", seller, hh_total[:, None] * bought)
    ledger.transfer("talent", buyer, "firms", seller, t_total[:, None] * bought)
    ledger.transfer_by_jurisdiction("government", "firms", gov_paid)
    g.cash -= gov_paid
    from_rest_of_world = export_plan * ratio
    ledger.transfer_by_jurisdiction("foreign", "firms", from_rest_of_world)
    state.foreign_other -= from_rest_of_world
    abroad = (hh_total + t_total)[:, None] * bought * (buyer != seller)
    month.flows["imports"] += abroad.sum(axis=1)
    month.flows["exports"] += abroad.sum(axis=0) + from_rest_of_world
    f.sales[:] = sales
    f.cash += sales
    f.output[:] = sales / np.maximum(f.price, 1e-12)
    month.flows["gov_spending"] += gov_paid
    month.flows["consumption"] += (hh_total + t_total) * filled
    month.flows["gdp"] += spent

    # AI services and robots: bought from AI labs worldwide, shared by the talent they employ
    j = f.jurisdiction
    robot_tasks = f.robots * p.technology.workers_per_robot     # costs are per worker-equivalent
    robot_spend = robot_tasks * month.robot_cost_pre_tax[j]
    robot_tax = robot_tasks * (month.robot_cost[j] - month.robot_cost_pre_tax[j])
    ai_spend = f.ai_services * month.ai_cost[j]
    f.cash -= robot_spend + robot_tax + ai_spend
    month.firm_machine_cost = robot_spend + robot_tax + ai_spend
    government_receives(state, month, "firms", j, j, robot_tax)
    vendors = f.alive & (f.sector == AI_LABS)
    capacity_ip = np.bincount(np.maximum(t.employer, 0), weights=t.productivity * t.weight * (t.employer >= 0),
                              minlength=len(f)) * vendors
    spend = robot_spend + ai_spend
    if capacity_ip.sum() > 0:
        share = capacity_ip / capacity_ip.sum()
        vendor_revenue = spend.sum() * share
        ledger.pooled("firms", state.per_jurisdiction(j, spend), "firms", state.per_jurisdiction(j, vendor_revenue))
        f.cash += vendor_revenue
        f.sales += vendor_revenue
    else:
        vendor_revenue = np.zeros(len(f))
        rest_of_world_receives(state, "firms", j, j, spend)
    month.vendor_revenue = vendor_revenue
