"""Optional endogenous government responses ("lock them in"; populist surveillance and anti-robot policy)."""

from __future__ import annotations

import numpy as np


def lockin_response(response, outflow_share, threshold: float, step: float):
    """Tighten capital controls while monthly talent outflow exceeds the threshold."""
    return response + step * (outflow_share > threshold)


def populist_response(response, populism, threshold: float, step: float):
    """Raise a lever in proportion to populism above the threshold."""
    return response + step * np.maximum(populism - threshold, 0.0)
