"""Firms' production technology: tasks, who does them (people, robots, AI services), capacity and cost.

A firm's scale is measured in task-months (``firms.tasks``). Each skill does a share of the tasks
(``state.firm_need``); machines do the automated share of the low-skill (robots) and white-collar
(AI services) tasks. Labour is measured in efficiency units: a worker of skill k does
``firm_eff[:, k]`` tasks relative to a white-collar worker. A task-month yields the sector's output
times the firm's own productivity multiplier (``firms.productivity``), so a more productive firm makes
more with the same staff and, pricing on cost, charges less. These functions only read the state.
"""

from __future__ import annotations

import numpy as np

from model.domain import BITS, LOW, MEDIUM
from model.state import Month, State


def auto_matrix(state: State) -> np.ndarray:
    """(F, K) share of each skill's tasks done by machines."""
    f = state.firms
    return np.stack([f.robot_share, f.ai_share, np.zeros(len(f))], axis=1)


def task_shares(state: State, people: np.ndarray) -> np.ndarray:
    """Task shares of a (F, K) mix of people, weighting each skill by its efficiency."""
    units = people * state.firm_eff
    return units / np.maximum(units.sum(axis=1, keepdims=True), 1e-12)


def labour_demand(state: State) -> np.ndarray:
    """(F, K) people each firm wants by skill."""
    f = state.firms
    return (f.tasks * f.alive)[:, None] * state.firm_need * (1.0 - auto_matrix(state)) / state.firm_eff


def people_per_task(state: State) -> np.ndarray:
    """People each task unit needs, given the firm's mix and what machines do."""
    return (state.firm_need * (1.0 - auto_matrix(state)) / state.firm_eff).sum(axis=1)


def human_task_units(state: State) -> np.ndarray:
    """Tasks each firm's staff can do in a month."""
    staff, eff = state.firms.workers, state.firm_eff
    return staff[:, 0] * eff[:, 0] + staff[:, 1] * eff[:, 1] + staff[:, 2] * eff[:, 2]   # faster than .sum(axis=1) on 3 columns


def tasks_from_headcount(state: State) -> np.ndarray:
    """The firm's scale in task-months implied by its staff and its automated shares."""
    human_share = (state.firm_need * (1.0 - auto_matrix(state))).sum(axis=1)
    return human_task_units(state) / np.maximum(human_share, 1e-9)


def productivity(state: State) -> np.ndarray:
    """(F,) real output per task-month: the sector's, times the firm's own multiplier (``firms.productivity``)."""
    return state.sector_productivity * state.firms.productivity


def capacity(state: State) -> np.ndarray:
    """Real output each firm can make: its human and machine task-months times its productivity."""
    f = state.firms
    machine = f.tasks * (state.firm_need[:, LOW] * f.robot_share + state.firm_need[:, MEDIUM] * f.ai_share)
    return (human_task_units(state) + machine) * productivity(state) * f.alive


def unit_cost(state: State, month: Month) -> np.ndarray:
    """Normal cost per task-month: human tasks at market wages, automated ones at robot and AI prices, plus
    (for bits firms) the AI talent a task normally needs at its jurisdiction's pay.

    Firms price on normal costs (Coutts, Godley & Nordhaus 1978), so a month with more or fewer star
    researchers on the payroll does not move the price.
    """
    f = state.firms
    j = f.jurisdiction
    auto = auto_matrix(state)
    human = (state.firm_need * (1.0 - auto) * state.wage[j] / state.firm_eff).sum(axis=1)
    # a robot (an AI-service unit) does one low-skill (white-collar) worker's tasks
    machine = (state.firm_need[:, LOW] * f.robot_share * month.robot_cost[j] / state.firm_eff[:, LOW]
               + state.firm_need[:, MEDIUM] * f.ai_share * month.ai_cost[j] / state.firm_eff[:, MEDIUM])
    talent = (f.kind == BITS) * state.talent_intensity[j] * state.structure.talent_pay[j]
    return human + machine + talent


def monthly_cost(state: State, cost_per_task: np.ndarray) -> np.ndarray:
    """Each firm's monthly cost at ``cost_per_task``."""
    return cost_per_task * state.firms.tasks * state.firms.alive

