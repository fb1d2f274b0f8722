"""Politics: grievance, populism, violence risk, and who governs.

Mechanism: a worker's grievance rises each month of unemployment (more if displaced by automation)
and, in work, with the share of the job's tasks machines already do at the employer (individual
exposure to automation raises support for populists: Anelli, Colantone & Stanig 2021; Gallego &
Kurer 2022), and decays otherwise; populism is the labour-force-weighted mean grievance of a jurisdiction; the
risk of political violence is logistic in populism and in unemployment above its natural rate.
Each month a populist government may come to power, with a chance logistic in populism above its
level when the run starts and in violence risk (elections, coalition collapses and unrest are not scheduled here, so the month varies from run
to run; Funke, Schularick & Trebesch 2016; Anelli, Colantone & Stanig 2021), and a populist
government loses power with chance 1 / ``politics.populist_tenure`` a month. What a populist
government does is in model/phases/government.py.

Reads: workers.grievance, employed, displaced, employer, job_skill; firms.robot_share, ai_share;
state.unemployment_j; gov.populist, populism_calm.
Writes: workers.grievance; gov.populism, gov.violence_risk, gov.populist.
Ledger: nothing. RNG: one uniform per jurisdiction (does its government change).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logit

from model.domain import LOW, MEDIUM, N_SKILLS
from model.parameters import Parameters
from model.state import Month, State


def update_grievance(grievance, unemployed, displaced, exposure, rise_unemployed: float, rise_displaced: float,
                     rise_exposed: float, decay: float):
    """Grievance rises with unemployment (more if displaced by automation) and, for those in work, with the share
    of their job's tasks that machines already do at their employer (insecurity); it decays otherwise and stays
    in [0, 1]."""
    rise = np.where(unemployed, rise_unemployed + rise_displaced * displaced, rise_exposed * exposure)
    out = grievance * (1.0 - decay)
    out += rise * (1.0 - grievance)
    return np.clip(out, 0.0, 1.0, out=out)


def job_exposure(state: State) -> np.ndarray:
    """(N,) share of each worker's job tasks that machines do at their employer: robots for low-skill jobs, AI
    services for medium-skill ones; 0 for high-skill jobs and for the unemployed."""
    w, f = state.workers, state.firms
    by_cell = np.zeros((len(f.alive), N_SKILLS))   # firm × job skill: the share of the job's tasks machines do
    by_cell[:, LOW], by_cell[:, MEDIUM] = f.robot_share, f.ai_share
    cell = np.maximum(w.employer, 0) * N_SKILLS + np.maximum(w.job_skill, 0)
    return by_cell.ravel()[cell] * w.employed


def populism(weighted_grievance, labour_force):
    """Populism: mean grievance per jurisdiction (summed grievance × weight over the labour force)."""
    return np.clip(weighted_grievance / np.maximum(labour_force, 1e-12), 0.0, 1.0)


def violence_risk(populism_level, unemployment, natural_unemployment, base: float, w_populism: float, w_unemployment: float):
    """Probability of political violence: logistic in populism and in unemployment above its normal level."""
    excess = np.maximum(unemployment - natural_unemployment, 0.0)
    return expit(logit(np.clip(base, 1e-9, 1 - 1e-9)) + w_populism * populism_level + w_unemployment * excess)


def takeover_chance(populism_level, populism_calm, violence, base: float, w_populism: float, w_violence: float):
    """Monthly chance that a populist government comes to power: logistic in populism above its calm-times level
    (voters punish a deteriorating economy, not a jurisdiction's usual level of discontent) and in violence risk."""
    return expit(base + w_populism * np.maximum(populism_level - populism_calm, 0.0) + w_violence * violence)


def update_populism(state: State, p: Parameters) -> None:
    """This month's grievance, populism and violence risk (also run while the economy settles)."""
    w, g, pol = state.workers, state.gov, p.politics
    w.grievance[:] = update_grievance(w.grievance, ~w.employed, w.displaced, job_exposure(state), pol.grievance_unemployed,
                                      pol.grievance_displaced, pol.grievance_exposed, pol.grievance_decay)
    g.populism[:] = populism(w.by_jurisdiction(w.grievance * w.weight), state.structure.labour_force)
    g.violence_risk[:] = violence_risk(g.populism, state.unemployment_j, state.structure.natural_u, pol.violence_base,
                                       pol.violence_populism, pol.violence_unemployment)


def run(state: State, month: Month, p: Parameters, rng: np.random.Generator) -> None:
    g, pol = state.gov, p.politics
    update_populism(state, p)
    draw = rng.random(state.n_j)
    chance = takeover_chance(g.populism, g.populism_calm, g.violence_risk, pol.takeover_base, pol.takeover_populism,
                             pol.takeover_violence)
    comes_to_power = ~g.populist & (draw < chance)
    loses_power = g.populist & (draw < 1.0 / pol.populist_tenure)
    g.populist[:] = (g.populist | comes_to_power) & ~loses_power
