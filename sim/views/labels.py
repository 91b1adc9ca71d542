"""Town labels on maps: which towns get one, and where they go.

- **Which**: every town when the theatre has at most :data:`LABEL_ALL` towns; otherwise
  cities, the towns a scenario names (supply sources, deployments, phase objectives and
  targets, event towns), and the top :data:`LABEL_TOP` by value, never more than
  :data:`LABEL_MAX`.
- **Where**: adjustText (a kept library) moves labels apart; where two still overlap, the
  less valuable town's label is dropped (an off-map place's first), so no label hides under
  another.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.collections import LineCollection

if TYPE_CHECKING:
    from ..inputs.scenario import Scenario
    from ..inputs.theatre import Theatre

LABEL_ALL = 30          # label every town of a theatre this small
LABEL_TOP = 16          # else: cities, scenario-named towns and this many by value
LABEL_MAX = 36


# -- which towns get a label ------------------------------------------------------------------
def named_towns(scenario: Scenario | None) -> set[int]:
    """Towns a scenario names: supply sources, deployments, phase objectives and targets,
    towns of its events."""
    if scenario is None:
        return set()
    th, out = scenario.theatre, set()
    for src in scenario.supply_sources:
        out.update(int(t) for t in src)
    out.update(d.town for d in scenario.deployments)
    for ph in scenario.phases:
        out.update(ph.objectives)
        if ph.to is not None:
            out.add(ph.to)
    for ev in scenario.spec.events:
        for name in [*ev.towns, *([ev.town] if getattr(ev, "town", None) else [])]:
            t = th.find(name)
            if t is not None:
                out.add(t)
    return out


def label_towns(theatre: Theatre, scenario: Scenario | None = None) -> list[int]:
    """The towns that get a label (the rule is in the module docstring), by value."""
    order = [int(t) for t in np.argsort(-theatre.value, kind="stable")]
    if theatre.n <= LABEL_ALL:
        return order
    keep = {t for t in range(theatre.n) if theatre.kind[t] == "city"}
    keep |= named_towns(scenario)
    keep |= set(order[:LABEL_TOP])
    return [t for t in order if t in keep][:LABEL_MAX]


# -- where they go --------------------------------------------------------------------------
_LABEL_CACHE: dict[tuple, list[tuple[float, float, str] | None]] = {}


def place_labels(ax, theatre: Theatre, towns: Sequence[int], fontsize: float = 7.5) -> list:
    """Labels for ``towns``, moved apart by adjustText, with a thin leader line to a label
    moved away from its town; where two still overlap (a crowded corner at a small size),
    the less valuable town's label is dropped (an off-map place's before any town on the map),
    so none is hidden under another. The
    placement depends only on the theatre, the towns, the font and the axes' size, so it is
    computed once and reused (animation frames and the browser view redraw the same map many
    times)."""
    fig = ax.figure
    key = (str(theatre.source_dir), theatre.n, tuple(towns), fontsize,
           tuple(np.round(fig.get_size_inches(), 3)), tuple(np.round(ax.get_position().bounds, 4)),
           tuple(np.round(ax.get_xlim() + ax.get_ylim(), 5)))
    x0, x1 = ax.get_xlim()
    box = {"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.6}
    cached = _LABEL_CACHE.get(key)
    if cached is None:
        texts = [ax.text(theatre.lon[t], theatre.lat[t], theatre.names[t], fontsize=fontsize,
                         zorder=6, va="bottom", bbox=box,
                         ha="right" if theatre.lon[t] > x1 - 0.25 * (x1 - x0) else "left")
                 for t in towns]
        if len(texts) > 1:
            from adjustText import adjust_text  # here: slow to import; only maps need it
            with warnings.catch_warnings():     # adjustText calls a deprecated logging method
                warnings.simplefilter("ignore", DeprecationWarning)
                adjust_text(texts, x=theatre.lon, y=theatre.lat, ax=ax, iter_lim=500,
                            expand=(1.15, 1.35), ensure_inside_axes=True)
        ids = np.asarray(towns, dtype=np.int64)
        value = theatre.value[ids]        # off-map places give way to any town on the map
        kept = _unhidden(texts, np.where(theatre.onmap[ids], value,
                                         value - theatre.value.max() - 1.0))
        cached = [(*t.get_position(), t.get_ha()) if k else None
                  for t, k in zip(texts, kept, strict=True)]
        # adjustText's own texts are dropped and every call draws the placement afresh, so
        # the first figure is the same as every later one (the browser view's map grew by
        # 4 px on its first Step when a label sat at the top edge)
        for t in texts:
            t.remove()
        if len(_LABEL_CACHE) > 64:
            _LABEL_CACHE.pop(next(iter(_LABEL_CACHE)))
        _LABEL_CACHE[key] = cached
    texts = [ax.text(c[0], c[1], theatre.names[t], fontsize=fontsize, zorder=6,
                     va="bottom", ha=c[2], bbox=box)
             for t, c in zip(towns, cached, strict=True) if c is not None]
    span = np.hypot(x1 - x0, np.subtract(*ax.get_ylim()))
    leaders = [((theatre.lon[t], theatre.lat[t]), (c[0], c[1]))
               for t, c in zip(towns, cached, strict=True)
               if c is not None and np.hypot(c[0] - theatre.lon[t], c[1] - theatre.lat[t])
               > 0.02 * span]
    if leaders:
        ax.add_collection(LineCollection(leaders, colors="#555555", linewidths=0.5, zorder=5))
    return texts


def _unhidden(texts: Sequence, value: np.ndarray) -> list[bool]:
    """Which of ``texts`` to keep: the most valuable town's label first, then each label that
    overlaps none kept so far (by their drawn extents)."""
    if not texts:
        return []
    fig = texts[0].figure
    if not hasattr(fig.canvas, "get_renderer"):    # a bare Figure (the browser view's)
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # here: this case only
        FigureCanvasAgg(fig)                        # what savefig would attach to draw it
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    keep = [False] * len(texts)
    kept: list = []
    for i in np.argsort(-np.asarray(value, float), kind="stable"):
        if not any(boxes[i].overlaps(b) for b in kept):
            keep[i] = True
            kept.append(boxes[i])
    return keep
