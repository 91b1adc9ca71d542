"""Pictures of forecasts: scores against lead time, reliability diagram, PIT histogram, the
parameter posterior and the filter's effective sample size, the nowcast's probability-of-
control map (drawn with sim.views.maps) and capture-day distributions. Every title carries
the forecast's day origin ("day 0 = ...; origin = ...")."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from .labels import label_towns
from .maps import _plt, draw_theatre, legend_handles, map_figure, outside_legend

#: at most this many towns get a probability label on the nowcast map
MAX_LABELS = 15
COLOURS = {"model": "#1f77b4", "persistence": "#7f7f7f", "distance-speed": "#ff7f0e"}
LEAD_PANELS = (("crps", "CRPS of the change day (days)"),
               ("mae_uncapped", "MAE of the median day, uncapped (days)"),
               ("brier", "Brier score of the controller"),
               ("right", "right controller (share)"))


def _title(fig, header: str, what: str) -> None:
    fig.suptitle(f"{what}\n{header}", fontsize=9)


def plot_lead(lead: pd.DataFrame, header: str):
    """Scores by lead time (days after the origin), one line per method; with several
    origins, the mean over origins."""
    plt = _plt()
    fig, axes = plt.subplots(2, 2, figsize=(9, 6.5), sharex=True)
    table = lead.groupby(["method", "lead"], as_index=False).mean(numeric_only=True)
    for ax, (col, label) in zip(axes.ravel(), LEAD_PANELS, strict=True):
        for method, g in table.groupby("method", sort=False):
            g = g.dropna(subset=[col])
            ax.plot(g["lead"], g[col], "o-", color=COLOURS.get(method), label=method, ms=4)
        ax.set_ylabel(label, fontsize=8)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("lead time (days after the origin)")
    if axes[0, 0].get_legend_handles_labels()[0]:     # nothing to score: no lines
        axes[0, 0].legend(fontsize=8)
    _title(fig, header, "Scores against lead time")
    fig.tight_layout()
    return fig


def plot_reliability(tables: dict[str, pd.DataFrame], header: str):
    """Observed frequency against forecast probability of each controller."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    ax.plot([0, 1], [0, 1], "k--", lw=1, label="perfectly reliable")
    for method, t in tables.items():
        t = t[t["count"] > 0]
        ax.plot(t.mean_forecast, t.observed, "o-", color=COLOURS.get(method), label=method,
                ms=4)
        if method == "model":
            for r in t.itertuples():
                ax.annotate(str(r.count), (r.mean_forecast, r.observed), fontsize=6,
                            xytext=(3, -8), textcoords="offset points")
    ax.set_xlabel("forecast probability of a controller")
    ax.set_ylabel("observed frequency")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, loc="upper left")
    _title(fig, header, "Reliability (numbers: model forecasts per bin)")
    fig.tight_layout()
    return fig


def plot_pit(values: np.ndarray, header: str, bins: int = 10):
    """Histogram of the PIT of the reported change days under the model ensemble."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    values = np.asarray(values, float)
    none = int((~np.isfinite(values)).sum())
    values = values[np.isfinite(values)]
    ax.hist(values, bins=bins, range=(0, 1), color=COLOURS["model"], alpha=0.8,
            edgecolor="white")
    ax.axhline(len(values) / bins, color="k", ls="--", lw=1, label="calibrated")
    ax.set_xlabel("PIT of the reported day, given the change happens by the horizon "
                  "(randomised)", fontsize=8)
    ax.set_ylabel("changes")
    ax.legend(fontsize=8)
    left = f"; {none} that no member makes by the horizon left out" if none else ""
    _title(fig, header, f"PIT histogram ({len(values)} reported changes{left})")
    fig.tight_layout()
    return fig


def log_ticks(low: float, high: float, most: int = 5) -> list[float]:
    """Round ticks for a log axis from ``low`` to ``high``: both ends, and between them the
    numbers 1, 2, 5 x 10^k (only 1 x 10^k, or none, when more would crowd the axis)."""
    ks = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
    inner: list[float] = []
    for mantissas in ((1, 2, 5), (1, 3), (1,)):
        inner = [float(f"{m * 10.0 ** k:g}") for k in ks for m in mantissas
                 if low * 1.3 < m * 10.0 ** k < high / 1.3]
        if len(inner) + 2 <= most:
            break
    else:                                       # many decades: every n-th power of ten
        inner = inner[::-(-len(inner) // (most - 2))]
    return [low, *inner, high]


def plot_posterior(samples: pd.DataFrame, table: pd.DataFrame, trace: Sequence[dict],
                   header: str):
    """One histogram per parameter over its prior range (log axis for log-scale priors),
    the posterior median and 90% interval; last panel: the filter's ESS by day."""
    plt = _plt()
    P = len(table)
    cols = min(3, P + 1)
    rows = int(np.ceil((P + 1) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.8 * rows), squeeze=False)
    for ax, r in zip(axes.ravel(), table.itertuples(), strict=False):
        x = samples[r.parameter].to_numpy()
        log = r.scale == "log"
        edges = np.geomspace(r.low, r.high, 31) if log else np.linspace(r.low, r.high, 31)
        ax.hist(x, bins=edges, color=COLOURS["model"], alpha=0.8)
        if log:
            ax.set_xscale("log")
            ticks = log_ticks(r.low, r.high)
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        for v, ls in ((r.median, "-"), (r.q05, ":"), (r.q95, ":")):
            ax.axvline(v, color="k", ls=ls, lw=1)
        flag = "constrained" if r.constrained else "not constrained"
        ax.set_title(f"{r.parameter} ({flag})", fontsize=8)
        ax.set_xlim(r.low, r.high)
        ax.tick_params(labelsize=7)
    ax = axes.ravel()[P]
    days = [t["day"] for t in trace]
    ax.plot(days, [t["ess"] for t in trace], "o-")
    for t in trace:
        if t["resampled"]:
            ax.axvline(t["day"], color="grey", lw=0.6, ls=":")
    ax.set_xlabel("day")
    ax.set_ylabel("effective sample size")
    ax.set_title("particle filter (dotted: resampled)", fontsize=8)
    for ax in axes.ravel()[P + 1:]:
        ax.axis("off")
    _title(fig, header, "Posterior at the origin (solid: median; dotted: 90% interval)")
    fig.tight_layout()
    return fig


def plot_probability_map(theatre, probs: np.ndarray, factions: Sequence[str],
                         colours: Sequence[str], header: str, label_below: float = 0.75,
                         relation: np.ndarray | None = None):
    """Towns coloured by their most probable controller (sim.views.maps.draw_theatre, with
    the front between hostile factions when ``relation`` is given); a grey ring's width
    grows with the uncertainty (1 - top probability); towns whose top probability is below
    ``label_below`` are labelled with it, at most ``MAX_LABELS`` of them, the least sure
    first; the towns every map names (:func:`sim.views.labels.label_towns`) are labelled
    with their names (all moved apart by adjustText, as the maps' labels).
    The legend is outside the map and names every mark."""
    fig, ax, side = map_figure(theatre)
    owner = probs.argmax(axis=1)
    owner = np.where(owner == len(factions), -1, owner)
    drawn = draw_theatre(ax, theatre, owner, list(colours), relation, labels=[])
    top = probs.max(axis=1)
    unsure = 1 - top
    ax.scatter(theatre.lon, theatre.lat, s=40 + 400 * unsure, facecolors="none",
               edgecolors="grey", linewidths=0.5 + 4 * unsure, zorder=2.5)
    unsure_towns = np.flatnonzero((top < label_below) & theatre.onmap)
    shown = unsure_towns[np.argsort(top[unsure_towns], kind="stable")][:MAX_LABELS]
    # the towns every map names (sim.views.labels.label_towns), and the least sure with their
    # top probability: a map of unnamed dots cannot be read against the printed list
    named = [t for t in label_towns(theatre) if t not in set(shown.tolist())]
    texts = [ax.text(theatre.lon[t], theatre.lat[t],
                     f"{theatre.names[t]} {top[t]:.0%}" if k < len(shown) else
                     theatre.names[t], fontsize=6.5, color="#333333", zorder=6,
                     bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none",
                           "alpha": 0.6}) for k, t in enumerate([*shown.tolist(), *named])]
    if len(texts) > 1:
        from adjustText import adjust_text  # here: slow to import; only maps need it
        with warnings.catch_warnings():     # adjustText calls a deprecated logging method
            warnings.simplefilter("ignore", DeprecationWarning)
            adjust_text(texts, x=theatre.lon, y=theatre.lat, ax=ax, iter_lim=500,
                        expand=(1.15, 1.35), ensure_inside_axes=True,
                        arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.5})
    from matplotlib.lines import Line2D  # here: only this figure needs these handles
    handles = legend_handles(list(factions), list(colours), drawn,
                             offmap="off-map rear (its holder's colour)")
    handles.insert(len(factions), Line2D(
        [], [], marker="o", ls="", markersize=11, markerfacecolor="none",
        markeredgecolor="grey", markeredgewidth=2.5,
        label="grey ring: uncertainty\n(wider: less sure)"))
    handles.insert(len(factions) + 1, Line2D(
        [], [], ls="", label=f"'Town 60%': top probability,\nshown below {label_below:.0%}"
                             + (f" (the {MAX_LABELS} least sure)"
                                if len(unsure_towns) > MAX_LABELS else "")))
    outside_legend(fig, side, handles, title="most probable controller")
    ax.set_title(header.replace("; map", ";\nmap"), fontsize=9, loc="left")
    return fig


def plot_capture_days(table: pd.DataFrame, header: str, top: int = 25):
    """For the likeliest changes: the probability of each day (bar strip per change)."""
    plt = _plt()
    t = table.head(top)
    day_cols = [c for c in t.columns if c.startswith("p_day_")]
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(t) + 1.6))
    m = t[day_cols].to_numpy(float)
    im = ax.imshow(m, aspect="auto", cmap="Blues", vmin=0, vmax=max(float(m.max()), 1e-9))
    ax.set_yticks(range(len(t)))
    ax.set_yticklabels([f"{r.place} -> {r.new_controller} ({r.probability:.0%})"
                        for r in t.itertuples()], fontsize=7)
    ax.set_xticks(range(len(day_cols)))
    ax.set_xticklabels([c.removeprefix("p_day_") for c in day_cols], fontsize=7, rotation=45)
    ax.set_xlabel("day of the change")
    fig.colorbar(im, ax=ax, label="probability")
    ax.set_title(f"Capture-day distribution of the likeliest changes\n{header}", fontsize=9)
    fig.tight_layout()
    return fig
