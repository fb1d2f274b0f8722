"""Goods market: household demand, its spread over firms, and pricing."""

from __future__ import annotations

import numpy as np


def household_demand(disposable_income, savings, mpc_income: float, mpc_wealth: float):
    """Planned consumption per person: a share of income plus a share of savings, never more than both."""
    income = np.maximum(disposable_income, 0.0)
    wealth = np.maximum(savings, 0.0)
    plan = income * mpc_income
    plan += mpc_wealth * wealth
    income += wealth                      # in place: what can be spent at most
    return np.minimum(plan, income)


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
    """Spread each market's nominal budget over its firms by capacity and relative price.

    Firm f in market m gets budget[m] · w_f / Σ w, with w_f = capacity_f · (p_f / p̄_m)^(-ε).

    Args:
        budget: nominal spending per market.
        market_of_firm: market index per firm (-1 for firms outside every market).
        capacity: real output the firm can supply.
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
