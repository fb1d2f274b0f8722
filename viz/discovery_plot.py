"""The picture of a scenario discovery (``experiments.discovery``): how the boxes trade coverage for
density (left) and each factor's range in the boxes (right).

Drawn on a bare ``matplotlib.figure.Figure`` with the Agg canvas: no pyplot state, no display needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

if TYPE_CHECKING:
    from experiments.discovery import Discovery

# Okabe & Ito's colour-blind-safe palette (as viz.charts.PALETTE)
BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW, BLACK = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
BOX_COLOURS = [BLUE, VERMILLION, GREEN, PURPLE, ORANGE]
RES_DIM_COLOURS = [BLACK, SKY, ORANGE, GREEN, VERMILLION, PURPLE, BLUE, YELLOW]
FULL_RANGE = "#E4E4E4"
UNRESTRICTED = "#B0B0B0"
MUTED = "#666666"
FONT = 10


def plot_discovery(discovery: Discovery) -> Figure:
    """Two panels: PRIM's peeling trajectory (or the boxes) as coverage against density, and the
    boxes' limits per factor, each normalised to the factor's range over the runs."""
    n_factors = len(discovery.factors)
    n_boxes = max(1, len(discovery.boxes))
    height = max(5.0, 2.2 + n_factors * (0.3 + 0.22 * n_boxes))
    figure = Figure(figsize=(13, height), layout="constrained")
    FigureCanvasAgg(figure)
    tradeoff, limits = figure.subplots(1, 2, width_ratios=[1, 1.25])
    _tradeoff(tradeoff, discovery)
    _limits(limits, discovery)
    figure.suptitle(f"Where {discovery.rule}: {discovery.method.upper()} "
                    f"({discovery.n_of_interest:,} of {discovery.n_runs:,} runs of interest, "
                    f"{discovery.base_rate:.0%})", fontsize=FONT + 3)
    handles = [Line2D([], [], color=_box_colour(i), marker="*", markersize=14, markeredgecolor=BLACK,
                      markeredgewidth=0.8, linewidth=6, label=_box_label(discovery, i))
               for i in range(len(discovery.boxes))]
    handles += [Line2D([], [], color=MUTED, linestyle="--", label=f"density threshold {discovery.threshold:g}"),
                Line2D([], [], color=MUTED, linestyle=":", label=f"all runs: {discovery.base_rate:.0%} of interest")]
    figure.legend(handles=handles, loc="outside lower center", ncols=min(3, len(handles)), fontsize=FONT,
                  frameon=False)
    return figure


def _box_colour(i: int) -> str:
    return BOX_COLOURS[i % len(BOX_COLOURS)]


def _box_label(discovery: Discovery, i: int) -> str:
    box = discovery.boxes[i]
    text = f"box {i + 1}: coverage {box.coverage:.0%}, density {box.density:.0%}, mass {box.mass:.0%}"
    if discovery.method == "prim" and i == 0 and box.chosen_step is not None:
        text += f" (step {box.chosen_step})"
    return text + ("" if box.meets_threshold else " (below threshold)")


def _short(value: float) -> str:
    return f"{value:.3g}"


def _tradeoff(ax, discovery: Discovery) -> None:
    """Coverage against density: PRIM's trajectory of box 1 coloured by restricted factors, and the boxes as stars."""
    steps = discovery.boxes[0].trajectory if discovery.boxes else ()
    if steps:
        ax.plot([s.coverage for s in steps], [s.density for s in steps], color="#BBBBBB", linewidth=1, zorder=1)
        for dim in sorted({s.res_dim for s in steps}):
            at = [s for s in steps if s.res_dim == dim]
            ax.scatter([s.coverage for s in at], [s.density for s in at], s=28, zorder=2,
                       color=RES_DIM_COLOURS[dim % len(RES_DIM_COLOURS)], edgecolor="white", linewidth=0.5,
                       label=f"{dim} restricted factor{'s' if dim != 1 else ''}")
        ax.legend(loc="lower left", fontsize=FONT - 1, title="steps coloured by", title_fontsize=FONT - 1,
                  framealpha=0.9)
        ax.set_title(f"PRIM peeling trajectory of box 1 ({len(steps)} steps)", fontsize=FONT + 1)
    else:
        ax.set_title("CART leaves reported as boxes" if discovery.method == "cart" else "boxes", fontsize=FONT + 1)
    for i, box in enumerate(discovery.boxes):
        ax.scatter([box.coverage], [box.density], s=220, marker="*", color=_box_colour(i), edgecolor=BLACK,
                   linewidth=0.8, zorder=3)
        left = box.coverage > 0.85
        ax.annotate(f"box {i + 1}", (box.coverage, box.density), xytext=(-9 if left else 9, 6),
                    textcoords="offset points", ha="right" if left else "left", fontsize=FONT,
                    color=_box_colour(i), fontweight="bold")
    ax.axhline(discovery.threshold, color=MUTED, linestyle="--", linewidth=1, zorder=0)
    ax.axhline(discovery.base_rate, color=MUTED, linestyle=":", linewidth=1, zorder=0)
    ax.set_xlim(-0.02, 1.1)
    ax.set_ylim(-0.02, 1.08)
    ax.set_xlabel("coverage (share of runs of interest inside the box)", fontsize=FONT)
    ax.set_ylabel("density (share of runs inside the box of interest)", fontsize=FONT)
    ax.tick_params(labelsize=FONT - 1)
    ax.grid(True, alpha=0.3)


def _limits(ax, discovery: Discovery) -> None:
    """One row per factor: its full range as a light bar, each box's range as a coloured bar (categories as text)."""
    boxes = discovery.boxes
    names = list(discovery.factors)
    n = max(1, len(boxes))
    bar = min(0.3, 0.62 / n)
    first = boxes[0].limits if boxes else {}
    labels = []
    for row, name in enumerate(names):
        y = len(names) - 1 - row
        full = first.get(name)
        ax.barh(y, 1.0, left=0.0, height=0.86, color=FULL_RANGE, zorder=1)
        if full is not None and full.kind == "category":
            labels.append(f"{name}\nlevels: {', '.join(full.levels)}")
        elif full is not None:
            labels.append(f"{name}\n{_short(full.full_low)} – {_short(full.full_high)}")
        else:
            labels.append(name)
        for i, box in enumerate(boxes):
            lim = box.limits[name]
            colour = _box_colour(i)
            centre = y + 0.43 - (i + 0.5) * 0.86 / n
            prefix = f"box {i + 1}: " if n > 1 else ""
            if lim.kind == "category":
                text = ", ".join(lim.allowed) if lim.restricted else "all levels"
                ax.text(0.5, centre, prefix + text, ha="center", va="center", fontsize=FONT,
                        color=colour if lim.restricted else MUTED,
                        fontweight="bold" if lim.restricted else "normal", zorder=3)
                continue
            span = lim.full_high - lim.full_low
            low, high = (lim.low - lim.full_low) / span, (lim.high - lim.full_low) / span
            ax.barh(centre, high - low, left=low, height=bar, color=colour if lim.restricted else UNRESTRICTED,
                    zorder=2)
            if lim.restricted:
                ax.text(low - 0.01, centre, _short(lim.low), ha="right", va="center", fontsize=FONT - 1,
                        color=colour, zorder=3)
                ax.text(high + 0.01, centre, _short(lim.high), ha="left", va="center", fontsize=FONT - 1,
                        color=colour, zorder=3)
    ax.set_yticks(range(len(names)), list(reversed(labels)), fontsize=FONT)
    ax.set_ylim(-0.55, len(names) - 0.45)
    ax.set_xlim(-0.13, 1.13)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
    ax.tick_params(axis="x", labelsize=FONT - 1)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("position in the factor's range over the runs (0 = minimum, 1 = maximum)\n"
                  "light: the factor's whole range; grey bar: not restricted", fontsize=FONT)
    ax.set_title("box limits per factor", fontsize=FONT + 1)
