"""Memory of a long-lived worker: a process that runs model after model must not grow.

Mesa 3.3 keeps every model that created agents alive through a class-level registry (``mesa.Agent._ids``),
about 8 MB per default-scale model, unless the model is closed. The runs go through the sweep worker's own
code path (``experiments.sweep.run_one``) in a fresh Python process, so pytest's memory does not count.
About 40 s on two cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNS = 60          # a leak of 1 MB a model would show as 50 MB (Mesa 3.3 without close: ~8 MB a model)
STEPS = 2
BASELINE_RUNS = 10
ALLOWED_GROWTH_MB = 50.0

SCRIPT = """
import json, os, sys
import mesa
from experiments.scenarios import merge, nest, resolve_parameters, validate
from experiments.sweep import run_one
from experiments.sweep_spec import SweepSpec, run_overrides, run_table, spec_base

runs, steps, baseline_runs = (int(arg) for arg in sys.argv[1:])
baseline = resolve_parameters("baseline")
spec = SweepSpec(name="memory", description="default-scale baseline runs", scenario="baseline", steps=steps,
                 replicates=runs, factors={"home_bias": {"keys": ["talent.home_bias"],
                                                         "values": [baseline.talent.home_bias]}},
                 metrics={"summary": ["unemployment"], "series": ["unemployment"]})
base = spec_base(spec)
rows = run_table(spec).to_dict("records")
assert validate(merge(base, nest(run_overrides(spec, rows[0], base)))) == baseline


def rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


errors, rss = [], {}
for done, row in enumerate(rows, start=1):
    record = run_one(spec, base, row)["record"]
    if record["status"] != "ok":
        errors.append(record["error"])
    if done in (baseline_runs, runs):
        rss[done] = rss_mb()
print(json.dumps({"rss_mb": rss, "errors": errors[:3], "models_registered": len(mesa.Agent._ids)}))
"""


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads resident memory from /proc/self/statm")
def test_sweep_worker_memory_stays_flat_over_many_runs():
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(RUNS), str(STEPS), str(BASELINE_RUNS)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["errors"] == []
    early, late = report["rss_mb"][str(BASELINE_RUNS)], report["rss_mb"][str(RUNS)]
    assert late - early <= ALLOWED_GROWTH_MB, (
        f"resident memory grew from {early:.0f} MB after {BASELINE_RUNS} runs to {late:.0f} MB after {RUNS}")
    assert report["models_registered"] == 0
