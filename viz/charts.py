"""ECharts options for the dashboard's plots: titled, units on the axes, jurisdictions named in legends.

ECharts is served from Solara's local front-end files (``solara-assets``), so the plots need no
network. Every builder returns a plain dict; the dashboard hands it to ``solara.FigureEcharts``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Okabe & Ito's colour-blind-safe palette (Wong 2011, Nature Methods), then greys
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#999999"]


def _base(title: str, y_unit: str, x: Sequence[str], x_name: str = "month") -> dict:
    return {
        "animation": False,
        "color": PALETTE,
        "title": {"text": title, "left": 8, "top": 4, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 26, "left": 8, "right": 8, "type": "scroll"},
        "grid": {"left": 84, "right": 24, "top": 72, "bottom": 48},
        "xAxis": {"type": "category", "data": list(x), "name": x_name, "nameLocation": "middle", "nameGap": 28,
                  "boundaryGap": False},
        "yAxis": {"type": "value", "name": y_unit, "nameLocation": "middle", "nameGap": 64, "scale": True,
                  "axisLabel": {"hideOverlap": True}},
    }


def _clean(values: np.ndarray, factor: float = 1.0, digits: int = 4) -> list:
    return [None if not np.isfinite(v) else round(float(v) * factor, digits) for v in np.asarray(values, dtype=float)]


def lines(title: str, y_unit: str, x: Sequence[str], series: dict[str, np.ndarray], factor: float = 1.0,
          dashed: Sequence[str] = ()) -> dict:
    """One line per entry of ``series`` (name → values), values multiplied by ``factor``."""
    option = _base(title, y_unit, x)
    option["series"] = [{"name": name, "type": "line", "showSymbol": False, "data": _clean(values, factor),
                         "lineStyle": {"type": "dashed" if name in dashed else "solid"}}
                        for name, values in series.items()]
    return option


def stacked_area(title: str, y_unit: str, x: Sequence[str], series: dict[str, np.ndarray], factor: float = 1.0) -> dict:
    """Stacked areas, one per entry of ``series``."""
    option = _base(title, y_unit, x)
    option["yAxis"]["scale"] = False
    option["series"] = [{"name": name, "type": "line", "stack": "total", "areaStyle": {}, "showSymbol": False,
                         "data": _clean(values, factor)} for name, values in series.items()]
    return option


def flows(title: str, names: Sequence[str], matrix: np.ndarray, unit: str) -> dict:
    """A Sankey diagram of moves from origin (left) to destination (right); ``matrix[i, j]`` from i to j.

    Each jurisdiction keeps its colour on both sides; nodes are labelled by name only.
    """
    def node(i: int, side: str) -> dict:
        return {"name": f"{names[i]} ({side})", "itemStyle": {"color": PALETTE[i % len(PALETTE)]},
                "label": {"formatter": names[i]}}

    moves = [(i, j) for i in range(len(names)) for j in range(len(names)) if i != j and matrix[i, j] > 0]
    links = [{"source": f"{names[i]} (from)", "target": f"{names[j]} (to)", "value": round(float(matrix[i, j]), 2)}
             for i, j in moves]
    nodes = ([node(i, "from") for i in sorted({i for i, _ in moves})]      # only jurisdictions with moves
             + [node(j, "to") for j in sorted({j for _, j in moves})])
    subtitle = f"people moving, origin (left) → destination (right), {unit}" if links else f"no moves ({unit})"
    return {
        "animation": False,
        "title": {"text": title, "subtext": subtitle, "left": 8, "top": 4, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item"},
        "series": [{"type": "sankey", "top": 56, "bottom": 16, "left": 16, "right": 96, "nodeAlign": "justify",
                    "data": nodes, "links": links, "emphasis": {"focus": "adjacency"},
                    "lineStyle": {"color": "source", "opacity": 0.35}, "label": {"fontSize": 11}}],
    }


def bands(title: str, y_unit: str, x: Sequence[str], groups: dict[str, dict[str, np.ndarray]], factor: float = 1.0) -> dict:
    """For each group (name → {"mean", "low", "high"}), its mean line and a shaded band from low to high."""
    option = _base(title, y_unit, x)
    series = []
    for i, (name, g) in enumerate(groups.items()):
        colour = PALETTE[i % len(PALETTE)]
        low, high = np.asarray(g["low"]), np.asarray(g["high"])
        # a band is two stacked series: an invisible base at `low` and the band's width on top of it
        # stackStrategy "all": stack negative values too (the default stacks only values of the same sign)
        series.append({"name": f"{name} 90% band", "type": "line", "stack": f"band{i}", "stackStrategy": "all",
                       "showSymbol": False, "lineStyle": {"opacity": 0}, "data": _clean(low, factor),
                       "tooltip": {"show": False}})
        series.append({"name": f"{name} 90% band", "type": "line", "stack": f"band{i}", "stackStrategy": "all",
                       "showSymbol": False,
                       "lineStyle": {"opacity": 0}, "areaStyle": {"color": colour, "opacity": 0.2},
                       "data": _clean(high - low, factor)})
        series.append({"name": name, "type": "line", "showSymbol": False, "itemStyle": {"color": colour},
                       "lineStyle": {"color": colour, "width": 2}, "data": _clean(g["mean"], factor)})
    option["series"] = series
    option["legend"]["data"] = list(groups)
    return option


def heatmap(title: str, x_name: str, y_name: str, x: Sequence, y: Sequence, values: np.ndarray, unit: str) -> dict:
    """A heatmap of ``values[i_y, i_x]`` with a colour scale in ``unit``."""
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    data = [[i, j, None if not np.isfinite(values[j, i]) else float(f"{values[j, i]:.4g}")]
            for j in range(len(y)) for i in range(len(x))]
    return {
        "animation": False,
        "title": {"text": title, "subtext": f"colour: mean {unit}", "left": 8, "top": 4, "textStyle": {"fontSize": 14}},
        "tooltip": {"position": "top"},
        "grid": {"left": 96, "right": 96, "top": 64, "bottom": 56},
        "xAxis": {"type": "category", "data": [str(v) for v in x], "name": x_name, "nameLocation": "middle", "nameGap": 32},
        "yAxis": {"type": "category", "data": [str(v) for v in y], "name": y_name, "nameLocation": "middle", "nameGap": 72},
        "visualMap": {"min": lo, "max": hi if hi > lo else lo + 1e-9, "calculable": True, "orient": "vertical",
                      "right": 8, "top": "middle", "precision": 3,
                      "inRange": {"color": ["#f7fbff", "#6baed6", "#08306b"]}},
        "series": [{"type": "heatmap", "data": data, "label": {"show": len(x) * len(y) <= 64, "fontSize": 10}}],
    }


def line_with_band(title: str, x_name: str, y_unit: str, x: Sequence, mean: np.ndarray, low: np.ndarray,
                   high: np.ndarray, name: str) -> dict:
    """A metric's mean against one factor with its 95% confidence band (the sweep explorer's line)."""
    option = bands(title, y_unit, [str(v) for v in x], {name: {"mean": mean, "low": low, "high": high}})
    option["xAxis"]["name"] = x_name
    option["series"][0]["name"] = option["series"][1]["name"] = f"{name} 95% interval"
    return option
