"""Money movements that keep the books: each helper credits the receivers and books the transfer in the ledger.

Every money flow moves two things together: the holders' own balances (a firm's ``cash``, a
household's ``savings`` …) and the ledger's sector accounts (model/ledger.py). The payer's side
stays with the phase that pays (it knows which rows pay how much: ``firms.cash -= tax``); these
helpers do the rest for the receivers that are kept as totals per jurisdiction or spread over
many agents, and add the flow to the month's record where a metric reports it.

Args common to the helpers:
    payer: the paying sector's ledger account ("firms", "talent", "allocators", …).
    payer_j, receiver_j: jurisdiction index of each amount (arrays of the amounts' shape, or scalars).
    amounts: what each row pays (k$, totals: already multiplied by any agent weight).
"""

from __future__ import annotations

import numpy as np

from model.state import Month, State


def _totals(state: State, index, amounts) -> np.ndarray:
    index, amounts = np.broadcast_arrays(np.asarray(index), np.asarray(amounts, dtype=float))
    return state.per_jurisdiction(index.ravel(), amounts.ravel())


def government_receives(state: State, month: Month, payer: str, payer_j, receiver_j, amounts) -> np.ndarray:
    """Taxes and fees to governments: book the transfer, credit their cash and the month's revenue.

    Returns:
        (J,) what each government received.
    """
    state.ledger.transfer(payer, payer_j, "government", receiver_j, amounts)
    received = _totals(state, receiver_j, amounts)
    state.gov.cash += received
    month.flows["gov_revenue"] += received
    return received


def rest_of_world_receives(state: State, payer: str, payer_j, receiver_j, amounts) -> np.ndarray:
    """Payments abroad that no modelled agent receives (licensing, moving costs, AI imports).

    Returns:
        (J,) what the rest of the world received, by the jurisdiction it is booked in.
    """
    state.ledger.transfer(payer, payer_j, "foreign", receiver_j, amounts)
    received = _totals(state, receiver_j, amounts)
    state.foreign_other += received
    return received


def capital_income_per_person(state: State, amounts: np.ndarray) -> np.ndarray:
    """(W,) what each worker gets (per person) of ``amounts[j]`` paid to its jurisdiction's households: in
    proportion to savings, or equally per person in a jurisdiction where nobody has any."""
    w = state.workers
    savings = np.maximum(w.savings, 0.0)
    held = w.by_jurisdiction(savings * w.weight)
    per_unit = np.divide(amounts, held, out=np.zeros_like(held), where=held > 0)
    received = savings * per_unit[w.jurisdiction]
    if (held <= 0).any():
        received += np.where(held > 0, 0.0, amounts / state.structure.labour_force)[w.jurisdiction]
    return received


def households_receive_capital_income(state: State, payer: str, amounts: np.ndarray) -> None:
    """``amounts[j]`` paid to the households of j in proportion to their savings (per person where nobody has
    savings); it is also their capital income next month (``state.capital_income_accrued``)."""
    if not amounts.any():
        return
    state.ledger.transfer_by_jurisdiction(payer, "households", amounts)
    state.workers.savings += capital_income_per_person(state, amounts)
    state.capital_income_accrued += amounts
