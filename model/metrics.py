"""Model metrics, computed from the state and this month's record once per step, plus a run's headline results.

Every metric is a weighted aggregate over array state; the DataCollector's model reporters read
the values computed here, so no reporter iterates over agent objects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.domain import ALLOCATOR_KINDS, SECTORS, SKILLS
from model.phases.goods_market import price_index
from model.state import Month, State

GINI_SAMPLE = 20_000

# metrics bounded to [0, 1]: shares, probabilities, rates of people (tests check them every step)
SHARE_PREFIXES = ("unemployment", "employment_to_population", "vacancy_rate", "labour_share", "populism",
                  "violence_risk", "talent_offshore_share", "talent_share_", "ip_share_", "velocity_share",
                  "gini_wealth", "job_finding_rate", "separation_rate", "cbdc_adoption_", "capital_controls_", "populist_",
                  "controls_announced_",
                  "policy_rate", "capital_share_")


def weighted_gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Gini coefficient of ``values`` (clipped at zero) with population ``weights``."""
    v = np.maximum(values, 0.0)
    order = np.argsort(v, kind="stable")
    v, w = v[order], weights[order]
    cw = np.cumsum(w)
    cv = np.cumsum(v * w)
    if cv[-1] <= 0:
        return 0.0
    area = np.sum(w * (cv - 0.5 * v * w)) / (cw[-1] * cv[-1])
    return float(np.clip(1.0 - 2.0 * area, 0.0, 1.0))


def metric_names(jurisdictions: list[str]) -> list[str]:
    """Every metric a model with these jurisdictions reports, in reporting order."""
    js = jurisdictions
    return [
        "unemployment", *[f"unemployment_{s}" for s in SKILLS], *[f"unemployment_{s}" for s in SECTORS],
        *[f"unemployment_{j}" for j in js], "employment_to_population",
        *[f"employment_to_population_{j}" for j in js], "vacancies", "vacancy_rate",
        "job_finding_rate", "separation_rate", "wage_mean", *[f"wage_{s}" for s in SKILLS],
        "robots_per_1000", *[f"robots_per_1000_{j}" for j in js], "gdp", *[f"gdp_{j}" for j in js],
        "real_gdp", *[f"real_gdp_{j}" for j in js], "consumption", "labour_share", *[f"labour_share_{j}" for j in js],
        "policy_rate", *[f"policy_rate_{j}" for j in js], "inflation", *[f"inflation_{j}" for j in js],
        "price_level", *[f"price_level_{j}" for j in js], *[f"price_{s}" for s in SECTORS],
        "populism", "violence_risk", *[f"populism_{j}" for j in js], *[f"violence_risk_{j}" for j in js],
        *[f"populist_{j}" for j in js], *[f"cbdc_adoption_{j}" for j in js], *[f"capital_controls_{j}" for j in js],
        *[f"controls_announced_{j}" for j in js],
        *[f"talent_{j}" for j in js], *[f"talent_share_{j}" for j in js],
        "talent_offshore_share", "talent_outflow", "talent_outflow_cumulative",
        "capital_flight_stock", "capital_outflow", *[f"ip_share_{j}" for j in js],
        "gov_revenue", "gov_debt", *[f"gov_debt_{j}" for j in js],
        *[f"capital_{k}" for k in ALLOCATOR_KINDS], *[f"capital_share_{k}" for k in ALLOCATOR_KINDS],
        "fees", "velocity_share", "gini_wealth", "firms_alive", "firm_entries", "firm_exits", "ledger_error",
    ]


class Metrics:
    """Computes every reported metric from the model's state and the month just simulated.

    Args:
        state: the model's state (read only).
        rng: the model's Generator; the rows sampled for the Gini are drawn from it once, here.
    """

    def __init__(self, state: State, rng: np.random.Generator):
        self.names_j = state.structure.names
        n_w, n_t = len(state.workers), len(state.talent)
        self.gini_workers = np.sort(rng.choice(n_w, size=min(n_w, GINI_SAMPLE), replace=False))
        self.gini_talent = np.sort(rng.choice(n_t, size=min(n_t, GINI_SAMPLE), replace=False))
        self.values: dict[str, float] = {name: 0.0 for name in self.names()}
        w = state.workers
        self.skill_labour_force = np.bincount(w.skill, weights=w.weight, minlength=len(SKILLS))

    def names(self) -> list[str]:
        return metric_names(self.names_j)

    def reporters(self) -> dict:
        return {name: (lambda m, n=name: m.metrics.values[n]) for name in self.names()}

    # ------------------------------------------------------------------ all metrics

    def compute(self, state: State, month: Month) -> None:
        w, f, t, g, a, st = state.workers, state.firms, state.talent, state.gov, state.allocators, state.structure
        J, home = state.n_j, st.home
        v = self.values
        # a few weighted counts over the workers, then everything else from them
        employed_w = w.weight * w.employed
        unemployed_w = w.weight - employed_w
        skill_un = np.bincount(w.skill, weights=unemployed_w, minlength=len(SKILLS))
        skill_emp = self.skill_labour_force - skill_un
        skill_pay = np.bincount(w.skill, weights=w.wage * employed_w, minlength=len(SKILLS))
        sector = np.maximum(w.sector, 0)
        sector_lf = np.bincount(sector, weights=w.weight, minlength=len(SECTORS))
        sector_un = np.bincount(sector, weights=unemployed_w, minlength=len(SECTORS))
        lf = self.skill_labour_force.sum()
        v["unemployment"] = float(skill_un.sum() / lf)
        for k, s in enumerate(SKILLS):
            v[f"unemployment_{s}"] = float(skill_un[k] / max(self.skill_labour_force[k], 1e-12))
            v[f"wage_{s}"] = float(skill_pay[k] / max(skill_emp[k], 1e-12))
        for k, s in enumerate(SECTORS):
            v[f"unemployment_{s}"] = float(sector_un[k] / max(sector_lf[k], 1e-12))
        u_j = state.unemployment_j
        for j, name in enumerate(self.names_j):
            v[f"unemployment_{name}"] = float(u_j[j])
        employed = skill_emp.sum()
        v["employment_to_population"] = float(employed / st.working_age.sum())
        employed_j = st.labour_force * (1.0 - u_j)
        for j, name in enumerate(self.names_j):
            v[f"employment_to_population_{name}"] = float(employed_j[j] / st.working_age[j])
        vac = month.labour_flows["vacancies"]
        v["vacancies"] = float(vac.sum())
        v["vacancy_rate"] = float(vac.sum() / (vac.sum() + employed))
        v["job_finding_rate"] = float(np.clip(month.labour_flows["job_finding"], 0, 1))
        v["separation_rate"] = float(np.clip(month.labour_flows["separations"], 0, 1))
        v["wage_mean"] = float(skill_pay.sum() / max(employed, 1e-12))
        robots = np.bincount(f.jurisdiction, weights=f.robots * f.alive, minlength=J)
        v["robots_per_1000"] = float(robots.sum() / (st.labour_force.sum() / 1000.0))
        gdp = month.flows["gdp"]
        for j, name in enumerate(self.names_j):
            v[f"robots_per_1000_{name}"] = float(robots[j] / (st.labour_force[j] / 1000.0))
            v[f"gdp_{name}"] = float(gdp[j])
            v[f"policy_rate_{name}"] = float(g.policy_rate[j])
            v[f"populism_{name}"] = float(g.populism[j])
            v[f"violence_risk_{name}"] = float(g.violence_risk[j])
            v[f"cbdc_adoption_{name}"] = float(g.cbdc_adoption[j])
            v[f"capital_controls_{name}"] = float(g.capital_controls[j])
            v[f"populist_{name}"] = float(g.populist[j])
            v[f"controls_announced_{name}"] = float(g.controls_announced[j])
            v[f"gov_debt_{name}"] = float(g.debt[j])
        v["gdp"] = float(gdp.sum())
        v["consumption"] = float(month.flows["consumption"].sum())
        # national accounts: real output at the markets' start prices; compensation (wages and AI talent's
        # pay, where it is earned) over value added; world rates weighted by GDP
        market = f.jurisdiction * len(SECTORS) + f.sector
        real_gdp = np.bincount(f.jurisdiction, weights=f.output * state.base_price[market] * f.alive, minlength=J)
        compensation = month.flows["wages"] + np.bincount(f.jurisdiction, weights=month.firm_talent_cost, minlength=J)
        share = gdp / max(gdp.sum(), 1e-12)
        for j, name in enumerate(self.names_j):
            v[f"real_gdp_{name}"] = float(real_gdp[j])
            v[f"labour_share_{name}"] = float(np.clip(compensation[j] / max(gdp[j], 1e-12), 0.0, 1.0))
            v[f"inflation_{name}"] = float(month.inflation[j])
            v[f"price_level_{name}"] = float(g.price_index[j])
        v["real_gdp"] = float(real_gdp.sum())
        v["labour_share"] = float(np.clip(compensation.sum() / max(gdp.sum(), 1e-12), 0.0, 1.0))
        v["policy_rate"] = float(share @ g.policy_rate)
        v["inflation"] = float(share @ month.inflation)
        v["price_level"] = float(share @ g.price_index)
        # each sector's world price index (sales-weighted geometric, like the jurisdictions' price levels):
        # where automation lowers costs, these fall
        previous = np.array([v[f"price_{s}"] or 1.0 for s in SECTORS])
        sector_price = price_index(f.price * f.productivity / state.price0, f.sales * f.alive, f.sector, len(SECTORS),
                                   empty=previous)   # per efficiency unit, like the price index (model/phases/prices.py)
        for k, s in enumerate(SECTORS):
            v[f"price_{s}"] = float(sector_price[k])
        lf_j = st.labour_force
        v["populism"] = float((g.populism * lf_j).sum() / lf_j.sum())
        v["violence_risk"] = float((g.violence_risk * lf_j).sum() / lf_j.sum())

        located = np.bincount(t.location, weights=t.weight, minlength=J)
        for j, name in enumerate(self.names_j):
            v[f"talent_{name}"] = float(located[j])
            v[f"talent_share_{name}"] = float(located[j] / located.sum())
        home_talent = t.home == home
        v["talent_offshore_share"] = float((t.weight * (home_talent & (t.location != home))).sum()
                                           / max((t.weight * home_talent).sum(), 1e-12))
        v["talent_outflow"] = float(month.talent_outflow_home)
        v["talent_outflow_cumulative"] = float(state.cumulative["talent_outflow"])
        v["capital_flight_stock"] = float(state.cumulative["capital_out"][home] + state.cumulative["talent_wealth_out"][home])
        v["capital_outflow"] = float(month.flows["capital_out"][home] + month.flows["talent_wealth_out"][home])
        ip_value = month.flows["ip_value"]
        for j, name in enumerate(self.names_j):
            v[f"ip_share_{name}"] = float(ip_value[j] / ip_value.sum()) if ip_value.sum() > 0 else 0.0

        v["gov_revenue"] = float(g.revenue.sum())
        v["gov_debt"] = float(g.debt.sum())
        steered = np.bincount(a.kind, weights=a.cash + a.holdings(month.share_price), minlength=len(ALLOCATOR_KINDS))
        for k, kind in enumerate(ALLOCATOR_KINDS):
            v[f"capital_{kind}"] = float(steered[k])
            v[f"capital_share_{kind}"] = float(steered[k] / max(steered.sum(), 1e-12))
        fees = month.flows["fees"].sum()
        v["fees"] = float(fees)
        v["velocity_share"] = float(fees / max(fees + month.flows["profits_positive"].sum(), 1e-12))
        wealth = np.r_[w.savings[self.gini_workers], (t.liquid + t.illiquid)[self.gini_talent]]
        weights = np.r_[w.weight[self.gini_workers] * len(w) / len(self.gini_workers),
                        t.weight[self.gini_talent] * len(t) / len(self.gini_talent)]
        v["gini_wealth"] = weighted_gini(wealth, weights)
        v["firms_alive"] = float(f.alive.sum())
        v["firm_entries"] = float(month.entries)
        v["firm_exits"] = float(month.exits)
        v["ledger_error"] = float(state.ledger_error())


def half_outflow_date(frame: pd.DataFrame) -> str | None:
    """Month by which half of the run's eventual cumulative talent outflow had left (None if none left)."""
    cumulative = frame["talent_outflow_cumulative"].to_numpy()
    if len(cumulative) == 0 or cumulative[-1] <= 0:
        return None
    idx = int(np.argmax(cumulative >= 0.5 * cumulative[-1]))
    return str(frame["date"].iloc[idx])


HOME_HEADLINE = ("peak_unemployment_home", "peak_unemployment_home_date", "final_unemployment_home",
                 "inflation_mean_home", "policy_rate_final_home", "months_at_floor_home", "talent_offshore_share_final",
                 "half_outflow_date", "capital_flight_stock")
WORLD_HEADLINE = ("peak_unemployment_world", "peak_unemployment_world_date", "final_unemployment_world",
                  "inflation_mean_world")


def headline(frame: pd.DataFrame, home: str) -> dict[str, float | str | None]:
    """Headline results of one run: the home jurisdiction's (``HOME_HEADLINE``), then the world's (``WORLD_HEADLINE``).

    World unemployment is weighted by labour force, world inflation by GDP.
    """
    out: dict[str, float | str | None] = {}
    for scope, suffix in (("home", f"_{home}"), ("world", "")):
        u = frame[f"unemployment{suffix}"].to_numpy()
        peak = int(u.argmax())
        out[f"peak_unemployment_{scope}"] = float(u[peak])
        out[f"peak_unemployment_{scope}_date"] = str(frame["date"].iloc[peak])
        out[f"final_unemployment_{scope}"] = float(u[-1])
        out[f"inflation_mean_{scope}"] = float(frame[f"inflation{suffix}"].mean())
        if scope == "home":
            rate = frame[f"policy_rate{suffix}"].to_numpy()
            out["policy_rate_final_home"] = float(rate[-1])
            out["months_at_floor_home"] = float((rate <= 1e-9).sum())
            out["talent_offshore_share_final"] = float(frame["talent_offshore_share"].iloc[-1])
            out["half_outflow_date"] = half_outflow_date(frame)
            out["capital_flight_stock"] = float(frame["capital_flight_stock"].iloc[-1])
    return {key: out[key] for key in (*HOME_HEADLINE, *WORLD_HEADLINE)}
