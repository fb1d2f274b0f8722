"""Invariants checked at every step over several scenarios, seeds and jurisdiction sets."""

from __future__ import annotations

import numpy as np
import pytest

from agents import AITalent, CapitalAllocator, Firm, Government, Worker
from model.metrics import SHARE_PREFIXES
from model.production import productivity, unit_cost
from tests.conftest import build

PRICE_TO_COST = (0.5, 4.0)      # an alive firm's price stays within these multiples of its unit cost


def assert_invariants(model, counts: dict) -> None:
    values = model.metrics.values
    for name, value in values.items():
        assert np.isfinite(value), f"{name} is {value} at {model.date}"
        if name.startswith(SHARE_PREFIXES):
            assert 0.0 <= value <= 1.0, f"{name} = {value} outside [0, 1] at {model.date}"
    assert values["ledger_error"] <= 1e-9, f"ledger error {values['ledger_error']} at {model.date}"
    for cls, n in counts.items():
        assert len(model.agents_by_type[cls]) == n, f"{cls.__name__} count changed at {model.date}"
    w, f, t = model.workers, model.firms, model.talent
    for pop in (w, f, t, model.allocators, model.gov):
        for attr, arr in vars(pop).items():
            if isinstance(arr, np.ndarray) and arr.dtype.kind == "f":
                assert np.isfinite(arr).all(), f"{type(pop).__name__}.{attr} has NaN/inf at {model.date}"
    # who works where is consistent
    assert (w.employer[w.employed] >= 0).all() and (w.employer[~w.employed] == -1).all()
    assert f.alive[w.employer[w.employed]].all(), "a worker is employed by a dead firm"
    headcount = np.bincount(w.employer[w.employed], weights=w.weight[w.employed], minlength=len(f))
    np.testing.assert_allclose(headcount, f.workers.sum(axis=1), rtol=1e-9, atol=1e-6)
    # talent moves, it does not vanish: every talent is somewhere and weights sum to the world total
    assert ((t.location >= 0) & (t.location < model.n_j)).all()
    assert t.weight.sum() == pytest.approx(model.p.population.world_ai_talent, rel=1e-9)
    assert (f.debt >= -1e-9).all() and (model.gov.debt >= -1e-9).all()
    # balances never go negative
    a = model.allocators
    for name, balance in (("household savings", w.savings), ("talent liquid wealth", t.liquid),
                          ("firm cash", f.cash[f.alive]), ("allocator cash", a.cash), ("shares", a.stakes)):
        assert balance.min(initial=0.0) >= -1e-6, f"{name} negative ({balance.min():.3g}) at {model.date}"
    # no degenerate firms: prices near cost, no talent kept without human staff
    staffed = f.alive & (f.workers.sum(axis=1) > 0) & (f.tasks > 0)
    ratio = f.price[staffed] * productivity(model.state)[staffed] / unit_cost(model.state, model.last_month)[staffed]
    lo, hi = PRICE_TO_COST
    assert ((ratio >= lo) & (ratio <= hi)).all(), f"price/unit cost in [{ratio.min():.3g}, {ratio.max():.3g}] at {model.date}"
    employer = np.maximum(t.employer, 0)
    idle = (t.employer >= 0) & ~(f.alive & (f.workers.sum(axis=1) > 0))[employer]
    assert t.weight[idle].sum() <= 0.02 * t.weight.sum(), f"{t.weight[idle].sum():.3g} talent at firms without staff at {model.date}"


def counts_of(model) -> dict:
    return {cls: len(model.agents_by_type[cls]) for cls in (Worker, Firm, AITalent, Government, CapitalAllocator)}


@pytest.mark.parametrize(
    "scenario, seed",
    [("baseline", 11), ("big-whoosh", 12), ("open-door", 13), ("carry-closed", 14), ("tournament", 15), ("robot-wave", 16)],
)
def test_invariants_hold_every_step(scenario, seed):
    model = build(scenario, seed=seed)
    counts = counts_of(model)
    for _ in range(120):
        model.step()
        assert_invariants(model, counts)


def test_invariants_with_extreme_levers():
    sets = [
        "jurisdictions.US.robot_tax=-0.9", "jurisdictions.US.capital_controls=1.0",
        "jurisdictions.EU.cbdc_start=\"2025-01\"", "jurisdictions.EU.cbdc_surveillance=1.0",
        "jurisdictions.China.carry_tax=0.0", "jurisdictions.US.robot_cap=[{at=\"2027-01\", value=5.0}]",
        "government.lockin_response=true", "government.populist_response=true", "goods.demand_noise=0.1",
    ]
    model = build("big-whoosh", sets, seed=3)
    counts = counts_of(model)
    for _ in range(120):
        model.step()
        assert_invariants(model, counts)


@pytest.mark.parametrize("names", [["North", "South"], ["Home", "Haven", "Other"]])
def test_invariants_with_custom_jurisdictions(names):
    from model.economy import WhooshModel
    from model.parameters import Parameters

    jurisdictions = {name: {"population": 10e6 * (i + 1), "talent_share": 1.0 / len(names)} for i, name in enumerate(names)}
    if "Haven" in jurisdictions:
        jurisdictions["Haven"].update(haven=True, haven_capacity=20_000.0, top_income_tax=0.1)
    raw = Parameters().model_dump()
    raw["jurisdictions"] = jurisdictions
    raw["home"] = names[0]
    raw["population"]["scale"] = 0.2
    params = Parameters.model_validate(raw)
    model = WhooshModel(params, seed=5)
    counts = counts_of(model)
    for _ in range(60):
        model.step()
        assert_invariants(model, counts)
    assert model.n_j == len(names)
    assert f"unemployment_{names[-1]}" in model.metrics_frame().columns


def test_haven_intake_never_exceeds_capacity():
    model = build("big-whoosh", ["jurisdictions.Singapore.haven_capacity=5000.0", "talent.reconsider_rate=0.3"], seed=2)
    t, singapore = model.talent, model.structure.names.index("Singapore")
    arrived = 0.0
    for _ in range(60):
        model.step()
        foreign = np.bincount(t.location, weights=t.weight * (t.location != t.home), minlength=model.n_j)
        assert foreign[singapore] <= 5000.0 * (1 + 1e-12)
        arrived = max(arrived, foreign[singapore])
    assert arrived > 0.5 * 5000.0, "the capacity never came close to binding: the test checks nothing"


def test_invariants_at_100k_workers():
    model = build("big-whoosh", seed=21, scale=10.0)
    counts = counts_of(model)
    for _ in range(24):
        model.step()
        assert_invariants(model, counts)
