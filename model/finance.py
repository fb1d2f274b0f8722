"""Capital allocation by allocator kind: index, venture (2 and 20), state tournament, sovereign."""

from __future__ import annotations

import numpy as np

from model.domain import INDEX, SOVEREIGN, TOURNAMENT, VENTURE


def venture_share_target(base_share, carry_tax, income_tax, reference_advantage: float, elasticity: float):
    """Venture's share of new money: rises with the tax advantage of carry over ordinary income.

    The advantage is (1 − carry tax) / (1 − income tax); at ``reference_advantage`` the share is the
    observed ``base_share``. A bigger loophole draws fee-driven funds in, and they steer more capital.
    """
    advantage = (1.0 - carry_tax) / np.maximum(1.0 - income_tax, 1e-9)
    return np.clip(base_share * np.power(advantage / reference_advantage, elasticity), 0.0, 0.95)


def management_fee(assets, annual_fee: float):
    """Monthly management fee on assets under management ("the two")."""
    return assets * annual_fee / 12.0


def carried_interest(returns, assets, carry: float, annual_hurdle: float):
    """Monthly carry ("the twenty"): a share of returns above the hurdle on assets."""
    return carry * np.maximum(returns - assets * annual_hurdle / 12.0, 0.0)


def deployment_weights(kind: int, valuation, sales, expected_sales, profit, is_bits, tournament_weight, eligible):
    """How an allocator of ``kind`` spreads new money over eligible firms (weights, not normalised).

    index: value-weighted over all firms; venture: bits firms by growth and cash burn (it is paid to
    move money); tournament: bits firms equally, scaled by the last review; sovereign: bits firms by value.
    """
    if kind == INDEX:
        w = np.maximum(valuation, 0.0)
    elif kind == VENTURE:
        growth = np.maximum(expected_sales - sales, 0.0) + 0.05 * sales
        burn = np.maximum(-profit, 0.0)
        w = (growth + burn + 1e-6) * is_bits
    elif kind == TOURNAMENT:
        w = tournament_weight * is_bits
    elif kind == SOVEREIGN:
        w = np.maximum(valuation, 0.0) * is_bits
    else:
        raise ValueError(f"unknown allocator kind {kind}")
    return np.where(eligible, w, 0.0)


def tournament_review(score, funded, keep: float, scale_up: float):
    """Rank funded firms by score; scale the best ``keep`` share, defund the rest.

    Returns:
        New funding weights (scale_up for winners, 0 for losers, 1 for firms not in the tournament).
    """
    weights = np.ones_like(score, dtype=float)
    idx = np.flatnonzero(funded)
    if len(idx) == 0:
        return weights
    n_keep = max(1, int(round(keep * len(idx))))
    winners = idx[np.argsort(-score[idx], kind="stable")[:n_keep]]
    weights[idx] = 0.0
    weights[winners] = scale_up
    return weights


def valuation(cash, debt, expected_profit, policy_rate, premium: float, growth):
    """Firm value: net cash plus expected annual profit capitalised at rate + premium − growth."""
    discount = np.maximum(policy_rate + premium - np.clip(growth, -0.5, 0.5 * (policy_rate + premium)), 0.01)
    return np.maximum(cash - debt + 12.0 * expected_profit / discount, 0.0)
