"""Labour market: matching of job seekers and vacancies, separations and sticky wages."""

from __future__ import annotations

import numpy as np


def matches(job_seekers, vacancies, efficiency: float, elasticity: float):
    """Monthly matches of a Cobb-Douglas matching function, never more than either side.

    M = A · U^α · V^(1-α), capped by U and V.
    """
    u = np.maximum(job_seekers, 0.0)
    v = np.maximum(vacancies, 0.0)
    m = efficiency * np.power(u, elasticity) * np.power(v, 1.0 - elasticity)
    return np.minimum(m, np.minimum(u, v))


def normal_tightness(natural_unemployment, separation_rate: float, efficiency: float, elasticity: float):
    """Vacancies per job seeker at which flows keep unemployment at its natural rate.

    In a steady state hires equal separations, f·u* = s·(1 − u*), and the job-finding rate of
    the matching function is f = A·θ^(1−α); solving for θ gives the normal tightness.
    """
    finding = separation_rate * (1.0 - natural_unemployment) / np.maximum(natural_unemployment, 1e-6)
    return np.power(np.minimum(finding, 0.99) / efficiency, 1.0 / (1.0 - elasticity))


def update_wages(wage, tightness, normal_tightness, up: float, down: float, inflation_monthly):
    """Wages rise with tightness above normal and fall, slowly, with slack (downward stickiness).

    Args:
        wage: wage index per market.
        tightness: vacancies / job seekers per market.
        normal_tightness: tightness at which wages only follow inflation.
        up, down: response per unit of log tightness gap above / below normal (each month capped at ±5%).
        inflation_monthly: expected monthly inflation built into wages (may be negative).
    """
    gap = np.log(np.maximum(tightness, 1e-6)) - np.log(np.maximum(normal_tightness, 1e-6))
    change = np.where(gap > 0, up * gap, down * gap)
    change = np.clip(change, -0.05, 0.05)
    return wage * (1.0 + change) * (1.0 + inflation_monthly)


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
