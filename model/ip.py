"""IP and value capture: a bits firm's rent is booked where its talent lives."""

from __future__ import annotations

import numpy as np


def ip_rent_shares(employer, location, productivity, weight, n_firms: int, n_jurisdictions: int):
    """Share of each firm's IP attributable to talent living in each jurisdiction.

    Returns:
        (n_firms, J) shares; rows of firms with no talent are zero.
    """
    valid = employer >= 0
    cell = employer[valid] * n_jurisdictions + location[valid]
    contrib = np.bincount(cell, weights=(productivity * weight)[valid],
                          minlength=n_firms * n_jurisdictions).reshape(n_firms, n_jurisdictions)
    total = contrib.sum(axis=1, keepdims=True)
    return np.divide(contrib, total, out=np.zeros_like(contrib), where=total > 0)


def licensing_cost_share(stringency, escape, base_cost: float):
    """Extra cost of licensing IP back onshore: bites with controls, falls where the crypto rail works."""
    return base_cost * stringency * (1.0 - escape)
