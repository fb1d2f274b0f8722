"""Big Whoosh dashboard: pull a lever, watch the economy answer.

Start it with ``whoosh dashboard`` (or ``solara run viz/app.py``). Each browser tab has its own model
(a ``viz.session.Session``); the model steps in a worker thread, never in the UI's event handlers.
Controls on the left: preset, seed and scale, the four levers of a chosen jurisdiction, the
governments' endogenous responses and the main behavioural parameters, run controls and export.
Pages on the right: Economy, Talent & capital, Compare, Sweeps and Agents (``viz/pages.py``).
"""

from __future__ import annotations

import os
import threading
import time

import solara

from experiments.scenarios import ParameterError, scenario_label, scenario_names
from viz import controls
from viz.pages import AgentsPage, ComparePage, EconomyPage, SweepsPage, TalentPage
from viz.session import DEFAULT_SCALE, Session, Settings

PAGES = ("Economy", "Talent & capital", "Compare", "Sweeps", "Agents")
SPEEDS = (1, 2, 5, 10, 20)   # months a second


def initial_settings() -> Settings:
    """Settings from the environment ``whoosh dashboard`` sets (scale, scenario), defaults otherwise."""
    scale = float(os.environ.get("WHOOSH_DASHBOARD_SCALE", DEFAULT_SCALE))
    return Settings(os.environ.get("WHOOSH_DASHBOARD_SCENARIO", "baseline"), {}, 0, scale)


@solara.component
def NumberControl(control: controls.Control, value, on_value, disabled: bool = False):
    """A slider for a bounded range of modest span, a number field otherwise, a switch for a flag.

    The label shows the name, the unit and the current value; the description is the tooltip.
    """
    name = control.name.replace("_", "-")

    def changed(new) -> None:
        if control.kind in ("float", "int") and new is not None and abs(float(new) - float(value)) < control.step() / 2:
            return      # a slider snapping its value to its grid is not a move
        on_value(new)

    with solara.Div(classes=["whoosh-control", f"whoosh-control-{name}"], style={"width": "100%"}):
        if control.kind == "bool":
            solara.Switch(label=control.label, value=bool(value), on_value=changed, disabled=disabled)
        elif control.kind == "month":
            solara.InputText(control.label, value=str(value), on_value=changed, disabled=disabled,
                             continuous_update=False)
        elif control.lo is not None and control.hi is not None and control.hi - control.lo <= 100:
            solara.Text(f"{control.label}: {value:g}", style={"font-size": "13px"}, classes=["whoosh-control-label"])
            slider = solara.SliderInt if control.kind == "int" else solara.SliderFloat
            slider("", value=value, min=control.lo, max=control.hi, step=control.step(), on_value=changed,
                   disabled=disabled, tick_labels=False)
        else:
            field = solara.InputInt if control.kind == "int" else solara.InputFloat
            field(control.label, value=value, on_value=changed, disabled=disabled, continuous_update=False)


@solara.component
def Stepper(session: Session, requested, playing, speed, bump):
    """Steps the model in worker threads: the Step presses not yet run, and Play. It draws nothing, so the
    threads' own state changes redraw only this component, not the page."""
    handled = solara.use_ref(requested.value)                 # Step presses run so far

    def run_requested(cancel: threading.Event):
        while handled.current < requested.value and not cancel.is_set():
            session.step(1)
            handled.current += 1
            bump()

    # intrusive_cancel=False: Solara's intrusive cancel traces every line of the thread, which slows the model
    solara.use_thread(run_requested, dependencies=[requested.value], intrusive_cancel=False)

    def play_loop(cancel: threading.Event):
        """While playing, step at ``speed`` months a second (or as fast as the model allows)."""
        if not playing.value:
            return
        interval = 1.0 / speed.value
        while not cancel.is_set():
            started = time.perf_counter()
            session.step(1)
            bump()
            cancel.wait(max(0.0, interval - (time.perf_counter() - started)))

    solara.use_thread(play_loop, dependencies=[playing.value, speed.value], intrusive_cancel=False)
    solara.Div(style={"display": "none"})


@solara.component
def Page():
    session: Session = solara.use_memo(lambda: Session(initial_settings()), [])
    solara.use_effect(lambda: session.close, [])           # a closed tab frees its model
    version = solara.use_reactive(0)                        # bumped after every step or rebuild
    controls_version = solara.use_reactive(0)               # bumped when a control's value may have changed
    requested = solara.use_reactive(0)                      # Step presses so far
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(5)
    jurisdiction = solara.use_reactive(session.params.home)
    page = solara.use_reactive(0)
    pending = solara.use_reactive({})                       # settings changed mid-run, applied on Reset
    error = solara.use_reactive("")

    def bump():
        version.set(version.value + 1)

    Stepper(session, requested, playing, speed, bump)

    def rebuild(settings: Settings) -> None:
        try:
            playing.set(False)
            session.reset(settings)
            pending.set({})
            error.set("")
        except ParameterError as exc:
            error.set(str(exc))
        controls_version.set(controls_version.value + 1)
        bump()

    def change_setting(key: str, value) -> None:
        """A setting that is not a live lever: applied now before the first month, else on Reset."""
        if session.steps == 0:
            rebuild(session.with_override(key, value))
        else:
            pending.set({**pending.value, key: value})

    def reset() -> None:
        s = session.settings
        rebuild(Settings(s.scenario, {**s.overrides, **pending.value}, s.seed, s.scale))

    def move_lever(lever: str, value: float) -> None:
        try:
            session.set_lever(jurisdiction.value, lever, value)
            error.set("")
        except (ParameterError, ValueError) as exc:
            error.set(str(exc).splitlines()[0])
        controls_version.set(controls_version.value + 1)
        bump()

    _ = version.value   # re-render on every step
    solara.Title("Big Whoosh")
    with solara.Row(style={"align-items": "flex-start", "gap": "0px", "flex-wrap": "nowrap"}):
        with solara.Column(style={"width": "340px", "min-width": "340px", "padding": "8px", "background": "#f5f7fa",
                                  "gap": "8px"}, classes=["whoosh-controls"]):
            solara.Text("Big Whoosh", style={"font-size": "20px", "font-weight": "700"})
            Sidebar(session, controls_version.value, session.steps > 0, playing, speed, requested, jurisdiction,
                    pending, error, rebuild, change_setting, reset, move_lever)
        with solara.Column(style={"padding": "8px 16px", "flex": "1 1 auto", "min-width": "0"}):
            with solara.Row(style={"align-items": "center"}):
                solara.Text(f"Month {session.date} · step {session.steps}", classes=["whoosh-step"],
                            style={"font-size": "18px", "font-weight": "600"})
                solara.Text(f"{scenario_label(session.settings.scenario)}, seed {session.settings.seed}, "
                            f"scale {session.settings.scale:g}", style={"color": "#555"})
            with solara.lab.Tabs(value=page.value, on_value=page.set):
                for title in PAGES:
                    solara.lab.Tab(title)
            if page.value == 0:
                EconomyPage(session, version.value)
            elif page.value == 1:
                TalentPage(session, version.value)
            elif page.value == 2:
                ComparePage(session)
            elif page.value == 3:
                SweepsPage()
            else:
                AgentsPage(session, version.value)


@solara.component
def Sidebar(session: Session, controls_version: int, running: bool, playing, speed, requested, jurisdiction, pending,
            error, rebuild, change_setting, reset, move_lever):
    """The controls. They redraw when ``controls_version`` (bumped by every rebuild and lever move) or
    ``running`` changes, not at every step: a step leaves them as they are."""
    s, params = session.settings, session.params
    names = list(params.jurisdictions)
    with solara.Card("Run", margin=0):
        with solara.Row():
            solara.Button("Step", on_click=lambda: requested.set(requested.value + 1), disabled=playing.value,
                          color="primary", classes=["whoosh-step-button"])
            solara.Button("Pause" if playing.value else "Play", on_click=lambda: playing.set(not playing.value),
                          classes=["whoosh-play-button"])
            solara.Button("Reset", on_click=reset, classes=["whoosh-reset-button"])
        solara.ToggleButtonsSingle(value=speed.value, values=list(SPEEDS), on_value=speed.set)
        solara.Text("months a second", style={"font-size": "12px", "color": "#555"})
        if pending.value:
            solara.Info(f"{len(pending.value)} setting(s) changed: press Reset to restart the run with them", dense=True)
        if error.value:
            solara.Error(error.value, dense=True)
    with solara.Card("Scenario", margin=0):
        solara.Select("Preset", values=scenario_names(), value=s.scenario if s.scenario in scenario_names() else None,
                      on_value=lambda name: rebuild(Settings(name, {}, s.seed, s.scale)))
        solara.InputInt("Seed", value=s.seed, continuous_update=False,
                        on_value=lambda seed: rebuild(Settings(s.scenario, s.overrides, max(int(seed), 0), s.scale)))
        scale = controls.population_control("scale")
        solara.InputFloat(scale.label, value=s.scale, continuous_update=False,
                          on_value=lambda v: rebuild(Settings(s.scenario, s.overrides, s.seed, float(v))))
    with solara.Card("Levers", margin=0):
        solara.Select("Jurisdiction", values=names, value=jurisdiction.value, on_value=jurisdiction.set)
        solara.Text("Before the first month a lever sets its starting value; during a run it changes from next "
                    "month and is recorded.", style={"font-size": "12px", "color": "#555", "display": "block"})
        for group, group_controls in controls.lever_controls().items():
            solara.Text(group, style={"font-weight": "600", "margin-top": "8px", "display": "block"})
            for c in group_controls:
                key = c.jurisdiction_key(jurisdiction.value)
                if c.lever:
                    NumberControl(c, session.lever_value(jurisdiction.value, c.name),
                                  lambda v, name=c.name: move_lever(name, float(v)))
                else:
                    value = pending.value.get(key, c.value(params, jurisdiction.value))
                    NumberControl(c, value, lambda v, key=key: change_setting(key, v))
    with solara.Card("Government responses", margin=0):
        for c in controls.response_controls():
            NumberControl(c, pending.value.get(c.key, c.value(params)), lambda v, key=c.key: change_setting(key, bool(v)))
    with solara.Details("Behaviour", expand=False):
        for c in controls.behaviour_controls():
            NumberControl(c, pending.value.get(c.key, c.value(params)), lambda v, key=c.key: change_setting(key, v))
    ExportCard(session, running)


@solara.component
def ExportCard(session: Session, running: bool):
    """Export the run so far as a scenario file (made when the button is pressed) and its metrics."""
    exported = solara.use_reactive(None)      # (TOML text, command) as of the last press
    label = scenario_label(session.settings.scenario)
    filename = f"{label}-dashboard.toml"

    def export() -> None:
        with session.lock:
            exported.set((session.export_scenario(), session.reproduce_command(filename)))

    with solara.Card("Export", margin=0):
        solara.Button("Export scenario", on_click=export, classes=["whoosh-export-button"])
        if exported.value is not None:
            text, command = exported.value
            solara.FileDownload(text.encode(), filename=filename, label=f"Download {filename}")
            solara.Text(f"Reproduce with: {command}", classes=["whoosh-reproduce"],
                        style={"font-family": "monospace", "font-size": "12px"})
            solara.Markdown(f"```toml\n{text}\n```", style={"max-height": "240px", "overflow": "auto",
                                                              "font-size": "11px"})
        if running:
            seed = session.settings.seed
            solara.FileDownload(session.metrics_csv, filename=f"{label}-seed{seed}-metrics.csv", label="Metrics (CSV)")
            solara.FileDownload(session.metrics_parquet, filename=f"{label}-seed{seed}-metrics.parquet",
                                label="Metrics (Parquet)")


page = Page
