"""The results store of a sweep: Parquet datasets of runs and per-step series, plus manifest.json.

Layout of a results folder::

    manifest.json               spec, spec hash, package versions, git commit, started / finished
    runs/part-<batch>.parquet   one row per run: run_id, point, replicate, seed, factors, status, error,
                                wall_s, summary metrics
    series/part-<batch>.parquet one row per (run, step) for the spec's series metrics

Each batch of runs is written as it finishes, series first, then its runs part, each to a temporary
file renamed into place; a runs part is the commit record of its batch. A run counts as done when a
runs part records it with status ``ok``; an interrupted sweep loses only batches in flight, and a
re-run skips what is done.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

RUNS, SERIES, MANIFEST = "runs", "series", "manifest.json"


@dataclass
class Results:
    """A sweep's results as tidy frames."""

    runs: pd.DataFrame      # one row per run (the latest record of each run id)
    series: pd.DataFrame    # one row per (run, step): run_id, step, date and the series metrics
    manifest: dict[str, Any]

    @property
    def factors(self) -> list[str]:
        return list(self.manifest["spec"]["factors"])


def write_atomic(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then rename the file into place (readers never see a partial file)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_batch(out: Path, records: list[dict[str, Any]], series: pd.DataFrame | None) -> str:
    """Store one finished batch: its series part, then its runs part (the commit record)."""
    batch = f"{min(r['run_id'] for r in records):07d}-{uuid.uuid4().hex[:8]}"
    (out / RUNS).mkdir(parents=True, exist_ok=True)
    (out / SERIES).mkdir(parents=True, exist_ok=True)
    if series is not None and len(series):
        write_atomic(out / SERIES / f"part-{batch}.parquet", lambda p: series.to_parquet(p, index=False))
    frame = pd.DataFrame.from_records(records)
    frame["batch"] = batch
    write_atomic(out / RUNS / f"part-{batch}.parquet", lambda p: frame.to_parquet(p, index=False))
    return batch


def read_manifest(out: Path) -> dict[str, Any] | None:
    path = Path(out) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    Path(out).mkdir(parents=True, exist_ok=True)
    write_atomic(Path(out) / MANIFEST, lambda p: p.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8"))


def _parts(out: Path, kind: str) -> list[Path]:
    return sorted((Path(out) / kind).glob("part-*.parquet"))


def run_records(out: Path) -> pd.DataFrame:
    """Every stored run record, latest per run id (an ``ok`` record beats a failed one)."""
    parts = _parts(out, RUNS)
    if not parts:
        return pd.DataFrame(columns=["run_id", "status", "batch"])
    frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    frame["_ok"] = frame["status"] == "ok"
    frame = frame.sort_values(["run_id", "_ok", "finished_at"]).drop_duplicates("run_id", keep="last")
    return frame.drop(columns="_ok").sort_values("run_id").reset_index(drop=True)


def done_run_ids(out: Path) -> set[int]:
    """Run ids recorded with status ok."""
    records = run_records(out)
    return set(records.loc[records["status"] == "ok", "run_id"].astype(int))


def load(out: str | Path) -> Results:
    """Load a results folder as tidy frames.

    Raises:
        FileNotFoundError: when ``out`` has no manifest.json.
    """
    out = Path(out)
    manifest = read_manifest(out)
    if manifest is None:
        raise FileNotFoundError(f"{out} is not a sweep results folder (no {MANIFEST})")
    runs = run_records(out)
    kept = set(zip(runs["run_id"], runs["batch"]))
    frames = []
    for part in _parts(out, SERIES):
        batch = part.stem.removeprefix("part-")
        frame = pd.read_parquet(part)
        frame = frame[[(r, batch) in kept for r in frame["run_id"]]]
        if len(frame):
            frames.append(frame)
    series = pd.concat(frames, ignore_index=True).sort_values(["run_id", "step"]).reset_index(drop=True) \
        if frames else pd.DataFrame(columns=["run_id", "step", "date"])
    return Results(runs=runs.drop(columns=["batch"], errors="ignore"), series=series, manifest=manifest)
