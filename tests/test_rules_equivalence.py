"""The vectorised and the per-agent (Mesa-style) forms of the benchmark rules are the same process.

They use different random streams and orders, so runs differ draw by draw; what must agree is the
distribution. Over several seeds (each seed: one initial state from a real ``WhooshModel``, run by both), the
mean unemployment and mean consumption over months 6–24 must agree within three combined standard errors
(plus a small absolute floor), and a deliberately broken variant (separation rate tripled) must not.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.phases import goods_market, labour_market
from tests.benchmarks.rules import (FirmAgent, InitialState, PerAgentRules, VectorisedRules, build_model,
                                    household_demand_scalar, layoff_probability_scalar)

SCALE = 0.2          # 2,000 workers
SEEDS = range(20)
MONTHS = 24
BURN_IN = 5          # months 6–24 enter the means
U_FLOOR = 0.001      # absolute floor on the unemployment-rate gap
C_FLOOR = 0.001      # floor on the consumption gap, as a share of mean consumption


def _run(rules) -> np.ndarray:
    for _ in range(MONTHS):
        rules.step()
    history = np.array(rules.history)
    assert history.shape == (MONTHS, 2)
    assert ((history[:, 0] >= 0.0) & (history[:, 0] <= 1.0)).all(), "unemployment left [0, 1]"
    assert (history[:, 1] > 0).all()
    return history


@pytest.fixture(scope="module")
def runs() -> dict[str, np.ndarray]:
    """Per seed, the month 6–24 means of (unemployment, consumption) for each implementation."""
    out: dict[str, list] = {"vectorised": [], "per_agent": [], "broken": []}
    for seed in SEEDS:
        state = InitialState.from_model(build_model(SCALE, seed))
        broken = 3.0 * state.separation_rate
        for name, rules in (("vectorised", VectorisedRules(state, seed)), ("per_agent", PerAgentRules(state, seed)),
                            ("broken", PerAgentRules(state, seed, separation_rate=broken))):
            out[name].append(_run(rules)[BURN_IN:].mean(axis=0))
    return {name: np.array(rows) for name, rows in out.items()}


def _gap(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference of means across seeds, its combined standard error, and the allowed gap."""
    se = np.sqrt(a.var(axis=0, ddof=1) / len(a) + b.var(axis=0, ddof=1) / len(b))
    floor = np.array([U_FLOOR, C_FLOOR * abs(a[:, 1].mean())])
    return a.mean(axis=0) - b.mean(axis=0), se, 3.0 * se + floor


def _describe(name: str, a: np.ndarray, b: np.ndarray) -> str:
    diff, se, allowed = _gap(a, b)
    return (f"{name}: unemployment {a[:, 0].mean():.4f} vs {b[:, 0].mean():.4f} (diff {diff[0]:+.4f}, se {se[0]:.4f}, "
            f"allowed {allowed[0]:.4f}); consumption {a[:, 1].mean():.4e} vs {b[:, 1].mean():.4e} "
            f"(diff {diff[1]:+.3e}, se {se[1]:.3e}, allowed {allowed[1]:.3e})")


def test_same_initial_state():
    state = InitialState.from_model(build_model(SCALE, 3))
    vec, agents = VectorisedRules(state, 3), PerAgentRules(state, 3)
    assert vec.unemployment() == pytest.approx(agents.unemployment(), rel=1e-12)
    staff = np.array([firm.headcount for firm in agents.agents_by_type[FirmAgent]])
    assert staff.sum() == pytest.approx(vec.headcount().sum(), rel=1e-12)
    assert len(agents.agents) == len(state.weight) + int(state.firm_alive.sum())


def test_scalar_formulas_match_model():
    rng = np.random.default_rng(0)
    staff, demand = rng.uniform(0, 10, 500), rng.uniform(0, 10, 500)
    staff[:50] = 0.0
    expected = labour_market.layoff_probability(staff, demand, 0.05)
    assert [layoff_probability_scalar(s, d, 0.05) for s, d in zip(staff, demand)] == pytest.approx(expected, abs=1e-15)
    income, savings = rng.normal(5, 5, 500), rng.normal(50, 80, 500)
    expected = goods_market.household_demand(income, savings, 0.85, 0.01)
    assert [household_demand_scalar(i, s, 0.85, 0.01) for i, s in zip(income, savings)] == pytest.approx(expected, abs=1e-12)


def test_vectorised_and_per_agent_agree(runs):
    diff, se, allowed = _gap(runs["vectorised"], runs["per_agent"])
    print(_describe("vectorised vs per-agent", runs["vectorised"], runs["per_agent"]))
    assert abs(diff[0]) < allowed[0], _describe("unemployment differs", runs["vectorised"], runs["per_agent"])
    assert abs(diff[1]) < allowed[1], _describe("consumption differs", runs["vectorised"], runs["per_agent"])


def test_broken_variant_is_detected(runs):
    """Tripling the separation rate raises unemployment and lowers consumption by more than the test allows
    (wages are about 60% of household income, so consumption moves less than unemployment)."""
    diff, se, allowed = _gap(runs["vectorised"], runs["broken"])
    print(_describe("vectorised vs broken per-agent", runs["vectorised"], runs["broken"]))
    assert diff[0] < -allowed[0]
    assert diff[1] > allowed[1]
