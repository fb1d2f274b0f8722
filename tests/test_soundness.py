"""The macro-soundness measurements (experiments/soundness.py) on constructed runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments import soundness


@pytest.mark.parametrize("flags, longest", [([], 0), ([0, 0], 0), ([1, 0, 1, 1, 0], 2), ([1, 1, 1], 3)])
def test_longest_run(flags, longest):
    assert soundness.longest_run(np.array(flags, dtype=bool)) == longest


def _run() -> dict:
    months = 36
    dates = [f"{2025 + m // 12}-{m % 12 + 1:02d}" for m in range(months)]
    frame = pd.DataFrame({"date": dates, "gdp": np.r_[np.full(12, 100.0), np.full(12, 90.0), np.full(12, 99.0)],
                          "inflation": np.full(months, 0.02), "unemployment": np.linspace(0.04, 0.06, months),
                          "labour_share": np.r_[np.full(12, 0.60), np.full(24, 0.62)]})
    for name, u in (("A", 0.05), ("B", 0.0)):
        frame[f"inflation_{name}"] = 0.02 if name == "A" else -0.01
        frame[f"policy_rate_{name}"] = np.where(np.arange(months) >= 30, 0.0, 0.02)
        frame[f"price_level_{name}"] = 1.1 if name == "A" else 0.9
        frame[f"unemployment_{name}"] = np.where(np.arange(months) % 10 < 4, u, 0.03)
        frame[f"labour_share_{name}"] = 0.6 if name == "A" else 0.64
    return {"arm": "baseline", "frame": frame, "names": ["A", "B"], "idle_talent": 0.01}


def test_measures_of_a_constructed_run():
    m = soundness.measures(_run())
    assert m["A inflation, year to 2027-12 (%)"] == pytest.approx(2.0)
    assert m["lowest inflation of any jurisdiction, year to 2027-12 (%)"] == pytest.approx(-1.0)
    # all 36 months fall in the last six years; the rate is at its floor in the last 6
    assert m["A policy rate at its floor, last 6 years (% of months)"] == pytest.approx(100 * 6 / 36)
    assert m["worst year of world nominal GDP growth (%)"] == pytest.approx(-10.0)
    assert m["lowest price level of any jurisdiction at the end"] == pytest.approx(0.9)
    # B is at exactly 0% in months 0-3, 10-13, 20-23, 30-33: 16 of 72 jurisdiction-months, 4 in a row
    assert m["jurisdiction-months at exactly 0% unemployment (%)"] == pytest.approx(100 * 16 / 72)
    assert m["longest stretch at 0% unemployment (months)"] == 4
    assert m["world labour share, last year minus first (pp)"] == pytest.approx(2.0)
    assert m["AI talent at firms without staff, most in any month (%)"] == pytest.approx(1.0)


def test_bad_flags_are_refused():
    with pytest.raises(SystemExit) as exit_info:
        soundness.main(["--seeds", "1"])
    assert exit_info.value.code == 2
