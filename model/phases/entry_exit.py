"""Entry and exit: firms short of cash borrow within their limit; those still short exit; funded entrants fill
empty slots.

Mechanism: a firm whose cash is negative borrows from the banks up to ``finance.debt_limit`` months
of expected sales (new money). A firm still short of cash fails: the banks write off the loss, its
staff and talent are let go and its investors lose their stakes. Each month a share of the empty firm slots
is refilled by an entrant where the market's demand outruns what its firms can make (free entry:
Hopenhayn 1992; the chance rises with the excess up to ``finance.entry_rate`` at
``finance.entry_pressure``, so a market in balance sees no entry), funded by the allocator of its
jurisdiction with the most cash (bits firms by venture, tournament or sovereign funds when there
is one), sized and priced like the median firm of its market.

Reads: firms' cash, debt, expected sales, tasks, prices, capacity; month.firm_demand; allocators' cash;
state.wage, firm needs.
Writes: firms (cash, debt, alive, capital, tasks, expected_sales, price, automated shares,
tournament_weight); allocators.cash, stakes; workers (separations); talent.employer (at failed firms); state.unemployment_j (after
exits, so the month ends with the unemployment its exits caused); state.price0; month.exits, month.entries.
Ledger: money issued to firms (loans, and banks' write-offs of failed firms' losses);
allocators → firms (seed capital).
RNG: one uniform per empty slot (does an entrant fill it).
"""

from __future__ import annotations

import numpy as np

from model.domain import BITS, INDEX, SECTORS
from model.parameters import Parameters
from model.phases.labour_market import unemployment_rate
from model.production import capacity
from model.state import Month, State


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    f, a, w, t, ledger = state.firms, state.allocators, state.workers, state.talent, state.ledger
    fin = p.finance
    j = f.jurisdiction
    # borrow to cover shortfalls, within the debt limit
    headroom = np.maximum(fin.debt_limit * f.expected_sales - f.debt, 0.0)
    loan = np.where(f.alive, np.minimum(np.maximum(-f.cash, 0.0), headroom), 0.0)
    f.cash += loan
    f.debt += loan
    ledger.issue("firms", state.per_jurisdiction(j, loan))
    # exit: still short of cash; the banks take the loss
    failed = f.alive & (f.cash < 0)
    if failed.any():
        loss = np.where(failed, -f.cash, 0.0)
        ledger.issue("firms", state.per_jurisdiction(j, loss))
        f.cash[failed] = 0.0
        f.debt[failed] = 0.0
        f.alive[failed] = False
        shares = a.stakes[:, failed]
        lost = shares @ (f.capital[failed] / np.maximum(shares.sum(axis=0), 1e-12))
        a.committed -= np.minimum(lost, a.committed)
        a.stakes[:, failed] = 0.0
        f.capital[failed] = 0.0
        f.tasks[failed] = 0.0
        f.expected_sales[failed] = 0.0
        w.separate(np.flatnonzero(w.employed & failed[np.maximum(w.employer, 0)]))
        t.employer[(t.employer >= 0) & failed[np.maximum(t.employer, 0)]] = -1
        f.count_headcount(w)
        state.unemployment_j = unemployment_rate(state)
    month.exits = int(failed.sum())

    # entry: where demand outruns what the market's firms can make, funded entrants fill empty slots
    dead = np.flatnonzero(~f.alive)
    pull = np.clip((market_pressure(state, month) - 1.0) / fin.entry_pressure, 0.0, 1.0)
    market = f.jurisdiction * len(SECTORS) + f.sector
    entering = dead[rng.random(len(dead)) < fin.entry_rate * pull[market[dead]]]
    month.entries = 0
    peer_size, peer_price, peer_price0 = _peer_medians(state, entering)
    for slot in entering:
        k = j[slot]
        funders = np.flatnonzero((a.jurisdiction == k) & (a.cash > 0))
        if f.kind[slot] == BITS:
            funders = funders[a.kind[funders] != INDEX] if np.any(a.kind[funders] != INDEX) else funders
        if len(funders) == 0:
            continue
        size = peer_size[slot]
        unit = float((state.firm_need[slot] * state.wage[k] / state.firm_eff[slot]).sum())
        seed_capital = fin.entry_capital * unit * size
        funder = funders[np.argmax(a.cash[funders])]
        if a.cash[funder] < seed_capital:
            continue
        a.cash[funder] -= seed_capital
        ledger.transfer("allocators", k, "firms", k, seed_capital)
        f.alive[slot] = True
        f.cash[slot] = seed_capital
        f.capital[slot] = seed_capital
        f.debt[slot] = 0.0
        f.tasks[slot] = size
        f.robot_share[slot] = 0.0
        f.ai_share[slot] = 0.0
        f.tournament_weight[slot] = 1.0
        a.stakes[:, slot] = 0.0
        a.stakes[funder, slot] = seed_capital
        a.committed[funder] += seed_capital
        f.price[slot] = peer_price[slot]
        state.price0[slot] = peer_price0[slot]
        f.expected_sales[slot] = 0.5 * peer_price[slot] * size * state.sector_productivity[slot]
        month.entries += 1


def market_pressure(state: State, month: Month) -> np.ndarray:
    """(J·S,) demand over what the market's alive firms can make at their prices (inf for an empty market)."""
    f = state.firms
    market = f.jurisdiction * len(SECTORS) + f.sector
    n = state.n_j * len(SECTORS)
    demand = np.bincount(market, weights=month.firm_demand * f.alive, minlength=n)
    supply = np.bincount(market, weights=f.price * capacity(state), minlength=n)
    return np.divide(demand, supply, out=np.full(n, np.inf), where=supply > 0)


def _peer_medians(state: State, slots: np.ndarray) -> tuple[dict, dict, dict]:
    """Median size, price and reference price of the alive firms in each slot's market (jurisdiction × sector).

    An entrant takes its market's reference price (``state.price0``), so the price index compares it with
    the same base as its peers. A market with no alive firm falls back to the jurisdiction's median size
    and the slot's last prices.
    """
    f = state.firms
    market = f.jurisdiction * len(SECTORS) + f.sector
    size, price, price0 = {}, {}, {}
    medians = {}
    for m in np.unique(market[slots]):
        peers = f.alive & (market == m)
        if peers.any():
            medians[m] = (float(np.median(f.tasks[peers])), float(np.median(f.price[peers])),
                          float(np.median(state.price0[peers])))
        else:
            home = f.alive & (f.jurisdiction == m // len(SECTORS))
            medians[m] = (float(np.median(f.tasks[home])) if home.any() else 0.0, None, None)
    for slot in slots:
        s_size, s_price, s_price0 = medians[market[slot]]
        size[slot] = s_size
        price[slot] = s_price if s_price is not None else float(f.price[slot])
        price0[slot] = s_price0 if s_price0 is not None else float(state.price0[slot])
    return size, price, price0
