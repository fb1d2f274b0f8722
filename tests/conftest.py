"""Shared helpers: build and run small models; write sweep specs and read their refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from experiments.scenarios import ParameterError, resolve_parameters
from experiments.sweep_spec import read_spec
from model.economy import WhooshModel


def build(scenario: str = "baseline", sets: list[str] | None = None, seed: int = 0, scale: float = 0.3) -> WhooshModel:
    """A model of ``scenario`` at a small scale, with ``--set``-style overrides."""
    return WhooshModel(resolve_parameters(scenario, [*(sets or []), f"population.scale={scale}"]), seed=seed)


def run_frame(scenario: str = "baseline", sets: list[str] | None = None, seed: int = 0, steps: int = 120,
              scale: float = 0.3):
    """Metrics frame of a run."""
    model = build(scenario, sets, seed, scale)
    for _ in range(steps):
        model.step()
    return model.metrics_frame()


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` (parents made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path, **kwargs) -> str:
    """The one-line message ``read_spec`` refuses ``path`` with."""
    with pytest.raises(ParameterError) as info:
        read_spec(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith(f"sweep spec {path.name}: "), message
    return message


@pytest.fixture
def small_model() -> WhooshModel:
    return build(seed=7)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item (``item.rep_call``): the browser tests screenshot failures."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
