"""The road graph of a theatre, once, in the forms the model queries.

One :class:`Roads` per theatre and road-speed setting (cached by the theatre): the road
lengths as a sparse matrix (supply reach, distances), the travel cost of every road as a
sorted CSR matrix (route queries; a closed road costs infinity, so masked graphs share this
structure), the days needed to drive each road, and every town's neighbours.

Travel assumptions (DESIGN.md, "Theatre"): a road is driven at ``speed_highway`` or
``speed_other`` km/day by its class; its cost, in km of ordinary road, is its length over its
speed relative to ordinary roads, so routes are chosen by travel time.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class Roads:
    """Road lengths, travel days and costs of a theatre at one pair of road speeds."""

    def __init__(self, edges: np.ndarray, km: np.ndarray, highway: np.ndarray, n: int,
                 speed_highway: float, speed_other: float) -> None:
        self.n = n
        self.edges = edges
        a, b = edges[:, 0].astype(np.int64), edges[:, 1].astype(np.int64)
        both_a, both_b = np.concatenate([a, b]), np.concatenate([b, a])
        #: (n, n) road length in km, entries in file order (both directions).
        self.km_graph = sp.csr_matrix((np.concatenate([km, km]), (both_a, both_b)),
                                      shape=(n, n))
        #: (n, n) int8: 1 where a road joins two towns.
        self.adjacency = (self.km_graph > 0).astype(np.int8).tocsr()
        indptr, indices = self.km_graph.indptr, self.km_graph.indices
        #: each town's neighbours, in the order of ``km_graph``.
        self.neighbours = [indices[indptr[i]:indptr[i + 1]] for i in range(n)]
        self.degree = np.diff(indptr)
        speed = np.where(highway, speed_highway, speed_other)
        #: per road: days to drive it; cost in km of ordinary road.
        self.days = km / speed
        self.cost = km * speed_other / speed
        full = sp.csr_matrix((np.concatenate([self.cost, self.cost]), (both_a, both_b)),
                             shape=(n, n))
        full.sort_indices()
        #: (n, n) travel cost, sorted CSR: the graph of every route query.
        self.full = full
        self._rows = np.repeat(np.arange(n), np.diff(full.indptr))
        #: (town, town) -> road index, both directions
        self._road = {(int(x), int(y)): k for k, (x, y) in enumerate(zip(a, b, strict=True))}
        self._road.update({(y, x): k for (x, y), k in list(self._road.items())})

    def road(self, a: int, b: int) -> int:
        """Index of the road joining towns ``a`` and ``b`` (KeyError if there is none)."""
        return self._road[(a, b)]

    def days_between(self, a: int, b: int) -> float:
        return self.days[self._road[(a, b)]]

    def cost_between(self, a: int, b: int) -> float:
        return self.cost[self._road[(a, b)]]

    def costs_to(self, towns: np.ndarray, town: int) -> np.ndarray:
        """Travel cost of the road from each of ``towns`` to ``town``."""
        return np.array([self.cost[self._road[(int(t), town)]] for t in towns])

    def masked(self, passable: np.ndarray) -> sp.csr_matrix:
        """The travel-cost graph with every road not between two passable towns closed
        (infinite cost): same structure, still symmetric."""
        g = self.full
        keep = passable[self._rows] & passable[g.indices]
        return sp.csr_matrix((np.where(keep, g.data, np.inf), g.indices, g.indptr),
                             shape=g.shape)

    def reach(self, towns: np.ndarray) -> np.ndarray:
        """Towns in ``towns`` (bool, n) or next to one."""
        return towns | (self.adjacency @ towns.view(np.int8) > 0)

    def reach_many(self, towns: np.ndarray) -> np.ndarray:
        """``reach`` for each row of a (k, n) boolean array."""
        return towns | (self.adjacency @ towns.T.astype(np.int8) > 0).T
