"""The replication README a build writes next to its figures, in the form economics journals ask for.

It follows the Social Science Data Editors' template: data availability, computational
requirements with the versions actually used, where randomness is controlled, expected run time
and the hardware last used, and a table from each figure and table to the command and output that
make it. ``docs/REPLICATION.md`` is this README for the full build.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

# measured with `make figures` and `whoosh figures --quick` (see docs/REPLICATION.md for the command lines)
REFERENCE_MACHINE = "a 2-core AMD EPYC virtual machine (about one core of real throughput), 24 GiB, Debian, Python 3.11.7"
REFERENCE_TIMES = {"full": "41 minutes (1,834 runs, 2 workers; `make figures` in a fresh clone, install included: 42 minutes)",
                   "quick": "about 2.5 minutes (2 workers)"}


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def readme(manifest: dict[str, Any], *, seconds: float, workers: int, scheduler: bool, runs_made: int = 0,
           runs_reused: int = 0, memory: float = 0.0) -> str:
    """The replication README of a build, from its manifest and how long it took."""
    quick = manifest["build"] == "quick"
    command = ".venv/bin/whoosh figures --quick" if quick else "make figures     # the same as .venv/bin/whoosh figures"
    lines = [
        f"# Replication package: Big Whoosh figures and tables ({manifest['build']} build)", "",
        "Every figure and table below is made by one command from the sweep specifications shipped in",
        "`experiments/sweeps/`; nothing is read from outside the repository.", "",
        "## Data availability and provenance", "",
        "The numbers are simulated by the model in this repository: there are no data files to obtain and no",
        "data-use restrictions. The model's parameters are calibrated to published sources, which Table 2",
        "(`parameters.csv`) cites parameter by parameter; the stylized facts of Table 1 cite theirs",
        "(`scorecard.csv`, column `source`).", "",
    ]
    if quick:
        lines += ["**This is a quick build**: fewer seeds, a smaller economy and shorter runs, to check the",
                  "pipeline in minutes. Its numbers are not the paper's; `make figures` makes those.", ""]
    lines += [
        "## Instructions", "",
        "From a clone of the repository, on Linux with Python 3.11 or later:", "",
        "```", "make setup        # a virtual environment in .venv with the project and its dependencies",
        command, "```", "",
        "The build writes into its folder (`--out`, default `runs/figures`, or `runs/figures-quick` with",
        "`--quick`): each figure as PNG and PDF with its data as CSV, each table as CSV and Markdown,",
        "`manifest.json`, this README and `requirements-lock.txt`. The sweeps' results go to `sweeps/` inside it;",
        "running the command again reuses them (and resumes an interrupted build), `--workers N` sets the local",
        "worker processes and `--scheduler ADDRESS` runs the sweeps on a Dask cluster (Table 1's stylized-facts",
        "runs stay local, on `--workers` processes). The results do not depend on either: `manifest.json` records",
        "the SHA-256 of every data CSV, identical from one build to the next.", "",
        "## Description of programs", "",
        "- `experiments/figures.py`: the registry (each exhibit, its sweeps, summary and plot) and the build;",
        "- `experiments/sweeps/*.toml`: the sweep specifications; `experiments/sweep.py`: the sweep engine;",
        "- `experiments/figure_data.py`: what each exhibit shows, computed from its sweeps (the data CSVs);",
        "- `viz/figures.py`, `viz/style.py`: the plots; `experiments/validation.py`: the stylized facts;",
        "- `model/`: the model (docs/ODD.md describes it).", "",
        "## Computational requirements", "",
        f"- Python {manifest['python']}; the packages the figures use, at the versions of this build:", "",
    ]
    lines += [f"  - {name} {version}" for name, version in manifest["packages"].items()]
    lines += [
        "", "- Every installed package at its exact version: `requirements-lock.txt`. To reproduce the environment:",
        "  `python -m venv .venv && .venv/bin/pip install -r requirements-lock.txt && .venv/bin/pip install -e . --no-deps`.",
        f"- Code version: `{manifest['code_version']}` (git commit of the repository).",
        f"- Memory: about {memory / 2**30:.1f} GiB per worker process at most (the estimate of "
        "`experiments/budget.py`); disk: under 1 GB.", "",
        "## Controlled randomness", "",
        "All randomness comes from numpy Generators seeded from each sweep's root seed: run *i* of a sweep gets",
        "the model seed `SeedSequence(root_seed, spawn_key=(i,)).generate_state(1, numpy.uint64)[0] >> 1`",
        "(`experiments/sweep_spec.py`, `run_seed`), so a run's numbers do not depend on the worker count, the",
        "executor or the order runs finish in. The scorecard's runs use model seeds 0 … n-1 per experiment.", "",
        "| sweep | spec | root seed | runs | months | spec hash (SHA-256) |", "|---|---|---|---|---|---|",
    ]
    for name, sweep in manifest["sweeps"].items():
        seed = sweep.get("root_seed", f"0 … {len(sweep['seeds']) - 1}" if isinstance(sweep.get("seeds"), list) else "")
        lines.append(f"| {name} | `{sweep['spec']}` | {seed} | {sweep['runs']} | {sweep.get('steps', 'per experiment')} "
                     f"| `{sweep['spec_hash'][:16]}…` |")
    how = "a Dask cluster" if scheduler else f"{workers} local worker process{'es' if workers != 1 else ''}"
    lines += [
        "", "## Run time and hardware", "",
        f"- This build: {_duration(seconds)} on {machine()}, with {how}; it made {runs_made} runs and reused "
        f"{runs_reused} found in its folder.",
        f"- Reference: the full build takes {REFERENCE_TIMES['full']} and the quick build {REFERENCE_TIMES['quick']} on",
        f"  {REFERENCE_MACHINE}.", "",
        "## Figures and tables", "",
        "| exhibit | title | command | output files | data SHA-256 |", "|---|---|---|---|---|",
    ]
    flag = " --quick" if quick else ""
    for name, entry in manifest["figures"].items():
        files = ", ".join(f"`{file}`" for file in entry["files"])
        digest = next(iter(entry["data_sha256"].values()))
        lines.append(f"| {entry['label']} | {entry['title']} | `whoosh figures{flag} --only {name}` | {files} | "
                     f"`{digest[:16]}…` |")
    lines += ["", "Each figure's sweeps are listed in `manifest.json` (`figures.<name>.sweeps`), and their specs",
              "in `experiments/sweeps/`; `experiments/figures.py` declares which summary and plot make each exhibit.",
              "`manifest.json` also records which code version made each sweep (`made_by_code`).", "",
              "## License", "", "The code is under the MIT license (`pyproject.toml`).", ""]
    return "\n".join(lines)


def requirements_lock() -> str:
    """Every installed distribution but this project at its exact version (``pip freeze`` form), sorted."""
    import importlib.metadata

    names = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and name.lower() != "bigwhoosh" and name.lower() not in names:
            names[name.lower()] = f"{name}=={dist.version}"
    return "\n".join(names[key] for key in sorted(names)) + "\n"


def machine() -> str:
    """The machine the build ran on, in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        import psutil

        memory = f", {psutil.virtual_memory().total / 2**30:.0f} GiB"
    except ImportError:
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} {platform.release()}"
