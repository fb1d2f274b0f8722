"""How open the door out of each jurisdiction is: the crypto rail, exit costs, feared lock-in, political risk.

The formulas are pure functions over arrays; the ``*_now`` helpers apply them to this month's state.
Capital flight, talent's location choice and IP licensing all read the door from here.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from model.parameters import Parameters
from model.state import State


def crypto_escape(crypto_access, cbdc_adoption, surveillance, leak: float, enforcement: float):
    """Share of trapped wealth that still gets out through the crypto rail.

    A CBDC with surveillance makes capital controls enforceable: less leaks through crypto.
    """
    return np.clip(leak * crypto_access * (1.0 - enforcement * cbdc_adoption * surveillance), 0.0, 1.0)


def exit_bill(liquid, illiquid, stringency, escape, moving_cost: float, max_exit_tax: float, max_trapped: float):
    """What leaving costs a person, paid out of liquid wealth (per person).

    The exit tax falls on all wealth (``max_exit_tax`` × stringency) but is paid from liquid wealth;
    of what is left, the controls trap a share (``max_trapped`` × stringency, less what escapes
    through the crypto rail); moving costs a share of what actually leaves.

    Returns:
        ``(exit_tax, trapped, moving, carried, trapped_share)``; the first four sum to the liquid wealth.
    """
    liquid = np.maximum(liquid, 0.0)
    exit_tax = np.minimum(max_exit_tax * stringency * (liquid + illiquid), liquid)
    after_tax = liquid - exit_tax
    trapped_share = max_trapped * stringency * (1.0 - escape)
    trapped = trapped_share * after_tax
    moving = moving_cost * (after_tax - trapped)
    return exit_tax, trapped, moving, after_tax - trapped - moving, trapped_share


def exit_cost_share(stringency, escape, moving_cost: float, max_exit_tax: float, max_trapped: float):
    """Share of wealth lost by leaving a jurisdiction: the exit bill of one unit of liquid wealth."""
    exit_tax, trapped, moving, _, _ = exit_bill(1.0, 0.0, stringency, escape, moving_cost, max_exit_tax, max_trapped)
    return np.clip(exit_tax + trapped + moving, 0.0, 1.0)


def lockin_probability(populism, populist, outflow_share, cbdc_adoption, surveillance, base: float, w_populism: float,
                       w_populist: float, w_outflow: float, w_cbdc: float):
    """Perceived chance the door closes within the horizon, from what talent can observe: populism, a populist
    government in power, others leaving and surveillance money."""
    return expit(base + w_populism * populism + w_populist * populist + w_outflow * outflow_share
                 + w_cbdc * cbdc_adoption * surveillance)


def anticipated_cost_rise(cost_now, cost_announced, cost_locked, lockin_prob):
    """Expected rise of the exit cost over the horizon: announced changes plus feared lock-in."""
    announced = np.maximum(cost_announced - cost_now, 0.0)
    feared = lockin_prob * np.maximum(cost_locked - np.maximum(cost_now, cost_announced), 0.0)
    return announced + feared


def political_risk(populism, violence_risk, cbdc_adoption, surveillance, lockin_prob, weights):
    """Risk index in [0, 1] that makes capital want to be held abroad.

    A weighted sum of populism, violence risk, CBDC adoption × surveillance and the perceived
    chance of lock-in (``weights`` in that order), capped at 1.
    """
    w_pop, w_violence, w_cbdc, w_lockin = weights
    return np.clip(w_pop * populism + w_violence * violence_risk + w_cbdc * cbdc_adoption * surveillance
                   + w_lockin * lockin_prob, 0.0, 1.0)


def crypto_escape_now(state: State, p: Parameters) -> np.ndarray:
    """(J,) share of trapped wealth the crypto rail frees in each jurisdiction this month."""
    c, g, st = p.controls, state.gov, state.structure
    return crypto_escape(st.crypto, g.cbdc_adoption, g.cbdc_surveillance, c.crypto_leak, c.cbdc_enforcement)


def lockin_now(state: State, p: Parameters) -> np.ndarray:
    """(J,) perceived chance that each jurisdiction's door closes within talent's horizon."""
    tb, g = p.talent, state.gov
    return lockin_probability(g.populism, g.populist, state.last_outflow_share, g.cbdc_adoption, g.cbdc_surveillance,
                              tb.lockin_base, tb.lockin_populism, tb.lockin_populist, tb.lockin_outflow, tb.lockin_cbdc)


def political_risk_now(state: State, p: Parameters) -> np.ndarray:
    """(J,) political risk index of each jurisdiction this month."""
    g = state.gov
    return political_risk(g.populism, g.violence_risk, g.cbdc_adoption, g.cbdc_surveillance, lockin_now(state, p),
                          p.finance.risk_weights)
