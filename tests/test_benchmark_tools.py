"""The timing tools work (experiments/benchmark.py and ``whoosh bench``); no assertions on speed."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments import benchmark
from experiments.cli import app


def test_bench_quick_prints_the_table():
    result = CliRunner().invoke(app, ["bench", "--quick"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    for label in ("100k workers: worker-steps/s", "1M workers: worker-steps/s", "1M workers: construction",
                  "100k workers: rules speed-up", "skipped (--quick)", "≥ 100×"):
        assert label in result.stdout


def test_time_model_step_returns_positive_numbers():
    result = benchmark.time_model_step(scale=0.1, steps=1, warmup=0)
    assert set(result) == {"workers", "agents", "construction_s", "step_s", "worker_steps_per_s"}
    assert result["workers"] == 1_000
    assert result["agents"] > result["workers"]
    assert all(value > 0 for value in result.values())


def test_plot_scaling_writes_png_and_csv(tmp_path):
    frame = pd.DataFrame({
        "series": [benchmark.SERIES_MODEL] * 2 + [benchmark.SERIES_VECTORISED, benchmark.SERIES_PER_AGENT],
        "workers": [10_000, 100_000, 10_000, 10_000],
        "seconds": [0.004, 0.02, 0.0005, 0.02],
    })
    png = benchmark.plot_scaling(frame, tmp_path / "plots" / "scaling.png")
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and png.stat().st_size > 10_000
    assert pd.read_csv(png.with_suffix(".csv")).equals(frame)


def test_missing_baseline_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(benchmark, "PACKAGE_ROOT", tmp_path)
    with pytest.raises(FileNotFoundError, match="the per-agent baseline lives in the source checkout"):
        benchmark.load_baseline()
