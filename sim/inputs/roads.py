"""The road graph of a theatre, once, in the forms the model queries.

One :class:`Roads` per theatre and road-speed setting (cached by the theatre): the road
lengths as a sparse matrix (supply reach, distances), the travel cost of every road as a
sorted CSR matrix (route queries; a search opens only the roads of a territory, see
sim.core.kernels.routes), the days needed to drive each road, and every town's neighbours.

Travel assumptions (README, "Files you hand in", roads.csv): a road is driven at
``speed_highway`` km/day if it is a highway, at ``speed_other_share`` of that otherwise, and
at ``terrain_speed_share`` of its class speed through mountains (halfway between that and 1
through hills); a river crossing adds ``crossing_delay_days`` (twice that at a ford). A road's
cost, in km of ordinary road, is the days it takes times the ordinary-road speed, so routes are
chosen by travel time. Attacking along a road is harder where it crosses a river or climbs
into mountains: its ``approach`` factor multiplies the defender's strength (``river_defence``,
``mountain_defence``; square root through hills).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra


class Roads:
    """Road lengths, travel days, costs and approach factors of a theatre at one setting of
    the road parameters (``Roads.PARAMS``)."""

    #: the parameters a Roads depends on, in the order of the constructor's arguments
    PARAMS = ("speed_highway", "speed_other_share", "terrain_speed_share",
              "crossing_delay_days", "river_defence", "mountain_defence")

    def __init__(self, edges: np.ndarray, km: np.ndarray, highway: np.ndarray,
                 crossing: list[str], terrain: list[str], n: int, speed_highway: float,
                 speed_other_share: float, terrain_speed_share: float,
                 crossing_delay_days: float, river_defence: float,
                 mountain_defence: float) -> None:
        self.n = n
        self.edges = edges
        self.km = km
        m = len(edges)
        a, b = edges[:, 0].astype(np.int64), edges[:, 1].astype(np.int64)
        # one CSR structure for every graph below: both directions of each road, sorted by
        # (town, neighbour); ``entry_road[k]`` is the road of entry k
        rows, cols = np.concatenate([a, b]), np.concatenate([b, a])
        order = np.lexsort((cols, rows))
        self.indices = cols[order]
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
        self.entry_road = np.concatenate([np.arange(m), np.arange(m)])[order]
        #: each town's neighbours, by id
        self.neighbours = [self.indices[self.indptr[i]:self.indptr[i + 1]] for i in range(n)]
        self.degree = np.diff(self.indptr)
        speed_other = speed_highway * speed_other_share
        mountain = np.array([t == "mountain" for t in terrain], dtype=bool)
        hills = np.array([t == "hills" for t in terrain], dtype=bool)
        bridge = np.array([c == "bridge" for c in crossing], dtype=bool)
        ford = np.array([c == "ford" for c in crossing], dtype=bool)
        ground = np.where(mountain, terrain_speed_share,
                          np.where(hills, 0.5 * (1.0 + terrain_speed_share), 1.0))
        speed = np.where(highway, speed_highway, speed_other) * ground
        #: per road: days to drive it (crossings included); cost in km of ordinary road
        self.days = km / speed + crossing_delay_days * (bridge + 2.0 * ford)
        self.cost = self.days * speed_other
        #: per road: the defender's multiplier against an attack along it (>= 1)
        self.approach = (np.where(bridge | ford, river_defence, 1.0)
                         * np.where(mountain, mountain_defence,
                                    np.where(hills, np.sqrt(mountain_defence), 1.0)))
        self.river = bridge | ford
        #: (n, n) travel cost: the graph of every route query
        self.full = self.graph(self.cost)
        #: (n, n) road length in km
        self.km_graph = self.graph(km)
        #: (n, n) int8: 1 where a road joins two towns
        self.adjacency = self.graph(np.ones(m, dtype=np.int8))
        #: (n, n) days to drive each road
        self.days_graph = self.graph(self.days)
        #: (n, n) how much of a neighbour's strength bears on a town: 1 / approach of the road
        self.bearing = self.graph(1.0 / self.approach)
        #: per CSR entry: the approach factor of its road
        self.entry_approach = self.approach[self.entry_road]
        #: per CSR entry: 1 / the approach factor of its road (the data of ``bearing``)
        self.entry_bearing = self.bearing.data
        #: every town passable: the mask of a search over all roads
        self.everywhere = np.ones(n, dtype=bool)
        #: (town, town) -> road index, both directions
        self._road = {(int(x), int(y)): k for k, (x, y) in enumerate(zip(a, b, strict=True))}
        self._road.update({(y, x): k for (x, y), k in list(self._road.items())})

    def graph(self, per_road: np.ndarray) -> sp.csr_matrix:
        """An (n, n) CSR matrix on the shared structure with one value per road."""
        return sp.csr_matrix((per_road[self.entry_road], self.indices, self.indptr),
                             shape=(self.n, self.n))

    def road(self, a: int, b: int) -> int:
        """Index of the road joining towns ``a`` and ``b`` (KeyError if there is none)."""
        return self._road[(a, b)]

    def within_days(self, town: int, days: float) -> np.ndarray:
        """(n,) bool: towns from which ``town`` is reached by road within ``days``."""
        d = dijkstra(self.days_graph, directed=True, indices=town, limit=days)
        return np.isfinite(d)

    def reach(self, towns: np.ndarray) -> np.ndarray:
        """Towns in ``towns`` (bool, n) or next to one."""
        return towns | (self.adjacency @ towns.view(np.int8) > 0)
