"""The dashboard's pages: Economy, Talent & capital, Compare, Sweeps and Agents.

Each page draws from a ``Session``'s history (appended month by month) and only the page on screen is
drawn, so a step costs what the visible plots cost.
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import solara

from experiments.scenarios import ParameterError, scenario_names
from model.domain import SKILLS
from model.economy import month_label
from viz import charts, controls, ensemble, sweep_view
from viz.live_plot import LivePlot
from viz.session import AGENT_KINDS, Session, Settings, agent_sample, agent_table

WORLD = "World"
SWEEP_FOLDER = "Sweep results folder (the --out of `whoosh sweep`)"
PLOT_HEIGHT = "300px"


def Plot(option: dict, name: str, generation: object = None):
    """A plot with a stable CSS class (``whoosh-plot-<name>``) that the browser tests look for.

    With a ``generation`` (what identifies the data's history: the model and the selection) a line plot
    over months is drawn by ``LivePlot``, which sends the browser only the new months; otherwise the
    whole option is drawn by Solara's ``FigureEcharts``.
    """
    with solara.Div(classes=["whoosh-plot", f"whoosh-plot-{name}"], style={"min-width": "420px", "flex": "1 1 46%"}):
        if generation is not None:
            LivePlot(option, generation=hash(generation), height=PLOT_HEIGHT)
        else:
            solara.FigureEcharts(option=option, attributes={"style": f"height: {PLOT_HEIGHT}; width: 100%"})


def months_axis(session: Session) -> list[str]:
    start = session.model.state.start_month
    return [month_label(start + i) for i in range(session.history.length)]


def empty_note(session: Session) -> bool:
    if session.history.length == 0:
        solara.Info("Press Step or Play to run the model; the plots fill in month by month.")
        return True
    return False


@solara.component
def JurisdictionPicker(session: Session, value: solara.Reactive, with_world: bool = True):
    names = list(session.names)
    home = session.params.home
    ordered = [home, *(n for n in names if n != home)] + ([WORLD] if with_world else [])
    solara.ToggleButtonsSingle(value=value.value if value.value in ordered else home, values=ordered, on_value=value.set)


@solara.component
def EconomyPage(session: Session, version: int):
    where = solara.use_reactive(session.params.home)
    JurisdictionPicker(session, where)
    if empty_note(session):
        return
    h, x, j = session.history, months_axis(session), where.value
    world = j == WORLD
    suffix = "" if world else f"_{j}"

    def skills() -> dict:
        return {f"{s} skill": h[f"unemployment_{s}" if world else f"unemployment_{s}_{j}"] for s in SKILLS}

    live = (session.generation, j)
    consumption = (sum(h[f"real_consumption_{n}"] for n in session.names) if world else h[f"real_consumption_{j}"])
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
        Plot(charts.lines(f"Unemployment, {j}", "% of labour force", x,
                          {"total": h[f"unemployment{suffix}"], **skills()}, 100.0, dashed=[f"{s} skill" for s in SKILLS]),
             "unemployment", live)
        Plot(charts.lines(f"Employment to population, {j}", "% of working-age population", x,
                          {"employment / population": h[f"employment_to_population{suffix}"]}, 100.0), "employment", live)
        Plot(charts.lines(f"Real GDP and consumption, {j}", "$ bn a month, start-month prices", x,
                          {"real GDP": h[f"real_gdp{suffix}"], "household consumption": consumption}, 1e-6), "gdp", live)
        Plot(charts.lines(f"Inflation and policy rate, {j}", "% a year", x,
                          {"inflation": h[f"inflation{suffix}"], "policy rate": h[f"policy_rate{suffix}"]}, 100.0),
             "inflation", live)
        Plot(charts.lines(f"Labour share, {j}", "% of GDP", x, {"labour share": h[f"labour_share{suffix}"]}, 100.0),
             "labour-share", live)
        Plot(charts.lines(f"Robots, {j}", "robots per 1,000 workers", x, {"robot density": h[f"robots_per_1000{suffix}"]}),
             "robots", live)
        Plot(charts.lines(f"Populism and violence risk, {j}", "index, 0 to 1", x,
                          {"populism": h[f"populism{suffix}"], "violence risk": h[f"violence_risk{suffix}"]}), "populism", live)


@solara.component
def TalentPage(session: Session, version: int):
    door = solara.use_reactive(session.params.home)
    if empty_note(session):
        return
    h, x, names = session.history, months_axis(session), session.names
    live = (session.generation,)
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
        Plot(charts.stacked_area("AI talent by jurisdiction", "thousand people", x,
                                 {n: h[f"talent_{n}"] for n in names}, 1e-3), "talent", live)
        Plot(charts.flows(f"Talent moves in {session.date}", names, session.moves_month, "this month"), "moves-month")
        Plot(charts.flows("Talent moves since the start", names, session.moves_total, "cumulative"), "moves-total")
        Plot(charts.lines(f"Monthly outflow of {session.params.home}-born AI talent", "people a month", x,
                          {"outflow": h["talent_outflow"]}), "outflow", live)
        Plot(charts.lines("Capital flight", "$ bn", x, {"stock abroad": h["capital_flight_stock"],
                                                         "outflow this month": h["capital_outflow"]}, 1e-6), "capital", live)
        Plot(charts.lines("Where IP value is booked", "% of AI firms' sales", x,
                          {n: h[f"ip_share_{n}"] for n in names}, 100.0), "ip", live)
    JurisdictionPicker(session, door, with_world=False)
    j = door.value if door.value in names else session.params.home
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
        Plot(charts.lines(f"The state of the door, {j}", "index, 0 to 1", x, {
            "capital controls in force": h[f"capital_controls_{j}"],
            "controls announced": h[f"controls_announced_{j}"],
            "CBDC adoption": h[f"cbdc_adoption_{j}"],
            "populist government": h[f"populist_{j}"],
            "talent's expected lock-in": h[f"lockin_{j}"],
        }, dashed=["controls announced", "populist government"]), "door", (session.generation, j))


@solara.component
def ComparePage(session: Session):
    mode = solara.use_reactive("two presets")
    preset_a = solara.use_reactive("baseline")
    preset_b = solara.use_reactive("big-whoosh")
    lever = solara.use_reactive("capital_controls")
    where = solara.use_reactive(session.params.home)
    lever_value = solara.use_reactive(0.5)
    seeds = solara.use_reactive(8)
    months = solara.use_reactive(60)
    progress = solara.use_reactive((0, 0))
    result = solara.use_reactive(None)
    message = solara.use_reactive("")
    started = solara.use_reactive(0)

    def settings_pair() -> tuple[Settings, Settings, str, str]:
        s = session.settings
        if mode.value == "two presets":
            a = Settings(preset_a.value, {}, s.seed, s.scale)
            b = Settings(preset_b.value, {}, s.seed, s.scale)
            return a, b, preset_a.value, preset_b.value
        key = f"jurisdictions.{where.value}.{lever.value}"
        b = Settings(s.scenario, {**s.overrides, key: float(lever_value.value)}, s.seed, s.scale)
        return s, b, "current settings", f"{where.value} {lever.value.replace('_', ' ')} = {lever_value.value:g}"

    def run(cancel: threading.Event):
        if started.value == 0:
            return
        a, b, name_a, name_b = settings_pair()
        try:
            a.parameters(), b.parameters()
        except ParameterError as exc:
            message.set(str(exc))
            return
        keys = [h.key.format(home=session.params.home) for h in ensemble.HEADLINES]
        message.set("")
        try:
            runs_a, runs_b = ensemble.run_ensembles(a, b, int(seeds.value), int(months.value), keys,
                                                    progress=lambda done, total: progress.set((done, total)))
        except Exception as exc:  # noqa: BLE001 - a model failure in a worker is shown as one line, not a traceback
            message.set(f"the ensemble failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            progress.set((0, 0))
            return
        result.set((name_a, name_b, runs_a, runs_b, a.parameters().start))

    solara.use_thread(run, dependencies=[started.value])

    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px", "align-items": "center"}):
        solara.ToggleButtonsSingle(value=mode.value, values=["two presets", "one lever changed"], on_value=mode.set)
        if mode.value == "two presets":
            solara.Select("Setting A", values=scenario_names(), value=preset_a.value, on_value=preset_a.set)
            solara.Select("Setting B", values=scenario_names(), value=preset_b.value, on_value=preset_b.set)
        else:
            solara.Select("Jurisdiction", values=list(session.names), value=where.value, on_value=where.set)
            live = [c.name for group in controls.lever_controls().values() for c in group if c.lever]
            solara.Select("Lever", values=live, value=lever.value, on_value=lever.set)
            c = controls.control(f"jurisdictions.*.{lever.value}")
            solara.InputFloat(f"B: {c.label}", value=lever_value.value, on_value=lever_value.set, continuous_update=False)
        solara.InputInt("Seeds", value=seeds.value, on_value=lambda v: seeds.set(min(max(int(v), 2), 64)))
        solara.InputInt("Months", value=months.value, on_value=lambda v: months.set(min(max(int(v), 6), 600)))
        solara.Button("Run ensembles", on_click=lambda: started.set(started.value + 1), color="primary",
                      classes=["whoosh-compare-run"])
    done, total = progress.value
    if total and done < total:
        solara.ProgressLinear(value=100 * done / total)
        solara.Text(f"{done} of {total} runs done")
    if message.value:
        solara.Error(message.value)
    if result.value is None:
        solara.Info("Pick two settings and run: each is run for the same seeds (common random numbers), and the "
                    "plots show the mean and the 90% band over seeds, and the paired difference B − A.")
        return
    name_a, name_b, runs_a, runs_b, start = result.value
    steps = len(next(iter(runs_a[0].values()))) if runs_a else 0
    from model.parameters import month_index
    x = [month_label(month_index(start) + i) for i in range(steps)]
    home = session.params.home
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
        for i, h in enumerate(ensemble.HEADLINES):
            key = h.key.format(home=home)
            title = h.title.format(home=home)
            a, b = ensemble.summary(runs_a, key), ensemble.summary(runs_b, key)
            diff = ensemble.summary([{key: rb[key] - ra[key]} for ra, rb in zip(runs_a, runs_b)], key)
            Plot(charts.bands(title, h.unit, x, {f"A: {name_a}": a, f"B: {name_b}": b}, h.factor), f"compare-{i}")
            Plot(charts.bands(f"{title}: B − A", h.unit, x, {"difference B − A": diff}, h.factor), f"compare-diff-{i}")


@solara.component
def SweepsPage():
    folder = solara.use_reactive("")
    metric = solara.use_reactive(None)
    factor_x = solara.use_reactive(None)
    factor_y = solara.use_reactive("none")
    loaded = solara.use_memo(lambda: _open(folder.value), [folder.value])
    solara.InputText(SWEEP_FOLDER, value=folder.value, on_value=folder.set,
                     continuous_update=False)
    if folder.value == "":
        solara.Info("Type the path of a sweep's results folder, e.g. runs/sweeps/robot-deployment.")
        return
    if isinstance(loaded, str):
        solara.Error(loaded)
        return
    results = loaded
    metrics, factors = sweep_view.metrics_of(results), results.factors
    m = metric.value if metric.value in metrics else metrics[0]
    fx = factor_x.value if factor_x.value in factors else factors[0]
    fy = factor_y.value if factor_y.value in factors and factor_y.value != fx else "none"
    done = int((results.runs["status"] == "ok").sum()) if "status" in results.runs else 0
    solara.Text(f"{results.manifest['spec']['name']}: {done} runs finished ok; factors {', '.join(factors)}")
    if results.incomplete_note():
        solara.Warning(f"{results.incomplete_note()}; resume with `whoosh sweep SPEC --out {folder.value}`")
    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px"}):
        solara.Select("Metric", values=metrics, value=m, on_value=metric.set)
        solara.Select("Factor (x)", values=factors, value=fx, on_value=factor_x.set)
        solara.Select("Second factor (heatmap)", values=["none", *(f for f in factors if f != fx)], value=fy,
                      on_value=factor_y.set)
    try:
        if fy == "none":
            table = sweep_view.by_one(results, m, fx)
            Plot(charts.line_with_band(f"{m} by {fx}", fx, m, table["level"].astype(str).tolist(),
                                       table["mean"].to_numpy(), table["ci_low"].to_numpy(), table["ci_high"].to_numpy(),
                                       m), "sweep-line")
        else:
            xs, ys, grid = sweep_view.by_two(results, m, fx, fy)
            Plot(charts.heatmap(f"Mean {m} by {fx} and {fy}", fx, fy, xs, ys, grid, m), "sweep-heatmap")
    except ValueError as exc:
        solara.Error(str(exc))


def _open(folder: str):
    """The loaded results, or the one-line reason they cannot be loaded."""
    if not folder:
        return None
    try:
        return sweep_view.open_sweep(folder)
    except (ValueError, OSError) as exc:
        return str(exc).splitlines()[0]


@solara.component
def AgentsPage(session: Session, version: int):
    kind = solara.use_reactive("workers")
    where = solara.use_reactive("all")
    row = solara.use_reactive(None)
    rows = solara.use_memo(lambda: agent_sample(session.model, kind.value), [kind.value, session.generation])
    table = agent_table(session.model, kind.value, rows)
    place = "location" if kind.value == "talent" else "jurisdiction"
    if where.value != "all":
        table = table[table[place] == where.value]
    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px"}):
        solara.ToggleButtonsSingle(value=kind.value, values=list(AGENT_KINDS), on_value=kind.set)
        solara.Select("Jurisdiction", values=["all", *session.names], value=where.value, on_value=where.set)
        solara.Select("Follow agent (row)", values=[int(r) for r in table["row"]], value=row.value,
                      on_value=lambda r: (row.set(r), session.follow(kind.value, int(r))))
    solara.Text(f"{len(table)} of a fixed sample of {len(rows)} {kind.value}, as of {session.date}; money in k$")
    solara.DataFrame(table.round(3), items_per_page=12)
    track = session.followed.get((kind.value, row.value)) if row.value is not None else None
    if track:
        numeric = [k for k, v in track[-1].items() if isinstance(v, (int, float)) and not isinstance(v, bool)
                   and k not in ("row", "employer")]
        x = [t["month"] for t in track]
        series = {k: np.array([t[k] for t in track], dtype=float) for k in numeric}
        with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
            Plot(charts.lines(f"{kind.value[:-1] if kind.value != 'talent' else 'talent'} {row.value} since followed",
                              "value (see legend)", x, series), "agent")
        solara.DataFrame(pd.DataFrame(track).round(3), items_per_page=6)
