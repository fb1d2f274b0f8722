"""Capital flight: allocators move money offshore subject to capital controls and the crypto rail."""

from __future__ import annotations

import numpy as np


def political_risk(populism, violence_risk, cbdc_adoption, surveillance, lockin_prob, weights):
    """Risk index in [0, 1] that makes capital want to be held abroad.

    A weighted sum of populism, violence risk, CBDC adoption × surveillance and the perceived
    chance of lock-in (``weights`` in that order), capped at 1.
    """
    w_pop, w_violence, w_cbdc, w_lockin = weights
    return np.clip(w_pop * populism + w_violence * violence_risk + w_cbdc * cbdc_adoption * surveillance
                   + w_lockin * lockin_prob, 0.0, 1.0)


def desired_offshore_share(risk, weight: float):
    return np.clip(weight * risk, 0.0, 0.9)


def capital_outflow(assets, offshore, cash, desired_share, speed: float, stringency, escape, max_outflow: float):
    """Money an allocator moves offshore this month.

    It closes a share of the gap to its desired offshore share, within a cap that controls
    tighten; what the crypto rail lets through is added to the cap.
    """
    gap = np.maximum(desired_share * (assets + offshore) - offshore, 0.0)
    wanted = speed * gap
    formal_cap = max_outflow * (1.0 - stringency) * (assets + offshore)
    leak = escape * stringency * wanted
    return np.clip(np.minimum(wanted, formal_cap + leak), 0.0, np.maximum(cash, 0.0))
