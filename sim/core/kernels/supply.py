"""Supply connectivity and depth: pure functions of road graphs (route searches compiled with
numba, sim.core.kernels.routes).

Assumption (README, "The model", step 2): a faction's towns are supplied when a chain of
towns held by the faction or its allies links them by road to one of its supply sources; a
town next to a supplied town is supplied too (an attacker at a town's edge still has its
line behind it). Depth is the road distance from the nearest source: the attacker's combat
power falls with it (Boulding 1962, loss-of-strength gradient). A unit cut off from supply
lives on the stocks it carries for ``stock_days``; after that it loses ``cutoff_attrition``
of its strength and ``cutoff_morale`` of its cohesion a day (down to 0.05); a supplied one
is restocked and regains ``morale_recovery`` of cohesion (up to 1).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .routes import _nearest


@njit(cache=True)
def _one_road_on(indptr: np.ndarray, indices: np.ndarray, cost: np.ndarray,
                 inside: np.ndarray) -> np.ndarray:
    """Per town: the smaller of its own distance and a neighbour's plus the road between."""
    out = inside.copy()
    for t in range(len(inside)):
        for e in range(indptr[t], indptr[t + 1]):
            v = inside[indices[e]] + cost[e]
            if v < out[t]:
                out[t] = v
    return out


@njit(cache=True)
def sources_in(listed: np.ndarray, territory: np.ndarray, onmap: np.ndarray) -> np.ndarray:
    """Supply sources of a side, sorted: its ``listed`` towns that lie in its ``territory``
    and every off-map place of the territory (the rear)."""
    src = np.zeros(len(territory), dtype=np.bool_)
    for t in listed:
        if territory[t]:
            src[t] = True
    for t in range(len(territory)):
        if territory[t] and not onmap[t]:
            src[t] = True
    return np.flatnonzero(src)


@njit(cache=True)
def supply(listed: np.ndarray, territory: np.ndarray, onmap: np.ndarray,
           indptr: np.ndarray, indices: np.ndarray, cost: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """A side's supply in one call: its sources (:func:`sources_in`); the depth of every
    town of ``territory`` joined to one of them through the territory by roads of the graph
    ``indptr, indices, cost``, and of every town next to such a town (through its cheapest
    road; ``inf`` elsewhere); and which towns are supplied (finite depth)."""
    sources = sources_in(listed, territory, onmap)
    inside, _ = _nearest(indptr, indices, cost, territory, sources, np.inf)
    depth = _one_road_on(indptr, indices, cost, inside)
    ok = np.empty(len(depth), dtype=np.bool_)
    for t in range(len(depth)):
        ok[t] = np.isfinite(depth[t])
    return ok, depth


@njit(cache=True)
def cut_off(faction: np.ndarray, town: np.ndarray, strength: np.ndarray,
            condition: np.ndarray, cut_days: np.ndarray, supplied: np.ndarray,
            losses: np.ndarray, stock_days: float, attrition: float, morale_loss: float,
            recovery: float) -> None:
    """Cut-off units count the days they have been cut off; once past the ``stock_days``
    they carried they lose strength (counted in ``losses``) and cohesion. Supplied units are
    restocked (the count starts again) and recover cohesion (module docstring). In place."""
    for u in range(len(strength)):
        if strength[u] <= 0:
            continue
        if supplied[faction[u], town[u]]:
            cut_days[u] = 0
            condition[u] = min(condition[u] + recovery, 1.0)
        else:
            cut_days[u] += 1
            if cut_days[u] > stock_days:
                losses[faction[u]] += strength[u] * attrition
                strength[u] *= 1.0 - attrition
                condition[u] = max(condition[u] - morale_loss, 0.05)
