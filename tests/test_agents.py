"""Agents are real mesa.Agents, registered by type, and views on the population arrays."""

from __future__ import annotations

import mesa
import numpy as np

from agents import AITalent, CapitalAllocator, Firm, Government, Worker


def test_every_type_is_registered(small_model):
    m = small_model
    assert len(m.agents_by_type[Worker]) == len(m.workers)
    assert len(m.agents_by_type[Firm]) == len(m.firms)
    assert len(m.agents_by_type[AITalent]) == len(m.talent)
    assert len(m.agents_by_type[Government]) == m.n_j
    assert len(m.agents_by_type[CapitalAllocator]) == len(m.allocators)
    assert all(isinstance(a, mesa.Agent) for a in m.agents)
    assert len({a.unique_id for a in m.agents}) == len(m.agents)


def test_views_read_and_write_their_row(small_model):
    m = small_model
    worker = m.agents_by_type[Worker][5]
    assert worker.savings == m.workers.savings[worker.row]
    worker.savings = 123.0
    assert m.workers.savings[worker.row] == 123.0
    firm = m.agents_by_type[Firm][0]
    np.testing.assert_array_equal(firm.workers_by_skill, m.firms.workers[firm.row])


def test_agentset_tools_work_on_views(small_model):
    m = small_model
    m.step()
    unemployed = m.agents_by_type[Worker].select(lambda a: not a.employed)
    assert len(unemployed) == int((~m.workers.employed).sum())
    venture = m.agents_by_type[CapitalAllocator].select(lambda a: a.kind_name == "venture")
    assert len(venture) == int((m.allocators.kind == 1).sum())
    for name in ("US", "EU"):
        j = m.structure.names.index(name)
        view = m.agents_by_type[Government].select(lambda g, j=j: g.jurisdiction == j)
        assert len(view) == 1 and view[0].policy_rate == m.gov.policy_rate[j]


def test_weights_sum_to_labour_force(small_model):
    m = small_model
    for j in range(m.n_j):
        in_j = m.workers.jurisdiction == j
        assert np.isclose(m.workers.weight[in_j].sum(), m.structure.labour_force[j])

def test_scale_sets_agent_counts_not_aggregates():
    """Runs at 0.3 and 2.0 (3k and 20k workers) describe the same economy: their second-year means agree to
    within sampling noise over seeds (four standard errors of the difference)."""
    from tests.conftest import run_frame

    def second_year(scale: float) -> np.ndarray:
        frames = [run_frame(seed=seed, steps=24, scale=scale) for seed in range(4)]
        return np.array([[f["unemployment"].iloc[12:].mean(), f["gdp"].iloc[12:].mean()] for f in frames])

    small, large = second_year(0.3), second_year(2.0)
    gap = np.abs(small.mean(axis=0) - large.mean(axis=0))
    noise = np.sqrt(small.var(axis=0, ddof=1) / len(small) + large.var(axis=0, ddof=1) / len(large))
    assert (gap <= 4 * noise).all(), f"unemployment and GDP differ by {gap} with a standard error of {noise}"
