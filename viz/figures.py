"""The paper's figures, drawn from their data frames (``experiments.figure_data``) in the publication style.

Each function takes the figure's data exactly as it is written to CSV, so a figure can be redrawn
from its CSV alone. ``draw`` applies the style and writes PNG and PDF.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments.figure_data import TIMING_WINDOW
from viz.style import DOUBLE_COLUMN, JURISDICTION_COLOURS, PALETTE, SKILL_COLOURS, colour, publication, save

QUICK_NOTE = "quick build: few seeds, small economy; not the paper's numbers"


def draw(name: str, frame: pd.DataFrame, stem: Path, *, quick: bool = False) -> list[Path]:
    """Draw figure ``name`` (a function of this module) from ``frame``; write ``stem``.png and .pdf."""
    with publication():
        fig = DRAWINGS[name](frame)
        if quick:
            fig.text(0.995, 1.01, QUICK_NOTE, ha="right", va="bottom", fontsize=6.5, color="#b2182b")
        return save(fig, stem)


def _years(dates: pd.Series) -> np.ndarray:
    """'YYYY-MM' dates as decimal years (a month's start)."""
    parts = dates.astype(str).str.split("-", expand=True).astype(int)
    return (parts[0] + (parts[1] - 1) / 12.0).to_numpy()


def _interval(rows: pd.DataFrame) -> list:
    """Error-bar lengths below and above each mean (from its 95% interval)."""
    return [rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]]


def _band(ax, x, frame: pd.DataFrame, colour_: str, label: str, alpha: float = 0.18, lw: float = 1.4) -> None:
    ax.fill_between(x, frame["p05"], frame["p95"], color=colour_, alpha=alpha, linewidth=0)
    ax.plot(x, frame["mean"], color=colour_, label=label, lw=lw)


# --------------------------------------------------------------------------- figures


def robot_wave_unemployment(frame: pd.DataFrame) -> Figure:
    """Rows: by skill, by jurisdiction; columns: robot-deployment levels. Mean and 90% band over seeds."""
    levels = list(dict.fromkeys(frame["deployment"]))
    fig, axes = plt.subplots(2, len(levels), figsize=(DOUBLE_COLUMN, 4.6), sharex=True, sharey="row", squeeze=False)
    for row, (panel, colours) in enumerate((("skill", SKILL_COLOURS), ("jurisdiction", JURISDICTION_COLOURS))):
        for col, level in enumerate(levels):
            ax = axes[row, col]
            part = frame[(frame["panel"] == panel) & (frame["deployment"] == level)]
            for group in colours:
                rows = part[part["group"] == group]
                if len(rows):
                    label = f"{group} skill" if panel == "skill" else group
                    _band(ax, _years(rows["date"]), rows, colours[group], label, alpha=0.15, lw=1.1)
            if row == 0:
                ax.set_title(f"robot deployment × {level:g}")
            if col == 0:
                ax.set_ylabel("unemployment (%)\nby skill, all jurisdictions" if panel == "skill"
                              else "unemployment (%)\nby jurisdiction")
            if row == 1:
                ax.set_xlabel("year")
        axes[row, -1].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    runs = int(frame["runs"].max())
    fig.suptitle(f"Unemployment under the robot wave (mean and 90% band over {runs} seeds)", fontsize=9.5)
    return fig


def whoosh_ablation(frame: pd.DataFrame) -> Figure:
    """US-born AI talent abroad over time: the essay's conditions and each link of the chain cut."""
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN, 3.4))
    arms = list(dict.fromkeys(frame["arm"]))
    for i, arm in enumerate(arms):
        rows = frame[frame["arm"] == arm]
        full = i == 0
        _band(ax, _years(rows["date"]), rows, "#000000" if full else colour(i - 1), arm,
              alpha=0.15 if full else 0.08, lw=2.0 if full else 1.2)
    ax.set_xlabel("year")
    ax.set_ylabel("US-born AI talent abroad\n(% of US-born AI talent)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title="arm (one link cut)")
    runs = int(frame["runs"].max())
    ax.set_title(f"The whoosh and its causal chain, one link cut at a time (mean and 90% band over {runs} seeds)")
    return fig


def whoosh_timing(frame: pd.DataFrame) -> Figure:
    """Each run's monthly outflow aligned on the month its door starts to close; the mean over runs in black."""
    arms = list(dict.fromkeys(frame["arm"])) or ["(no run)"]
    fig, axes = plt.subplots(1, len(arms), figsize=(DOUBLE_COLUMN, 3.0), sharey=True, squeeze=False)
    for ax, arm in zip(axes[0], arms):
        rows = frame[frame["arm"] == arm]
        for _, run in rows.groupby("replicate"):
            ax.plot(run["months_from_door"], run["outflow_thousands"], color="#9e9e9e", lw=0.7, alpha=0.8)
        mean = rows.groupby("months_from_door")["outflow_thousands"].mean()
        ax.plot(mean.index, mean.to_numpy(), color="#000000", lw=1.8, label="mean over runs")
        ax.axvline(0, color=PALETTE[3], lw=1.0, ls="--", label="door starts to close")
        runs = rows.drop_duplicates("replicate")
        if (runs["door"] == "none").all():
            ax.text(0.5, 0.5, "the door never started to close", transform=ax.transAxes, ha="center",
                    va="center", color="#555555")
        enacted = runs["months_to_enactment"].dropna()
        if len(enacted):
            ax.axvline(float(enacted.median()), color=PALETTE[0], lw=1.0, ls=":", label="controls take effect (median)")
        how = ", ".join(f"{n} never closed" if kind == "none" else f"{n} by {kind}"
                        for kind, n in runs["door"].value_counts().sort_index().items())
        ax.set_title(f"{arm}\n{len(runs)} run{'s' if len(runs) != 1 else ''} ({how or 'no door closed'})")
        ax.set_xlabel("months from the door starting to close")
        ax.set_xlim(TIMING_WINDOW[0] - 1, TIMING_WINDOW[1] + 1)
    axes[0, 0].set_ylabel("AI talent leaving the US\n(thousand people a month)")
    axes[0, 0].legend(loc="center left")
    return fig


def lockin_policy_space(frame: pd.DataFrame) -> Figure:
    """Heat maps of talent abroad after ten years: controls response × CBDC surveillance, one per crypto access."""
    levels = sorted(frame["crypto_access"].unique())
    fig, axes = plt.subplots(1, len(levels), figsize=(DOUBLE_COLUMN, 2.8), squeeze=False, constrained_layout=True)
    low, high = float(frame["mean"].min()), float(frame["mean"].max())
    image = None
    for ax, level in zip(axes[0], levels):
        part = frame[frame["crypto_access"] == level].pivot(index="surveillance", columns="controls_response",
                                                          values="mean")
        image = ax.imshow(part.to_numpy(), origin="lower", cmap="viridis", vmin=low, vmax=high, aspect="auto")
        ax.set_xticks(range(part.shape[1]), [f"{v:g}" for v in part.columns])
        ax.set_yticks(range(part.shape[0]), [f"{v:g}" for v in part.index])
        for (i, j), value in np.ndenumerate(part.to_numpy()):
            ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=6.5,
                    color="white" if value < (low + high) / 2 else "black")
        ax.set_title(f"US crypto access {level:g}")
        ax.set_xlabel("controls response\n(stringency announced, 0–1)")
        ax.grid(False)
    axes[0, 0].set_ylabel("CBDC surveillance (0–1)")
    fig.colorbar(image, ax=axes[0].tolist(), label="US-born AI talent abroad\nafter the last month (%)", shrink=0.9)
    return fig


def carried_interest(frame: pd.DataFrame) -> Figure:
    """Four measures against the carry tax, one line per starting venture share, with 95% intervals."""
    measures = list(dict.fromkeys(frame["measure"]))
    fig, axes = plt.subplots(2, 2, figsize=(DOUBLE_COLUMN, 4.8), sharex=True)
    mixes = list(dict.fromkeys(frame["mix"]))
    for ax, measure in zip(axes.flat, measures):
        rows = frame[frame["measure"] == measure]
        for i, mix in enumerate(mixes):
            line = rows[rows["mix"] == mix]
            ax.errorbar(line["carry_tax"], line["mean"], yerr=_interval(line),
                        color=colour(i), marker="o", ms=3, capsize=2, label=mix)
        title, _, unit = rows["label"].iloc[0].rpartition(" (")
        ax.set_title(title)
        ax.set_ylabel(unit.rstrip(")"))
    for ax in axes[1]:
        ax.set_xlabel("carry tax (share of carried interest, all jurisdictions)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.suptitle("Carried-interest tax (mean and 95% interval over seeds)", fontsize=9.5)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), title="US allocator mix")
    return fig


REGIME_SHORT = {"fee-driven venture": "venture", "state tournament": "tournament"}
ALLOCATION_PANELS = (
    (("home_bits_selection_gain_pct",), "selection gain of the money\ninto US bits firms", "%"),
    (("productivity_sales_weighted_bits",), "sales-weighted productivity\nof bits firms", "productivity (index)"),
    (("index_return_pct", "venture_return_pct", "tournament_return_pct"), "portfolio return before fees,\nby allocator kind",
     "% a year"),
    (("fees_pct_gdp",), "fees", "% of GDP"),
    (("real_gdp_home_index",), "US real GDP, last year", "start = 100"),
)


def allocation_regimes(frame: pd.DataFrame) -> Figure:
    """Per regime, mean and 95% interval: selection and productivity of funded firms, returns, fees, output."""
    regimes = list(dict.fromkeys(frame["regime"]))
    fig, grid = plt.subplots(2, 3, figsize=(DOUBLE_COLUMN, 4.6))
    axes = grid.flat
    x = np.arange(len(regimes))
    for ax, (measures, title, unit) in zip(axes, ALLOCATION_PANELS):
        for k, measure in enumerate(measures):
            rows = frame[frame["measure"] == measure].set_index("regime").reindex(regimes)
            offset = (k - (len(measures) - 1) / 2) * 0.22
            ax.errorbar(x + offset, rows["mean"], yerr=_interval(rows),
                        fmt="o", ms=4, capsize=2, color=colour(k), lw=1.0,
                        label=measure.split("_")[0] if len(measures) > 1 else None)
        ax.set_xticks(x, [REGIME_SHORT.get(r, r) for r in regimes], fontsize=7)
        ax.set_xlim(-0.6, len(regimes) - 0.4)
        ax.set_title(title, fontsize=8)
        ax.set_ylabel(unit)
        if len(measures) > 1:
            ax.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.02, 1.0), title="allocator kind",
                      title_fontsize=6.5)
    grid[-1, -1].set_axis_off()
    runs = int(frame["runs"].max())
    fig.suptitle(f"Allocation regimes of US savings (mean and 95% interval over {runs} seeds)", fontsize=9.5)
    fig.tight_layout()
    return fig


def sobol_indices(frame: pd.DataFrame) -> Figure:
    """First-order and total Sobol indices with 95% intervals, one panel per metric."""
    metrics = list(dict.fromkeys(frame["metric"]))
    fig, axes = plt.subplots(1, len(metrics), figsize=(DOUBLE_COLUMN, 3.0), sharey=True, squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        rows = frame[frame["metric"] == metric]
        y = np.arange(len(rows))
        ax.barh(y + 0.2, rows["S1"], 0.38, xerr=rows["S1_conf"], color=PALETTE[0], label="first order S1",
                error_kw={"lw": 0.8}, capsize=2)
        ax.barh(y - 0.2, rows["ST"], 0.38, xerr=rows["ST_conf"], color=PALETTE[1], label="total ST",
                error_kw={"lw": 0.8}, capsize=2)
        ax.set_yticks(y, rows["factor"].str.replace("_", " "))
        ax.invert_yaxis()
        ax.axvline(0, color="#444444", lw=0.6)
        ax.set_title(f"{rows['label'].iloc[0]}\n(sum of S1 {rows['S1'].sum():.2f}, of ST {rows['ST'].sum():.2f})")
        ax.set_xlabel("Sobol index (share of output variance)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.legend(handles, labels, loc="lower center", ncol=2)
    return fig


def scenario_discovery(frame: pd.DataFrame) -> Figure:
    """Each PRIM box's limits on every factor, as a share of the factor's range (grey: the full range)."""
    boxes = sorted(frame["box"].unique()) if len(frame) else []
    fig, axes = plt.subplots(1, max(len(boxes), 1), figsize=(DOUBLE_COLUMN, 2.9), squeeze=False)
    if not boxes:
        axes[0, 0].text(0.5, 0.5, "no box found", ha="center", va="center")
        axes[0, 0].set_axis_off()
        return fig
    for ax, number in zip(axes[0], boxes):
        rows = frame[frame["box"] == number].reset_index(drop=True)
        for i, row in rows.iterrows():
            ax.plot([0, 1], [i, i], color="#d0d0d0", lw=6, solid_capstyle="butt")
            if row["restricted"] and pd.notna(row["low"]):
                span = row["full_high"] - row["full_low"]
                lo, hi = (row["low"] - row["full_low"]) / span, (row["high"] - row["full_low"]) / span
                ax.plot([lo, hi], [i, i], color=PALETTE[0], lw=6, solid_capstyle="butt")
                ax.text(1.02, i, f"{row['low']:.3g} – {row['high']:.3g}", va="center", fontsize=7)
            else:
                ax.text(1.02, i, "unrestricted", va="center", fontsize=7, color="#777777")
        ax.set_yticks(range(len(rows)), rows["factor"].str.replace("_", " "))
        ax.invert_yaxis()
        ax.set_xlim(0, 1.45)
        ax.set_xticks([0, 0.5, 1])
        ax.set_xlabel("position in the factor's sampled range (0–1)")
        first = rows.iloc[0]
        flag = "" if first["meets_threshold"] else " (below the density target)"
        ax.set_title(f"box {number}: coverage {first['coverage']:.0%}, density {first['density']:.0%}{flag}")
        ax.grid(False)
    first = frame.iloc[0]
    metric, _, bound = str(first["rule"]).partition(" > ")
    rule = (f"more than {float(bound):.0%} of US-born AI talent abroad at the end"
            if metric == "talent_offshore_share_final" and bound else str(first["rule"]))
    fig.suptitle(f"Where the whoosh happens: {rule} in {first['runs_of_interest']} of {first['runs']} runs (PRIM)",
                 fontsize=9.5)
    fig.tight_layout()
    return fig


def scorecard(frame: pd.DataFrame) -> Figure:
    """Table 1 as a chart: each fact's estimate and 95% interval on its target band, rescaled to 0–1."""
    fig, ax = plt.subplots(figsize=(DOUBLE_COLUMN, 0.3 * len(frame) + 1.2))
    ax.axvspan(0, 1, color="#d9ead3", label="target band")
    for row, fact in enumerate(frame.iloc[::-1].itertuples(index=False)):
        span = fact.high - fact.low
        position = (fact.estimate - fact.low) / span
        low, high = (fact.ci_low - fact.low) / span, (fact.ci_high - fact.low) / span
        colour_ = PALETTE[2] if fact.passed else PALETTE[3]
        if np.isfinite(low) and np.isfinite(high) and high > low:
            ax.plot([max(low, -1.5), min(high, 2.5)], [row, row], color=colour_, lw=2)
        ax.plot([min(max(position, -1.5), 2.5)], [row], "o", color=colour_, ms=4)
    ax.plot([], [], "o-", color=PALETTE[2], label="estimate and 95% interval: in band")
    ax.plot([], [], "o-", color=PALETTE[3], label="out of band")
    ax.set_yticks(range(len(frame)), frame["fact"].iloc[::-1], fontsize=6.5)
    ax.set_xlim(-1.6, 2.6)
    ax.set_xlabel("position in the target band (0 = its low end, 1 = its high end)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3)
    passed = int(frame["passed"].sum())
    ax.set_title(f"The stylized-facts scorecard: {passed} of {len(frame)} facts in band", pad=18)
    return fig


DRAWINGS = {f.__name__: f for f in (robot_wave_unemployment, whoosh_ablation, whoosh_timing, lockin_policy_space,
                                    carried_interest, allocation_regimes, sobol_indices, scenario_discovery, scorecard)}
