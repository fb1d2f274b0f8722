"""Central bank: the policy rate from last month's unemployment and inflation gaps (Taylor rule, zero floor).

Reads: state.unemployment_j, gov.inflation, gov.policy_rate, state.structure.natural_u.
Writes: gov.policy_rate.
Ledger: nothing. RNG: nothing.
"""

from __future__ import annotations

import numpy as np

from model.parameters import Parameters
from model.state import Month, State


def taylor_rate(previous_rate, unemployment, natural_unemployment, inflation, inflation_target: float,
                neutral_rate: float, inflation_weight: float, unemployment_weight: float, smoothing: float):
    """Annual policy rate: smoothed Taylor rule, never below zero ("the Fed eases").

    target = r* + π + φπ (π − π*) − φu (u − u*)
    """
    target = (neutral_rate + inflation + inflation_weight * (inflation - inflation_target)
              - unemployment_weight * (unemployment - natural_unemployment))
    return np.maximum(smoothing * previous_rate + (1.0 - smoothing) * target, 0.0)


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    cb, g = p.central_bank, state.gov
    g.policy_rate[:] = taylor_rate(g.policy_rate, state.unemployment_j, state.structure.natural_u, g.inflation,
                                   cb.inflation_target, cb.neutral_rate, cb.inflation_weight, cb.unemployment_weight,
                                   cb.smoothing)
