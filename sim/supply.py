"""Supply connectivity and encirclement: pure functions of arrays (scipy.sparse.csgraph).

Assumption (DESIGN.md): a faction's towns are supplied when a chain of towns held by the
faction or its allies links them by road to one of its supply sources; a unit is supplied
when it stands in a supplied town or next to one (the attacker at a town's edge still has
its line behind it).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .routes import RoadNet, nearest_of


def supplied_towns(territory: sp.csr_matrix, sources: np.ndarray) -> np.ndarray:
    """Towns joined to one of ``sources`` by roads open in ``territory`` (a road graph whose
    roads outside the faction's territory are closed, as built by ``RoadNet.masked``).
    ``sources`` must lie inside the territory."""
    d, _ = nearest_of(territory, sources)
    return np.isfinite(d)


class SupplyGraph:
    """Road adjacency for supply queries on a theatre."""

    def __init__(self, adjacency: sp.csr_matrix) -> None:
        self.n = adjacency.shape[0]
        self.adjacency = (adjacency > 0).astype(np.int8).tocsr()
        upper = sp.triu(self.adjacency, k=1).tocoo()
        self.roads = RoadNet(np.column_stack([upper.row, upper.col]),
                             np.ones(upper.nnz), self.n)

    def supplied(self, passable: np.ndarray, sources: np.ndarray) -> np.ndarray:
        """Towns in ``passable`` connected through ``passable`` towns to a passable source."""
        return supplied_towns(self.roads.masked(passable), sources[passable[sources]])

    def reach(self, towns: np.ndarray) -> np.ndarray:
        """Towns in ``towns`` or adjacent to one."""
        return towns | (self.adjacency @ towns.view(np.int8) > 0)

    def reach_many(self, towns: np.ndarray) -> np.ndarray:
        """``reach`` for each row of a (k, n) boolean array."""
        return towns | (self.adjacency @ towns.T.astype(np.int8) > 0).T


def encircled(owner: np.ndarray, faction: int, supplied: np.ndarray) -> np.ndarray:
    """Towns held by ``faction`` that its supply network does not reach."""
    return (owner == faction) & ~supplied
