"""Supply connectivity and encirclement: pure functions of arrays (scipy.sparse.csgraph).

Assumption (DESIGN.md): a faction's towns are supplied when a chain of towns held by the
faction or its allies links them by road to one of its supply sources; a unit is supplied
when it stands in a supplied town or next to one (the attacker at a town's edge still has
its line behind it).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components


class SupplyGraph:
    """Road adjacency prepared for repeated masked connectivity queries."""

    def __init__(self, adjacency: sp.csr_matrix) -> None:
        coo = sp.triu(adjacency, k=1).tocoo()
        self.n = adjacency.shape[0]
        self.rows = coo.row.astype(np.int64)
        self.cols = coo.col.astype(np.int64)
        self.adjacency = (adjacency > 0).astype(np.int8).tocsr()

    def supplied(self, passable: np.ndarray, sources: np.ndarray) -> np.ndarray:
        """Towns in ``passable`` connected through ``passable`` towns to a passable source."""
        keep = passable[self.rows] & passable[self.cols]
        g = sp.csr_matrix((np.ones(int(keep.sum()), np.int8),
                           (self.rows[keep], self.cols[keep])), shape=(self.n, self.n))
        _, labels = connected_components(g, directed=False)
        src = sources[passable[sources]]
        if src.size == 0:
            return np.zeros(self.n, dtype=bool)
        return passable & np.isin(labels, labels[src])

    def reach(self, towns: np.ndarray) -> np.ndarray:
        """Towns in ``towns`` or adjacent to one."""
        return towns | (self.adjacency @ towns.astype(np.int8) > 0)


def encircled(owner: np.ndarray, faction: int, supplied: np.ndarray) -> np.ndarray:
    """Towns held by ``faction`` that its supply network does not reach."""
    return (owner == faction) & ~supplied
