"""Politics: grievance, populism and violence risk."""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logit


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
