"""The model's state: what persists from month to month (``State``) and this month's record (``Month``).

``State`` holds the jurisdictions' constants (``Structure``), the agent populations, the ledger,
the lever schedules and the market state that carries over between months (wages, prices, the
policy rate, expectations). ``Month`` is created fresh at the start of each step; it is the only
channel through which one phase hands a result to a later phase of the same month (flows booked,
the technology in force, layoffs, wage bills, demand …). Metrics read both after the last phase.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.ledger import Ledger
from model.levers import LeverSchedules
from model.populations import (AllocatorPopulation, FirmPopulation, GovernmentPopulation, TalentPopulation,
                               WorkerPopulation)

# money flows per jurisdiction accumulated over the month (k$), reported by the metrics
FLOWS = ("gov_revenue", "gov_spending", "fees", "capital_out", "talent_wealth_out", "consumption", "wages",
         "talent_pay", "gdp", "exports", "imports", "ip_value", "profits_positive", "benefits")


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
    natural_u_market: np.ndarray      # (J, K) natural unemployment of each skill
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
    import_share: np.ndarray         # (J,) share of residents' private spending on goods from abroad
    talent_pay: np.ndarray
    cbdc_start: np.ndarray            # step index of the CBDC start
    cbdc_speed: np.ndarray
    home: int

    def talent_tax(self, location: np.ndarray, home: np.ndarray) -> np.ndarray:
        """Tax rate on AI talent's pay where it lives: the expat regime for foreigners where one exists.

        ``location`` and ``home`` broadcast: e.g. every jurisdiction (1, J) for each talent's home (n, 1).
        """
        expat = self.expat_tax[location]
        foreign = location != home
        return np.where(foreign & (expat >= 0), expat, self.top_tax[location])


@dataclass(eq=False)
class State:
    """Everything that persists from one month to the next.

    Built by :func:`model.world.build_state`; changed only by the phases (model/phases/).
    """

    structure: Structure
    levers: LeverSchedules
    ledger: Ledger
    workers: WorkerPopulation
    firms: FirmPopulation
    talent: TalentPopulation
    allocators: AllocatorPopulation
    gov: GovernmentPopulation
    start_month: int                  # months since year 0 of the first simulated month
    shock_rng: np.random.Generator    # aggregate demand shocks (common random numbers across runs of a seed)

    # labour market
    wage: np.ndarray = None           # (J, K) wage of each job market
    unemployment_j: np.ndarray = None  # (J,) unemployment rate, as the labour market left it
    market_labour_force: np.ndarray = None  # (J·K,) people of each skill in each jurisdiction
    worker_market: np.ndarray = None  # (W,) each worker's own (jurisdiction, skill) market
    worker_keep: np.ndarray = None    # (W,) share of a wage kept after tax
    worker_benefit_rate: np.ndarray = None  # (W,) after-tax benefit per unit of last wage
    # firms' technology
    sector_productivity: np.ndarray = None  # (F,) output per task of each firm's sector
    firm_eff: np.ndarray = None       # (F, K) tasks a worker of each skill does, relative to a white-collar worker
    base_need: np.ndarray = None      # (F, K) task shares by skill at starting wages
    firm_need: np.ndarray = None      # (F, K) task shares by skill after substitution
    firm_span: list = None            # per jurisdiction, the slice of firm rows (firms are grouped by jurisdiction)
    talent_intensity: np.ndarray = None  # (J,) talent (productivity units) per task-month of bits firms at the start
    # goods market and prices
    price0: np.ndarray = None         # (F,) reference prices of the price indexes (per efficiency unit, by market)
    market_price_level: np.ndarray = None  # (J·S,) each market's price level (1 at the start)
    base_price: np.ndarray = None     # (J·S,) each market's sales-weighted price at the start: real output's prices
    prev_price_level: np.ndarray = None  # (J,) last month's price level
    price_levels: np.ndarray = None   # (12, J) the last twelve months' price levels; row m % 12 holds month m
    demand_shock: np.ndarray = None   # (J,) AR(1) aggregate demand shock
    real_purchases: np.ndarray = None  # (J,) government purchases in real terms at the start
    trade: np.ndarray = None          # (J, J) shares of each jurisdiction's private spending bought from each
    purchases_adjustment: np.ndarray = None  # (J,) the fiscal rule's change to nominal purchases this month
    gdp_trend: np.ndarray = None      # (J,) nominal GDP per month, smoothed over about a year
    debt_target: np.ndarray = None    # (J,) public debt in years of GDP that the fiscal rule steers toward
    # central bank
    policy_rate: np.ndarray = None    # (J,) annual
    # capital allocation
    venture_base: np.ndarray = None   # (J,) venture's starting share of new money
    venture_share: np.ndarray = None  # (J,) venture's current share of new money
    venture_asset_share0: np.ndarray = None  # (J,) venture's starting share of allocator assets
    next_review: int = 0              # step of the next tournament review
    market_firms: np.ndarray = None   # (J·S,) firms each market supports (free entry): its alive firms at the start
    allocators_alike: np.ndarray = None  # (A,) allocators sharing each one's jurisdiction and kind
    capital_income_accrued: np.ndarray = None  # (J,) distributions paid this month, household income next month
    # the door and the rest of the world
    foreign_other: np.ndarray = None  # (J,) rest-of-world receipts (licensing, moving costs, AI imports)
    last_outflow_share: np.ndarray = None  # (J,) last month's talent outflow over talent present
    outflow_trend: np.ndarray = None       # (J,) that share's moving average (about a quarter; what statistics report)
    cumulative: dict = field(default_factory=dict)  # running totals of outflows since the start

    @property
    def n_j(self) -> int:
        return len(self.structure.names)

    def per_jurisdiction(self, index: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Sum ``weights`` by jurisdiction ``index`` (length J)."""
        return np.bincount(index, weights=weights, minlength=self.n_j)

    def micro_balances(self) -> dict[str, np.ndarray]:
        """Per-jurisdiction sums of the agents' own money holdings, for the ledger check."""
        w, t, f, a = self.workers, self.talent, self.firms, self.allocators
        return {
            "households": w.by_jurisdiction(w.savings * w.weight),
            "talent": self.per_jurisdiction(t.location, t.liquid * t.weight),
            "blocked": self.per_jurisdiction(t.trapped_in, t.trapped * t.weight),
            "firms": self.per_jurisdiction(f.jurisdiction, f.cash),
            "allocators": self.per_jurisdiction(a.jurisdiction, a.cash),
            "government": self.gov.cash,
            "foreign": self.foreign_other,
        }

    def ledger_error(self) -> float:
        """Largest relative error of the books (see :meth:`model.ledger.Ledger.error`)."""
        return self.ledger.error(self.micro_balances())


@dataclass(eq=False, slots=True)
class Month:
    """This month's record: flows and every result one phase hands to a later one.

    Each field names the phase that writes it; later phases (and the metrics) read it.
    """

    step: int                                  # months since the start
    flows: dict[str, np.ndarray]               # FLOWS, per jurisdiction, added to by every phase that moves money
    # technology
    humanoid: float = 0.0                      # humanoid capability, 0..ceiling
    ai_capability: float = 0.0
    robot_cost: np.ndarray = None              # (J,) monthly cost of a robot doing one worker's tasks, tax included
    robot_cost_pre_tax: np.ndarray = None
    ai_cost: np.ndarray = None                 # (J,) monthly cost of AI services doing one worker's tasks
    # automation
    displaced: np.ndarray = None               # (F, K) share of human task holders made redundant
    # labour market
    labour_flows: dict = None                  # separations, job finding, vacancies (world and per jurisdiction)
    # incomes
    household_capital_income: np.ndarray = None  # (J,) last month's distributions, paid out this month
    firm_wage_cost: np.ndarray = None          # (F,)
    firm_talent_cost: np.ndarray = None        # (F,)
    talent_net_pay: np.ndarray = None          # (T,) after-tax pay per person
    worker_capital_income: np.ndarray = None   # (W,) capital income per person this month (part of workers.income)
    # goods market
    household_consumption: np.ndarray = None   # (W,) per person
    talent_consumption: np.ndarray = None      # (T,) per person
    firm_demand: np.ndarray = None             # (F,) nominal demand each firm met or turned away
    firm_machine_cost: np.ndarray = None       # (F,) robots (tax included) and AI services bought
    vendor_revenue: np.ndarray = None          # (F,) AI labs' revenue from robots and AI services
    # firm accounts
    bank_interest: np.ndarray = None           # (J,) interest firms paid the banking system this month
    firm_dividends: np.ndarray = None          # (F,) dividends each firm paid
    firm_paid_abroad: np.ndarray = None        # (F,) IP royalties to talent living abroad and licensing fees
    talent_royalties: np.ndarray = None        # (T,) royalties received per person, after tax
    # prices
    inflation: np.ndarray = None               # (J,) year-on-year inflation of the price level, this month
    # capital allocation
    share_price: np.ndarray = None             # (F,) price of one share of each firm this month
    deployed: np.ndarray = None                # (allocator kinds, F) new money each kind put into each firm
                                               # (capital_allocation; entry_exit adds seed capital)
    # entry and exit
    exits: int = 0
    entries: int = 0
    closed: np.ndarray = None                  # (F,) firms that failed or closed this month (before any entry)
    liquidated: np.ndarray = None              # (F,) cash each firm closing by choice paid its owners
    # talent moves
    talent_outflow_home: float = 0.0           # home talent (people) that left home this month

    @classmethod
    def start(cls, step: int, n_jurisdictions: int) -> Month:
        return cls(step=step, flows={k: np.zeros(n_jurisdictions) for k in FLOWS})
