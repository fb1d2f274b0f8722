"""Capital allocation: fees and carry, distributions, new savings, venture's pull, tournament reviews, deployment.

Mechanism, in order:
1. Venture funds charge "two and twenty": a 2% yearly fee on assets and 20% carry on returns above a
   hurdle; the GP's fee income is taxed as ordinary income and the carry at the carried-interest rate.
2. Allocators pass most of the dividends they received on to their investors and pay out a small
   share of their assets (taxed as capital gains); a sovereign fund pays its government (like
   Singapore's net investment returns contribution or Norway's fiscal rule). What households get
   (after-tax GP income and distributions) becomes their capital income next month.
3. Households hand a share of their monthly saving to allocators; venture's share of new money, and
   investors' recommitment of uninvested cash, follow the carry's tax advantage over ordinary income.
4. Tournament planners review their firms every ``tournament_review_months``: they measure each
   funded firm's realised output per worker (in its sector's units) with an error of sd
   ``firms.tournament_signal_noise``, scale up the best ``tournament_keep`` share and defund the rest.
5. Each allocator invests a share of its cash in its jurisdiction's firms (sovereign funds anywhere)
   by its kind's rule. No allocator sees true productivity. Index: by value (passive). Venture: bits
   firms by growth and cash burn, tilted by its due diligence, a signal of log productivity with a
   persistent firm-specific error of sd ``firms.venture_signal_noise`` (weight × e^signal).
   Tournament: bits firms by the last review's weight. Sovereign: bits firms by value.
   Money raises the firm's cash and equity, and so how fast it may grow (model/phases/prices.py).

Reads: allocators' cash, stakes, income; firms' valuation, sales, profit, capital, output, staff,
productivity, signal_error; workers.income, savings; month.household_consumption; gov.carry_tax;
state.venture_share, sector_productivity.
Writes: month.share_price, deployed; allocators.cash, fees, stakes; workers.savings; gov.cash; firms.cash,
capital, tournament_weight; state.venture_share, state.next_review, state.capital_income_accrued;
flows (fees, gov_revenue).
Ledger: allocators → government (GP and capital-gains tax, sovereign funds' distributions),
allocators → households (GP income and distributions), households → allocators (new savings), allocators → firms (investment, pooled).
RNG: one standard normal per firm slot in a month with a tournament review (the review's measurement
errors), nothing otherwise.
"""

from __future__ import annotations

import numpy as np

from model.accounts import government_receives, households_receive_capital_income
from model.domain import ALLOCATOR_KINDS, BITS, INDEX, SOVEREIGN, TOURNAMENT, VENTURE
from model.parameters import Parameters
from model.state import Month, State


def venture_share_target(base_share, carry_tax, income_tax, reference_advantage: float, elasticity: float):
    """Venture's share of new money: rises with the tax advantage of carry over ordinary income.

    The advantage is (1 − carry tax) / (1 − income tax); at ``reference_advantage`` the share is the
    observed ``base_share``. A bigger loophole draws fee-driven funds in, and they steer more capital.
    """
    advantage = (1.0 - carry_tax) / np.maximum(1.0 - income_tax, 1e-9)
    return np.clip(base_share * np.power(advantage / reference_advantage, elasticity), 0.0, 0.95)


def management_fee(assets, annual_fee: float):
    """Monthly management fee on assets under management ("the two")."""
    return assets * annual_fee / 12.0


def carried_interest(returns, assets, carry: float, annual_hurdle: float):
    """Monthly carry ("the twenty"): a share of returns above the hurdle on assets."""
    return carry * np.maximum(returns - assets * annual_hurdle / 12.0, 0.0)


def productivity_signal(log_productivity, noise_sd: float, errors):
    """What an allocator sees of firms' log productivity: the truth plus ``noise_sd`` times standard-normal errors."""
    return np.asarray(log_productivity) + noise_sd * np.asarray(errors)


def review_score(output, headcount, sector_productivity, noise_sd: float, errors):
    """A tournament review's score of each firm: its measured log output per worker, in its sector's units.

    Realised labour productivity (output over staff, relative to the sector's output per task) plus
    ``noise_sd`` × ``errors`` of measurement; firms with no staff or no output score lowest.
    """
    per_worker = np.divide(output, headcount * sector_productivity, out=np.zeros_like(output, dtype=float),
                           where=(headcount > 0) & (output > 0))
    logged = np.log(np.where(per_worker > 0, per_worker, 1.0))
    return np.where(per_worker > 0, productivity_signal(logged, noise_sd, errors), -np.inf)


def deployment_weights(kind: int, valuation, sales, expected_sales, profit, is_bits, tournament_weight, eligible,
                       signal=None):
    """How an allocator of ``kind`` spreads new money over eligible firms (weights, not normalised).

    index: value-weighted over all firms; venture: bits firms by growth and cash burn (it is paid to
    move money), tilted by its due-diligence ``signal`` of log productivity (weight × e^signal; none if
    not given); tournament: bits firms equally, scaled by the last review; sovereign: bits firms by value.
    """
    if kind == INDEX:
        w = np.maximum(valuation, 0.0)
    elif kind == VENTURE:
        growth = np.maximum(expected_sales - sales, 0.0) + 0.05 * sales
        burn = np.maximum(-profit, 0.0)
        tilt = 1.0 if signal is None else np.exp(signal - np.max(signal, initial=0.0))
        w = (growth + burn + 1e-6) * is_bits * tilt
    elif kind == TOURNAMENT:
        w = tournament_weight * is_bits
    elif kind == SOVEREIGN:
        w = np.maximum(valuation, 0.0) * is_bits
    else:
        raise ValueError(f"unknown allocator kind {kind}")
    return np.where(eligible, w, 0.0)


def tournament_review(score, funded, keep: float, scale_up: float):
    """Rank funded firms by score; scale the best ``keep`` share, defund the rest.

    Returns:
        New funding weights (scale_up for winners, 0 for losers, 1 for firms not in the tournament).
    """
    weights = np.ones_like(score, dtype=float)
    idx = np.flatnonzero(funded)
    if len(idx) == 0:
        return weights
    n_keep = max(1, int(round(keep * len(idx))))
    winners = idx[np.argsort(-score[idx], kind="stable")[:n_keep]]
    weights[idx] = 0.0
    weights[winners] = scale_up
    return weights


def share_prices(state: State) -> np.ndarray:
    """(F,) price of one share of each firm: its value over its shares (1 for a firm nobody holds).

    A firm's value is its valuation, but never below its net cash or a hundredth of its book capital
    (so a firm valued at nothing still has a price, and new money cannot buy it for free).
    """
    f = state.firms
    value = np.maximum.reduce([f.valuation, f.cash - f.debt, 0.01 * f.capital, np.full(len(f), 1e-9)])
    shares = state.allocators.stakes.sum(axis=0)
    return np.divide(value, shares, out=np.ones(len(f)), where=shares > 0)


def allocator_mix(p: Parameters) -> np.ndarray:
    """(J, kinds) initial shares of investable money by allocator kind."""
    return np.array([j.allocator_mix for j in p.jurisdictions.values()])


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    a, f, w, st, g = state.allocators, state.firms, state.workers, state.structure, state.gov
    fin = p.finance
    aj = a.jurisdiction
    month.share_price = share_prices(state)
    invested = a.committed
    # venture: "two and twenty" on committed capital; the carry is taxed at the carried-interest rate
    venture = a.kind == VENTURE
    fee = np.where(venture, management_fee(invested + a.cash, fin.management_fee), 0.0)
    carry = np.where(venture, carried_interest(a.income, invested, fin.carry, fin.hurdle), 0.0)
    charged = np.minimum(fee + carry, np.maximum(a.cash, 0.0))
    scale = np.divide(charged, fee + carry, out=np.zeros_like(charged), where=(fee + carry) > 0)
    fee, carry = fee * scale, carry * scale
    a.fees[:] = fee + carry
    a.cash -= fee + carry
    gp_tax = fee * st.top_tax[aj] + carry * g.carry_tax[aj]
    month.flows["fees"] += state.per_jurisdiction(aj, fee + carry)
    # distributions to investors, taxed as capital gains
    passed_on = fin.income_payout * np.maximum(a.income - fee - carry, 0.0)
    distribution = np.minimum(fin.distribution_rate * (invested + a.cash) + passed_on, np.maximum(a.cash, 0.0))
    a.cash -= distribution
    # a sovereign fund's owner is its government: its distributions are public revenue
    sovereign = a.kind == SOVEREIGN
    cg_tax = distribution * st.capital_gains_tax[aj] * ~sovereign
    to_gov = state.per_jurisdiction(aj, gp_tax + cg_tax + distribution * sovereign)
    to_households = state.per_jurisdiction(aj, fee + carry - gp_tax + (distribution - cg_tax) * ~sovereign)
    jurisdictions = np.arange(state.n_j)
    government_receives(state, month, "allocators", jurisdictions, jurisdictions, to_gov)
    households_receive_capital_income(state, "allocators", to_households)

    # new savings handed to allocators; venture's share follows GPs' after-tax carry
    saving = np.maximum(w.income - month.household_consumption, 0.0)
    invest = np.minimum(fin.invest_share * saving, np.maximum(w.savings, 0.0))
    w.savings -= invest
    inflow = w.by_jurisdiction(invest * w.weight)
    target = venture_share_target(state.venture_base, g.carry_tax, st.top_tax, fin.reference_carry_advantage,
                                  fin.venture_carry_elasticity)
    state.venture_share += fin.venture_share_speed * (target - state.venture_share)
    mix = allocator_mix(p)
    others = mix.copy()
    others[:, VENTURE] = 0.0
    rest = others.sum(axis=1, keepdims=True)
    shares = np.where(rest > 0, others / np.maximum(rest, 1e-12) * (1 - state.venture_share[:, None]), 0.0)
    shares[:, VENTURE] = np.where(mix[:, VENTURE] > 0, state.venture_share, 0.0)
    shares /= np.maximum(shares.sum(axis=1, keepdims=True), 1e-12)
    got = inflow[aj] * shares[aj, a.kind] / state.allocators_alike
    got_j = state.per_jurisdiction(aj, got)
    leftover = inflow - got_j                       # kinds absent in a jurisdiction: money stays home
    w.savings += (leftover[w.jurisdiction] * np.maximum(invest, 0) * w.weight
                  / np.maximum(inflow[w.jurisdiction], 1e-12)) / np.maximum(w.weight, 1e-12)
    a.cash += got
    state.ledger.transfer_by_jurisdiction("households", "allocators", got_j)
    _recommit_to_venture(state, month, p)

    # tournament reviews: the planner measures realised output per worker (with noise), scales the best,
    # defunds the rest
    if month.step + 1 >= state.next_review:
        state.next_review += fin.tournament_review_months
        errors = rng.standard_normal(len(f))
        score = review_score(f.output, f.workers.sum(axis=1), state.sector_productivity,
                             p.firms.tournament_signal_noise, errors)
        for r in np.flatnonzero(a.kind == TOURNAMENT):
            funded = (a.stakes[r] > 0) & f.alive
            weights = tournament_review(score, funded, fin.tournament_keep, fin.tournament_scale_up)
            f.tournament_weight[funded] = weights[funded]

    _deploy(state, month, p)


def _deploy(state: State, month: Month, p: Parameters) -> None:
    """Allocators put a share of their cash into firms, spread by their kind's deployment weights.

    Each allocator invests in its own jurisdiction's firms (sovereign funds anywhere), buying new
    shares at the firms' share prices. Firms are stored grouped by jurisdiction, so each allocator
    touches only its jurisdiction's slice.
    """
    fin, a, f = p.finance, state.allocators, state.firms
    price = month.share_price
    rates = np.array([fin.deploy_index, fin.deploy_venture, fin.deploy_tournament, fin.deploy_index])
    amount = rates[a.kind] * np.maximum(a.cash, 0.0)
    is_bits = (f.kind == BITS).astype(float)
    # venture's due diligence: true log productivity (talent included) seen through a persistent error
    signal = productivity_signal(np.log(np.maximum(f.productivity, 1e-300)), p.firms.venture_signal_noise,
                                 f.signal_error)
    weights = {kind: deployment_weights(kind, f.valuation, f.sales, f.expected_sales, f.profit, is_bits,
                                        f.tournament_weight, f.alive, signal=signal if kind == VENTURE else None)
               for kind in np.unique(a.kind[amount > 0])}
    inflow = np.zeros(len(f))
    month.deployed = np.zeros((len(ALLOCATOR_KINDS), len(f)))
    for r in np.flatnonzero(amount > 0):
        span = slice(None) if a.kind[r] == SOVEREIGN else state.firm_span[a.jurisdiction[r]]
        w_r = weights[a.kind[r]][span]
        total = w_r.sum()
        if total <= 0:
            amount[r] = 0.0
            continue
        alloc = amount[r] / total * w_r
        a.stakes[r, span] += alloc / price[span]
        inflow[span] += alloc
        month.deployed[a.kind[r], span] += alloc
    a.cash -= amount
    a.committed += amount
    f.cash += inflow
    f.capital += inflow
    state.ledger.pooled("allocators", state.per_jurisdiction(a.jurisdiction, amount), "firms",
                        state.per_jurisdiction(f.jurisdiction, inflow))


def _recommit_to_venture(state: State, month: Month, p: Parameters) -> None:
    """Investors move uninvested cash between venture and other allocators toward venture's target share.

    The target share of each jurisdiction's allocator assets is the starting share scaled by how far
    the carry's tax advantage has moved venture's pull (``venture_share`` / its base).
    """
    a, speed, J = state.allocators, p.finance.venture_share_speed, state.n_j
    aj = a.jurisdiction
    assets = a.cash + a.holdings(month.share_price)
    venture = a.kind == VENTURE
    total = state.per_jurisdiction(aj, assets)
    actual = np.divide(state.per_jurisdiction(aj, assets * venture), total, out=np.zeros(J), where=total > 0)
    pull = np.divide(state.venture_share, state.venture_base, out=np.ones(J), where=state.venture_base > 0)
    gap = speed * (np.clip(state.venture_asset_share0 * pull, 0.0, 0.95) - actual) * total
    for givers, takers, amount in ((~venture, venture, np.maximum(gap, 0.0)), (venture, ~venture, np.maximum(-gap, 0.0))):
        available = state.per_jurisdiction(aj, np.maximum(a.cash, 0.0) * givers)
        moved = np.minimum(amount, available)
        give = np.divide(moved, available, out=np.zeros(J), where=available > 0)[aj] * np.maximum(a.cash, 0.0) * givers
        n_takers = state.per_jurisdiction(aj, takers.astype(float))
        take = np.divide(moved, n_takers, out=np.zeros(J), where=n_takers > 0)[aj] * takers
        moved_ok = n_takers > 0
        a.cash -= give * moved_ok[aj]
        a.cash += take
