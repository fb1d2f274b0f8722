"""Firm productivity: persistent idiosyncratic shocks, and bits firms' productivity from the AI talent they employ.

Mechanism: every firm's own productivity is a mean-one log-normal multiplier on its sector's
output per task whose log follows a yearly AR(1) (persistence ``firms.productivity_persistence``,
stationary sd ``firms.productivity_dispersion``: a within-industry 90/10 ratio of about 1.9, Syverson
2004). The process is calibrated on yearly data, so a firm takes its yearly step once a year on
average, in a month of its own (each month with chance 1/12, as in Calvo pricing): monthly steps
with the same yearly persistence would add up to several times the job reallocation. The
dispersion is within an industry: a firm's innovation is netted out of its market (jurisdiction ×
sector) by the market's sales-weighted mean innovation, so idiosyncratic shocks move firms within
the market (and its shares) rather than directly the market's output-weighted productivity, which
moves by reallocation (of buyers and funds), entry and exit, and reverts with its firms. (With the
few aggregate firms a model market has, that reallocation still makes it fluctuate: granular
fluctuations, Gabaix 2011.) An AI lab or software firm ("bits") is also as productive as the AI talent it
employs: its multiplier is scaled by the (geometric) mean productivity per head of its talent
relative to the world's, to the power ``firms.talent_elasticity``: a lab that hires better
researchers, or loses them, gains or loses productivity with them. The multiplier raises capacity
and, since firms price on cost per unit of output, lowers price (model/production.py): a firm
whose productivity changes reprices at once by the change (Golosov & Lucas 2007: large
idiosyncratic shocks are passed on promptly; the price per efficiency unit stays sticky); buyers
favour cheaper firms (model/phases/goods_market.py), so more productive firms sell more and grow,
and those whose sales fall too far exit (model/phases/entry_exit.py).

Reads: firms.log_efficiency, kind, alive, jurisdiction, sector, expected_sales, price; talent's employers,
productivity and weights.
Writes: firms.log_efficiency, productivity, price (repriced by the change in productivity).
Ledger: nothing.
RNG: one uniform per firm slot (does its productivity take its yearly step this month), then one
standard normal per firm slot (the steps' innovations).
"""

from __future__ import annotations

import numpy as np

from model.domain import BITS, SECTORS
from model.parameters import Parameters
from model.state import Month, State


UPDATE_CHANCE = 1.0 / 12.0   # each month a firm's productivity takes its yearly step with this chance (once a year on average)


def log_mean(dispersion: float) -> float:
    """Mean of log productivity that makes the stationary multiplier's mean one (log-normal)."""
    return -0.5 * dispersion ** 2


def draw_log_efficiency(rng: np.random.Generator, n: int, dispersion: float) -> np.ndarray:
    """``n`` draws from the stationary distribution of log own productivity."""
    return log_mean(dispersion) + dispersion * rng.standard_normal(n)


def ar1_step(log_efficiency, shocks, persistence: float, dispersion: float):
    """One month of the AR(1) in logs around the mean-one level, keeping the stationary sd at ``dispersion``.

    Args:
        log_efficiency: current log productivity.
        shocks: standard normals, one per firm.
        persistence: monthly AR(1) coefficient.
        dispersion: stationary standard deviation of log productivity.
    """
    mean = log_mean(dispersion)
    return mean + persistence * (np.asarray(log_efficiency) - mean) + dispersion * np.sqrt(1.0 - persistence ** 2) * shocks


TALENT_PRIOR_AGENTS = 25.0   # talent agents' worth of the world's mean in each firm's estimate of its talent quality


def center_within(values, group, members) -> np.ndarray:
    """``values`` less their group's mean over ``members``, rescaled by √(N/(N−1)) to keep their variance.

    Applied to productivity draws within each market (jurisdiction × sector): a firm's productivity is
    relative to its industry's (within-industry dispersion, Syverson 2004), and the model's firms are
    aggregates, a few per market, so independent draws would move a market's mean (its price level
    and output per worker) by sampling noise alone. Groups with one member get zero; non-members keep
    their values.
    """
    values = np.asarray(values, dtype=float)
    n_groups = int(group.max(initial=-1)) + 1
    count = np.bincount(group, weights=members.astype(float), minlength=n_groups)
    mean = np.divide(np.bincount(group, weights=values * members, minlength=n_groups), count,
                     out=np.zeros(n_groups), where=count > 0)
    scale = np.sqrt(np.divide(count, count - 1.0, out=np.zeros(n_groups), where=count > 1))
    return np.where(members, (values - mean[group]) * scale[group], values)


def talent_quality(employer, productivity, weight, n_firms: int, prior_agents: float = TALENT_PRIOR_AGENTS) -> np.ndarray:
    """(F,) quality of each firm's AI talent: its geometric mean productivity per head over the world's.

    Each talent agent stands for a team of many people (its weight) with one productivity, so how
    many agents a firm holds depends on the run's scale, not on the economy. The firm's log quality
    is therefore estimated with ``prior_agents`` agents' worth of the world's mean (shrunk by
    n / (n + prior) for a firm with n agents): with a Pareto tail (the log of a Pareto variable has
    standard deviation 1/α), its spread across firms stays below 1 / (2α √prior) at any scale, and a
    firm is not made or broken by one star agent. A firm with no talent has quality 1.
    """
    hired = employer >= 0
    heads = np.bincount(employer[hired], weights=weight[hired], minlength=n_firms)
    agents = np.bincount(employer[hired], minlength=n_firms).astype(float)
    logs = np.log(np.maximum(productivity, 1e-300))
    log_sum = np.bincount(employer[hired], weights=(logs * weight)[hired], minlength=n_firms)
    world = log_sum.sum() / max(heads.sum(), 1e-300)
    deviation = np.divide(log_sum, heads, out=np.full(n_firms, world), where=heads > 0) - world
    credibility = np.divide(agents, agents + prior_agents, out=np.zeros(n_firms), where=agents > 0)
    return np.exp(deviation * credibility)


def appeal_dispersion(p: Parameters) -> float:
    """Standard deviation of log demand (appeal) that, with productivity, gives the start's size dispersion.

    In a market where buyers' shares fall with relative price at elasticity ε and prices are
    proportional to 1/productivity, a firm's size is proportional to appeal × productivity^ε.
    """
    fp = p.firms
    explained = p.goods.price_elasticity * fp.productivity_dispersion
    return float(np.sqrt(max(fp.size_dispersion ** 2 - explained ** 2, 0.0)))


def draw_appeal(rng: np.random.Generator, n: int, dispersion: float) -> np.ndarray:
    """``n`` mean-one log-normal demand shifters."""
    return np.exp(log_mean(dispersion) + dispersion * rng.standard_normal(n))


def update_productivity(state: State, p: Parameters) -> None:
    """The multiplier in force: own productivity, times (bits firms) their talent's quality.

    A firm whose productivity changes reprices at once by the change (its price per efficiency unit,
    the sticky part, stays): large idiosyncratic shocks are passed on promptly (Golosov & Lucas 2007,
    JPE), so they move demand between firms rather than the staff a firm needs at its old price.
    """
    f, t = state.firms, state.talent
    own = np.exp(f.log_efficiency)
    quality = talent_quality(t.employer, t.productivity, t.weight, len(f)) ** p.firms.talent_elasticity
    new = np.where(f.kind == BITS, own * quality, own)
    f.price[:] = np.where(f.alive, f.price * f.productivity / new, f.price)
    f.productivity[:] = new


def staggered_update(log_efficiency, updating, shocks, market, alive, persistence: float, dispersion: float,
                     size=None):
    """The firms ``updating`` take one year's AR(1) step; their innovations are netted out of their markets.

    An updating firm reverts toward the mean-one level and draws its innovation; the market's
    ``size``-weighted mean innovation (equal weights if none are given) is then taken out of all its
    alive firms, so idiosyncratic innovations move firms' positions within the market and its
    shares, not directly the market's output-weighted productivity (the few aggregate firms of a
    model market would otherwise make it swing); it moves by reallocation of buyers and funds, entry
    and exit, and reverts with its firms toward the level. (Netting out the reversion as well would
    let reallocation ratchet it up.) Innovations are scaled by
    √(N/(N−1)) in a market of N firms, so that firms' productivity relative to one another keeps the
    stationary sd ``dispersion``; a firm alone in its market draws none.
    """
    x = np.asarray(log_efficiency, dtype=float)
    n_groups = int(market.max(initial=-1)) + 1
    weight = alive * (np.ones_like(x) if size is None else np.maximum(np.asarray(size, dtype=float), 0.0))
    total = np.bincount(market, weights=weight, minlength=n_groups)
    share = np.divide(weight, total[market], out=np.zeros_like(x), where=total[market] > 0)
    count = np.bincount(market, weights=alive.astype(float), minlength=n_groups)
    scale = np.sqrt(np.divide(count, count - 1.0, out=np.zeros(n_groups), where=count > 1))[market]
    moving = updating & alive
    innovation = np.where(moving, dispersion * np.sqrt(1.0 - persistence ** 2) * shocks * scale, 0.0)
    reverted = np.where(moving, ar1_step(x, np.zeros_like(x), persistence, dispersion), x)
    shared = np.bincount(market, weights=share * innovation, minlength=n_groups)
    return np.where(alive, reverted + innovation - shared[market], x)


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    f, fp = state.firms, p.firms
    market = f.jurisdiction * len(SECTORS) + f.sector
    updating = rng.random(len(f)) < UPDATE_CHANCE
    shocks = rng.standard_normal(len(f))
    f.log_efficiency[:] = staggered_update(f.log_efficiency, updating, shocks, market, f.alive,
                                           fp.productivity_persistence, fp.productivity_dispersion, f.expected_sales)
    update_productivity(state, p)
