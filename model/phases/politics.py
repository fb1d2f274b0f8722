"""Politics: grievance, populism and violence risk.

Mechanism: a worker's grievance rises each month of unemployment (more if displaced by automation)
and decays otherwise; populism is the labour-force-weighted mean grievance of a jurisdiction; the
risk of political violence is logistic in populism and in unemployment above its natural rate.

Reads: workers.grievance, employed, displaced; state.unemployment_j.
Writes: workers.grievance; gov.populism, gov.violence_risk.
Ledger: nothing. RNG: nothing.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logit

from model.parameters import Parameters
from model.state import Month, State


def update_grievance(grievance, unemployed, displaced, rise_unemployed: float, rise_displaced: float, decay: float):
    """Grievance rises with unemployment (more if displaced by automation) and decays otherwise; stays in [0, 1]."""
    rise = rise_unemployed * unemployed + rise_displaced * (unemployed & displaced)
    return np.clip(grievance * (1.0 - decay) + rise * (1.0 - grievance), 0.0, 1.0)


def populism(weighted_grievance, labour_force):
    """Populism: mean grievance per jurisdiction (summed grievance × weight over the labour force)."""
    return np.clip(weighted_grievance / np.maximum(labour_force, 1e-12), 0.0, 1.0)


def violence_risk(populism_level, unemployment, natural_unemployment, base: float, w_populism: float, w_unemployment: float):
    """Probability of political violence: logistic in populism and in unemployment above its normal level."""
    excess = np.maximum(unemployment - natural_unemployment, 0.0)
    return expit(logit(np.clip(base, 1e-9, 1 - 1e-9)) + w_populism * populism_level + w_unemployment * excess)


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    w, g, pol = state.workers, state.gov, p.politics
    w.grievance[:] = update_grievance(w.grievance, ~w.employed, w.displaced, pol.grievance_unemployed,
                                      pol.grievance_displaced, pol.grievance_decay)
    g.populism[:] = populism(w.by_jurisdiction(w.grievance * w.weight), state.structure.labour_force)
    g.violence_risk[:] = violence_risk(g.populism, state.unemployment_j, state.structure.natural_u, pol.violence_base,
                                       pol.violence_populism, pol.violence_unemployment)
