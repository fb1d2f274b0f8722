"""The replication package: `whoosh figures --quick` builds every declared figure and table, and a second
build, from scratch with another worker count, reproduces every hash."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments import figures as registry
from experiments import whoosh
from experiments.sweep_spec import read_spec, run_count
from model.parameter_table import rows as parameter_rows

ROOT = Path(__file__).resolve().parent.parent
WHOOSH = [str(Path(sys.executable).parent / "whoosh")]


def whoosh_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*WHOOSH, *args], capture_output=True, text=True, cwd=cwd or ROOT,
                          env={**os.environ, "COLUMNS": "200"}, timeout=1800)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """Two quick builds from scratch: two workers, then three (other batches, the same runs)."""
    base = tmp_path_factory.mktemp("figures")
    first = whoosh_cli("figures", "--quick", "--workers", "2", "--out", str(base / "a"))
    assert first.returncode == 0, first.stderr[-3000:]
    second = whoosh_cli("figures", "--quick", "--workers", "3", "--out", str(base / "b"))
    assert second.returncode == 0, second.stderr[-3000:]
    return base / "a", base / "b", first


def test_every_declared_figure_is_built_with_its_data_and_hash(builds):
    out, _, _ = builds
    manifest = json.loads((out / "manifest.json").read_text())
    assert list(manifest["figures"]) == list(registry.NAMES)
    for figure in registry.FIGURES:
        entry = manifest["figures"][figure.name]
        data = out / f"{figure.name}.csv"
        assert entry["data_sha256"] == {data.name: sha256(data)}
        frame = pd.read_csv(data)
        assert len(frame) > 0, figure.name
        if figure.draw is not None:
            assert (out / f"{figure.name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert (out / f"{figure.name}.pdf").read_bytes()[:5] == b"%PDF-"
        for file in entry["files"]:
            assert (out / file).stat().st_size > 0, file
    for name, sweep in manifest["sweeps"].items():
        if name.startswith("scorecard"):
            continue
        spec = registry.figure_spec(name.removesuffix("-quick"), quick=True)
        assert sweep["spec_hash"] == spec.hash() and sweep["root_seed"] == spec.seed
        assert sweep["runs"] == run_count(spec)
        assert (out / sweep["folder"] / "manifest.json").is_file()
    assert manifest["build"] == "quick" and manifest["code_version"]
    assert {"numpy", "mesa", "matplotlib", "SALib"} <= set(manifest["packages"])


def test_a_second_build_with_another_worker_count_reproduces_every_hash(builds):
    first, second, _ = builds
    a = json.loads((first / "manifest.json").read_text())
    b = json.loads((second / "manifest.json").read_text())
    assert a == b
    for figure in registry.FIGURES:
        assert (first / f"{figure.name}.csv").read_bytes() == (second / f"{figure.name}.csv").read_bytes()


def test_rebuilding_reuses_the_sweeps_and_keeps_the_other_figures(builds):
    out, _, _ = builds
    before = (out / "manifest.json").read_text()
    again = whoosh_cli("figures", "--quick", "--only", "whoosh-timing", "--out", str(out))
    assert again.returncode == 0, again.stderr[-2000:]
    assert "all reused" in again.stderr and "to run" not in again.stderr
    assert (out / "manifest.json").read_text() == before


def test_a_build_on_a_dask_cluster_gives_the_same_hashes(builds, tmp_path):
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster

    out, _, _ = builds
    saved = dict(os.environ)      # a LocalCluster sets variables for its workers: later tests must not see them
    try:
        with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None,
                          silence_logs=50) as cluster:
            result = whoosh_cli("figures", "--quick", "--only", "carried-interest", "--scheduler",
                                cluster.scheduler_address, "--out", str(tmp_path / "dask"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert result.returncode == 0, result.stderr[-2000:]
    local = json.loads((out / "manifest.json").read_text())["figures"]["carried-interest"]
    remote = json.loads((tmp_path / "dask" / "manifest.json").read_text())["figures"]["carried-interest"]
    assert remote["data_sha256"] == local["data_sha256"]


def test_an_out_inside_a_sweep_folder_is_refused(builds):
    out, _, _ = builds
    inside = out / "sweeps" / "whoosh-ablation-quick" / "figures"
    result = whoosh_cli("figures", "--quick", "--only", "parameters", "--out", str(inside))
    assert result.returncode == 2 and "lies inside the sweep results folder" in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and not inside.exists()


def test_a_sweep_folder_of_another_spec_is_refused_before_anything_runs(builds, tmp_path):
    import shutil

    out, _, _ = builds
    target = tmp_path / "build"
    shutil.copytree(out / "sweeps" / "robot-wave-paths-quick", target / "sweeps" / "carried-interest-quick")
    result = whoosh_cli("figures", "--quick", "--only", "carried-interest", "--out", str(target))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "carried-interest-quick holds results of another version" in result.stderr
    assert sorted(os.listdir(target)) == ["sweeps"]


def test_a_damaged_scorecard_cache_is_remade_with_a_note(tmp_path, monkeypatch):
    from experiments import validation

    monkeypatch.setattr(validation, "run_all", lambda runs, workers, on_done=None: [])
    monkeypatch.setattr(validation, "score", lambda records: [])
    notes = []
    build = registry.Build(tmp_path, quick=True, workers=1, reporter=registry.Reporter(note=notes.append))
    build.scorecard_folder.mkdir(parents=True)
    for damaged in ("[]", "{not json", '{"hash": 1, "scores": 2}'):
        (build.scorecard_folder / "scores.json").write_text(damaged)
        build._scores = None
        assert build.scorecard() == []
        stored = json.loads((build.scorecard_folder / "scores.json").read_text())
        assert stored["hash"] == build.scorecard_identity()["hash"] and stored["made_by_code"] == build.code
    assert sum("damaged" in note for note in notes) == 2      # the third is valid JSON of another design: remade


def test_progress_names_each_figure_and_sweep(builds):
    _, _, first = builds
    for figure in registry.FIGURES:
        assert f"{registry.label(figure)}: {figure.name}" in first.stderr
    for name in registry.QUICK:
        assert f"sweep {name}-quick:" in first.stderr


def test_the_replication_readme_maps_every_exhibit_to_its_command_and_files(builds):
    out, _, _ = builds
    text = (out / "README.md").read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    for name, entry in manifest["figures"].items():
        assert f"`whoosh figures --quick --only {name}`" in text
        assert entry["label"] in text
        for file in entry["files"]:
            assert f"`{file}`" in text
    for package, version in manifest["packages"].items():
        assert f"{package} {version}" in text
    for heading in ("## Computational requirements", "## Controlled randomness", "## Run time and hardware"):
        assert heading in text
    assert "This build:" in text and "cores" in text
    assert "numpy==" in (out / "requirements-lock.txt").read_text()


def test_tables_hold_every_fact_and_every_parameter(builds):
    out, _, _ = builds
    from experiments.validation import FACTS

    assert len(pd.read_csv(out / "scorecard.csv")) == len(FACTS)
    parameters = pd.read_csv(out / "parameters.csv")
    assert list(parameters["key"]) == [row["key"] for row in parameter_rows()]
    assert parameters["source"].notna().all()


# --------------------------------------------------------------------------- the registry and its specs


def test_every_declared_sweep_is_a_shipped_spec_with_a_quick_version():
    needed = {name for figure in registry.FIGURES for name in figure.sweeps}
    assert needed == set(registry.QUICK)
    for name in needed:
        full, quick = read_spec(name), registry.figure_spec(name, quick=True)
        assert quick.name == f"{name}-quick" and quick.hash() != full.hash()
        assert run_count(quick) < run_count(full)
        assert list(quick.factors) == list(full.factors)


def test_the_ablation_spec_cuts_the_same_links_as_the_whoosh_experiment():
    spec = read_spec("whoosh-ablation")
    levels = spec.factors["arm"].levels
    assert list(levels) == list(whoosh.arms())
    for arm, cut in whoosh.arms().items():
        expected = {key: value for key, value in (item.split("=", 1) for item in cut)}
        assert {key: str(value).lower() for key, value in levels[arm].items()} == \
               {key: value.lower() for key, value in expected.items()}


def test_select_refuses_an_unknown_name_and_keeps_registry_order():
    assert [f.name for f in registry.select(["parameters", "whoosh-timing"])] == ["whoosh-timing", "parameters"]
    with pytest.raises(ValueError, match="allowed: robot-wave-unemployment"):
        registry.select(["fig9"])


# --------------------------------------------------------------------------- bad input: one line, exit 2, nothing written


@pytest.mark.parametrize("args, expected", [
    (["--only", "figure-nine"], "--only: value 'figure-nine' is not a figure or table"),
    (["--workers", "0"], "--workers"),
    (["--workers", "many"], "--workers"),
    (["--scheduler", "tcp://127.0.0.1:9"], "--scheduler: cannot reach"),
])
def test_bad_flags_are_one_line_errors(tmp_path, args, expected):
    out = tmp_path / "figures"
    result = whoosh_cli("figures", "--quick", "--out", str(out), *args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and expected in lines[0], result.stderr
    assert not out.exists()


def test_an_out_folder_that_is_not_a_build_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = whoosh_cli("figures", "--quick", "--only", "parameters", "--out", str(tmp_path))
    assert result.returncode == 2 and "notes.txt" in result.stderr and result.stderr.count("\n") == 1
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]
    file = tmp_path / "notes.txt"
    result = whoosh_cli("figures", "--quick", "--only", "parameters", "--out", str(file))
    assert result.returncode == 2 and "is a file" in result.stderr


def test_a_table_only_build_needs_no_sweep(tmp_path):
    result = whoosh_cli("figures", "--only", "parameters", "--out", str(tmp_path / "t"))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "t" / "manifest.json").read_text())
    assert list(manifest["figures"]) == ["parameters"] and manifest["sweeps"] == {}
    assert not (tmp_path / "t" / "sweeps").exists()


# --------------------------------------------------------------------------- the shipped documents


def test_docs_show_every_exhibit_with_its_command():
    replication = (ROOT / "docs" / "REPLICATION.md").read_text()
    figures_doc = (ROOT / "docs" / "FIGURES.md").read_text()
    for figure in registry.FIGURES:
        assert f"`whoosh figures --only {figure.name}`" in replication, figure.name
        assert f"whoosh figures --only {figure.name}" in figures_doc, figure.name
        if figure.draw is not None:
            image = f"figures/{figure.name}.png"
            assert f"({image})" in figures_doc and (ROOT / "docs" / image).is_file(), figure.name
    assert "TBD" not in replication
