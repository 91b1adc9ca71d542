"""The interactive teaching view: a Mesa SolaraViz app over one scenario.

``frontline viz SCENARIO`` serves it (see :mod:`sim.cli.viz`); in a notebook,
``sim.views.viz.app("scenarios/deter_aggression_2024.toml")`` returns the same page.

The page shows the theatre at its geographic positions (towns coloured by controller and sized
by population, units as squares sized by strength, the front line), play / step / reset, sliders
for the main levers, a territory-by-faction chart, the log of control changes and the day and
date. Every slider at its default reproduces ``frontline run SCENARIO --seed SEED`` exactly.

The levers (all applied through the same overrides as ``--set``):

- ``air_effect``: the model parameter (effective-strength gain per unit of air support);
- ``morale_sensitivity``: the model parameter (how fast low morale lowers the will to hold);
- ``attack_ratio``: the force ratio the *attacker* (the first faction with an offensive phase)
  assembles before it attacks, i.e. ``factions.<attacker>.attack_ratio``;
- ``reinforcement``: multiplier on the strength of every scheduled reinforcement (0 drops them);
- ``reinforcement_shift``: days added to every reinforcement's arrival (negative = earlier).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..core.model import ConflictModel
from ..errors import InputError
from ..inputs.overrides import load_raw
from ..inputs.params import PARAMS
from ..inputs.scenario import Scenario, load_scenario
from .maps import draw_theatre

#: environment variable through which ``frontline viz`` hands the scenario to the server.
ENV_SCENARIO = "FRONTLINE_VIZ_SCENARIO"
ENV_SEED = "FRONTLINE_VIZ_SEED"


@dataclass(frozen=True)
class Levers:
    """The scenario's own values of the levers (the sliders' defaults)."""

    air_effect: float
    morale_sensitivity: float
    attack_ratio: float
    attacker: str | None
    reinforcements: int


def levers(scenario: Scenario) -> Levers:
    """Default lever values of a loaded scenario."""
    p = scenario.params
    attacker = next((scenario.factions[ph.faction] for ph in scenario.phases
                     if ph.kind in ("offensive", "counteroffensive")), None)
    ratio = p.attack_ratio
    if attacker is not None:
        ratio = scenario.spec.factions[attacker].attack_ratio or p.attack_ratio
    n_reinf = sum(1 for e in scenario.spec.events if e.kind == "reinforcement")
    return Levers(float(p.air_effect), float(p.morale_sensitivity), float(ratio), attacker,
                  n_reinf)


def lever_overrides(path: str | Path, *, air_effect: float | None = None,
                    morale_sensitivity: float | None = None,
                    attack_ratio: float | None = None, reinforcement: float = 1.0,
                    reinforcement_shift: int = 0) -> dict[str, Any]:
    """``--set``-style overrides that apply the levers to the scenario file at ``path``.
    Levers left at None / 1.0 / 0 change nothing."""
    base = load_scenario(path)
    lv = levers(base)
    over: dict[str, Any] = {}
    if air_effect is not None and air_effect != lv.air_effect:
        over["air_effect"] = float(air_effect)
    if morale_sensitivity is not None and morale_sensitivity != lv.morale_sensitivity:
        over["morale_sensitivity"] = float(morale_sensitivity)
    if attack_ratio is not None and attack_ratio != lv.attack_ratio:
        key = (f"factions.{lv.attacker}.attack_ratio" if lv.attacker else "attack_ratio")
        over[key] = float(attack_ratio)
    if reinforcement != 1.0 or reinforcement_shift != 0:
        if reinforcement < 0:
            raise InputError("viz", "reinforcement", f"expected >= 0, got {reinforcement}")
        events = []
        for ev in load_raw(path).get("events", []):
            ev = dict(ev)
            if ev.get("kind") == "reinforcement":
                if reinforcement == 0:
                    continue
                ev["strength"] = float(ev["strength"]) * reinforcement
                ev["day"] = max(0, int(ev["day"]) + int(reinforcement_shift))
            events.append(ev)
        over["events"] = events
    return over


class VizModel(ConflictModel):
    """ConflictModel built from a scenario file and the lever values (SolaraViz re-creates the
    model with these keyword arguments on reset)."""

    def __init__(self, scenario_path: str = "", seed: int = 1, air_effect: float | None = None,
                 morale_sensitivity: float | None = None, attack_ratio: float | None = None,
                 reinforcement: float = 1.0, reinforcement_shift: int = 0) -> None:
        if not scenario_path:
            scenario_path = os.environ.get(ENV_SCENARIO, "")
        over = lever_overrides(scenario_path, air_effect=air_effect,
                               morale_sensitivity=morale_sensitivity, attack_ratio=attack_ratio,
                               reinforcement=reinforcement,
                               reinforcement_shift=int(reinforcement_shift))
        super().__init__(load_scenario(scenario_path, over), seed=int(seed))
        lv = levers(self.setup)
        #: the lever values in effect for this run (shown on the page)
        self.lever_values = {"seed": int(seed), "air_effect": lv.air_effect,
                             "morale_sensitivity": lv.morale_sensitivity,
                             f"attack_ratio ({lv.attacker or 'all'})": lv.attack_ratio,
                             "reinforcements": f"x{reinforcement:g}, "
                                               f"{int(reinforcement_shift):+d} d"}


# == pictures (pure matplotlib; no pyplot, so safe in the server's threads) ========================
def draw_state(model: ConflictModel, ax) -> None:
    """The theatre now: control, front line, and each faction's units summed per town (squares
    sized by strength, offset by faction so that opposing forces in one town both show)."""
    sc = model.setup
    th = sc.theatre
    colours = [f.colour for f in sc.spec.factions.values()]
    draw_theatre(ax, th, model.owner.astype(int), colours, sc.relation, label_top=14)
    f = model.forces
    alive = f.strength > 0
    F, n = len(sc.factions), th.n
    S = np.bincount(f.faction[alive] * n + f.town[alive], weights=f.strength[alive],
                    minlength=F * n).reshape(F, n)
    span = max(np.ptp(th.lon), np.ptp(th.lat), 1e-6)
    for i in range(F):
        towns = np.flatnonzero(S[i] > 0)
        if towns.size == 0:
            continue
        ang = 2 * np.pi * i / F + np.pi / 4
        dx, dy = np.cos(ang) * span * 0.012, np.sin(ang) * span * 0.012
        ax.scatter(th.lon[towns] + dx, th.lat[towns] + dy, marker="s",
                   s=6 + 60 * np.sqrt(S[i, towns] / 5000.0), c=colours[i], alpha=0.85,
                   edgecolors="black", linewidths=0.6, zorder=5)


def map_figure(model: ConflictModel):
    """A figure of :func:`draw_state` with a legend and the scenario name."""
    sc = model.setup
    th = sc.theatre
    aspect = np.ptp(th.lon) * np.cos(np.radians(np.mean(th.lat))) / max(np.ptp(th.lat), 1e-6)
    fig = Figure(figsize=(float(np.clip(6.5 * aspect + 1.2, 4.0, 9.0)), 6.5),
                 layout="constrained")
    ax = fig.subplots()
    draw_state(model, ax)
    handles = [Line2D([], [], marker="o", ls="", color=f.colour, markeredgecolor="k", label=nm)
               for nm, f in sc.spec.factions.items()]
    handles += [Line2D([], [], color="red", lw=2, label="front line"),
                Line2D([], [], marker="s", ls="", color="grey", markeredgecolor="k",
                       label="units (size = strength)")]
    ax.legend(handles=handles, loc="lower left", fontsize=8)
    ax.set_title(sc.name)
    return fig


def territory_figure(model: ConflictModel, column: int = 0):
    """Towns held by each faction, day by day (SERIES column 0), from the start to now."""
    sc = model.setup
    res = model.result
    F = len(sc.factions)
    init = np.bincount(res.initial[res.initial >= 0], minlength=F).astype(float)
    series = np.vstack([init, res.series_array[: model.day, :, column]])
    fig = Figure(figsize=(6.5, 3.6), layout="constrained")
    ax = fig.subplots()
    days = np.arange(series.shape[0])
    for i, (nm, spec) in enumerate(sc.spec.factions.items()):
        ax.plot(days, series[:, i], marker="o", ms=3, color=spec.colour, label=nm)
    ax.set_xlim(0, max(sc.days, 1))
    ax.set_xlabel(f"day (day 0 = {sc.start})")
    ax.set_ylabel("towns held")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncols=min(F, 4), loc="upper center")
    return fig


def log_markdown(model: ConflictModel, last: int = 40) -> str:
    """The control changes so far, newest first, as a Markdown table."""
    res, th, sc = model.result, model.theatre, model.setup
    rows = res.log_rows[::-1][:last]
    if not rows:
        return "_No control changes yet._"
    out = ["| date | place | change | cause |", "|---|---|---|---|"]
    for d, t, new, old, cause in rows:
        prev = sc.factions[old] if old >= 0 else "-"
        out.append(f"| {sc.date(d)} | {th.names[t]} | {prev} → {sc.factions[new]} | {cause} |")
    more = len(res.log_rows) - len(rows)
    if more > 0:
        out.append(f"\n_…and {more} earlier changes._")
    return "\n".join(out)


def day_text(model: ConflictModel) -> str:
    """'Day 3 of 12 · 2024-11-30' (the state at the start of that day)."""
    sc = model.setup
    return f"Day {model.day} of {sc.days} · {sc.date(model.day)}"


# == the Solara page ===============================================================================
def _slider(name: str, value: float, step: float, label: str) -> dict[str, Any]:
    """A float slider over the parameter's bounds in the table (sim.inputs.params)."""
    p = PARAMS[name]
    return {"type": "SliderFloat", "value": value, "min": p.low, "max": p.high, "step": step,
            "label": label}


def model_params(path: str | Path, seed: int = 1) -> dict[str, Any]:
    """SolaraViz ``model_params``: the scenario file and seed fixed, the levers as sliders."""
    lv = levers(load_scenario(path))
    who = f" ({lv.attacker})" if lv.attacker else ""
    params: dict[str, Any] = {
        "scenario_path": str(path),
        "seed": {"type": "SliderInt", "value": int(seed), "min": 0, "max": max(999, int(seed)),
                 "step": 1,
                 "label": "Seed"},
        "air_effect": _slider("air_effect", lv.air_effect, 0.1, "Air support effect"),
        "morale_sensitivity": _slider("morale_sensitivity", lv.morale_sensitivity, 0.25,
                                      "Morale sensitivity"),
        "attack_ratio": _slider("attack_ratio", lv.attack_ratio, 0.25, f"Attack ratio{who}"),
    }
    if lv.reinforcements:
        params["reinforcement"] = {"type": "SliderFloat", "value": 1.0, "min": 0.0, "max": 3.0,
                                   "step": 0.25, "label": "Reinforcements (x planned)"}
        params["reinforcement_shift"] = {"type": "SliderInt", "value": 0, "min": -5, "max": 5,
                                         "step": 1, "label": "Reinforcements arrive (days)"}
    return params


def components():
    """The page's components (each a function of the model, redrawn on every step)."""
    import solara  # here: solara is optional (the viz extra)

    def MapView(model):
        with solara.Column(gap="4px") as col:
            with solara.Column(classes=["frontline-day"]):
                solara.Markdown(f"### {day_text(model)}")
            levers_now = " · ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}"
                                    for k, v in getattr(model, "lever_values", {}).items())
            solara.Markdown(f"<small>This run: {levers_now}. Slider changes apply on "
                            "**Reset**.</small>")
            with solara.Column(classes=["frontline-map"]):
                solara.FigureMatplotlib(map_figure(model), format="png")
        return col

    def TerritoryView(model):
        with solara.Column(gap="4px") as col:
            with solara.Column(classes=["frontline-territory"]):
                solara.FigureMatplotlib(territory_figure(model), format="png")
            with solara.Card("Control changes", classes=["frontline-log"],
                             style={"max-height": "360px", "overflow-y": "auto"}):
                solara.Markdown(log_markdown(model))
        return col

    return [(MapView, 0), (TerritoryView, 0)]


def app(path: str | Path, seed: int = 1, model: VizModel | None = None):
    """The SolaraViz page (an element) for one scenario file."""
    from mesa.visualization import SolaraViz  # here: needs solara, which is optional
    model = model or VizModel(scenario_path=str(path), seed=seed)
    return SolaraViz(model, components=components(), model_params=model_params(path, seed),
                     name=f"frontline: {model.setup.name}", play_interval=400)


@functools.cache
def _page_from_env():
    import solara  # here: solara is optional (the viz extra)
    path = os.environ.get(ENV_SCENARIO)
    seed = int(os.environ.get(ENV_SEED, "1"))

    @solara.component
    def Page():
        if not path:
            return solara.Error(f"set {ENV_SCENARIO} to a scenario file (frontline viz does)")
        # one model per browser session, so pupils sharing a server do not share a war
        model = solara.use_memo(lambda: VizModel(scenario_path=path, seed=seed),  # noqa: SH101
                                [])
        return app(path, seed, model)

    return Page


def __getattr__(name: str):          # `solara run sim.views.viz` looks for `Page`
    if name == "Page":
        return _page_from_env()
    raise AttributeError(name)
