"""AI talent's location choice: multinomial logit with home bias, exit costs, haven capacity and anticipation."""

from __future__ import annotations

import numpy as np
from scipy.special import expit


def crypto_escape(crypto_access, cbdc_adoption, surveillance, leak: float, enforcement: float):
    """Share of trapped wealth that still gets out through the crypto rail.

    A CBDC with surveillance makes capital controls enforceable: less leaks through crypto.
    """
    return np.clip(leak * crypto_access * (1.0 - enforcement * cbdc_adoption * surveillance), 0.0, 1.0)


def exit_cost_share(stringency, escape, moving_cost: float, max_exit_tax: float, max_trapped: float):
    """Cost of leaving a jurisdiction as a share of wealth: moving + exit tax + wealth trapped (net of escape)."""
    exit_tax = max_exit_tax * stringency
    trapped = max_trapped * stringency * (1.0 - escape)
    return np.clip(moving_cost + exit_tax + (1.0 - exit_tax) * trapped, 0.0, 1.0)


def lockin_probability(populism, outflow_share, cbdc_adoption, surveillance, base: float, w_populism: float,
                       w_outflow: float, w_cbdc: float):
    """Perceived chance the door closes within the horizon: rises with populism, others leaving and surveillance money."""
    return expit(base + w_populism * populism + w_outflow * outflow_share + w_cbdc * cbdc_adoption * surveillance)


def anticipated_cost_rise(cost_now, cost_announced, cost_locked, lockin_prob):
    """Expected rise of the exit cost over the horizon: announced changes plus feared lock-in."""
    announced = np.maximum(cost_announced - cost_now, 0.0)
    feared = lockin_prob * np.maximum(cost_locked - np.maximum(cost_now, cost_announced), 0.0)
    return announced + feared


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
