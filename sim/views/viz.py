"""The classroom view's model side: the model with its levers, the pictures and texts the
page shows, and the run's export. The Solara page itself is :mod:`sim.views.viz_page`
(``frontline viz SCENARIO`` serves it; in a notebook, ``sim.views.viz_page.app(path)``).

Every slider at its default reproduces ``frontline run SCENARIO --seed SEED`` exactly, and
the page counts days as the command line does: after k steps the page shows the *end of day
k-1* (``series.csv``'s row ``day = k-1``), and before the first step the *start*.

The levers (all applied through the same overrides as ``--set``; texts in :data:`LEVERS`):
``air_effect`` and ``morale_sensitivity`` (model parameters), the attack ratio of each
attacking faction (each faction with an offensive or counteroffensive phase has its own
slider, named after it: ``attack_ratio`` for the first, ``attack_ratio_FACTION`` for the
others; the global parameter when none attacks), ``reinforcement`` (multiplier on every
scheduled reinforcement's strength, 0 drops them) and ``reinforcement_shift`` (days added to
their arrival).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..core.model import ConflictModel
from ..core.results import SERIES
from ..errors import InputError
from ..inputs.overrides import load_raw
from ..inputs.params import PARAMS
from ..inputs.scenario import Scenario, load_scenario
from .maps import draw_theatre, legend_handles, map_figure

#: environment variables through which ``frontline viz`` hands scenario and seed to the server
ENV_SCENARIO = "FRONTLINE_VIZ_SCENARIO"
ENV_SEED = "FRONTLINE_VIZ_SEED"
FONT = 13              # map labels and legend, in points: readable on a projector
#: what each lever means, for the information panel
LEVERS = {
    "seed": "Which run of the dice: the same seed and levers give the same war, every time.",
    "air_effect": "How much one unit of air support multiplies a side's strength in battle "
                  "(0 = aircraft make no difference).",
    "morale_sensitivity": "How fast falling morale makes garrisons give up: higher means "
                          "collapses cascade sooner.",
    "attack_ratio": "The force ratio the attacker gathers before it attacks a town: higher "
                    "is more careful (fewer, surer attacks).",
    "reinforcement": "Strength of every planned reinforcement, times this (0 cancels them).",
    "reinforcement_shift": "Days added to every planned reinforcement's arrival (negative: "
                           "earlier).",
}


@dataclass(frozen=True)
class Levers:
    """The scenario's own values of the levers (the sliders' defaults)."""

    air_effect: float
    morale_sensitivity: float
    attack_ratio: float
    attacker: str | None
    reinforcements: int
    #: every attacking faction (the order of their first offensive or counteroffensive
    #: phase; ``attacker`` is the first) and its own attack ratio
    attack_ratios: dict[str, float] = field(default_factory=dict)

    def key(self, faction: str | None) -> str:
        """The lever (VizModel keyword) of ``faction``'s attack ratio: ``attack_ratio`` for the
        first attacker (or nobody: the global parameter), ``attack_ratio_FACTION`` for others."""
        return "attack_ratio" if faction == self.attacker else f"attack_ratio_{faction}"


def levers(scenario: Scenario) -> Levers:
    """Default lever values of a loaded scenario."""
    p = scenario.params
    ratios: dict[str, float] = {}
    for ph in scenario.phases:
        name = scenario.factions[ph.faction]
        if ph.kind in ("offensive", "counteroffensive") and name not in ratios:
            ratios[name] = float(scenario.spec.factions[name].attack_ratio or p.attack_ratio)
    attacker = next(iter(ratios), None)
    ratio = ratios[attacker] if attacker is not None else float(p.attack_ratio)
    n_reinf = sum(1 for e in scenario.spec.events if e.kind == "reinforcement")
    return Levers(float(p.air_effect), float(p.morale_sensitivity), ratio, attacker,
                  n_reinf, ratios)


def lever_overrides(path: str | Path, *, air_effect: float | None = None,
                    morale_sensitivity: float | None = None,
                    attack_ratio: float | None = None, reinforcement: float = 1.0,
                    reinforcement_shift: int = 0, **attack_ratios: float | None
                    ) -> dict[str, Any]:
    """``--set``-style overrides that apply the levers to the scenario file at ``path``.
    ``attack_ratio`` is the first attacker's, ``attack_ratio_FACTION=`` another attacking
    faction's (Levers.key). Levers left at None / their scenario value / 1.0 / 0 change
    nothing."""
    base = load_scenario(path)
    lv = levers(base)
    over: dict[str, Any] = {}
    if air_effect is not None and air_effect != lv.air_effect:
        over["air_effect"] = float(air_effect)
    if morale_sensitivity is not None and morale_sensitivity != lv.morale_sensitivity:
        over["morale_sensitivity"] = float(morale_sensitivity)
    keys = {lv.key(name): name for name in lv.attack_ratios}
    for key in sorted(set(attack_ratios) - set(keys)):
        known = ", ".join(f"{k} ({n})" for k, n in keys.items()) or "attack_ratio"
        raise InputError("viz", key, f"expected an attack ratio lever of the scenario: {known}")
    chosen = {**attack_ratios, "attack_ratio": attack_ratio}
    for key, name in (keys.items() if keys else [("attack_ratio", None)]):
        value = chosen.get(key)
        own = lv.attack_ratios[name] if name is not None else lv.attack_ratio
        if value is not None and value != own:
            over[f"factions.{name}.attack_ratio" if name else "attack_ratio"] = float(value)
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
    """ConflictModel built from a scenario file and the lever values (the page re-creates
    the model with these keyword arguments on Reset)."""

    def __init__(self, scenario_path: str = "", seed: int = 1, air_effect: float | None = None,
                 morale_sensitivity: float | None = None, attack_ratio: float | None = None,
                 reinforcement: float = 1.0, reinforcement_shift: int = 0,
                 scenario: object = None, **attack_ratios: float | None) -> None:
        """``scenario``: Mesa 3.5's Reset passes its own scenario object; unused (file's)."""
        if not scenario_path:
            scenario_path = os.environ.get(ENV_SCENARIO, "")
        over = lever_overrides(scenario_path, air_effect=air_effect,
                               morale_sensitivity=morale_sensitivity, attack_ratio=attack_ratio,
                               reinforcement=reinforcement,
                               reinforcement_shift=int(reinforcement_shift), **attack_ratios)
        super().__init__(load_scenario(scenario_path, over), seed=max(0, int(seed or 0)))
        lv = levers(self.setup)
        ratios = lv.attack_ratios or {"all": lv.attack_ratio}
        #: the lever values in effect for this run (shown on the page)
        self.lever_values = {"seed": self.seed, "air_effect": lv.air_effect,
                             "morale_sensitivity": lv.morale_sensitivity,
                             **{f"attack_ratio ({name})": value
                                for name, value in ratios.items()},
                             "reinforcements": f"x{reinforcement:g}, "
                                               f"{int(reinforcement_shift):+d} d"}
        overridden = [f"{name} ({', '.join(when)})" for name in
                      ("air_effect", "morale_sensitivity", "attack_ratio")
                      if (when := self.setup.set_by_events(name))]
        if overridden:      # a params event replaces the lever's value from its day on
            self.lever_values["then set by an event"] = "; ".join(overridden)


def model_params(path: str | Path, seed: int = 1) -> dict[str, Any]:
    """The page's inputs: the scenario file and seed, the levers as sliders whose bounds come
    from the parameter table (sim.inputs.params.PARAMS)."""
    lv = levers(load_scenario(path))

    def slider(name: str, value: float, step: float, label: str) -> dict[str, Any]:
        p = PARAMS[name]
        return {"type": "SliderFloat", "value": value, "min": p.low, "max": p.high,
                "step": step, "label": label, "help": LEVERS[name]}

    params: dict[str, Any] = {
        "scenario_path": str(path),
        "seed": {"type": "InputInt", "value": int(seed), "min": 0, "label": "Seed",
                 "help": LEVERS["seed"]},
        "air_effect": slider("air_effect", lv.air_effect, 0.1, "Air support effect"),
        "morale_sensitivity": slider("morale_sensitivity", lv.morale_sensitivity, 0.25,
                                     "Morale sensitivity"),
    }
    for name, ratio in (lv.attack_ratios or {None: lv.attack_ratio}).items():
        params[lv.key(name)] = slider("attack_ratio", ratio, 0.25,
                                      f"Attack ratio ({name})" if name else "Attack ratio")
    if lv.reinforcements:
        params["reinforcement"] = {"type": "SliderFloat", "value": 1.0, "min": 0.0,
                                   "max": 3.0, "step": 0.25, "label": "Reinforcements (x planned)",
                                   "help": LEVERS["reinforcement"]}
        params["reinforcement_shift"] = {"type": "SliderInt", "value": 0, "min": -5, "max": 5,
                                         "step": 1, "label": "Reinforcements arrive (days)",
                                         "help": LEVERS["reinforcement_shift"]}
    return params


# == texts ========================================================================================
def day_text(model: ConflictModel) -> str:
    """Where the run stands, counted as ``frontline run`` counts (series.csv's ``day``)."""
    sc, k = model.setup, model.day
    if k == 0:
        return f"Start · {sc.date(0)} · before day 0 (days 0–{sc.days - 1})"
    return f"End of day {k - 1} · {sc.date(k - 1)} (days 0–{sc.days - 1})"


def about_markdown(scenario: Scenario) -> str:
    """The information panel: what the scenario models (its description and the "What it
    models" / "What it teaches" paragraphs of the file's header comment) and the levers."""
    sc = scenario
    head = []
    for line in Path(sc.file).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        head.append(line.lstrip("#").strip())
    text = "\n".join(head)
    parts = [f"**{sc.name}** ({sc.start} + {sc.days} days, theatre {sc.theatre.name}: "
             f"{sc.theatre.n} towns). {sc.spec.description}"]
    for title in ("What it models", "What it teaches"):
        m = re.search(rf"{title}:(.*?)(?:\n\s*\n|$)", text, re.S)
        if m:
            body = m.group(1).strip()
            if title == "What it teaches":
                body = body.replace("\n- ", "\n\n- ")
            parts.append(f"**{title}:** {' '.join(body.split()) if '- ' not in body else body}")
    lv = levers(sc)
    parts.append("**The levers** (they take effect on **Reset**):")
    who = f" (here: {', '.join(f'the {a}' for a in lv.attack_ratios)}, one slider each)" \
        if len(lv.attack_ratios) > 1 else f" (here: the {lv.attacker})" if lv.attacker else ""
    for key, label in (("seed", "Seed"), ("air_effect", "Air support effect"),
                       ("morale_sensitivity", "Morale sensitivity"),
                       ("attack_ratio", f"Attack ratio{who}"),
                       ("reinforcement", "Reinforcements"),
                       ("reinforcement_shift", "Reinforcements arrive")):
        if key.startswith("reinforcement") and not lv.reinforcements:
            continue
        parts.append(f"- *{label}*: {LEVERS[key]}")
    parts.append("**The map**: towns are circles coloured by holder (size: population); "
                 "small squares beside a town are the units there (size: strength); the "
                 "thick line across roads is the front between hostile factions. Click a "
                 "town to inspect it.")
    return "\n\n".join(parts)


def town_info(model: ConflictModel, town: int) -> dict[str, Any]:
    """What the page shows for a town: holder, garrison (units and strength per faction),
    supply status of the holder, and the town's attributes."""
    sc, th, f = model.setup, model.theatre, model.forces
    holder = int(model.owner[town])
    alive = np.flatnonzero((f.strength[: f.size] > 0) & (f.town[: f.size] == town))
    garrison = {}
    for i, name in enumerate(sc.factions):
        mine = alive[f.faction[alive] == i]
        if len(mine):
            garrison[name] = (len(mine), float(f.strength[mine].sum()))
    supplied = bool(model.supplied[holder, town]) if holder >= 0 else None
    return {"name": th.names[town], "kind": th.kind[town],
            "population": int(th.population[town]),
            "holder": sc.factions[holder] if holder >= 0 else "nobody",
            "garrison": garrison, "supplied": supplied,
            "fortification": float(th.fortification[town])}


def town_markdown(model: ConflictModel, town: int) -> str:
    info = town_info(model, town)
    sup = {True: "supplied (linked to its side's supply sources)",
           False: "**cut off** from its side's supply sources",
           None: "-"}[info["supplied"]]
    lines = [f"### {info['name']}",
             f"**Holder:** {info['holder']}  ",
             f"**Supply:** {sup}  ",
             f"**Kind:** {info['kind']}, population {info['population']:,}, "
             f"fortification {info['fortification']:.1f}"]
    if info["garrison"]:
        lines += ["", "| faction | units | fighters |", "|---|---:|---:|"]
        lines += [f"| {k} | {n} | {s:,.0f} |" for k, (n, s) in info["garrison"].items()]
    else:
        lines.append("\n_No units in the town._")
    return "\n".join(lines)


def log_markdown(model: ConflictModel, last: int = 40) -> str:
    """The control changes so far, newest first, as a Markdown table."""
    res, th, sc = model.result, model.theatre, model.setup
    rows = res.log_rows[::-1][:last]
    if not rows:
        return "_No control changes yet._"
    out = ["| day | place | to (from) | cause |", "|---|---|---|---|"]
    for d, t, new, old, cause in rows:
        prev = sc.factions[old] if old >= 0 else "-"
        out.append(f"| {d} | {th.names[t]} | {sc.factions[new]} ({prev}) | {cause} |")
    more = len(res.log_rows) - len(rows)
    if more > 0:
        out.append(f"\n_…and {more} earlier changes._")
    return "\n".join(out)


# == export =======================================================================================
def export_events_csv(model: ConflictModel) -> str:
    """The control changes so far, as ``frontline run --out`` writes events.csv."""
    return model.result.events.to_csv(index=False, date_format="%Y-%m-%d")


def export_series_csv(model: ConflictModel) -> str:
    """The per-faction series of the days run so far, as series.csv (day d = end of day d)."""
    s = model.result.series
    return s[s["day"] < model.day].to_csv(index=False, date_format="%Y-%m-%d")


# == pictures (matplotlib Figures, no pyplot: safe in the server's threads) =======================
def map_picture(model: ConflictModel) -> tuple[Figure, list[tuple[int, float, float]]]:
    """The map now in the shared style, large fonts, units as small squares beside their
    towns; and, per town, its position in the image as fractions (x from the left, y from
    the top), for the page's click targets."""
    sc, th = model.setup, model.theatre
    colours = [f.colour for f in sc.spec.factions.values()]
    # sized by width (6.4 in at 100 dpi: about the 63% column of a 1024 px window, so the
    # image is shown near its natural size and the fonts keep their size on screen)
    fig, ax, area = map_figure(th, height=100.0, max_width=5.4, side=0.0, pyplot=False,
                               top=0.1, below=1.0)
    drawn = draw_theatre(ax, th, model.owner.astype(int), colours, sc.relation, scenario=sc,
                         fontsize=FONT)
    f = model.forces
    alive = f.strength[: f.size] > 0
    F, n = len(sc.factions), th.n
    S = np.bincount(f.faction[: f.size][alive] * n + f.town[: f.size][alive],
                    weights=f.strength[: f.size][alive], minlength=F * n).reshape(F, n)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for i in range(F):
        towns = np.flatnonzero(S[i] > 0)
        if towns.size == 0:
            continue
        dx = (x1 - x0) * (0.011 + 0.009 * i)
        ax.scatter(th.lon[towns] + dx, th.lat[towns] - (y1 - y0) * 0.012, marker="s",
                   s=8 + 40 * np.sqrt(S[i, towns] / 5000.0), c=colours[i],
                   edgecolors="black", linewidths=0.5, zorder=2.5)
    counts = [int(((model.owner == i) & th.onmap).sum()) for i in range(F)]  # as series.csv
    handles = legend_handles(sc.factions, colours, drawn, counts)
    handles.append(Line2D([], [], marker="s", ls="", color="grey", markeredgecolor="k",
                          label="units (size: strength)"))
    x, y, w, h = area
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(x + w / 2, y + h),
               ncols=2, fontsize=FONT - 2, frameon=False, columnspacing=1.0,
               handletextpad=0.4)
    _fit(fig)
    to_fig = ax.transData + fig.transFigure.inverted()
    xy = to_fig.transform(np.column_stack([th.lon, th.lat]))
    return fig, [(t, float(xy[t, 0]), float(1 - xy[t, 1])) for t in range(n)]


def _fit(fig: Figure, pad: float = 0.05) -> None:
    """Grow the figure where its legend or axis labels stick out of it (the page shows the
    image as it is: what lies outside is cut off), keeping everything's size in inches."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # here: only the page draws
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    W, H = fig.get_size_inches()
    tb = fig.get_tightbbox(canvas.get_renderer())
    gl, gb = max(0.0, pad - tb.x0), max(0.0, pad - tb.y0)
    W2, H2 = W + gl + max(0.0, tb.x1 - W + pad), H + gb + max(0.0, tb.y1 - H + pad)
    if (W2, H2) == (W, H):
        return
    boxes = [a.get_position(original=True) for a in fig.axes]
    fig.set_size_inches(W2, H2)
    for a, b in zip(fig.axes, boxes, strict=True):
        a.set_position(((b.x0 * W + gl) / W2, (b.y0 * H + gb) / H2, b.width * W / W2,
                        b.height * H / H2))
    for lg in fig.legends:
        ax_, ay_ = lg.get_bbox_to_anchor().transformed(fig.transFigure.inverted()).p0
        lg.set_bbox_to_anchor(((ax_ * W + gl) / W2, (ay_ * H + gb) / H2), fig.transFigure)
    canvas.draw()


def charts_figure(model: ConflictModel) -> Figure:
    """Towns held, strength, morale and cumulative losses by faction, from the start to the
    end of the last day run; x is the day as in series.csv (values at the end of the day)."""
    sc, res = model.setup, model.result
    F, k = len(sc.factions), model.day
    init = np.zeros((F, len(SERIES)))
    on = (res.initial >= 0) & model.theatre.onmap      # towns, as series.csv counts them
    init[:, 0] = np.bincount(res.initial[on], minlength=F)
    init[:, 3] = res.meta["strength_start"]            # this run's draw, as `frontline run`
    init[:, 5] = model.state.morale0
    data = np.vstack([init[None], res.series_array[:k]])       # (k + 1, F, S)
    days = np.arange(-1, k)
    fig = Figure(figsize=(7.0, 5.4), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    what = (("towns held", 0), ("fighters (strength)", 3), ("morale (0..1)", 5),
            ("losses so far (fighters)", 4))
    for ax, (label, col) in zip(axes.ravel(), what, strict=True):
        for i, (nm, spec) in enumerate(sc.spec.factions.items()):
            ax.plot(days, data[:, i, col], marker="o", ms=3, color=spec.colour, label=nm)
        ax.set_title(label, fontsize=12, loc="left")
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=11)
        ax.set_xlim(-1.3, max(sc.days - 1, 1) + 0.3)
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)
    fig.supxlabel(f"day (end of day; -1 = the start; day 0 = {sc.start})", fontsize=11)
    fig.legend(handles=axes[0, 0].get_lines(), loc="outside upper center", ncols=min(F, 4),
               fontsize=12, frameon=False)
    return fig
