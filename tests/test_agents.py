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
    us = m.agents_by_type[Government].select(lambda g: g.jurisdiction == m.structure.names.index("US"))
    assert us[0].policy_rate == m.gov.policy_rate[0]


def test_weights_sum_to_labour_force(small_model):
    m = small_model
    for j in range(m.n_j):
        in_j = m.workers.jurisdiction == j
        assert np.isclose(m.workers.weight[in_j].sum(), m.structure.labour_force[j])

def test_scale_sets_agent_counts_not_aggregates():
    from tests.conftest import run_frame

    small = run_frame(seed=4, steps=1, scale=0.2)
    large = run_frame(seed=4, steps=1, scale=1.0)
    # the same economy: aggregates agree to sampling noise, not to the agent count
    assert abs(small["gdp"].iloc[0] / large["gdp"].iloc[0] - 1) < 0.1
    assert abs(small["unemployment"].iloc[0] - large["unemployment"].iloc[0]) < 0.03
