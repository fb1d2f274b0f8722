"""The paper's figures and tables, declared once each, and the build that makes them all from their sweeps.

Each entry of ``FIGURES`` names the sweep specs it needs (``experiments/sweeps/``), the summary that
turns their results into its data (``experiments.figure_data``) and the function that draws it
(``viz.figures``). ``build`` runs or reuses every sweep through the sweep engine (so a build resumes,
runs on a Dask cluster, and never mixes results of different specs), writes each figure as PNG and
PDF with its data as CSV, and a ``manifest.json`` whose hashes do not depend on the worker count or
on how often the build ran.

``--quick`` builds the same figures from a small version of each sweep (``QUICK``): fewer seeds,
a smaller economy, shorter runs where the figure allows it. Its numbers are not the paper's.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from experiments import figure_data
from experiments.provenance import PACKAGES, git_commit, package_versions
from experiments.replication import readme, requirements_lock
from experiments.results import write_atomic
from experiments.sweep_spec import SweepSpec, read_spec, run_count

FULL_OUT = Path("runs") / "figures"
QUICK_OUT = Path("runs") / "figures-quick"
QUICK_SCALE = 0.1
CSV_FLOAT = "%.10g"     # ten significant digits: the data CSVs are exact to well below any plotted difference
MANIFEST = "manifest.json"
README = "README.md"
REQUIREMENTS = "requirements-lock.txt"
FIGURE_PACKAGES = (*PACKAGES, "matplotlib", "ema_workbench", "psutil", "rich", "typer", "tabulate")


@dataclass(frozen=True)
class Quick:
    """How the quick build shrinks a sweep: seeds per point, months, Sobol base samples, factor values."""

    replicates: int = 2
    steps: int | None = None
    samples: int | None = None
    values: dict[str, list[Any]] = field(default_factory=dict)


# every sweep a figure needs, and its quick version
QUICK: dict[str, Quick] = {
    "robot-wave-paths": Quick(replicates=3, steps=60),
    "whoosh-ablation": Quick(replicates=2, steps=84),          # the door closes around month 45 under big-whoosh
    "lockin-policy-space": Quick(replicates=1, steps=84, values={"controls_response": [0.0, 1.0],
                                                                 "surveillance": [0.0, 1.0]}),
    "carried-interest": Quick(replicates=2, steps=60, values={"carry_tax": [0.0, 0.6]}),
    "allocation-regimes": Quick(replicates=2, steps=60),
    "global-sensitivity": Quick(replicates=1, steps=60, samples=2),
}


@dataclass(frozen=True)
class Figure:
    """One figure or table of the paper."""

    name: str                                  # the file stem of its outputs, and the name --only takes
    kind: Literal["figure", "table"]
    title: str
    sweeps: tuple[str, ...]                    # the sweep specs it needs (experiments/sweeps/<name>.toml)
    data: Callable[[Build], pd.DataFrame]      # experiments.figure_data
    draw: str | None                           # the function of viz.figures that draws it (None: a table only)
    scorecard: bool = False                    # needs the stylized-facts runs (experiments.validation)


FIGURES: tuple[Figure, ...] = (
    Figure("robot-wave-unemployment", "figure", "Unemployment under the robot wave, by skill and jurisdiction",
           ("robot-wave-paths",), figure_data.robot_wave_unemployment, "robot_wave_unemployment"),
    Figure("whoosh-ablation", "figure", "The whoosh and the causal chain's ablations",
           ("whoosh-ablation",), figure_data.whoosh_ablation, "whoosh_ablation"),
    Figure("whoosh-timing", "figure", "Timing: talent outflow around the month the door starts to close",
           ("whoosh-ablation",), figure_data.whoosh_timing, "whoosh_timing"),
    Figure("lockin-policy-space", "figure", "Lock-in policy space: talent abroad at the end of the run",
           ("lockin-policy-space",), figure_data.lockin_policy_space, "lockin_policy_space"),
    Figure("carried-interest", "figure", "Carried-interest tax and the velocity of money",
           ("carried-interest",), figure_data.carried_interest, "carried_interest"),
    Figure("allocation-regimes", "figure", "Allocation regimes: fee-driven venture, index, state tournament",
           ("allocation-regimes",), figure_data.allocation_regimes, "allocation_regimes"),
    Figure("sobol-indices", "figure", "Global sensitivity: Sobol indices of talent flight and peak unemployment",
           ("global-sensitivity",), figure_data.sobol_indices, "sobol_indices"),
    Figure("scenario-discovery", "figure", "Scenario discovery: where the whoosh happens",
           ("global-sensitivity",), figure_data.scenario_discovery, "scenario_discovery"),
    Figure("scorecard", "table", "Table 1: the stylized-facts scorecard", (), figure_data.scorecard, "scorecard",
           scorecard=True),
    Figure("parameters", "table", "Table 2: the parameters, with their sources", (), figure_data.parameters, None),
)
NAMES = tuple(f.name for f in FIGURES)


def label(figure: Figure) -> str:
    """``Figure n`` or ``Table n`` in registry order."""
    same = [f for f in FIGURES if f.kind == figure.kind]
    return f"{figure.kind.capitalize()} {same.index(figure) + 1}"


def select(only: list[str] | None) -> list[Figure]:
    """The figures ``--only`` names (all when None), in registry order.

    Raises:
        ValueError: a name that is not declared (the message lists the allowed names).
    """
    if not only:
        return list(FIGURES)
    for name in only:
        if name not in NAMES:
            raise ValueError(f"--only: value {name!r} is not a figure or table; allowed: {', '.join(NAMES)}")
    return [f for f in FIGURES if f.name in only]


def figure_spec(name: str, quick: bool) -> SweepSpec:
    """The sweep spec ``name`` (``experiments/sweeps/``), or its quick version (named ``<name>-quick``)."""
    spec = read_spec(name)
    if not quick:
        return spec
    plan = QUICK[name]
    raw = spec.model_dump(mode="json")
    raw["name"] = f"{spec.name}-quick"
    raw["replicates"] = plan.replicates
    raw["set"] = {**raw["set"], "population.scale": QUICK_SCALE}
    if plan.steps is not None:
        raw["steps"] = plan.steps
    if plan.samples is not None:
        raw["samples"] = plan.samples
    for factor, values in plan.values.items():
        raw["factors"][factor]["values"] = values
    return SweepSpec.model_validate(raw)


def scorecard_design(quick: bool):
    """The stylized-facts design of Table 1: ``whoosh validate``'s full design, or a small one for quick builds."""
    from experiments.validation import Design

    if quick:
        return Design(2, cycle_scale=1.0, robot_scale=0.25, talent_agents=5_000, stationary_months=60,
                      stationary_scale=0.1, robot_tax_scale=0.1)
    return Design.for_mode(quick=False)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- the build


@dataclass
class Reporter:
    """Where the build says what it is doing (the CLI shows it; tests stay quiet)."""

    figure: Callable[[Figure, int, int], None] = lambda figure, i, n: None
    sweep: Callable[[SweepSpec, int], None] = lambda spec, todo: None
    progress: Callable[[Any], None] = lambda state: None
    note: Callable[[str], None] = lambda line: None
    scorecard: Callable[[int], None] = lambda runs: None
    scorecard_run: Callable[[], None] = lambda: None


class Build:
    """One build into ``out``: runs or reuses each sweep once, and hands its results to the figures."""

    def __init__(self, out: Path, *, quick: bool, workers: int, executor: Executor | None = None,
                 reporter: Reporter | None = None, local_workers: int | None = None) -> None:
        self.out, self.quick, self.workers, self.executor = out, quick, workers, executor
        self.local_workers = local_workers or workers    # the scorecard's runs are local, even with a cluster
        self.report = reporter or Reporter()
        self.code = git_commit() or "unknown"            # read once: a commit made during a build changes nothing
        self._specs: dict[str, SweepSpec] = {}
        self._results: dict[str, Any] = {}
        self._scores: list | None = None
        self.runs_made = 0         # runs this build made (sweeps and scorecard) …
        self.runs_reused = 0       # … and found done in the folder
        self.scorecard_made_by = "unknown"

    def spec(self, name: str) -> SweepSpec:
        if name not in self._specs:
            self._specs[name] = figure_spec(name, self.quick)
        return self._specs[name]

    def folder(self, name: str) -> Path:
        return self.out / "sweeps" / self.spec(name).name

    @property
    def scorecard_folder(self) -> Path:
        return self.out / "sweeps" / ("scorecard-quick" if self.quick else "scorecard")

    def made_by(self, name: str) -> str:
        """The code version that made sweep ``name``'s results (read from its folder; nothing is run)."""
        from experiments.results import read_manifest

        if name in self._results:
            manifest = self._results[name].manifest
        else:
            try:
                manifest = read_manifest(self.folder(name)) or {}
            except ValueError:
                manifest = {}
        return manifest.get("git_commit") or "unknown"

    def _note_other_code(self, what: str, made_by: str, where: Path) -> None:
        if made_by != self.code:
            self.report.note(f"{what} in {where} was made by code {made_by}, not this code ({self.code}); delete "
                             "the folder to remake it with this code")

    def results(self, name: str):
        """The complete results of sweep ``name``, running whatever runs its folder does not hold yet.

        Raises:
            SweepError: the folder cannot be used; RuntimeError: runs failed.
        """
        if name in self._results:
            return self._results[name]
        from experiments.results import load
        from experiments.sweep import pending_runs, run_sweep

        spec, folder = self.spec(name), self.folder(name)
        todo, _ = pending_runs(spec, folder)
        self.report.sweep(spec, len(todo))
        self.runs_made += len(todo)
        self.runs_reused += run_count(spec) - len(todo)
        state = run_sweep(spec, folder, workers=self.workers, executor=self.executor,
                          on_progress=self.report.progress, on_note=self.report.note)
        if state.failed:
            raise RuntimeError(f"sweep {spec.name}: {state.failed} run(s) failed; their errors are in "
                               f"{folder}/runs (status 'failed'); fix the cause and build again to rerun them")
        self._results[name] = load(folder)
        self._note_other_code(f"sweep {spec.name}", self.made_by(name), folder)
        return self._results[name]

    def scorecard(self) -> list:
        """Table 1's scores: the stylized-facts runs, cached in ``sweeps/scorecard[-quick]`` by their design."""
        if self._scores is None:
            self._scores = _scorecard(self)
        return self._scores

    def scorecard_identity(self) -> dict[str, Any]:
        """What the scorecard's runs depend on: its design, its seeds and the scenarios they start from."""
        from experiments.scenarios import scenario_data
        from experiments.validation import cases

        design = scorecard_design(self.quick)
        runs = cases(design)
        scenarios = sorted({case.scenario for case in runs})
        text = json.dumps({"design": asdict(design), "scenarios": {s: scenario_data(s) for s in scenarios}},
                          sort_keys=True, default=str)
        return {"design": asdict(design), "seeds": list(range(design.seeds)), "runs": len(runs),
                "hash": hashlib.sha256(text.encode()).hexdigest()}


def _scorecard(build: Build) -> list:
    from experiments.estimators import Estimate
    from experiments.validation import FACTS, Score, cases, run_all, score

    identity = build.scorecard_identity()
    folder = build.scorecard_folder
    cached = folder / "scores.json"
    if cached.exists():
        try:
            stored = json.loads(cached.read_text(encoding="utf-8"))
            if not isinstance(stored, dict):
                raise ValueError("not a JSON object")
            if stored.get("hash") == identity["hash"]:
                facts = {fact.key: fact for fact in FACTS}
                scores = [Score(facts[s["key"]], Estimate(**s["estimate"]), s["note"]) for s in stored["scores"]]
                build.runs_reused += identity["runs"]
                build.scorecard_made_by = str(stored.get("made_by_code", "unknown"))
                build._note_other_code("the scorecard", build.scorecard_made_by, folder)
                return scores
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            build.report.note(f"{cached} is damaged or unreadable; the scorecard runs are made again")
    runs = cases(scorecard_design(build.quick))
    build.report.scorecard(len(runs))
    build.runs_made += len(runs)
    scores = score(run_all(runs, build.local_workers, on_done=lambda _: build.report.scorecard_run()))
    folder.mkdir(parents=True, exist_ok=True)
    build.scorecard_made_by = build.code
    payload = {"hash": identity["hash"], "design": identity["design"], "made_by_code": build.code,
               "scores": [{"key": s.fact.key, "estimate": asdict(s.estimate), "note": s.note} for s in scores]}
    write_atomic(cached, lambda p: p.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8"))
    return scores


class FigureError(Exception):
    """A figure's summary cannot be computed from its sweeps (one line; the sweeps stay for the next build)."""


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """The data CSV, written the same way every time (fixed float format, no index, Unix newlines)."""
    write_atomic(path, lambda p: frame.to_csv(p, index=False, float_format=CSV_FLOAT, lineterminator="\n"))


def make_figure(figure: Figure, build: Build) -> dict[str, Any]:
    """Compute one figure's data, write its CSV (and Markdown for tables), draw it; its manifest entry."""
    try:
        frame = figure.data(build)
    except ValueError as exc:           # e.g. a metric constant over a quick sweep's few runs
        raise FigureError(f"{figure.name}: {exc}") from None
    out = build.out
    files = [f"{figure.name}.csv"]
    write_csv(frame, out / files[0])
    if figure.kind == "table":
        write_atomic(out / f"{figure.name}.md", lambda p: p.write_text(
            f"# {figure.title}\n\n{frame.to_markdown(index=False, floatfmt='.4g')}\n", encoding="utf-8"))
        files.append(f"{figure.name}.md")
    if figure.draw is not None:
        from viz import figures as drawings

        drawings.draw(figure.draw, frame, out / figure.name, quick=build.quick)
        files += [f"{figure.name}.png", f"{figure.name}.pdf"]
    sweeps = {name: build.spec(name).name for name in figure.sweeps}
    return {"label": label(figure), "kind": figure.kind, "title": figure.title,
            "sweeps": list(sweeps.values()) + ([build.scorecard_folder.name] if figure.scorecard else []),
            "files": files, "data_sha256": {files[0]: sha256(out / files[0])}}


def manifest(build: Build, entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The build's manifest: nothing in it depends on the time, the machine or the worker count."""
    sweeps = {}
    for name in sorted({s for f in FIGURES if f.name in entries for s in f.sweeps}):
        spec = build.spec(name)
        sweeps[spec.name] = {"spec": f"experiments/sweeps/{name}.toml", "spec_hash": spec.hash(),
                             "root_seed": spec.seed, "replicates": spec.replicates, "runs": run_count(spec),
                             "steps": spec.steps, "folder": f"sweeps/{spec.name}",
                             "made_by_code": build.made_by(name),
                             "seeds": "run i: SeedSequence(root_seed, spawn_key=(i,))"}
    if any(f.scorecard for f in FIGURES if f.name in entries):
        identity = build.scorecard_identity()
        sweeps[build.scorecard_folder.name] = {
            "spec": "experiments/validation.py (Design)", "spec_hash": identity["hash"], "seeds": identity["seeds"],
            "runs": identity["runs"], "design": identity["design"], "folder": f"sweeps/{build.scorecard_folder.name}",
            "made_by_code": build.scorecard_made_by if build._scores is not None else _stored_scorecard_code(build)}
    return {"build": "quick" if build.quick else "full", "code_version": build.code,
            "python": platform.python_version(), "packages": package_versions(FIGURE_PACKAGES),
            "sweeps": sweeps, "figures": {name: entries[name] for name in NAMES if name in entries}}


def _stored_scorecard_code(build: Build) -> str:
    try:
        return str(json.loads((build.scorecard_folder / "scores.json").read_text(encoding="utf-8"))["made_by_code"])
    except (OSError, ValueError, KeyError, TypeError):
        return "unknown"


ENTRY_KEYS = {"label", "kind", "title", "sweeps", "files", "data_sha256"}


def previous_entries(out: Path, build: Build) -> dict[str, dict[str, Any]]:
    """Figures an earlier build of the same kind and code wrote into ``out`` whose data is still as recorded."""
    try:
        old = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        if old.get("build") != ("quick" if build.quick else "full") or old.get("code_version") != build.code:
            return {}
        kept = {}
        for name, entry in old.get("figures", {}).items():
            if name not in NAMES or not isinstance(entry, dict) or set(entry) != ENTRY_KEYS:
                continue
            digests = entry["data_sha256"]
            if (isinstance(digests, dict) and len(digests) == 1
                    and all((out / file).is_file() and sha256(out / file) == digest for file, digest in digests.items())):
                kept[name] = entry
        return kept
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def write_manifest(out: Path, result: dict[str, Any]) -> None:
    write_atomic(out / MANIFEST, lambda p: p.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8"))


def build(out: Path, *, only: list[str] | None = None, quick: bool = False, workers: int = 1,
          executor: Executor | None = None, reporter: Reporter | None = None,
          local_workers: int | None = None) -> dict[str, Any]:
    """Make the figures ``only`` names (all by default) into ``out``; returns the manifest written.

    The sweeps go to ``out/sweeps/<spec>`` and are reused when the build runs again (resumed when
    unfinished). Also writes ``manifest.json``, the replication ``README.md`` and ``requirements-lock.txt``.
    """
    chosen = select(only)
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    run = Build(out, quick=quick, workers=workers, executor=executor, reporter=reporter, local_workers=local_workers)
    entries = previous_entries(out, run) if only else {}
    for i, figure in enumerate(chosen, start=1):
        run.report.figure(figure, i, len(chosen))
        entries.pop(figure.name, None)
        write_manifest(out, manifest(run, entries))      # an interrupted build lists only what it finished
        entries[figure.name] = make_figure(figure, run)
    result = manifest(run, entries)
    write_manifest(out, result)
    write_atomic(out / REQUIREMENTS, lambda p: p.write_text(requirements_lock(), encoding="utf-8"))
    seconds = time.perf_counter() - started
    write_atomic(out / README, lambda p: p.write_text(readme(
        result, seconds=seconds, workers=workers, scheduler=executor is not None, runs_made=run.runs_made,
        runs_reused=run.runs_reused, memory=worker_memory(run, entries)), encoding="utf-8"))
    return result


def worker_memory(run: Build, entries: dict[str, Any]) -> float:
    """The largest memory one worker process needs for the build's sweeps (bytes, ``experiments.budget``)."""
    from experiments.budget import work_of

    names = {s for f in FIGURES if f.name in entries for s in f.sweeps}
    return max((work_of(run.spec(name)).memory_per_worker for name in names), default=0.0)


def output_names() -> set[str]:
    """Every name a build may write into its folder (a folder holding anything else is not a build's)."""
    names = {MANIFEST, README, REQUIREMENTS, "sweeps"}
    for figure in FIGURES:
        names |= {f"{figure.name}{suffix}" for suffix in (".csv", ".md", ".png", ".pdf")}
    return names
