"""A line plot that grows month by month without being rebuilt (``live_plot.vue``).

Each frame sends the plot only the months it has not shown yet; titles, axes and series styles are
sent when they change. Solara's ``FigureEcharts`` instead sends and redraws the whole option every
frame.
"""

from __future__ import annotations

from collections.abc import Callable

import solara


@solara.component_vue("live_plot.vue", vuetify=False)
def LiveEcharts(option: dict, tail: dict, chart_style: str, event_resync: Callable[[int], None]):
    """The browser side of ``LivePlot`` (see live_plot.vue)."""


@solara.component
def LivePlot(option: dict, generation: int, height: str = "300px"):
    """Draw ``option`` (an ECharts line option with ``xAxis.data`` and each series' ``data``) incrementally.

    Args:
        option: the full option; only its new points (and the rest when it changes) reach the browser.
        generation: changes when the data restart (a new model, another jurisdiction), forcing a full send.
        height: CSS height of the plot.
    """
    sent = solara.use_ref((None, 0))            # (generation, points) the browser holds
    _, force = solara.use_state(0)
    x = option["xAxis"]["data"]
    series = [s["data"] for s in option["series"]]
    held_generation, held = sent.current
    start = held if held_generation == generation and held <= len(x) else 0
    tail = {"start": start, "x": x[start:], "y": [values[start:] for values in series]}
    sent.current = (generation, len(x))
    static = {**option, "xAxis": {**option["xAxis"], "data": []},
              "series": [{**s, "data": []} for s in option["series"]]}
    static_ref = solara.use_ref(None)
    if static_ref.current != static:
        static_ref.current = static

    def resync(_held: int) -> None:
        sent.current = (None, 0)
        force(lambda n: n + 1)

    LiveEcharts(option=static_ref.current, tail=tail, chart_style=f"height: {height}; width: 100%", event_resync=resync)
