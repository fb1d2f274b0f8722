"""The monthly phases: their contract (one ``run`` entry point, books balanced after each) and the per-phase check."""

from __future__ import annotations

import types

import numpy as np
import pytest

from experiments.scenarios import resolve_parameters, scenario_names
from model.economy import PHASES, AccountingError, WhooshModel
from model.state import Month


def leaky_phase() -> types.ModuleType:
    """A phase that hands the government money without booking it in the ledger."""
    phase = types.ModuleType("leaky")

    def run(state, month, params, rng):
        state.gov.cash += 1e6

    phase.run = run
    return phase


def params(scenario: str = "baseline"):
    return resolve_parameters(scenario, ["population.scale=0.2"])


def test_every_phase_has_one_run_entry_point():
    assert len(set(PHASES)) == len(PHASES)
    for phase in PHASES:
        assert callable(phase.run), phase.__name__


@pytest.mark.parametrize("scenario", scenario_names())
def test_books_balance_after_every_phase(scenario):
    model = WhooshModel(params(scenario), check_each_phase=True, seed=3)
    for _ in range(18):
        model.step()
    assert model.ledger_error() <= 1e-9


def test_per_phase_check_names_the_phase_that_broke_the_books():
    phases = (*PHASES[:4], leaky_phase(), *PHASES[4:])
    model = WhooshModel(params(), phases=phases, check_each_phase=True, seed=1)
    with pytest.raises(AccountingError, match="after phase leaky"):
        model.step()


def test_end_of_month_check_catches_the_same_fault_without_naming_a_phase():
    phases = (*PHASES[:4], leaky_phase(), *PHASES[4:])
    model = WhooshModel(params(), phases=phases, seed=1)
    with pytest.raises(AccountingError, match="at the end of the month"):
        model.step()


def test_checking_each_phase_changes_no_result():
    plain = WhooshModel(params("big-whoosh"), seed=5)
    checked = WhooshModel(params("big-whoosh"), check_each_phase=True, seed=5)
    for _ in range(12):
        plain.step()
        checked.step()
    assert plain.metrics_frame().equals(checked.metrics_frame())


def test_month_record_has_no_room_for_scratch_attributes():
    month = Month.start(0, 3)
    with pytest.raises(AttributeError):
        month.scratch = np.zeros(3)


@pytest.mark.parametrize("scenario", ["baseline", "big-whoosh"])
def test_jurisdiction_unemployment_is_measured_at_the_end_of_the_month(scenario):
    model = WhooshModel(params(scenario), seed=2)
    w = model.workers
    for _ in range(36):
        model.step()
        unemployed = np.bincount(w.jurisdiction, weights=w.weight * ~w.employed, minlength=model.n_j)
        labour_force = np.bincount(w.jurisdiction, weights=w.weight, minlength=model.n_j)
        for j, name in enumerate(model.structure.names):
            assert model.metrics.values[f"unemployment_{name}"] == pytest.approx(unemployed[j] / labour_force[j],
                                                                                  abs=1e-9), (name, model.date)
