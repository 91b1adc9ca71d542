"""Pictures of batches: capture-day histogram and ECDF, probability-of-control map, fan chart
of a daily series (what-if shifts and sensitivity bars: :mod:`sim.views.shifts`). Each
function returns a figure; titles say the scenario and the number of runs, axes carry units
and dates, legends sit outside the data, numbers are written without e-notation.

Overlaid batches are drawn as outlines (step histograms, ECDF lines of different dash
patterns, in distinct colours), never as alpha blends, so each stays legible."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import patheffects as pe
from matplotlib.collections import LineCollection

from ..errors import InputError
from ..inputs.marks import marked
from .maps import (
    _plt,
    draw_theatre,
    front_segments,
    legend_handles,
    map_figure,
    outside_legend,
)

if TYPE_CHECKING:
    from ..analysis.experiments import Experiment

MEASURES = {"territory_share": "share of towns held", "population_share":
            "share of population in towns held", "towns": "towns held",
            "population": "population in towns held", "strength": "fighters",
            "losses": "cumulative losses (fighters)", "morale": "morale (0..1)",
            "units": "units in the field", "value": "value of towns held"}


#: overlay colours (tab10 without its red and green, which factions use most)
OVERLAY = ("#1f77b4", "#ff7f0e", "#9467bd", "#17becf", "#8c564b", "#e377c2", "#7f7f7f")
DASHES = ("solid", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)))


def num(x: float, digits: int = 3) -> str:
    """A number for a caption: thousands separators, no e-notation."""
    if x is None or not np.isfinite(x):
        return "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - int(np.floor(np.log10(abs(x)))))
    return f"{x:.{min(decimals, 6)}f}"


def save(fig, stem: str | Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` (or the given formats); close the figure."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for f in formats:
        p = stem.with_suffix(f".{f}")
        fig.savefig(p, dpi=130, bbox_inches="tight", **marked(p))
        out.append(p)
    _plt().close(fig)
    return out


def _date_axis(ax, start: dt.date, days: int, axis: str = "x") -> None:
    """Day numbers on the axis, labelled with their dates."""
    step = max(1, -(-days // 7))
    ticks = list(range(0, days, step))
    labels = [f"{d}\n{(start + dt.timedelta(days=d)):%d %b}" for d in ticks]
    (ax.set_xticks if axis == "x" else ax.set_yticks)(ticks, labels, fontsize=8)


def _point_label(exp: Experiment, p: int) -> str:
    if not exp.names:
        return exp.name
    return ", ".join(f"{n}={v:g}" if isinstance(v, float) else f"{n}={v}"
                     for n, v in exp.points[p].items())


def _point_said(exp: Experiment, p: int) -> str:
    """Which design point a curve was drawn from: its number, and its values when the
    batch has a design."""
    return f"design point {p} of {len(exp.points)}" + \
        (f": {_point_label(exp, p)}" if exp.names else "")


def capture_days(exp: Experiment, town: str, by: str | None = None,
                 point: int | None = None) -> np.ndarray:
    """Per run, the first day ``town`` passed to ``by`` (anyone if None); NaN if never."""
    name = exp.scenario.theatre.names[exp.scenario.theatre.id_of(town, file="command line",
                                                                   field="--town")]
    if by is not None:
        exp.scenario.faction_index(by, "command line", "--by")
    runs = exp.runs if point is None else exp.runs[exp.runs["point"] == point]
    ev = exp.events
    ev = ev[(ev["place"] == name) & (True if by is None else ev["new_controller"] == by)]
    first = ev.groupby("run_id")["day"].min()
    return first.reindex(runs["run_id"]).to_numpy(dtype=float)


def reported_days(path: str | Path, exp: Experiment, town: str,
                  by: str | None = None) -> list[tuple[int, str]]:
    """(day, date) of every report in ``path`` (the shared event schema) of ``town`` passing
    to ``by`` (to anyone if None), within the scenario's days."""
    from ..inputs.reported import (  # here: --reported only
        faction_of,
        parse_date,
        place_of,
        read_rows,
    )
    sc = exp.scenario
    t = sc.theatre.id_of(town, file="command line", field="--town")
    p, rows = read_rows(path)
    out = []
    for line, row in rows:     # every row's names and date are checked, not only the town's
        faction_of(row["new_controller"], sc, p, f"row {line}, column new_controller",
                   allow_empty=False)
        d = parse_date(row["date"], p, f"row {line}, column date")
        place = place_of(row["place"], sc.theatre, p, f"row {line}, column place")
        if place != t or (by is not None and row["new_controller"].strip() != by):
            continue
        day = (d - sc.start).days
        if 0 <= day < sc.days:
            out.append((day, d.isoformat()))
    return out


def _runs_said(counts: Sequence[int], points: Sequence[int]) -> str:
    """How many runs the curves of one scenario were drawn from: ``counts`` runs per batch
    (curve), each pooling ``points`` design points."""
    if len(counts) == 1:
        said = f"{counts[0]} runs"
    else:
        ns = [str(n) for n in counts]
        said = f"{len(ns)} batches, {', '.join(ns[:-1])} and {ns[-1]} runs"
    if max(points) > 1:
        said += (f", {points[0]} design points pooled" if len(points) == 1
                 else ", design points pooled")
    return said


def capture_plot(exps: Sequence[Experiment], town: str, by: str | None = None,
                 labels: Sequence[str] | None = None, reported: str | Path | None = None,
                 point: int | None = None):
    """Histogram (share of runs per day, and a "never" bar for runs where the town did not
    fall) and ECDF (share captured by the end of each day) of the capture day of ``town``,
    one colour per batch (its runs of every design point together, or with ``point`` only
    that design point's runs of each batch), as outlines. The title says per scenario how
    many runs its curves were drawn from, and which design point was drawn. Runs where the
    town is never captured are counted in the denominators, so an ECDF may end below 1.
    With ``reported`` (a reported-events CSV), the reported capture day is marked on both
    panels."""
    if point is not None:
        for e in exps:
            if not 0 <= point < len(e.points):
                raise InputError(e.out, "--point", f"expected 0..{len(e.points) - 1}, "
                                 f"got {point}")
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5))
    days = max(e.scenario.days for e in exps)
    never = days + 0.5                 # the "never" bar's position, right of the last day
    per_scenario: dict[str, tuple[list[int], list[int]]] = {}
    handles = []
    width = 0.8 / len(exps)
    for k, e in enumerate(exps):
        x = capture_days(e, town, by, point)
        n = len(x)
        pooled = len(e.points) if point is None else 1
        counts, points = per_scenario.setdefault(e.scenario.name, ([], []))
        counts.append(n)
        points.append(pooled)
        ok = x[~np.isnan(x)]
        c, ls = OVERLAY[k % len(OVERLAY)], DASHES[k % len(DASHES)]
        label = (labels[k] if labels else f"{e.name}: {e.scenario.name}") + \
            ("" if point is None or labels else f", {_point_said(e, point)}") + \
            f" ({_runs_said([n], [pooled])}; {len(ok) / max(n, 1):.0%} captured)"
        w = np.full(len(ok), 1 / max(n, 1))
        ax1.hist(ok, bins=np.arange(-0.5, days + 0.5), weights=w, histtype="step", lw=2,
                 color=c, ls=ls)
        share_never = 1 - len(ok) / max(n, 1)
        ax1.bar(never + 0.5 + (k - (len(exps) - 1) / 2) * width, share_never, width * 0.9,
                facecolor="none", edgecolor=c, hatch="//", lw=2, ls=ls)
        xs = np.arange(days)
        ax2.step(xs, [(ok <= d).sum() / max(n, 1) for d in xs], where="post", color=c,
                 lw=2, ls=ls)
        handles.append(plt.Line2D([], [], color=c, lw=2, ls=ls, label=label))
    who = f" by {by}" if by else ""
    rep = reported_days(reported, exps[0], town, by) if reported else []
    for ax in (ax1, ax2):
        _date_axis(ax, exps[0].scenario.start, days)
        ax.set_xlabel(f"day of capture (day 0 = {exps[0].scenario.start})")
        ax.grid(alpha=0.3)
        for d, _date in rep:
            ax.axvline(d, color="black", lw=1.5, ls=(0, (4, 2)), zorder=0)
    for d, date in rep:
        ax1.annotate(f"reported\n{date}", (d, 1), xycoords=("data", "axes fraction"),
                     xytext=(3, -3), textcoords="offset points", va="top", fontsize=8)
    if rep:
        handles.append(plt.Line2D([], [], color="black", lw=1.5, ls=(0, (4, 2)),
                                  label=f"reported capture ({reported})"))
    elif reported:                   # say so: a missing line must not read as a plotting slip
        handles.append(plt.Line2D([], [], color="none", label=(
            f"no reported capture of {town}{who} within the scenario's days ({reported})")))
    ticks, tlabels = ax1.get_xticks(), [t.get_text() for t in ax1.get_xticklabels()]
    ax1.set_xticks([*ticks, never + 0.5], [*tlabels, "never"], fontsize=8)
    ax1.set_xlim(-0.8, never + 1.3)
    ax1.set_ylim(0, None)
    ax1.margins(y=0.12)
    ax1.set_ylabel("share of runs")
    ax2.set_ylabel("share of runs captured by the end of the day")
    ax2.set_ylim(0, 1.02)
    names = " vs ".join(f"{name} ({_runs_said(*curves)})"
                        for name, curves in per_scenario.items())
    title = f"Capture of {town}{who}: {names}"
    if point is not None:
        said = {_point_said(e, point) for e in exps}
        title += "\n" + (said.pop() if len(said) == 1 else
                         f"design point {point} of each batch (see the legend)")
    fig.suptitle(title)
    fig.legend(handles=handles, loc="lower center", ncols=min(len(handles), 2), fontsize=9,
               frameon=False, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.06 + 0.035 * ((len(handles) - 1) // 2), 1, 1))
    return fig


def control_shares(exp: Experiment, day: int, faction: str,
                   point: int | None = None) -> np.ndarray:
    """(n,) share of runs in which ``faction`` holds each town at the end of ``day``:
    the initial controller, replaced by the last control change up to that day."""
    sc = exp.scenario
    f = sc.faction_index(faction, "command line", "--faction")
    runs = exp.runs if point is None else exp.runs[exp.runs["point"] == point]
    ev = exp.events
    ev = ev[(ev["day"] <= day) & ev["run_id"].isin(runs["run_id"])]
    last = ev.groupby(["run_id", "place"], sort=False)["new_controller"].last()
    idx = {nm: i for i, nm in enumerate(sc.theatre.names)}
    changed = np.zeros(sc.theatre.n)
    gained = np.zeros(sc.theatre.n)
    for (_rid, place), new in last.items():
        t = idx[place]
        changed[t] += 1
        gained[t] += new == faction
    held0 = (sc.initial_owner == f).astype(float)
    n = max(len(runs), 1)
    return (held0 * (n - changed) + gained) / n


def control_map(exp: Experiment, day: int, faction: str, point: int | None = None):
    """Towns coloured by the share of runs in which ``faction`` holds them at the end of
    ``day`` (the shared map style), and the line where that share crosses 50%."""
    plt = _plt()
    sc = exp.scenario
    share = control_shares(exp, day, faction, point)
    cmap = plt.get_cmap("viridis")
    colours = [_hex(cmap(s)) for s in share]
    fig, ax, side = map_figure(sc.theatre, side=2.9)
    drawn = draw_theatre(ax, sc.theatre, np.arange(sc.theatre.n), colours, front=False,
                         scenario=sc)
    modal = (share >= 0.5).astype(np.int64)          # 1: held in most runs
    line = "#e6007e"
    ax.add_collection(LineCollection(
        front_segments(sc.theatre, modal), colors=line, linewidths=2.6, zorder=2,
        path_effects=[pe.Stroke(linewidth=4.2, foreground="white"), pe.Normal()]))
    x, y, w, h = side
    cax = fig.add_axes((x + 0.02 * w, y + 0.05 * h, 0.08 * w, 0.45 * h))
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 1))
    fig.colorbar(sm, cax=cax, label=f"share of runs in which\n{faction} holds the town")
    handles = legend_handles([], [], {**drawn, "front": None},
                             offmap="off-map rear (coloured by the same share)")
    handles.insert(0, plt.Line2D([], [], color=line, lw=2.6,
                                 label=f"where {faction}'s share crosses 50%"))
    outside_legend(fig, side, handles)
    n = len(exp.runs) if point is None else int((exp.runs["point"] == point).sum())
    where = "" if point is None else f", {_point_label(exp, point)}"
    ax.set_title(f"{sc.name}{where}: {faction} control at the end of day {day} "
                 f"({sc.date(day)}), {n} runs", fontsize=10, loc="left")
    return fig


def _hex(rgba) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(round(c * 255)) for c in rgba[:3]))


def fan_chart(exp: Experiment, faction: str | None = None, measure: str = "territory_share",
              point: int | None = None, ax=None):
    """Median and 50% / 90% bands of a daily series over the runs, one fan per design point
    (at most six; choose one with ``point``)."""
    plt = _plt()
    sc = exp.scenario
    faction = faction or sc.factions[0]
    sc.faction_index(faction, "command line", "--faction")
    if measure not in MEASURES:
        raise InputError("command line", "--measure", f"{measure!r}: expected one of "
                         f"{', '.join(MEASURES)}")
    s = exp.series
    s = s[s["faction"] == faction]
    runs = exp.runs
    pts = [point] if point is not None else sorted(runs["point"].unique())
    if len(pts) > 6:
        raise InputError(exp.out, "--point", f"{len(pts)} design points; choose one with "
                         f"--point 0..{len(pts) - 1} (point= in Python)")
    fig = ax.figure if ax is not None else plt.subplots(figsize=(10, 5))[1].figure
    ax = ax or fig.axes[0]
    counts = []
    fcol = sc.spec.factions[faction].colour or OVERLAY[0]
    palette = [fcol, *(c for c in OVERLAY if c.lower() != fcol.lower())]
    for k, p in enumerate(pts):
        ids = runs.loc[runs["point"] == p, "run_id"]
        wide = s[s["run_id"].isin(ids)].pivot(index="run_id", columns="day", values=measure)
        counts.append(len(wide))
        q = np.nanquantile(wide.to_numpy(), [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        days = wide.columns.to_numpy()
        c = palette[k % len(palette)]
        label = _point_label(exp, p) if exp.names else f"{faction}: median"
        if len(pts) > 1:
            label += f" ({len(wide)} runs)"
        ax.fill_between(days, q[0], q[4], color=c, alpha=0.15,
                        label="90% band" if len(pts) == 1 else None)
        ax.fill_between(days, q[1], q[3], color=c, alpha=0.3,
                        label="50% band" if len(pts) == 1 else None)
        ax.plot(days, q[2], color=c, lw=2, label=label)
    _date_axis(ax, sc.start, sc.days)
    ax.set_xlabel(f"day (day 0 = {sc.start}; values at the end of the day)")
    ax.set_ylabel(f"{faction}: {MEASURES[measure]}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    if len(pts) == 1:
        runs_said = f"{counts[0]} runs"
    elif len(set(counts)) == 1:
        runs_said = f"{counts[0]} runs per design point, {len(pts)} points"
    else:
        runs_said = f"{sum(counts)} runs in {len(pts)} design points"
    ax.set_title(f"{sc.name}: {faction} {measure.replace('_', ' ')}, median with 50% and 90% "
                 f"bands ({runs_said})", fontsize=10)
    return fig
