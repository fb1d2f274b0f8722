"""Entry and exit: firms short of cash borrow within their limit; those still short fail; firms too small to
stay close; funded entrants fill empty slots.

Mechanism: a firm whose cash is negative borrows from the banks up to ``finance.debt_limit`` months
of expected sales (new money). A firm still short of cash fails: the banks write off the loss, its
staff and talent are let go and its investors lose their stakes. A firm whose expected sales fall
below ``firms.exit_share`` of its market's mean (buyers have left it: low productivity, so a high
price, or low appeal) closes, as when it cannot cover the fixed cost of staying (Hopenhayn 1992;
Melitz 2003): it repays the banks what it can, pays its remaining cash to its owners and lets its
staff and talent go. Each month a share of the empty firm slots
is refilled by an entrant where the market's demand outruns what its firms can make (free entry:
Hopenhayn 1992; the chance rises with the excess up to ``finance.entry_rate`` at
``finance.entry_pressure``, so a market in balance sees no entry) or where the market has fewer
alive firms than it had at the start (the number its size supports; then at ``finance.entry_rate``),
funded by the allocator of its
jurisdiction with the most cash (bits firms by venture, tournament or sovereign funds when there
is one), sized like the median firm of its market, with its own productivity, appeal and venture's
due-diligence error drawn from their stationary distributions, and priced at its own cost plus markup.

Reads: firms' cash, debt, expected sales, tasks, prices, capacity; month.firm_demand; allocators' cash,
stakes; state.wage, firm needs, market_firms.
Writes: firms (cash, debt, alive, capital, tasks, expected_sales, price, automated shares,
tournament_weight, log_efficiency, productivity, appeal, signal_error); allocators.cash, stakes,
committed; workers (separations); talent.employer (at closed firms); state.unemployment_j (after
exits, so the month ends with the unemployment its exits caused); state.price0; month.exits,
month.entries, month.closed, month.liquidated, month.deployed (seed capital); households' savings and state.capital_income_accrued
(the cash of closing firms nobody holds).
Ledger: money issued to firms (loans, and banks' write-offs of failed firms' losses);
firms → central bank (closing firms' debt repaid); firms → allocators (closing firms' cash, pooled);
firms → households (closing firms' cash where nobody holds them); allocators → firms (seed capital).
RNG: one uniform per empty slot (does an entrant fill it), then one standard normal per entrant for
its log productivity, one per entrant for its appeal, and one per entrant for venture's
due-diligence error, in that order.
"""

from __future__ import annotations

import numpy as np

from model.accounts import households_receive_capital_income
from model.domain import ALLOCATOR_KINDS, BITS, INDEX, SECTORS
from model.parameters import Parameters
from model.phases import firm_productivity
from model.phases.labour_market import unemployment_rate
from model.phases.prices import target_price
from model.production import capacity, productivity, unit_cost
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
    # exit: too small to cover the fixed cost of staying; it repays what it can and returns the rest to its owners
    small = f.alive & ~failed & too_small(f.expected_sales, f.jurisdiction * len(SECTORS) + f.sector, f.alive,
                                          p.firms.exit_share, state.n_j * len(SECTORS))
    month.liquidated = np.zeros(len(f))
    if small.any():
        month.liquidated = _liquidate(state, small)
    closing = failed | small
    month.closed = closing
    if closing.any():
        f.alive[closing] = False
        shares = a.stakes[:, closing]
        lost = shares @ (f.capital[closing] / np.maximum(shares.sum(axis=0), 1e-12))
        a.committed -= np.minimum(lost, a.committed)
        a.stakes[:, closing] = 0.0
        f.capital[closing] = 0.0
        f.tasks[closing] = 0.0
        f.expected_sales[closing] = 0.0
        w.separate(np.flatnonzero(w.employed & closing[np.maximum(w.employer, 0)]))
        t.employer[(t.employer >= 0) & closing[np.maximum(t.employer, 0)]] = -1
        f.count_headcount(w)
        state.unemployment_j = unemployment_rate(state)
    month.exits = int(closing.sum())

    # entry: where demand outruns what the market's firms can make, or the market has fewer firms than it
    # supports, funded entrants fill empty slots
    dead = np.flatnonzero(~f.alive)
    market = f.jurisdiction * len(SECTORS) + f.sector
    alive_now = np.bincount(market, weights=f.alive.astype(float), minlength=len(state.market_firms))
    pull = np.maximum(np.clip((market_pressure(state, month) - 1.0) / fin.entry_pressure, 0.0, 1.0),
                      room_for_entrants(alive_now, state.market_firms))
    entering = dead[rng.random(len(dead)) < fin.entry_rate * pull[market[dead]]]
    month.entries = 0
    peer_size, peer_price, peer_price0 = _peer_medians(state, entering)
    # an entrant's own productivity, appeal and venture's view of it are drawn from the stationary distributions
    fp = p.firms
    log_efficiency = firm_productivity.draw_log_efficiency(rng, len(entering), fp.productivity_dispersion)
    appeal = firm_productivity.draw_appeal(rng, len(entering), firm_productivity.appeal_dispersion(p))
    signal_error = rng.standard_normal(len(entering))
    if month.deployed is None:
        month.deployed = np.zeros((len(ALLOCATOR_KINDS), len(f)))
    entered = []
    for n, slot in enumerate(entering):
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
        month.deployed[a.kind[funder], slot] += seed_capital
        f.log_efficiency[slot] = log_efficiency[n]
        f.productivity[slot] = np.exp(log_efficiency[n])
        f.appeal[slot] = appeal[n]
        f.signal_error[slot] = signal_error[n]
        f.price[slot] = peer_price[slot]
        state.price0[slot] = peer_price0[slot]
        f.expected_sales[slot] = 0.5 * peer_price[slot] * size * state.sector_productivity[slot]
        month.entries += 1
        entered.append(slot)
    if entered:
        # an entrant prices on its own cost and productivity (its machines come with automation)
        new = np.array(entered)
        f.price[new] = target_price(unit_cost(state, month)[new], p.goods.markup) / productivity(state)[new]


def room_for_entrants(alive, supported) -> np.ndarray:
    """(J·S,) pull of entry from the number of firms: 1 in a market with fewer alive firms than it supports.

    Free entry (Hopenhayn 1992; Melitz 2003) pins the number of firms a market's size supports; the
    model takes it to be the number the market had at the start.
    """
    return (np.asarray(alive) < np.asarray(supported)).astype(float)


def too_small(expected_sales, market, alive, share: float, n_markets: int) -> np.ndarray:
    """Alive firms whose expected sales are below ``share`` of their market's mean alive firm's.

    The fixed cost of staying in business (Hopenhayn 1992; Melitz 2003) is not worth paying for a firm
    that buyers have mostly left: being small means low productivity, low appeal, or both.
    """
    count = np.bincount(market, weights=alive.astype(float), minlength=n_markets)
    total = np.bincount(market, weights=expected_sales * alive, minlength=n_markets)
    mean = np.divide(total, count, out=np.zeros(n_markets), where=count > 0)
    return alive & (expected_sales < share * mean[market])


def _liquidate(state: State, closing: np.ndarray) -> np.ndarray:
    """Firms closing by choice repay the banks what they can (the rest is written off) and pay the cash left
    to their owners: allocators by their shares, their jurisdiction's households where nobody holds them.

    Returns:
        (F,) what each firm paid its owners.
    """
    f, a, ledger = state.firms, state.allocators, state.ledger
    j = f.jurisdiction
    repay = np.where(closing, np.clip(f.cash, 0.0, f.debt), 0.0)
    f.cash -= repay
    ledger.transfer("firms", j, "central_bank", j, repay)
    f.debt[closing] = 0.0
    left = np.where(closing, np.maximum(f.cash, 0.0), 0.0)
    f.cash -= left
    held = a.stakes.sum(axis=0)
    owned = held > 0
    to_owners = np.where(owned, left, 0.0)
    per_alloc = a.stakes @ np.divide(to_owners, held, out=np.zeros_like(held), where=owned)
    a.cash += per_alloc
    ledger.pooled("firms", state.per_jurisdiction(j, to_owners), "allocators",
                  state.per_jurisdiction(a.jurisdiction, per_alloc))
    households_receive_capital_income(state, "firms", state.per_jurisdiction(j, np.where(owned, 0.0, left)))
    return left


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
