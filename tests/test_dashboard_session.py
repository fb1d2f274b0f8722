"""The dashboard's logic without a browser: sessions, interventions, export, controls, ensembles, sweeps."""

from __future__ import annotations

import tomllib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments.cli import app
from experiments.scenarios import ParameterError, resolve_parameters
from model.levers import LEVERS
from model.parameters import Jurisdiction
from viz import controls, ensemble
from viz.session import History, Session, Settings, agent_sample, agent_table

SCALE = 0.05

CUSTOM_LAYOUT = """
name = "three-places"
description = "A custom layout: a home, a haven and a rival."
replace_jurisdictions = true

[parameters.jurisdictions.Home]
population = 50e6
talent_share = 0.6

[parameters.jurisdictions.Haven]
population = 5e6
haven = true
talent_share = 0.1

[parameters.jurisdictions.Rival]
population = 80e6
talent_share = 0.3

[parameters]
home = "Home"
"""


def reproduce(tmp_path, session: Session) -> pd.DataFrame:
    """Run the session's export through ``whoosh run`` and return the metrics it wrote."""
    scenario = tmp_path / "exported.toml"
    scenario.write_text(session.export_scenario(), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", "--scenario", str(scenario), "--seed", str(session.settings.seed),
                                      "--steps", str(session.steps), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return pd.read_parquet(out / "metrics.parquet")


@pytest.mark.parametrize("preset, seed, moves", [
    ("big-whoosh", 3, [(4, "US", "capital_controls", 0.4), (7, "EU", "carry_tax", 0.1), (7, "US", "capital_controls", 0.1)]),
    ("captured", 11, [(2, "China", "robot_tax", 1.5), (5, "Singapore", "cbdc_surveillance", 0.9)]),
])
def test_export_with_interventions_reproduces_the_run_exactly(tmp_path, preset, seed, moves):
    session = Session(Settings(preset, {"talent.home_bias": 2.0}, seed, SCALE))
    session.set_lever("US", "robot_tax", 0.5)          # before the first month: the starting value
    for month in range(10):
        for at, where, lever, value in moves:
            if at == month:
                session.set_lever(where, lever, value)
        session.step()
    assert len(session.interventions) == len(moves)
    pd.testing.assert_frame_equal(session.metrics_frame(), reproduce(tmp_path, session), check_exact=True)


def test_export_of_a_custom_layout_file_reproduces_the_run(tmp_path):
    preset = tmp_path / "three-places.toml"
    preset.write_text(CUSTOM_LAYOUT, encoding="utf-8")
    session = Session(Settings(str(preset), {}, 5, SCALE))
    session.step(3)
    session.set_lever("Haven", "capital_controls", 0.7)
    session.step(3)
    table = tomllib.loads(session.export_scenario())
    assert table["replace_jurisdictions"] is True
    assert set(table["parameters"]["jurisdictions"]) == {"Home", "Haven", "Rival"}
    pd.testing.assert_frame_equal(session.metrics_frame(), reproduce(tmp_path, session), check_exact=True)


def test_a_lever_moved_mid_run_changes_from_the_next_month_only():
    session = Session(Settings("baseline", {}, 0, SCALE))
    session.step(4)
    before = session.lever_value("US", "capital_controls")
    session.set_lever("US", "capital_controls", 0.6)
    session.set_lever("US", "capital_controls", 0.3)      # moved again in the same month: one change, the last
    levers = session.model.state.levers
    assert levers.current("capital_controls", 3)[0] == before          # the months already run are untouched
    assert levers.current("capital_controls", 4)[0] == 0.3
    assert [(i.at, i.value) for i in session.interventions] == [("2025-05", 0.3)]
    session.step()
    assert session.history["capital_controls_US"][-1] > 0.0


def test_a_lever_moved_before_the_first_month_sets_its_starting_value():
    session = Session(Settings("baseline", {}, 0, SCALE))
    session.set_lever("EU", "carry_tax", 0.05)
    assert session.params.jurisdictions["EU"].carry_tax.initial == 0.05
    assert session.settings.overrides == {"jurisdictions.EU.carry_tax": 0.05}
    assert session.interventions == []


@pytest.mark.parametrize("where, lever, value", [("US", "capital_controls", 1.5), ("US", "robot_tax", -2.0),
                                                 ("Atlantis", "carry_tax", 0.1), ("US", "wage", 0.1)])
def test_a_bad_lever_move_is_refused_in_one_line_and_changes_nothing(where, lever, value):
    session = Session(Settings("baseline", {}, 0, SCALE))
    session.step()
    with pytest.raises(ParameterError) as error:
        session.set_lever(where, lever, value)
    message = str(error.value)
    assert "\n" not in message and (lever in message or where in message) and "allowed" in message
    assert session.interventions == []


def test_reset_rebuilds_from_the_settings_and_clears_interventions():
    session = Session(Settings("baseline", {}, 2, SCALE))
    session.step(2)
    session.set_lever("US", "carry_tax", 0.5)
    session.reset(session.with_override("talent.home_bias", 1.0))
    assert session.steps == 0 and session.interventions == []
    assert session.params.talent.home_bias == 1.0
    assert session.params.jurisdictions["US"].carry_tax.changes == []


def test_a_bad_setting_leaves_the_running_model_untouched():
    session = Session(Settings("baseline", {}, 0, SCALE))
    session.step(2)
    with pytest.raises(ParameterError):
        session.reset(session.with_override("talent.home_bias", -5.0))
    assert session.steps == 2 and session.settings.overrides == {}


def test_history_grows_past_its_capacity_without_losing_months():
    history = History(["a", "b"], capacity=2)
    for i in range(5):
        history.append({"a": float(i), "b": -float(i)})
    assert history["a"].tolist() == [0, 1, 2, 3, 4] and history["b"][-1] == -4


def test_talent_moves_add_up_to_the_talent_that_changed_place():
    session = Session(Settings("big-whoosh", {"talent.reconsider_rate": 0.5}, 1, SCALE))
    total = 0.0
    for _ in range(6):
        before = session.model.talent.location.copy()
        session.step()
        t = session.model.talent
        moved = float(t.weight[t.location != before].sum())
        assert session.moves_month.sum() == pytest.approx(moved)
        assert np.all(np.diag(session.moves_month) == 0)
        total += moved
    assert session.moves_total.sum() == pytest.approx(total) and total > 0


def test_controls_take_ranges_and_units_from_the_parameter_tree():
    for group in controls.lever_controls().values():
        for c in group:
            info = Jurisdiction.model_fields[c.name]
            extra = info.json_schema_extra
            if c.lever:
                assert [c.lo, c.hi] == extra["lever_range"] and c.name in LEVERS
            assert c.unit == extra["unit"] and c.description == info.description
    params = resolve_parameters("big-whoosh", [])
    assert [c.value(params) for c in controls.response_controls()] == [True, True]
    assert controls.control("talent.home_bias").value(params) == params.talent.home_bias


def test_agent_table_and_followed_agent():
    session = Session(Settings("baseline", {}, 0, SCALE))
    rows = agent_sample(session.model, "workers", size=50)
    table = agent_table(session.model, "workers", rows)
    assert len(table) == len(rows) and set(table["jurisdiction"]) <= set(session.names)
    session.follow("talent", 7)
    session.step(3)
    track = session.followed[("talent", 7)]
    assert [t["month"] for t in track] == ["start", "2025-01", "2025-02", "2025-03"]


def test_ensembles_pair_seeds_and_their_bands_contain_the_mean():
    a = Settings("baseline", {}, 0, SCALE)
    keys = ["unemployment_US", "talent_offshore_share"]
    done = []
    with ThreadPoolExecutor(2) as pool:
        runs_a, runs_b = ensemble.run_ensembles(a, a, 3, 6, keys, progress=lambda d, n: done.append((d, n)),
                                                executor=pool)
    assert done[-1] == (6, 6)
    for ra, rb in zip(runs_a, runs_b):       # same settings, same seeds: identical runs
        np.testing.assert_array_equal(ra["unemployment_US"], rb["unemployment_US"])
    band = ensemble.summary(runs_a, "unemployment_US")
    assert np.all(band["low"] <= band["mean"]) and np.all(band["mean"] <= band["high"])
    assert not np.allclose(runs_a[0]["unemployment_US"], runs_a[1]["unemployment_US"])   # seeds differ


@pytest.mark.parametrize("flags, key", [
    (["--port", "0"], "--port"), (["--port", "70000"], "--port"), (["--port", "x"], "--port"),
    (["--scale", "-1"], "population.scale"), (["--scale", "abc"], "population.scale"),
    (["--host", "a b"], "--host"), (["--scenario", "nope"], "nope"), (["--bogus"], "--bogus"),
])
def test_dashboard_rejects_bad_flags_in_one_line(flags, key):
    result = CliRunner().invoke(app, ["dashboard", *flags])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and key in lines[0], result.output


def test_a_sweep_spec_may_name_a_scenario_file_next_to_it(tmp_path):
    from experiments.sweep_spec import read_spec, spec_base

    (tmp_path / "mine.toml").write_text(CUSTOM_LAYOUT, encoding="utf-8")
    spec = tmp_path / "spec.toml"
    spec.write_text('name = "s"\ndescription = "d"\nscenario = "mine.toml"\nsteps = 2\n\n'
                    '[factors.controls]\nkeys = ["jurisdictions.Haven.capital_controls"]\nvalues = [0.0, 0.5]\n',
                    encoding="utf-8")
    assert set(spec_base(read_spec(spec))["jurisdictions"]) == {"Home", "Haven", "Rival"}
