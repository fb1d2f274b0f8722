"""Sweep specs: refusals (one line naming key, value and what is allowed), the spec hash, run counts and the
size budget (experiments/budget.py). Nothing here runs a model; the file takes a few seconds.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from experiments import budget
from experiments.budget import (BUDGET_AGENT_MONTHS, MAX_RUNS, WorkEstimate, agents_of, check_memory, check_run_size,
                                check_sweep_size, memory_of, work_of)
from experiments.scenarios import ParameterError, resolve_parameters
from experiments.sweep_spec import (BOOKKEEPING_COLUMNS, SWEEPS_DIR, read_spec, reserved_columns, run_count,
                                    run_table)
from tests.conftest import refusal, write

GiB = 2**30

CONTROLS = '[factors.controls]\nkeys = ["jurisdictions.US.capital_controls"]\nvalues = [0.0, 0.5]\n'
HOME_BIAS = '[factors.home_bias]\nkeys = ["talent.home_bias"]\nvalues = [1.0, 3.0]\n'


def spec_toml(*, name: str = "tiny", factors: str = CONTROLS + HOME_BIAS, scenario: str = '"baseline"',
              design: str = "grid", samples: int = 4, replicates: int = 2, steps: int = 8, sets: str = "",
              metrics: str = "") -> str:
    return (f'name = "{name}"\ndescription = "spec tests"\nscenario = {scenario}\nsteps = {steps}\n'
            f'replicates = {replicates}\nseed = 5\ndesign = "{design}"\nsamples = {samples}\n\n'
            f'[set]\n"population.scale" = 0.05\n{sets}\n{factors}\n{metrics}')



# --------------------------------------------------------------------------- refusals


def factor(name: str, key: str = "talent.home_bias", values: str = "[1.0, 3.0]") -> str:
    return f'[factors.{name}]\nkeys = ["{key}"]\nvalues = {values}\n'


BAD = {
    # name: a plain folder name
    "name with ..": (spec_toml(name="../x"), ["name: value", '"../x"', "allowed a plain name"]),
    "name with a slash": (spec_toml(name="x/y"), ["name: value", '"x/y"', "allowed a plain name"]),
    "name with a backslash": (spec_toml(name="x\\\\y"), ["name: value", "allowed a plain name"]),
    "name with .. inside": (spec_toml(name="a..b"), ["name: value", '"a..b"', "without '..'"]),
    "name starting with a dot": (spec_toml(name=".hidden"), ["name: value", '".hidden"']),
    "name with a space": (spec_toml(name="my sweep"), ["name: value", '"my sweep"']),
    "name too long": (spec_toml(name="x" * 101), ["name: value", "at most 100 characters"]),
    # factor names: identifiers that are not runs-table columns, distinct ignoring case
    "factor name with a dash": (spec_toml(factors=factor("home-bias")),
                                ["factors.home-bias: value", '"home-bias"', "allowed an ASCII identifier"]),
    "factor name with a dot": (spec_toml(factors=factor('"home.bias"')),
                               ["factors.home.bias: value", '"home.bias"', "allowed an ASCII identifier"]),
    "factor name starting with a digit": (spec_toml(factors=factor('"2x"')), ["factors.2x: value", '"2x"']),
    "factor name not ASCII": (spec_toml(factors=factor('"biäs"')), ["factors.biäs: value", "ASCII identifier"]),
    "factor name status": (spec_toml(factors=factor("status")),
                           ["factors.status: value", '"status"', "runs-table column", "allowed a name other than"]),
    "factor name run_id": (spec_toml(factors=factor("run_id")), ["factors.run_id: value", '"run_id"']),
    "factor name batch": (spec_toml(factors=factor("batch")), ["factors.batch: value", '"batch"']),
    "factor name step": (spec_toml(factors=factor("step")), ["factors.step: value", '"step"']),
    "factor name date": (spec_toml(factors=factor("date")), ["factors.date: value", '"date"']),
    "factor name Seed (case)": (spec_toml(factors=factor("Seed")), ["factors.Seed: value", '"Seed"', "(seed)"]),
    "factor name a headline result": (spec_toml(factors=factor("peak_unemployment_home")),
                                      ["factors.peak_unemployment_home: value", "runs-table column"]),
    "factor name half_outflow_month": (spec_toml(factors=factor("half_outflow_month")),
                                       ["factors.half_outflow_month: value", '"half_outflow_month"']),
    "factor name a default summary column": (spec_toml(factors=factor("unemployment_final")),
                                             ["factors.unemployment_final: value", '"unemployment_final"']),
    "factor name a chosen summary column": (spec_toml(factors=factor("gdp_peak"),
                                                      metrics='[metrics]\nsummary = ["gdp"]\n'),
                                            ["factors.gdp_peak: value", '"gdp_peak"']),
    "factor names equal ignoring case": (spec_toml(factors=factor("bias") + factor("Bias", "talent.beta_anticipation",
                                                                                   "[0.0, 6.0]")),
                                         ["factors.Bias: value", '"Bias"', "factor 'bias' ignoring case"]),
    # keys
    "key in two factors": (spec_toml(factors=factor("a") + factor("b")),
                           ["factors.b.keys: value 'talent.home_bias'", "set by factors.a", "allowed"]),
    "key twice in one factor": (spec_toml(factors='[factors.a]\nkeys = ["talent.home_bias", "talent.home_bias"]\n'
                                                  'values = [1.0]\n'),
                                ["factors.a.keys: value 'talent.home_bias' is listed twice", "allowed"]),
    "key under another factor's key": (
        spec_toml(factors='[factors.us]\nkeys = ["jurisdictions.US"]\nvalues = [{capital_controls = 0.5}]\n'
                  + factor("controls", "jurisdictions.US.capital_controls", "[0.0, 1.0]")),
        ["factors.controls.keys: value 'jurisdictions.US.capital_controls'", "overlaps 'jurisdictions.US'",
         "set by factors.us"]),
    "key above another factor's key": (
        spec_toml(factors=factor("controls", "jurisdictions.US.capital_controls", "[0.0, 1.0]")
                  + '[factors.us]\nkeys = ["jurisdictions.US"]\nvalues = [{capital_controls = 0.5}]\n'),
        ["factors.us.keys: value 'jurisdictions.US'", "overlaps 'jurisdictions.US.capital_controls'",
         "set by factors.controls"]),
    "keys overlapping in one factor": (
        spec_toml(factors='[factors.a]\nkeys = ["talent", "talent.home_bias"]\nvalues = [1.0]\n'),
        ["factors.a.keys: value 'talent.home_bias' overlaps 'talent'"]),
    "factor key fixed in set": (spec_toml(sets='"talent.home_bias" = 2.0\n', factors=factor("bias")),
                                ["factors.bias.keys: value 'talent.home_bias' is also fixed in set", "allowed"]),
    "factor key inside a set table": (spec_toml(sets='"jurisdictions.US" = {capital_controls = 0.5}\n',
                                                factors=factor("c", "jurisdictions.US.capital_controls", "[0.0]")),
                                      ["factors.c.keys: value 'jurisdictions.US.capital_controls'",
                                       "is also fixed in set"]),
    "factor key above a set key": (spec_toml(sets='"population.workers" = 2000\n',
                                             factors='[factors.pop]\nkeys = ["population"]\n'
                                                     'values = [{talent = 100}]\n'),
                                   ["factors.pop.keys: value 'population'", "overlaps 'population.scale'",
                                    "fixed in set"]),
    # scenarios named by the spec
    "unknown scenario name": (spec_toml(scenario='"no-such-scenario"'),
                              ["unknown scenario 'no-such-scenario'", "available: baseline"]),
    "missing scenario file": (spec_toml(scenario='"missing.toml"'),
                              ["scenario '", "missing.toml': no such file", "allowed"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_spec_is_refused_in_one_line_naming_key_and_value(tmp_path, case):
    text, fragments = BAD[case]
    path = write(tmp_path / "spec.toml", text)
    message = refusal(path)
    for fragment in fragments:
        assert fragment in message, message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]


def test_nested_set_keys_that_do_not_overlap_a_factor_are_fine(tmp_path):
    path = write(tmp_path / "spec.toml", spec_toml(sets='population = {workers = 2000}\n', factors=factor("bias")))
    assert read_spec(path).set == {"population.scale": 0.05, "population": {"workers": 2000}}


def test_reserved_columns_cover_the_bookkeeping_and_summary_columns():
    from experiments.analysis import BOOKKEEPING

    reserved = set(reserved_columns(["gdp"]))
    assert set(BOOKKEEPING) <= reserved and {"step", "date"} <= reserved
    assert {"gdp_final", "gdp_mean", "gdp_peak", "peak_unemployment_home", "half_outflow_month",
            "capital_flight_stock", "inflation_mean_world"} <= reserved
    assert not any(name.endswith("_date") for name in reserved)
    assert set(BOOKKEEPING_COLUMNS) <= reserved


def test_a_spec_file_not_in_utf8_is_one_line(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes(spec_toml().replace("spec tests", "sp\xe9c tests").encode("latin-1"))
    message = refusal(path)
    assert "0xe9" in message and "not UTF-8" in message and "allowed a UTF-8 TOML file" in message


def test_a_scenario_file_not_in_utf8_is_one_line(tmp_path):
    (tmp_path / "scen.toml").write_bytes('name = "x"\ndescription = "d\xe9j\xe0"\n'.encode("latin-1"))
    path = write(tmp_path / "spec.toml", spec_toml(scenario='"scen.toml"'))
    message = refusal(path)
    assert "scenario '" in message and "scen.toml" in message and "not UTF-8" in message and "allowed" in message


def test_a_malformed_scenario_file_is_one_line(tmp_path):
    write(tmp_path / "scen.toml", 'name = "x"\ndescription = "d"\n[parameters\n')
    message = refusal(write(tmp_path / "spec.toml", spec_toml(scenario='"scen.toml"')))
    assert "scenario '" in message and "malformed TOML in scen.toml" in message


def test_a_scenario_file_with_an_unknown_parameter_is_one_line(tmp_path):
    write(tmp_path / "scen.toml", 'name = "x"\ndescription = "d"\n[parameters.talent]\nhome_biass = 2.0\n')
    message = refusal(write(tmp_path / "spec.toml", spec_toml(scenario='"scen.toml"')))
    assert "scenario '" in message and "home_biass: unknown parameter" in message


def test_every_shipped_spec_still_loads():
    for path in sorted(SWEEPS_DIR.glob("*.toml")):
        spec = read_spec(path)
        assert run_count(spec) == len(run_table(spec))
        assert work_of(spec).agent_months <= BUDGET_AGENT_MONTHS


# --------------------------------------------------------------------------- the hash


def test_reordered_factors_change_the_hash_and_the_run_table(tmp_path):
    one = read_spec(write(tmp_path / "one.toml", spec_toml(factors=CONTROLS + HOME_BIAS)))
    two = read_spec(write(tmp_path / "two.toml", spec_toml(factors=HOME_BIAS + CONTROLS)))
    a, b = run_table(one), run_table(two)
    # run 2 is design point 1: another point of the grid once the factors are swapped
    assert (a.loc[2, "controls"], a.loc[2, "home_bias"]) != (b.loc[2, "controls"], b.loc[2, "home_bias"])
    assert one.hash() != two.hash()
    assert len(one.hash()) == 64 and int(one.hash(), 16) >= 0


def test_reordered_set_keys_keep_the_hash(tmp_path):
    one = read_spec(write(tmp_path / "one.toml", spec_toml(sets='"talent.beta_anticipation" = 6.0\n')))
    text = spec_toml().replace('[set]\n"population.scale" = 0.05\n',
                               '[set]\n"talent.beta_anticipation" = 6.0\n"population.scale" = 0.05\n')
    two = read_spec(write(tmp_path / "two.toml", text))
    assert list(one.set) != list(two.set) and one.hash() == two.hash()


SCENARIO = 'name = "mine"\ndescription = "a scenario file"\n[parameters.talent]\nhome_bias = {bias}\n'


def test_the_hash_covers_the_scenario_file_contents_not_its_path(tmp_path, monkeypatch):
    folder = tmp_path / "specs"
    write(folder / "scen.toml", SCENARIO.format(bias=2.0))
    path = write(folder / "spec.toml", spec_toml(scenario='"scen.toml"', factors=CONTROLS))
    first = read_spec(path).hash()
    # the same files reached from other working directories, by relative paths
    monkeypatch.chdir(tmp_path)
    assert read_spec(Path("specs/spec.toml")).hash() == first
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    spec = read_spec(Path("../specs/spec.toml"))
    assert spec.scenario != read_spec(path).scenario and spec.hash() == first
    # a copy of both files in another folder: the same spec
    shutil.copytree(folder, tmp_path / "copy")
    assert read_spec(tmp_path / "copy" / "spec.toml").hash() == first
    # an edited scenario file changes the hash
    write(folder / "scen.toml", SCENARIO.format(bias=3.0))
    assert read_spec(path).hash() != first


def test_the_hash_differs_between_shipped_scenarios(tmp_path):
    base = read_spec(write(tmp_path / "a.toml", spec_toml(scenario='"baseline"'))).hash()
    wave = read_spec(write(tmp_path / "b.toml", spec_toml(scenario='"robot-wave"'))).hash()
    assert base != wave


# --------------------------------------------------------------------------- run counts


RANGES = ('[factors.controls]\nkeys = ["jurisdictions.US.capital_controls"]\nmin = 0.0\nmax = 1.0\n'
          '[factors.home_bias]\nkeys = ["talent.home_bias"]\nmin = 1.0\nmax = 3.0\n'
          '[factors.beta]\nkeys = ["talent.beta_anticipation"]\nmin = 0.0\nmax = 12.0\n')


@pytest.mark.parametrize("design, samples, expected", [
    ("grid", 4, 2 * 3 * 2), ("lhs", 5, 5 * 2), ("sobol", 4, 4 * (2 * 3 + 2) * 2), ("morris", 3, 3 * (3 + 1) * 2),
])
def test_run_count_is_the_length_of_the_run_table(tmp_path, design, samples, expected):
    factors = CONTROLS + factor("bias", values="[1.0, 2.0, 3.0]") if design == "grid" else RANGES
    spec = read_spec(write(tmp_path / "spec.toml", spec_toml(design=design, samples=samples, factors=factors)))
    assert run_count(spec) == len(run_table(spec)) == expected


# --------------------------------------------------------------------------- the size budget


def huge_grid() -> str:
    """4 factors × 1,000 values each: 10^12 design points."""
    keys = ["jurisdictions.US.capital_controls", "jurisdictions.US.cbdc_surveillance",
            "jurisdictions.US.crypto_access", "jurisdictions.US.carry_tax"]
    values = "[" + ", ".join(f"{i / 1000:.3f}" for i in range(1000)) + "]"
    return "".join(factor(f"f{i}", key, values) for i, key in enumerate(keys))


def test_a_huge_grid_is_refused_before_anything_is_built(tmp_path):
    path = write(tmp_path / "huge.toml", spec_toml(factors=huge_grid(), replicates=1))
    started = time.perf_counter()
    for allow_large in (False, True):       # the run table's cap holds also with allow_large
        message = refusal(path, allow_large=allow_large)
        assert "runs: value 1,000,000,000,000 runs (design grid, replicates 1)" in message
        assert f"allowed at most {MAX_RUNS:,} runs" in message
    print(f"huge grid refused twice in {time.perf_counter() - started:.2f} s")


def test_a_huge_sobol_design_is_refused_and_allowed_with_allow_large(tmp_path):
    path = write(tmp_path / "sobol.toml", spec_toml(design="sobol", samples=2**19, replicates=1, steps=120,
                                                    factors=RANGES))
    message = refusal(path)
    runs = 2**19 * 8
    assert f"{runs:,} runs × (48 burn-in + 120) months × 20,500 agents" in message
    spec = read_spec(path, allow_large=True)       # builds nothing: only the range ends are checked
    assert run_count(spec) == runs


def test_a_moderately_large_grid_is_refused_then_allowed_with_allow_large(tmp_path):
    values = "[" + ", ".join(f"{i / 100:.2f}" for i in range(100)) + "]"
    factors = factor("controls", "jurisdictions.US.capital_controls", values) + factor("bias")
    path = write(tmp_path / "big.toml", spec_toml(factors=factors, replicates=500, steps=120)
                 .replace('"population.scale" = 0.05', '"population.scale" = 1.0'))
    work = work_of(read_spec(path, allow_large=True))
    assert (work.runs, work.steps, work.burn_in, work.agents) == (100_000, 120, 48, 30_000)
    assert work.agent_months == 100_000 * 168 * 30_000 > BUDGET_AGENT_MONTHS
    message = refusal(path)
    assert f"{work.agent_months:.3g} agent-months" in message and "fewer runs/steps or a smaller scale" in message


def test_the_largest_scale_of_any_factor_counts(tmp_path):
    factors = factor("scale", "population.scale", "[0.05, 50.0]") + factor("bias")
    spec = read_spec(write(tmp_path / "s.toml", spec_toml(factors=factors).replace('"population.scale" = 0.05\n', "")))
    work = work_of(spec)
    assert work.agents == agents_of(resolve_parameters("baseline", ["population.scale=50.0"])) == 500_000 + 100_000
    assert work.memory_per_worker == memory_of(600_000, 48 + 8)
    # a population table as a factor value, and min_talent, count too
    factors = ('[factors.pop]\nkeys = ["population"]\nvalues = [{scale = 2.0}, {scale = 4.0, min_talent = 90000}]\n'
               + factor("bias"))
    spec = read_spec(write(tmp_path / "t.toml", spec_toml(factors=factors).replace('"population.scale" = 0.05\n', "")))
    assert work_of(spec).agents == 40_000 + 90_000


def test_the_scale_of_a_scenario_file_counts(tmp_path):
    write(tmp_path / "scen.toml", 'name = "big"\ndescription = "d"\n[parameters.population]\nscale = 20.0\n')
    text = spec_toml(scenario='"scen.toml"').replace('"population.scale" = 0.05\n', "")
    assert work_of(read_spec(write(tmp_path / "spec.toml", text))).agents == 200_000 + 40_000


def test_check_sweep_size_returns_the_estimate(tmp_path):
    spec = read_spec(write(tmp_path / "spec.toml", spec_toml()))
    work = check_sweep_size(spec, allow_large=False, label="spec.toml")
    assert isinstance(work, WorkEstimate)
    assert (work.runs, work.agents) == (8, 500 + 20_000)
    assert work.agent_months == 8 * (48 + 8) * 20_500


# --------------------------------------------------------------------------- one run


def test_check_run_size():
    params = resolve_parameters("baseline", ["population.scale=1.0"])
    work = check_run_size(params, 120, allow_large=False)
    assert (work.runs, work.agents, work.agent_months) == (1, 30_000, 168 * 30_000)
    for steps in (0, 1201, 5000):
        with pytest.raises(ParameterError, match=rf"^--steps: value {steps} is out of range; allowed an integer "
                                                 r"from 1 to 1200"):
            check_run_size(params, steps, allow_large=True)
    huge = resolve_parameters("baseline", ["population.scale=200", "population.workers=10000000"])
    with pytest.raises(ParameterError) as info:
        check_run_size(huge, 120, allow_large=False)
    message = str(info.value)
    assert "\n" not in message and message.startswith("--scale/--steps: value ")
    assert "2,000,400,000 agents" in message and "population.scale 200" in message and "--allow-large" in message
    assert check_run_size(huge, 120, allow_large=True).agent_months > BUDGET_AGENT_MONTHS


def test_scale_1000_fits_the_work_budget_but_not_8_gib_of_memory():
    params = resolve_parameters("baseline", ["population.scale=1000"])
    work = check_run_size(params, 120, allow_large=False)
    assert work.agents == 12_000_000 and work.memory_per_worker > 9.6e9
    with pytest.raises(ParameterError) as info:
        check_memory(work.memory_per_worker, 1, available=8 * GiB, flag="--scale")
    message = str(info.value)
    assert message.startswith("--scale: one run needs ≈ 9.") and "not even 1" in message
    assert "8.0 GiB is available" in message and "allowed a smaller population.scale" in message


# --------------------------------------------------------------------------- memory


def test_check_memory_arithmetic():
    assert check_memory(GiB, 8, available=10 * GiB) == 8                  # 80% of 10 GiB: 8 workers of 1 GiB
    assert check_memory(GiB, 1, available=10 * GiB) == 8
    with pytest.raises(ParameterError) as info:
        check_memory(GiB, 9, available=10 * GiB)
    message = str(info.value)
    assert message.startswith("--workers: value 9 workers need ≈ 9.0 GiB (1.0 GiB per worker)")
    assert "10.0 GiB is available (80% usable: 8.0 GiB)" in message and message.endswith("allowed at most 8 workers")
    with pytest.raises(ParameterError, match="allowed at most 1 worker$"):
        check_memory(5 * GiB, 2, available=10 * GiB)
    with pytest.raises(ParameterError, match=r"^--workers: one run needs ≈ 12.0 GiB .* not even 1 of the 2 workers"):
        check_memory(12 * GiB, 2, available=10 * GiB)


def test_check_memory_reads_the_available_memory():
    assert check_memory(1, 1) >= 1
    with pytest.raises(ParameterError, match="not even 1"):
        check_memory(2**60, 1)


def test_memory_estimate_follows_the_fit():
    assert memory_of(0, 0) == budget.BYTES_WORKER_PROCESS + budget.BYTES_MODEL_FIXED
    assert memory_of(1_000_000, 100) - memory_of(0, 100) == 800_000_000
    assert os.path.basename(budget.__file__) == "budget.py"
