"""Command-line options shared by the experiment modules (``python -m experiments.<name>``), with one-line errors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_run_options(parser: argparse.ArgumentParser, *, seeds: int, scale: float, months: int, out: str) -> None:
    """The options every experiment takes: seeds, scale, months, workers, output folder and overrides."""
    parser.add_argument("--seeds", type=int, default=seeds, help=f"seeds (default {seeds}; at least 2)")
    parser.add_argument("--scale", type=float, default=scale, help=f"population.scale (default {scale:g})")
    parser.add_argument("--months", type=int, default=months, help=f"months simulated (default {months})")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--out", type=Path, default=Path(out), help=f"output folder (default {out})")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="parameter override applied to every run (repeatable)")


def check_run_options(args: argparse.Namespace, *, months: tuple[int, int], scale: tuple[float, float] = (0.01, 100.0)) -> None:
    """Exit with status 2 and one ``error:`` line naming the first bad option, its value and what is allowed."""
    problems = [(args.seeds < 2, f"--seeds: value {args.seeds}; allowed an integer of at least 2"),
                (not months[0] <= args.months <= months[1], f"--months: value {args.months}; allowed {months[0]} to {months[1]}"),
                (not scale[0] <= args.scale <= scale[1], f"--scale: value {args.scale}; allowed {scale[0]:g} to {scale[1]:g}"),
                (args.workers < 1, f"--workers: value {args.workers}; allowed an integer of at least 1"),
                (args.out.exists() and not args.out.is_dir(), f"--out: value '{args.out}' is a file; allowed a folder")]
    for bad, message in problems:
        if bad:
            fail(message)


def fail(message: str) -> None:
    """Print one ``error:`` line (the first line of ``message``) and exit with status 2."""
    print(f"error: {str(message).splitlines()[0]}", file=sys.stderr)
    raise SystemExit(2)
