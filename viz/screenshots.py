"""Screenshots of every dashboard page for the README: ``make screenshots`` (``python -m viz.screenshots``).

Starts the dashboard, runs the big-whoosh preset for a few years, runs a small comparison and a tiny
sweep, and saves one PNG per page into ``--out`` (default ``docs/dashboard``).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from typer.testing import CliRunner

from experiments.cli import app
from viz import browser
from viz.pages import SWEEP_FOLDER

SPEC = ('name = "screenshot-sweep"\ndescription = "a small sweep for the explorer screenshot"\nscenario = "baseline"\n'
        'steps = 24\nreplicates = 2\nseed = 1\ndesign = "grid"\n\n[set]\n"population.scale" = 0.05\n\n'
        '[factors.carry_tax]\nkeys = ["jurisdictions.US.carry_tax"]\nvalues = [0.0, 0.3, 0.6]\n\n'
        '[factors.capital_controls]\nkeys = ["jurisdictions.US.capital_controls"]\nvalues = [0.0, 0.5, 1.0]\n\n'
        '[metrics]\nsummary = ["unemployment", "talent_offshore_share", "capital_flight_stock"]\n')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/dashboard"), help="folder for the PNG files")
    parser.add_argument("--months", type=int, default=48, help="months to run before the screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        spec = Path(scratch) / "sweep.toml"
        spec.write_text(SPEC, encoding="utf-8")
        sweep = Path(scratch) / "results"
        print("running a small sweep for the explorer ...")
        result = CliRunner().invoke(app, ["sweep", str(spec), "--out", str(sweep), "--workers", "2"])
        if result.exit_code != 0:
            raise SystemExit(f"error: the screenshot sweep failed: {result.output.strip().splitlines()[-1]}")
        with browser.dashboard_server() as url, browser.chromium() as chromium:
            page = browser.open_dashboard(chromium, url, width=1600, height=1500)
            browser.choose(page, "Preset", "big-whoosh")
            page.wait_for_selector(".whoosh-step:has-text('step 0')")
            page.wait_for_timeout(1500)
            for _ in range(args.months):     # step by step: the screenshots show exactly --months months
                browser.press_step(page)
            page.wait_for_timeout(1500)
            shots = {"economy": "Economy", "talent": "Talent & capital", "agents": "Agents"}
            for name, tab in shots.items():
                browser.open_tab(page, tab)
                page.wait_for_timeout(2500)
                page.screenshot(path=str(args.out / f"{name}.png"), full_page=True)
                print(f"wrote {args.out / (name + '.png')}")
            browser.open_tab(page, "Compare")
            browser.choose(page, "Setting A", "baseline")
            browser.choose(page, "Setting B", "big-whoosh")
            browser.fill(page, "Seeds", "6")
            browser.fill(page, "Months", "48")
            page.click(".whoosh-compare-run")
            page.wait_for_selector(".whoosh-plot-compare-0 [_echarts_instance_]", timeout=900_000)
            page.wait_for_timeout(2500)
            page.screenshot(path=str(args.out / "compare.png"), full_page=True)
            print(f"wrote {args.out / 'compare.png'}")
            browser.open_tab(page, "Sweeps")
            browser.fill(page, SWEEP_FOLDER, str(sweep))
            page.wait_for_selector(".whoosh-plot-sweep-line [_echarts_instance_]", timeout=60_000)
            browser.choose(page, "Metric", "talent_offshore_share")
            browser.choose(page, "Second factor (heatmap)", "capital_controls")
            page.wait_for_selector(".whoosh-plot-sweep-heatmap [_echarts_instance_]", timeout=60_000)
            page.wait_for_timeout(2500)
            page.screenshot(path=str(args.out / "sweeps.png"), full_page=True)
            print(f"wrote {args.out / 'sweeps.png'}")


if __name__ == "__main__":
    main()
