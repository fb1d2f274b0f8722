"""Capital flight: allocators move money offshore, within capital controls and what the crypto rail lets through.

Mechanism: political risk (populism, violence risk, CBDC surveillance money, feared lock-in) sets
the share of its assets each allocator wants held abroad; it closes part of the gap each month,
within a monthly outflow cap that controls tighten (the crypto rail leaks past them). Money that
leaves is held offshore (beyond the reach of the origin's controls) in a global portfolio: it buys
stakes in the firms of every other jurisdiction, by value, from their holders. The sellers, mostly
the destinations' allocators, receive the money and invest or pay it out at home; the firms'
dividends on the stakes bought flow back to their new owner. Capital that flees changes who owns
what and where the money is, and the ledger shows it arrive.

Reads: allocators' cash and shares; firms' value (share prices); gov.populism, violence_risk, cbdc_adoption,
cbdc_surveillance, capital_controls; state.last_outflow_share (feared lock-in).
Writes: allocators.cash, stakes; state.cumulative["capital_out"]; flows (capital_out).
Ledger: allocators → allocators of the destination jurisdictions (pooled).
RNG: nothing.
"""

from __future__ import annotations

import numpy as np

from model.door import crypto_escape_now, political_risk_now
from model.phases.capital_allocation import share_prices
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


def foreign_purchases(state: State, amounts: np.ndarray, price: np.ndarray) -> np.ndarray:
    """(A, F) shares each allocator buys abroad with ``amounts[a]`` at ``price`` (F,).

    The money buys a value-weighted portfolio of every other jurisdiction's alive firms, never more
    of a firm than exists.
    """
    a, f = state.allocators, state.firms
    shares = a.stakes.sum(axis=0) * f.alive
    weight = (shares * price)[None, :] * (f.jurisdiction[None, :] != a.jurisdiction[:, None])
    total = weight.sum(axis=1, keepdims=True)
    wanted = np.divide(weight, total, out=np.zeros_like(weight), where=total > 0) * amounts[:, None] / price[None, :]
    demand = wanted.sum(axis=0)
    return wanted * np.divide(shares, demand, out=np.ones_like(demand), where=demand > shares)[None, :]


def trade_stakes(state: State, bought: np.ndarray, price: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move ``bought`` (A, F) shares to their buyers from every holder of each firm, pro rata to its holding.

    Returns:
        What each allocator pays and what it receives for the shares it sells (A,), at ``price``.
    """
    a = state.allocators
    shares = a.stakes.sum(axis=0)
    sold = a.stakes * np.divide(bought.sum(axis=0), shares, out=np.zeros_like(shares), where=shares > 0)[None, :]
    a.stakes += bought - sold
    return bought @ price, sold @ price


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    a, g = state.allocators, state.gov
    aj = a.jurisdiction
    desired = desired_offshore_share(political_risk_now(state, p), p.finance.flight_risk_weight)
    price = share_prices(state)
    offshore = a.holdings_abroad(price)
    home_assets = a.cash + a.holdings(price) - offshore
    escape = crypto_escape_now(state, p)
    out = capital_outflow(home_assets, offshore, a.cash, desired[aj], p.finance.flight_speed,
                          g.capital_controls[aj], escape[aj], p.controls.max_outflow)
    paid, received = trade_stakes(state, foreign_purchases(state, out, price), price)
    a.cash += received - paid
    a.committed += paid - np.minimum(received, a.committed)
    state.ledger.pooled("allocators", state.per_jurisdiction(aj, paid), "allocators", state.per_jurisdiction(aj, received))
    month.flows["capital_out"] += state.per_jurisdiction(aj, paid)
    state.cumulative["capital_out"] += state.per_jurisdiction(aj, paid)
