"""The Big Whoosh model: builds the economy, runs the monthly phases in order, checks the books, collects data.

Each phase is a module in ``model/phases/`` with one entry point, ``run(state, month, params, rng)``;
its docstring states the mechanism, what it reads and writes, what it books in the ledger and what
it draws from the random stream. ``PHASES`` is the order they run in each month; docs/ODD.md's
process overview is generated from it.
"""

from __future__ import annotations

import mesa
import numpy as np

from model.metrics import Metrics
from model.parameters import Parameters
from model.phases import (automation, capital_allocation, capital_flight, central_bank, entry_exit, firm_accounts,
                          firm_productivity, goods_market, government, incomes, labour_market, policy, politics, prices,
                          talent_choice, technology)
from model.state import Month, State
from model.world import build_state

PHASES = (policy, technology, firm_productivity, central_bank, automation, labour_market, incomes, goods_market,
          firm_accounts, capital_allocation, entry_exit, capital_flight, politics, talent_choice, government, prices)
LEDGER_TOLERANCE = 1e-9


class AccountingError(RuntimeError):
    """Raised when the books do not balance: a money flow was not booked as a transfer."""


def _from_state(name: str) -> property:
    return property(lambda self: getattr(self.state, name), doc=f"``state.{name}``")


class WhooshModel(mesa.Model):
    """An economy of workers, firms, AI talent, governments and capital allocators across jurisdictions.

    Args:
        parameters: the parameter tree (defaults if None).
        seed: seed of the model's numpy Generator; all randomness comes from ``self.rng`` and, for the
            aggregate demand shocks, ``state.shock_rng``: a child stream spawned from the same seed, so runs
            that differ only in their parameters share their business cycle (common random numbers).
        phases: the phase modules (anything with ``run(state, month, params, rng)``) in the order they run
            each month; ``PHASES`` by default. docs/EXTENDING.md shows how to add one.
        check_each_phase: check the books after every phase, not only at the end of the month, so an
            ``AccountingError`` names the phase that broke them (slower; for debugging and tests).
    """

    workers = _from_state("workers")
    firms = _from_state("firms")
    talent = _from_state("talent")
    allocators = _from_state("allocators")
    gov = _from_state("gov")
    structure = _from_state("structure")
    n_j = _from_state("n_j")
    ledger = _from_state("ledger")

    def __init__(self, parameters: Parameters | None = None, phases: tuple = PHASES, check_each_phase: bool = False,
                 seed: int | None = None):
        super().__init__(seed=seed)
        self.p = parameters if parameters is not None else Parameters()
        self.phases = tuple(phases)
        self.check_each_phase = check_each_phase
        self.state: State = build_state(self.p, self.rng)
        self.last_month: Month | None = None

        from agents import create_views  # agents/ builds on model/, not the reverse

        create_views(self)
        self.metrics = Metrics(self.state, self.rng)
        self.datacollector = mesa.DataCollector(model_reporters=self.metrics.reporters())

    @property
    def month(self) -> int:
        """Months since the start (step 1 is the start month)."""
        return max(self.steps - 1, 0)

    @property
    def date(self) -> str:
        return month_label(self.state.start_month + self.month)

    def step(self) -> None:
        """Advance the economy one month: every phase in order, then the books and the metrics."""
        month = Month.start(self.month, self.state.n_j)
        for phase in self.phases:
            phase.run(self.state, month, self.p, self.rng)
            if self.check_each_phase:
                self.check_books(f"after phase {phase.__name__.rsplit('.', 1)[-1]}")
        self.last_month = month
        self.metrics.compute(self.state, month)
        self.check_books("at the end of the month", self.metrics.values["ledger_error"])
        self.datacollector.collect(self)

    def check_books(self, when: str, error: float | None = None) -> None:
        """Raise ``AccountingError`` if the ledger's relative error exceeds ``LEDGER_TOLERANCE``."""
        error = self.state.ledger_error() if error is None else error
        if error > LEDGER_TOLERANCE:
            raise AccountingError(f"the books do not balance {when} at {self.date}: relative error "
                                  f"{error:.3g} > {LEDGER_TOLERANCE}")

    def ledger_error(self) -> float:
        return self.state.ledger_error()

    def metrics_frame(self):
        """One row per step: ``step``, ``date`` and every metric."""
        frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        months = self.state.start_month + np.arange(len(frame))
        frame.insert(0, "date", [month_label(m) for m in months])
        frame.insert(0, "step", np.arange(1, len(frame) + 1))
        return frame

    def close(self) -> None:
        """Free the model's agents so the model can be garbage-collected.

        Mesa 3.3 keeps a class-level registry of every model that created agents (``mesa.Agent._ids``),
        so a process that runs many models keeps them all alive unless each is closed after use.
        """
        self.remove_all_agents()
        mesa.Agent._ids.pop(self, None)

    def __enter__(self) -> WhooshModel:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def month_label(month: int) -> str:
    """``YYYY-MM`` of a month counted from year 0."""
    return f"{month // 12:04d}-{month % 12 + 1:02d}"
