"""Sweep specs with named levels (``[factors.<name>.levels]``) and in-run probes (``metrics.probes``): reading,
refusals (one line naming the factor), the run table and each run's overrides, the spec hash (unchanged for
specs without these features, stable through the dump the workers revalidate), the work budget, and one tiny
sweep through the engine with the allocation probe. The file takes about 10 s, half of it the one tiny sweep.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from experiments.budget import agents_of, work_of
from experiments.scenarios import ParameterError, is_scenario_path, merge, nest, resolve_parameters, validate
from experiments.sweep_spec import (SWEEPS_DIR, SweepSpec, _sorted_keys, read_spec, run_count, run_overrides,
                                    run_table, spec_base)
from tests.conftest import refusal, write

REPO = Path(__file__).resolve().parents[1]
OLD_COMMIT = "426ffaa"      # the last commit before levels and probes: specs without them keep its hashes

CONTROLS = '[factors.controls]\nkeys = ["jurisdictions.US.capital_controls"]\nvalues = [0.0, 0.5]\n'
HOME_BIAS = '[factors.home_bias]\nkeys = ["talent.home_bias"]\nvalues = [1.0, 3.0]\n'
ARM = ('[factors.arm.levels]\n'
       '"as is" = {}\n'
       '"no anticipation" = {"talent.beta_anticipation" = 0.0}\n'
       '"closed (half)" = {"jurisdictions.US.capital_controls" = 0.5, "talent.beta_anticipation" = 2.0}\n')
ARM_OVERRIDES = {"as is": {},
                 "no anticipation": {"talent.beta_anticipation": 0.0},
                 "closed (half)": {"jurisdictions.US.capital_controls": 0.5, "talent.beta_anticipation": 2.0}}
VENTURE_MIX, INDEX_MIX = [0.15, 0.80, 0.0, 0.05], [0.90, 0.05, 0.0, 0.05]


def spec_toml(*, name: str = "tiny", factors: str = ARM + HOME_BIAS, scenario: str = '"baseline"',
              design: str = "grid", samples: int = 4, replicates: int = 2, steps: int = 8,
              sets: str = '"population.scale" = 0.05\n', metrics: str = "") -> str:
    return (f'name = "{name}"\ndescription = "level tests"\nscenario = {scenario}\nsteps = {steps}\n'
            f'replicates = {replicates}\nseed = 5\ndesign = "{design}"\nsamples = {samples}\n\n'
            f'[set]\n{sets}\n{factors}\n{metrics}')



def levels(name: str, *rows: str) -> str:
    """A levels factor in the sub-table form: one ``"<level>" = {...}`` line per row."""
    return f"[factors.{name}.levels]\n" + "".join(f"{row}\n" for row in rows)


# --------------------------------------------------------------------------- reading


def test_a_spec_with_levels_reads_names_keys_and_overrides(tmp_path):
    spec = read_spec(write(tmp_path / "spec.toml", spec_toml()))
    arm = spec.factors["arm"]
    assert arm.values == ["as is", "no anticipation", "closed (half)"]           # the file's order
    assert arm.keys == ["jurisdictions.US.capital_controls", "talent.beta_anticipation"]   # sorted union
    for name, overrides in ARM_OVERRIDES.items():
        assert arm.overrides(name) == overrides
    # overrides is a copy: changing it does not change the spec
    arm.overrides("no anticipation")["talent.beta_anticipation"] = 9.0
    assert arm.overrides("no anticipation") == {"talent.beta_anticipation": 0.0}
    with pytest.raises(KeyError):
        arm.overrides("no such level")
    # a plain factor beside it is unchanged
    assert spec.factors["home_bias"].levels is None
    assert spec.factors["home_bias"].overrides(3.0) == {"talent.home_bias": 3.0}
    assert run_count(spec) == 3 * 2 * 2


def test_the_inline_form_and_explicit_matching_keys_and_values_read_the_same(tmp_path):
    one = read_spec(write(tmp_path / "one.toml", spec_toml()))
    inline = ('[factors.arm]\nlevels."as is" = {}\n'
              'levels."no anticipation" = {"talent.beta_anticipation" = 0.0}\n'
              'levels."closed (half)" = {"jurisdictions.US.capital_controls" = 0.5, '
              '"talent.beta_anticipation" = 2.0}\n')
    two = read_spec(write(tmp_path / "two.toml", spec_toml(factors=inline + HOME_BIAS)))
    explicit = (ARM.replace("[factors.arm.levels]\n", "[factors.arm]\n"
                            'keys = ["jurisdictions.US.capital_controls", "talent.beta_anticipation"]\n'
                            'values = ["as is", "no anticipation", "closed (half)"]\n'
                            "[factors.arm.levels]\n"))
    three = read_spec(write(tmp_path / "three.toml", spec_toml(factors=explicit + HOME_BIAS)))
    assert one == two == three
    assert one.hash() == two.hash() == three.hash()


def test_nested_keys_inside_a_level_are_flattened_to_dotted_keys(tmp_path):
    factors = levels("arm",
                     '"as is" = {}',
                     'dotted = {talent.beta_anticipation = 0.0, jurisdictions.US.capital_controls = 0.5}',
                     'tables = {talent = {beta_anticipation = 2.0}, "jurisdictions.US" = {capital_controls = 1.0}}')
    factors += ('[factors.arm.levels.subtable]\ntalent.beta_anticipation = 4.0\n'
                '[factors.arm.levels.subtable.jurisdictions.US]\ncapital_controls = 0.25\n')
    spec = read_spec(write(tmp_path / "spec.toml", spec_toml(factors=factors + HOME_BIAS)))
    arm = spec.factors["arm"]
    assert arm.values == ["as is", "dotted", "tables", "subtable"]
    assert arm.keys == ["jurisdictions.US.capital_controls", "talent.beta_anticipation"]
    assert arm.overrides("dotted") == {"talent.beta_anticipation": 0.0, "jurisdictions.US.capital_controls": 0.5}
    assert arm.overrides("tables") == {"talent.beta_anticipation": 2.0, "jurisdictions.US.capital_controls": 1.0}
    assert arm.overrides("subtable") == {"talent.beta_anticipation": 4.0, "jurisdictions.US.capital_controls": 0.25}
    for level in arm.values:
        assert all(not isinstance(value, dict) for value in arm.overrides(level).values())


def test_a_list_valued_parameter_stays_one_key(tmp_path):
    factors = levels("regime", f'venture = {{"jurisdictions.US.allocator_mix" = {VENTURE_MIX}}}',
                     f'index = {{jurisdictions.US.allocator_mix = {INDEX_MIX}}}')
    spec = read_spec(write(tmp_path / "spec.toml", spec_toml(factors=factors)))
    regime = spec.factors["regime"]
    assert regime.keys == ["jurisdictions.US.allocator_mix"]
    assert regime.overrides("index") == {"jurisdictions.US.allocator_mix": INDEX_MIX}


# --------------------------------------------------------------------------- the run table


def test_run_table_of_levels_by_values_names_the_levels_and_each_run_gets_its_overrides(tmp_path):
    factors = ARM.replace('"talent.beta_anticipation" = 0.0', '"talent.beta_anticipation" = 0') + HOME_BIAS
    spec = read_spec(write(tmp_path / "spec.toml", spec_toml(factors=factors, replicates=2)))
    table = run_table(spec)
    assert len(table) == run_count(spec) == 12
    assert list(table["arm"]) == [level for level in ARM_OVERRIDES for _ in range(2 * 2)]
    assert list(table["home_bias"]) == [1.0, 1.0, 3.0, 3.0] * 3
    base = spec_base(spec)
    for row in table.to_dict("records"):
        overrides = run_overrides(spec, row, base)
        assert overrides == {**ARM_OVERRIDES[row["arm"]], "talent.home_bias": row["home_bias"]}
        # an integer in a level is widened for a float parameter (validation is strict)
        assert all(type(value) is float for value in overrides.values())
    # the same rows as the workers see them: through JSON
    row = json.loads(table.iloc[[6]].to_json(orient="records"))[0]
    assert run_overrides(spec, row, base) == {"talent.beta_anticipation": 0.0, "talent.home_bias": 3.0}


def test_a_levels_factor_is_refused_in_a_sampled_design(tmp_path):
    ranges = '[factors.home_bias]\nkeys = ["talent.home_bias"]\nmin = 1.0\nmax = 3.0\n'
    message = refusal(write(tmp_path / "spec.toml", spec_toml(design="lhs", factors=ARM + ranges)))
    assert "factors.arm" in message and "lhs design needs min and max" in message


# --------------------------------------------------------------------------- refusals


BAD_LEVELS = {
    "empty levels": ("[factors.arm]\nlevels = {}\n", ["levels must not be empty"]),
    "no level sets a key": (levels("arm", '"as is" = {}', '"also as is" = {}'),
                            ["no level sets any parameter", "allowed"]),
    "a name with a slash": (levels("arm", '"a/b" = {"talent.beta_anticipation" = 0.0}'),
                            ['name "a/b" is not a plain label', "allowed"]),
    "a name starting with a space": (levels("arm", '" a" = {"talent.beta_anticipation" = 0.0}'),
                                     ['name " a"', "not a plain label"]),
    "an empty name": (levels("arm", '"" = {"talent.beta_anticipation" = 0.0}'), ['name ""', "not a plain label"]),
    "a name of 61 characters": (levels("arm", f'"{"x" * 61}" = {{"talent.beta_anticipation" = 0.0}}'),
                                ["not a plain label", "1 to 60"]),
    "a name with a newline": (levels("arm", '"a\\nb" = {"talent.beta_anticipation" = 0.0}'),
                              ['name "a\\nb"', "not a plain label"]),
    "a name not ASCII": (levels("arm", '"café" = {"talent.beta_anticipation" = 0.0}'), ["not a plain label"]),
    "keys other than the levels'": ('[factors.arm]\nkeys = ["talent.home_bias"]\n'
                                    + levels("arm", 'a = {"talent.beta_anticipation" = 0.0}'),
                                    ["sets its keys and values from the levels"]),
    "keys in another order": ('[factors.arm]\nkeys = ["talent.home_bias", "talent.beta_anticipation"]\n'
                              + levels("arm", 'a = {"talent.beta_anticipation" = 0.0, "talent.home_bias" = 2.0}'),
                              ["sets its keys and values from the levels"]),
    "values other than the names": ('[factors.arm]\nvalues = [0.0, 1.0]\n'
                                    + levels("arm", 'a = {"talent.beta_anticipation" = 0.0}'),
                                    ["sets its keys and values from the levels"]),
    "names in another order": ('[factors.arm]\nvalues = ["b", "a"]\n'
                               + levels("arm", 'a = {"talent.beta_anticipation" = 0.0}',
                                        'b = {"talent.beta_anticipation" = 1.0}'),
                               ["sets its keys and values from the levels"]),
    "empty values": ('[factors.arm]\nvalues = []\n' + levels("arm", 'a = {"talent.beta_anticipation" = 0.0}'),
                     ["sets its keys and values from the levels"]),
    "min and max": ('[factors.arm]\nmin = 0.0\nmax = 1.0\n' + levels("arm", 'a = {"talent.beta_anticipation" = 0.0}'),
                    ["takes no min, max, at or announce_months"]),
    "only max": ('[factors.arm]\nmax = 1.0\n' + levels("arm", 'a = {"talent.beta_anticipation" = 0.0}'),
                 ["takes no min, max, at or announce_months"]),
    "at": ('[factors.arm]\nat = "2027-01"\n' + levels("arm", 'a = {"talent.beta_anticipation" = 0.0}'),
           ["takes no min, max, at or announce_months"]),
    "a level that is not a table": ("[factors.arm]\nlevels = {a = 1.0}\n", ["factors.arm.levels.a", "dictionary"]),
    "no keys, no levels": ("[factors.arm]\nvalues = [1.0]\n", ["keys", "at least one parameter key"]),
}


@pytest.mark.parametrize("case", list(BAD_LEVELS))
def test_a_bad_levels_factor_is_refused_in_one_line_naming_the_factor(tmp_path, case):
    factors, fragments = BAD_LEVELS[case]
    path = write(tmp_path / "spec.toml", spec_toml(factors=factors + HOME_BIAS))
    message = refusal(path)
    assert "factors.arm" in message, message
    for fragment in fragments:
        assert fragment in message, message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]


BAD_VALUES = {
    "a value out of range": ('"no anticipation" = {"talent.beta_anticipation" = -5.0}', ["beta_anticipation", "-5"]),
    "an unknown parameter": ('"typo" = {"talent.beta_anticipashun" = 1.0}', ["beta_anticipashun"]),
    "an unknown block": ('"typo" = {"talnet.beta_anticipation" = 1.0}', ["talnet"]),
    "a value of the wrong type": ('"words" = {"talent.beta_anticipation" = "high"}', ["beta_anticipation", "high"]),
    "an unknown jurisdiction": ('"mars" = {"jurisdictions.MARS.capital_controls" = 0.5}', ["MARS"]),
}


@pytest.mark.parametrize("case", list(BAD_VALUES))
def test_a_level_with_an_invalid_parameter_is_refused_naming_the_factor(tmp_path, case):
    row, fragments = BAD_VALUES[case]
    factors = levels("arm", '"as is" = {}', row) + HOME_BIAS
    message = refusal(write(tmp_path / "spec.toml", spec_toml(factors=factors)))
    assert "factors.arm: " in message, message
    for fragment in fragments:
        assert fragment in message, message


def test_only_the_bad_level_is_refused_the_others_build(tmp_path):
    """check_spec builds every level: a bad last level is found, and good ones pass."""
    good = levels("arm", *(f'"b{i}" = {{"talent.beta_anticipation" = {float(i)}}}' for i in range(5)))
    assert read_spec(write(tmp_path / "good.toml", spec_toml(factors=good))).factors["arm"].values[-1] == "b4"
    bad = good + '"b5" = {"talent.beta_anticipation" = -1.0}\n'
    assert "factors.arm: " in refusal(write(tmp_path / "bad.toml", spec_toml(factors=bad)))


OVERLAPS = {
    "a levels factor and a values factor": (
        levels("arm", 'a = {"talent.home_bias" = 2.0}') + HOME_BIAS,
        ["factors.home_bias.keys: value 'talent.home_bias'", "set by factors.arm"]),
    "a values factor and a levels factor": (
        HOME_BIAS + levels("arm", 'a = {"talent.home_bias" = 2.0}'),
        ["factors.arm.keys: value 'talent.home_bias'", "set by factors.home_bias"]),
    "two levels factors": (
        levels("one", 'a = {"talent.beta_anticipation" = 0.0}')
        + levels("two", 'b = {"talent.home_bias" = 2.0}', 'c = {"talent.beta_anticipation" = 1.0}'),
        ["factors.two.keys: value 'talent.beta_anticipation'", "set by factors.one"]),
    "a level key under another factor's key": (
        '[factors.us]\nkeys = ["jurisdictions.US"]\nvalues = [{capital_controls = 0.5}]\n'
        + levels("arm", 'a = {jurisdictions.US.capital_controls = 1.0}'),
        ["factors.arm.keys: value 'jurisdictions.US.capital_controls'", "overlaps 'jurisdictions.US'",
         "set by factors.us"]),
    "a level key fixed in set": (
        levels("arm", 'a = {population = {scale = 0.1}}'),
        ["factors.arm.keys: value 'population.scale' is also fixed in set"]),
}


@pytest.mark.parametrize("case", list(OVERLAPS))
def test_a_parameter_set_by_a_level_and_elsewhere_is_refused(tmp_path, case):
    factors, fragments = OVERLAPS[case]
    message = refusal(write(tmp_path / "spec.toml", spec_toml(factors=factors)))
    for fragment in fragments:
        assert fragment in message, message


def test_a_key_set_twice_within_one_level_is_not_silently_dropped(tmp_path):
    """A quoted dotted key and the same key as a nested table are one parameter set twice in one level."""
    factors = levels("arm", 'a = {"talent.home_bias" = 2.0, talent = {home_bias = 3.0}}')
    path = write(tmp_path / "spec.toml", spec_toml(factors=factors))
    try:
        spec = read_spec(path)
    except ParameterError as exc:
        assert "\n" not in str(exc) and "factors.arm" in str(exc)
        return
    pytest.fail(f"level 'a' sets talent.home_bias twice (2.0 and 3.0); _flatten kept only "
                f"{spec.factors['arm'].overrides('a')} without a refusal")


def test_an_unknown_probe_is_refused_in_one_line(tmp_path):
    for probes, shown in (('["allocation", "alocation"]', '"alocation"'), ('["Allocation"]', '"Allocation"')):
        metrics = f"[metrics]\nprobes = {probes}\n"
        message = refusal(write(tmp_path / "spec.toml", spec_toml(metrics=metrics)))
        assert "metrics.probes" in message and shown in message and "allocation" in message, message
    message = refusal(write(tmp_path / "spec.toml", spec_toml(metrics='[metrics]\nprobes = "allocation"\n')))
    assert "metrics.probes" in message
    spec = read_spec(write(tmp_path / "spec.toml", spec_toml(metrics='[metrics]\nprobes = ["allocation"]\n')))
    assert spec.metrics.probes == ["allocation"]


# --------------------------------------------------------------------------- the hash


@pytest.fixture(scope="module")
def old_sweep_spec(tmp_path_factory):
    """experiments/sweep_spec.py as of OLD_COMMIT, imported as a module of its own."""
    try:
        source = subprocess.run(["git", "show", f"{OLD_COMMIT}:experiments/sweep_spec.py"], cwd=REPO,
                                capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"git show {OLD_COMMIT} failed: {exc}")
    path = tmp_path_factory.mktemp("old") / "old_sweep_spec.py"
    path.write_text(source, encoding="utf-8")
    name = "old_sweep_spec_426ffaa"
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module          # pydantic resolves the postponed annotations through sys.modules
    try:
        module_spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(name, None)


def old_hash(module, path: Path) -> str:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    if isinstance(raw.get("scenario"), str) and is_scenario_path(raw["scenario"]):
        raw["scenario"] = str(path.parent / raw["scenario"])
    return module.SweepSpec.model_validate(raw).hash()


def uses_levels_or_probes(path: Path) -> bool:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return ("probes" in raw.get("metrics", {})
            or any("levels" in factor for factor in raw.get("factors", {}).values()))


def test_specs_without_levels_or_probes_keep_the_hash_of_the_old_code(tmp_path, old_sweep_spec):
    write(tmp_path / "scen.toml", 'name = "mine"\ndescription = "d"\n[parameters.talent]\nhome_bias = 2.0\n')
    lever = ('[factors.controls]\nkeys = ["jurisdictions.US.capital_controls"]\nvalues = [0.0, 0.5]\n'
             'at = "2027-01"\nannounce_months = 6\n')
    ranges = '[factors.home_bias]\nkeys = ["talent.home_bias"]\nmin = 1.0\nmax = 3.0\n'
    texts = {
        "grid.toml": spec_toml(factors=CONTROLS + HOME_BIAS),
        "lever.toml": spec_toml(factors=lever + HOME_BIAS, metrics='[metrics]\nseries = ["unemployment"]\n'),
        "lhs.toml": spec_toml(design="lhs", factors=ranges, scenario='"scen.toml"'),
    }
    paths = [write(tmp_path / name, text) for name, text in texts.items()]
    # probes = [] written out is the same spec as no probes (the old code knew no probes key)
    empty = write(tmp_path / "probes-empty.toml", spec_toml(factors=CONTROLS, metrics='[metrics]\nprobes = []\n'))
    none = write(tmp_path / "probes-none.toml", spec_toml(factors=CONTROLS, metrics="[metrics]\n"))
    assert read_spec(empty).hash() == read_spec(none).hash() == old_hash(old_sweep_spec, none)
    shipped = [p for p in sorted(SWEEPS_DIR.glob("*.toml")) if not uses_levels_or_probes(p)]
    assert shipped, "no shipped spec without levels or probes"
    for path in (*paths, *shipped):
        assert read_spec(path).hash() == old_hash(old_sweep_spec, path), path.name


def canonical_text(spec: SweepSpec) -> str:
    """The JSON SweepSpec.hash digests, minus the base scenario (reproduced here to look inside it)."""
    dump = spec.model_dump(mode="json")
    if not dump["metrics"]["probes"]:
        del dump["metrics"]["probes"]
    factors = {name: {k: v for k, v in factor.items() if k != "levels" or v is not None}
               for name, factor in dump.pop("factors").items()}
    return json.dumps({"spec": _sorted_keys(dump), "factors": [[n, _sorted_keys(f)] for n, f in factors.items()]})


def test_the_canonical_json_names_levels_and_probes_only_when_a_spec_uses_them(tmp_path):
    plain = read_spec(write(tmp_path / "plain.toml", spec_toml(factors=CONTROLS + HOME_BIAS)))
    assert '"levels"' not in canonical_text(plain) and '"probes"' not in canonical_text(plain)
    used = read_spec(write(tmp_path / "used.toml", spec_toml(metrics='[metrics]\nprobes = ["allocation"]\n')))
    assert '"levels"' in canonical_text(used) and '"probes"' in canonical_text(used)


@pytest.mark.parametrize("name", ["whoosh-ablation", "allocation-regimes"])
def test_a_shipped_spec_survives_the_dump_the_workers_revalidate(name):
    spec = read_spec(name)
    again = SweepSpec.model_validate_json(spec.model_dump_json())
    assert again == spec and again.hash() == spec.hash()
    assert again.model_dump_json() == spec.model_dump_json()
    # twice over, and through the manifest's JSON dump (dict form) too
    assert SweepSpec.model_validate_json(again.model_dump_json()).hash() == spec.hash()
    assert SweepSpec.model_validate(json.loads(json.dumps(spec.model_dump(mode="json")))).hash() == spec.hash()
    assert any(factor.levels for factor in spec.factors.values())
    # every level builds valid parameters from the revalidated spec, as in a worker
    ((column, factor),) = again.factors.items()
    base = spec_base(again)
    for row in run_table(again).drop_duplicates("point").to_dict("records"):
        overrides = run_overrides(again, row, base)
        assert overrides == factor.overrides(row[column]) == spec.factors[column].overrides(row[column])
        validate(merge(base, nest(overrides)))


def test_the_hash_follows_every_level(tmp_path):
    def hash_of(factors: str, metrics: str = "") -> str:
        return read_spec(write(tmp_path / "s.toml", spec_toml(factors=factors, metrics=metrics))).hash()

    first = hash_of(ARM)
    assert hash_of(ARM) == first
    assert hash_of(ARM.replace("= 2.0}", "= 2.5}")) != first                          # one level's value
    assert hash_of(ARM.replace('"no anticipation"', '"no foresight"')) != first        # a level's name
    assert hash_of(ARM.replace('"as is" = {}', '"as is" = {"talent.home_bias" = 2.0}')) != first   # a key added
    lines = ARM.splitlines()
    assert hash_of("\n".join([lines[0], lines[2], lines[1], lines[3]]) + "\n") != first   # levels reordered
    assert hash_of(ARM, '[metrics]\nprobes = ["allocation"]\n') != first
    # the same overrides written as nested tables: the same spec
    nested = ARM.replace('{"talent.beta_anticipation" = 0.0}', "{talent = {beta_anticipation = 0.0}}")
    assert nested != ARM and hash_of(nested) == first


# --------------------------------------------------------------------------- the work budget


def test_a_level_that_sets_the_scale_counts_in_the_work_estimate(tmp_path):
    def work(*rows: str):
        factors = levels("size", '"as is" = {}', *rows) + HOME_BIAS
        return work_of(read_spec(write(tmp_path / "s.toml", spec_toml(factors=factors, sets=""))))

    small = work('small = {"population.scale" = 0.05}')
    large = work('small = {"population.scale" = 0.05}', 'large = {"population.scale" = 5.0, "talent.beta_anticipation" = 2.0}')
    nested = work('small = {"population.scale" = 0.05}', "large = {population = {scale = 5.0}}")
    assert large.agents == nested.agents == agents_of(resolve_parameters("baseline", ["population.scale=5.0"]))
    assert large.agents > small.agents
    assert large.agent_months > small.agent_months
    assert large.agent_months == large.runs * (large.burn_in + large.steps) * large.agents
    # a level that sets min_talent and burn_in counts too
    talent = work('many = {"population.min_talent" = 90000, "burn_in" = 60}')
    assert talent.agents >= 90_000 and talent.burn_in == 60


# --------------------------------------------------------------------------- old results folders


def test_a_folder_written_before_levels_resumes_without_rebuilding_its_manifest(tmp_path):
    from experiments import results
    from experiments.sweep import manifest_for, open_folder

    spec = read_spec(write(tmp_path / "spec.toml", spec_toml(factors=CONTROLS + HOME_BIAS)))
    out = tmp_path / "out"
    out.mkdir()
    manifest = manifest_for(spec)
    for factor in manifest["spec"]["factors"].values():
        del factor["levels"]                 # as the code before levels and probes wrote it
    del manifest["spec"]["metrics"]["probes"]
    results.write_manifest(out, manifest)
    with open_folder(spec, out) as folder:
        notes = folder.notes
    assert notes == [] and not (out / results.DAMAGED).exists()
    assert results.read_manifest(out)["started"] == manifest["started"]


# --------------------------------------------------------------------------- one tiny sweep


def test_a_tiny_sweep_with_levels_and_the_allocation_probe(tmp_path):
    from experiments.allocation import MEASURES, AllocationProbe
    from experiments.results import load
    from experiments.sweep import run_sweep
    from model.economy import WhooshModel

    factors = levels("regime", f'"fee-driven venture" = {{"jurisdictions.US.allocator_mix" = {VENTURE_MIX}}}',
                     f'"index" = {{"jurisdictions.US.allocator_mix" = {INDEX_MIX}}}')
    text = spec_toml(name="alloc-tiny", factors=factors, replicates=1, steps=3,
                     metrics='[metrics]\nsummary = ["real_gdp"]\nprobes = ["allocation"]\n')
    spec = read_spec(write(tmp_path / "spec.toml", text))
    out = tmp_path / "out"
    progress = run_sweep(spec, out, workers=1, run_seconds=1.0)
    assert (progress.total, progress.done, progress.failed) == (2, 2, 0)
    loaded = load(out)
    runs = loaded.runs.sort_values("run_id").reset_index(drop=True)
    assert (runs["status"] == "ok").all(), runs[["run_id", "error"]]
    assert list(runs["regime"]) == ["fee-driven venture", "index"]
    assert loaded.manifest["spec"]["metrics"]["probes"] == ["allocation"]
    assert loaded.manifest["spec_hash"] == spec.hash()
    missing = [m for m in MEASURES if m not in runs.columns]
    assert not missing, missing
    for column in ("productivity_mean", "fees_pct_gdp", "real_gdp_index", "tfpr_dispersion"):
        assert all(math.isfinite(v) for v in runs[column]), (column, list(runs[column]))
    assert all(math.isfinite(v) for v in runs["real_gdp_final"])
    # the engine's probe columns are what the probe gives the same run in this process
    row = run_table(spec).to_dict("records")[1]
    base = spec_base(spec)
    params = validate(merge(base, nest(run_overrides(spec, row, base))))
    assert params.jurisdictions["US"].allocator_mix == INDEX_MIX
    with WhooshModel(params, seed=int(row["seed"])) as model:
        probe = AllocationProbe(model)
        for _ in range(spec.steps):
            model.step()
            probe.observe(model)
        expected = probe.results(model.metrics_frame())
    got = runs.loc[1, list(MEASURES)].to_dict()
    for key, value in expected.items():
        assert (math.isnan(value) and math.isnan(got[key])) or got[key] == pytest.approx(value, rel=1e-12), key
