"""Technology: humanoid and AI capability on their paths, and what a robot or AI service costs this month.

Mechanism: capability rises along logistic paths to a ceiling (scenario curves); robot and
AI-service prices fall at constant yearly rates. A robot's monthly cost includes the robot tax and
rises with the policy rate (a leveraged capital good); AI services cost more where electricity is
dearer than at home.

Reads: parameters.technology, gov.robot_tax and gov.policy_rate (last month's), state.structure.
Writes: month.humanoid, month.ai_capability, month.robot_cost, month.robot_cost_pre_tax, month.ai_cost.
Ledger: nothing. RNG: nothing.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from model.parameters import Parameters, month_index
from model.state import Month, State


def logistic_path(start_value: float, midpoint_step: float, speed: float, steps: np.ndarray) -> np.ndarray:
    """Capability in [0, 1] rising logistically through ``midpoint_step``, equal to ``start_value`` at step 0.

    The standard logistic is rescaled so that it starts at ``start_value`` and still tends to 1.
    """
    raw = expit(speed * (steps - midpoint_step))
    raw0 = expit(-speed * midpoint_step)
    lifted = start_value + (1.0 - start_value) * (raw - raw0) / max(1.0 - raw0, 1e-12)
    return np.clip(lifted, 0.0, 1.0)


def robot_monthly_cost(price, robot_tax, policy_rate, rate_sensitivity: float):
    """Monthly cost of a robot doing one worker's tasks: price × (1 + tax) × (1 + κ·rate).

    Robots are a leveraged capital good: their user cost rises with the interest rate.
    """
    return price * (1.0 + robot_tax) * (1.0 + rate_sensitivity * policy_rate)


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    st, g, tech = state.structure, state.gov, p.technology
    step = month.step
    months = np.array([step], dtype=float)
    month.humanoid = float(logistic_path(
        tech.humanoid_capability_start, month_index(tech.humanoid_midpoint) - state.start_month,
        tech.humanoid_speed, months)[0]) * tech.humanoid_ceiling
    month.ai_capability = float(logistic_path(
        tech.ai_capability_start, month_index(tech.ai_midpoint) - state.start_month, tech.ai_speed, months)[0]) * tech.ai_ceiling
    years = step / 12.0
    robot_price = tech.robot_price * (1.0 - tech.robot_price_decline) ** years
    ai_price = tech.ai_service_price * (1.0 - tech.ai_price_decline) ** years
    power = 1.0 - tech.electricity_share_ai + tech.electricity_share_ai * st.electricity / st.electricity[st.home]
    month.robot_cost = robot_monthly_cost(robot_price, g.robot_tax, g.policy_rate, p.finance.robot_rate_sensitivity)
    month.robot_cost_pre_tax = month.robot_cost / (1.0 + g.robot_tax)
    month.ai_cost = ai_price * power
