"""Scenario files, ``--set`` parsing, merging and one-line parameter errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from experiments import scenarios
from experiments.scenarios import (
    ParameterError,
    list_scenarios,
    load_scenario,
    nest,
    parse_set,
    parse_value,
    resolve_parameters,
    scenario_names,
)
from model.parameters import Parameters, month_index

SHIPPED = ["baseline", "big-whoosh", "captured", "carry-closed", "open-door", "robot-wave", "tournament"]
HORIZON = 120


@pytest.fixture
def scenario_dir(tmp_path, monkeypatch):
    """An empty scenario directory in place of the shipped one."""
    monkeypatch.setattr(scenarios, "SCENARIO_DIR", tmp_path)
    return tmp_path


def write_scenario(directory: Path, name: str, body: str) -> None:
    (directory / f"{name}.toml").write_text(body, encoding="utf-8")


# --------------------------------------------------------------------------- shipped scenarios


def test_the_shipped_scenarios_have_descriptions():
    assert scenario_names() == SHIPPED
    for name, description in list_scenarios():
        assert len(description) > 40, name


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_resolves(name):
    params = resolve_parameters(name, [])
    assert isinstance(params, Parameters)
    assert isinstance(load_scenario(name), dict)


def test_baseline_is_the_defaults():
    assert resolve_parameters("baseline", []) == Parameters()
    assert resolve_parameters(None, []) == Parameters()


def test_robot_wave_technology_is_shared_by_big_whoosh_and_open_door():
    wave = resolve_parameters("robot-wave", []).technology
    assert wave != Parameters().technology
    assert resolve_parameters("big-whoosh", []).technology == wave
    assert resolve_parameters("open-door", []).technology == wave


def test_big_whoosh_switches_the_responses_on_and_schedules_nothing():
    params = resolve_parameters("big-whoosh", [])
    assert params.government.populist_response and params.government.lockin_response
    for name, place in params.jurisdictions.items():
        default = Parameters().jurisdictions[name]
        assert place.cbdc_start == default.cbdc_start
        for lever in ("capital_controls", "cbdc_surveillance", "robot_tax", "carry_tax"):
            assert not getattr(place, lever).changes, (name, lever)


def test_captured_has_no_populist_turn_no_lock_in_and_redistributes():
    params = resolve_parameters("captured", [])
    assert params.technology == resolve_parameters("robot-wave", []).technology
    assert not params.government.populist_response and not params.government.lockin_response
    assert params.politics.takeover_populism == 0.0 and params.politics.takeover_violence == 0.0
    assert all(place.replacement_rate == 0.70 for place in params.jurisdictions.values())


def test_open_door_has_no_cbdc_and_no_controls_anywhere():
    params = resolve_parameters("open-door", [])
    end = month_index(params.start) + HORIZON
    for place in params.jurisdictions.values():
        assert month_index(place.cbdc_start) > end
        assert place.cbdc_surveillance.values() == [0.0]
        assert place.capital_controls.values() == [0.0]


def test_carry_closed_taxes_carry_as_top_income():
    for place in resolve_parameters("carry-closed", []).jurisdictions.values():
        assert place.carry_tax.values() == [place.top_income_tax]


def test_tournament_puts_most_us_capital_in_tournaments():
    mix = resolve_parameters("tournament", []).jurisdictions["US"].allocator_mix
    assert mix[2] > 0.5 and mix[2] == max(mix)


# --------------------------------------------------------------------------- --set


def test_parse_set_builds_nested_overrides():
    overrides = parse_set([
        "talent.home_bias=2.5",
        "jurisdictions.US.robot_tax=0.3",
        'jurisdictions.US.capital_controls=[{at="2027-01", value=0.8, announce_months=12}]',
        "start=2025-06",
    ])
    assert overrides == {
        "talent": {"home_bias": 2.5},
        "jurisdictions": {"US": {
            "robot_tax": 0.3,
            "capital_controls": [{"at": "2027-01", "value": 0.8, "announce_months": 12}],
        }},
        "start": "2025-06",
    }


def test_parse_set_and_nest_merge_dotted_keys_alike():
    sets = ["talent.home_bias=1", "jurisdictions.US={robot_tax = 0.1}", "jurisdictions.US.robot_tax=0.3",
            "jurisdictions.US.capital_controls=0.5", " talent.home_bias = 2 "]
    assert parse_set(sets) == nest({"talent.home_bias": 2, "jurisdictions.US": {"robot_tax": 0.1},
                                     "jurisdictions.US.robot_tax": 0.3, "jurisdictions.US.capital_controls": 0.5}) == {
        "talent": {"home_bias": 2}, "jurisdictions": {"US": {"robot_tax": 0.3, "capital_controls": 0.5}},
    }


@pytest.mark.parametrize(("text", "value"), [
    ("2.5", 2.5), ("3", 3), ("true", True), ("[0.2, 0.8]", [0.2, 0.8]),
    ('"quoted"', "quoted"), ("2025-06", "2025-06"), ("bare words", "bare words"),
])
def test_parse_value_reads_toml_or_falls_back_to_a_string(text, value):
    assert parse_value(text) == value


def test_sets_win_over_the_scenario_and_later_sets_win():
    params = resolve_parameters("robot-wave", ["technology.humanoid_speed=0.2"])
    assert params.technology.humanoid_speed == 0.2
    assert params.technology.humanoid_midpoint == "2027-07"
    assert resolve_parameters(None, ["talent.home_bias=1", "talent.home_bias=2"]).talent.home_bias == 2


def test_lever_list_keeps_the_prior_initial():
    prior = Parameters().jurisdictions["China"].capital_controls.initial
    lever = resolve_parameters(None, [
        'jurisdictions.China.capital_controls=[{at="2027-01", value=0.9, announce_months=12}]',
    ]).jurisdictions["China"].capital_controls
    assert lever.initial == prior
    assert [(c.at, c.value, c.announce_months) for c in lever.changes] == [("2027-01", 0.9, 12)]


def test_lever_number_replaces_the_path_with_a_constant():
    lever = resolve_parameters("big-whoosh", ["jurisdictions.US.capital_controls=0.3"]).jurisdictions["US"].capital_controls
    assert lever.initial == 0.3 and lever.changes == []


def test_lever_initial_can_be_set_after_a_list():
    lever = resolve_parameters(None, [
        'jurisdictions.US.robot_tax=[{at="2028-01", value=1.0}]',
        "jurisdictions.US.robot_tax.initial=0.5",
    ]).jurisdictions["US"].robot_tax
    assert lever.values() == [0.5, 1.0]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("setting", "message"), [
    ("talent.home_biass=2", "talent.home_biass: unknown parameter; allowed keys under talent: "),
    ("foo=1", "foo: unknown parameter; allowed top-level keys: start, home,"),
    ("jurisdictions.Us.robot_tax=0.1", "jurisdictions.Us: unknown name; allowed keys under jurisdictions: US, China,"),
    ("sectors.farming.robot_share=0.1", "sectors.farming: unknown name; allowed keys under sectors: food_service,"),
    ("jurisdictions.US.robot_tax=9.0", "jurisdictions.US.robot_tax: value 9.0 is out of range; allowed -0.9 to 5.0"),
    ('jurisdictions.US.capital_controls=[{at="2027-01", value=1.5}]',
     "jurisdictions.US.capital_controls: value 1.5 is out of range; allowed 0.0 to 1.0"),
    ('jurisdictions.US.capital_controls=[{at="2027-13", value=0.5}]',
     "jurisdictions.US.capital_controls[0].at: value '2027-13' is invalid; allowed a month as 'YYYY-MM'"),
    ("jurisdictions.US.capital_controls=tight", "jurisdictions.US.capital_controls: value 'tight' has the wrong type; allowed a number from 0.0 to 1.0"),
    ("talent.home_bias=99", "talent.home_bias: value 99 is out of range; allowed 0.0 to 20.0"),
    ("talent.home_bias=abc", "talent.home_bias: value 'abc' has the wrong type; allowed a number from 0.0 to 20.0"),
    ("talent.home_bias=true", "talent.home_bias: value true has the wrong type; allowed a number from 0.0 to 20.0"),
    ("talent.anticipation_horizon=2.5", "talent.anticipation_horizon: value 2.5 has the wrong type; allowed an integer from 1 to 120"),
    ("government.lockin_response=yes", "government.lockin_response: value 'yes' has the wrong type; allowed true or false"),
    ("start=2025-13", "start: value '2025-13' is invalid; allowed a month as 'YYYY-MM'"),
    ("jurisdictions.US.skill_mix=[0.5, 0.5, 0.5]", "jurisdictions.US.skill_mix: value [0.5, 0.5, 0.5] is invalid; allowed 3 non-negative shares"),
    ("home=Atlantis", "home 'Atlantis' is not one of the jurisdictions"),
    ('jurisdictions.US.capital_controls=[{at="2024-12", value=0.5}]',
     "jurisdictions.US.capital_controls[0].at: value '2024-12' is before the start 2025-01; allowed a month from 2025-01"),
    ("talent.home_bias", "--set 'talent.home_bias': expected key=value"),
])
def test_bad_settings_give_one_line_naming_key_value_and_allowed(setting, message):
    with pytest.raises(ParameterError) as caught:
        resolve_parameters(None, [setting])
    text = str(caught.value)
    assert text.startswith(message)
    assert "\n" not in text


def test_lever_changes_from_the_start_on_are_allowed_even_past_any_horizon():
    params = resolve_parameters("baseline", ['jurisdictions.US.capital_controls=[{at="2025-01", value=0.3}, '
                                             '{at="2525-01", value=0.6}]'])
    assert params.jurisdictions["US"].capital_controls.values() == [0.0, 0.3, 0.6]


def test_moving_the_start_past_a_scenario_change_names_that_change():
    with pytest.raises(ParameterError) as caught:
        resolve_parameters("big-whoosh", ['start="2026-07"', 'jurisdictions.US.robot_tax=[{at="2026-06", value=0.5}]'])
    assert str(caught.value) == ("jurisdictions.US.robot_tax[0].at: value '2026-06' is before the start "
                                 "2026-07; allowed a month from 2026-07")


def test_unknown_scenario_lists_the_available_ones():
    with pytest.raises(ParameterError, match=r"^unknown scenario 'nope'; available: baseline, big-whoosh, "):
        resolve_parameters("nope", [])


@pytest.mark.parametrize(("body", "message"), [
    ('name = "broken"\ndescription = "x"\n[parameters\n', "scenario 'broken': malformed TOML in broken.toml: "),
    ('name = "broken"\n', "scenario 'broken': description: missing; allowed a non-empty string"),
    ('description = "x"\n', "scenario 'broken': name: missing; allowed 'broken'"),
    ('name = "broken"\ndescription = "  "\n', "scenario 'broken': description: value '  ' is empty or not a string; allowed a non-empty string"),
    ('name = "other"\ndescription = "x"\n', "scenario 'broken': name: value 'other' does not match the file name; allowed 'broken'"),
    ('name = "broken"\ndescription = "x"\nbase = "baseline"\n',
     "scenario 'broken': base: unknown key; allowed top-level keys: name, description, replace_jurisdictions, parameters"),
    ('name = "broken"\ndescription = "x"\n[parameters.talent]\nhome_biass = 2.0\n',
     "scenario 'broken': talent.home_biass: unknown parameter; allowed keys under talent: "),
    ('name = "broken"\ndescription = "x"\n[parameters.jurisdictions.US]\nrobot_tax = 9.0\n',
     "jurisdictions.US.robot_tax: value 9.0 is out of range; allowed -0.9 to 5.0"),
])
def test_bad_scenario_files_give_one_line(scenario_dir, body, message):
    write_scenario(scenario_dir, "broken", body)
    with pytest.raises(ParameterError) as caught:
        resolve_parameters("broken", [])
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_replace_jurisdictions_defines_a_new_world(scenario_dir):
    write_scenario(scenario_dir, "two", """
name = "two"
description = "A home and a haven."
replace_jurisdictions = true

[parameters]
home = "Home"

[parameters.jurisdictions.Home]
talent_share = 1.0
capital_controls = [{ at = "2026-01", value = 0.4 }]

[parameters.jurisdictions.Haven]
haven = true
talent_share = 0.0
""")
    params = resolve_parameters("two", [])
    assert list(params.jurisdictions) == ["Home", "Haven"]
    assert params.jurisdictions["Haven"].haven
    assert params.jurisdictions["Home"].capital_controls.values() == [0.0, 0.4]
    with pytest.raises(ParameterError, match=r"^jurisdictions\.US: unknown name; allowed keys under jurisdictions: Home, Haven$"):
        resolve_parameters("two", ["jurisdictions.US.robot_tax=0.1"])


def test_a_broken_scenario_file_is_reported_when_listing(scenario_dir):
    shutil.copy(Path(scenarios.__file__).parent / "scenarios" / "baseline.toml", scenario_dir)
    write_scenario(scenario_dir, "broken", "name = ")
    assert scenario_names() == ["baseline", "broken"]
    with pytest.raises(ParameterError, match=r"^scenario 'broken': malformed TOML"):
        list_scenarios()


def test_a_scenario_file_anywhere_can_be_read_and_run(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('name = "anything"\ndescription = "a file outside the shipped folder"\n\n'
                    '[parameters.talent]\nhome_bias = 1.5\n', encoding="utf-8")
    assert resolve_parameters(str(path), []).talent.home_bias == 1.5


@pytest.mark.parametrize("content, expected", [
    (None, "no such file"),
    (b"\xff\xfe not utf-8", "not UTF-8"),
    (b'name = 3\ndescription = "d"\n', "name"),
    (b'description = "d"\n', "name: missing"),
])
def test_a_bad_scenario_file_is_one_line(tmp_path, content, expected):
    path = tmp_path / "bad.toml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ParameterError) as error:
        resolve_parameters(str(path), [])
    message = str(error.value)
    assert expected in message and "\n" not in message
