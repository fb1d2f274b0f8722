"""The ``whoosh`` command line: list scenarios and run one.

Bad input ends with one line ``error: <message>`` on stderr and exit status 2, before any
output is created.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from experiments.provenance import PACKAGES, git_commit, package_versions
from experiments.scenarios import ParameterError, list_scenarios, resolve_parameters, scenario_label

RUN_FILES = {"metrics.parquet", "run.json"}
SCORECARD_FILES = {"scorecard.md", "scorecard.json", "scorecard.png"}
STRESS_FILES = {"stress.json"}
SHOWN_FAILURES = 5
LABELS: dict[str, tuple[str, str]] = {
    "peak_unemployment_home": ("Peak unemployment", "pct1"),
    "peak_unemployment_home_date": ("Peak unemployment month", "text"),
    "final_unemployment_home": ("Final unemployment", "pct1"),
    "inflation_mean_home": ("Inflation, yearly, mean", "pct1"),
    "policy_rate_final_home": ("Policy rate, end", "pct2"),
    "months_at_floor_home": ("Months with the policy rate at zero", "int"),
    "talent_offshore_share_final": ("AI talent living abroad, end", "pct1"),
    "half_outflow_date": ("Half the talent outflow gone by", "text"),
    "capital_flight_stock": ("Capital flight stock", "usd_bn"),
    "peak_unemployment_world": ("Peak unemployment (labour-force weighted)", "pct1"),
    "peak_unemployment_world_date": ("Peak unemployment month", "text"),
    "final_unemployment_world": ("Final unemployment", "pct1"),
    "inflation_mean_world": ("Inflation, yearly, mean (GDP weighted)", "pct1"),
}

console = Console()
err_console = Console(stderr=True)


class BadInput(typer.TyperException):
    """Input the user must fix; exits with status 2."""

    exit_code = 2


class OneLineErrors(TyperGroup):
    """Reports every usage error as one ``error:`` line on stderr instead of a usage panel."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except typer.TyperException as exc:
            if type(exc).__name__ != "NoArgsIsHelpError":  # its help text is already printed
                print_error(exc.format_message())
            sys.exit(exc.exit_code)
        except typer.Abort:
            print_error("aborted")
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


app = typer.Typer(
    cls=OneLineErrors,
    help="Big Whoosh: an agent-based model of AI, robots, unemployment and the flight of AI talent.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def print_error(message: str) -> None:
    """Print one ``error:`` line to stderr, never wrapped."""
    line = " ".join(message.split())
    err_console.print(Text.assemble(("error: ", "bold red"), line), soft_wrap=True, markup=False, highlight=False)


def integer_from(minimum: int) -> Callable[[str], int]:
    """A parser for integer options of at least ``minimum``."""

    def parse(value: str | int) -> int:
        text = str(value).strip()
        if not re.fullmatch(r"[+-]?\d+", text):
            raise typer.BadParameter(f"value {text!r} is not an integer; allowed an integer of {minimum} or more")
        if int(text) < minimum:
            raise typer.BadParameter(f"value {text} is out of range; allowed an integer of {minimum} or more")
        return int(text)

    return parse


@app.command()
def scenarios() -> None:
    """List the shipped scenarios."""
    try:
        rows = list_scenarios()
    except ParameterError as exc:
        raise BadInput(str(exc)) from None
    table = Table(title="Scenarios", show_lines=True)
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("description")
    for name, description in rows:
        table.add_row(name, description)
    console.print(table)


@app.command()
def run(
    scenario: Annotated[str, typer.Option("--scenario", "-s", metavar="NAME|FILE", help="scenario name (see `whoosh scenarios`) or the path of a scenario .toml file (e.g. one the dashboard exported)")],
    steps: Annotated[int, typer.Option(parser=integer_from(1), metavar="INTEGER", help="months to simulate")] = 120,
    seed: Annotated[int, typer.Option(parser=integer_from(0), metavar="INTEGER", help="random seed")] = 0,
    scale: Annotated[str | None, typer.Option(metavar="FLOAT", help="agent-count multiplier (sets population.scale)")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", metavar="KEY=VALUE", help="override a parameter: key=value (repeatable)")] = None,
    out: Annotated[Path | None, typer.Option(metavar="DIR", help="output directory (default: runs/<scenario>-seed<seed>)")] = None,
    check_phases: Annotated[bool, typer.Option("--check-phases", help="check the books after every phase (slower; names the phase that breaks them)")] = False,
    allow_large: Annotated[bool, typer.Option("--allow-large", help="run above the work budget (agent-months; see docs/SWEEPS.md)")] = False,
) -> None:
    """Run one scenario; write DIR/metrics.parquet and DIR/run.json."""
    from experiments.budget import check_memory, check_run_size

    overrides = [*(sets or []), *([f"population.scale={scale}"] if scale is not None else [])]
    try:
        params = resolve_parameters(scenario, overrides)
        work = check_run_size(params, steps, allow_large=allow_large)
        check_memory(work.memory_per_worker, 1, flag="--scale")
    except ParameterError as exc:
        raise BadInput(str(exc)) from None
    out = out if out is not None else Path("runs") / f"{scenario_label(scenario)}-seed{seed}"
    check_out_dir(out)

    from model.economy import WhooshModel  # imported late: `whoosh scenarios` and bad input stay fast
    from model.metrics import headline

    started = time.perf_counter()
    model = None
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(), console=err_console, disable=not err_console.is_terminal,
    )
    try:
        model = WhooshModel(parameters=params, seed=seed, check_each_phase=check_phases)
        with progress:
            for _ in progress.track(range(steps), description=f"{scenario} seed {seed}"):
                model.step()
        frame = model.metrics_frame()
        summary = {key: plain(value) for key, value in headline(frame, params.home).items()}
    except Exception as exc:  # noqa: BLE001 - reported as one line with a reproduction, no traceback
        from experiments.robustness import run_command

        if model is None:
            when, month = f"while building the economy of {params.start}", 0
        else:
            when, month = f"at {model.date} (month {model.steps})", model.steps
        command = run_command(scenario, seed, max(month, 1), scale, sets or [], check_phases,
                              warnings_as_errors=isinstance(exc, RuntimeWarning))
        raise typer.TyperException(f"the model failed {when}: {type(exc).__name__}: {exc}; "
                                   f"reproduce with: {command}") from None
    wall_time = time.perf_counter() - started

    console.print(headline_table(summary, params.home, title=f"{scenario}, seed {seed}, {steps} months from {params.start}"))
    record = {
        "scenario": scenario,
        "sets": overrides,
        "seed": seed,
        "steps": steps,
        "parameters": params.model_dump(mode="json"),
        "headline": summary,
        "version": package_version(),
        "git_commit": git_commit(),
        "wall_time_s": round(wall_time, 3),
    }
    write_run(out, frame, record)
    console.print(f"wrote {out}/metrics.parquet and {out}/run.json", markup=False, highlight=False)


@app.command()
def validate(
    seeds: Annotated[int | None, typer.Option(parser=integer_from(2), metavar="N", help="seeds per design point (default 6 quick, 12 full)")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="smaller runs and fewer seeds: a few minutes, for CI")] = False,
    out: Annotated[Path | None, typer.Option(metavar="DIR", help="where the scorecard goes (default: runs/validation[-quick])")] = None,
    workers: Annotated[int, typer.Option(parser=integer_from(1), metavar="N", help="local worker processes")] = os.cpu_count() or 1,
) -> None:
    """Run the stylized-facts experiments; print the scorecard and write it as Markdown, JSON and PNG.

    Exits 1 when a fact falls outside its band.
    """
    from experiments import validation
    from experiments.analysis import format_number

    out = out if out is not None else Path("runs") / ("validation-quick" if quick else "validation")
    check_out_dir(out, SCORECARD_FILES, "scorecard")
    design = validation.Design.for_mode(quick, seeds)
    runs = validation.cases(design)
    started = time.perf_counter()
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console) as bar:
        task = bar.add_task("validation runs", total=len(runs))
        records = validation.run_all(runs, workers, on_done=lambda _: bar.advance(task))
    scores = validation.score(records)
    meta = {"mode": "quick" if quick else "full", "seeds": design.seeds, "runs": len(runs),
            "design": asdict(design), "wall_time_s": round(time.perf_counter() - started, 1),
            "git_commit": git_commit(), "versions": package_versions(PACKAGES),
            "cyclical_unemployment_sd": asdict(validation.cyclical_volatility(records))}

    table = Table(title=f"Stylized facts ({meta['mode']}, {design.seeds} seeds, {len(runs)} runs)", show_lines=False)
    for name, style in (("fact", "bold"), ("source", "dim"), ("band", ""), ("estimate", "cyan"), ("95% CI", ""), ("", "")):
        table.add_column(name, style=style)
    for s in scores:
        f, e = s.fact, s.estimate
        table.add_row(f.title, f.source, f"{format_number(f.low)} to {format_number(f.high)} {f.unit}",
                      format_number(e.value), validation.interval_text(e),
                      Text("pass", style="green") if s.passed else Text("FAIL", style="bold red"))
    wide_console().print(table)
    validation.write_scorecard(out, scores, meta)
    failed = [s.fact.key for s in scores if not s.passed]
    console.print(f"{len(scores) - len(failed)} of {len(scores)} facts in band; wrote {out}/scorecard.md, "
                  f"scorecard.json and scorecard.png", markup=False, highlight=False)
    if failed:
        err_console.print(f"out of band: {', '.join(failed)}", markup=False, highlight=False)
        raise typer.Exit(1)


@app.command()
def stress(
    runs: Annotated[int, typer.Option(parser=integer_from(1), metavar="N", help="random valid settings to run")] = 1000,
    workers: Annotated[int, typer.Option(parser=integer_from(1), metavar="N", help="local worker processes")] = os.cpu_count() or 1,
    seed: Annotated[int, typer.Option(parser=integer_from(0), metavar="S", help="seed of the sampler")] = 0,
    out: Annotated[Path | None, typer.Option(metavar="DIR", help="write DIR/stress.json: every setting and its result")] = None,
) -> None:
    """Run random valid settings (scenario, seed, scale, horizon, overrides) with every check armed.

    A run fails on any exception, numpy warning, unbalanced books or non-finite metric. Exits 1 if any run fails.
    """
    from experiments import robustness

    if out is not None:
        check_out_dir(out, STRESS_FILES, "stress run")
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("failed {task.fields[failed]}"), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console) as bar:
        task = bar.add_task("stress runs", total=runs, failed=0)

        def on_done(result: robustness.Result) -> None:
            bar.update(task, advance=1, failed=bar.tasks[task].fields["failed"] + (not result.ok))

        outcome = robustness.stress(runs, workers, seed, on_done=on_done)
    failures = outcome.failures
    if failures:
        table = Table(title="failures by type")
        for name, justify in (("exception", "left"), ("runs", "right"), ("first message", "left")):
            table.add_column(name, justify=justify)
        by_type: dict[str, list] = {}
        for _, result in failures:
            by_type.setdefault(result.error, []).append(result)
        for error, results in sorted(by_type.items(), key=lambda item: (-len(item[1]), item[0])):
            table.add_row(error, str(len(results)), results[0].cause())
        wide_console().print(table)
        console.print(f"first {min(len(failures), SHOWN_FAILURES)} of {len(failures)} failures:", markup=False)
        for _, result in failures[:SHOWN_FAILURES]:
            console.print(f"- {result.summary()}\n  {result.reproduction}", soft_wrap=True, markup=False,
                          highlight=False)
    totals = Table(title=f"whoosh stress, seed {seed}")
    totals.add_column("result")
    totals.add_column("value", justify="right", style="bold")
    for label, value in (("runs", len(outcome.settings)), ("failed", len(failures)),
                         ("redraws (invalid draws)", len(outcome.rejected)), ("wall time", f"{outcome.seconds:,.1f} s")):
        totals.add_row(label, str(value))
    console.print(totals)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        record = {**outcome.as_dict(), "workers": workers, "git_commit": git_commit()}
        (out / "stress.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        console.print(f"wrote {out}/stress.json", markup=False, highlight=False)
    if failures:
        raise typer.Exit(1)


def check_out_dir(out: Path, allowed_files: set[str] = RUN_FILES, kind: str = "run") -> None:
    """Refuse an output path that is a file, sits under a file, or is a directory other than a previous run."""
    if out.is_file():
        raise BadInput(f"--out: {out} is a file; allowed a directory path")
    if out.is_dir() and not set(os.listdir(out)) <= allowed_files:
        raise BadInput(f"--out: {out} exists and is not a previous {kind}; allowed a new path or a {kind} directory")
    for parent in out.absolute().parents:
        if parent.exists():
            if not parent.is_dir() or not os.access(parent, os.W_OK) or not can_create_in(parent):
                raise BadInput(f"--out: {parent} is not a writable directory; allowed a path under one")
            return


def can_create_in(folder: Path) -> bool:
    """Whether a directory can really be made in ``folder`` (``os.access`` says yes to root on /proc)."""
    try:
        probe = Path(tempfile.mkdtemp(prefix=".whoosh-probe-", dir=folder))
    except OSError:
        return False
    probe.rmdir()
    return True


def write_run(out: Path, frame: Any, record: dict[str, Any]) -> None:
    """Write the run's files into ``out`` all at once (see ``write_folder``)."""

    def files(staging: Path) -> None:
        frame.to_parquet(staging / "metrics.parquet", engine="pyarrow", index=False)
        (staging / "run.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")

    write_folder(out, files)


def write_folder(out: Path, write: Callable[[Path], Any]) -> None:
    """Call ``write(staging)`` on a temporary sibling directory, then move it into place as ``out``
    (replacing a previous one): either every file lands or none does.

    Raises:
        typer.TyperException: one line (exit status 1) when the files cannot be written (disk full…).
    """
    try:
        _write_folder(out, write)
    except OSError as exc:
        raise typer.TyperException(f"--out: cannot write {out} ({exc.strerror or type(exc).__name__}); nothing "
                                   "was written; allowed a writable directory with room for the files") from None


def _write_folder(out: Path, write: Callable[[Path], Any]) -> None:
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(4)
    staging = out.with_name(f".{out.name}.{token}.tmp")
    previous = out.with_name(f".{out.name}.{token}.old")
    staging.mkdir()
    try:
        write(staging)
        if out.exists():
            out.rename(previous)
        staging.rename(out)
    except BaseException:
        if previous.exists() and not out.exists():
            previous.rename(out)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(previous, ignore_errors=True)


def headline_table(summary: dict[str, Any], home: str, title: str) -> Table:
    """The headline results as a two-column table: the home jurisdiction first, then the world."""
    from model.metrics import HOME_HEADLINE, WORLD_HEADLINE

    table = Table(title=title)
    table.add_column("result")
    table.add_column("value", justify="right", style="bold")
    for heading, keys in ((f"{home} (home jurisdiction)", HOME_HEADLINE), ("World (all jurisdictions)", WORLD_HEADLINE)):
        table.add_row(Text(heading, style="bold underline"), "")
        for key in keys:
            label, style = LABELS.get(key, (key, "text"))
            table.add_row(f"  {label}", format_value(summary.get(key), style))
    return table


def format_value(value: Any, style: str) -> str:
    """A headline value for display; missing values as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if style == "pct1":
        return f"{value:.1%}"
    if style == "pct2":
        return f"{value:.2%}"
    if style == "int":
        return f"{value:,.0f}"
    if style == "usd_bn":
        return f"${value * 1e3 / 1e9:,.1f}bn"
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def plain(value: Any) -> Any:
    """A JSON-ready scalar: numpy scalars unwrapped, NaN and infinities as None."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def package_version() -> str | None:
    """The installed bigwhoosh version."""
    return package_versions(["bigwhoosh"]).get("bigwhoosh")


@app.command()
def bench(
    quick: Annotated[bool, typer.Option("--quick", help="skip the 1M-worker model (for tests)")] = False,
) -> None:
    """Time the model: worker-steps per second at 100k and 1M workers, construction, vectorised vs per-agent rules."""
    from experiments import benchmark  # imported late: `whoosh scenarios` and bad input stay fast

    try:
        benchmark.load_baseline()  # fail at once, not after the timings, when run outside the source checkout
    except FileNotFoundError as exc:
        raise BadInput(str(exc)) from None
    targets = benchmark.TARGETS
    started = time.perf_counter()
    with err_console.status("timing", spinner="dots") as status:
        status.update("full model, 100k workers: build, 2 warm-up steps, 3 timed steps")
        small = benchmark.time_model_step(10, steps=3, warmup=2)
        large = None
        if not quick:
            status.update("full model, 1M workers: build, 2 warm-up steps, 3 timed steps")
            large = benchmark.time_model_step(100, steps=3, warmup=2)
        memory = None
        if not quick:
            status.update("full model, 1M workers: peak memory of a fresh process")
            memory = benchmark.peak_memory_mb(100)
        status.update("labour+consumption rules, 100k workers: vectorised vs per-agent Mesa")
        rules = benchmark.time_rules(10, months=3)
    wall_time = time.perf_counter() - started

    def check(ok: bool | None) -> Text:
        return Text("") if ok is None else Text("✓", style="bold green") if ok else Text("✗", style="bold red")

    def step_result(result: dict) -> str:
        return f"{result['worker_steps_per_s'] / 1e6:.2f}M ({result['step_s']:.3f} s/step)"

    skipped = "skipped (--quick)"
    per_step_1m = benchmark.WORKERS_PER_SCALE * 100 / targets["step_s_1m"] / 1e6
    table = Table(title=f"whoosh bench on {benchmark.machine_description()} (took {wall_time:.0f} s)")
    table.add_column("measure", no_wrap=True)
    table.add_column("result", justify="right", style="bold")
    table.add_column("target", justify="right")
    table.add_column("", justify="center")
    table.add_row("100k workers: worker-steps/s", step_result(small), "", check(None))
    table.add_row("1M workers: worker-steps/s", step_result(large) if large else skipped,
                  f"≥ {per_step_1m:g}M (≤ {targets['step_s_1m']:g} s)",
                  check(None if large is None else large["step_s"] <= targets["step_s_1m"]))
    table.add_row("1M workers: construction",
                  f"{large['construction_s']:.1f} s ({large['agents'] / 1e6:.2f}M agents)" if large else skipped,
                  f"≤ {targets['construction_s_1m']:g} s",
                  check(None if large is None else large["construction_s"] <= targets["construction_s_1m"]))
    table.add_row("1M workers: peak memory", f"{memory:,.0f} MB" if memory else skipped,
                  f"≤ {targets['peak_memory_mb_1m']:,.0f} MB",
                  check(None if memory is None else memory <= targets["peak_memory_mb_1m"]))
    linearity = large["step_s"] / small["step_s"] if large else None
    table.add_row("step time 1M ÷ 100k", f"{linearity:.1f}" if linearity else skipped,
                  f"≤ {targets['linearity_1m_100k']:g}", check(None if linearity is None else linearity <= targets["linearity_1m_100k"]))
    table.add_row("100k workers: rules speed-up",
                  f"{rules['ratio']:.0f}× ({rules['per_agent_s'] * 1e3:.0f} vs {rules['vectorised_s'] * 1e3:.1f} ms)",
                  f"≥ {targets['rules_ratio']:g}×", check(rules["ratio"] >= targets["rules_ratio"]))
    console.print(table)
    console.print("Model: median of 3 steps after 2 warm-up steps. Rules speed-up: seconds per month of the same "
                  "labour+consumption rules, per-agent Mesa ÷ vectorised, from one 100k initial state after a warm-up "
                  "month (median of 3 per-agent and 10 vectorised months).", style="dim", markup=False, highlight=False)


def _number(value: str | float, allowed: str) -> tuple[str, float]:
    """The option's text and its value as a float; one line naming the value when it is not a number."""
    text = str(value).strip()
    try:
        return text, float(text)
    except ValueError:
        raise typer.BadParameter(f"value {text!r} is not a number; allowed {allowed}") from None


def finite_float(value: str | float) -> float:
    """A parser for finite numbers."""
    text, number = _number(value, "a finite number")
    if not math.isfinite(number):
        raise typer.BadParameter(f"value {text} is not finite; allowed a finite number")
    return number


def positive_float(value: str | float) -> float:
    """A parser for finite floats above zero."""
    text, number = _number(value, "a number above 0")
    if not math.isfinite(number) or number <= 0:
        raise typer.BadParameter(f"value {text} is out of range; allowed a finite number above 0")
    return number


@app.command()
def sweep(
    spec_path: Annotated[str, typer.Argument(metavar="SPEC", help="sweep spec: a TOML file or a shipped name (experiments/sweeps)")],
    out: Annotated[Path | None, typer.Option(metavar="DIR", help="results folder (default: runs/sweeps/<name>); re-run to resume")] = None,
    workers: Annotated[int, typer.Option(parser=integer_from(1), metavar="N", help="local worker processes")] = os.cpu_count() or 1,
    scheduler: Annotated[str | None, typer.Option(metavar="ADDRESS", help="a Dask scheduler, e.g. tcp://host:8786 (needs the 'cluster' extra)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show the design and an estimate; run nothing")] = False,
    precision: Annotated[float | None, typer.Option(parser=positive_float, metavar="H", help="add replicates per design point until the 95% interval half-width of --metric is at most H")] = None,
    metric: Annotated[str | None, typer.Option(metavar="M", help="summary metric of --precision, e.g. talent_offshore_share_final")] = None,
    max_replicates: Annotated[int | None, typer.Option(parser=integer_from(2), metavar="R", help=f"most replicates per point with --precision (default {DEFAULT_MAX_REPLICATES})")] = None,
    allow_large: Annotated[bool, typer.Option("--allow-large", help="run a sweep above the work budget (see docs/SWEEPS.md)")] = False,
) -> None:
    """Run a parameter sweep in batches, writing results as runs finish; re-running resumes."""
    from experiments.budget import check_memory, work_of
    from experiments.sweep import SweepError, SweepIOError, check_folder, estimate_run_seconds, open_folder, run_sweep
    from experiments.sweep_spec import read_spec, run_table

    try:
        spec = read_spec(spec_path, allow_large=allow_large)
        target = precision_target(spec, precision, metric, max_replicates, allow_large)
        if scheduler is None and not dry_run:
            check_memory(work_of(spec).memory_per_worker, workers)
    except ParameterError as exc:
        raise BadInput(str(exc)) from None
    out = out if out is not None else Path("runs") / "sweeps" / spec.name
    try:
        check_folder(spec, out)
    except SweepError as exc:
        raise BadInput(str(exc)) from None
    if dry_run:
        from experiments.sweep import pending_runs

        todo, skipped = pending_runs(spec, out)
        print_design(spec, run_table(spec), len(todo), skipped, estimate_run_seconds(spec), workers if scheduler is None else None)
        return
    executor, client = None, None
    if scheduler is not None:
        executor, client, workers = dask_executor(scheduler)
    try:
        folder = open_folder(spec, out)
    except SweepError as exc:
        raise BadInput(str(exc)) from None
    except OSError as exc:
        raise BadInput(f"--out: cannot write results to {out} ({exc.strerror or type(exc).__name__}); "
                       "allowed a writable directory path") from None
    columns = (TextColumn("{task.description}", markup=False, style="bold"), BarColumn(), MofNCompleteColumn(),
               TextColumn("ok {task.fields[done]} · failed {task.fields[failed]}"), TimeElapsedColumn(), TimeRemainingColumn())
    started = time.perf_counter()
    with folder, Progress(*columns, console=err_console, disable=not err_console.is_terminal) as bar:
        task = bar.add_task(spec.name, total=None, done=0, failed=0)

        def on_progress(state) -> None:
            bar.update(task, total=state.total, completed=state.skipped + state.done + state.failed,
                       done=state.skipped + state.done, failed=state.failed)

        def on_note(note: str) -> None:
            bar.console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)

        try:
            state = run_sweep(spec, out, workers=workers, executor=executor, on_progress=on_progress,
                              on_note=on_note, precision=target, folder=folder)
        except (SweepError, SweepIOError) as exc:
            bar.stop()
            raise typer.TyperException(str(exc)) from None
        except KeyboardInterrupt:
            bar.stop()
            print_error(f"interrupted; the runs finished so far are kept in {out}: run the same command to resume")
            sys.exit(130)
        finally:
            if client is not None:
                client.close()
    wall = time.perf_counter() - started
    table = Table(title=Text(f"sweep {spec.name}"))
    table.add_column("result")
    table.add_column("value", justify="right", style="bold")
    for label, value in (("runs in the design", state.total), ("skipped (already done)", state.skipped),
                         ("finished ok", state.done), ("failed", state.failed), ("wall time", f"{wall:,.1f} s"),
                         ("results", str(out))):
        table.add_row(label, Text(str(value)))
    console.print(table)
    if target is not None:
        print_replicates(state.replicates, target, out)
    if state.failed:
        err_console.print(f"{state.failed} run(s) failed; their errors are in {out}/runs (status 'failed')",
                          markup=False, highlight=False)
        raise typer.Exit(1)


DEFAULT_MAX_REPLICATES = 50


def precision_target(spec, precision: float | None, metric: str | None, max_replicates: int | None, allow_large: bool):
    """The precision target of ``--precision/--metric/--max-replicates``, checked; None without ``--precision``."""
    from experiments.budget import check_sweep_size
    from experiments.replicates import Precision
    from experiments.sweep_spec import summary_columns

    if precision is None:
        if metric is not None or max_replicates is not None:
            flag = "--metric" if metric is not None else "--max-replicates"
            raise ParameterError(f"{flag}: given without --precision; allowed only together with --precision H")
        return None
    columns = summary_columns(spec.metrics.summary)
    if metric is None:
        raise ParameterError(f"--metric: missing; --precision needs a summary metric, one of: {', '.join(columns)}")
    if metric not in columns:
        raise ParameterError(f"--metric: value {metric!r} is not a summary metric of this spec; allowed: {', '.join(columns)}")
    cap = max_replicates if max_replicates is not None else max(DEFAULT_MAX_REPLICATES, spec.replicates)
    if cap < spec.replicates:
        raise ParameterError(f"--max-replicates: value {cap} is below the spec's replicates ({spec.replicates}); "
                             f"allowed an integer of {spec.replicates} or more")
    check_sweep_size(spec.model_copy(update={"replicates": cap}), allow_large=allow_large,
                     label=f"{spec.name} with --max-replicates {cap}")
    return Precision(metric=metric, half_width=precision, max_replicates=cap)


def print_replicates(points, target, out: Path) -> None:
    """How many replicates each design point took to reach the precision target."""
    reached = int(points["reached"].sum())
    counts = points["replicates"]
    console.print(f"precision: {reached} of {len(points)} design points reached a 95% half-width of "
                  f"{target.metric} ≤ {target.half_width:g}; replicates per point: min {counts.min()}, "
                  f"median {counts.median():g}, max {counts.max()} (cap {target.max_replicates}); "
                  f"per point in {out}/replicates-{target.metric}.csv", markup=False, highlight=False, soft_wrap=True)
    shown = points.sort_values(["reached", "half_width"], ascending=[True, False]).head(10)
    table = Table(title=Text("design points, least precise first"))
    for column in shown.columns:
        table.add_column(str(column), justify="right")
    for row in shown.itertuples(index=False):
        table.add_row(*(Text(f"{v:.4g}" if isinstance(v, float) else str(v)) for v in row))
    wide_console().print(table)


def print_design(spec, runs, pending: int, skipped: int, run_seconds: float, workers: int | None) -> None:
    """The dry-run report: counts, the design table's head and an estimated wall time."""
    table = Table(title=Text(f"{spec.name}: {spec.design} design, {len(runs) // spec.replicates} points × "
                             f"{spec.replicates} replicates = {len(runs)} runs ({pending} to run, {skipped} done)"))
    shown = runs.head(10)
    for column in shown.columns:
        table.add_column(Text(str(column)), justify="right")
    for row in shown.itertuples(index=False):
        table.add_row(*(Text(f"{v:.4g}" if isinstance(v, float) else str(v)) for v in row))
    console.print(table)
    estimate = f"{pending * run_seconds / workers / 60:,.1f} min on {workers} worker(s)" if workers else "depends on the cluster"
    console.print(f"about {run_seconds:.2f} s per run here ({spec.steps} steps): {estimate}", markup=False, highlight=False)


def dask_executor(address: str):
    """A ``concurrent.futures`` executor on an existing Dask cluster, its client, and its thread count."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise BadInput("--scheduler needs Dask: pip install 'bigwhoosh[cluster]'") from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise BadInput(f"--scheduler: cannot reach {address!r} ({type(exc).__name__}); allowed a running Dask "
                       "scheduler address such as tcp://host:8786") from None
    threads = max(1, sum(client.nthreads().values()))
    return client.get_executor(), client, threads


def wide_console() -> Console:
    """The output console, widened when it is not a terminal (piped tables should not wrap)."""
    return console if console.is_terminal else Console(width=200)


def load_results(folder: Path):
    """Load a results folder; say on stderr when it is incomplete, damaged or being written."""
    from experiments.folder_lock import current_holder, describe
    from experiments.results import DamagedManifest, IncompleteSweep, load

    if folder.exists() and not folder.is_dir():
        raise BadInput(f"DIR: {folder} is a file; allowed a folder written by `whoosh sweep`")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IncompleteSweep)     # said below as a note
            results = load(folder)
    except FileNotFoundError as exc:
        raise BadInput(f"{exc}; allowed a folder written by `whoosh sweep`") from None
    except DamagedManifest as exc:
        raise BadInput(f"{exc}; allowed: run the same `whoosh sweep SPEC --out {folder}` again to rebuild it") from None
    except OSError as exc:
        raise BadInput(f"DIR: cannot read {folder} ({exc.strerror or type(exc).__name__}); allowed a readable "
                       "folder written by `whoosh sweep`") from None
    holder = current_holder(folder)
    if holder is not None:
        print_note(f"a sweep is writing {folder} now ({describe(holder)}); these results are a snapshot")
    note = results.incomplete_note()
    if note:
        print_note(f"{note}; resume with `whoosh sweep SPEC --out {folder}`")
    return results


def print_note(message: str) -> None:
    """Print one ``note:`` line to stderr."""
    err_console.print(Text.assemble(("note: ", "bold yellow"), " ".join(message.split())), soft_wrap=True,
                      markup=False, highlight=False)


@app.command()
def summarize(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="a sweep results folder")],
    metric: Annotated[list[str] | None, typer.Option("--metric", "-m", metavar="M", help="summary metric (repeatable; default: the final values)")] = None,
) -> None:
    """Mean and 95% interval of summary metrics per factor level (per quintile for sampled designs)."""
    from experiments.analysis import format_summary, summarize as summarize_results

    results = load_results(folder)
    try:
        frame = summarize_results(results, metric or None)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    wide_console().print(format_summary(frame))


@app.command()
def sensitivity(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="results of a sobol or morris sweep")],
    metric: Annotated[str, typer.Option("--metric", "-m", metavar="M", help="summary metric, e.g. talent_offshore_share_final")],
) -> None:
    """Sobol or Morris sensitivity indices (SALib) of one summary metric."""
    from experiments.analysis import format_sensitivity, sensitivity as sensitivity_of

    results = load_results(folder)
    try:
        outcome = sensitivity_of(results, metric)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    wide_console().print(format_sensitivity(outcome))


@app.command()
def discover(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="a sweep results folder")],
    metric: Annotated[str, typer.Option("--metric", "-m", metavar="M", help="summary metric, e.g. talent_offshore_share_final")],
    above: Annotated[float | None, typer.Option(parser=finite_float, metavar="X", help="the outcome of interest: M above X")] = None,
    below: Annotated[float | None, typer.Option(parser=finite_float, metavar="X", help="the outcome of interest: M below X")] = None,
    method: Annotated[str, typer.Option(metavar="prim|cart", help="PRIM (peeling) or CART (a classification tree), from the EMA Workbench")] = "prim",
    threshold: Annotated[float, typer.Option(parser=finite_float, metavar="D", help="least density of a box (share of its runs that are of interest)")] = 0.8,
    out: Annotated[Path | None, typer.Option(metavar="DIR2", help="where discovery.json and discovery.png go (default: DIR/discovery-<metric>)")] = None,
) -> None:
    """Scenario discovery: the boxes of factor space where M is above (or below) X, with coverage and density."""
    from experiments.discovery import JSON_NAME, PNG_NAME, discover as find_boxes, format_boxes, write

    results = load_results(folder)
    target = out if out is not None else folder / f"discovery-{metric}"
    check_out_dir(target, {JSON_NAME, PNG_NAME}, kind="discovery")
    try:
        found = find_boxes(results, metric, above=above, below=below, method=method.lower(), threshold=threshold)
    except ValueError as exc:
        raise BadInput(str(exc).replace("above=", "--above ").replace("below=", "--below ")
                       .replace("method=", "--method ").replace("threshold=", "--threshold ")) from None
    wide_console().print(format_boxes(found))
    write_folder(target, lambda staging: write(found, staging))
    paths = [target / JSON_NAME, target / PNG_NAME]
    console.print(f"wrote {' and '.join(str(p) for p in paths)}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def figures(
    only: Annotated[list[str] | None, typer.Option(metavar="NAME", help="build only this figure or table (repeatable); default: all")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="few seeds, a small economy: minutes, to check the pipeline (not the paper's numbers)")] = False,
    workers: Annotated[int, typer.Option(parser=integer_from(1), metavar="N", help="local worker processes")] = os.cpu_count() or 1,
    scheduler: Annotated[str | None, typer.Option(metavar="ADDRESS", help="run the sweeps on a Dask scheduler, e.g. tcp://host:8786")] = None,
    out: Annotated[Path | None, typer.Option(metavar="DIR", help="where the figures go (default: runs/figures, or runs/figures-quick)")] = None,
) -> None:
    """Build every figure and table of the paper from its sweeps (run or reused), with a replication README."""
    from experiments import figures as registry
    from experiments.budget import check_memory, work_of
    from experiments.sweep import SweepError, SweepIOError, check_folder

    out = out if out is not None else (registry.QUICK_OUT if quick else registry.FULL_OUT)
    try:
        chosen = registry.select(only)
        specs = {name: registry.figure_spec(name, quick) for f in chosen for name in f.sweeps}
        if scheduler is None:
            for spec in specs.values():
                check_memory(work_of(spec).memory_per_worker, workers)
    except (ValueError, ParameterError) as exc:
        raise BadInput(str(exc)) from None
    check_figures_dir(out, registry.output_names())
    for spec in specs.values():
        try:
            check_folder(spec, out / "sweeps" / spec.name)
        except SweepError:
            raise BadInput(f"--out: {out / 'sweeps' / spec.name} holds results of another version of sweep "
                           f"{spec.name} (its spec or base scenario changed); allowed: delete that folder to "
                           "remake it, or another --out") from None
    local_workers = workers
    executor, client = None, None
    if scheduler is not None:
        executor, client, workers = dask_executor(scheduler)
    columns = (TextColumn("{task.description}", markup=False, style="bold"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    started = time.perf_counter()
    with Progress(*columns, console=err_console, disable=not err_console.is_terminal) as bar:
        task = bar.add_task("", total=None, visible=False)

        def say(line: str) -> None:
            bar.console.print(line, markup=False, highlight=False, soft_wrap=True)

        def on_figure(figure, i: int, n: int) -> None:
            say(f"[{i}/{n}] {registry.label(figure)}: {figure.name}")

        def on_sweep(spec, todo: int) -> None:
            total = registry.run_count(spec)
            say(f"      sweep {spec.name}: {total} runs, " + (f"{todo} to run" if todo else "all reused"))
            bar.update(task, description=f"sweep {spec.name}", total=total, completed=total - todo, visible=todo > 0)

        def on_progress(state) -> None:
            bar.update(task, total=state.total, completed=state.skipped + state.done + state.failed)

        def on_scorecard(runs: int) -> None:
            say(f"      stylized-facts runs: {runs} to run")
            bar.update(task, description="stylized-facts runs", total=runs, completed=0, visible=True)

        reporter = registry.Reporter(figure=on_figure, sweep=on_sweep, progress=on_progress,
                                     note=lambda line: say(f"note: {line}"), scorecard=on_scorecard,
                                     scorecard_run=lambda: bar.advance(task))
        try:
            manifest = registry.build(out, only=only, quick=quick, workers=workers, executor=executor,
                                      reporter=reporter, local_workers=local_workers)
        except SweepError as exc:
            bar.stop()
            raise BadInput(str(exc)) from None
        except (SweepIOError, RuntimeError, registry.FigureError) as exc:
            bar.stop()
            raise typer.TyperException(str(exc)) from None
        except OSError as exc:
            bar.stop()
            raise typer.TyperException(f"--out: cannot write {out} ({exc.strerror or type(exc).__name__}); "
                                       "run the same command again to resume") from None
        except KeyboardInterrupt:
            bar.stop()
            print_error(f"interrupted; the runs finished so far are kept in {out}/sweeps: run the same command to resume")
            sys.exit(130)
        finally:
            if client is not None:
                client.close()
    wall = time.perf_counter() - started
    table = Table(title=Text(f"{manifest['build']} build: {len(manifest['figures'])} exhibits in {wall:,.0f} s"))
    for name in ("exhibit", "name", "files", "data SHA-256"):
        table.add_column(name)
    for name, entry in manifest["figures"].items():
        table.add_row(entry["label"], name, " ".join(entry["files"]), next(iter(entry["data_sha256"].values()))[:16])
    wide_console().print(table)
    console.print(f"wrote the figures, {registry.MANIFEST} and the replication {registry.README} to {out}",
                  markup=False, highlight=False, soft_wrap=True)


def _json_keys(path: Path) -> set[str]:
    """The top-level keys of a JSON object file (empty when it is missing or not one)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return set(data) if isinstance(data, dict) else set()


def check_figures_dir(out: Path, allowed: set[str]) -> None:
    """Refuse an ``--out`` that is a file, is not writable, lies inside a sweep's results, or holds files a
    figures build did not write."""
    from experiments.folder_lock import LOCK_FILE

    for folder in (out.absolute(), *out.absolute().parents):
        if (folder / LOCK_FILE).exists() or (folder / "runs").is_dir() and "spec_hash" in _json_keys(folder / "manifest.json"):
            raise BadInput(f"--out: {out} lies inside the sweep results folder {folder}; allowed a folder of its own")
    if (out / "sweeps").exists() and not (out / "sweeps").is_dir():
        raise BadInput(f"--out: {out / 'sweeps'} is a file; allowed a folder (a build keeps its sweeps there)")
    if out.is_dir():
        try:
            names = os.listdir(out)
        except OSError as exc:
            raise BadInput(f"--out: cannot read {out} ({exc.strerror or type(exc).__name__}); allowed a readable "
                           "directory") from None
        foreign = sorted(name for name in names if name not in allowed and not name.startswith("."))
        if foreign:
            raise BadInput(f"--out: {out} holds {foreign[0]!r}, which a figures build does not write; allowed a new "
                           "or empty folder, or one an earlier `whoosh figures` wrote")
        if not os.access(out, os.W_OK) or not can_create_in(out):
            raise BadInput(f"--out: {out} is not writable; allowed a writable directory")
        return
    check_out_dir(out, set(), "figures build")


HOST_PATTERN = re.compile(r"^[A-Za-z0-9.:\-\[\]]+$")


@app.command()
def dashboard(
    host: Annotated[str, typer.Option(metavar="HOST", help="address to bind; other machines can connect only if you change it")] = "127.0.0.1",
    port: Annotated[int, typer.Option(parser=integer_from(1), metavar="PORT", help="TCP port (1-65535)")] = 8765,
    scale: Annotated[str | None, typer.Option(metavar="FLOAT", help="agent-count multiplier of the first model (default 0.2)")] = None,
    scenario: Annotated[str, typer.Option("--scenario", "-s", metavar="NAME|FILE", help="preset the first model starts from")] = "baseline",
) -> None:
    """Start the interactive dashboard (Solara) and print its address; Ctrl-C stops it."""
    if port > 65535:
        raise BadInput(f"--port: value {port} is out of range; allowed an integer from 1 to 65535")
    if not HOST_PATTERN.fullmatch(host):
        raise BadInput(f"--host: value {host!r} is not a host name or address; allowed e.g. 127.0.0.1 or 0.0.0.0")
    from viz.session import DEFAULT_SCALE

    try:
        params = resolve_parameters(scenario, [f"population.scale={scale if scale is not None else DEFAULT_SCALE}"])
    except ParameterError as exc:
        raise BadInput(str(exc)) from None
    import socket

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as the server will
            probe.bind((host.strip("[]"), port))
    except OSError as exc:
        raise BadInput(f"--port: cannot listen on {host}:{port} ({exc.strerror or exc}); allowed a free port on a local address") from None
    import subprocess

    env = {**os.environ, "WHOOSH_DASHBOARD_SCALE": str(params.population.scale),
           "WHOOSH_DASHBOARD_SCENARIO": str(Path(scenario).resolve()) if scenario.endswith(".toml") else scenario,
           "SOLARA_THEME_SHOW_BANNER": "False", "SOLARA_THEME_TITLE": "Big Whoosh",
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_KERNEL_CULL_TIMEOUT": "15s"}
    app_path = Path(__file__).resolve().parent.parent / "viz" / "app.py"
    console.print(f"dashboard at http://{host}:{port}  (Ctrl-C stops it)", markup=False, highlight=False)
    command = [sys.executable, "-m", "solara", "run", str(app_path), "--host", host, "--port", str(port),
               "--production", "--no-open"]
    try:
        raise typer.Exit(subprocess.call(command, env=env))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
