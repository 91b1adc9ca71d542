"""Supply connectivity and encirclement: pure functions of arrays (sparse breadth-first search).

Assumption (DESIGN.md): a faction's towns are supplied when a chain of towns held by the
faction or its allies links them by road to one of its supply sources; a unit is supplied
when it stands in a supplied town or next to one (the attacker at a town's edge still has
its line behind it).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class SupplyGraph:
    """Road adjacency prepared for repeated masked reachability queries."""

    def __init__(self, adjacency: sp.csr_matrix) -> None:
        self.n = adjacency.shape[0]
        self.adjacency = (adjacency > 0).astype(np.int8).tocsr()

    def supplied(self, passable: np.ndarray, sources: np.ndarray) -> np.ndarray:
        """Towns in ``passable`` connected through ``passable`` towns to a passable source.

        Breadth-first search by sparse matrix-vector products: one product per ring of towns
        out from the sources, so the cost is (graph diameter) x (number of roads).
        """
        reached = np.zeros(self.n, dtype=bool)
        reached[sources[passable[sources]]] = True
        frontier = reached
        while frontier.any():
            frontier = (self.adjacency @ frontier.view(np.int8) > 0) & passable & ~reached
            reached |= frontier
        return reached

    def reach(self, towns: np.ndarray) -> np.ndarray:
        """Towns in ``towns`` or adjacent to one."""
        return towns | (self.adjacency @ towns.view(np.int8) > 0)


def encircled(owner: np.ndarray, faction: int, supplied: np.ndarray) -> np.ndarray:
    """Towns held by ``faction`` that its supply network does not reach."""
    return (owner == faction) & ~supplied
