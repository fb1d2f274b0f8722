"""Timing the model: seconds per step, construction time, peak memory and the vectorised-vs-per-agent ratio.

``python -m experiments.benchmark docs/scaling.png`` runs :func:`scaling_sweep` and writes the log-log plot
``docs/scaling.png`` and its numbers ``docs/scaling.csv``. ``whoosh bench`` prints the headline numbers against
the project's targets (:data:`TARGETS`).

The per-agent Mesa baseline is not part of the installed package: it lives beside the benchmarks in the source
checkout (tests/benchmarks/rules.py) and :func:`load_baseline` imports it from there.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import pandas as pd

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
BASELINE = Path("tests/benchmarks/rules.py")
WORKERS_PER_SCALE = 10_000

SERIES_MODEL = "full model step (vectorised)"
SERIES_VECTORISED = "labour+consumption rules, vectorised"
SERIES_PER_AGENT = "labour+consumption rules, per-agent Mesa"
SERIES = (SERIES_MODEL, SERIES_VECTORISED, SERIES_PER_AGENT)

TARGETS = {
    "step_s_1m": 0.25,            # one step of the full model at 1M workers, seconds (≥ 4M worker-steps/s)
    "construction_s_1m": 15.0,    # building the 1M-worker model, seconds
    "rules_ratio": 100.0,         # per-agent over vectorised seconds per month of the benchmark rules, at 100k
    "peak_memory_mb_1m": 1536.0,  # peak resident memory of a process building and stepping the 1M-worker model
    "linearity_1m_100k": 12.0,    # step time at 1M workers over step time at 100k
}


# ------------------------------------------------------------------------------------------- baseline

def load_baseline() -> ModuleType:
    """The per-agent/vectorised rules module, imported from the source checkout's tests/benchmarks/rules.py."""
    path = PACKAGE_ROOT / BASELINE
    if not path.is_file():
        raise FileNotFoundError(
            f"the per-agent baseline lives in the source checkout: {BASELINE.as_posix()} (not found at {path}); "
            "run from a clone of the repository installed with `pip install -e .`")
    name = "_whoosh_benchmark_rules"
    module = sys.modules.get(name)
    if module is not None and Path(module.__file__ or "").resolve() == path.resolve():
        return module
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module           # dataclasses resolve the module's annotations through sys.modules
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


# ------------------------------------------------------------------------------------------- timings

def time_model_step(scale: float, steps: int = 5, warmup: int = 2, seed: int = 0,
                    scenario: str = "baseline") -> dict:
    """Build the model with ``population.scale = scale`` and time it.

    Returns:
        ``{"workers", "agents", "construction_s", "step_s", "worker_steps_per_s"}``: worker agents, all Mesa
        agents, seconds to construct, median seconds of ``steps`` single steps taken after ``warmup`` untimed
        steps, and workers / step_s.
    """
    if steps < 1 or warmup < 0:
        raise ValueError(f"steps must be at least 1 and warmup at least 0; got steps={steps}, warmup={warmup}")
    from experiments.scenarios import resolve_parameters
    from model.economy import WhooshModel

    params = resolve_parameters(scenario, [f"population.scale={scale}"])
    gc.collect()
    start = time.perf_counter()
    with WhooshModel(params, seed=seed) as model:
        construction_s = time.perf_counter() - start
        for _ in range(warmup):
            model.step()
        seconds = []
        for _ in range(steps):
            start = time.perf_counter()
            model.step()
            seconds.append(time.perf_counter() - start)
        workers, agents = len(model.workers), len(model.agents)
    step_s = statistics.median(seconds)
    return {"workers": workers, "agents": agents, "construction_s": construction_s, "step_s": step_s,
            "worker_steps_per_s": workers / step_s}


def time_rules(scale: float, months: int = 3, seed: int = 0) -> dict:
    """The baseline's ``speed_ratio``: median seconds per month of the vectorised and the per-agent rules.

    Returns:
        ``{"vectorised_s", "per_agent_s", "ratio", "workers"}`` (ratio = per_agent_s / vectorised_s).
    """
    return load_baseline().speed_ratio(scale=scale, months=months, seed=seed)


# Linux keeps ru_maxrss across execve, so a child forked from a big process would report the parent's
# peak; /proc/self/status VmHWM belongs to the new address space. ru_maxrss is the fallback elsewhere.
PEAK_MEMORY_SCRIPT = """
import resource, sys
from experiments.scenarios import resolve_parameters
from model.economy import WhooshModel
model = WhooshModel(resolve_parameters(sys.argv[1], [f"population.scale={sys.argv[2]}"]), seed=0)
for _ in range(int(sys.argv[3])):
    model.step()
try:
    with open("/proc/self/status") as status:
        print(next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024)
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024)
"""


def peak_memory_mb(scale: float, steps: int = 3, scenario: str = "baseline") -> float:
    """Peak resident memory (MB) of a fresh Python process that builds the model and runs ``steps`` steps."""
    result = subprocess.run([sys.executable, "-c", PEAK_MEMORY_SCRIPT, scenario, str(scale), str(steps)],
                            capture_output=True, text=True, cwd=PACKAGE_ROOT)
    if result.returncode != 0:
        tail = result.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"peak-memory run at scale {scale} failed (status {result.returncode}): {tail[0]}")
    return float(result.stdout.split()[-1])


# ------------------------------------------------------------------------------------------- sweep

def scaling_sweep(model_scales: Iterable[float] = (1, 3, 10, 30, 100), rules_scales: Iterable[float] = (1, 3, 10, 30, 100),
                  *, steps: int = 3, warmup: int = 2, months: int = 2, seed: int = 0,
                  progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Seconds per simulated month against workers, one row per (series, workers).

    Series: the full model's step (median of ``steps`` after ``warmup``) and one month of the benchmark
    labour+consumption rules, vectorised and per-agent Mesa (median of ``months`` each, same initial state).
    """
    rows = []
    for scale in model_scales:
        if progress:
            progress(f"full model at {scale * WORKERS_PER_SCALE:,.0f} workers")
        result = time_model_step(scale, steps=steps, warmup=warmup, seed=seed)
        rows.append((SERIES_MODEL, result["workers"], result["step_s"]))
    for scale in rules_scales:
        if progress:
            progress(f"rules at {scale * WORKERS_PER_SCALE:,.0f} workers")
        result = time_rules(scale, months=months, seed=seed)
        rows.append((SERIES_VECTORISED, result["workers"], result["vectorised_s"]))
        rows.append((SERIES_PER_AGENT, result["workers"], result["per_agent_s"]))
    return pd.DataFrame(rows, columns=["series", "workers", "seconds"])


# ------------------------------------------------------------------------------------------- plot

@lru_cache(maxsize=1)
def machine_description() -> str:
    """CPU model name (lscpu, else /proc/cpuinfo, else platform) and the number of logical cores."""
    name = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        match = re.search(r"^Model name:\s*(.+)$", out, re.MULTILINE)
        name = match.group(1).strip() if match else ""
    except (OSError, subprocess.SubprocessError):
        pass
    if not name:
        try:
            match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
            name = match.group(1).strip() if match else ""
        except OSError:
            pass
    name = name or platform.processor() or platform.machine() or "unknown CPU"
    cores = os.cpu_count()
    return f"{name}, {cores} core{'s' if cores != 1 else ''}" if cores else name


def plot_scaling(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Log-log plot of seconds per simulated month vs workers for each series; PNG at ``path``, CSV beside it.

    A dashed slope-1 line (linear scaling) passes through the full model's point nearest 100k workers.
    Returns the PNG path.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import EngFormatter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(8, 6), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    styles = {SERIES_MODEL: ("o", "C0"), SERIES_VECTORISED: ("s", "C2"), SERIES_PER_AGENT: ("^", "C3")}
    names = [s for s in SERIES if s in set(frame["series"])] + sorted(set(frame["series"]) - set(SERIES))
    for name in names:
        part = frame[frame["series"] == name].sort_values("workers")
        marker, colour = styles.get(name, ("D", None))
        ax.plot(part["workers"], part["seconds"], marker=marker, color=colour, linewidth=1.6, markersize=6,
                label=name)

    model = frame[frame["series"] == SERIES_MODEL]
    if len(model):
        anchor = model.iloc[model["workers"].map(lambda w: abs(math.log(w / 1e5))).argmin()]
        x0, y0 = float(anchor["workers"]), float(anchor["seconds"])
        lo, hi = float(frame["workers"].min()), float(frame["workers"].max())
        ax.plot([lo, hi], [y0 * lo / x0, y0 * hi / x0], linestyle="--", color="0.45", linewidth=1.1,
                label=f"linear scaling (slope 1) through the full model at {x0 / 1e3:,.0f}k")

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(EngFormatter(sep=""))
    ax.set_xlabel("workers (agents)")
    ax.set_ylabel("seconds per simulated month")
    ax.set_title(f"Big Whoosh: time per step vs population\n{machine_description()}", fontsize=11)
    ax.grid(True, which="major", alpha=0.5)
    ax.grid(True, which="minor", alpha=0.15)
    fig.legend(loc="outside lower center", ncols=2, fontsize=9, frameon=False)
    fig.savefig(path, dpi=150)
    frame.to_csv(path.with_suffix(".csv"), index=False)
    return path


# ------------------------------------------------------------------------------------------- script

def main(argv: list[str] | None = None) -> None:
    """``python -m experiments.benchmark [PNG]``: run the sweep, write the PNG and CSV, print the table."""
    parser = argparse.ArgumentParser(prog="python -m experiments.benchmark", description=main.__doc__)
    parser.add_argument("png", nargs="?", default="docs/scaling.png", help="output PNG (CSV written beside it)")
    args = parser.parse_args(argv)
    load_baseline()        # fail before minutes of timing if the baseline is missing
    started = time.perf_counter()
    frame = scaling_sweep(progress=lambda text: print(f"timing {text} ...", file=sys.stderr, flush=True))
    png = plot_scaling(frame, args.png)
    table = frame.pivot(index="workers", columns="series", values="seconds")[list(SERIES)]
    with pd.option_context("display.width", 200, "display.max_columns", 10, "display.float_format", "{:.4g}".format):
        print(f"seconds per simulated month ({machine_description()}):")
        print(table.to_string(na_rep="—"))
    print(f"wrote {png} and {png.with_suffix('.csv')} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
