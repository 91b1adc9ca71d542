"""Maps of runs: towns coloured by controller, roads, the front line. Every map (run map,
probability map, animation, browser view) draws the theatre with :func:`draw_theatre`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

if TYPE_CHECKING:
    from ..core.results import RunResult
    from ..inputs.theatre import Theatre


def _plt():
    """pyplot, on the Agg backend unless a notebook chose its own."""
    # imported here: the backend must be chosen before pyplot loads
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # here: after the backend is chosen
    return plt


def front_segments(theatre: Theatre, owner: np.ndarray, relation: np.ndarray | None = None
                   ) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The front line as short segments: across every road whose two ends are held by
    different factions, a short segment through the road's midpoint, perpendicular to it
    (a simple stand-in for a Voronoi boundary)."""
    segs = []
    for a, b in theatre.edges:
        oa, ob = owner[a], owner[b]
        if oa == ob or oa < 0 or ob < 0:
            continue
        if relation is not None and relation[oa, ob] == 1:
            continue
        x0, y0, x1, y1 = theatre.lon[a], theatre.lat[a], theatre.lon[b], theatre.lat[b]
        mx, my, dx, dy = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
        k = min(0.25, 0.04 / max(np.hypot(dx, dy), 1e-9))   # at most ~4 km either side
        segs.append(((mx - dy * k, my + dx * k), (mx + dy * k, my - dx * k)))
    return segs


def draw_theatre(ax, theatre: Theatre, owner: np.ndarray, colours: list[str],
                 relation: np.ndarray | None = None, label_top: int = 18) -> None:
    """Roads, towns coloured by controller and sized by population, the front line, and
    labels for the most valuable towns."""
    lon, lat = theatre.lon, theatre.lat
    roads = [((lon[a], lat[a]), (lon[b], lat[b])) for a, b in theatre.edges]
    widths = np.where(theatre.highway, 1.6, 0.7)
    ax.add_collection(LineCollection(roads, colors="#999999", linewidths=widths, zorder=1))
    size = 12 + 90 * np.sqrt(theatre.population / max(theatre.population.max(), 1))
    col = [colours[o] if o >= 0 else "#ffffff" for o in owner]
    ax.scatter(lon, lat, s=size, c=col, edgecolors="black", linewidths=0.5, zorder=3)
    ax.add_collection(LineCollection(front_segments(theatre, owner, relation), colors="red",
                                     linewidths=2.2, zorder=2))
    for t in np.argsort(-theatre.value)[:label_top]:
        ax.annotate(theatre.names[t], (lon[t], lat[t]), xytext=(4, 3),
                    textcoords="offset points", fontsize=7, zorder=4)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_aspect(1 / np.cos(np.radians(np.nanmean(lat))))
    ax.autoscale_view()


def plot_map(result: RunResult, day: int = -1, ax=None, title: str | None = None):
    """Map of control at the end of ``day`` (default: the last day); returns the figure."""
    plt = _plt()
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 8))
    else:
        fig = ax.figure
    d = day if day >= 0 else result.days + day
    owner = result.control_array[d].astype(int)
    draw_theatre(ax, result.theatre, owner, list(result.colours))
    handles = [Line2D([], [], marker="o", ls="", color=c, markeredgecolor="k", label=f)
               for f, c in zip(result.factions, result.colours, strict=True)]
    handles.append(Line2D([], [], color="red", lw=2, label="front line"))
    ax.legend(handles=handles, loc="lower left", fontsize=8)
    ax.set_title(title or f"{result.scenario}: control on {result.date(d)} "
                          f"(day {d}, seed {result.seed})")
    return fig


def save_map(result: RunResult, path: str | Path, day: int = -1) -> Path:
    """Write the map of ``day`` (default: the last) to ``path`` (PNG)."""
    plt = _plt()
    fig = plot_map(result, day=day)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return Path(path)
