"""Capital flight: allocators move money offshore, within capital controls and what the crypto rail lets through.

Mechanism: political risk (populism, violence risk, CBDC surveillance money, feared lock-in) sets
the share of its assets each allocator wants held abroad; it closes part of the gap each month,
within a monthly outflow cap that controls tighten (the crypto rail leaks past them). Money that
leaves is held offshore (beyond the reach of the origin's controls) in a global portfolio: it buys
stakes in the firms of every other jurisdiction, by value, from their holders. The sellers, mostly
the destinations' allocators, receive the money and invest or pay it out at home; the firms'
dividends on the stakes bought flow back to their new owner. Capital that flees changes who owns
what and where the money is, and the ledger shows it arrive.

Reads: allocators' cash and shares; month.share_price; gov.populism, violence_risk, cbdc_adoption,
cbdc_surveillance, capital_controls; state.last_outflow_share (feared lock-in).
Writes: allocators.cash, stakes; state.cumulative["capital_out"]; flows (capital_out).
Ledger: allocators → allocators of the destination jurisdictions (pooled).
RNG: nothing.
"""

from __future__ import annotations

import numpy as np

from model.door import crypto_escape_now, political_risk_now
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


def buy_abroad(state: State, amounts: np.ndarray, price: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each allocator spends ``amounts[a]`` on a value-weighted portfolio of every other jurisdiction's alive firms,
    buying the shares from their holders, pro rata to their holdings (never more of a firm than exists).

    Returns:
        What each allocator pays and what it receives for the shares it sells (A,), at ``price`` (F,).
    """
    a, f = state.allocators, state.firms
    shares = a.stakes.sum(axis=0) * f.alive
    value = shares * price
    value_j = state.per_jurisdiction(f.jurisdiction, value)
    coef = np.divide(amounts, value_j.sum() - value_j[a.jurisdiction], out=np.zeros(len(a)),
                     where=value_j.sum() - value_j[a.jurisdiction] > 0)
    coef_j = state.per_jurisdiction(a.jurisdiction, coef)
    demand = value * (coef_j.sum() - coef_j[f.jurisdiction])        # money each firm's holders are offered
    scale = np.divide(value, demand, out=np.ones_like(demand), where=demand > value)
    sold_share = np.divide(demand * scale, value, out=np.zeros_like(value), where=value > 0)
    received = a.stakes @ (sold_share * price)
    bought = np.outer(coef, shares * scale)
    bought[a.jurisdiction[:, None] == f.jurisdiction[None, :]] = 0.0
    a.stakes *= 1.0 - sold_share
    a.stakes += bought
    scaled_value_j = state.per_jurisdiction(f.jurisdiction, value * scale)
    paid = coef * (scaled_value_j.sum() - scaled_value_j[a.jurisdiction])
    return paid, received


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    a, g = state.allocators, state.gov
    aj = a.jurisdiction
    desired = desired_offshore_share(political_risk_now(state, p), p.finance.flight_risk_weight)
    price = month.share_price
    held = a.holdings_by_jurisdiction(price)
    at_home = held[np.arange(len(a)), aj]
    offshore = held.sum(axis=1) - at_home
    home_assets = a.cash + at_home
    escape = crypto_escape_now(state, p)
    out = capital_outflow(home_assets, offshore, a.cash, desired[aj], p.finance.flight_speed,
                          g.capital_controls[aj], escape[aj], p.controls.max_outflow)
    paid, received = buy_abroad(state, out, price)
    a.cash += received - paid
    a.committed += paid - np.minimum(received, a.committed)
    state.ledger.pooled("allocators", state.per_jurisdiction(aj, paid), "allocators", state.per_jurisdiction(aj, received))
    month.flows["capital_out"] += state.per_jurisdiction(aj, paid)
    state.cumulative["capital_out"] += state.per_jurisdiction(aj, paid)
