"""Central bank: a Taylor-type rule on the unemployment and inflation gaps, floored at zero."""

from __future__ import annotations

import numpy as np


def taylor_rate(previous_rate, unemployment, natural_unemployment, inflation, inflation_target: float,
                neutral_rate: float, inflation_weight: float, unemployment_weight: float, smoothing: float):
    """Annual policy rate: smoothed Taylor rule, never below zero ("the Fed eases").

    target = r* + π + φπ (π − π*) − φu (u − u*)
    """
    target = (neutral_rate + inflation + inflation_weight * (inflation - inflation_target)
              - unemployment_weight * (unemployment - natural_unemployment))
    return np.maximum(smoothing * previous_rate + (1.0 - smoothing) * target, 0.0)
