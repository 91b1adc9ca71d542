"""Pictures of batches: capture-day histogram and ECDF, probability-of-control map, fan chart
of a daily series, what-if shifts, sensitivity bars. Each function returns a figure; titles
say the scenario and the number of runs, axes carry units and dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection

from ..errors import InputError
from .maps import _plt, draw_theatre, front_segments

if TYPE_CHECKING:
    from ..analysis.experiments import Experiment

MEASURES = {"territory_share": "share of towns held", "population_share":
            "share of population in towns held", "towns": "towns held",
            "population": "population in towns held", "strength": "fighters",
            "losses": "cumulative losses (fighters)", "morale": "morale (0..1)",
            "units": "units in the field", "value": "value of towns held"}


def save(fig, stem: str | Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` (or the given formats); close the figure."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for f in formats:
        p = stem.with_suffix(f".{f}")
        fig.savefig(p, dpi=130, bbox_inches="tight")
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


def capture_days(exp: Experiment, town: str, by: str | None = None,
                 point: int | None = None) -> np.ndarray:
    """Per run, the first day ``town`` passed to ``by`` (anyone if None); NaN if never."""
    name = exp.scenario.theatre.names[exp.scenario.theatre.id_of(town, file="--town",
                                                                   field="town")]
    if by is not None:
        exp.scenario.faction_index(by, "--by", "faction")
    runs = exp.runs if point is None else exp.runs[exp.runs["point"] == point]
    ev = exp.events
    ev = ev[(ev["place"] == name) & (True if by is None else ev["new_controller"] == by)]
    first = ev.groupby("run_id")["day"].min()
    return first.reindex(runs["run_id"]).to_numpy(dtype=float)


def capture_plot(exps: Sequence[Experiment], town: str, by: str | None = None,
                 labels: Sequence[str] | None = None):
    """Histogram (share of runs per day) and ECDF (share captured by the end of each day) of
    the capture day of ``town``, one colour per batch. Runs where the town is never captured
    are counted in the denominators, so an ECDF may end below 1."""
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    days = max(e.scenario.days for e in exps)
    total = 0
    for k, e in enumerate(exps):
        x = capture_days(e, town, by)
        n = len(x)
        total += n
        ok = x[~np.isnan(x)]
        label = (labels[k] if labels else e.scenario.name) + \
            f" ({n} runs, {len(ok) / max(n, 1):.0%} captured)"
        w = np.full(len(ok), 1 / max(n, 1))
        ax1.hist(ok, bins=np.arange(-0.5, days + 0.5), weights=w, alpha=0.5, label=label)
        xs = np.arange(days)
        ax2.step(xs, [(ok <= d).sum() / max(n, 1) for d in xs], where="post", label=label)
    who = f" by {by}" if by else ""
    for ax in (ax1, ax2):
        _date_axis(ax, exps[0].scenario.start, days)
        ax.set_xlabel(f"day of capture (day 0 = {exps[0].scenario.start})")
        ax.grid(alpha=0.3)
    ax1.set_ylabel("share of runs")
    ax2.set_ylabel("share of runs captured by the end of the day")
    ax2.set_ylim(0, 1.02)
    ax1.legend(fontsize=8)
    names = " vs ".join(dict.fromkeys(e.scenario.name for e in exps))
    fig.suptitle(f"Capture of {town}{who}: {names} ({total} runs)")
    return fig


def control_shares(exp: Experiment, day: int, faction: str,
                   point: int | None = None) -> np.ndarray:
    """(n,) share of runs in which ``faction`` holds each town at the end of ``day``:
    the initial controller, replaced by the last control change up to that day."""
    sc = exp.scenario
    f = sc.faction_index(faction, "--faction", "faction")
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
    ``day``; roads and, in red, the front of the most likely control."""
    plt = _plt()
    sc = exp.scenario
    share = control_shares(exp, day, faction, point)
    cmap = plt.get_cmap("viridis")
    colours = [_hex(cmap(s)) for s in share]
    fig, ax = plt.subplots(figsize=(8, 8))
    draw_theatre(ax, sc.theatre, np.arange(sc.theatre.n), colours,
                 relation=np.ones((sc.theatre.n, sc.theatre.n), dtype=np.int8))
    modal = (share >= 0.5).astype(np.int64)          # 1: held in most runs
    rel = -np.ones((2, 2), dtype=np.int8)
    ax.add_collection(LineCollection(front_segments(sc.theatre, modal, rel), colors="red",
                                     linewidths=2.0, zorder=2, label="where the share is 50%"))
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 1))
    fig.colorbar(sm, ax=ax, shrink=0.7, label=f"share of runs in which {faction} holds the town")
    ax.legend(loc="lower left", fontsize=8)
    n = len(exp.runs) if point is None else int((exp.runs["point"] == point).sum())
    where = "" if point is None else f", {_point_label(exp, point)}"
    ax.set_title(f"{sc.name}{where}: {faction} control on {sc.date(day)} (day {day}), "
                 f"{n} runs")
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
    sc.faction_index(faction, "--faction", "faction")
    if measure not in MEASURES:
        raise InputError("--measure", measure, f"expected one of {', '.join(MEASURES)}")
    s = exp.series
    s = s[s["faction"] == faction]
    runs = exp.runs
    pts = [point] if point is not None else sorted(runs["point"].unique())
    if len(pts) > 6:
        raise InputError("--point", "-", f"{len(pts)} design points; choose one with "
                         f"--point 0..{len(pts) - 1}")
    fig = ax.figure if ax is not None else plt.subplots(figsize=(9, 5))[1].figure
    ax = ax or fig.axes[0]
    total = 0
    for k, p in enumerate(pts):
        ids = runs.loc[runs["point"] == p, "run_id"]
        wide = s[s["run_id"].isin(ids)].pivot(index="run_id", columns="day", values=measure)
        total += len(wide)
        q = np.nanquantile(wide.to_numpy(), [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        days = wide.columns.to_numpy()
        c = f"C{k}"
        label = _point_label(exp, p) if exp.names else "median"
        ax.fill_between(days, q[0], q[4], color=c, alpha=0.15,
                        label="90% band" if len(pts) == 1 else None)
        ax.fill_between(days, q[1], q[3], color=c, alpha=0.3,
                        label="50% band" if len(pts) == 1 else None)
        ax.plot(days, q[2], color=c, lw=2, label=label)
    _date_axis(ax, sc.start, sc.days)
    ax.set_xlabel(f"day (day 0 = {sc.start}; values at the end of the day)")
    ax.set_ylabel(f"{faction}: {MEASURES[measure]}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"{sc.name}: {faction} {measure.replace('_', ' ')}, median with 50% and 90% "
                 f"bands ({total} runs)")
    return fig


def whatif_shift(exp: Experiment, point: int, base_point: int = 0,
                 base: Experiment | None = None) -> pd.DataFrame:
    """Shift of every numeric metric from the base (another point of the same experiment,
    or point ``base_point`` of another experiment) to ``point``: mean difference with a 95%
    normal interval. Runs are paired by seed when both sides share seeds (common random
    numbers), else compared as independent samples. A capture that never happens counts as
    the horizon (the scenario's days)."""
    base = base or exp
    a = exp.runs[exp.runs["point"] == point].set_index("seed")
    b = base.runs[base.runs["point"] == base_point].set_index("seed")
    paired = len(a) == len(b) and a.index.sort_values().equals(b.index.sort_values())
    rows = []
    for m in exp.metrics:
        if not m.numeric or m.name not in b.columns:
            continue
        x, y = a[m.name].astype(float), b[m.name].astype(float)
        if not np.isnan(m.censor):
            x, y = x.fillna(m.censor), y.fillna(m.censor)
        if paired:
            d = (x - y.reindex(x.index)).to_numpy()
            mean, se = d.mean(), d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan
        else:
            mean = x.mean() - y.mean()
            se = np.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
        rows.append((m.name, m.unit, y.mean(), x.mean(), mean, mean - 1.96 * se,
                     mean + 1.96 * se, paired))
    return pd.DataFrame(rows, columns=["metric", "unit", "base_mean", "mean", "shift",
                                       "low95", "high95", "paired"])


def whatif_plot(exp: Experiment, point: int, base_point: int = 0,
                base: Experiment | None = None):
    """One panel per metric: the shift from the base with its 95% interval."""
    plt = _plt()
    df = whatif_shift(exp, point, base_point, base)
    fig, axes = plt.subplots(len(df), 1, figsize=(8, 1.1 * len(df) + 1.2), squeeze=False)
    for ax, r in zip(axes[:, 0], df.itertuples(), strict=True):
        ax.errorbar([r.shift], [0], xerr=[[r.shift - r.low95], [r.high95 - r.shift]], fmt="o",
                    color="C3" if r.low95 > 0 or r.high95 < 0 else "C0", capsize=4)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_yticks([])
        ax.set_ylabel(r.metric, rotation=0, ha="right", va="center", fontsize=8)
        ax.set_xlabel(f"shift ({r.unit}); base mean {r.base_mean:.3g}, now {r.mean:.3g}",
                      fontsize=8)
    base_label = _point_label(base or exp, base_point)
    n = int((exp.runs["point"] == point).sum())
    fig.suptitle(f"{exp.scenario.name}: {_point_label(exp, point)} against {base_label} "
                 f"({n} runs each; mean shift, 95% interval)", fontsize=10)
    fig.tight_layout()
    return fig


def sensitivity_bars(exp: Experiment, table: pd.DataFrame | None = None):
    """Per metric, bars of each parameter's indices (S1 and ST, or mu_star and sigma) with
    their 95% intervals."""
    plt = _plt()
    t = exp.sensitivity() if table is None else table
    t = t[t["index"] != "constant"]
    metrics = list(dict.fromkeys(t["metric"]))
    if not metrics:
        raise InputError(exp.out, "sensitivity", "every metric is constant over the design")
    fig, axes = plt.subplots(len(metrics), 1, figsize=(9, 3 * len(metrics)), squeeze=False)
    for ax, m in zip(axes[:, 0], metrics, strict=True):
        tm = t[t["metric"] == m]
        params = list(dict.fromkeys(tm["parameter"]))
        kinds = list(dict.fromkeys(tm["index"]))
        w = 0.8 / len(kinds)
        for k, kind in enumerate(kinds):
            tk = tm[tm["index"] == kind].set_index("parameter").reindex(params)
            ax.bar(np.arange(len(params)) + k * w, tk["value"], w, yerr=tk["conf95"].fillna(0),
                   capsize=3, label=kind)
        ax.set_xticks(np.arange(len(params)) + w * (len(kinds) - 1) / 2, params, fontsize=8)
        ax.set_ylabel("index" if exp.spec.design.kind == "sobol" else "elementary effect")
        ax.set_title(m, fontsize=9)
        ax.axhline(0, color="k", lw=0.6)
        ax.legend(fontsize=8)
    fig.suptitle(f"{exp.scenario.name}: {exp.spec.design.kind} sensitivity "
                 f"({len(exp.runs)} runs; bars ± 95% interval)")
    fig.tight_layout()
    return fig
