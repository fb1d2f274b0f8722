"""The results store of a sweep: Parquet datasets of runs and per-step series, plus manifest.json.

Layout of a results folder::

    manifest.json               spec, spec hash, package versions, git commit, started / finished
    sweep.lock                  present while a sweep writes the folder (names the writer)
    runs/part-<batch>.parquet   one row per run: run_id, point, replicate, seed, factors, status, error,
                                wall_s, finished_at, batch, summary metrics
    series/part-<batch>.parquet one row per (run, step) for the spec's series metrics
    damaged/                    parts found damaged, moved aside on resume (their runs are rerun)

Each batch of runs is written as it finishes, series first, then its runs part, each to a temporary
file that is flushed to disk and renamed into place; a runs part is the commit record of its batch.
Every part carries the spec hash in its Parquet metadata. A run counts as done when a sound runs part
records it; an interrupted sweep loses only batches in flight, and a re-run skips what is done.

Reading never trusts a file: every part is read in full and checked (it decodes, carries this
folder's spec hash, has the columns of its kind, and a batch with series has its series part).
Damaged parts are reported and left out; ``repair`` (which only the lock holder calls) moves them
into ``damaged/`` and removes orphans: series parts whose runs part never landed, and temporary files.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

RUNS, SERIES, MANIFEST, DAMAGED = "runs", "series", "manifest.json", "damaged"
SPEC_HASH_KEY = b"whoosh.spec_hash"
REQUIRED = {RUNS: ("run_id", "status", "batch", "finished_at"), SERIES: ("run_id", "step")}
def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or getattr(pa.types, "is_string_view", bool)(kind)


COLUMN_TYPES = {
    RUNS: [("run_id", pa.types.is_integer, "integers"), ("status", _is_text, "text"), ("batch", _is_text, "text")],
    SERIES: [("run_id", pa.types.is_integer, "integers"), ("step", pa.types.is_integer, "integers")],
}


class IncompleteSweep(UserWarning):
    """``load`` read a folder whose sweep is not complete (runs missing, interrupted or damaged parts)."""


class DamagedManifest(ValueError):
    """manifest.json exists but cannot be read as a sweep manifest; the message is one line."""


@dataclass
class Damage:
    """A part that cannot be trusted, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path.parent.name}/{self.path.name} ({self.reason})"


@dataclass
class Scan:
    """What a results folder holds: the sound run records, and what is damaged, orphaned or left over."""

    records: pd.DataFrame
    damaged: list[Damage] = field(default_factory=list)
    orphans: list[Path] = field(default_factory=list)
    leftovers: list[Path] = field(default_factory=list)
    series: dict[str, pd.DataFrame] = field(default_factory=dict)   # sound series parts by batch


@dataclass
class Results:
    """A sweep's results as tidy frames, with how complete they are."""

    runs: pd.DataFrame      # one row per run (the latest record of each run id)
    series: pd.DataFrame    # one row per (run, step): run_id, step, date and the series metrics
    manifest: dict[str, Any]
    expected_runs: int | None = None             # runs in the spec's design (None: unknown)
    damaged: list[Damage] = field(default_factory=list)

    @property
    def factors(self) -> list[str]:
        return list(self.manifest["spec"]["factors"])

    @property
    def recorded_runs(self) -> int:
        """Runs of the design (run ids 0 … N-1) with a record; extra replicates are not counted."""
        ids = self.runs["run_id"].astype(int) if len(self.runs) else self.runs["run_id"]
        return int((ids < self.expected_runs).sum()) if self.expected_runs is not None else len(self.runs)

    @property
    def complete(self) -> bool:
        """Every run of the design is recorded and the last sweep into the folder finished."""
        design_done = self.expected_runs is None or self.recorded_runs >= self.expected_runs
        return design_done and self.manifest.get("finished") is not None and not self.damaged

    def incomplete_note(self) -> str | None:
        """One line saying how incomplete the results are, or None when they are complete."""
        if self.complete:
            return None
        parts = []
        if self.expected_runs is not None and self.recorded_runs < self.expected_runs:
            parts.append(f"{self.recorded_runs} of {self.expected_runs} runs done")
        elif self.manifest.get("finished") is None:
            parts.append(f"{self.recorded_runs} runs done, the last sweep into the folder did not finish")
        if self.damaged:
            parts.append(f"{len(self.damaged)} damaged file(s) not read: {', '.join(map(str, self.damaged[:3]))}"
                         + (" …" if len(self.damaged) > 3 else ""))
        return "sweep incomplete: " + "; ".join(parts)


# --------------------------------------------------------------------------- writing


def write_atomic(path: Path, write) -> None:
    """Call ``write(tmp_path)``, flush it to disk, then rename it into place (readers never see a partial file)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_parquet(frame: pd.DataFrame, path: Path, spec_hash: str) -> None:
    """Write ``frame`` as Parquet with the spec hash in the file's metadata."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), SPEC_HASH_KEY: spec_hash.encode()})
    pq.write_table(table, path)


def write_batch(out: Path, records: list[dict[str, Any]], series: pd.DataFrame | None, spec_hash: str) -> str:
    """Store one finished batch: its series part, then its runs part (the commit record)."""
    batch = f"{min(r['run_id'] for r in records):07d}-{uuid.uuid4().hex[:8]}"
    (out / RUNS).mkdir(parents=True, exist_ok=True)
    (out / SERIES).mkdir(parents=True, exist_ok=True)
    if series is not None and len(series):
        write_atomic(out / SERIES / f"part-{batch}.parquet", lambda p: write_parquet(series, p, spec_hash))
    frame = pd.DataFrame.from_records(records)
    frame["batch"] = batch
    write_atomic(out / RUNS / f"part-{batch}.parquet", lambda p: write_parquet(frame, p, spec_hash))
    return batch


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The folder's manifest, or None when it has none.

    Raises:
        DamagedManifest: the file is not valid UTF-8 JSON holding a spec and its hash.
    """
    path = Path(out) / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError, OSError) as exc:   # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise DamagedManifest(f"{path} is damaged ({_reason(exc, path)})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("spec"), dict) \
            or not isinstance(manifest.get("spec_hash"), str):
        raise DamagedManifest(f"{path} is damaged (not a sweep manifest: no spec or spec hash)")
    from experiments.sweep_spec import SweepSpec

    try:
        SweepSpec.model_validate(manifest["spec"])
    except (ValueError, TypeError) as exc:                 # pydantic's ValidationError is a ValueError
        first = " ".join(str(exc).split())[:100]
        raise DamagedManifest(f"{path} is damaged (its spec does not validate: {first})") from None
    return manifest


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    Path(out).mkdir(parents=True, exist_ok=True)
    write_atomic(Path(out) / MANIFEST, lambda p: p.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8"))


# --------------------------------------------------------------------------- checking


def _parts(out: Path, kind: str) -> list[Path]:
    return sorted((Path(out) / kind).glob("part-*.parquet"))


def _reason(exc: BaseException, path: Path | None = None) -> str:
    text = " ".join(str(exc).split())
    if path is not None:
        text = text.replace(f"'{path}'", path.name).replace(str(path), path.name)
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__


def read_part(path: Path, kind: str, spec_hash: str | None, columns: list[str] = ()) -> pd.DataFrame:
    """Read one part in full and check it (``columns``: what else its kind must hold, e.g. the factors).

    Raises:
        ValueError: the part is damaged; the message is the reason.
    """
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ValueError(f"unreadable: {_reason(exc, path)}") from None
    found = (table.schema.metadata or {}).get(SPEC_HASH_KEY, b"").decode("utf-8", "replace")
    if spec_hash is not None and found != spec_hash:
        raise ValueError(f"written by another spec (hash {found[:12] or 'none'})")
    missing = [c for c in (*REQUIRED[kind], *columns) if c not in table.column_names]
    if missing:
        raise ValueError(f"no column {', '.join(missing)}")
    for column, is_type, what in COLUMN_TYPES[kind]:
        if not is_type(table.schema.field(column).type):
            raise ValueError(f"column {column} holds {table.schema.field(column).type}, not {what}")
    frame = table.to_pandas()
    batch = path.stem.removeprefix("part-")
    if kind == RUNS and not (frame["batch"] == batch).all():
        raise ValueError(f"its records name another batch than {batch}")
    if frame["run_id"].isna().any() or (frame["run_id"] < 0).any():
        raise ValueError("a run id is missing or negative")
    return frame


def expected_columns(spec: dict[str, Any]) -> dict[str, list[str]]:
    """Columns a spec's parts must hold besides the bookkeeping: the factors, and the series metrics."""
    return {RUNS: list(spec.get("factors", {})), SERIES: list(spec.get("metrics", {}).get("series", []))}


def scan(out: Path, spec_hash: str | None, has_series: bool, columns: dict[str, list[str]] | None = None) -> Scan:
    """Read and check every part of ``out``.

    Args:
        out: the results folder.
        spec_hash: the folder's spec hash (parts with another are damaged); None to skip that check.
        has_series: the spec keeps series, so every batch with an ok run must have a series part.
        columns: per kind, the columns its parts must hold (``expected_columns``); None to skip that check.
    """
    out = Path(out)
    damaged, runs, series = [], {}, {}
    for kind, store in ((RUNS, runs), (SERIES, series)):
        for path in _parts(out, kind):
            try:
                store[path.stem.removeprefix("part-")] = (path, read_part(path, kind, spec_hash, (columns or {}).get(kind, ())))
            except ValueError as exc:
                damaged.append(Damage(path, str(exc)))
    damaged_batches = {d.path.stem.removeprefix("part-") for d in damaged}
    for batch in sorted(set(runs) & damaged_batches):
        damaged.append(Damage(runs.pop(batch)[0], "its series part is damaged"))
    if has_series:
        for batch in sorted(runs):
            if batch not in series and (runs[batch][1]["status"] == "ok").any():
                damaged.append(Damage(runs.pop(batch)[0], "its series part is missing"))
    for batch in sorted(set(series) & damaged_batches):
        damaged.append(Damage(series.pop(batch)[0], "its runs part is damaged"))
    orphans = [series.pop(batch)[0] for batch in sorted(set(series) - set(runs))]
    leftovers = sorted(p for kind in (RUNS, SERIES) for p in (out / kind).glob(".part-*.tmp")) \
        + sorted(out.glob(f".{MANIFEST}.*.tmp"))
    frames = [frame for _, frame in runs.values()]
    return Scan(records=latest_records(frames), damaged=damaged, orphans=orphans, leftovers=leftovers,
                series={batch: frame for batch, (_, frame) in series.items()})


def latest_records(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One record per run id: an ``ok`` record beats a failed one, then the latest."""
    if not frames:
        return pd.DataFrame(columns=["run_id", "status", "batch"])
    frame = pd.concat(frames, ignore_index=True)
    frame["_ok"] = frame["status"] == "ok"
    frame = frame.sort_values(["run_id", "_ok", "finished_at"]).drop_duplicates("run_id", keep="last")
    return frame.drop(columns="_ok").sort_values("run_id").reset_index(drop=True)


def repair(out: Path, found: Scan) -> list[str]:
    """Move damaged parts into ``damaged/`` and delete orphans and leftovers; returns one line per action."""
    notes = []
    for damage in found.damaged:
        target_dir = Path(out) / DAMAGED
        target_dir.mkdir(exist_ok=True)
        target = target_dir / f"{damage.path.parent.name}-{damage.path.name}"
        if target.exists():
            target = target.with_name(f"{target.stem}-{uuid.uuid4().hex[:6]}{target.suffix}")
        shutil.move(damage.path, target)
        notes.append(f"moved damaged {damage} to {DAMAGED}/{target.name}; its runs will be rerun")
    for path in found.orphans:
        path.unlink(missing_ok=True)
        notes.append(f"removed {path.parent.name}/{path.name}: series of a batch whose runs were never recorded")
    for path in found.leftovers:
        path.unlink(missing_ok=True)
    if found.leftovers:
        notes.append(f"removed {len(found.leftovers)} temporary file(s) left by an interrupted write")
    return notes


# --------------------------------------------------------------------------- reading


def has_series(manifest: dict[str, Any]) -> bool:
    return bool(manifest["spec"].get("metrics", {}).get("series"))


def run_records(out: Path, spec_hash: str | None = None, series: bool = False,
                columns: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Every sound run record, latest per run id (an ``ok`` record beats a failed one)."""
    return scan(out, spec_hash, series, columns).records


def done_run_ids(out: Path, spec_hash: str | None = None, series: bool = False,
                 columns: dict[str, list[str]] | None = None) -> set[int]:
    """Run ids recorded with status ok in sound parts."""
    records = run_records(out, spec_hash, series, columns)
    return set(records.loc[records["status"] == "ok", "run_id"].astype(int))


def expected_runs(manifest: dict[str, Any]) -> int | None:
    """Runs in the design of the manifest's spec, or None when the spec no longer validates."""
    try:
        from experiments.sweep_spec import SweepSpec, run_count

        return run_count(SweepSpec.model_validate(manifest["spec"]))
    except Exception:  # noqa: BLE001 - a spec from another version: completeness is then unknown
        return None


def load(out: str | Path) -> Results:
    """Load a results folder as tidy frames; damaged parts are left out and listed in ``damaged``.

    An incomplete sweep loads too, with an ``IncompleteSweep`` warning saying how incomplete it is (n of N
    runs done, the damaged files); ``Results.complete`` and ``Results.incomplete_note()`` say the same.

    Raises:
        FileNotFoundError: when ``out`` has no manifest.json.
        DamagedManifest: when its manifest.json cannot be read.
    """
    out = Path(out)
    manifest = read_manifest(out)
    if manifest is None:
        raise FileNotFoundError(f"{out} is not a sweep results folder (no {MANIFEST})")
    found = scan(out, manifest["spec_hash"], has_series(manifest), expected_columns(manifest["spec"]))
    runs = found.records
    runs_parts = _parts(out, RUNS)
    lacking = [d for d in found.damaged if d.path.parent.name == RUNS and d.reason.startswith("no column")]
    if runs.empty and runs_parts and len(lacking) == len(runs_parts):
        names = ", ".join(manifest["spec"]["factors"])
        raise DamagedManifest(f"{out / MANIFEST} is damaged (no runs part has the columns of its factors {names})")
    kept = set(zip(runs["run_id"], runs["batch"]))
    frames = []
    for batch, frame in sorted(found.series.items()):
        frame = frame[[(r, batch) in kept for r in frame["run_id"]]]
        if len(frame):
            frames.append(frame)
    series = pd.concat(frames, ignore_index=True).sort_values(["run_id", "step"]).reset_index(drop=True) \
        if frames else pd.DataFrame(columns=["run_id", "step", "date"])
    loaded = Results(runs=runs.drop(columns=["batch"], errors="ignore"), series=series, manifest=manifest,
                     expected_runs=expected_runs(manifest), damaged=found.damaged)
    note = loaded.incomplete_note()
    if note:
        warnings.warn(f"{out}: {note}", IncompleteSweep, stacklevel=2)
    return loaded
