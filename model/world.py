"""Initial state: jurisdictions, agent counts and weights, firms, and a consistent starting economy.

The starting point is a stationary circular flow: firm sizes match each sector's employment,
households hold their steady-state savings, consumption budgets match what firms produce, and
government purchases are set from the initial budget and its primary deficit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.domain import ATOMS, BITS, BITS_MASK, N_SKILLS, SECTORS
from model.parameters import Parameters, month_index
from model.populations import AllocatorPopulation, FirmPopulation, TalentPopulation, WorkerPopulation


@dataclass
class Structure:
    """Per-jurisdiction constants derived from the parameters (arrays over J, or J × sector × skill)."""

    names: list[str]
    labour_force: np.ndarray          # people
    population: np.ndarray
    working_age: np.ndarray           # people aged 15-64
    need: np.ndarray                  # (J, S, K) skill shares of each sector's staff (people), fitted to the labour force
    productivity: np.ndarray          # (S,)
    robot_exposure: np.ndarray        # (S,)
    ai_exposure: np.ndarray           # (S,)
    budget: np.ndarray                # (J, S) household budget shares at start, from what each sector sells
    wage0: np.ndarray                 # (J, K) initial wages
    natural_u: np.ndarray             # (J,)
    income_tax: np.ndarray
    top_tax: np.ndarray
    expat_tax: np.ndarray
    corporate_tax: np.ndarray
    capital_gains_tax: np.ndarray
    replacement: np.ndarray
    amenity: np.ndarray
    safety: np.ndarray
    electricity: np.ndarray
    haven: np.ndarray
    capacity: np.ndarray
    crypto: np.ndarray
    talent_pay: np.ndarray
    cbdc_start: np.ndarray            # step index of the CBDC start
    cbdc_speed: np.ndarray
    home: int


def largest_remainder(shares: np.ndarray, total: int, minimum: int = 0) -> np.ndarray:
    """Integer counts summing to ``total`` in proportion to ``shares``, each at least ``minimum``."""
    shares = np.asarray(shares, dtype=float) / np.sum(shares)
    free = total - minimum * len(shares)
    raw = shares * max(free, 0)
    counts = np.floor(raw).astype(int)
    rest = max(free, 0) - counts.sum()
    counts[np.argsort(-(raw - counts), kind="stable")[:rest]] += 1
    return counts + minimum


def fit_margins(matrix: np.ndarray, rows: np.ndarray, cols: np.ndarray, iterations: int = 200) -> np.ndarray:
    """Iterative proportional fitting: rescale ``matrix`` so its row and column sums match."""
    m = matrix.astype(float).copy() + 1e-12
    for _ in range(iterations):
        m *= (rows / m.sum(axis=1))[:, None]
        m *= (cols / m.sum(axis=0))[None, :]
    return m


def build_structure(p: Parameters) -> Structure:
    names = list(p.jurisdictions)
    js = list(p.jurisdictions.values())
    sectors = [p.sectors[s] for s in SECTORS]
    base_need = np.array([s.skill_need for s in sectors])
    need = np.zeros((len(js), len(SECTORS), N_SKILLS))
    for j, jur in enumerate(js):
        fitted = fit_margins(base_need * np.array(jur.sector_mix)[:, None], np.array(jur.sector_mix), np.array(jur.skill_mix))
        need[j] = fitted / np.maximum(fitted.sum(axis=1, keepdims=True), 1e-12)
    origin = month_index(p.start)

    def arr(attr: str) -> np.ndarray:
        return np.array([getattr(j, attr) for j in js], dtype=float)

    return Structure(
        names=names,
        labour_force=arr("population") * arr("labour_force_share"),
        population=arr("population"),
        working_age=arr("population") * arr("working_age_share"),
        need=need,
        productivity=np.array([s.productivity for s in sectors]),
        robot_exposure=np.array([s.robot_share for s in sectors]),
        ai_exposure=np.array([s.ai_share for s in sectors]),
        budget=np.zeros((len(js), len(SECTORS))),
        wage0=np.stack([arr("wage_low"), arr("wage_medium"), arr("wage_high")], axis=1),
        natural_u=arr("natural_unemployment"),
        income_tax=arr("income_tax"), top_tax=arr("top_income_tax"), expat_tax=arr("expat_tax"),
        corporate_tax=arr("corporate_tax"), capital_gains_tax=arr("capital_gains_tax"),
        replacement=arr("replacement_rate"), amenity=arr("amenity"), safety=arr("baseline_safety"),
        electricity=arr("electricity_cost"), haven=np.array([j.haven for j in js]),
        capacity=arr("haven_capacity"), crypto=arr("crypto_access"), talent_pay=arr("talent_pay"),
        cbdc_start=np.array([month_index(j.cbdc_start) - origin for j in js]),
        cbdc_speed=arr("cbdc_adoption_speed"),
        home=names.index(p.home),
    )


def make_workers(p: Parameters, st: Structure, rng: np.random.Generator) -> WorkerPopulation:
    """Worker agents spread over jurisdictions by the square root of the labour force, weighted to it."""
    n_total = max(int(round(p.population.workers * p.population.scale)), 20 * len(st.names))
    per_j = largest_remainder(np.sqrt(st.labour_force), n_total, minimum=10)
    jur = np.repeat(np.arange(len(per_j)), per_j)
    weight = (st.labour_force / per_j)[jur]
    skill = np.empty(len(jur), dtype=np.int8)
    for j, jr in enumerate(p.jurisdictions.values()):
        rows = np.flatnonzero(jur == j)
        counts = largest_remainder(np.array(jr.skill_mix), len(rows))
        skill[rows] = rng.permutation(np.repeat(np.arange(N_SKILLS), counts))
    sector = np.full(len(jur), -1, dtype=np.int8)
    return WorkerPopulation(jur, skill, sector, weight)


def make_firms(p: Parameters, st: Structure, workers: WorkerPopulation, rng: np.random.Generator) -> FirmPopulation:
    """Firm slots per jurisdiction and sector; the alive ones sized to each sector's employment."""
    jur_list, sec_list, alive_list, size_list = [], [], [], []
    for j, jr in enumerate(p.jurisdictions.values()):
        n_workers = int((workers.jurisdiction == j).sum())
        n_alive = max(int(round(n_workers / p.population.workers_per_firm)), 2 * len(SECTORS))
        per_sector = largest_remainder(np.array(jr.sector_mix) + 1e-9, n_alive, minimum=2)
        for s, count in enumerate(per_sector):
            spare = int(np.ceil(count * p.population.spare_firm_slots))
            sizes = rng.lognormal(0.0, 0.8, size=count)
            employment = st.labour_force[j] * (1 - st.natural_u[j]) * jr.sector_mix[s]
            jur_list.append(np.full(count + spare, j))
            sec_list.append(np.full(count + spare, s))
            alive_list.append(np.r_[np.ones(count, bool), np.zeros(spare, bool)])
            size_list.append(np.r_[employment * sizes / sizes.sum(), np.zeros(spare)])
    sector = np.concatenate(sec_list)
    firms = FirmPopulation(np.concatenate(jur_list), sector, np.where(BITS_MASK[sector], BITS, ATOMS))
    firms.alive[:] = np.concatenate(alive_list)
    firms.tasks[:] = np.concatenate(size_list)
    return firms


def make_talent(p: Parameters, st: Structure, rng: np.random.Generator) -> TalentPopulation:
    """AI talent by home jurisdiction, weighted to the world total, with Pareto productivity of mean 1."""
    shares = np.array([j.talent_share for j in p.jurisdictions.values()])
    n_total = max(int(round(p.population.talent * p.population.scale)), 5 * len(shares))
    per_j = largest_remainder(np.sqrt(shares + 1e-12), n_total, minimum=2)
    home = np.repeat(np.arange(len(per_j)), per_j)
    people = p.population.world_ai_talent * shares / shares.sum()
    weight = (people / per_j)[home]
    alpha = p.talent.productivity_alpha
    raw = rng.pareto(alpha, size=len(home)) + 1.0
    productivity = raw * (alpha - 1.0) / alpha          # Pareto with minimum (α−1)/α has mean 1
    return TalentPopulation(home, productivity, weight)


def make_allocators(p: Parameters, n_firms: int) -> AllocatorPopulation:
    """Allocators of each kind present in each jurisdiction's allocator mix."""
    jur, kind = [], []
    for j, jr in enumerate(p.jurisdictions.values()):
        for k, share in enumerate(jr.allocator_mix):
            if share > 0:
                jur += [j] * p.population.allocators_per_kind
                kind += [k] * p.population.allocators_per_kind
    return AllocatorPopulation(np.array(jur), np.array(kind), n_firms, len(p.jurisdictions))


def allocator_mix(p: Parameters) -> np.ndarray:
    """(J, kinds) initial shares of investable money by allocator kind."""
    return np.array([j.allocator_mix for j in p.jurisdictions.values()])

