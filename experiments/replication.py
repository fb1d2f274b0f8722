"""The replication README a build writes next to its figures, in the form economics journals ask for.

It follows the Social Science Data Editors' template: data availability, computational
requirements with the versions actually used, where randomness is controlled, expected run time
and the hardware last used, and a table from each figure and table to the command and output that
make it. ``docs/REPLICATION.md`` is this README for the full build.
"""

from __future__ import annotations

from typing import Any

# measured with `make figures` and `whoosh figures --quick` (see docs/REPLICATION.md for the command lines)
REFERENCE_MACHINE = "a 2-core AMD EPYC virtual machine (about one core of real throughput), 24 GiB, Debian, Python 3.11.7"
REFERENCE_TIMES = {"full": "TBD", "quick": "TBD"}


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def readme(manifest: dict[str, Any], *, seconds: float, workers: int, scheduler: bool, runs_made: int = 0,
           runs_reused: int = 0, memory: float = 0.0) -> str:
    """The replication README of a build, from its manifest and how long it took."""
    from experiments.figures import machine

    quick = manifest["build"] == "quick"
    command = ".venv/bin/whoosh figures --quick" if quick else "make figures     # the same as .venv/bin/whoosh figures"
    lines = [
        f"# Replication package: Big Whoosh figures and tables ({manifest['build']} build)", "",
        "Every figure and table below is made by one command from the sweep specifications shipped in",
        "`experiments/sweeps/`; nothing is read from outside the repository. The numbers are simulated: there",
        "are no external data to obtain, and no data-use restrictions.", "",
    ]
    if quick:
        lines += ["**This is a quick build**: fewer seeds, a smaller economy and shorter runs, to check the",
                  "pipeline in minutes. Its numbers are not the paper's; `make figures` makes those.", ""]
    lines += [
        "## Instructions", "",
        "From a clone of the repository, on Linux with Python 3.11 or later:", "",
        "```", "make setup        # a virtual environment in .venv with the exact dependencies below",
        command, "```", "",
        "The build writes into its folder (`--out`, default `runs/figures`, or `runs/figures-quick` with",
        "`--quick`): each figure as PNG and PDF with its data as CSV, each table as CSV and Markdown,",
        "`manifest.json`, this README and `requirements-lock.txt`. The sweeps' results go to `sweeps/` inside it;",
        "running the command again reuses them (and resumes an interrupted build), `--workers N` sets the local",
        "worker processes and `--scheduler ADDRESS` runs the sweeps on a Dask cluster. The results do not depend",
        "on either: `manifest.json` records the SHA-256 of every data CSV, identical from one build to the next.", "",
        "## Computational requirements", "",
        f"- Python {manifest['python']}; the packages the figures use, at the versions of this build:", "",
    ]
    lines += [f"  - {name} {version}" for name, version in manifest["packages"].items()]
    lines += [
        "", "- Every installed package at its exact version: `requirements-lock.txt`",
        "  (`pip install -r requirements-lock.txt` reproduces the environment).",
        f"- Code version: `{manifest['code_version']}` (git commit of the repository).",
        f"- Memory: about {memory / 2**30:.1f} GiB per worker process at most (the estimate of "
        "`experiments/budget.py`); disk: under 1 GB.", "",
        "## Controlled randomness", "",
        "All randomness comes from numpy Generators seeded from each sweep's root seed: run *i* of a sweep",
        "uses `SeedSequence(root_seed, spawn_key=(i,))`, so a run's numbers do not depend on the worker count,",
        "the executor or the order runs finish in. The scorecard's runs use seeds 0 … n-1 per experiment.", "",
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
              "in `experiments/sweeps/`; `experiments/figures.py` declares which summary and plot make each exhibit.", ""]
    return "\n".join(lines)
