"""Automation (task-based, after Acemoglu & Restrepo 2018, 2020): firms move their automated task shares toward
the cost-minimising level.

Mechanism: a share of each sector's low-skill tasks can be done by robots and of its white-collar
tasks by AI services, up to the technology's capability. Tasks differ in how costly they are to
automate; a task is automated when its cost (robot tax included) is below the wage of the person
doing it. Firms close a share of the gap to that target each month (adoption speed × the lever's
multiplier); the robot cap limits robots per 1,000 workers in each jurisdiction.

Reads: month.humanoid, month.ai_capability, month.robot_cost, month.ai_cost, state.wage, firms' tasks and
needs, gov.robot_adoption, gov.robot_cap.
Writes: firms.robot_share, ai_share, robots, ai_services; month.displaced (the share of each firm-skill
cell's human tasks automated away, which the labour market turns into layoffs).
Ledger: nothing. RNG: nothing.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from model.domain import LOW, MEDIUM
from model.parameters import Parameters
from model.production import auto_matrix
from model.state import Month, State


def automation_target(feasible_share, task_wage, automation_cost, dispersion: float):
    """Cost-minimising automated share of a firm's tasks.

    Tasks differ in how costly they are to automate (log-normal around ``automation_cost``);
    a task is automated when its cost is below the wage of the worker doing it. The share
    of feasible tasks automated is therefore the normal CDF of the log cost advantage.

    Args:
        feasible_share: share of tasks technology can do now (sector exposure × capability).
        task_wage: monthly wage of the worker doing a task.
        automation_cost: monthly cost of automating one worker's tasks, taxes included.
        dispersion: standard deviation of log task costs.
    """
    advantage = np.log(np.maximum(task_wage, 1e-12)) - np.log(np.maximum(automation_cost, 1e-12))
    return feasible_share * ndtr(advantage / dispersion)


def adjust_share(current, target, speed):
    """Move the automated share toward its target at the adoption speed (``speed`` in [0, 1])."""
    return current + np.clip(speed, 0.0, 1.0) * (target - current)


def robot_cap_share(robot_share, robots_at_full_share, cap_per_1000, workers_people):
    """Limit robots so that robots per 1,000 workers stays under the cap.

    Args:
        robot_share: desired share of low-skill tasks done by robots, per firm.
        robots_at_full_share: robots each firm would run if robots did all its low-skill tasks.
        cap_per_1000: cap in each firm's jurisdiction.
        workers_people: people employed or seeking work per firm's jurisdiction (denominator).
    """
    robots = robot_share * robots_at_full_share
    allowed = cap_per_1000 * workers_people / 1000.0
    total = robots.sum()
    if total <= allowed or total <= 0:
        return robot_share
    return robot_share * allowed / total


def displaced_share(old_share, new_share):
    """Share of the remaining human task holders made redundant by a rise in the automated share."""
    rise = np.maximum(new_share - old_share, 0.0)
    return np.where(old_share < 1.0, rise / np.maximum(1.0 - old_share, 1e-12), 0.0)


def targets(state: State, month: Month, p: Parameters) -> tuple[np.ndarray, np.ndarray]:
    """Cost-minimising robot and AI shares of each firm's tasks this month."""
    f, st = state.firms, state.structure
    j = f.jurisdiction
    dispersion = p.technology.task_cost_dispersion
    robot = automation_target(st.robot_exposure[f.sector] * month.humanoid, state.wage[j, LOW],
                              month.robot_cost[j], dispersion)
    ai = automation_target(st.ai_exposure[f.sector] * month.ai_capability, state.wage[j, MEDIUM],
                           month.ai_cost[j], dispersion)
    return robot, ai


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    f, g = state.firms, state.gov
    j = f.jurisdiction
    target_robot, target_ai = targets(state, month, p)
    old = auto_matrix(state)
    speed = p.technology.adoption_speed
    robot = adjust_share(f.robot_share, target_robot, speed * g.robot_adoption[j])
    low_jobs = f.tasks * state.firm_need[:, LOW] / state.firm_eff[:, LOW] * f.alive
    robots_at_full_share = low_jobs / p.technology.workers_per_robot
    for k in range(state.n_j):
        in_j = j == k
        robot[in_j] = robot_cap_share(robot[in_j], robots_at_full_share[in_j], g.robot_cap[k],
                                      state.structure.labour_force[k])
    f.robot_share[:] = robot
    f.ai_share[:] = adjust_share(f.ai_share, target_ai, speed)
    f.robots[:] = f.robot_share * robots_at_full_share
    f.ai_services[:] = f.ai_share * f.tasks * state.firm_need[:, MEDIUM] / state.firm_eff[:, MEDIUM] * f.alive
    month.displaced = displaced_share(old, auto_matrix(state))
