"""The classroom page: ``frontline viz SCENARIO`` serves it (``solara run
sim.views.viz_page``); in a notebook, ``app("scenarios/riverland_offensive.toml")`` returns it.

Built from Mesa's SolaraViz pieces (``ModelController``: Reset / Play / Step with Mesa's
update counter) in a layout of its own, so that it reads on a projector at 1024x768: the map
takes 63% of the width; the right column holds the controls (play speed in seconds per day;
Mesa's render interval and threads are fixed at 1 and off, not shown), the levers (slider
values and the bounds of the parameter table always visible; the seed a number field) and
tabs for the scenario's information, the clicked town and the export of the run. Under the
map: towns, strength, morale and losses by faction, and the log of control changes.
"""

from __future__ import annotations

import functools
import io
import os

import numpy as np
import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from .viz import (
    ENV_SCENARIO,
    ENV_SEED,
    VizModel,
    about_markdown,
    charts_figure,
    day_text,
    export_events_csv,
    export_series_csv,
    log_markdown,
    map_picture,
    model_params,
    town_markdown,
)

SPEEDS = {"0.25": 250, "0.5": 500, "1": 1000, "2": 2000}
CSS = """
.frontline-page { font-size: 17px; line-height: 1.4; }
.frontline-page .v-label, .frontline-page .v-input { font-size: 16px !important; }
.frontline-main { display: flex; gap: 16px; align-items: flex-start; width: 100%; }
.frontline-left { flex: 0 0 63%; max-width: 63%; min-width: 0; }
.frontline-right { flex: 1 1 0; min-width: 0; overflow-wrap: anywhere; }
.frontline-map { position: relative; width: 100%; }
.frontline-map img { width: 100%; height: auto; display: block; }
.frontline-town { position: absolute; aspect-ratio: 1; border-radius: 50%;
                  transform: translate(-50%, -50%); cursor: pointer; }
.frontline-town:hover { outline: 3px solid #e6007e; }
.frontline-day { font-size: 22px; font-weight: 600; }
.frontline-lever { margin-top: 6px; }
.frontline-lever-value { font-size: 14px; color: #444; margin: 14px 0 8px 0; }
.frontline-charts img { width: 100%; height: auto; }
.frontline-page table { font-size: 14px; }
.frontline-right .v-tab { min-width: 0 !important; padding: 0 10px !important;
                          font-size: 14px !important; letter-spacing: 0 !important; }
"""


def _png(fig, dpi: int = 100) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _fmt(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


@solara.component
def DayHeader(model):
    update_counter.get()
    with solara.Column(classes=["frontline-day"], gap="0px"):
        solara.Text(day_text(model))
        levers_now = " · ".join(f"{k} {_fmt(v)}" for k, v in model.lever_values.items())
        solara.Text(f"This run: {levers_now}", style={"font-size": "14px",
                                                        "font-weight": "400"})


@solara.component
def MapPanel(model, on_town):
    """The map as an image, with an invisible click target over every town."""
    update_counter.get()
    fig, places = map_picture(model)
    png = _png(fig)
    th = model.theatre
    big = max(float(th.population.max()), 1.0)
    rank = {int(t): r for r, t in enumerate(np.argsort(th.value, kind="stable"))}
    with solara.Div(classes=["frontline-map"]):
        solara.Image(png, format="png")
        for t, x, y in places:
            # bigger towns get bigger targets, and the more valuable lie on top
            size = 1.4 + 1.6 * float(np.sqrt(th.population[t] / big))
            el = solara.v.Html(tag="div", class_="frontline-town",
                               attributes={"title": th.names[t], "data-town": th.names[t]},
                               style_=f"left: {100 * x:.2f}%; top: {100 * y:.2f}%; "
                                      f"width: {size:.2f}%; z-index: {1 + rank[t]};")
            solara.v.use_event(el, "click", lambda *_a, t=t: on_town(t))  # noqa: SH103


@solara.component
def LeverInputs(spec: dict, params: solara.Reactive):
    """Each lever with its value, its bounds and the scenario's own value always visible."""
    for name, opt in spec.items():
        if not isinstance(opt, dict):
            continue
        cur = params.value.get(name, opt["value"])

        def on(v, name=name):
            params.value = {**params.value, name: v}

        with solara.Column(gap="0px", classes=["frontline-lever"]):
            if opt["type"] == "InputInt":
                solara.InputInt(f"{opt['label']} (a whole number, 0 or more)",
                                value=int(cur), on_value=lambda v, on=on: on(max(0, int(v or 0))))
                continue
            cls = solara.SliderFloat if opt["type"] == "SliderFloat" else solara.SliderInt
            cls(opt["label"], value=cur, min=opt["min"], max=opt["max"], step=opt["step"],
                on_value=on, thumb_label="always", tick_labels="end_points")
            solara.Text(f"now {_fmt(cur)} (bounds {_fmt(opt['min'])} to {_fmt(opt['max'])}; "
                        f"the scenario's value: {_fmt(opt['value'])})",
                        classes=["frontline-lever-value"])


@solara.component
def TownPanel(model, town):
    update_counter.get()
    with solara.Column(classes=["frontline-town-info"]):
        if town is None:
            solara.Markdown("_Click a town on the map to see its holder, garrison and "
                            "supply._")
        else:
            solara.Markdown(town_markdown(model, town))


@solara.component
def ExportPanel(model):
    update_counter.get()
    k = model.day
    stem = model.setup.file.stem
    with solara.Column(classes=["frontline-export"]):
        solara.Markdown(f"The run so far ({k} day{'s' if k != 1 else ''}), in the files "
                        "`frontline run --out` writes (series: day d = end of day d).")
        solara.FileDownload(lambda: export_events_csv(model), filename=f"{stem}_events.csv",
                            label="Control changes (events.csv)", mime_type="text/csv")
        solara.FileDownload(lambda: export_series_csv(model), filename=f"{stem}_series.csv",
                            label="Daily series by faction (series.csv)",
                            mime_type="text/csv")


@solara.component
def ChartsAndLog(model):
    update_counter.get()
    with solara.Div(classes=["frontline-main"]):
        with solara.Div(classes=["frontline-left", "frontline-charts"]):
            solara.Image(_png(charts_figure(model), dpi=90), format="png")
            solara.Text("Day d is the end of day d, as in series.csv; -1 is the start.",
                        style={"font-size": "14px"})
        with solara.Div(classes=["frontline-right"]), solara.Card(
                "Control changes", classes=["frontline-log"],
                style={"max-height": "420px", "overflow-y": "auto"}):
            solara.Markdown(log_markdown(model))


@solara.component
def ClassroomView(path: str, seed: int = 1, initial=None):
    """The whole page for one scenario file."""
    first = solara.use_memo(lambda: initial or VizModel(scenario_path=path, seed=seed), [])
    model = solara.use_reactive(first)
    spec = solara.use_memo(lambda: model_params(path, seed), [])
    params = solara.use_reactive({k: (v["value"] if isinstance(v, dict) else v)
                                  for k, v in spec.items()})
    play = solara.use_reactive(500)
    render = solara.use_reactive(1)
    threads = solara.use_reactive(False)
    town, set_town = solara.use_state(None)
    tab, set_tab = solara.use_state(0)

    def on_town(t):
        set_town(t)
        set_tab(2)

    solara.Style(CSS)
    solara.Title(f"frontline: {model.value.setup.name}")
    with solara.AppBar():
        solara.AppBarTitle(f"frontline · {model.value.setup.name}")
    with solara.Column(classes=["frontline-page"]):
        with solara.Div(classes=["frontline-main"]):
            with solara.Div(classes=["frontline-left"]):
                DayHeader(model.value)
                MapPanel(model.value, on_town)
            with solara.Div(classes=["frontline-right"]):
                with solara.Card("Run", classes=["frontline-controls"]):
                    ModelController(model, model_parameters=params, play_interval=play,
                                    render_interval=render, use_threads=threads)
                    solara.Text("▶ plays one day every (seconds):", style={"font-size": "15px"})
                    with solara.Row(style={"align-items": "center"}):
                        solara.ToggleButtonsSingle(
                            value=next(k for k, v in SPEEDS.items() if v == play.value),
                            values=list(SPEEDS), on_value=lambda k: play.set(SPEEDS[k]))
                    solara.Text("Step: one day. Reset: start again with the levers.",
                                style={"font-size": "15px"})
                with solara.lab.Tabs(value=tab, on_value=set_tab):
                    with solara.lab.Tab("Levers"):
                        solara.Text("Changes apply on Reset.", style={"font-size": "15px"})
                        LeverInputs(spec, params)
                    with solara.lab.Tab("About"):
                        solara.Markdown(about_markdown(model.value.setup))
                    with solara.lab.Tab("Town"):
                        TownPanel(model.value, town)
                    with solara.lab.Tab("Export"):
                        ExportPanel(model.value)
        ChartsAndLog(model.value)


def app(path: str, seed: int = 1, model: VizModel | None = None):
    """The page (an element) for one scenario file, e.g. in a notebook."""
    return ClassroomView(str(path), seed, model)


@functools.cache
def _page_from_env():
    path = os.environ.get(ENV_SCENARIO)
    seed = int(os.environ.get(ENV_SEED, "1"))

    @solara.component
    def Page():
        if not path:
            return solara.Error(f"set {ENV_SCENARIO} to a scenario file (frontline viz does)")
        # one model per browser session, so pupils sharing a server do not share a war
        return ClassroomView(path, seed)

    return Page


def __getattr__(name: str):          # `solara run sim.views.viz_page` looks for `Page`
    if name == "Page":
        return _page_from_env()
    raise AttributeError(name)
