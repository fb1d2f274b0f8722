"""Capital flight: allocators move money offshore, within capital controls and what the crypto rail lets through.

Mechanism: political risk (populism, violence risk, CBDC surveillance money, feared lock-in) sets
the share of its assets each allocator wants held abroad; it closes part of the gap each month,
within a monthly outflow cap that controls tighten (the crypto rail leaks past them). Money that
leaves goes to the havens, by their amenity and safety.

Reads: allocators' cash, stakes, offshore; gov.populism, violence_risk, cbdc_adoption,
cbdc_surveillance, capital_controls; state.last_outflow_share (feared lock-in).
Writes: allocators.cash, offshore; state.cumulative["capital_out"]; flows (capital_out).
Ledger: allocators → foreign accounts of the destination jurisdictions.
RNG: nothing.
"""

from __future__ import annotations

import numpy as np

from model.door import crypto_escape_now, haven_pull, political_risk_now
from model.parameters import Parameters
from model.state import Month, State


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


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    a, g = state.allocators, state.gov
    aj = a.jurisdiction
    desired = desired_offshore_share(political_risk_now(state, p), p.finance.flight_risk_weight)
    assets = a.cash + a.invested
    offshore = a.offshore.sum(axis=1)
    escape = crypto_escape_now(state, p)
    out = capital_outflow(assets, offshore, a.cash, desired[aj], p.finance.flight_speed,
                          g.capital_controls[aj], escape[aj], p.controls.max_outflow)
    pull = haven_pull(state.structure, aj)
    a.offshore += out[:, None] * pull
    a.cash -= out
    rows, cols = np.nonzero(pull * out[:, None])
    state.ledger.transfer("allocators", aj[rows], "foreign", cols, (out[:, None] * pull)[rows, cols])
    month.flows["capital_out"] += state.per_jurisdiction(aj, out)
    state.cumulative["capital_out"] += state.per_jurisdiction(aj, out)
