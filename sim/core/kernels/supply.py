"""Supply connectivity and depth: pure functions of road graphs (scipy.sparse.csgraph).

Assumption (DESIGN.md): a faction's towns are supplied when a chain of towns held by the
faction or its allies links them by road to one of its supply sources; a town next to a
supplied town is supplied too (an attacker at a town's edge still has its line behind it).
Depth is the road distance from the nearest source: the attacker's combat power falls with it
(Boulding 1962, loss-of-strength gradient).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .routes import nearest_of


def supplied_towns(roads: sp.csr_matrix, territory: np.ndarray, sources: np.ndarray
                   ) -> np.ndarray:
    """Towns joined to one of ``sources`` by roads of ``roads`` between towns of
    ``territory`` (bool, n). ``sources`` must lie inside the territory."""
    d, _ = nearest_of(roads, territory, sources)
    return np.isfinite(d)


def supply_depth(roads: sp.csr_matrix, territory: np.ndarray, sources: np.ndarray
                 ) -> np.ndarray:
    """Distance from the nearest of ``sources`` through ``territory`` to every town inside it,
    and to every town next to one (through its cheapest road); ``inf`` elsewhere."""
    inside, _ = nearest_of(roads, territory, sources)
    via = inside[roads.indices] + roads.data                    # per road entry (row <- col)
    rows = np.repeat(np.arange(roads.shape[0]), np.diff(roads.indptr))
    edge = np.full(roads.shape[0], np.inf)
    np.minimum.at(edge, rows, via)
    return np.minimum(inside, edge)
