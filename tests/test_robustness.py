"""Valid input never crashes the model: random valid settings run with every check, and the sampler itself."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from experiments import robustness
from experiments.robustness import Setting, check_run, draw_settings, run_all, stress
from experiments.scenarios import parse_value, resolve_parameters
from model.metrics import Metrics
from model.parameter_table import leaves
from model.parameters import Parameters, month_index
from model.phases import politics

SAMPLER_SEED = 20250101
RUNS = 60
MAX_STEPS = 120


def generic(key: str) -> str:
    """A leaf's key with jurisdiction and sector names replaced by ``*``."""
    return re.sub(r"^(jurisdictions|sectors)\.[^.]+\.", r"\1.*.", key)


def test_random_valid_runs_never_fail_and_do_not_depend_on_worker_count():
    settings, rejected = draw_settings(RUNS, SAMPLER_SEED, max_steps=MAX_STEPS)
    results = run_all(settings, workers=2)
    assert rejected == []
    assert run_all(settings[:3], workers=1) == results[:3]
    failures = [f"{r.summary()}\n    {r.reproduction}" for r in results if not r.ok]
    assert not failures, f"{len(failures)} of {RUNS} valid settings failed:\n" + "\n".join(failures)


@pytest.fixture(scope="module")
def draws() -> list[Setting]:
    settings, rejected = draw_settings(300, seed=7)
    assert rejected == [], rejected[:3]
    return settings


def test_draws_are_valid_and_resolve_as_whoosh_run_does(draws):
    for setting in draws:
        params = setting.parameters()
        assert params.population.scale == setting.scale
        if not setting.jurisdictions:
            assert params == resolve_parameters(setting.scenario, [*setting.sets, f"population.scale={setting.scale}"])
            assert setting.command().startswith(f"whoosh run --scenario {setting.scenario} --seed {setting.seed} ")


def test_same_seed_gives_the_same_settings():
    assert draw_settings(20, seed=3) == draw_settings(20, seed=3)
    assert draw_settings(20, seed=3)[0] != draw_settings(20, seed=4)[0]


def test_lever_schedules_are_in_date_order_within_the_horizon(draws):
    schedules = 0
    for setting in draws:
        origin = month_index(setting.parameters().start)
        for item in setting.sets:
            value = parse_value(item.partition("=")[2])
            if isinstance(value, list) and value and isinstance(value[0], dict):
                months = [month_index(change["at"]) for change in value]
                assert months == sorted(months), item
                assert origin <= months[0] and months[-1] < origin + setting.steps, (item, setting.steps)
                schedules += 1
    assert schedules > 100


def test_the_sampler_covers_the_whole_tree(draws):
    overridden = {generic(item.partition("=")[0]) for setting in draws for item in setting.sets}
    every_leaf = {generic(key) for key, _, _ in leaves(Parameters())} - {"population.scale"}
    assert every_leaf - overridden == set()
    steps = [s.steps for s in draws]
    assert min(steps) >= 12 and max(steps) > 361 and np.median(steps) < 60
    assert all(0.05 <= s.scale <= 0.6 for s in draws)
    custom = [s for s in draws if s.jurisdictions]
    assert 30 < len(custom) < 100 and {2, 5} <= {len(s.jurisdictions) for s in custom}
    assert any(item.endswith(".haven=true") for s in custom for item in s.sets)
    assert any(re.search(r"announce_months=[1-9]", item) for s in draws for item in s.sets)
    assert any(s.seed >= 2**32 for s in draws)


# --------------------------------------------------------------------------- check_run reports failures


SMALL = Setting("baseline", seed=1, steps=5, scale=0.05, sets=("talent.home_bias=3.0",))


def fail_in_month(monkeypatch, step: int, error: Exception | None = None) -> None:
    """Make the politics phase raise ``error`` (a RuntimeWarning from numpy if None) in 0-based month ``step``."""
    original = politics.run

    def run(state, month, p, rng):
        if month.step == step:
            if error is None:
                np.float64(1.0) / np.float64(0.0)
            raise error
        original(state, month, p, rng)

    monkeypatch.setattr(politics, "run", run)


def test_check_run_passes_a_plain_run():
    result = check_run(SMALL)
    assert result.ok, result.summary()
    assert result.reproduction == ("whoosh run --scenario baseline --seed 1 --steps 5 --scale 0.05 "
                                   "--set talent.home_bias=3.0")


def test_check_run_names_the_exception_the_month_and_a_reproduction(monkeypatch):
    fail_in_month(monkeypatch, 2, KeyError("boom"))
    result = check_run(SMALL)
    assert not result.ok
    assert (result.error, result.message, result.date, result.month) == ("KeyError", "'boom'", "2025-03", 3)
    assert result.where.startswith("tests/test_robustness.py:")
    assert result.reproduction.startswith("whoosh run --scenario baseline --seed 1 --steps 3 --scale 0.05")


def test_check_run_raises_numpy_warnings_and_says_how_to_reproduce_them(monkeypatch):
    fail_in_month(monkeypatch, 0)
    result = check_run(SMALL)
    assert (result.error, result.month) == ("RuntimeWarning", 1)
    assert "divide by zero" in result.message
    assert result.reproduction.startswith("PYTHONWARNINGS=error::RuntimeWarning whoosh run ")


def test_check_run_catches_a_non_finite_metric(monkeypatch):
    original = Metrics.compute

    def compute(self, state, month):
        original(self, state, month)
        if month.step == 3:
            self.values["gdp"] = math.nan

    monkeypatch.setattr(Metrics, "compute", compute)
    result = check_run(SMALL)
    assert (result.error, result.message, result.month) == ("CheckFailed", "metric gdp is nan", 4)


def test_a_custom_layout_reproduces_through_this_module(monkeypatch, capsys):
    setting = Setting("baseline", seed=2, steps=4, scale=0.05, jurisdictions=("Home", "Away"),
                      sets=("jurisdictions.Away.haven=true",))
    fail_in_month(monkeypatch, 1, ValueError("bad"))
    result = check_run(setting)
    command = result.reproduction
    assert command.startswith("python -m experiments.robustness '")
    argument = command.removeprefix("python -m experiments.robustness ").strip("'")
    assert robustness.main([argument]) == 1
    assert capsys.readouterr().out.strip() == result.summary()


def test_stress_keeps_the_settings_order_and_counts_failures(monkeypatch):
    def odd_seeds_fail(setting: Setting) -> robustness.Result:
        return robustness.Result(ok=setting.seed % 2 == 0, reproduction=setting.command(), error="E" * (setting.seed % 2))

    monkeypatch.setattr(robustness, "check_run", odd_seeds_fail)
    outcome = stress(30, workers=1, seed=11)
    assert [r.ok for r in outcome.results] == [s.seed % 2 == 0 for s in outcome.settings]
    assert [s for s, _ in outcome.failures] == [s for s in outcome.settings if s.seed % 2]
    record = outcome.as_dict()
    assert (record["runs"], record["failed"], record["redraws"]) == (30, len(outcome.failures), 0)
    assert [entry["setting"]["seed"] for entry in record["settings"]] == [s.seed for s in outcome.settings]
