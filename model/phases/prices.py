"""Prices: firms reprice toward cost plus markup, update expected sales and scale, and are valued; inflation.

Mechanism: each firm's target price is unit cost (wages, machines, talent) plus a markup, raised
when demand exceeds what it can make and cut when it falls short (bounded); prices close a share of
the gap each month (nominal rigidity). Expected sales adapt to demand and set next month's scale.
Valuations capitalise profit at the policy rate plus a premium. Each jurisdiction's price level is
a sales-weighted geometric index of firms' prices; year-on-year inflation compares it with twelve
months earlier; inflation expectations (``gov.inflation``) are an exponentially weighted average of
annualised monthly inflation.

Reads: firms' prices, tasks, staff, shares, cash, debt, profit, sales; month.firm_demand,
vendor_revenue, robot_cost, ai_cost; state.wage, talent_intensity; gov.policy_rate.
Writes: firms.price, expected_sales, tasks, valuation; gov.inflation, price_index; state.prev_price_level,
state.price_levels; month.inflation.
Ledger: nothing. RNG: nothing.
"""

from __future__ import annotations

import numpy as np

from model.parameters import Parameters
from model.phases.goods_market import price_index
from model.production import capacity, unit_cost
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


def valuation(cash, debt, expected_profit, policy_rate, premium: float, growth):
    """Firm value: net cash plus expected annual profit capitalised at rate + premium − growth."""
    discount = np.maximum(policy_rate + premium - np.clip(growth, -0.5, 0.5 * (policy_rate + premium)), 0.01)
    return np.maximum(cash - debt + 12.0 * expected_profit / discount, 0.0)


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    f, g = state.firms, state.gov
    gm, fin = p.goods, p.finance
    j = f.jurisdiction
    cost = unit_cost(state, month)
    capacity_value = f.price * capacity(state)
    pressure = np.divide(month.firm_demand, capacity_value, out=np.ones(len(f)), where=capacity_value > 0)
    target = target_price(cost, gm.markup, pressure, gm.demand_pricing) / state.sector_productivity
    f.price[:] = np.where(f.alive, adjust_price(f.price, target, gm.price_adjustment), f.price)
    f.expected_sales[:] = np.where(f.alive, f.expected_sales + gm.expectation_speed * (
        month.firm_demand + month.vendor_revenue - f.expected_sales), 0.0)
    f.tasks[:] = np.where(f.alive, f.expected_sales / np.maximum(f.price * state.sector_productivity, 1e-12), 0.0)
    growth = np.divide(month.firm_demand - f.sales, np.maximum(f.sales, 1e-9), out=np.zeros(len(f)), where=f.sales > 0)
    f.valuation[:] = np.where(f.alive, valuation(f.cash, f.debt, f.profit, g.policy_rate[j], fin.equity_premium, growth), 0.0)
    weight = f.sales * f.alive
    level = price_index(f.price / state.price0, weight, j, state.n_j, empty=state.prev_price_level)
    monthly = level / np.maximum(state.prev_price_level, 1e-12) - 1.0
    g.inflation[:] = 0.9 * g.inflation + 0.1 * (12.0 * monthly)
    g.price_index[:] = level
    state.prev_price_level = level
    row = month.step % 12
    month.inflation = level / state.price_levels[row] - 1.0
    state.price_levels[row] = level
