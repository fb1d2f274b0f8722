"""Task-based automation (after Acemoglu & Restrepo): robots take physical tasks, AI services white-collar ones."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr


def logistic_path(start_value: float, midpoint_step: float, speed: float, steps: np.ndarray) -> np.ndarray:
    """Capability in [0, 1] rising logistically through ``midpoint_step``, equal to ``start_value`` at step 0.

    The standard logistic is rescaled so that it starts at ``start_value`` and still tends to 1.
    """
    raw = 1.0 / (1.0 + np.exp(-speed * (steps - midpoint_step)))
    raw0 = 1.0 / (1.0 + np.exp(speed * midpoint_step))
    lifted = start_value + (1.0 - start_value) * (raw - raw0) / max(1.0 - raw0, 1e-12)
    return np.clip(lifted, 0.0, 1.0)


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


def robot_monthly_cost(price, robot_tax, policy_rate, rate_sensitivity: float):
    """Monthly cost of a robot doing one worker's tasks: price × (1 + tax) × (1 + κ·rate).

    Robots are a leveraged capital good: their user cost rises with the interest rate.
    """
    return price * (1.0 + robot_tax) * (1.0 + rate_sensitivity * policy_rate)


def displaced_share(old_share, new_share):
    """Share of the remaining human task holders made redundant by a rise in the automated share."""
    rise = np.maximum(new_share - old_share, 0.0)
    return np.where(old_share < 1.0, rise / np.maximum(1.0 - old_share, 1e-12), 0.0)
