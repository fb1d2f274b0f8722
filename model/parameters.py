"""The parameter tree: one typed, validated source of truth for every model input.

Every field carries a default, a unit, a valid range and a source (or the reasoning behind
the number). The same tree validates CLI ``--set`` overrides and scenario and sweep files, and
generates the parameter table in docs/ODD.md.

Money is in thousands of US dollars (k$) at purchasing-power parity; time steps are months.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.fields import FieldInfo

from model.domain import ALLOCATOR_KINDS, SECTORS

MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def param(default: Any, lo: float | None, hi: float | None, unit: str, source: str, description: str):
    """A parameter field with its range, unit, source and description."""
    return Field(
        default,
        ge=lo,
        le=hi,
        description=description,
        json_schema_extra={"unit": unit, "source": source},
    )


def month_index(month: str) -> int:
    """Months since year 0 for a ``YYYY-MM`` string."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def check_month(value: str) -> str:
    if not isinstance(value, str) or not MONTH_PATTERN.match(value):
        raise ValueError(f"expected a month as 'YYYY-MM', got {value!r}")
    return value


def is_block(annotation: Any) -> bool:
    """Whether a type annotation is a pydantic model class (a block of the tree, or a lever path)."""
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def field_bounds(info: FieldInfo) -> tuple[Any, Any]:
    """A field's (lower, upper) bounds from its constraints; None where it has none."""
    lo = hi = None
    for meta in info.metadata:
        lo = getattr(meta, "ge", getattr(meta, "gt", lo))
        hi = getattr(meta, "le", getattr(meta, "lt", hi))
    return lo, hi


class Strict(BaseModel):
    """Base for every node of the tree: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True)


# --------------------------------------------------------------------------- levers


class LeverChange(Strict):
    """One scheduled change of a lever: from month ``at`` the lever takes ``value``."""

    at: str = Field(description="month the change takes effect (YYYY-MM)")
    value: float = Field(description="the lever's value from that month on")
    announce_months: int = Field(
        0, ge=0, le=120, description="months before `at` the change is announced (enters expectations)"
    )

    _check_at = field_validator("at")(classmethod(lambda cls, v: check_month(v)))


class LeverPath(Strict):
    """A lever's path in time: an initial value and dated changes (TOML: a number or a list)."""

    initial: float
    changes: list[LeverChange] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, raw: Any) -> Any:
        if isinstance(raw, bool):
            raise ValueError("expected a number or a list of {at, value} changes")
        if isinstance(raw, (int, float)):
            return {"initial": raw}
        if isinstance(raw, list):
            if not raw:
                raise ValueError("a lever's list of changes must not be empty")
            return {"changes": raw}
        return raw

    @model_validator(mode="after")
    def _sorted(self) -> LeverPath:
        months = [month_index(c.at) for c in self.changes]
        if months != sorted(months):
            raise ValueError("lever changes must be in date order")
        return self

    def values(self) -> list[float]:
        return [self.initial, *(c.value for c in self.changes)]


def lever(default: float, lo: float, hi: float, unit: str, source: str, description: str):
    """A scheduled lever field; every value on its path must lie in [lo, hi]."""
    return Field(
        default_factory=lambda: LeverPath(initial=default),
        description=description,
        json_schema_extra={"unit": unit, "source": source, "lever_range": [lo, hi], "default": default},
    )


# --------------------------------------------------------------------------- jurisdictions


class Jurisdiction(Strict):
    """Configuration of one jurisdiction: structure, taxes, amenity and its four policy levers."""

    population: float = param(100e6, 1e5, 2e9, "people", "UN WPP 2024", "resident population")
    labour_force_share: float = param(0.5, 0.2, 0.8, "share", "ILO 2024", "labour force / population")
    working_age_share: float = param(0.65, 0.2, 0.9, "share", "UN WPP 2024 (ages 15-64)",
                                     "working-age share of the population (denominator of the employment-to-population ratio)")
    skill_mix: list[float] = Field(
        default_factory=lambda: [0.35, 0.45, 0.20],
        description="labour force shares of low, medium (white-collar) and high skill",
        json_schema_extra={"unit": "shares", "source": "OECD PIAAC; ILO ISCO groups"},
    )
    sector_mix: list[float] = Field(
        default_factory=lambda: [0.18, 0.22, 0.12, 0.40, 0.02, 0.06],
        description="employment shares of food_service, manufacturing, logistics, white_collar, ai_labs, software",
        json_schema_extra={"unit": "shares", "source": "BLS CES 2024; Eurostat; NBS China"},
    )
    wage_low: float = param(3.0, 0.1, 50, "k$/month", "BLS OEWS 2024 (PPP)", "monthly wage of low-skill work")
    wage_medium: float = param(5.0, 0.1, 80, "k$/month", "BLS OEWS 2024 (PPP)", "monthly wage of white-collar work")
    wage_high: float = param(9.0, 0.1, 150, "k$/month", "BLS OEWS 2024 (PPP)", "monthly wage of high-skill work")
    income_tax: float = param(0.30, 0.0, 0.9, "rate", "OECD Taxing Wages 2024", "average tax on labour income")
    top_income_tax: float = param(0.40, 0.0, 0.95, "rate", "OECD top statutory rates", "top tax rate on AI talent's income")
    corporate_tax: float = param(0.21, 0.0, 0.6, "rate", "OECD corporate tax statistics 2024", "tax on firm profits")
    capital_gains_tax: float = param(0.20, 0.0, 0.6, "rate", "OECD", "tax on investment returns paid to households")
    expat_tax: float = param(-1.0, -1.0, 0.95, "rate", "national expat regimes (Kleven et al. 2014)",
                             "tax rate for foreign AI talent; negative means no expat regime (top_income_tax applies)")
    replacement_rate: float = param(0.40, 0.0, 1.0, "share of wage", "OECD benefit database", "unemployment benefit / last wage")
    natural_unemployment: float = param(0.045, 0.01, 0.2, "rate", "CBO NAIRU; ECB", "unemployment at which the central bank neither eases nor tightens")
    primary_deficit: float = param(0.03, -0.1, 0.2, "share of wage bill", "IMF Fiscal Monitor 2024", "initial primary deficit; sets real government purchases")
    initial_debt: float = param(1.0, 0.0, 3.0, "years of wage bill", "IMF WEO 2024", "government debt at start relative to annual wage bill")
    amenity: float = param(0.5, 0.0, 1.0, "index", "Mercer quality of living (rescaled)", "quality of life for talent")
    baseline_safety: float = param(0.8, 0.0, 1.0, "index", "Global Peace Index (rescaled)", "personal safety absent unrest")
    electricity_cost: float = param(0.08, 0.01, 1.0, "$/kWh", "IEA 2024 industrial prices", "electricity price; scales the cost of AI services (relative to the home jurisdiction)")
    haven: bool = Field(False, description="labels the jurisdiction a haven for the experiments that count arrivals at havens; the model treats every jurisdiction alike (talent weighs taxes, capacity and congestion everywhere; fleeing capital buys firms in every other jurisdiction)",
                        json_schema_extra={"unit": "flag", "source": "scenario"})
    haven_capacity: float = param(1e9, 0.0, 1e9, "people", "housing and visa intake (assumption)",
                                  "most foreign AI talent the jurisdiction can take in, cumulatively")
    crypto_access: float = param(0.5, 0.0, 1.0, "index", "Chainalysis adoption index (rescaled)", "legal crypto rail for moving wealth and licensing IP")
    talent_share: float = param(0.1, 0.0, 1.0, "share", "Stanford AI Index / MacroPolo talent tracker", "weight of the jurisdiction in the world's AI talent (shares are normalised over the jurisdictions modelled)")
    import_share: float = param(0.15, 0.0, 0.9, "share of private spending",
                                "OECD TiVA 2023 (foreign value added in final demand)",
                                "share of households' and AI talent's spending on goods made in other jurisdictions")
    talent_pay: float = param(25.0, 1.0, 500.0, "k$/month", "levels.fyi 2024 (PPP)", "gross monthly pay of AI talent of average productivity")
    allocator_mix: list[float] = Field(
        default_factory=lambda: [0.6, 0.3, 0.0, 0.1],
        description="initial shares of investable savings held by index, venture, tournament and sovereign allocators",
        json_schema_extra={"unit": "shares", "source": "Preqin; ICI; SWF Institute"},
    )
    initial_policy_rate: float = param(0.04, 0.0, 0.25, "annual rate", "central bank policy rates 2025-01", "policy rate at start")
    # the four levers
    robot_tax: LeverPath = lever(0.0, -0.9, 5.0, "share of robot cost", "policy", "robot tax (negative = subsidy) on robot cost")
    robot_adoption: LeverPath = lever(1.0, 0.0, 10.0, "multiplier", "policy", "multiplier on the speed firms adopt robots")
    robot_cap: LeverPath = lever(1e6, 0.0, 1e6, "robots per 1,000 workers", "policy", "cap on robot density (1e6 = no cap)")
    capital_controls: LeverPath = lever(0.0, 0.0, 1.0, "stringency", "policy", "capital-control stringency: exit tax, trapped wealth, outflow cap")
    cbdc_start: str = Field("2100-01", description="month the CBDC rollout starts (YYYY-MM; 2100-01: none planned)",
                            json_schema_extra={"unit": "month", "source": "BIS CBDC tracker (US: Executive Order 14178, 2025, bars a US CBDC; "
                                                                       "Singapore, Switzerland: wholesale only); scenario"})
    cbdc_adoption_speed: float = param(0.05, 0.0, 1.0, "share/month", "e-CNY rollout pace (assumption)", "monthly logistic adoption speed after the start")
    cbdc_surveillance: LeverPath = lever(0.2, 0.0, 1.0, "index", "policy", "surveillance built into the CBDC")
    carry_tax: LeverPath = lever(0.20, 0.0, 0.9, "rate", "US IRC §1061 (long-term gains rate)", "tax rate on carried interest")

    _month = field_validator("cbdc_start")(classmethod(lambda cls, v: check_month(v)))

    @model_validator(mode="before")
    @classmethod
    def _lever_defaults(cls, raw: Any) -> Any:
        """A lever given only as a list of changes keeps its default value until the first change."""
        if not isinstance(raw, dict):
            return raw
        raw = dict(raw)
        for name, field in cls.model_fields.items():
            extra = field.json_schema_extra or {}
            value = raw.get(name)
            if "lever_range" in extra and isinstance(value, list):
                raw[name] = {"initial": extra["default"], "changes": value}
        return raw

    @field_validator("skill_mix", "allocator_mix", "sector_mix")
    @classmethod
    def _shares(cls, v: list[float], info) -> list[float]:
        expected = {"skill_mix": 3, "sector_mix": len(SECTORS), "allocator_mix": len(ALLOCATOR_KINDS)}[info.field_name]
        if len(v) != expected or min(v) < 0 or abs(sum(v) - 1.0) > 1e-6:
            raise ValueError(f"expected {expected} non-negative shares summing to 1, got {v}")
        return v

    @model_validator(mode="after")
    def _lever_ranges(self) -> Jurisdiction:
        for name, field in type(self).model_fields.items():
            extra = field.json_schema_extra or {}
            if "lever_range" in extra:
                lo, hi = extra["lever_range"]
                for value in getattr(self, name).values():
                    if not lo <= value <= hi:
                        raise ValueError(f"{name}: value {value} outside [{lo}, {hi}]")
        if self.labour_force_share > self.working_age_share:
            raise ValueError(f"labour_force_share: value {self.labour_force_share} exceeds working_age_share "
                             f"{self.working_age_share} (participation above 100%)")
        return self


def _jurisdiction(**kw) -> dict:
    return kw


DEFAULT_JURISDICTIONS: dict[str, dict] = {
    "US": _jurisdiction(
        import_share=0.11,
        population=335e6, labour_force_share=0.50, working_age_share=0.65, skill_mix=[0.33, 0.45, 0.22],
        sector_mix=[0.10, 0.12, 0.06, 0.62, 0.02, 0.08],
        wage_low=3.2, wage_medium=5.8, wage_high=10.5, income_tax=0.30, top_income_tax=0.45,
        corporate_tax=0.21, capital_gains_tax=0.20, replacement_rate=0.40, natural_unemployment=0.042,
        amenity=0.65, baseline_safety=0.75, electricity_cost=0.08, crypto_access=0.7, talent_share=0.40,
        talent_pay=30.0, allocator_mix=[0.55, 0.40, 0.0, 0.05], initial_policy_rate=0.043, initial_debt=1.2,
        carry_tax=0.20,
    ),
    "China": _jurisdiction(
        import_share=0.12,
        population=1410e6, labour_force_share=0.55, working_age_share=0.69, skill_mix=[0.50, 0.38, 0.12],
        sector_mix=[0.10, 0.28, 0.10, 0.46, 0.02, 0.04],
        wage_low=1.3, wage_medium=2.2, wage_high=4.5, income_tax=0.20, top_income_tax=0.45,
        corporate_tax=0.25, capital_gains_tax=0.20, replacement_rate=0.25, natural_unemployment=0.05,
        amenity=0.45, baseline_safety=0.85, electricity_cost=0.05, crypto_access=0.1, talent_share=0.30,
        talent_pay=14.0, allocator_mix=[0.20, 0.10, 0.50, 0.20], initial_policy_rate=0.03, initial_debt=0.8,
        capital_controls=0.6, cbdc_start="2020-01", cbdc_adoption_speed=0.08, cbdc_surveillance=0.8,
        carry_tax=0.20,
    ),
    "EU": _jurisdiction(
        import_share=0.12,
        population=450e6, labour_force_share=0.48, working_age_share=0.64, skill_mix=[0.30, 0.47, 0.23],
        sector_mix=[0.10, 0.16, 0.06, 0.61, 0.01, 0.06],
        wage_low=2.6, wage_medium=4.4, wage_high=7.5, income_tax=0.38, top_income_tax=0.50,
        corporate_tax=0.22, capital_gains_tax=0.26, replacement_rate=0.60, natural_unemployment=0.065,
        amenity=0.70, baseline_safety=0.82, electricity_cost=0.18, crypto_access=0.6, talent_share=0.18,
        talent_pay=18.0, allocator_mix=[0.70, 0.15, 0.0, 0.15], initial_policy_rate=0.03, initial_debt=0.9,
        cbdc_start="2029-01", cbdc_surveillance=0.3, carry_tax=0.26,
    ),
    "Singapore": _jurisdiction(
        import_share=0.4,
        population=6.0e6, labour_force_share=0.60, working_age_share=0.72, skill_mix=[0.25, 0.45, 0.30],
        sector_mix=[0.09, 0.13, 0.08, 0.60, 0.02, 0.08],
        wage_low=2.5, wage_medium=5.0, wage_high=9.5, income_tax=0.15, top_income_tax=0.24,
        corporate_tax=0.17, capital_gains_tax=0.0, replacement_rate=0.10, natural_unemployment=0.025,
        amenity=0.70, baseline_safety=0.95, electricity_cost=0.20, crypto_access=0.8, talent_share=0.02,
        talent_pay=24.0, allocator_mix=[0.35, 0.25, 0.0, 0.40], initial_policy_rate=0.035, initial_debt=1.5,
        haven=True, haven_capacity=300_000, carry_tax=0.0, expat_tax=0.15,
    ),
    "UAE": _jurisdiction(
        import_share=0.4,
        population=9.4e6, labour_force_share=0.70, working_age_share=0.82, skill_mix=[0.45, 0.35, 0.20],
        sector_mix=[0.12, 0.10, 0.12, 0.60, 0.01, 0.05],
        wage_low=1.5, wage_medium=4.5, wage_high=10.0, income_tax=0.0, top_income_tax=0.0,
        corporate_tax=0.09, capital_gains_tax=0.0, replacement_rate=0.05, natural_unemployment=0.03,
        amenity=0.55, baseline_safety=0.90, electricity_cost=0.07, crypto_access=0.9, talent_share=0.01,
        talent_pay=22.0, allocator_mix=[0.20, 0.10, 0.0, 0.70], initial_policy_rate=0.044, initial_debt=0.3,
        haven=True, haven_capacity=500_000, carry_tax=0.0,
    ),
    "Switzerland": _jurisdiction(
        import_share=0.3,
        population=9.0e6, labour_force_share=0.55, working_age_share=0.66, skill_mix=[0.20, 0.48, 0.32],
        sector_mix=[0.09, 0.18, 0.06, 0.57, 0.02, 0.08],
        wage_low=4.5, wage_medium=7.5, wage_high=12.0, income_tax=0.22, top_income_tax=0.35,
        corporate_tax=0.15, capital_gains_tax=0.0, replacement_rate=0.70, natural_unemployment=0.03,
        amenity=0.85, baseline_safety=0.95, electricity_cost=0.15, crypto_access=0.8, talent_share=0.04,
        talent_pay=28.0, allocator_mix=[0.60, 0.20, 0.0, 0.20], initial_policy_rate=0.01, initial_debt=0.4,
        haven=True, haven_capacity=200_000, carry_tax=0.0, expat_tax=0.25,
    ),
}


# --------------------------------------------------------------------------- sectors


class Sector(Strict):
    """Technology of one sector: task exposure to robots and AI, skill needs and productivity."""

    robot_share: float = param(0.1, 0.0, 1.0, "share of tasks", "Acemoglu & Restrepo 2020; Frey & Osborne 2017",
                               "share of low-skill physical tasks a mature humanoid robot can do")
    ai_share: float = param(0.1, 0.0, 1.0, "share of tasks", "Eloundou et al. 2024 (GPTs are GPTs)",
                            "share of white-collar (medium-skill) tasks mature AI services can do")
    skill_need: list[float] = Field(default_factory=lambda: [0.4, 0.4, 0.2],
                                    description="shares of low, medium and high skill in the sector's tasks",
                                    json_schema_extra={"unit": "shares", "source": "BLS OEWS occupation mix"})
    productivity: float = param(1.6, 0.1, 20.0, "output per task-month", "normalisation (BEA value added per worker)",
                                "real output per task-month; sets the units of real output (prices scale inversely)")

    @field_validator("skill_need")
    @classmethod
    def _mix(cls, v: list[float]) -> list[float]:
        if len(v) != 3 or min(v) < 0 or abs(sum(v) - 1) > 1e-6:
            raise ValueError(f"expected 3 non-negative shares summing to 1, got {v}")
        return v


DEFAULT_SECTORS: dict[str, dict] = {
    "food_service": dict(robot_share=0.75, ai_share=0.15, skill_need=[0.85, 0.12, 0.03], productivity=1.25),
    "manufacturing": dict(robot_share=0.65, ai_share=0.25, skill_need=[0.60, 0.28, 0.12], productivity=1.9),
    "logistics": dict(robot_share=0.70, ai_share=0.20, skill_need=[0.70, 0.22, 0.08], productivity=1.5),
    "white_collar": dict(robot_share=0.05, ai_share=0.50, skill_need=[0.10, 0.65, 0.25], productivity=1.6),
    "ai_labs": dict(robot_share=0.0, ai_share=0.30, skill_need=[0.02, 0.28, 0.70], productivity=3.0),
    "software": dict(robot_share=0.0, ai_share=0.40, skill_need=[0.03, 0.37, 0.60], productivity=2.4),
}


# --------------------------------------------------------------------------- behavioural blocks


class Population(Strict):
    """How many agents there are and whom they stand for."""

    scale: float = param(1.0, 0.01, 1000.0, "multiplier", "model design", "agent-count multiplier; results must not depend on it beyond noise")
    workers: int = param(10_000, 100, 100_000_000, "agents at scale 1", "model design", "worker agents at scale 1 (spread over jurisdictions by labour force to the power population.allocation_exponent)")
    talent: int = param(2_000, 50, 10_000_000, "agents at scale 1", "model design", "AI-talent agents at scale 1")
    min_talent: int = param(20_000, 0, 10_000_000, "agents", "model design (a home jurisdiction's monthly outflow must be resolved in fractions of a percent)",
                            "fewest AI-talent agents at any scale")
    allocation_exponent: float = param(0.25, 0.0, 1.0, "exponent", "model design",
                                       "worker agents per jurisdiction ∝ labour force ^ this (0 = as many everywhere, 1 = in proportion): small jurisdictions need enough agents for smooth markets")
    workers_per_firm: float = param(25.0, 5.0, 1000.0, "worker agents per firm", "model design", "worker agents per alive firm at start")
    spare_firm_slots: float = param(0.25, 0.0, 2.0, "share", "model design", "extra firm slots kept for entry")
    allocators_per_kind: int = param(2, 1, 50, "per jurisdiction and kind", "model design", "capital allocators of each present kind per jurisdiction")
    world_ai_talent: float = param(3e6, 1e4, 1e8, "people", "seed essay 1 ('the 3 million'; an assumption)", "people the AI economy rests on")


class Technology(Strict):
    """The technology path: humanoid and AI capability rising, robot prices falling."""

    humanoid_capability_start: float = param(0.05, 0.0, 1.0, "share of mature capability", "assumption", "humanoid capability at start, relative to its ceiling")
    humanoid_midpoint: str = Field("2032-01", description="month humanoid capability reaches half its ceiling",
                                   json_schema_extra={"unit": "month", "source": "assumption (industry roadmaps)"})
    humanoid_speed: float = param(0.04, 0.0, 1.0, "per month", "assumption", "logistic steepness of humanoid capability")
    humanoid_ceiling: float = param(0.5, 0.0, 1.0, "share of exposed tasks", "Acemoglu 2024 (share of exposed tasks profitably automated)",
                                    "share of robot-exposed tasks mature humanoids can do")
    ai_capability_start: float = param(0.15, 0.0, 1.0, "share of mature capability", "assumption", "AI capability at start, relative to its ceiling")
    ai_midpoint: str = Field("2028-01", description="month AI capability reaches half its ceiling",
                             json_schema_extra={"unit": "month", "source": "assumption"})
    ai_speed: float = param(0.05, 0.0, 1.0, "per month", "assumption", "logistic steepness of AI capability")
    ai_ceiling: float = param(0.35, 0.0, 1.0, "share of exposed tasks", "Acemoglu 2024; Svanberg et al. 2024 (23% cost-effective)",
                              "share of AI-exposed tasks mature AI services can do")
    _months = field_validator("humanoid_midpoint", "ai_midpoint")(classmethod(lambda cls, v: check_month(v)))

    robot_price: float = param(2.4, 0.05, 50.0, "k$/month per worker-equivalent", "Goldman Sachs 2024 humanoid cost (rental-equivalent)",
                               "monthly cost of robot time doing one low-skill worker's tasks at start")
    workers_per_robot: float = param(4.0, 0.1, 10.0, "worker-equivalents",
                                     "duty cycle (~20 h a day, 7 days vs a 40-45 h week: 3.3); calibrated to 4 with Acemoglu & Restrepo's employment effect per robot (see VALIDATION.md)",
                                     "full-time workers' tasks one robot does; robot counts and densities count robots")
    robot_price_decline: float = param(0.10, 0.0, 0.8, "per year", "ARK/Goldman cost curves", "annual rate robot prices fall")
    ai_service_price: float = param(1.2, 0.01, 50.0, "k$/month per task", "API pricing 2024 (assumption)", "monthly cost of AI services doing one white-collar worker's tasks")
    ai_price_decline: float = param(0.25, 0.0, 0.9, "per year", "Epoch AI price trends", "annual rate AI-service prices fall")
    electricity_share_ai: float = param(0.6, 0.0, 1.0, "share", "seed essay 2 ('sixty percent of the cost of a token')", "share of AI-service cost that is electricity")
    adoption_speed: float = param(0.04, 0.0, 1.0, "share of gap per month", "Acemoglu & Restrepo diffusion (assumption)", "monthly speed at which firms close the gap to their cost-minimising automation")
    task_cost_dispersion: float = param(0.35, 0.01, 2.0, "log points", "assumption", "spread of task-level costs; smooths the automate-or-not choice")


class Labour(Strict):
    """Labour market: matching, separations, wage setting."""

    @field_validator("natural_by_skill")
    @classmethod
    def _three_positive(cls, v: list[float]) -> list[float]:
        if len(v) != 3 or min(v) <= 0 or max(v) > 10:
            raise ValueError(f"expected 3 ratios in (0, 10], got {v}")
        return v

    matching_efficiency: float = param(0.75, 0.01, 3.0, "per month", "Petrongolo & Pissarides 2001; calibrated to a job-finding rate of about 40% a month (Shimer 2012)",
                                       "A in the Cobb-Douglas meeting rate A·(V/U)^(1-α) of a job seeker; she finds a job in a month with probability 1 - exp(-rate)")
    matching_elasticity: float = param(0.5, 0.1, 0.9, "elasticity", "Petrongolo & Pissarides 2001", "α: elasticity of matches to unemployment")
    separation_rate: float = param(0.015, 0.0, 0.2, "per month", "BLS JOLTS", "exogenous monthly separation rate")
    wage_up: float = param(0.07, 0.0, 2.0, "per month per unit of unemployment gap",
                           "Galí 2011 (wage Phillips curve: ≈0.5-1 pp of yearly wage inflation per pp of unemployment gap)",
                           "monthly wage rise per unit of unemployment below its natural rate")
    wage_down: float = param(0.07, 0.0, 2.0, "per month per unit of unemployment gap",
                             "Galí 2011 (one slope both ways; downward rigidity comes from max_wage_cut, Bewley 1999)",
                             "monthly wage cut per unit of unemployment above its natural rate, before the floor on nominal cuts")
    natural_by_skill: list[float] = Field(
        default_factory=lambda: [1.35, 0.9, 0.55],
        description="natural unemployment of low, medium and high skill relative to the jurisdiction's natural rate "
                    "(rescaled so the labour-force-weighted mean is that rate)",
        json_schema_extra={"unit": "ratios", "source": "BLS CPS 2015-2019, unemployment by educational attainment"})
    max_wage_cut: float = param(0.002, 0.0, 0.05, "share per month",
                                "Dickens et al. 2007 (JEP); Daly & Hobijn 2014: nominal wage cuts are rare and small",
                                "most a market's nominal wage can fall in a month (downward nominal wage rigidity)")
    downgrade_search: float = param(0.3, 0.0, 1.0, "search intensity", "Barnichon & Zylberberg 2019 (underemployment); assumption",
                                    "how hard the unemployed also look for jobs one skill level below their own")
    displaced_search: float = param(0.3, 0.0, 1.0, "search effectiveness",
                                    "Farber 2017; Davis & von Wachter 2011 (displaced workers are re-employed far more slowly)",
                                    "job-finding effectiveness of workers displaced by automation, relative to other job seekers")
    on_the_job_search: float = param(0.3, 0.0, 1.0, "search intensity",
                                     "Faberman, Mueller, Şahin & Topa 2022 (Econometrica): the employed search less than the unemployed",
                                     "how hard workers in a job below their skill search for one at their own skill, relative to the unemployed")
    hoarding: float = param(0.05, 0.0, 0.5, "share of demand", "Oi 1962; Biddle 2014 (labour hoarding)",
                            "staff a firm keeps above its needs before it lays anyone off")
    inflation_indexation: float = param(0.25, 0.0, 1.0, "weight",
                                        "Blanchard, Cerutti & Summers 2015 (lagged inflation's weight ≈0.2-0.3 since the 1990s: anchored expectations)",
                                        "weight of past inflation (vs the central bank's target) in the inflation wages build in")
    skill_substitution: float = param(1.0, 0.0, 5.0, "elasticity", "Katz & Murphy 1992 (≈1.4 between skill groups)",
                                      "how firms shift task shares between skills as relative wages move")


class Goods(Strict):
    """Households' demand and firms' pricing."""

    mpc_income: float = param(0.85, 0.0, 1.0, "share", "Carroll et al. 2017", "marginal propensity to consume out of disposable income")
    mpc_wealth: float = param(0.01, 0.0, 0.2, "per month", "Carroll et al. 2017", "monthly propensity to consume out of savings")
    mpc_wealth_elasticity: float = param(
        0.0, 0.0, 1.0, "elasticity",
        "Fagereng, Holm & Natvik 2021, AEJ:Macro; Carroll, Slacalek, Tokuoka & White 2017, QE (MPCs fall with liquid "
        "wealth: about 1 for low-liquidity lottery winners, just under 0.5 for high-liquidity ones; 0.15 gives that "
        "factor of 2 over a hundredfold spread of savings). Off (0) by default: the starting savings assume one MPC "
        "for all, and with it on a frozen economy's wealth concentrates year after year (docs/VALIDATION.md, AI's "
        "demand channel)",
        "fall of a household's propensity to consume out of income with its savings relative to its jurisdiction's "
        "mean: mpc_income × (savings / mean)^(−elasticity), at most 1")
    rate_sensitivity: float = param(1.5, 0.0, 10.0, "semi-elasticity", "Euler-equation IS curve (Gali 2015, σ≈1–2)",
                                    "fall in spending per unit of real policy rate above neutral")
    sector_elasticity: float = param(0.5, 0.0, 3.0, "elasticity", "Herrendorf, Rogerson & Valentinyi 2013 (< 1)",
                                     "substitution between sectors: below 1, spending shifts toward sectors whose prices fall least")
    price_elasticity: float = param(2.0, 0.1, 10.0, "elasticity", "Broda & Weinstein 2006", "elasticity of a firm's market share to its relative price")
    markup: float = param(0.61, 0.0, 2.0, "share over unit cost",
                          "De Loecker, Eeckhout & Unger 2020 (sales-weighted markup over variable cost 1.61 in 2016)",
                          "target markup over labour, talent and machine costs; it pays for capital and profits")
    demand_pricing: float = param(0.5, 0.0, 3.0, "elasticity", "Assenza et al. 2015 (CATS price rule); assumption",
                                  "how much firms raise prices over cost when demand exceeds what they can make")
    price_adjustment: float = param(0.1, 0.0, 1.0, "share per month", "Nakamura & Steinsson 2008", "share of the gap to target price closed each month")
    expectation_speed: float = param(0.3, 0.0, 1.0, "share per month", "assumption", "speed firms update expected sales")
    rest_of_world_spending: float = param(0.1, 0.0, 1.0, "share per month",
                                          "Godley & Lavoie 2007, ch. 6 (the rest of the world's imports are exports)",
                                          "share of what the rest of the world received from a jurisdiction that it spends on that jurisdiction's goods each month")
    demand_noise: float = param(0.02, 0.0, 0.3, "std per month",
                                "calibrated: HP-filtered sd of log US unemployment ≈0.2 (Shimer 2005; see VALIDATION.md)",
                                "aggregate demand shock per jurisdiction (drives the cycle)")
    demand_persistence: float = param(0.9, 0.0, 0.999, "AR(1)", "assumption", "persistence of demand shocks")


class CentralBank(Strict):
    """Taylor-type rule with a zero floor."""

    neutral_rate: float = param(0.01, -0.02, 0.1, "annual", "Laubach-Williams r*", "real neutral rate")
    inflation_target: float = param(0.02, 0.0, 0.1, "annual", "Fed/ECB", "inflation target")
    inflation_weight: float = param(0.5, 0.0, 3.0, "coefficient", "Taylor 1993", "response to the inflation gap")
    unemployment_weight: float = param(1.5, 0.0, 5.0, "coefficient", "Taylor 1999 (Okun-adjusted)", "response to the unemployment gap")
    smoothing: float = param(0.8, 0.0, 0.99, "share", "Clarida-Gali-Gertler 2000", "weight on last month's rate")


class Finance(Strict):
    """Banks, firm finance and the capital allocators."""

    loan_spread: float = param(0.03, 0.0, 0.2, "annual", "Fed senior loan officer survey", "lending rate over the policy rate")
    equity_premium: float = param(0.05, 0.0, 0.2, "annual", "Damodaran 2024", "discount premium over the policy rate in valuations")
    robot_rate_sensitivity: float = param(2.0, 0.0, 20.0, "per unit of rate", "Hall-Jorgenson user cost (assumption)",
                                          "rise in a robot's monthly cost per unit of the annual policy rate (leveraged capital)")
    debt_limit: float = param(6.0, 0.0, 48.0, "months of sales", "assumption", "most a firm may owe the banks")
    cash_buffer: float = param(1.0, 0.0, 12.0, "months of costs", "assumption", "cash a firm keeps before paying dividends")
    payout_ratio: float = param(0.5, 0.0, 1.0, "share of excess cash", "assumption", "share of cash above the buffer paid as dividends")
    invest_share: float = param(0.3, 0.0, 1.0, "share of saving", "Fed Z.1", "share of households' monthly saving handed to allocators")
    income_payout: float = param(0.9, 0.0, 1.0, "share of income",
                                 "US IRC §852 (funds distribute at least 90% of their income); assumption for other allocators",
                                 "share of the dividends an allocator receives (after fees) that it passes on to its investors each month")
    distribution_rate: float = param(0.001, 0.0, 0.1, "per month", "assumption (≈1%/yr return of capital, on top of the income passed on)", "share of its assets an allocator pays out to its investors monthly")
    management_fee: float = param(0.02, 0.0, 0.1, "per year of AUM", "'two and twenty'", "venture management fee")
    carry: float = param(0.20, 0.0, 0.5, "share of gains", "'two and twenty'", "venture carried interest over the hurdle")
    hurdle: float = param(0.08, 0.0, 0.3, "annual", "ILPA", "hurdle rate for carry")
    venture_carry_elasticity: float = param(1.5, 0.0, 10.0, "elasticity", "assumption (seed essay 2)", "response of venture's share of new money to GPs' after-tax carry")
    reference_carry_advantage: float = param(1.45, 1.0, 10.0, "ratio", "US 2025: (1 − 0.20) / (1 − 0.45)",
                                             "after-tax carry relative to after-tax ordinary income at which allocator_mix was observed")
    venture_share_speed: float = param(0.02, 0.0, 1.0, "share per month", "assumption", "speed the venture share moves to its target")
    deploy_index: float = param(0.05, 0.0, 1.0, "share of cash per month", "assumption", "index allocator deployment speed")
    deploy_venture: float = param(0.25, 0.0, 1.0, "share of cash per month", "seed essay 2 ('velocity of money')", "venture deployment speed")
    deploy_tournament: float = param(0.15, 0.0, 1.0, "share of cash per month", "assumption", "tournament deployment speed")
    tournament_review_months: int = param(12, 1, 120, "months", "seed essay 2 (assumption)", "months between tournament reviews")
    tournament_keep: float = param(0.3, 0.01, 1.0, "share", "assumption", "share of funded firms the tournament keeps and scales")
    entry_rate: float = param(0.05, 0.0, 1.0, "share of dead slots per month", "assumption",
                              "share of a market's empty firm slots refilled each month when its demand outruns its firms")
    entry_pressure: float = param(0.05, 0.001, 1.0, "share of capacity",
                                  "Hopenhayn 1992 (entry until expected profits are competed away); assumption",
                                  "excess of a market's demand over what its firms can make at which entry reaches entry_rate")
    entry_capital: float = param(6.0, 0.1, 120.0, "months of a firm's wage bill", "assumption", "seed capital of a new firm")
    @field_validator("risk_weights")
    @classmethod
    def _four_weights(cls, v: list[float]) -> list[float]:
        if len(v) != 4 or min(v) < 0:
            raise ValueError(f"expected 4 non-negative weights, got {v}")
        return v

    flight_speed: float = param(0.05, 0.0, 1.0, "share of gap per month", "assumption", "speed allocators close the gap to their desired offshore share")
    risk_weights: list[float] = Field(
        default_factory=lambda: [0.4, 1.0, 0.3, 0.3],
        description="weights of populism, violence risk, CBDC adoption × surveillance and perceived lock-in in political risk",
        json_schema_extra={"unit": "weights", "source": "assumption"})
    tournament_scale_up: float = param(4.0, 1.0, 50.0, "multiplier", "seed essay 2 (assumption)",
                                       "funding weight of tournament winners relative to an unreviewed firm")
    flight_risk_weight: float = param(0.6, 0.0, 5.0, "share per unit risk", "assumption", "desired offshore share per unit of political risk")


class Firms(Strict):
    """Firm heterogeneity: persistent productivity, demand, selection, the financing of growth, and what
    allocators can see of a firm's productivity."""

    productivity_dispersion: float = param(
        0.25, 0.0, 1.5, "sd of log productivity",
        "Syverson 2004, REStat; Syverson 2011, JEL: within-industry 90/10 TFP ratio ≈1.9 in US manufacturing, "
        "i.e. sd = ln 1.9 / (2 × 1.2816) ≈ 0.25 for a log-normal",
        "stationary standard deviation of a firm's log own productivity (a mean-one multiplier on its sector's)")
    productivity_persistence: float = param(
        0.85, 0.0, 0.999, "AR(1) per year",
        "Foster, Haltiwanger & Syverson 2008, AER (physical productivity is highly persistent); 0.8–0.9 a year "
        "as in firm-dynamics calibrations (e.g. Midrigan & Xu 2014, AER)",
        "yearly autocorrelation of a firm's log own productivity (each month's is its twelfth root)")
    talent_elasticity: float = param(
        1.0, 0.0, 3.0, "elasticity",
        "Azoulay, Graff Zivin & Wang 2010, QJE; Jaravel, Petkova & Bell 2018, AER (a team's output moves with "
        "its members' quality); 1: output per head in proportion to the team's mean productivity",
        "elasticity of a bits firm's productivity to the geometric mean productivity per head of the AI talent it employs, "
        "relative to the world's")
    size_dispersion: float = param(
        0.8, 0.0, 3.0, "sd of log size", "model design (firms are aggregates of plants; US log employment sd "
        "of firms is larger)",
        "standard deviation of log firm size at the start; what productivity (via the price elasticity) does "
        "not explain comes from demand (Foster, Haltiwanger & Syverson 2008: demand dominates size and survival)")
    exit_share: float = param(
        0.25, 0.0, 1.0, "share of the market's mean sales",
        "Hopenhayn 1992, Econometrica; Melitz 2003, Econometrica (a firm too small to cover the fixed cost of "
        "staying exits); Dosi, Fagiolo & Roventini 2010, JEDC (firms with a near-zero market share exit); "
        "calibrated: about 3% of the model's firms (aggregates of many plants) exit a year, below the US BDS "
        "firm exit rate of ≈8% (mostly young, small firms) and Foster, Haltiwanger & Syverson 2008's ≈25% of "
        "plants in five years",
        "a firm whose expected sales fall below this share of its market's mean exits: it repays its debt and "
        "returns its cash to its owners")
    capital_months: float = param(
        12.0, 0.0, 120.0, "months of normal cost per task-month of scale",
        "BEA Fixed Assets (private nonresidential capital ≈1.2 years of business value added); assumption: a "
        "year of costs",
        "capital a firm's scale ties up; firms start with this much equity, and growth must be financed at it")
    collateral: float = param(
        1.5, 1.0, 20.0, "capital per unit of funds",
        "Midrigan & Xu 2014, AER and Moll 2014, AER (collateral constraint k ≤ λa); λ = 1.5: debt up to a third "
        "of capital (US nonfinancial corporate debt ≈ a third of assets, Fed Z.1)",
        "λ: a firm may add scale in a month only up to λ × its cash above its buffer, over capital_months of the "
        "cost of a task-month (money from allocators lets it grow faster)")
    venture_signal_noise: float = param(
        0.5, 0.0, 10.0, "sd in log points",
        "assumption (Kerr, Nanda & Rhodes-Kropf 2014, JEP: investors predict start-up success poorly); "
        "misallocation as in Hsieh & Klenow 2009, QJE",
        "noise of venture funds' due diligence: they see log productivity plus this sd times a persistent "
        "firm-specific error")
    tournament_signal_noise: float = param(
        0.5, 0.0, 10.0, "sd in log points",
        "assumption (the same as venture's by default, so the rules, not the information, differ); "
        "misallocation as in Hsieh & Klenow 2009, QJE",
        "noise of the state planner's review: it measures each reviewed firm's log output per worker with this "
        "sd of error, drawn afresh at each review")


class Controls(Strict):
    """How capital-control stringency and CBDC translate into exit costs."""

    max_exit_tax: float = param(0.4, 0.0, 1.0, "share of wealth", "US §877A expatriation tax; assumption", "exit tax at full stringency")
    max_trapped: float = param(0.8, 0.0, 1.0, "share of wealth", "assumption", "wealth that cannot leave at full stringency")
    max_outflow: float = param(0.02, 0.0, 1.0, "share of assets per month", "assumption", "allocators' monthly outflow cap with no controls")
    crypto_leak: float = param(0.6, 0.0, 1.0, "share", "assumption (seed essay 1)", "share of trapped wealth the crypto rail frees at full access and no CBDC")
    cbdc_enforcement: float = param(0.9, 0.0, 1.0, "share", "assumption", "how much CBDC adoption × surveillance closes the crypto rail")
    licensing_cost: float = param(0.10, 0.0, 1.0, "share of rent", "assumption", "cost of licensing IP back onshore when controls bind and no rail")


class Politics(Strict):
    """Grievance, populism and violence risk."""

    grievance_unemployed: float = param(0.06, 0.0, 1.0, "per month", "assumption", "grievance gained per month of unemployment")
    grievance_displaced: float = param(0.10, 0.0, 1.0, "per month", "assumption", "extra grievance per month for those displaced by automation")
    grievance_exposed: float = param(0.01, 0.0, 1.0, "per month per unit of exposure",
                                     "Anelli, Colantone & Stanig 2021, PNAS; Gallego & Kurer 2022, Annual Review of Political Science (assumption for the size)",
                                     "grievance gained per month by a worker whose job's tasks are all done by machines at the employer")
    grievance_decay: float = param(0.03, 0.0, 1.0, "per month", "assumption", "monthly decay of grievance")
    violence_base: float = param(0.02, 0.0, 1.0, "probability", "assumption", "violence risk at normal unemployment and no populism")
    violence_populism: float = param(6.0, 0.0, 50.0, "logit per unit", "Funke et al. 2016 (assumption)", "violence risk per unit of populism")
    violence_unemployment: float = param(25.0, 0.0, 200.0, "logit per unit", "assumption", "violence risk per unit of unemployment above normal")
    takeover_base: float = param(-7.2, -30.0, 5.0, "logit per month",
                                 "calibrated: about 0.05% a month with calm-times violence risk (about 0.03): a populist government in some 150 years of calm",
                                 "logit of the monthly chance that a populist government comes to power, with populism at its calm level and no violence risk")
    takeover_populism: float = param(57.0, 0.0, 500.0, "logit per unit of populism",
                                     "Funke, Schularick & Trebesch 2016, EER (far-right vote after crises); Anelli, Colantone & Stanig 2021, PNAS (robot exposure and radical-right votes); calibrated: about 3% a month when populism is 0.06 above its calm level",
                                     "rise in that logit per unit of populism (mean grievance) above its level when the run starts")
    takeover_violence: float = param(8.0, 0.0, 100.0, "logit per unit", "assumption (unrest brings down governments)",
                                     "rise in that logit per unit of violence risk")
    populist_tenure: float = param(72.0, 1.0, 1200.0, "months", "Funke, Schularick & Trebesch 2023, AER (populist leaders' spells)",
                                   "mean time a populist government stays in power (it loses power with probability 1/tenure a month)")


class TalentBehaviour(Strict):
    """AI talent's location choice (multinomial logit)."""

    reconsider_rate: float = param(0.05, 0.0, 1.0, "share per month", "assumption", "share of talent reconsidering where to live each month")
    productivity_alpha: float = param(1.8, 1.05, 10.0, "Pareto tail", "Lotka; Azoulay et al. 2010", "tail index of talent productivity")
    beta_income: float = param(1.35, 0.0, 50.0, "utils per log k$",
                               "calibrated: foreign-talent elasticity to the net-of-tax rate inside 0.5–2 and the expat-regime one inside 1–2.5 "
                               "(Akcigit, Baslandze & Stantcheva 2016; Kleven et al. 2013, 2014; see VALIDATION.md): 1.3 gives 1.62 and 1.07, 1.4 gives 1.93 and 1.15",
                               "weight on log after-tax income")
    beta_safety: float = param(4.0, 0.0, 50.0, "utils per unit", "assumption", "weight on safety")
    beta_freedom: float = param(4.0, 0.0, 50.0, "utils per unit", "assumption (seed essay 1)", "weight on financial freedom")
    beta_amenity: float = param(1.0, 0.0, 50.0, "utils per unit", "assumption", "weight on amenity")
    beta_agglomeration: float = param(0.4, 0.0, 10.0, "utils per log share", "Moretti 2021", "weight on the log share of talent already there")
    beta_congestion: float = param(4.0, 0.0, 50.0, "utils per unit", "assumption", "penalty per unit of congestion (foreign talent relative to capacity and to population)")
    congestion_population_share: float = param(0.05, 0.001, 1.0, "share of population", "assumption (seed essay 1: small havens)",
                                               "foreign-talent share of the population that congests as much as a full intake capacity")
    beta_cost: float = param(6.0, 0.0, 100.0, "utils per share of wealth", "assumption", "weight on exit cost as a share of wealth")
    home_bias: float = param(2.5, 0.0, 20.0, "utils", "Kleven et al. 2013 (small domestic elasticity)", "utility of living at home")
    stay_bias: float = param(2.0, 0.0, 20.0, "utils", "assumption", "utility of not moving at all (inertia)")
    moving_cost: float = param(0.03, 0.0, 1.0, "share of wealth", "assumption", "cost of moving, as a share of wealth")
    anticipation_horizon: int = param(24, 1, 120, "months", "assumption", "horizon over which talent weighs future exit costs")
    lockin_populism: float = param(4.0, 0.0, 50.0, "logit per unit", "assumption (seed essay 1)", "perceived lock-in chance per unit of populism")
    lockin_outflow: float = param(20.0, 0.0, 1000.0, "logit per monthly share", "assumption (herding on others leaving: Banerjee 1992, QJE); lowered from 60 so that others leaving alone cannot sustain a run when no government moves to close the door", "perceived lock-in chance per unit monthly talent outflow")
    lockin_base: float = param(-4.0, -20.0, 5.0, "logit", "assumption", "logit of lock-in chance in calm times")
    lockin_cbdc: float = param(2.0, 0.0, 50.0, "logit per unit", "assumption (seed essay 1)",
                               "perceived lock-in chance per unit of CBDC adoption × surveillance")
    lockin_populist: float = param(2.0, 0.0, 50.0, "logit per unit", "assumption (seed essay 1)",
                                   "perceived lock-in chance when a populist government is in power")
    calm_censorship: float = param(0.3, 0.0, 1.0, "index", "assumption",
                                   "censorship a fully adopted, fully surveilled CBDC brings with no populism")
    freedom_controls_weight: float = param(0.3, 0.0, 1.0, "weight", "assumption",
                                           "weight of capital controls (vs CBDC censorship) in financial freedom")
    beta_anticipation: float = param(12.0, 0.0, 100.0, "utils per share of wealth", "assumption", "weight on the exit cost avoided by leaving now")
    wealth_months: float = param(36.0, 1.0, 600.0, "months of pay", "assumption", "liquid wealth at start")
    illiquid_months: float = param(60.0, 0.0, 600.0, "months of pay", "assumption (equity in employers)", "illiquid wealth at start")
    saving_rate: float = param(0.35, 0.0, 1.0, "share", "assumption", "share of after-tax pay saved")


class GovernmentBehaviour(Strict):
    """The optional endogenous government responses."""

    debt_response: float = param(0.05, 0.0, 1.0, "per year",
                                 "Bohn 1998 (US primary surplus responds to debt/GDP with ≈0.05)",
                                 "rise in purchases, as a share of GDP, per year of GDP that public debt is below its target ratio")
    unemployment_response: float = param(0.5, 0.0, 10.0, "share of GDP per unit of unemployment gap",
                                         "Taylor 2000 (budget balance ≈0.5 × output gap, Okun factor ≈2; about half comes from taxes and benefits, already modelled)",
                                         "rise in purchases, as a share of GDP, per point of unemployment above its natural rate")
    lockin_response: bool = Field(False, description="a populist government announces capital controls when talent outflow passes a threshold",
                                  json_schema_extra={"unit": "flag", "source": "seed essay 1 ('lock them in')"})
    lockin_outflow_ratio: float = param(2.0, 1.0, 100.0, "× calm-times outflow",
                                        "outflow-triggered controls: Iceland 2008, Cyprus 2013, China 2016-17 (Forbes & Klein 2015, IMF Economic Review); "
                                        "seed essay 1 ('lock them in'); the size is an assumption",
                                        "talent outflow (quarterly trend of the monthly share) relative to its calm-times level at which a populist government announces capital controls")
    lockin_level: float = param(0.8, 0.0, 1.0, "stringency", "assumption (seed essay 1: the door closes)", "stringency of the controls it announces")
    lockin_lead: int = param(6, 0, 60, "months", "assumption (legislation takes months)", "months from the announcement to the controls taking effect")
    populist_response: bool = Field(False, description="a populist government launches a surveillance CBDC and raises its surveillance and the robot tax",
                                    json_schema_extra={"unit": "flag", "source": "seed essays 1 and 2"})
    populist_cbdc_lead: int = param(12, 0, 120, "months", "BIS CBDC surveys (pilot to rollout)", "months from a populist government's CBDC announcement to its rollout")
    populist_surveillance_step: float = param(0.02, 0.0, 1.0, "per month", "assumption", "monthly rise in CBDC surveillance while a populist government is in power")
    populist_robot_tax_step: float = param(0.02, 0.0, 1.0, "per month", "assumption", "monthly rise in the robot tax while a populist government is in power")


class Parameters(Strict):
    """The whole parameter tree."""

    start: str = Field("2025-01", description="first month simulated (YYYY-MM)",
                       json_schema_extra={"unit": "month", "source": "model design"})
    home: str = Field("US", description="jurisdiction whose talent outflow the headline metrics report",
                      json_schema_extra={"unit": "name", "source": "seed essay 1 (home of the frontier labs)"})
    burn_in: int = Field(48, ge=0, le=240,
                         description="months the economy runs before the start, with the start's technology and levers "
                                     "and no migration, capital flight or politics, to settle into its stationary state",
                         json_schema_extra={"unit": "months", "source": "model design (burn-in to a stationary state, as in Caiani et al. 2016)"})
    population: Population = Field(default_factory=Population)
    technology: Technology = Field(default_factory=Technology)
    labour: Labour = Field(default_factory=Labour)
    goods: Goods = Field(default_factory=Goods)
    central_bank: CentralBank = Field(default_factory=CentralBank)
    finance: Finance = Field(default_factory=Finance)
    firms: Firms = Field(default_factory=Firms)
    controls: Controls = Field(default_factory=Controls)
    politics: Politics = Field(default_factory=Politics)
    talent: TalentBehaviour = Field(default_factory=TalentBehaviour)
    government: GovernmentBehaviour = Field(default_factory=GovernmentBehaviour)
    sectors: dict[Literal[SECTORS], Sector] = Field(  # type: ignore[valid-type]
        default_factory=lambda: {k: Sector(**v) for k, v in DEFAULT_SECTORS.items()})
    jurisdictions: dict[str, Jurisdiction] = Field(
        default_factory=lambda: {k: Jurisdiction(**v) for k, v in DEFAULT_JURISDICTIONS.items()})

    _months = field_validator("start")(classmethod(lambda cls, v: check_month(v)))

    @field_validator("sectors")
    @classmethod
    def _all_sectors(cls, v: dict) -> dict:
        missing = [s for s in SECTORS if s not in v]
        if missing:
            raise ValueError(f"missing sectors {missing}")
        return {s: v[s] for s in SECTORS}

    @model_validator(mode="after")
    def _consistent(self) -> Parameters:
        if len(self.jurisdictions) < 2:
            raise ValueError("at least 2 jurisdictions are needed")
        if self.home not in self.jurisdictions:
            raise ValueError(f"home {self.home!r} is not one of the jurisdictions {list(self.jurisdictions)}")
        total = sum(j.talent_share for j in self.jurisdictions.values())
        if total <= 0:
            raise ValueError("jurisdictions' talent_share must not all be zero")
        return self

    @model_validator(mode="after")
    def _levers_from_start(self) -> Parameters:
        """Refuse a lever change dated before the first month simulated."""
        origin = month_index(self.start)
        levers = [name for name, field in Jurisdiction.model_fields.items()
                  if "lever_range" in (field.json_schema_extra or {})]
        for place, jurisdiction in self.jurisdictions.items():
            for lever in levers:
                for i, change in enumerate(getattr(jurisdiction, lever).changes):
                    if month_index(change.at) < origin:
                        raise ValueError(f"jurisdictions.{place}.{lever}[{i}].at: value {change.at!r} is before the "
                                         f"start {self.start}; allowed a month from {self.start}")
        return self
