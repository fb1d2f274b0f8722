"""docs/EXTENDING.md's worked example runs as written: a phase added through the public API keeps the books."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from model.economy import PHASES
from model.odd import FIELDS, phase_fields

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "EXTENDING.md"


def run_guide_examples() -> dict:
    """Execute every ```python block of the guide, in order, in one namespace."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 2, "the guide's worked example is missing"
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(GUIDE), "exec"), namespace)
    return namespace


def test_worked_example_runs_with_balanced_books_and_raises_consumption(capsys):
    ns = run_guide_examples()
    printed = capsys.readouterr().out
    assert "consumption with a basic income" in printed
    paid, plain = ns["paid"].metrics_frame(), ns["plain"].metrics_frame()
    assert (paid["ledger_error"] <= 1e-9).all()
    assert paid["consumption"].mean() > plain["consumption"].mean()
    assert (paid["gov_debt"].iloc[-1] > plain["gov_debt"].iloc[-1])


def test_worked_example_phase_follows_the_phase_contract():
    ns = run_guide_examples()
    phases = ns["with_basic_income"]()
    assert len(phases) == len(PHASES) + 1 and phases[phases.index(ns["basic_income"]) - 1].__name__.endswith("incomes")
    _, fields = phase_fields(ns["basic_income"])
    assert all(fields.get(label) for label in FIELDS)
    assert np.isfinite(ns["BASIC_INCOME"])
