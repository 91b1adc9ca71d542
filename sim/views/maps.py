"""The map style shared by every map (run map, probability map, animation frames, browser
view): :func:`draw_theatre` on an axes from :func:`map_figure`.

What a map shows, bottom to top: the theatre's ``features.geojson`` when it has one (lakes,
coast, rivers, borders), roads (highways thicker), the front line, towns coloured by
controller and sized by population, labels, and a scale bar. The legend sits outside the
axes, on the right.

- **Aspect**: one degree of longitude is drawn cos(latitude) times as long as one of latitude
  (an equirectangular view at the theatre's mean latitude: true to a few per cent over a few
  hundred km), and the figure takes the shape of the theatre, so no half-empty figures.
- **Front**: across every road whose two ends are held by *hostile* factions (the scenario's
  relation matrix: allies and neutrals make no front), in a colour no faction uses.
- **Labels**: which towns, and where (:mod:`sim.views.labels`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import patheffects as pe
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon as MplPolygon
from matplotlib.ticker import FuncFormatter, MaxNLocator
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from ..inputs.features import Features, load_features
from ..inputs.marks import marked
from .labels import label_towns, place_labels

if TYPE_CHECKING:
    from ..core.results import RunResult
    from ..inputs.scenario import Scenario
    from ..inputs.theatre import Theatre

#: candidates for the front line; the one farthest from every faction colour is used
FRONT_CANDIDATES = ("#e6007e", "#7b2cbf", "#000000")
FEATURE_STYLE = {"lake": {"facecolor": "#cfe6f5", "edgecolor": "#7fb2d9", "lw": 0.5},
                 "coast": {"color": "#5b8db8", "lw": 0.9},
                 "river": {"color": "#6aa6d6", "lw": 1.3},
                 "border": {"color": "#6b6b6b", "lw": 1.0, "ls": (0, (6, 2, 1, 2))}}
KM_PER_DEG = 111.32


def _plt():
    """pyplot, on the Agg backend unless a notebook chose its own."""
    # imported here: the backend must be chosen before pyplot loads
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # here: after the backend is chosen
    return plt


def front_colour(colours: Sequence[str]) -> str:
    """The first candidate at least 0.35 (RGB distance) from every faction colour, else the
    farthest one."""
    rgb = [np.array(to_rgb(c)) for c in colours if c]
    if not rgb:
        return FRONT_CANDIDATES[0]
    def far(c: str) -> float:
        return min(np.linalg.norm(np.array(to_rgb(c)) - x) for x in rgb)
    return next((c for c in FRONT_CANDIDATES if far(c) >= 0.35), max(FRONT_CANDIDATES, key=far))


def front_segments(theatre: Theatre, owner: np.ndarray, relation: np.ndarray | None = None
                   ) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The front line as short segments: across every road whose ends are held by hostile
    factions (``relation[a, b] == -1``; without a relation matrix, any two different
    holders), a segment through the road's midpoint, perpendicular to it, at most 1.8% of the
    map's diagonal either side (a simple stand-in for a Voronoi boundary)."""
    segs = []
    c = np.cos(np.radians(np.nanmean(theatre.lat)))
    x0, x1, y0, y1 = map_extent(theatre)
    half = 0.018 * np.hypot((x1 - x0) * c, y1 - y0)      # 1.8% of the map's diagonal
    for a, b in theatre.edges:
        oa, ob = owner[a], owner[b]
        if oa == ob or oa < 0 or ob < 0 or not (theatre.onmap[a] and theatre.onmap[b]):
            continue                        # no front to or from an off-map rear place
        if relation is not None and relation[oa, ob] != -1:
            continue
        x0, y0, x1, y1 = theatre.lon[a] * c, theatre.lat[a], theatre.lon[b] * c, theatre.lat[b]
        mx, my, dx, dy = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
        k = min(0.3, half / max(np.hypot(dx, dy), 1e-9))
        segs.append((((mx - dy * k) / c, my + dx * k), ((mx + dy * k) / c, my - dx * k)))
    return segs


# -- figure and axes --------------------------------------------------------------------------
def map_extent(theatre: Theatre, pad: float = 0.05) -> tuple[float, float, float, float]:
    """(lon0, lon1, lat0, lat1): the towns' bounding box plus ``pad`` of its size (at least
    0.05 degrees)."""
    x0, x1 = float(np.min(theatre.lon)), float(np.max(theatre.lon))
    y0, y1 = float(np.min(theatre.lat)), float(np.max(theatre.lat))
    px, py = max((x1 - x0) * pad, 0.05), max((y1 - y0) * pad, 0.05)
    return x0 - px, x1 + px, y0 - py, y1 + py


def map_aspect(theatre: Theatre) -> float:
    """Height / width of the map in the drawing (cos-latitude aspect)."""
    x0, x1, y0, y1 = map_extent(theatre)
    return (y1 - y0) / ((x1 - x0) * np.cos(np.radians((y0 + y1) / 2)))


def map_figure(theatre: Theatre, height: float = 7.5, side: float = 2.7,
               max_width: float = 11.0, pyplot: bool = True, top: float = 0.45,
               below: float = 0.0):
    """A figure shaped to the theatre: the map axes (at its true aspect, ``height`` inches
    tall unless that makes it wider than ``max_width``) and a legend area: ``side`` inches on
    the right, or (``side=0``) ``below`` inches under the map. Returns (figure, map axes,
    legend area as a rectangle in figure fractions)."""
    left, bottom = 0.75, 0.55 + below
    r = map_aspect(theatre)
    mh = height - bottom - top
    mw = mh / r
    if mw > max_width:
        mw, mh = max_width, max_width * r
    W, H = left + mw + (0.2 + side if side else 0.25), bottom + mh + top
    fig = _plt().figure(figsize=(W, H)) if pyplot else Figure(figsize=(W, H))
    ax = fig.add_axes((left / W, bottom / H, mw / W, mh / H))
    if side:
        area = ((left + mw + 0.2) / W, bottom / H, side / W, mh / H)
    else:
        area = (0.02, 0.0, 0.96, below / H)
    return fig, ax, area


# -- drawing ----------------------------------------------------------------------------------
def draw_features(ax, features: Features | None) -> list[str]:
    """Lakes, coast, rivers and borders under everything else; returns the kinds drawn."""
    if features is None or not len(features):
        return []
    drawn = []
    lakes = []
    for f in features.of_kind("lake"):
        for g in getattr(f.geometry, "geoms", [f.geometry]):
            lakes.append(MplPolygon(np.asarray(g.exterior.coords), closed=True))
    if lakes:
        st = FEATURE_STYLE["lake"]
        ax.add_collection(PatchCollection(lakes, facecolor=st["facecolor"],
                                          edgecolor=st["edgecolor"], lw=st["lw"], zorder=0.2))
        drawn.append("lake")
    for kind in ("coast", "river", "border"):
        segs = []
        for f in features.of_kind(kind):
            for g in getattr(f.geometry, "geoms", [f.geometry]):
                segs.append(np.asarray(g.coords))
        if segs:
            st = FEATURE_STYLE[kind]
            ax.add_collection(LineCollection(segs, colors=st["color"], linewidths=st["lw"],
                                             linestyles=st.get("ls", "solid"), zorder=0.3))
            drawn.append(kind)
    return drawn


def scale_bar(ax, theatre: Theatre, fontsize: float = 8) -> None:
    """A bar of a round number of km (about a fifth of the map's width), lower right."""
    x0, x1, y0, y1 = map_extent(theatre)
    km_per_deg = KM_PER_DEG * np.cos(np.radians((y0 + y1) / 2))
    width_km = (x1 - x0) * km_per_deg
    km = next(k for k in (200, 100, 50, 25, 20, 10, 5, 2, 1) if k <= width_km / 4.5) \
        if width_km >= 4.5 else 1
    bar = AnchoredSizeBar(ax.transData, km / km_per_deg, f"{km} km", "lower right",
                          pad=0.4, sep=3, frameon=True, size_vertical=(y1 - y0) / 250,
                          fontproperties={"size": fontsize})
    bar.patch.set_alpha(0.75)
    bar.patch.set_edgecolor("none")
    ax.add_artist(bar)


def draw_theatre(ax, theatre: Theatre, owner: np.ndarray, colours: Sequence[str],
                 relation: np.ndarray | None = None, *, scenario: Scenario | None = None,
                 labels: Sequence[int] | None = None, fontsize: float = 7.5,
                 front: bool = True, bar: bool = True) -> dict:
    """Draw the theatre in the shared style on ``ax`` (see the module docstring). ``owner``
    indexes ``colours`` (-1: nobody, white). Returns what was drawn, for the legend and for
    animation: ``features`` (kinds), ``front`` (its colour or None), ``labels`` (texts),
    ``towns`` (the scatter) and ``front_lines`` (the LineCollection)."""
    lon, lat = theatre.lon, theatre.lat
    x0, x1, y0, y1 = map_extent(theatre)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_autoscale_on(False)
    ax.set_aspect(1 / np.cos(np.radians((y0 + y1) / 2)), adjustable="box")
    kinds = draw_features(ax, load_features(theatre.source_dir))
    roads = [((lon[a], lat[a]), (lon[b], lat[b])) for a, b in theatre.edges]
    widths = np.where(theatre.highway, 1.5, 0.6)
    ax.add_collection(LineCollection(roads, colors="#a0a0a0", linewidths=widths, zorder=1))
    fc = front_lines = None
    if front:
        fc = front_colour([c for c in colours if isinstance(c, str)])
        segs = front_segments(theatre, owner, relation)
        front_lines = ax.add_collection(LineCollection(
            segs, colors=fc, linewidths=2.6, zorder=2,
            path_effects=[pe.Stroke(linewidth=4.2, foreground="white"), pe.Normal()]))
    on = theatre.onmap
    pop = np.where(on, theatre.population, 0.0)
    size = 14 + 110 * np.sqrt(pop / max(pop.max(), 1))
    col = np.array([colours[o] if o >= 0 else "#ffffff" for o in owner], dtype=object)
    towns = ax.scatter(lon[on], lat[on], s=size[on], c=list(col[on]), edgecolors="black",
                       linewidths=0.6, zorder=3)
    if (~on).any():                         # off-map rear places: hollow squares
        ax.scatter(lon[~on], lat[~on], s=90, marker="s", facecolors="none",
                   edgecolors=list(col[~on]), linewidths=2.0, zorder=3)
    if labels is None:
        labels = label_towns(theatre, scenario)
    texts = place_labels(ax, theatre, labels, fontsize)
    if bar:
        scale_bar(ax, theatre, fontsize)
    ax.set_xlabel("longitude", fontsize=fontsize + 0.5)
    ax.set_ylabel("latitude", fontsize=fontsize + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=_lon_ticks(ax, fontsize),
                                           steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _degrees(v, "E", "W")))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _degrees(v, "N", "S")))
    ax.tick_params(labelsize=fontsize)
    return {"features": kinds, "front": fc, "labels": texts, "towns": towns,
            "front_lines": front_lines, "offmap": bool((~on).any())}


def _lon_ticks(ax, fontsize: float) -> int:
    """How many longitude ticks fit side by side: labels such as '40.8°W' (about 0.6 em a
    character, with room between them) across the axes' width, and never more than
    matplotlib's own choice (a narrow map of a western theatre ran them together)."""
    x0, x1 = ax.get_xlim()
    chars = len(f"{max(abs(x0), abs(x1)):.2f}°W")
    width = ax.get_position().width * ax.figure.get_figwidth()
    fit = int(width / (1.5 * chars * 0.6 * fontsize / 72))
    return max(2, min(fit, ax.xaxis.get_tick_space()))


def _degrees(v: float, pos: str, neg: str) -> str:
    """A tick in degrees with its hemisphere: 36.5 -> '36.5°E', -30.8 -> '30.8°W'."""
    v = round(v, 6)
    text = f"{abs(v):g}°"
    return text if v == 0 else text + (pos if v > 0 else neg)


def legend_handles(factions: Sequence[str], colours: Sequence[str], drawn: dict,
                   counts: Sequence[int] | None = None,
                   offmap: str = "off-map rear (holder's colour)") -> list[Line2D]:
    """Faction markers, the front line and the drawn features, for a legend (``offmap``:
    the label of the off-map squares, which follow the map's colouring)."""
    h = [Line2D([], [], marker="o", ls="", color=c, markeredgecolor="k", markersize=8,
                label=f if counts is None else f"{f} ({n} towns)")
         for f, c, n in zip(factions, colours, counts or [0] * len(factions), strict=True)]
    if drawn.get("front"):
        h.append(Line2D([], [], color=drawn["front"], lw=2.6,
                        label="front (between hostile factions)"))
    if drawn.get("offmap"):
        h.append(Line2D([], [], marker="s", ls="", markersize=8, markerfacecolor="none",
                        markeredgecolor="#444444", markeredgewidth=2,
                        label=offmap))
    h.append(Line2D([], [], color="#a0a0a0", lw=1.5, label="road (thick: highway)"))
    names = {"river": "river", "lake": "lake", "coast": "coast", "border": "border"}
    for k in drawn.get("features", []):
        st = FEATURE_STYLE[k]
        if k == "lake":
            h.append(Line2D([], [], marker="s", ls="", markersize=9,
                            markerfacecolor=st["facecolor"], markeredgecolor=st["edgecolor"],
                            label=names[k]))
        else:
            h.append(Line2D([], [], color=st["color"], lw=st["lw"] + 0.4,
                            ls=st.get("ls", "solid"), label=names[k]))
    return h


def outside_legend(fig, side_rect, handles, title: str | None = None,
                   fontsize: float = 8.5):
    """The legend in the figure's side area (outside the map)."""
    x, y, _w, h = side_rect
    return fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(x, y + h),
                      fontsize=fontsize, title=title, title_fontsize=fontsize,
                      frameon=False, alignment="left")


# -- run maps ---------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _scenario_from_file(path: str) -> Scenario | None:
    from ..inputs.scenario import ScenarioWarning, load_scenario  # here: views of results
    try:                                                           # may lack the file
        with warnings.catch_warnings():    # the run that made the result has warned already
            warnings.simplefilter("ignore", ScenarioWarning)
            return load_scenario(path)
    except Exception:                             # noqa: BLE001 - the map works without it
        return None


def result_scenario(result: RunResult) -> Scenario | None:
    """The scenario a run was made from (for its relation matrix and named towns), if its
    file is still there."""
    path = result.meta.get("scenario_file")
    return _scenario_from_file(str(path)) if path and Path(path).is_file() else None


def plot_map(result: RunResult, day: int = -1, ax=None, title: str | None = None,
             scenario: Scenario | None = None):
    """Map of control at the end of ``day`` (default: the last day); returns the figure.
    With ``ax``, draws there (the legend just right of it) instead of a new figure."""
    sc = scenario or result_scenario(result)
    d = day if day >= 0 else result.days + day
    owner = result.control_array[d].astype(int)
    if ax is None:
        fig, ax, side = map_figure(result.theatre)
    else:
        fig, side = ax.figure, None
    relation = sc.relation if sc is not None and len(sc.factions) == len(result.factions) \
        else None
    drawn = draw_theatre(ax, result.theatre, owner, list(result.colours), relation,
                         scenario=sc)
    on = result.theatre.onmap
    counts = [int(((owner == i) & on).sum()) for i in range(len(result.factions))]
    handles = legend_handles(result.factions, result.colours, drawn, counts)
    if side is None:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8,
                  frameon=False)
    else:
        outside_legend(fig, side, handles)
    ax.set_title(title or f"{result.scenario}: control at the end of day {d} "
                          f"({result.date(d)}), seed {result.seed}", fontsize=10, loc="left")
    return fig


def save_map(result: RunResult, path: str | Path, day: int = -1) -> Path:
    """Write the map of ``day`` (default: the last) to ``path`` (PNG)."""
    plt = _plt()
    fig = plot_map(result, day=day)
    fig.savefig(path, dpi=120, **marked(path))
    plt.close(fig)
    return Path(path)
