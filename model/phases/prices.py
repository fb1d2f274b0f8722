"""Prices: firms reprice toward cost plus markup, update expected sales and scale, and are valued; inflation.

Mechanism: each firm's target price is unit cost (wages, machines, talent) per unit of output (so a
more productive firm charges less) plus a markup, raised when demand exceeds what it can make and cut
when it falls short (bounded); prices close a share of the gap each month (nominal rigidity).
Expected sales adapt to demand and set next month's scale, but growth must be financed: a firm adds
scale only up to what ``firms.collateral`` times its cash above its buffer (retained earnings, money
from allocators) pays for at ``firms.capital_months`` of cost per task-month (the collateral
constraint k ≤ λa of Midrigan & Xu 2014). Valuations capitalise profit at the policy rate plus a
premium. Each jurisdiction's price level is a geometric index of its markets' price levels,
weighted by their sales; a market's level is the plain geometric mean (Jevons, as in CPI
elementary aggregates) of its firms' prices per efficiency unit (price × own productivity) against
its reference price. A firm's own productivity is held constant, like quality in a hedonic index:
buyers moving to cheaper, more productive firms, and firms entering and leaving, are not inflation
or deflation; those gains show in real output. Year-on-year inflation compares the level with
twelve months earlier; inflation expectations (``gov.inflation``) are an exponentially weighted
average of annualised monthly inflation.

Reads: firms' prices, tasks, staff, shares, cash, debt, profit, sales, productivity, alive; month.firm_demand,
vendor_revenue, robot_cost, ai_cost; state.wage, talent_intensity, price0; gov.policy_rate.
Writes: firms.price, expected_sales, tasks, valuation; gov.inflation, price_index; state.market_price_level,
prev_price_level, price_levels; month.inflation.
Ledger: nothing. RNG: nothing.
"""

from __future__ import annotations

import numpy as np

from model.domain import SECTORS
from model.parameters import Parameters
from model.phases.goods_market import price_index
from model.production import capacity, productivity, unit_cost
from model.state import Month, State


def target_price(unit_cost, markup: float, pressure=1.0, demand_pricing: float = 0.0):
    """Cost plus markup, raised when demand exceeds capacity and cut when it falls short.

    Args:
        unit_cost: cost per unit of output.
        markup: target markup over cost.
        pressure: demand / capacity at current prices (1 = balanced).
        demand_pricing: elasticity of the price to that pressure (the factor is bounded to [0.8, 1.25]).
    """
    return unit_cost * (1.0 + markup) * np.clip(np.power(np.maximum(pressure, 1e-6), demand_pricing), 0.8, 1.25)


def adjust_price(price, target, speed: float):
    """Prices close a share of the gap to their target each month."""
    return price + speed * (target - price)


def financed_scale(tasks, free_cash, cost_per_task, capital_months: float, collateral: float):
    """Most scale a firm can reach this month: growth must be financed (Midrigan & Xu 2014; Moll 2014).

    A task-month of scale ties up ``capital_months`` months of its normal cost in capital, and each unit
    of the firm's cash above its buffer (retained earnings and money from allocators) supports
    ``collateral`` (λ) units of capital (k ≤ λa). Shrinking is never constrained.

    Args:
        tasks: current scale (task-months).
        free_cash: cash above the firm's buffer.
        cost_per_task: normal cost of a task-month.
        capital_months: capital per task-month of scale, in months of its cost.
        collateral: λ, capital per unit of funds.
    """
    capital_per_task = np.maximum(capital_months * cost_per_task, 1e-12)
    return tasks + collateral * np.maximum(free_cash, 0.0) / capital_per_task


def valuation(cash, debt, expected_profit, policy_rate, premium: float, growth):
    """Firm value: net cash plus expected annual profit capitalised at rate + premium − growth."""
    discount = np.maximum(policy_rate + premium - np.clip(growth, -0.5, 0.5 * (policy_rate + premium)), 0.01)
    return np.maximum(cash - debt + 12.0 * expected_profit / discount, 0.0)


def efficiency_prices(state: State) -> np.ndarray:
    """(F,) each firm's price per efficiency unit: its price times its own productivity multiplier."""
    return state.firms.price * state.firms.productivity


def market_price_levels(state: State) -> np.ndarray:
    """(J·S,) each market's price level: the plain geometric mean (Jevons) of its firms' prices per efficiency
    unit relative to the market's reference (``state.price0``); 1 for a market without firms.

    Firms' own productivity is held constant, as quality is in a hedonic index: buyers moving to
    cheaper, more productive firms, and firms entering and leaving, are not inflation or deflation
    (with a few aggregate firms per market they would otherwise swing the index); the gains show in
    real output, valued at each market's base prices.
    """
    f = state.firms
    market = f.jurisdiction * len(SECTORS) + f.sector
    return price_index(efficiency_prices(state) / state.price0, f.alive.astype(float), market, state.n_j * len(SECTORS))


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    f, g = state.firms, state.gov
    gm, fin = p.goods, p.finance
    j = f.jurisdiction
    cost = unit_cost(state, month)
    output_per_task = productivity(state)
    capacity_value = f.price * capacity(state)
    pressure = np.divide(month.firm_demand, capacity_value, out=np.ones(len(f)), where=capacity_value > 0)
    target = target_price(cost, gm.markup, pressure, gm.demand_pricing) / output_per_task
    f.price[:] = np.where(f.alive, adjust_price(f.price, target, gm.price_adjustment), f.price)
    f.expected_sales[:] = np.where(f.alive, f.expected_sales + gm.expectation_speed * (
        month.firm_demand + month.vendor_revenue - f.expected_sales), 0.0)
    wanted = f.expected_sales / np.maximum(f.price * output_per_task, 1e-12)
    free_cash = np.maximum(f.cash - fin.cash_buffer * cost * f.tasks, 0.0)
    ceiling = financed_scale(f.tasks, free_cash, cost, p.firms.capital_months, p.firms.collateral)
    f.tasks[:] = np.where(f.alive, np.minimum(wanted, ceiling), 0.0)
    growth = np.divide(month.firm_demand - f.sales, np.maximum(f.sales, 1e-9), out=np.zeros(len(f)), where=f.sales > 0)
    f.valuation[:] = np.where(f.alive, valuation(f.cash, f.debt, f.profit, g.policy_rate[j], fin.equity_premium, growth), 0.0)
    # each market's price level per efficiency unit (the firm's own productivity held constant, like quality
    # in a hedonic index), its firms' plain geometric mean (Jevons); markets weighted by sales
    S = len(SECTORS)
    market = j * S + f.sector
    state.market_price_level = market_price_levels(state)
    market_sales = np.bincount(market, weights=f.sales * f.alive, minlength=state.n_j * S)
    level = price_index(state.market_price_level, market_sales, np.arange(state.n_j * S) // S, state.n_j,
                        empty=state.prev_price_level)
    monthly = level / np.maximum(state.prev_price_level, 1e-12) - 1.0
    g.inflation[:] = 0.9 * g.inflation + 0.1 * (12.0 * monthly)
    g.price_index[:] = level
    state.prev_price_level = level
    row = month.step % 12
    month.inflation = level / state.price_levels[row] - 1.0
    state.price_levels[row] = level
