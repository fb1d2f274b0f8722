"""The same labour-market and consumption rules written two ways, to measure what vectorising buys.

Big Whoosh keeps agent state in numpy arrays and runs behaviour as whole-population array operations
(model/economy.py). The usual way to write a Mesa model is one Python object per agent with a ``step()``
method (mesa/examples/basic/boltzmann_wealth_model). This module implements one simplified month of the
worker/firm rules both ways, from the same initial state read off a real ``WhooshModel``, so that

* tests/test_rules_equivalence.py can check that the two are statistically the same process, and
* tests/benchmarks/test_rules_speed.py and :func:`speed_ratio` can time them against each other.

The rules (one month; identical in both versions):

a. Labour demand per (firm, skill) is the model's ``production.labour_demand(state)`` at the start, held fixed, times
   ``exp(d_j)`` of the firm's jurisdiction, with ``d_j ← ρ·d_j + σ·ε`` (ρ = ``p.goods.demand_persistence``
   = 0.9, σ = ``p.goods.demand_noise``), ``d_j`` starting at 0.
b. Separations: each worker employed at the start of the month leaves with probability
   ``x + s·(1 − x)`` where ``x = labour_market.layoff_probability(headcount, demand, p.labour.hoarding)`` of
   its (firm, skill) cell and ``s = p.labour.separation_rate`` (the chance of either independent reason,
   as in model/phases/labour_market.py).
c. Matching per (jurisdiction, skill) market: ``labour_market.matches(U, V)`` with U = weighted workers of that
   skill unemployed at the start of the month (no downgrading) and V = Σ max(demand − headcount, 0) over the
   market's firms. Each of those job seekers is hired with probability M/U into a firm drawn in
   proportion to its vacancies in that market (vacancies are not used up by earlier hires in the month).
   Vacancies, layoff probabilities and job seekers are all measured at the start of the month, before this
   month's separations; workers who separate this month search from next month.
d. Income: employed ``wage·(1 − income_tax)``; unemployed ``replacement·(1 − income_tax)·last_wage``.
e. Consumption ``goods_market.household_demand(income, savings, mpc_income, mpc_wealth)``;
   ``savings += income − consumption``.

Each month appends ``(weighted unemployment rate, weighted total consumption)`` to ``history``.
The two versions use different random streams and orders, so they agree in distribution, not bit for bit.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from dataclasses import dataclass
from itertools import accumulate

import mesa
import numpy as np

from model.phases import goods_market, labour_market
from model.production import labour_demand

N_SKILLS = 3


# ---------------------------------------------------------------------------------------- initial state

@dataclass(frozen=True)
class InitialState:
    """Copies of everything the rules need from a ``WhooshModel`` (the model itself is never modified)."""

    # workers (one row per agent; ``weight`` people each)
    jurisdiction: np.ndarray
    skill: np.ndarray
    weight: np.ndarray
    employed: np.ndarray
    employer: np.ndarray
    job_skill: np.ndarray
    wage: np.ndarray
    last_wage: np.ndarray
    savings: np.ndarray
    # firms
    firm_jurisdiction: np.ndarray
    firm_alive: np.ndarray
    base_demand: np.ndarray          # (F, K) people wanted by skill at the start
    # structure
    wage_table: np.ndarray           # (J, K) monthly wage by jurisdiction and skill
    income_tax: np.ndarray           # (J,)
    replacement: np.ndarray          # (J,)
    # parameters
    separation_rate: float
    hoarding: float
    matching_efficiency: float
    matching_elasticity: float
    mpc_income: float
    mpc_wealth: float
    demand_noise: float
    demand_persistence: float

    @classmethod
    def from_model(cls, model) -> InitialState:
        w, f, st, p = model.workers, model.firms, model.structure, model.p
        return cls(
            jurisdiction=np.asarray(w.jurisdiction, dtype=np.int64).copy(),
            skill=np.asarray(w.skill, dtype=np.int64).copy(),
            weight=np.asarray(w.weight, dtype=float).copy(),
            employed=np.asarray(w.employed, dtype=bool).copy(),
            employer=np.asarray(w.employer, dtype=np.int64).copy(),
            job_skill=np.asarray(w.job_skill, dtype=np.int64).copy(),
            wage=np.asarray(w.wage, dtype=float).copy(),
            last_wage=np.asarray(w.last_wage, dtype=float).copy(),
            savings=np.asarray(w.savings, dtype=float).copy(),
            firm_jurisdiction=np.asarray(f.jurisdiction, dtype=np.int64).copy(),
            firm_alive=np.asarray(f.alive, dtype=bool).copy(),
            base_demand=np.asarray(labour_demand(model.state), dtype=float).copy(),
            wage_table=np.asarray(model.state.wage, dtype=float).copy(),
            income_tax=np.asarray(st.income_tax, dtype=float).copy(),
            replacement=np.asarray(st.replacement, dtype=float).copy(),
            separation_rate=float(p.labour.separation_rate),
            hoarding=float(p.labour.hoarding),
            matching_efficiency=float(p.labour.matching_efficiency),
            matching_elasticity=float(p.labour.matching_elasticity),
            mpc_income=float(p.goods.mpc_income),
            mpc_wealth=float(p.goods.mpc_wealth),
            demand_noise=float(p.goods.demand_noise),
            demand_persistence=float(p.goods.demand_persistence),
        )

    @property
    def n_jurisdictions(self) -> int:
        return len(self.wage_table)

    @property
    def n_markets(self) -> int:
        return self.n_jurisdictions * N_SKILLS


def _state(source) -> InitialState:
    return source if isinstance(source, InitialState) else InitialState.from_model(source)


def build_model(scale: float = 1.0, seed: int = 0):
    """A baseline ``WhooshModel`` with ``10_000 × scale`` workers (imported lazily: it is the slow part)."""
    from experiments.scenarios import resolve_parameters
    from model.economy import WhooshModel

    return WhooshModel(resolve_parameters("baseline", [f"population.scale={scale}"]), seed=seed)


def initial_state(scale: float = 1.0, seed: int = 0) -> InitialState:
    """The :class:`InitialState` of :func:`build_model`'s model, which is closed once it is copied."""
    with build_model(scale, seed) as model:
        return InitialState.from_model(model)


# ------------------------------------------------------------------- scalar forms of the model's formulas

def layoff_probability_scalar(employed: float, demanded: float, slack: float) -> float:
    """``labour_market.layoff_probability`` for one cell, in plain Python."""
    excess = employed - demanded * (1.0 + slack)
    return excess / max(employed, 1e-12) if employed > 0 and excess > 0 else 0.0


def household_demand_scalar(income: float, savings: float, mpc_income: float, mpc_wealth: float) -> float:
    """``goods_market.household_demand`` for one household, in plain Python."""
    income = income if income > 0.0 else 0.0
    savings = savings if savings > 0.0 else 0.0
    return min(mpc_income * income + mpc_wealth * savings, income + savings)


# ------------------------------------------------------------------------------------ vectorised version

class VectorisedRules:
    """The rules as numpy operations over all workers at once (the way Big Whoosh runs).

    Args:
        model: a ``WhooshModel`` (or an :class:`InitialState` taken from one).
        seed: seed of the one ``numpy.random.Generator`` all draws come from.
        separation_rate: override of ``p.labour.separation_rate`` (None: the model's).
    """

    def __init__(self, model, seed: int | None = None, separation_rate: float | None = None):
        s = _state(model)
        self.s = s
        self.rng = np.random.default_rng(seed)
        self.separation_rate = s.separation_rate if separation_rate is None else float(separation_rate)
        K = N_SKILLS
        self.jurisdiction, self.skill, self.weight = s.jurisdiction, s.skill, s.weight
        self.employed = s.employed.copy()
        self.employer = s.employer.copy()
        self.job_skill = s.job_skill.copy()
        self.wage = s.wage.copy()
        self.last_wage = s.last_wage.copy()
        self.savings = s.savings.copy()
        self.consumption = np.zeros(len(self.weight))
        self.market = self.jurisdiction * K + self.skill
        self.keep = 1.0 - s.income_tax[self.jurisdiction]                    # share of a wage kept after tax
        self.benefit_rate = s.replacement[self.jurisdiction] * self.keep
        self.n_firms = len(s.firm_jurisdiction)
        # per-worker firm-skill cell (-1 when unemployed), headcount and income, updated only where they change
        self.cell = np.where(self.employed, self.employer * K + self.job_skill, -1)
        self.income = np.where(self.employed, self.wage * self.keep, self.benefit_rate * self.last_wage)
        self.cell_market = (s.firm_jurisdiction[:, None] * K + np.arange(K)).ravel()
        self.base_demand = np.where(s.firm_alive[:, None], s.base_demand, 0.0)
        self.shock = np.zeros(s.n_jurisdictions)
        self.total_weight = float(self.weight.sum())
        self.staff = self.headcount()
        self.unemployed_weight = float(self.weight[~self.employed].sum())
        self.history: list[tuple[float, float]] = []

    def headcount(self) -> np.ndarray:
        """(F, K) people employed by firm and skill of the job."""
        emp = self.employed
        cells = self.employer[emp] * N_SKILLS + self.job_skill[emp]
        return np.bincount(cells, weights=self.weight[emp], minlength=self.n_firms * N_SKILLS).reshape(-1, N_SKILLS)

    def unemployment(self) -> float:
        return self.unemployed_weight / self.total_weight

    def _move_staff(self, cells: np.ndarray, people: np.ndarray) -> None:
        self.staff += np.bincount(cells, weights=people, minlength=self.n_firms * N_SKILLS).reshape(-1, N_SKILLS)

    def step(self) -> None:
        s, rng, K = self.s, self.rng, N_SKILLS
        n_markets = s.n_markets
        # (a) demand with the jurisdiction's AR(1) shock
        self.shock = s.demand_persistence * self.shock + s.demand_noise * rng.standard_normal(s.n_jurisdictions)
        demand = self.base_demand * np.exp(self.shock)[s.firm_jurisdiction][:, None]
        # start-of-month staff, vacancies, layoff probabilities and job seekers
        staff = self.staff
        vac = np.maximum(demand - staff, 0.0).ravel()
        layoff = labour_market.layoff_probability(staff, demand, s.hoarding).ravel()
        leave_prob = layoff + self.separation_rate * (1.0 - layoff)          # per firm-skill cell
        seekers = np.flatnonzero(self.cell < 0)
        seek_market = self.market[seekers]
        u = np.bincount(seek_market, weights=self.weight[seekers], minlength=n_markets)
        v = np.bincount(self.cell_market, weights=vac, minlength=n_markets)
        m = labour_market.matches(u, v, s.matching_efficiency, s.matching_elasticity)
        finding = np.divide(m, u, out=np.zeros(n_markets), where=u > 0)

        # (b) separations
        emp = np.flatnonzero(self.cell >= 0)
        leave = emp[rng.random(len(emp)) < leave_prob[self.cell[emp]]]
        self._move_staff(self.cell[leave], -self.weight[leave])
        self.unemployed_weight += float(self.weight[leave].sum())
        self.employed[leave] = False
        self.employer[leave] = -1
        self.job_skill[leave] = -1
        self.cell[leave] = -1
        self.last_wage[leave] = self.wage[leave]
        self.wage[leave] = 0.0
        self.income[leave] = self.benefit_rate[leave] * self.last_wage[leave]

        # (c) matching: hire with probability M/U, into a firm by its vacancies in the market
        hired = seekers[rng.random(len(seekers)) < finding[seek_market]]
        cells = labour_market.assign_to_vacancies(rng, self.market[hired], vac, self.cell_market)
        hired, cells = hired[cells >= 0], cells[cells >= 0]
        self._move_staff(cells, self.weight[hired])
        self.unemployed_weight -= float(self.weight[hired].sum())
        self.employed[hired] = True
        self.employer[hired] = cells // K
        self.job_skill[hired] = cells % K
        self.cell[hired] = cells
        self.wage[hired] = s.wage_table[self.jurisdiction[hired], self.job_skill[hired]]
        self.income[hired] = self.wage[hired] * self.keep[hired]

        # (d) income (kept up to date above), (e) consumption and saving
        self.consumption = goods_market.household_demand(self.income, self.savings, s.mpc_income, s.mpc_wealth)
        self.savings += self.income - self.consumption

        self.history.append((self.unemployment(), float(self.consumption @ self.weight)))


# ------------------------------------------------------------------------------------- per-agent version

class FirmAgent(mesa.Agent):
    """A firm: each month it sets demand, layoff probabilities and posts vacancies per skill."""

    def __init__(self, model: PerAgentRules, jurisdiction: int, base_demand):
        super().__init__(model)
        self.jurisdiction = jurisdiction
        self.base_demand = [float(d) for d in base_demand]
        self.headcount = [0.0] * N_SKILLS
        self.leave_probability = [0.0] * N_SKILLS
        self.vacancies = [0.0] * N_SKILLS

    def step(self) -> None:
        model = self.model
        factor = model.demand_factor[self.jurisdiction]
        for k in range(N_SKILLS):
            demand = self.base_demand[k] * factor
            staff = self.headcount[k]
            if model.model_functions:
                x = float(labour_market.layoff_probability(staff, demand, model.hoarding))
            else:
                x = layoff_probability_scalar(staff, demand, model.hoarding)
            self.leave_probability[k] = x + model.separation_rate * (1.0 - x)
            vacancies = demand - staff
            self.vacancies[k] = vacancies if vacancies > 0.0 else 0.0
            if vacancies > 0.0:
                model.post_vacancies(self.jurisdiction * N_SKILLS + k, self, vacancies)


class WorkerAgent(mesa.Agent):
    """A worker (standing for ``weight`` people): quits or is laid off, searches, earns, consumes, saves."""

    def __init__(self, model: PerAgentRules, jurisdiction: int, skill: int, weight: float, employer: FirmAgent | None,
                 job_skill: int, wage: float, last_wage: float, savings: float, income_tax: float, replacement: float):
        super().__init__(model)
        self.jurisdiction = jurisdiction
        self.skill = skill
        self.market = jurisdiction * N_SKILLS + skill
        self.weight = weight
        self.employer = employer
        self.employed = employer is not None
        self.job_skill = job_skill
        self.wage = wage
        self.last_wage = last_wage
        self.savings = savings
        self.income_tax = income_tax
        self.replacement = replacement
        self.income = 0.0
        self.consumption = 0.0
        if employer is not None:
            employer.headcount[job_skill] += weight

    def step(self) -> None:
        model = self.model
        if self.employed:
            # (b) separation
            if self.random.random() < self.employer.leave_probability[self.job_skill]:
                self.employer.headcount[self.job_skill] -= self.weight
                self.employed = False
                self.employer = None
                self.job_skill = -1
                self.last_wage = self.wage
                self.wage = 0.0
        elif self.random.random() < model.finding[self.market]:
            # (c) hired: pick a firm in proportion to its vacancies in this market
            firm = self.random.choices(model.vacancy_firms[self.market], cum_weights=model.vacancy_cum[self.market])[0]
            self.employed = True
            self.employer = firm
            self.job_skill = self.skill
            self.wage = model.wage_table[self.jurisdiction][self.skill]
            firm.headcount[self.skill] += self.weight
        # (d) income
        if self.employed:
            self.income = self.wage * (1.0 - self.income_tax)
        else:
            self.income = self.replacement * (1.0 - self.income_tax) * self.last_wage
        # (e) consumption and saving
        if model.model_functions:
            self.consumption = float(goods_market.household_demand(self.income, self.savings, model.mpc_income,
                                                                   model.mpc_wealth))
        else:
            self.consumption = household_demand_scalar(self.income, self.savings, model.mpc_income, model.mpc_wealth)
        self.savings += self.income - self.consumption


class PerAgentRules(mesa.Model):
    """The rules written the usual Mesa way: one Python object per worker and firm, each with ``step()``.

    Args:
        model: a ``WhooshModel`` (or an :class:`InitialState` taken from one).
        seed: seed of the Mesa model (``self.random`` drives every draw and both shuffles).
        separation_rate: override of ``p.labour.separation_rate`` (None: the model's).
        model_functions: call the model's numpy formulas (``layoff_probability``, ``household_demand``) on each
            agent's scalars instead of their plain-Python forms (slower; what naive code would do).
    """

    def __init__(self, model, seed: int | None = None, separation_rate: float | None = None,
                 model_functions: bool = False):
        super().__init__(seed=seed)
        s = _state(model)
        self.separation_rate = s.separation_rate if separation_rate is None else float(separation_rate)
        self.hoarding = s.hoarding
        self.matching_efficiency, self.matching_elasticity = s.matching_efficiency, s.matching_elasticity
        self.mpc_income, self.mpc_wealth = s.mpc_income, s.mpc_wealth
        self.demand_noise, self.demand_persistence = s.demand_noise, s.demand_persistence
        self.model_functions = model_functions
        self.n_jurisdictions, self.n_markets = s.n_jurisdictions, s.n_markets
        self.wage_table = s.wage_table.tolist()
        self.shock = [0.0] * self.n_jurisdictions
        self.demand_factor = [1.0] * self.n_jurisdictions
        self.finding = [0.0] * self.n_markets
        self.vacancy_firms: list[list[FirmAgent]] = [[] for _ in range(self.n_markets)]
        self.vacancy_sizes: list[list[float]] = [[] for _ in range(self.n_markets)]
        self.vacancy_cum: list[list[float]] = [[] for _ in range(self.n_markets)]

        firms: dict[int, FirmAgent] = {}
        for row in np.flatnonzero(s.firm_alive):
            firms[int(row)] = FirmAgent(self, int(s.firm_jurisdiction[row]), s.base_demand[row])
        tax, repl = s.income_tax.tolist(), s.replacement.tolist()
        for j, k, weight, employed, employer, job_skill, wage, last_wage, savings in zip(
                s.jurisdiction.tolist(), s.skill.tolist(), s.weight.tolist(), s.employed.tolist(),
                s.employer.tolist(), s.job_skill.tolist(), s.wage.tolist(), s.last_wage.tolist(),
                s.savings.tolist()):
            WorkerAgent(self, j, k, weight, firms[employer] if employed else None, job_skill if employed else -1,
                        wage, last_wage, savings, tax[j], repl[j])
        self.history: list[tuple[float, float]] = []

    def post_vacancies(self, market: int, firm: FirmAgent, vacancies: float) -> None:
        self.vacancy_firms[market].append(firm)
        self.vacancy_sizes[market].append(vacancies)

    def unemployment(self) -> float:
        unemployed = total = 0.0
        for worker in self.agents_by_type[WorkerAgent]:
            total += worker.weight
            if not worker.employed:
                unemployed += worker.weight
        return unemployed / total

    def step(self) -> None:
        # (a) demand shocks
        for j in range(self.n_jurisdictions):
            self.shock[j] = self.demand_persistence * self.shock[j] + self.demand_noise * self.random.gauss(0.0, 1.0)
        self.demand_factor = [math.exp(d) for d in self.shock]
        # firms set layoff probabilities and post vacancies
        for market in range(self.n_markets):
            self.vacancy_firms[market] = []
            self.vacancy_sizes[market] = []
        self.agents_by_type[FirmAgent].shuffle_do("step")
        # job-finding probability per market from the matching function
        seekers = [0.0] * self.n_markets
        for worker in self.agents_by_type[WorkerAgent]:
            if not worker.employed:
                seekers[worker.market] += worker.weight
        vacancies = [sum(sizes) for sizes in self.vacancy_sizes]
        matches = labour_market.matches(np.array(seekers), np.array(vacancies), self.matching_efficiency,
                                        self.matching_elasticity).tolist()
        self.finding = [m / u if u > 0 else 0.0 for m, u in zip(matches, seekers)]
        self.vacancy_cum = [list(accumulate(sizes)) for sizes in self.vacancy_sizes]
        # workers separate, search, earn and spend
        self.agents_by_type[WorkerAgent].shuffle_do("step")

        unemployed = total = consumption = 0.0
        for worker in self.agents_by_type[WorkerAgent]:
            total += worker.weight
            consumption += worker.consumption * worker.weight
            if not worker.employed:
                unemployed += worker.weight
        self.history.append((unemployed / total, consumption))

    def close(self) -> None:
        """Free the agents; Mesa's class-level registry (``mesa.Agent._ids``) would keep the model alive."""
        self.remove_all_agents()
        mesa.Agent._ids.pop(self, None)


# ------------------------------------------------------------------------------------------------ timing

def speed_ratio(scale: float = 10, months: int = 3, seed: int = 0) -> dict:
    """Time one month of each version on the same initial state, in this process.

    Each version runs one warm-up month first (first-touch allocations), after a garbage collection.
    The vectorised month is short (a few ms) and easily disturbed, so it takes the median of at least
    ten months; the per-agent one the median of ``months``.

    Returns:
        ``{"vectorised_s", "per_agent_s", "ratio", "workers"}``: the median seconds per month of each version,
        per-agent over vectorised, and the number of worker agents (``10_000 × scale``).
    """
    state = initial_state(scale, seed)
    timings = {}
    for name, cls in (("vectorised_s", VectorisedRules), ("per_agent_s", PerAgentRules)):
        rules = cls(state, seed)
        gc.collect()
        rules.step()
        seconds = []
        for _ in range(max(months, 10) if cls is VectorisedRules else months):
            start = time.perf_counter()
            rules.step()
            seconds.append(time.perf_counter() - start)
        timings[name] = statistics.median(seconds)
        if cls is PerAgentRules:
            rules.close()
        del rules
    return {"vectorised_s": timings["vectorised_s"], "per_agent_s": timings["per_agent_s"],
            "ratio": timings["per_agent_s"] / timings["vectorised_s"], "workers": len(state.weight)}


if __name__ == "__main__":
    for scale in (1, 10):
        print(scale, speed_ratio(scale))
