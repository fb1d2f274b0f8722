"""The starting economy: jurisdictions, agents with their counts and weights, and a consistent circular flow.

``build_state`` makes the whole initial ``State``. The start is a stationary circular flow: firm
sizes match each sector's employment, automation starts at its cost-minimising level, households
hold their steady-state savings, consumption budgets match what firms produce, government
purchases are set from the initial budget and its primary deficit, and allocators already hold
abroad what calm-time political risk makes them want to. Randomness, in order: worker skills, firm
productivity and appeal (which set firm sizes), venture's due-diligence errors, talent productivity,
who starts unemployed, where workers work, the unemployed's last sector, talent's employers.
"""

from __future__ import annotations

import numpy as np

from model import door
from model.domain import (ALLOCATOR_KINDS, ATOMS, BITS, BITS_MASK, MEDIUM, N_SKILLS, SECTORS, SOVEREIGN, TOURNAMENT,
                          VENTURE)
from model.ledger import Ledger
from model.levers import LeverSchedules
from model.parameters import Parameters, month_index
from model.phases import (automation, capital_allocation, capital_flight, central_bank, entry_exit, firm_accounts,
                          firm_productivity, goods_market, government, incomes, labour_market, policy, politics, prices,
                          talent_choice, technology)
from model.phases.incomes import pick_employer, worker_pay
from model.populations import (AllocatorPopulation, FirmPopulation, GovernmentPopulation, TalentPopulation,
                               WorkerPopulation)
from model.production import (auto_matrix, capacity, labour_demand, monthly_cost, people_per_task, productivity,
                              task_shares, tasks_from_headcount, unit_cost)
from model.state import Month, State, Structure

LEVER_MONTHS = 361        # months of lever schedule tabulated from the start
ALLOCATOR_FLOAT = 0.5     # months of wage bill allocators hold as cash: near where deployment, payouts and new savings balance


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
    """Iterative proportional fitting: rescale ``matrix`` so its row and column sums match (zero margins stay zero)."""
    m = matrix.astype(float).copy() + 1e-12
    for _ in range(iterations):
        row_sum, col_sum = m.sum(axis=1), None
        m *= np.divide(rows, row_sum, out=np.zeros_like(row_sum), where=row_sum > 0)[:, None]
        col_sum = m.sum(axis=0)
        m *= np.divide(cols, col_sum, out=np.zeros_like(col_sum), where=col_sum > 0)[None, :]
    return m


def build_structure(p: Parameters) -> Structure:
    names = list(p.jurisdictions)
    js = list(p.jurisdictions.values())
    sectors = [p.sectors[s] for s in SECTORS]
    base_need = np.array([s.skill_need for s in sectors])
    need = np.zeros((len(js), len(SECTORS), N_SKILLS))
    for j, jur in enumerate(js):
        fitted = fit_margins(base_need * np.array(jur.sector_mix)[:, None], np.array(jur.sector_mix), np.array(jur.skill_mix))
        total = fitted.sum(axis=1, keepdims=True)
        # a sector with no employment (or no workers of the skills it needs) keeps its own skill profile for entrants
        need[j] = np.where(total > 1e-9, fitted / np.maximum(total, 1e-300), base_need)
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
        natural_u_market=_natural_by_skill(arr("natural_unemployment"), np.array([j.skill_mix for j in js]),
                                           np.array(p.labour.natural_by_skill)),
        income_tax=arr("income_tax"), top_tax=arr("top_income_tax"), expat_tax=arr("expat_tax"),
        corporate_tax=arr("corporate_tax"), capital_gains_tax=arr("capital_gains_tax"),
        replacement=arr("replacement_rate"), amenity=arr("amenity"), safety=arr("baseline_safety"),
        electricity=arr("electricity_cost"), haven=np.array([j.haven for j in js]),
        capacity=arr("haven_capacity"), crypto=arr("crypto_access"), import_share=arr("import_share"),
        talent_pay=arr("talent_pay"),
        cbdc_start=np.array([month_index(j.cbdc_start) - origin for j in js]),
        cbdc_speed=arr("cbdc_adoption_speed"),
        home=names.index(p.home),
    )


def _natural_by_skill(natural: np.ndarray, skill_mix: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """(J, K) natural unemployment by skill: ``ratio`` rescaled so each jurisdiction's weighted mean is its rate."""
    return np.minimum(natural[:, None] * ratio[None, :] / (skill_mix * ratio[None, :]).sum(axis=1, keepdims=True), 0.9)


def make_workers(p: Parameters, st: Structure, rng: np.random.Generator) -> WorkerPopulation:
    """Worker agents spread over jurisdictions by a power of the labour force (small ones get more agents than
    their size), weighted to it."""
    n_total = max(int(round(p.population.workers * p.population.scale)), 20 * len(st.names))
    per_j = largest_remainder(st.labour_force ** p.population.allocation_exponent, n_total, minimum=10)
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
    """Firm slots per jurisdiction and sector; the alive ones sized to each sector's employment.

    Each alive firm draws its own productivity, relative to its market's (the draws are centred on the
    market's mean), and its appeal (demand shifter) from their stationary log-normal distributions;
    its size is appeal × productivity^ε (ε the price elasticity of market shares), the size at which
    buyers' demand for it is stationary. Every slot draws venture's due-diligence error on it.
    """
    fp, elasticity = p.firms, p.goods.price_elasticity
    jur_list, sec_list, alive_list, eff_list, appeal_list, employment = [], [], [], [], [], []
    for j, jr in enumerate(p.jurisdictions.values()):
        n_workers = int((workers.jurisdiction == j).sum())
        n_alive = max(int(round(n_workers / p.population.workers_per_firm)), 2 * len(SECTORS))
        per_sector = largest_remainder(np.array(jr.sector_mix) + 1e-9, n_alive, minimum=2)
        for s, count in enumerate(per_sector):
            spare = int(np.ceil(count * p.population.spare_firm_slots))
            # productivity relative to the market's: the draws are centred on its mean (model/phases/firm_productivity.py)
            log_eff = firm_productivity.log_mean(fp.productivity_dispersion) + firm_productivity.center_within(
                firm_productivity.draw_log_efficiency(rng, count, fp.productivity_dispersion), np.zeros(count, int),
                np.ones(count, bool))
            appeal = firm_productivity.draw_appeal(rng, count, firm_productivity.appeal_dispersion(p))
            jur_list.append(np.full(count + spare, j))
            sec_list.append(np.full(count + spare, s))
            alive_list.append(np.r_[np.ones(count, bool), np.zeros(spare, bool)])
            eff_list.append(np.r_[log_eff, np.zeros(spare)])
            appeal_list.append(np.r_[appeal, np.ones(spare)])
            employment.append(st.labour_force[j] * (1 - st.natural_u[j]) * jr.sector_mix[s])
    sector, jurisdiction = np.concatenate(sec_list), np.concatenate(jur_list)
    firms = FirmPopulation(jurisdiction, sector, np.where(BITS_MASK[sector], BITS, ATOMS))
    firms.alive[:] = np.concatenate(alive_list)
    firms.appeal[:] = np.concatenate(appeal_list)
    alive, market = firms.alive, jurisdiction * len(SECTORS) + sector
    firms.log_efficiency[:] = np.concatenate(eff_list)
    firms.productivity[:] = np.exp(firms.log_efficiency)
    # each market's employment spread over its firms in proportion to appeal × productivity^ε
    sizes = np.where(alive, firms.appeal * np.exp(elasticity * firms.log_efficiency), 0.0)
    total = np.bincount(market, weights=sizes, minlength=len(p.jurisdictions) * len(SECTORS))
    group_employment = np.zeros(len(p.jurisdictions) * len(SECTORS))
    group_employment[np.unique(market, return_index=True)[0]] = employment
    firms.tasks[:] = np.divide(group_employment[market] * sizes, total[market], out=np.zeros(len(firms)),
                               where=total[market] > 0)
    firms.signal_error[:] = rng.standard_normal(len(firms))
    return firms


def make_talent(p: Parameters, st: Structure, rng: np.random.Generator) -> TalentPopulation:
    """AI talent by home jurisdiction, weighted to the world total, with Pareto productivity of mean 1."""
    shares = np.array([j.talent_share for j in p.jurisdictions.values()])
    n_total = max(int(round(p.population.talent * p.population.scale)), p.population.min_talent, 5 * len(shares))
    per_j = largest_remainder(np.sqrt(shares + 1e-12), n_total, minimum=2)
    home = np.repeat(np.arange(len(per_j)), per_j)
    people = p.population.world_ai_talent * shares / shares.sum()
    weight = (people / per_j)[home]
    alpha = p.talent.productivity_alpha
    raw = rng.pareto(alpha, size=len(home)) + 1.0
    productivity = raw * (alpha - 1.0) / alpha          # Pareto with minimum (α−1)/α has mean 1
    return TalentPopulation(home, productivity, weight)


def make_allocators(p: Parameters, firm_jurisdiction: np.ndarray) -> AllocatorPopulation:
    """Allocators of each kind present in each jurisdiction's allocator mix."""
    jur, kind = [], []
    for j, jr in enumerate(p.jurisdictions.values()):
        for k, share in enumerate(jr.allocator_mix):
            if share > 0:
                jur += [j] * p.population.allocators_per_kind
                kind += [k] * p.population.allocators_per_kind
    return AllocatorPopulation(np.array(jur), np.array(kind), firm_jurisdiction, len(p.jurisdictions))


def build_state(p: Parameters, rng: np.random.Generator) -> State:
    """The economy at the start, ready for its first month."""
    st = build_structure(p)
    J = len(st.names)
    levers = LeverSchedules(list(p.jurisdictions.values()), p.start, LEVER_MONTHS)
    shock_rng = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])
    workers = make_workers(p, st, rng)
    firms = make_firms(p, st, workers, rng)
    talent = make_talent(p, st, rng)
    allocators = make_allocators(p, firms.jurisdiction)
    state = State(st, levers, Ledger(J), workers, firms, talent, allocators, GovernmentPopulation(J),
                  month_index(p.start), shock_rng)
    state.foreign_other = np.zeros(J)
    state.wage = st.wage0.copy()
    setup = Month.start(0, J)
    _firm_technology(state, setup, p)
    _place_workers(state, p, rng)
    _hire_talent(state, p, rng)
    firm_productivity.update_productivity(state, p)      # bits firms: as productive as the talent they hired
    cost = _set_prices(state, setup, p)
    profit_income = _household_savings(state, p)
    _firm_finance(state, p, cost)
    _allocators(state, p)
    _government(state, p)
    # trade balanced at the start: private spending is what firms sell less what governments buy
    sales = state.per_jurisdiction(firms.jurisdiction, firms.expected_sales * firms.alive)
    state.trade = goods_market.balanced_trade(st.import_share, np.maximum(sales - state.real_purchases, 0.0))
    for sector, amounts in (("households", workers.by_jurisdiction(workers.savings * workers.weight)),
                            ("talent", state.per_jurisdiction(talent.location, talent.liquid * talent.weight)),
                            ("firms", state.per_jurisdiction(firms.jurisdiction, firms.cash)),
                            ("allocators", state.per_jurisdiction(allocators.jurisdiction, allocators.cash))):
        state.ledger.issue(sector, amounts)
    state.demand_shock = np.zeros(J)
    # households start with the steady-state flow of after-tax profits as capital income
    state.capital_income_accrued = profit_income
    state.unemployment_j = st.natural_u.copy()
    state.market_labour_force = np.bincount(state.worker_market, weights=workers.weight, minlength=J * N_SKILLS)
    state.last_outflow_share = np.zeros(J)
    state.outflow_trend = np.zeros(J)
    _calm_offshore_holdings(state, p)
    state.gov.cbdc_start[:] = st.cbdc_start
    state.cumulative = {"talent_outflow": 0.0, "talent_wealth_out": np.zeros(J), "capital_out": np.zeros(J)}
    _settle(state, p, rng)
    state.cumulative = {"talent_outflow": 0.0, "talent_wealth_out": np.zeros(J), "capital_out": np.zeros(J)}
    return state


SETTLING_PHASES = (policy, technology, firm_productivity, central_bank, automation, labour_market, incomes, goods_market,
                   firm_accounts, capital_allocation, entry_exit, talent_choice, government, prices)


def _settle(state: State, p: Parameters, rng: np.random.Generator) -> None:
    """Run the economy for ``p.burn_in`` months before the start, then rebase prices to 1 at the start.

    The circular flow built above is consistent only to first order (allocators' floats, firms' cash,
    the labour market's vacancies settle over a few years), so the economy first runs with the start
    month's technology and levers and its demand shocks. AI talent chooses where to live and
    grievance builds up, so the run starts with the foreign talent stocks and the populism of calm
    times; no government changes hands and capital flight does not run.
    """
    for _ in range(p.burn_in):
        month = Month.start(0, state.n_j)
        for phase in SETTLING_PHASES:
            phase.run(state, month, p, rng)
        politics.update_populism(state, p)
    f, g = state.firms, state.gov
    g.populism_calm[:] = g.populism
    g.outflow_calm[:] = state.outflow_trend
    level = g.price_index.copy()
    state.real_purchases = state.real_purchases * level      # the same nominal purchases at the rebased prices
    state.price0 = market_reference_prices(state, state.price0 * level[f.jurisdiction])
    _start_market_indexes(state)
    state.prev_price_level = np.ones(state.n_j)
    g.price_index[:] = 1.0
    months_ago = 12 - np.arange(12)
    state.price_levels = np.repeat(((1.0 + p.central_bank.inflation_target) ** (-months_ago / 12.0))[:, None],
                                   state.n_j, axis=1)
    market = f.jurisdiction * len(SECTORS) + f.sector
    value = np.bincount(market, weights=f.price * f.output * f.alive, minlength=state.n_j * len(SECTORS))
    quantity = np.bincount(market, weights=f.output * f.alive, minlength=state.n_j * len(SECTORS))
    state.base_price = np.divide(value, quantity, out=state.base_price * np.repeat(level, len(SECTORS)),
                                 where=quantity > 0)


def _firm_technology(state: State, setup: Month, p: Parameters) -> None:
    """Firms' skill needs and efficiency units, the levers and technology at the start, automation at its target."""
    st, f, g = state.structure, state.firms, state.gov
    state.sector_productivity = st.productivity[f.sector]
    # labour is measured in efficiency units: a worker of skill k does wage0_k / wage0_medium tasks
    state.firm_eff = (st.wage0 / st.wage0[:, [MEDIUM]])[f.jurisdiction]     # (F, K)
    people_need = st.need[f.jurisdiction, f.sector]                          # (F, K) people shares
    state.base_need = task_shares(state, people_need)                        # (F, K) task shares
    state.firm_need = state.base_need.copy()
    g.policy_rate[:] = np.array([j.initial_policy_rate for j in p.jurisdictions.values()])
    policy.run(state, setup, p, None)
    technology.run(state, setup, p, None)
    # automation starts at its cost-minimising level
    target_robot, target_ai = automation.targets(state, setup, p)
    f.robot_share[:] = target_robot
    f.ai_share[:] = target_ai
    # firms' task scale such that human demand matches each sector's employment
    f.tasks[:] = np.where(f.alive, f.tasks / np.maximum(people_per_task(state), 1e-9), 0.0)


def _place_workers(state: State, p: Parameters, rng: np.random.Generator) -> None:
    """Each skill's natural rate unemployed in each jurisdiction, the rest placed in firms by their demand."""
    st, w, f = state.structure, state.workers, state.firms
    state.worker_market = w.jurisdiction * N_SKILLS + w.skill       # (jurisdiction, own skill): fixed
    state.worker_keep = 1.0 - st.income_tax[w.jurisdiction]          # share of a wage kept after tax
    state.worker_benefit_rate = st.replacement[w.jurisdiction] * state.worker_keep
    employed = rng.random(len(w)) >= st.natural_u_market[w.jurisdiction, w.skill]
    demand = labour_demand(state)
    cell_market = f.job_cells().ravel()
    cells = labour_market.assign_to_vacancies(rng, state.worker_market[employed], demand.ravel(), cell_market)
    hired = np.flatnonzero(employed)[cells >= 0]
    w.employed[hired] = True
    w.employer[hired] = cells[cells >= 0] // N_SKILLS
    w.job_skill[hired] = w.skill[hired]
    w.sector[:] = np.where(w.employed, f.sector[np.maximum(w.employer, 0)],
                           rng.choice(len(SECTORS), size=len(w), p=_sector_mix_world(p)))
    f.count_headcount(w)
    # each firm's skill mix is the mix of the staff it starts with (firms differ around their sector)
    staffed = f.workers.sum(axis=1) > 0
    own_mix = task_shares(state, f.workers / np.maximum(1.0 - auto_matrix(state), 1e-9))
    state.base_need[staffed] = own_mix[staffed]
    state.firm_need = state.base_need.copy()
    f.tasks[:] = np.where(f.alive, tasks_from_headcount(state), 0.0)
    w.wage[:] = np.where(w.employed, state.wage[w.jurisdiction, w.skill], 0.0)
    w.last_wage[:] = state.wage[w.jurisdiction, w.skill]


def _sector_mix_world(p: Parameters) -> np.ndarray:
    mix = sum(np.array(j.sector_mix) * (j.population * j.labour_force_share) for j in p.jurisdictions.values())
    return mix / mix.sum()


def _hire_talent(state: State, p: Parameters, rng: np.random.Generator) -> None:
    """Talent employed by bits firms in their home jurisdiction, in proportion to firm size; its starting wealth."""
    st, t, f = state.structure, state.talent, state.firms
    t.employer[:] = pick_employer(state, rng, t.home)
    t.pay[:] = st.talent_pay[f.jurisdiction[t.employer]] * t.productivity
    net_pay = t.pay * (1.0 - st.talent_tax(t.location, t.home))
    bits_tasks = state.per_jurisdiction(f.jurisdiction, f.tasks * (f.alive & (f.kind == BITS)))
    employed = state.per_jurisdiction(f.jurisdiction[t.employer], t.productivity * t.weight)
    state.talent_intensity = np.divide(employed, bits_tasks, out=np.zeros(state.n_j), where=bits_tasks > 0)
    t.liquid[:] = p.talent.wealth_months * net_pay
    t.illiquid[:] = p.talent.illiquid_months * t.pay


def _start_market_indexes(state: State) -> None:
    """Every market's price level at 1 (the reference prices were just set from the current prices)."""
    state.market_price_level = np.ones(state.n_j * len(SECTORS))


def market_reference_prices(state: State, fallback: np.ndarray) -> np.ndarray:
    """(F,) the reference price of the price indexes: the geometric mean price per efficiency unit of each firm's
    market.

    Every firm of a market shares it, and the index takes a market's plain geometric mean of its
    firms' prices per efficiency unit against it (model/phases/prices.py), so the index is 1 at the
    base date and measures where the market's prices are, not how far each firm's price moved since
    then. Markets without alive firms keep ``fallback``.
    """
    f = state.firms
    market = f.jurisdiction * len(SECTORS) + f.sector
    geometric = goods_market.price_index(prices.efficiency_prices(state), f.alive.astype(float), market,
                                         state.n_j * len(SECTORS), empty=np.zeros(state.n_j * len(SECTORS)))
    return np.where(geometric[market] > 0, geometric[market], fallback)


def _set_prices(state: State, setup: Month, p: Parameters) -> np.ndarray:
    """Prices at cost plus markup, output at capacity, budget shares from what each sector sells; each firm's
    appeal such that buyers ask for what it makes at these prices (a stationary start).

    Returns:
        Each firm's starting cost per task-month.
    """
    st, f, g = state.structure, state.firms, state.gov
    cost = unit_cost(state, setup)
    f.price[:] = prices.target_price(cost, p.goods.markup) / productivity(state)
    f.output[:] = capacity(state)
    f.expected_sales[:] = f.price * f.output
    state.price0 = market_reference_prices(state, f.price)
    market = f.jurisdiction * len(SECTORS) + f.sector
    # demand ∝ appeal × price^(−ε) within a market: back out the appeal of each firm's starting sales, mean one
    raw = f.expected_sales * np.power(f.price, p.goods.price_elasticity) * f.alive
    count = np.bincount(market, weights=f.alive.astype(float), minlength=state.n_j * len(SECTORS))
    state.market_firms = count.copy()        # the number of firms each market supports (free entry)
    mean = np.divide(np.bincount(market, weights=raw, minlength=state.n_j * len(SECTORS)), count,
                     out=np.ones(state.n_j * len(SECTORS)), where=count > 0)
    f.appeal[:] = np.where(f.alive, np.divide(raw, mean[market], out=np.ones(len(f)), where=mean[market] > 0), 1.0)
    value = np.bincount(market, weights=f.price * f.output * f.alive, minlength=state.n_j * len(SECTORS))
    quantity = np.bincount(market, weights=f.output * f.alive, minlength=state.n_j * len(SECTORS))
    state.base_price = np.divide(value, quantity, out=np.ones_like(value), where=quantity > 0)
    _start_market_indexes(state)
    state.prev_price_level = np.ones(state.n_j)
    # the year before the start had inflation at target: month -12 + m sits in row m
    months_ago = 12 - np.arange(12)
    state.price_levels = np.repeat(((1.0 + p.central_bank.inflation_target) ** (-months_ago / 12.0))[:, None], state.n_j, axis=1)
    g.price_index[:] = 1.0
    g.inflation[:] = p.central_bank.inflation_target   # expectations start anchored
    revenue = np.zeros((state.n_j, len(SECTORS)))
    np.add.at(revenue, (f.jurisdiction, f.sector), f.expected_sales * f.alive)
    st.budget[:] = revenue / np.maximum(revenue.sum(axis=1, keepdims=True), 1e-12)
    return cost


def _household_savings(state: State, p: Parameters) -> np.ndarray:
    """Households hold steady-state savings for their labour and capital income.

    Returns:
        Each jurisdiction's households' profit income per month, after corporate and capital-gains tax.
    """
    st, w = state.structure, state.workers
    net_wage, benefit = worker_pay(state)
    net_income = net_wage + benefit
    profit_income = _profits(state, p) * (1 - st.corporate_tax) * (1 - st.capital_gains_tax)
    labour_income = w.by_jurisdiction(net_income * w.weight)
    with_capital = net_income * (1.0 + profit_income / np.maximum(labour_income, 1e-12))[w.jurisdiction]
    w.savings[:] = (1.0 - p.goods.mpc_income) / max(p.goods.mpc_wealth, 1e-6) * with_capital
    return profit_income


def _profits(state: State, p: Parameters) -> np.ndarray:
    """(J,) firms' monthly profits at the starting prices: the markup's share of sales."""
    f = state.firms
    return state.per_jurisdiction(f.jurisdiction, p.goods.markup / (1.0 + p.goods.markup) * f.expected_sales * f.alive)


def _firm_finance(state: State, p: Parameters, cost: np.ndarray) -> None:
    """Firms hold a cash buffer, plus the retained profits with which their dividends already equal their
    after-tax profits, the capital their scale ties up (``firms.capital_months`` of costs) as equity, and are
    valued on those profits."""
    f, fin, j = state.firms, p.finance, state.firms.jurisdiction
    month_cost = monthly_cost(state, cost)
    profit = p.goods.markup / (1.0 + p.goods.markup) * f.expected_sales * (1.0 - state.structure.corporate_tax[j])
    retained = profit * (1.0 - fin.payout_ratio) / max(fin.payout_ratio, 1e-6)
    f.cash[:] = np.where(f.alive, fin.cash_buffer * month_cost + retained, 0.0)
    f.capital[:] = np.where(f.alive, p.firms.capital_months * month_cost, 0.0)
    f.profit[:] = np.where(f.alive, profit, 0.0)
    f.valuation[:] = np.where(f.alive, prices.valuation(f.cash, f.debt, f.profit, state.gov.policy_rate[j],
                                                        fin.equity_premium, 0.0), 0.0)


def _wage_bill(state: State) -> np.ndarray:
    w = state.workers
    return w.by_jurisdiction(np.where(w.employed, w.wage, 0.0) * w.weight)


def _allocators(state: State, p: Parameters) -> None:
    """Allocators hold a month of wages as a float and the firms' equity, split by each jurisdiction's mix."""
    a, f, g, st = state.allocators, state.firms, state.gov, state.structure
    J = state.n_j
    wage_bill = _wage_bill(state)
    mix = capital_allocation.allocator_mix(p)
    state.venture_base = mix[:, VENTURE].copy()
    state.venture_share = capital_allocation.venture_share_target(
        state.venture_base, g.carry_tax, st.top_tax, p.finance.reference_carry_advantage, p.finance.venture_carry_elasticity)
    for j in range(J):
        rows = np.flatnonzero(a.jurisdiction == j)
        kinds = a.kind[rows]
        share = mix[j, kinds] / np.maximum(np.bincount(kinds, minlength=4)[kinds], 1)
        a.cash[rows] = ALLOCATOR_FLOAT * wage_bill[j] * share
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
    a.committed[:] = a.stakes.sum(axis=1)
    assets = a.cash + a.holdings(capital_allocation.share_prices(state))
    state.venture_asset_share0 = np.divide(state.per_jurisdiction(a.jurisdiction, assets * (a.kind == VENTURE)),
                                           state.per_jurisdiction(a.jurisdiction, assets), out=np.zeros(J),
                                           where=state.per_jurisdiction(a.jurisdiction, assets) > 0)
    state.next_review = p.finance.tournament_review_months
    bounds = np.searchsorted(f.jurisdiction, np.arange(J + 1))   # firms are stored grouped by jurisdiction
    state.firm_span = [slice(bounds[j], bounds[j + 1]) for j in range(J)]
    cell = a.jurisdiction * len(ALLOCATOR_KINDS) + a.kind
    state.allocators_alike = np.bincount(cell)[cell]


def _government(state: State, p: Parameters) -> None:
    """Debt from the parameters (and the debt ratio the fiscal rule keeps); real purchases set the initial
    primary deficit, with profits taxed as corporate income and again when paid out to households."""
    st, w, t, f, g = state.structure, state.workers, state.talent, state.firms, state.gov
    wage_bill = _wage_bill(state)
    g.debt[:] = np.array([j.initial_debt for j in p.jurisdictions.values()]) * 12.0 * wage_bill
    state.gdp_trend = state.per_jurisdiction(f.jurisdiction, f.expected_sales * f.alive)
    state.debt_target = g.debt / (12.0 * state.gdp_trend)
    state.purchases_adjustment = np.zeros(state.n_j)
    benefits = w.by_jurisdiction(worker_pay(state)[1] * w.weight)
    talent_tax = state.per_jurisdiction(t.location, t.pay * st.talent_tax(t.location, t.home) * t.weight)
    profits = _profits(state, p)
    corporate = profits * st.corporate_tax
    capital_gains = profits * (1 - st.corporate_tax) * st.capital_gains_tax
    revenue = st.income_tax * wage_bill + talent_tax + corporate + capital_gains
    deficit = np.array([j.primary_deficit for j in p.jurisdictions.values()]) * wage_bill
    state.real_purchases = np.maximum(revenue - benefits + deficit, 0.0)


def _calm_offshore_holdings(state: State, p: Parameters) -> None:
    """Allocators already hold foreign shares, balanced across jurisdictions, as if bought long ago.

    The world's allocators want, on average, the share ``kappa`` of their assets abroad at calm-time
    political risk. Each jurisdiction's firms are then a share ``kappa × (1 − its share of the world's
    assets)`` foreign-owned, held by the other jurisdictions' allocators in proportion to their assets:
    every jurisdiction's foreign assets then equal its foreign liabilities, so no net investment
    income flows at the start and no money moves. Flight from political risk unbalances them later.
    """
    st, g, a, f = state.structure, state.gov, state.allocators, state.firms
    pol = p.politics
    g.violence_risk[:] = politics.violence_risk(np.zeros(state.n_j), st.natural_u, st.natural_u, pol.violence_base,
                                                pol.violence_populism, pol.violence_unemployment)
    desired = capital_flight.desired_offshore_share(door.political_risk_now(state, p),
                                                    p.finance.flight_risk_weight)[a.jurisdiction]
    assets = a.cash + a.holdings(capital_allocation.share_prices(state))
    kappa = float((desired * assets).sum() / max(assets.sum(), 1e-12))
    foreign_share = kappa * (1.0 - state.per_jurisdiction(a.jurisdiction, assets) / max(assets.sum(), 1e-12))
    moved = foreign_share[f.jurisdiction] * a.stakes.sum(axis=0)
    a.stakes *= (1.0 - foreign_share[f.jurisdiction])[None, :]
    buyers = assets[:, None] * (a.jurisdiction[:, None] != f.jurisdiction[None, :])
    a.stakes += np.divide(buyers, buyers.sum(axis=0), out=np.zeros_like(buyers), where=buyers.sum(axis=0) > 0) * moved
