"""The Big Whoosh model: composes the mechanisms in a fixed, documented monthly order.

Step order (one step = one month):

 1. ``_set_levers``         policy levers in force (schedules + endogenous responses), technology, CBDC
 2. ``_central_bank``       policy rate from last month's unemployment and inflation
 3. ``_automate``           firms move automated task shares toward the cost-minimising level
 4. ``_labour_market``      layoffs (automation, downsizing, separations), vacancies, matching, wages
 5. ``_incomes``            wages, benefits, talent pay; taxes withheld
 6. ``_goods_market``       household, talent and government demand spread over firms; AI/robot purchases
 7. ``_firm_accounts``      IP royalties booked where talent lives, profits, corporate tax, debt, dividends
 8. ``_allocators``         fees and carry, distributions, new savings, deployment, tournament review
 9. ``_entry_and_exit``     insolvent, unfunded firms exit; funded entrants fill empty slots
10. ``_capital_flight``     allocators move money offshore within controls and the crypto rail
11. ``_politics``           grievance, populism, violence risk
12. ``_talent_moves``       AI talent reconsiders where to live (logit with anticipation)
13. ``_government``         interest, deficit finance, optional responses
14. ``_prices``             prices, expectations, valuations, inflation
15. metrics collected; the ledger is checked (``AccountingError`` past a relative error of 1e-9)
"""

from __future__ import annotations

import mesa
import numpy as np

from agents import AITalent, CapitalAllocator, Firm, Government, Worker
from agents.views import make_views
from model import (automation, capital_flight, central_bank, finance, goods_market, government_policy, ip,
                   labour_market, politics, talent_choice)
from model.ledger import Ledger
from model.levers import LeverSchedules
from model.metrics import Metrics
from model.domain import ALLOCATOR_KINDS, BITS, INDEX, N_SKILLS, SECTORS, SOVEREIGN, TOURNAMENT, VENTURE
from model.parameters import Parameters, month_index
from model.populations import GovernmentPopulation
from model.world import (allocator_mix, build_structure, make_allocators, make_firms, make_talent,
                         make_workers)

LOW, MEDIUM, HIGH = range(N_SKILLS)
LEDGER_TOLERANCE = 1e-9


class AccountingError(RuntimeError):
    """Raised when a step leaves the books unbalanced: a money flow was not booked as a transfer."""

AI_LABS = SECTORS.index("ai_labs")
HORIZON_PAD = 121


class WhooshModel(mesa.Model):
    """An economy of workers, firms, AI talent, governments and capital allocators across jurisdictions.

    Args:
        parameters: the parameter tree (defaults if None).
        seed: seed of the model's numpy Generator; all randomness comes from ``self.rng`` and, for the
            aggregate demand shocks, ``self.shock_rng``: a child stream spawned from the same seed, so runs
            that differ only in their parameters share their business cycle (common random numbers).
    """

    def __init__(self, parameters: Parameters | None = None, seed: int | None = None):
        super().__init__(seed=seed)
        self.p = p = parameters if parameters is not None else Parameters()
        self.start_month = month_index(p.start)
        self.structure = st = build_structure(p)
        self.n_j = J = len(st.names)
        self.levers = LeverSchedules(list(p.jurisdictions.values()), p.start, HORIZON_PAD + 240)
        self.ledger = Ledger(J)
        self.shock_rng = np.random.default_rng(self.rng.bit_generator.seed_seq.spawn(1)[0])

        self.workers = make_workers(p, st, self.rng)
        self.firms = make_firms(p, st, self.workers, self.rng)
        self.talent = make_talent(p, st, self.rng)
        self.allocators = make_allocators(p, len(self.firms))
        self.gov = GovernmentPopulation(J)
        self.foreign_other = np.zeros(J)  # rest-of-world receipts (licensing, moving costs, AI imports)

        self.wage = st.wage0.copy()
        self._initial_state()

        for cls, pop, n in ((Worker, self.workers, len(self.workers)), (Firm, self.firms, len(self.firms)),
                            (AITalent, self.talent, len(self.talent)), (Government, self.gov, J),
                            (CapitalAllocator, self.allocators, len(self.allocators))):
            make_views(cls, self, pop, n)

        self.metrics = Metrics(self)
        self.datacollector = mesa.DataCollector(model_reporters=self.metrics.reporters())

    # ------------------------------------------------------------------ construction

    def _initial_state(self) -> None:
        p, st, w, f, t, a = self.p, self.structure, self.workers, self.firms, self.talent, self.allocators
        rng, J = self.rng, self.n_j
        self.sector_productivity = st.productivity[f.sector]
        # labour is measured in efficiency units: a worker of skill k does wage0_k / wage0_medium tasks
        self.firm_eff = (st.wage0 / st.wage0[:, [MEDIUM]])[f.jurisdiction]     # (F, K)
        people_need = st.need[f.jurisdiction, f.sector]                           # (F, K) people shares
        self.base_need = self._task_shares(people_need)                           # (F, K) task shares
        self.firm_need = self.base_need.copy()
        self.policy_rate = np.array([j.initial_policy_rate for j in p.jurisdictions.values()])
        self._set_levers(step=0)
        self.gov.policy_rate[:] = self.policy_rate

        # automation starts at its cost-minimising level
        target_robot, target_ai = self._automation_targets()
        f.robot_share[:] = target_robot
        f.ai_share[:] = target_ai

        # firms' task scale such that human demand matches each sector's employment
        f.tasks[:] = np.where(f.alive, f.tasks / np.maximum(self._people_per_task(), 1e-9), 0.0)

        # workers: a natural-rate share unemployed in each market, the rest placed by demand
        self.worker_market = w.jurisdiction * N_SKILLS + w.skill       # (jurisdiction, own skill): fixed
        self.worker_keep = 1.0 - st.income_tax[w.jurisdiction]           # share of a wage kept after tax
        self.worker_benefit_rate = st.replacement[w.jurisdiction] * self.worker_keep
        market = self.worker_market
        employed = rng.random(len(w)) >= st.natural_u[w.jurisdiction]
        demand = self._labour_demand()
        cell_market = (f.jurisdiction[:, None] * N_SKILLS + np.arange(N_SKILLS)).ravel()
        cells = labour_market.assign_to_vacancies(rng, market[employed], demand.ravel(), cell_market)
        hired = np.flatnonzero(employed)[cells >= 0]
        w.employed[hired] = True
        w.employer[hired] = cells[cells >= 0] // N_SKILLS
        w.job_skill[hired] = w.skill[hired]
        w.sector[:] = np.where(w.employed, f.sector[np.maximum(w.employer, 0)],
                               rng.choice(len(SECTORS), size=len(w), p=self._sector_mix_world()))
        self._refresh_headcount()
        # each firm's skill mix is the mix of the staff it starts with (firms differ around their sector)
        staffed = f.workers.sum(axis=1) > 0
        own_mix = self._task_shares(f.workers / np.maximum(1.0 - self._auto_matrix(), 1e-9))
        self.base_need[staffed] = own_mix[staffed]
        self.firm_need = self.base_need.copy()
        f.tasks[:] = np.where(f.alive, self._tasks_from_headcount(), 0.0)
        w.wage[:] = np.where(w.employed, self.wage[w.jurisdiction, w.skill], 0.0)
        w.last_wage[:] = self.wage[w.jurisdiction, w.skill]

        # talent: employed by bits firms in their home jurisdiction, in proportion to firm size
        t.employer[:] = self._pick_employer(t.home)
        t.pay[:] = st.talent_pay[f.jurisdiction[t.employer]] * t.productivity
        net_pay = t.pay * (1.0 - self._talent_tax(t.location, t.home))
        self.firm_talent_cost = np.bincount(t.employer, weights=t.pay * t.weight, minlength=len(f))
        t.liquid[:] = p.talent.wealth_months * net_pay
        t.illiquid[:] = p.talent.illiquid_months * t.pay

        # prices at target, expectations at capacity
        unit_cost = self._unit_cost()
        f.price[:] = goods_market.target_price(unit_cost, p.goods.markup) / self.sector_productivity
        f.output[:] = self._capacity()
        f.expected_sales[:] = f.price * f.output
        self.price0 = f.price.copy()
        self.prev_price_level = np.ones(J)
        self.gov.price_index[:] = 1.0
        self.gov.inflation[:] = p.central_bank.inflation_target   # expectations start anchored

        # budget shares: what each jurisdiction's firms sell, by sector
        revenue = np.zeros((J, len(SECTORS)))
        np.add.at(revenue, (f.jurisdiction, f.sector), f.expected_sales * f.alive)
        st.budget[:] = revenue / np.maximum(revenue.sum(axis=1, keepdims=True), 1e-12)

        # money: households hold steady-state savings, firms a cash buffer, allocators a float
        gross = np.where(w.employed, w.wage, 0.0)
        net_income = gross * (1 - st.income_tax[w.jurisdiction]) + ~w.employed * st.replacement[w.jurisdiction] * (
            1 - st.income_tax[w.jurisdiction]) * w.last_wage
        margin = p.goods.markup / (1.0 + p.goods.markup)
        profit_income = self._bincount(f.jurisdiction, margin * f.expected_sales * f.alive) * (1 - st.corporate_tax)
        labour_income = w.by_jurisdiction(net_income * w.weight)
        with_capital = net_income * (1.0 + profit_income / np.maximum(labour_income, 1e-12))[w.jurisdiction]
        w.savings[:] = (1.0 - p.goods.mpc_income) / max(p.goods.mpc_wealth, 1e-6) * with_capital
        monthly_cost = self._firm_monthly_cost(unit_cost)
        f.cash[:] = np.where(f.alive, p.finance.cash_buffer * monthly_cost, 0.0)
        f.capital[:] = np.where(f.alive, 12.0 * monthly_cost, 0.0)
        f.founded[:] = 0
        wage_bill = w.by_jurisdiction(gross * w.weight)
        mix = allocator_mix(p)
        self.venture_base = mix[:, VENTURE].copy()
        self.venture_share = finance.venture_share_target(self.venture_base, self.gov.carry_tax, st.top_tax,
                                                          p.finance.reference_carry_advantage, p.finance.venture_carry_elasticity)
        for j in range(J):
            rows = np.flatnonzero(a.jurisdiction == j)
            kinds = a.kind[rows]
            share = mix[j, kinds] / np.maximum(np.bincount(kinds, minlength=4)[kinds], 1)
            a.cash[rows] = 1.0 * wage_bill[j] * share
            firms_j = np.flatnonzero(f.alive & (f.jurisdiction == j))
            for r, kind in zip(rows, kinds):
                eligible = f.kind[firms_j] == BITS if kind in (VENTURE, TOURNAMENT, SOVEREIGN) else np.ones(len(firms_j), bool)
                if not eligible.any():
                    eligible[:] = True
                held = firms_j[eligible]
                a.stakes[r, held] = f.capital[held] * mix[j, kind]
        # each firm's capital is split over the allocators that may hold it, in proportion to the mix
        total_stake = a.stakes.sum(axis=0)
        a.stakes *= np.divide(f.capital, total_stake, out=np.zeros_like(total_stake), where=total_stake > 0)[None, :]
        f.owner[:] = np.where(total_stake > 0, np.argmax(a.stakes, axis=0), -1)
        assets = a.cash + a.invested
        self.venture_asset_share0 = np.divide(self._bincount(a.jurisdiction, assets * (a.kind == VENTURE)),
                                              self._bincount(a.jurisdiction, assets), out=np.zeros(J),
                                              where=self._bincount(a.jurisdiction, assets) > 0)
        self.next_review = p.finance.tournament_review_months
        bounds = np.searchsorted(f.jurisdiction, np.arange(J + 1))   # firms are stored grouped by jurisdiction
        self.firm_span = [slice(bounds[j], bounds[j + 1]) for j in range(J)]
        cell = a.jurisdiction * len(ALLOCATOR_KINDS) + a.kind
        self.allocators_alike = np.bincount(cell)[cell]            # allocators sharing each one's jurisdiction and kind

        # government: debt from the parameters; purchases set the initial primary deficit
        self.gov.debt[:] = np.array([j.initial_debt for j in p.jurisdictions.values()]) * 12.0 * wage_bill
        benefits = np.bincount(w.jurisdiction, weights=~w.employed * st.replacement[w.jurisdiction]
                               * (1 - st.income_tax[w.jurisdiction]) * w.last_wage * w.weight, minlength=J)
        talent_tax = self._bincount(t.location, t.pay * self._talent_tax(t.location, t.home) * t.weight)
        corporate = self._bincount(f.jurisdiction, margin * f.expected_sales * f.alive) * st.corporate_tax
        revenue = st.income_tax * wage_bill + talent_tax + corporate
        deficit = np.array([j.primary_deficit for j in p.jurisdictions.values()]) * wage_bill
        self.real_purchases = np.maximum(revenue - benefits + deficit, 0.0)

        for sector, amounts in (("households", w.by_jurisdiction(w.savings * w.weight)),
                                ("talent", self._bincount(t.location, t.liquid * t.weight)),
                                ("firms", self._bincount(f.jurisdiction, f.cash)),
                                ("allocators", self._bincount(a.jurisdiction, a.cash))):
            self.ledger.issue(sector, amounts)

        self.demand_shock = np.zeros(J)
        # households start with the steady-state flow of after-tax profits as capital income
        self.capital_income_accrued = profit_income
        self.unemployment_j = st.natural_u.copy()
        self.household_capital_income = np.zeros(J)
        self.separation_trend = np.full(J * N_SKILLS, p.labour.separation_rate)
        self.last_outflow_share = np.zeros(J)
        # allocators already hold abroad what calm-time risk makes them want to
        self.gov.violence_risk[:] = politics.violence_risk(np.zeros(J), st.natural_u, st.natural_u, p.politics.violence_base,
                                                           p.politics.violence_populism, p.politics.violence_unemployment)
        desired = capital_flight.desired_offshore_share(self._political_risk(), p.finance.flight_risk_weight)[a.jurisdiction]
        held_abroad = desired / (1.0 - desired) * (a.cash + a.invested)
        a.offshore[:] = held_abroad[:, None] * self._haven_pull(a.jurisdiction)
        self.ledger.issue("foreign", a.offshore.sum(axis=0))
        self.flows = {}
        self.cumulative = {"talent_outflow": 0.0, "talent_wealth_out": np.zeros(J), "capital_out": np.zeros(J)}

    # ------------------------------------------------------------------ helpers

    def _bincount(self, idx, weights, n=None):
        return np.bincount(idx, weights=weights, minlength=n or self.n_j)

    def _sector_mix_world(self) -> np.ndarray:
        mix = sum(np.array(j.sector_mix) * (j.population * j.labour_force_share) for j in self.p.jurisdictions.values())
        return mix / mix.sum()

    def _auto_matrix(self) -> np.ndarray:
        """(F, K) share of each skill's tasks done by machines."""
        f = self.firms
        return np.stack([f.robot_share, f.ai_share, np.zeros(len(f))], axis=1)

    def _labour_demand(self) -> np.ndarray:
        """(F, K) people each firm wants by skill."""
        f = self.firms
        return (f.tasks * f.alive)[:, None] * self.firm_need * (1.0 - self._auto_matrix()) / self.firm_eff

    def _separate(self, rows: np.ndarray) -> None:
        """Workers in ``rows`` lose their jobs; they keep their last wage for benefits."""
        w = self.workers
        w.employed[rows] = False
        w.employer[rows] = -1
        w.job_skill[rows] = -1
        w.last_wage[rows] = w.wage[rows]
        w.wage[rows] = 0.0

    def _job_market_headcount(self) -> np.ndarray:
        """People employed per (jurisdiction, job skill) market, from the firms' headcount."""
        f = self.firms
        cells = f.jurisdiction[:, None] * N_SKILLS + np.arange(N_SKILLS)
        return np.bincount(cells.ravel(), weights=f.workers.ravel(), minlength=self.n_j * N_SKILLS)

    def _add_headcount(self, cells: np.ndarray, people: np.ndarray) -> None:
        """Add ``people`` to firm-skill ``cells`` (firm × N_SKILLS + skill) of the firms' headcount."""
        f = self.firms
        f.workers += np.bincount(cells, weights=people, minlength=len(f) * N_SKILLS).reshape(len(f), N_SKILLS)

    def _refresh_headcount(self) -> None:
        w, f = self.workers, self.firms
        emp = w.employed
        cells = w.employer[emp] * N_SKILLS + w.job_skill[emp]
        f.workers[:] = np.bincount(cells, weights=w.weight[emp], minlength=len(f) * N_SKILLS).reshape(len(f), N_SKILLS)

    def _task_shares(self, people: np.ndarray) -> np.ndarray:
        """Task shares of a (F, K) mix of people, weighting each skill by its efficiency."""
        units = people * self.firm_eff
        return units / np.maximum(units.sum(axis=1, keepdims=True), 1e-12)

    def _people_per_task(self) -> np.ndarray:
        """People each task unit needs, given the firm's mix and what machines do."""
        return (self.firm_need * (1.0 - self._auto_matrix()) / self.firm_eff).sum(axis=1)

    def _human_task_units(self) -> np.ndarray:
        return (self.firms.workers * self.firm_eff).sum(axis=1)

    def _tasks_from_headcount(self) -> np.ndarray:
        human_share = (self.firm_need * (1.0 - self._auto_matrix())).sum(axis=1)
        return self._human_task_units() / np.maximum(human_share, 1e-9)

    def _capacity(self) -> np.ndarray:
        """Real output each firm can make: its human and machine task-months times productivity."""
        f = self.firms
        machine = f.tasks * (self.firm_need[:, LOW] * f.robot_share + self.firm_need[:, MEDIUM] * f.ai_share)
        return (self._human_task_units() + machine) * self.sector_productivity * f.alive

    def _unit_cost(self) -> np.ndarray:
        """Cost per task-month: human tasks at market wages, automated ones at robot and AI prices."""
        f = self.firms
        j = f.jurisdiction
        auto = self._auto_matrix()
        human = (self.firm_need * (1.0 - auto) * self.wage[j] / self.firm_eff).sum(axis=1)
        # a robot (an AI-service unit) does one low-skill (white-collar) worker's tasks
        machine = (self.firm_need[:, LOW] * f.robot_share * self.robot_cost[j] / self.firm_eff[:, LOW]
                   + self.firm_need[:, MEDIUM] * f.ai_share * self.ai_cost[j] / self.firm_eff[:, MEDIUM])
        talent = np.divide(self.firm_talent_cost, f.tasks, out=np.zeros(len(f)), where=f.tasks > 0)
        return human + machine + talent

    def _firm_monthly_cost(self, unit_cost) -> np.ndarray:
        return unit_cost * self.firms.tasks * self.firms.alive

    def _talent_tax(self, location, home) -> np.ndarray:
        st = self.structure
        expat = st.expat_tax[location]
        foreign = location != home
        return np.where(foreign & (expat >= 0), expat, st.top_tax[location])

    def _pick_employer(self, jurisdiction) -> np.ndarray:
        """A bits firm for each talent: same jurisdiction if one is alive there, else anywhere; by size."""
        f = self.firms
        bits = np.flatnonzero(f.alive & (f.kind == BITS))
        if len(bits) == 0:
            return np.full(len(jurisdiction), -1, dtype=np.int32)
        size = np.maximum(f.tasks[bits], 1e-9)
        market = f.jurisdiction[bits]
        chosen = labour_market.assign_to_vacancies(self.rng, jurisdiction, size, market)
        fallback = bits[self.rng.choice(len(bits), size=len(jurisdiction), p=size / size.sum())]
        return np.where(chosen >= 0, bits[np.maximum(chosen, 0)], fallback)

    @property
    def month(self) -> int:
        """Months since the start (step 1 is the start month)."""
        return max(self.steps - 1, 0)

    @property
    def date(self) -> str:
        m = self.start_month + self.month
        return f"{m // 12:04d}-{m % 12 + 1:02d}"

    # ------------------------------------------------------------------ step

    def step(self) -> None:
        """Advance the economy one month (see the module docstring for the order)."""
        t = self.month
        self.flows = {k: np.zeros(self.n_j) for k in (
            "gov_revenue", "gov_spending", "fees", "capital_out", "talent_wealth_out", "consumption",
            "wages", "talent_pay", "gdp", "ip_value", "profits_positive", "benefits")}
        self.household_capital_income = self.capital_income_accrued
        self.capital_income_accrued = np.zeros(self.n_j)
        self._set_levers(t)
        self._central_bank()
        displaced = self._automate()
        self._labour_market(displaced)
        self._incomes()
        self._goods_market(t)
        self._firm_accounts()
        self._allocators(t)
        self._entry_and_exit(t)
        self._capital_flight()
        self._politics()
        self._talent_moves()
        self._government()
        self._prices()
        self.metrics.compute()
        if self.metrics.values["ledger_error"] > LEDGER_TOLERANCE:
            raise AccountingError(f"the books do not balance at {self.date}: relative error "
                                  f"{self.metrics.values['ledger_error']:.3g} > {LEDGER_TOLERANCE}")
        self.datacollector.collect(self)

    # 1 ------------------------------------------------------------------
    def _set_levers(self, step: int) -> None:
        p, st, g, lv = self.p, self.structure, self.gov, self.levers
        g.robot_tax[:] = np.clip(lv.current("robot_tax", step) + g.robot_tax_response, -0.9, 5.0)
        g.robot_adoption[:] = lv.current("robot_adoption", step)
        g.robot_cap[:] = lv.current("robot_cap", step)
        g.capital_controls[:] = np.clip(lv.current("capital_controls", step) + g.controls_response, 0.0, 1.0)
        g.cbdc_surveillance[:] = np.clip(lv.current("cbdc_surveillance", step) + g.surveillance_response, 0.0, 1.0)
        g.carry_tax[:] = lv.current("carry_tax", step)
        since = step - st.cbdc_start
        g.cbdc_adoption[:] = np.where(since >= 0, 1.0 / (1.0 + 49.0 * np.exp(-st.cbdc_speed * np.maximum(since, 0))), 0.0)

        tech = p.technology
        months = np.array([step], dtype=float)
        self.humanoid = float(automation.logistic_path(
            tech.humanoid_capability_start, month_index(tech.humanoid_midpoint) - self.start_month,
            tech.humanoid_speed, months)[0]) * tech.humanoid_ceiling
        self.ai_capability = float(automation.logistic_path(
            tech.ai_capability_start, month_index(tech.ai_midpoint) - self.start_month, tech.ai_speed, months)[0]) * tech.ai_ceiling
        years = step / 12.0
        robot_price = tech.robot_price * (1.0 - tech.robot_price_decline) ** years
        ai_price = tech.ai_service_price * (1.0 - tech.ai_price_decline) ** years
        power = 1.0 - tech.electricity_share_ai + tech.electricity_share_ai * st.electricity / st.electricity[st.home]
        self.robot_cost = automation.robot_monthly_cost(robot_price, g.robot_tax, self.policy_rate,
                                                      p.finance.robot_rate_sensitivity)
        self.robot_cost_pre_tax = self.robot_cost / (1.0 + g.robot_tax)
        self.ai_cost = ai_price * power

    # 2 ------------------------------------------------------------------
    def _central_bank(self) -> None:
        cb, g = self.p.central_bank, self.gov
        u = self.unemployment_j
        self.policy_rate = central_bank.taylor_rate(
            self.policy_rate, u, self.structure.natural_u, g.inflation, cb.inflation_target,
            cb.neutral_rate, cb.inflation_weight, cb.unemployment_weight, cb.smoothing)
        g.policy_rate[:] = self.policy_rate

    def _automation_targets(self) -> tuple[np.ndarray, np.ndarray]:
        f, st, p = self.firms, self.structure, self.p
        j = f.jurisdiction
        dispersion = p.technology.task_cost_dispersion
        robot = automation.automation_target(st.robot_exposure[f.sector] * self.humanoid, self.wage[j, LOW],
                                             self.robot_cost[j], dispersion)
        ai = automation.automation_target(st.ai_exposure[f.sector] * self.ai_capability, self.wage[j, MEDIUM],
                                          self.ai_cost[j], dispersion)
        return robot, ai

    # 3 ------------------------------------------------------------------
    def _automate(self) -> np.ndarray:
        """Move automated shares toward target; returns (F, K) share of workers displaced by automation."""
        f, g, p = self.firms, self.gov, self.p
        j = f.jurisdiction
        target_robot, target_ai = self._automation_targets()
        old = self._auto_matrix()
        speed = p.technology.adoption_speed
        robot = automation.adjust_share(f.robot_share, target_robot, speed * g.robot_adoption[j])
        low_jobs = f.tasks * self.firm_need[:, LOW] / self.firm_eff[:, LOW] * f.alive
        robots_at_full_share = low_jobs / p.technology.workers_per_robot
        for k in range(self.n_j):
            in_j = j == k
            robot[in_j] = automation.robot_cap_share(robot[in_j], robots_at_full_share[in_j], g.robot_cap[k],
                                                     self.structure.labour_force[k])
        f.robot_share[:] = robot
        f.ai_share[:] = automation.adjust_share(f.ai_share, target_ai, speed)
        f.robots[:] = f.robot_share * robots_at_full_share
        f.ai_services[:] = f.ai_share * f.tasks * self.firm_need[:, MEDIUM] / self.firm_eff[:, MEDIUM] * f.alive
        return automation.displaced_share(old, self._auto_matrix())

    # 4 ------------------------------------------------------------------
    def _labour_market(self, displaced: np.ndarray) -> None:
        w, f, p, rng = self.workers, self.firms, self.p, self.rng
        lab = p.labour
        demand = self._labour_demand()
        # separations: layoffs above demand, exogenous quits, and firm exits (probabilities per firm-skill cell)
        excess = labour_market.layoff_probability(f.workers, demand, lab.hoarding)
        p_cell = np.clip(excess + lab.separation_rate * (1 - excess), 0.0, 1.0)
        p_cell[~f.alive] = 1.0
        employed_people = self._job_market_headcount()
        employed_before = employed_people.sum()
        emp = np.flatnonzero(w.employed)
        cell = w.employer[emp] * N_SKILLS + w.job_skill[emp]
        draw = rng.random(len(emp))
        leave = np.flatnonzero(draw < p_cell.ravel()[cell])
        by_automation = np.minimum(displaced, excess).ravel()[cell[leave]]
        flagged = emp[leave[draw[leave] < by_automation]]
        gone, gone_cell = emp[leave], cell[leave]
        gone_market = w.jurisdiction[gone] * N_SKILLS + w.job_skill[gone]
        self._separate(gone)
        w.displaced[flagged] = True
        self._add_headcount(gone_cell, -w.weight[gone])

        # vacancies and matching per (jurisdiction, skill) market; job seekers also search one level down
        vac = np.maximum(demand - f.workers, 0.0)
        n_markets = self.n_j * N_SKILLS
        market = self.worker_market
        seekers = np.flatnonzero(~w.employed)
        own, below = market[seekers], market[seekers] - 1
        can_downgrade = w.skill[seekers] > LOW
        intensity = lab.downgrade_search * can_downgrade
        u_people = (np.bincount(own, weights=w.weight[seekers], minlength=n_markets)
                    + np.bincount(np.where(can_downgrade, below, 0), weights=w.weight[seekers] * intensity, minlength=n_markets))
        cell_market = (f.jurisdiction[:, None] * N_SKILLS + np.arange(N_SKILLS)).ravel()
        v_people = np.bincount(cell_market, weights=vac.ravel(), minlength=n_markets)
        m = labour_market.matches(u_people, v_people, lab.matching_efficiency, lab.matching_elasticity)
        finding = np.divide(m, u_people, out=np.zeros_like(m), where=u_people > 0)
        p_own = finding[own]
        p_below = np.where(can_downgrade, finding[np.maximum(below, 0)] * intensity, 0.0)
        draw = rng.random(len(seekers))
        job_market = np.where(draw < p_own, own, np.where(draw < p_own + p_below, below, -1))
        hired, job_market = seekers[job_market >= 0], job_market[job_market >= 0]
        cells = labour_market.assign_to_vacancies(rng, job_market, vac.ravel(), cell_market)
        hired, cells = hired[cells >= 0], cells[cells >= 0]
        w.employed[hired] = True
        w.employer[hired] = cells // N_SKILLS
        w.job_skill[hired] = cells % N_SKILLS
        w.sector[hired] = f.sector[cells // N_SKILLS]
        w.displaced[hired] = False
        self._add_headcount(cells, w.weight[hired])

        # wages: tightness against its normal level, sticky downward
        tight = np.divide(v_people, np.maximum(u_people, 1e-9))
        # normal tightness: where hires would match the (smoothed) separations at natural unemployment;
        # separations are measured per job market (leavers and staff both by the skill of the job held)
        separated = np.bincount(gone_market, weights=w.weight[gone], minlength=n_markets)
        rate = np.divide(separated, employed_people, out=self.separation_trend.copy(), where=employed_people > 0)
        self.separation_trend = 0.95 * self.separation_trend + 0.05 * rate
        normal = labour_market.normal_tightness(np.repeat(self.structure.natural_u, N_SKILLS), self.separation_trend,
                                                lab.matching_efficiency, lab.matching_elasticity)
        anchor = self.p.central_bank.inflation_target
        infl_month = ((1 - lab.inflation_indexation) * anchor + lab.inflation_indexation * self.gov.inflation) / 12.0
        self.wage = labour_market.update_wages(self.wage.ravel(), tight, normal, lab.wage_up,
                                               lab.wage_down, np.repeat(infl_month, N_SKILLS)).reshape(self.n_j, N_SKILLS)
        w.wage[:] = self.wage.ravel()[self.worker_market - w.skill + np.maximum(w.job_skill, 0)] * w.employed
        self.firm_need = labour_market.skill_needs(self.base_need, self.wage[f.jurisdiction] / self.structure.wage0[f.jurisdiction],
                                                   lab.skill_substitution)
        w.months_unemployed += 1
        w.months_unemployed *= ~w.employed
        employed_j = self._job_market_headcount().reshape(self.n_j, N_SKILLS).sum(axis=1)
        self.unemployment_j = np.clip(1.0 - employed_j / self.structure.labour_force, 0.0, 1.0)

        J = self.n_j
        employed_before_j = employed_people.reshape(J, N_SKILLS).sum(axis=1)
        seekers_j = self._bincount(w.jurisdiction[seekers], w.weight[seekers])
        self.labour_flows = {
            "separations": float(w.weight[gone].sum()) / max(employed_before, 1e-12),
            "job_finding": float(w.weight[hired].sum()) / max(float(w.weight[seekers].sum()), 1e-12),
            "vacancies": v_people.reshape(J, N_SKILLS).sum(axis=1),
            "separations_j": self._bincount(w.jurisdiction[gone], w.weight[gone]) / np.maximum(employed_before_j, 1e-12),
            "job_finding_j": self._bincount(w.jurisdiction[hired], w.weight[hired]) / np.maximum(seekers_j, 1e-12),
        }

    # 5 ------------------------------------------------------------------
    def _incomes(self) -> None:
        """Wages and benefits to workers, pay to talent; taxes withheld. Money moves when it is spent."""
        w, t, f, st = self.workers, self.talent, self.firms, self.structure
        net_wage = w.wage * self.worker_keep                     # w.wage is 0 for the unemployed
        benefit = self.worker_benefit_rate * w.last_wage * ~w.employed
        received = net_wage + benefit
        w.income[:] = received + self.capital_income_per_person()
        w.savings += received
        # firm → worker wages, government → unemployed benefits, firm → government tax
        # (everyone in a firm-skill cell earns that market's wage, so firms' wage bills come from headcount)
        self.firm_wage_cost = (f.workers * self.wage[f.jurisdiction]).sum(axis=1)
        f.cash -= self.firm_wage_cost
        wages = self._bincount(f.jurisdiction, self.firm_wage_cost)
        net = w.by_jurisdiction(net_wage * w.weight)
        taxes = wages - net
        benefits = w.by_jurisdiction(benefit * w.weight)
        self.ledger.transfer_by_jurisdiction("firms", "households", net)
        self.ledger.transfer_by_jurisdiction("firms", "government", taxes)
        self.ledger.transfer_by_jurisdiction("government", "households", benefits)
        self.gov.cash += taxes - benefits
        self.flows["gov_revenue"] += taxes
        self.flows["gov_spending"] += benefits
        self.flows["benefits"] += benefits
        self.flows["wages"] += wages

        # talent pay: employer's scale, taxed where the talent lives
        has_job = (t.employer >= 0) & f.alive[np.maximum(t.employer, 0)]
        t.employer[~has_job] = self._pick_employer(t.home[~has_job])
        t.pay[:] = np.where(t.employer >= 0, st.talent_pay[f.jurisdiction[np.maximum(t.employer, 0)]] * t.productivity, 0.0)
        ttax = self._talent_tax(t.location, t.home)
        employer_j = f.jurisdiction[np.maximum(t.employer, 0)]
        self.firm_talent_cost = np.bincount(np.maximum(t.employer, 0), weights=t.pay * t.weight, minlength=len(f))
        f.cash -= self.firm_talent_cost
        self.ledger.transfer("firms", employer_j, "talent", t.location, t.pay * (1 - ttax) * t.weight)
        self.ledger.transfer("firms", employer_j, "government", t.location, t.pay * ttax * t.weight)
        t_tax = self._bincount(t.location, t.pay * ttax * t.weight)
        self.gov.cash += t_tax
        self.flows["gov_revenue"] += t_tax
        self.flows["talent_pay"] += self._bincount(t.location, t.pay * t.weight)
        t.liquid += t.pay * (1 - ttax)
        self.talent_net_pay = t.pay * (1 - ttax)

    def capital_income_per_person(self) -> np.ndarray:
        """Last month's distributions and GP income, spread over households in proportion to savings."""
        w = self.workers
        received = self.household_capital_income
        held = w.by_jurisdiction(np.maximum(w.savings, 0) * w.weight)
        return received[w.jurisdiction] * np.maximum(w.savings, 0) / np.maximum(held[w.jurisdiction], 1e-12)

    # 6 ------------------------------------------------------------------
    def _goods_market(self, step: int) -> None:
        p, w, t, f, st, g = self.p, self.workers, self.talent, self.firms, self.structure, self.gov
        gm = p.goods
        J, S = self.n_j, len(SECTORS)
        # demand shocks drive the cycle
        self.demand_shock = gm.demand_persistence * self.demand_shock + gm.demand_noise * self.shock_rng.standard_normal(J)
        shock = np.exp(self.demand_shock) * goods_market.rate_factor(
            self.policy_rate, g.inflation, p.central_bank.neutral_rate, gm.rate_sensitivity)
        hh_plan = goods_market.household_demand(w.income, w.savings, gm.mpc_income, gm.mpc_wealth) * shock[w.jurisdiction]
        hh_plan = np.minimum(hh_plan, np.maximum(w.savings, 0.0))
        t_plan = np.minimum((1 - p.talent.saving_rate) * self.talent_net_pay + gm.mpc_wealth * np.maximum(t.liquid, 0),
                            np.maximum(t.liquid, 0))
        gov_plan = self.real_purchases * g.price_index
        hh_total = w.by_jurisdiction(hh_plan * w.weight)
        t_total = self._bincount(t.location, t_plan * t.weight)
        market = f.jurisdiction * S + f.sector
        weight = np.where(f.alive, f.expected_sales, 0.0)
        sector_price = goods_market.price_index(f.price / self.price0, weight, market, J * S)
        shares = goods_market.sector_budget_shares(st.budget, sector_price.reshape(J, S), gm.sector_elasticity)
        budget = (hh_total + t_total + gov_plan)[:, None] * shares
        market = np.where(f.alive, market, -1)
        capacity = self._capacity()
        demand = goods_market.spread_demand(budget.ravel(), market, capacity, f.price, gm.price_elasticity)
        sales = np.minimum(demand, 1.05 * f.price * capacity)
        self.firm_demand = demand
        spent = self._bincount(np.maximum(market, 0) // S, sales * (market >= 0))
        planned = hh_total + t_total + gov_plan
        ratio = np.divide(spent, planned, out=np.zeros(J), where=planned > 0)
        # each buyer pays its share of what was actually sold
        hh_paid = hh_plan * ratio[w.jurisdiction]
        t_paid = t_plan * ratio[t.location]
        gov_paid = gov_plan * ratio
        w.savings -= hh_paid
        t.liquid -= t_paid
        self.household_consumption = hh_paid
        self.ledger.transfer_by_jurisdiction("households", "firms", ratio * hh_total)
        self.ledger.transfer_by_jurisdiction("talent", "firms", ratio * t_total)
        self.ledger.transfer_by_jurisdiction("government", "firms", gov_paid)
        g.cash -= gov_paid
        f.sales[:] = sales
        f.cash += sales
        f.output[:] = sales / np.maximum(f.price, 1e-12)
        self.flows["gov_spending"] += gov_paid
        self.flows["consumption"] += ratio * (hh_total + t_total)
        self.flows["gdp"] += spent

        # AI services and robots: bought from AI labs worldwide, shared by the talent they employ
        j = f.jurisdiction
        robot_tasks = f.robots * p.technology.workers_per_robot     # costs are per worker-equivalent
        robot_spend = robot_tasks * self.robot_cost_pre_tax[j]
        robot_tax = robot_tasks * (self.robot_cost[j] - self.robot_cost_pre_tax[j])
        ai_spend = f.ai_services * self.ai_cost[j]
        f.cash -= robot_spend + robot_tax + ai_spend
        self.firm_machine_cost = robot_spend + robot_tax + ai_spend
        self.ledger.transfer("firms", j, "government", j, robot_tax)
        g.cash += self._bincount(j, robot_tax)
        self.flows["gov_revenue"] += self._bincount(j, robot_tax)
        vendors = f.alive & (f.sector == AI_LABS)
        capacity_ip = np.bincount(np.maximum(t.employer, 0), weights=t.productivity * t.weight * (t.employer >= 0),
                                  minlength=len(f)) * vendors
        spend = robot_spend + ai_spend
        if capacity_ip.sum() > 0:
            share = capacity_ip / capacity_ip.sum()
            vendor_revenue = spend.sum() * share
            self.ledger.pooled("firms", self._bincount(j, spend), "firms", self._bincount(j, vendor_revenue))
            f.cash += vendor_revenue
            f.sales += vendor_revenue
        else:
            vendor_revenue = np.zeros(len(f))
            self.ledger.transfer("firms", j, "foreign", j, spend)
            self.foreign_other += self._bincount(j, spend)
        self.vendor_revenue = vendor_revenue

    # 7 ------------------------------------------------------------------
    def _firm_accounts(self) -> None:
        p, f, t, st, g = self.p, self.firms, self.talent, self.structure, self.gov
        fin = p.finance
        j = f.jurisdiction
        interest = f.debt * (self.policy_rate[j] + fin.loan_spread) / 12.0
        f.cash -= interest
        self.ledger.transfer("firms", j, "central_bank", j, interest)

        # IP rent booked where the talent lives: royalties to talent abroad
        surplus = f.sales - self.firm_wage_cost - self.firm_talent_cost - self.firm_machine_cost - interest
        shares = ip.ip_rent_shares(t.employer, t.location, t.productivity, t.weight, len(f), self.n_j)
        bits = (f.kind == BITS) & f.alive
        rent = np.maximum(surplus, 0.0) * bits
        abroad = shares.copy()
        abroad[np.arange(len(f)), j] = 0.0
        royalty = rent[:, None] * abroad                                        # (F, J)
        escape = self.crypto_escape()
        lic_share = ip.licensing_cost_share(g.capital_controls, escape, p.controls.licensing_cost)[j]
        licensing = royalty.sum(axis=1) * lic_share
        f.cash -= royalty.sum(axis=1) + licensing
        self.ledger.transfer("firms", j, "foreign", j, licensing)
        self.foreign_other += self._bincount(j, licensing)
        # royalties go to the talent abroad behind them (by productivity), taxed where booked
        valid = t.employer >= 0
        contrib = np.where(valid, t.productivity * t.weight, 0.0)
        emp = np.maximum(t.employer, 0)
        denom = np.bincount(emp[valid] * self.n_j + t.location[valid], weights=contrib[valid],
                            minlength=len(f) * self.n_j).reshape(len(f), self.n_j)
        per_unit = np.divide(royalty, denom, out=np.zeros_like(royalty), where=denom > 0)
        received = per_unit[emp, t.location] * contrib                          # total per talent row
        received = np.where(t.location != j[emp], received, 0.0)
        corp = st.corporate_tax[t.location]
        t.liquid += received * (1 - corp) / np.maximum(t.weight, 1e-12)
        self.ledger.transfer("firms", j[emp], "talent", t.location, received * (1 - corp))
        self.ledger.transfer("firms", j[emp], "government", t.location, received * corp)
        royalty_tax = self._bincount(t.location, received * corp)
        g.cash += royalty_tax
        self.flows["gov_revenue"] += royalty_tax
        booked = (f.sales * bits)[:, None] * shares
        self.flows["ip_value"] += booked.sum(axis=0)

        profit = surplus - royalty.sum(axis=1) - licensing
        corp_tax = st.corporate_tax[j] * np.maximum(profit, 0.0) * f.alive
        f.cash -= corp_tax
        self.ledger.transfer("firms", j, "government", j, corp_tax)
        g.cash += self._bincount(j, corp_tax)
        self.flows["gov_revenue"] += self._bincount(j, corp_tax)
        f.profit[:] = (profit - corp_tax) * f.alive
        self.flows["profits_positive"] += self._bincount(j, np.maximum(f.profit, 0.0))

        # repay debt, then pay dividends from cash above the buffer
        monthly_cost = self.firm_wage_cost + self.firm_talent_cost + self.firm_machine_cost
        buffer = fin.cash_buffer * monthly_cost
        repay = np.clip(f.cash - buffer, 0.0, f.debt)
        f.cash -= repay
        f.debt -= repay
        self.ledger.transfer("firms", j, "central_bank", j, repay)
        dividend = fin.payout_ratio * np.maximum(f.cash - buffer, 0.0) * f.alive
        f.cash -= dividend
        a = self.allocators
        held = a.stakes.sum(axis=0)
        owned = held > 0
        to_alloc = np.where(owned, dividend, 0.0)
        per_alloc = a.stakes @ np.divide(to_alloc, held, out=np.zeros_like(held), where=owned)
        a.income[:] = per_alloc
        a.cash += per_alloc
        self.ledger.pooled("firms", self._bincount(j, to_alloc), "allocators", self._bincount(a.jurisdiction, per_alloc))
        # dividends of firms nobody holds go to their jurisdiction's households
        orphan = self._bincount(j, np.where(owned, 0.0, dividend))
        self.ledger.transfer_by_jurisdiction("firms", "households", orphan)
        self.orphan_dividends = orphan

    def _pay_households(self, amounts: np.ndarray) -> None:
        """Credit ``amounts[j]`` to households of j in proportion to their savings (ledger already moved)."""
        w = self.workers
        held = w.by_jurisdiction(np.maximum(w.savings, 0) * w.weight)
        share = np.divide(np.maximum(w.savings, 0), held[w.jurisdiction], out=np.zeros(len(w)), where=held[w.jurisdiction] > 0)
        w.savings += amounts[w.jurisdiction] * share
        self.capital_income_accrued += amounts

    def crypto_escape(self) -> np.ndarray:
        c, g, st = self.p.controls, self.gov, self.structure
        return talent_choice.crypto_escape(st.crypto, g.cbdc_adoption, g.cbdc_surveillance, c.crypto_leak, c.cbdc_enforcement)

    # 8 ------------------------------------------------------------------
    def _allocators(self, step: int) -> None:
        p, a, f, w, st, g = self.p, self.allocators, self.firms, self.workers, self.structure, self.gov
        fin = p.finance
        aj = a.jurisdiction
        invested = a.invested
        # venture: "two and twenty"; the carry is taxed at the carried-interest rate
        venture = a.kind == VENTURE
        fee = np.where(venture, finance.management_fee(invested + a.cash, fin.management_fee), 0.0)
        carry = np.where(venture, finance.carried_interest(a.income, invested, fin.carry, fin.hurdle), 0.0)
        charged = np.minimum(fee + carry, np.maximum(a.cash, 0.0))
        scale = np.divide(charged, fee + carry, out=np.zeros_like(charged), where=(fee + carry) > 0)
        fee, carry = fee * scale, carry * scale
        a.fees[:] = fee + carry
        a.cash -= fee + carry
        gp_tax = fee * st.top_tax[aj] + carry * g.carry_tax[aj]
        self.gp_after_tax = self._bincount(aj, fee + carry - gp_tax)
        self.flows["fees"] += self._bincount(aj, fee + carry)
        # distributions to investors, taxed as capital gains
        distribution = np.minimum(fin.distribution_rate * (invested + a.cash), np.maximum(a.cash, 0.0))
        a.cash -= distribution
        cg_tax = distribution * st.capital_gains_tax[aj]
        to_gov = self._bincount(aj, gp_tax + cg_tax)
        to_households = self._bincount(aj, fee + carry - gp_tax + distribution - cg_tax)
        self.ledger.transfer_by_jurisdiction("allocators", "government", to_gov)
        self.ledger.transfer_by_jurisdiction("allocators", "households", to_households)
        g.cash += to_gov
        self.flows["gov_revenue"] += to_gov
        self._pay_households(to_households + self.orphan_dividends)

        # new savings handed to allocators; venture's share follows GPs' after-tax carry
        saving = np.maximum(w.income - self.household_consumption, 0.0)
        invest = np.minimum(fin.invest_share * saving, np.maximum(w.savings, 0.0))
        w.savings -= invest
        inflow = w.by_jurisdiction(invest * w.weight)
        target = finance.venture_share_target(self.venture_base, g.carry_tax, st.top_tax, fin.reference_carry_advantage,
                                              fin.venture_carry_elasticity)
        self.venture_share += fin.venture_share_speed * (target - self.venture_share)
        mix = allocator_mix(p)
        others = mix.copy()
        others[:, VENTURE] = 0.0
        rest = others.sum(axis=1, keepdims=True)
        shares = np.where(rest > 0, others / np.maximum(rest, 1e-12) * (1 - self.venture_share[:, None]), 0.0)
        shares[:, VENTURE] = np.where(mix[:, VENTURE] > 0, self.venture_share, 0.0)
        shares /= np.maximum(shares.sum(axis=1, keepdims=True), 1e-12)
        got = inflow[aj] * shares[aj, a.kind] / self.allocators_alike
        got_j = self._bincount(aj, got)
        leftover = inflow - got_j                       # kinds absent in a jurisdiction: money stays home
        w.savings += (leftover[w.jurisdiction] * np.maximum(invest, 0) * w.weight
                      / np.maximum(inflow[w.jurisdiction], 1e-12)) / np.maximum(w.weight, 1e-12)
        a.cash += got
        self.ledger.transfer_by_jurisdiction("households", "allocators", got_j)
        self._recommit_to_venture()

        # tournament reviews: scale the best, defund the rest
        if step + 1 >= self.next_review:
            self.next_review += fin.tournament_review_months
            for r in np.flatnonzero(a.kind == TOURNAMENT):
                funded = (a.stakes[r] > 0) & f.alive
                score = f.profit / np.maximum(f.capital, 1e-9) + f.sales / np.maximum(f.capital, 1e-9)
                weights = finance.tournament_review(score, funded, fin.tournament_keep, fin.tournament_scale_up)
                f.tournament_weight[funded] = weights[funded]

        self._deploy()

    def _deploy(self) -> None:
        """Allocators put a share of their cash into firms, spread by their kind's deployment weights.

        Each allocator invests in its own jurisdiction's firms (sovereign funds anywhere). Firms are
        stored grouped by jurisdiction, so each allocator touches only its jurisdiction's slice.
        """
        fin, a, f = self.p.finance, self.allocators, self.firms
        rates = np.array([fin.deploy_index, fin.deploy_venture, fin.deploy_tournament, fin.deploy_index])
        amount = rates[a.kind] * np.maximum(a.cash, 0.0)
        is_bits = (f.kind == BITS).astype(float)
        weights = {kind: finance.deployment_weights(kind, f.valuation, f.sales, f.expected_sales, f.profit, is_bits,
                                                    f.tournament_weight, f.alive)
                   for kind in np.unique(a.kind[amount > 0])}
        inflow = np.zeros(len(f))
        for r in np.flatnonzero(amount > 0):
            span = slice(None) if a.kind[r] == SOVEREIGN else self.firm_span[a.jurisdiction[r]]
            w_r = weights[a.kind[r]][span]
            total = w_r.sum()
            if total <= 0:
                amount[r] = 0.0
                continue
            alloc = amount[r] / total * w_r
            a.stakes[r, span] += alloc
            inflow[span] += alloc
        a.cash -= amount
        f.cash += inflow
        f.capital += inflow
        self.ledger.pooled("allocators", self._bincount(a.jurisdiction, amount), "firms",
                           self._bincount(f.jurisdiction, inflow))

    def _recommit_to_venture(self) -> None:
        """Investors move uninvested cash between venture and other allocators toward venture's target share.

        The target share of each jurisdiction's allocator assets is the starting share scaled by how far
        the carry's tax advantage has moved venture's pull (``venture_share`` / its base).
        """
        a, speed = self.allocators, self.p.finance.venture_share_speed
        aj = a.jurisdiction
        assets = a.cash + a.invested
        venture = a.kind == VENTURE
        total = self._bincount(aj, assets)
        actual = np.divide(self._bincount(aj, assets * venture), total, out=np.zeros(self.n_j), where=total > 0)
        pull = np.divide(self.venture_share, self.venture_base, out=np.ones(self.n_j), where=self.venture_base > 0)
        gap = speed * (np.clip(self.venture_asset_share0 * pull, 0.0, 0.95) - actual) * total
        for givers, takers, amount in ((~venture, venture, np.maximum(gap, 0.0)), (venture, ~venture, np.maximum(-gap, 0.0))):
            available = self._bincount(aj, np.maximum(a.cash, 0.0) * givers)
            moved = np.minimum(amount, available)
            give = np.divide(moved, available, out=np.zeros(self.n_j), where=available > 0)[aj] * np.maximum(a.cash, 0.0) * givers
            n_takers = self._bincount(aj, takers.astype(float))
            take = np.divide(moved, n_takers, out=np.zeros(self.n_j), where=n_takers > 0)[aj] * takers
            moved_ok = n_takers > 0
            a.cash -= give * moved_ok[aj]
            a.cash += take

    # 9 ------------------------------------------------------------------
    def _entry_and_exit(self, step: int) -> None:
        p, f, a, w = self.p, self.firms, self.allocators, self.workers
        fin = p.finance
        j = f.jurisdiction
        # borrow to cover shortfalls, within the debt limit
        headroom = np.maximum(fin.debt_limit * f.expected_sales - f.debt, 0.0)
        loan = np.where(f.alive, np.minimum(np.maximum(-f.cash, 0.0), headroom), 0.0)
        f.cash += loan
        f.debt += loan
        self.ledger.issue("firms", self._bincount(j, loan))
        # exit: still short of cash; the banks take the loss
        failed = f.alive & (f.cash < 0)
        if failed.any():
            loss = np.where(failed, -f.cash, 0.0)
            self.ledger.issue("firms", self._bincount(j, loss))
            f.cash[failed] = 0.0
            f.debt[failed] = 0.0
            f.alive[failed] = False
            a.stakes[:, failed] = 0.0
            f.capital[failed] = 0.0
            f.tasks[failed] = 0.0
            f.expected_sales[failed] = 0.0
            self._separate(np.flatnonzero(w.employed & failed[np.maximum(w.employer, 0)]))
            self._refresh_headcount()
        self.exits = int(failed.sum())

        # entry: funded entrants fill a share of empty slots, sized like their sector's average firm
        dead = np.flatnonzero(~f.alive)
        entering = dead[self.rng.random(len(dead)) < fin.entry_rate]
        self.entries = 0
        peer_size, peer_price = self._peer_medians(entering)
        for slot in entering:
            k = j[slot]
            funders = np.flatnonzero((a.jurisdiction == k) & (a.cash > 0))
            if f.kind[slot] == BITS:
                funders = funders[a.kind[funders] != INDEX] if np.any(a.kind[funders] != INDEX) else funders
            if len(funders) == 0:
                continue
            size = peer_size[slot]
            unit = float((self.firm_need[slot] * self.wage[k] / self.firm_eff[slot]).sum())
            seed_capital = fin.entry_capital * unit * size
            funder = funders[np.argmax(a.cash[funders])]
            if a.cash[funder] < seed_capital:
                continue
            a.cash[funder] -= seed_capital
            self.ledger.transfer("allocators", k, "firms", k, seed_capital)
            f.alive[slot] = True
            f.cash[slot] = seed_capital
            f.capital[slot] = seed_capital
            f.debt[slot] = 0.0
            f.tasks[slot] = size
            f.robot_share[slot] = 0.0
            f.ai_share[slot] = 0.0
            f.founded[slot] = step
            f.tournament_weight[slot] = 1.0
            f.owner[slot] = funder
            a.stakes[:, slot] = 0.0
            a.stakes[funder, slot] = seed_capital
            f.price[slot] = peer_price[slot]
            self.price0[slot] = peer_price[slot]
            f.expected_sales[slot] = 0.5 * peer_price[slot] * size * self.sector_productivity[slot]
            self.entries += 1

    def _peer_medians(self, slots: np.ndarray) -> tuple[dict, dict]:
        """Median size and price of the alive firms in each slot's market (jurisdiction × sector).

        A market with no alive firm falls back to the jurisdiction's median size and the slot's last price.
        """
        f = self.firms
        market = f.jurisdiction * len(SECTORS) + f.sector
        size, price = {}, {}
        medians = {}
        for m in np.unique(market[slots]):
            peers = f.alive & (market == m)
            if peers.any():
                medians[m] = (float(np.median(f.tasks[peers])), float(np.median(f.price[peers])))
            else:
                home = f.alive & (f.jurisdiction == m // len(SECTORS))
                medians[m] = (float(np.median(f.tasks[home])) if home.any() else 0.0, None)
        for slot in slots:
            s_size, s_price = medians[market[slot]]
            size[slot] = s_size
            price[slot] = s_price if s_price is not None else float(f.price[slot])
        return size, price

    # 10 -----------------------------------------------------------------
    def _capital_flight(self) -> None:
        p, a, g = self.p, self.allocators, self.gov
        aj = a.jurisdiction
        desired = capital_flight.desired_offshore_share(self._political_risk(), p.finance.flight_risk_weight)
        assets = a.cash + a.invested
        offshore = a.offshore.sum(axis=1)
        escape = self.crypto_escape()
        out = capital_flight.capital_outflow(assets, offshore, a.cash, desired[aj], p.finance.flight_speed,
                                             g.capital_controls[aj], escape[aj], p.controls.max_outflow)
        pull = self._haven_pull(aj)
        a.offshore += out[:, None] * pull
        a.cash -= out
        rows, cols = np.nonzero(pull * out[:, None])
        self.ledger.transfer("allocators", aj[rows], "foreign", cols, (out[:, None] * pull)[rows, cols])
        self.flows["capital_out"] += self._bincount(aj, out)
        self.cumulative["capital_out"] += self._bincount(aj, out)

    def _political_risk(self) -> np.ndarray:
        g = self.gov
        return capital_flight.political_risk(g.populism, g.violence_risk, g.cbdc_adoption, g.cbdc_surveillance,
                                             self.lockin_prob(), self.p.finance.risk_weights)

    def _haven_pull(self, origin: np.ndarray) -> np.ndarray:
        """(n, J) where money leaving each origin goes, by amenity and safety.

        Havens other than the origin; where the origin is the only haven (or there are none), every
        other jurisdiction.
        """
        st = self.structure
        attraction = st.amenity + st.safety
        others = np.ones((len(origin), self.n_j), dtype=bool)
        others[np.arange(len(origin)), origin] = False
        havens = others & st.haven[None, :]
        allowed = np.where(havens.any(axis=1, keepdims=True), havens, others)
        shares = allowed * attraction[None, :]
        return shares / np.maximum(shares.sum(axis=1, keepdims=True), 1e-12)

    def lockin_prob(self) -> np.ndarray:
        tb, g = self.p.talent, self.gov
        return talent_choice.lockin_probability(g.populism, self.last_outflow_share, g.cbdc_adoption,
                                                g.cbdc_surveillance, tb.lockin_base, tb.lockin_populism,
                                                tb.lockin_outflow, tb.lockin_cbdc)

    # 11 -----------------------------------------------------------------
    def _politics(self) -> None:
        w, g, pol = self.workers, self.gov, self.p.politics
        w.grievance[:] = politics.update_grievance(w.grievance, ~w.employed, w.displaced, pol.grievance_unemployed,
                                                   pol.grievance_displaced, pol.grievance_decay)
        g.populism[:] = politics.populism(w.by_jurisdiction(w.grievance * w.weight), self.structure.labour_force)
        u = self.unemployment_j
        g.violence_risk[:] = politics.violence_risk(g.populism, u, self.structure.natural_u, pol.violence_base,
                                                    pol.violence_populism, pol.violence_unemployment)

    # 12 -----------------------------------------------------------------
    def _talent_moves(self) -> None:
        p, t, g, st, rng = self.p, self.talent, self.gov, self.structure, self.rng
        tb, c = p.talent, p.controls
        J = self.n_j
        t.months_since_move += 1
        deciding = np.flatnonzero(rng.random(len(t)) < tb.reconsider_rate)
        moved_people = np.zeros(J)
        if len(deciding):
            cur, home = t.location[deciding], t.home[deciding]
            escape = self.crypto_escape()
            cost_now = talent_choice.exit_cost_share(g.capital_controls, escape, tb.moving_cost, c.max_exit_tax, c.max_trapped)
            announced = np.clip(self.levers.expected_max("capital_controls", self.month, tb.anticipation_horizon)
                                + g.controls_response, 0.0, 1.0)
            cost_announced = talent_choice.exit_cost_share(announced, escape, tb.moving_cost, c.max_exit_tax, c.max_trapped)
            cost_locked = talent_choice.exit_cost_share(np.ones(J), escape, tb.moving_cost, c.max_exit_tax, c.max_trapped)
            rise = talent_choice.anticipated_cost_rise(cost_now, cost_announced, cost_locked, self.lockin_prob())
            locs = np.arange(J)
            tax = np.where((locs[None, :] != home[:, None]) & (st.expat_tax[None, :] >= 0), st.expat_tax[None, :],
                           st.top_tax[None, :])
            log_income = np.log(np.maximum(t.pay[deciding, None] * (1 - tax), 1e-6))
            located = self._bincount(t.location, t.weight)
            foreign_stock = self._bincount(t.location, t.weight * (t.location != t.home))
            utility = talent_choice.location_utility(
                log_income, st.safety * (1 - g.violence_risk),
                talent_choice.financial_freedom(g.cbdc_adoption, g.cbdc_surveillance, g.populism, g.capital_controls,
                                               tb.calm_censorship, tb.freedom_controls_weight),
                st.amenity, located / located.sum(),
                talent_choice.congestion(foreign_stock, st.capacity, st.population, tb.congestion_population_share),
                cost_now[cur], rise[cur], locs[None, :] == home[:, None], locs[None, :] == cur[:, None], tb)
            choice = talent_choice.choose(rng, utility)
            choice = talent_choice.enforce_capacity(rng, choice, cur, home, t.weight[deciding], foreign_stock, st.capacity)
            movers = deciding[choice != cur]
            if len(movers):
                dest = choice[choice != cur]
                origin = t.location[movers]
                wealth = np.maximum(t.liquid[movers], 0.0) + t.illiquid[movers]
                s = g.capital_controls[origin]
                exit_tax = np.minimum(c.max_exit_tax * s * wealth, np.maximum(t.liquid[movers], 0.0))
                liquid_after = np.maximum(t.liquid[movers], 0.0) - exit_tax
                trap_share = c.max_trapped * s * (1 - escape[origin])
                trapped = trap_share * liquid_after
                moving = tb.moving_cost * (liquid_after - trapped)
                carried = liquid_after - trapped - moving
                wt = t.weight[movers]
                self.ledger.transfer("talent", origin, "government", origin, exit_tax * wt)
                self.ledger.transfer("talent", origin, "blocked", origin, trapped * wt)
                self.ledger.transfer("talent", origin, "foreign", dest, moving * wt)
                self.ledger.transfer("talent", origin, "talent", dest, carried * wt)
                g.cash += self._bincount(origin, exit_tax * wt)
                self.flows["gov_revenue"] += self._bincount(origin, exit_tax * wt)
                self.foreign_other += self._bincount(dest, moving * wt)
                # trapped wealth stays where it was blocked (merged into any earlier blocked balance there)
                prev = t.trapped[movers] > 0
                same = t.trapped_in[movers] == origin
                keep_old = prev & ~same
                self.ledger.transfer("blocked", t.trapped_in[movers][keep_old], "blocked", origin[keep_old],
                                     t.trapped[movers][keep_old] * wt[keep_old])
                t.trapped[movers] += trapped
                t.trapped_in[movers] = origin
                t.illiquid[movers] *= 1 - trap_share
                t.liquid[movers] = carried + np.minimum(t.liquid[movers], 0.0)
                t.location[movers] = dest
                t.months_since_move[movers] = 0
                moved_people = self._bincount(origin, wt)
                self.flows["talent_wealth_out"] += self._bincount(origin, carried * wt)
                self.cumulative["talent_wealth_out"] += self._bincount(origin, carried * wt)
                home_idx = st.home
                left_home = (origin == home_idx) & (t.home[movers] == home_idx)
                self.talent_outflow_home = float(wt[left_home].sum())
            else:
                self.talent_outflow_home = 0.0
        else:
            self.talent_outflow_home = 0.0
        located = self._bincount(t.location, t.weight)
        self.last_outflow_share = np.divide(moved_people, located + moved_people, out=np.zeros(J),
                                            where=(located + moved_people) > 0)
        self.cumulative["talent_outflow"] += self.talent_outflow_home

    # 13 -----------------------------------------------------------------
    def _government(self) -> None:
        g, gp = self.gov, self.p.government
        interest = g.debt * self.policy_rate / 12.0
        g.cash -= interest
        self.ledger.transfer_by_jurisdiction("government", "central_bank", interest)
        self.flows["gov_spending"] += interest
        # deficits are financed by issuing debt to the central bank; surpluses repay it
        borrow = np.maximum(-g.cash, 0.0)
        self.ledger.issue("government", borrow)
        g.cash += borrow
        g.debt += borrow
        repay = np.minimum(np.maximum(g.cash, 0.0), g.debt)
        self.ledger.transfer_by_jurisdiction("government", "central_bank", repay)
        g.cash -= repay
        g.debt -= repay
        g.revenue[:] = self.flows["gov_revenue"]
        g.spending[:] = self.flows["gov_spending"]
        if gp.lockin_response:
            g.controls_response[:] = government_policy.lockin_response(g.controls_response, self.last_outflow_share,
                                                                       gp.lockin_threshold, gp.lockin_step)
        if gp.populist_response:
            g.surveillance_response[:] = government_policy.populist_response(
                g.surveillance_response, g.populism, gp.populist_threshold, gp.populist_surveillance_step)
            g.robot_tax_response[:] = government_policy.populist_response(
                g.robot_tax_response, g.populism, gp.populist_threshold, gp.populist_robot_tax_step)

    # 14 -----------------------------------------------------------------
    def _prices(self) -> None:
        p, f, g = self.p, self.firms, self.gov
        gm, fin = p.goods, p.finance
        j = f.jurisdiction
        unit_cost = self._unit_cost()
        capacity_value = f.price * self._capacity()
        pressure = np.divide(self.firm_demand, capacity_value, out=np.ones(len(f)), where=capacity_value > 0)
        target = goods_market.target_price(unit_cost, gm.markup, pressure, gm.demand_pricing) / self.sector_productivity
        f.price[:] = np.where(f.alive, goods_market.adjust_price(f.price, target, gm.price_adjustment), f.price)
        f.expected_sales[:] = np.where(f.alive, f.expected_sales + gm.expectation_speed * (self.firm_demand + self.vendor_revenue - f.expected_sales), 0.0)
        f.tasks[:] = np.where(f.alive, f.expected_sales / np.maximum(f.price * self.sector_productivity, 1e-12), 0.0)
        growth = np.divide(self.firm_demand - f.sales, np.maximum(f.sales, 1e-9), out=np.zeros(len(f)), where=f.sales > 0)
        f.valuation[:] = np.where(f.alive, finance.valuation(f.cash, f.debt, f.profit, self.policy_rate[j],
                                                             fin.equity_premium, growth), 0.0)
        weight = f.sales * f.alive
        level = goods_market.price_index(f.price / self.price0, weight, j, self.n_j, empty=self.prev_price_level)
        monthly = level / np.maximum(self.prev_price_level, 1e-12) - 1.0
        g.inflation[:] = 0.9 * g.inflation + 0.1 * (12.0 * monthly)
        g.price_index[:] = level
        self.prev_price_level = level

    # ------------------------------------------------------------------ ledger

    def micro_balances(self) -> dict[str, np.ndarray]:
        """Per-jurisdiction sums of the agents' own money holdings, for the ledger check."""
        w, t, f, a = self.workers, self.talent, self.firms, self.allocators
        return {
            "households": w.by_jurisdiction(w.savings * w.weight),
            "talent": self._bincount(t.location, t.liquid * t.weight),
            "blocked": self._bincount(t.trapped_in, t.trapped * t.weight),
            "firms": self._bincount(f.jurisdiction, f.cash),
            "allocators": self._bincount(a.jurisdiction, a.cash),
            "government": self.gov.cash,
            "foreign": a.offshore.sum(axis=0) + self.foreign_other,
        }

    def ledger_error(self) -> float:
        return self.ledger.error(self.micro_balances())

    def close(self) -> None:
        """Free the model's agents so the model can be garbage-collected.

        Mesa 3.3 keeps a class-level registry of every model that created agents (``mesa.Agent._ids``),
        so a process that runs many models keeps them all alive unless each is closed after use.
        """
        self.remove_all_agents()
        mesa.Agent._ids.pop(self, None)

    def __enter__(self) -> WhooshModel:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def metrics_frame(self):
        """One row per step: ``step``, ``date`` and every metric."""
        frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        months = self.start_month + np.arange(len(frame))
        frame.insert(0, "date", [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months])
        frame.insert(0, "step", np.arange(1, len(frame) + 1))
        return frame
