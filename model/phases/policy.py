"""Policy in force: each government's four levers this month, and how far its CBDC has been adopted.

Mechanism: a lever's value is its scheduled path (parameters) plus the government's accumulated
endogenous response (model/phases/government.py), clipped to the lever's range. CBDC adoption
follows a logistic curve from the rollout month: the scheduled one, or the one a populist government
announced, whichever comes first.

Reads: state.levers, state.structure (CBDC adoption speed), gov.cbdc_start, the governments' responses.
Writes: gov.robot_tax, robot_adoption, robot_cap, capital_controls, cbdc_surveillance, carry_tax,
cbdc_adoption.
Ledger: nothing. RNG: nothing.
"""

from __future__ import annotations

import numpy as np

from model.parameters import Parameters
from model.state import Month, State


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    st, g, lv = state.structure, state.gov, state.levers
    step = month.step
    g.robot_tax[:] = np.clip(lv.current("robot_tax", step) + g.robot_tax_response, -0.9, 5.0)
    g.robot_adoption[:] = lv.current("robot_adoption", step)
    g.robot_cap[:] = lv.current("robot_cap", step)
    g.capital_controls[:] = np.clip(lv.current("capital_controls", step) + g.controls_response, 0.0, 1.0)
    g.cbdc_surveillance[:] = np.clip(lv.current("cbdc_surveillance", step) + g.surveillance_response, 0.0, 1.0)
    g.carry_tax[:] = lv.current("carry_tax", step)
    since = step - g.cbdc_start
    g.cbdc_adoption[:] = np.where(since >= 0, 1.0 / (1.0 + 49.0 * np.exp(-st.cbdc_speed * np.maximum(since, 0))), 0.0)
