"""Shortest road routes: pure functions of a travel-cost graph (csgraph.dijkstra on
symmetric graphs, so queries run as directed without changing the result).

Units move only through towns held by their faction or its allies; the last step of an
attack route enters the hostile target from a friendly neighbour.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra


def from_sources(graph: sp.csr_matrix, sources: np.ndarray, limit: float = np.inf
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Distances (k, n) and predecessors from each source town (one row per source)."""
    if len(sources) == 0:
        return np.empty((0, graph.shape[0])), np.empty((0, graph.shape[0]), dtype=np.int32)
    d, pred = dijkstra(graph, directed=True, indices=sources, limit=limit,
                       return_predecessors=True)
    return np.atleast_2d(d), np.atleast_2d(pred)


def nearest_of(graph: sp.csr_matrix, targets: np.ndarray, limit: float = np.inf
               ) -> tuple[np.ndarray, np.ndarray]:
    """For every town, the distance to the nearest of ``targets`` and the next town on the
    way there (-1 where none is reachable or the town is a target itself)."""
    n = graph.shape[0]
    if len(targets) == 0:
        return np.full(n, np.inf), np.full(n, -1)
    d, pred, _ = dijkstra(graph, directed=True, indices=targets, limit=limit,
                          return_predecessors=True, min_only=True)
    return d, pred


def walk(pred_row: np.ndarray, source: int, town: int) -> list[int]:
    """Path from ``source`` to ``town`` (excluding source) from one predecessor row."""
    path = []
    t = town
    while t != source and t >= 0:
        path.append(int(t))
        t = pred_row[t]
    if t != source:
        return []
    path.reverse()
    return path


def follow(next_hop: np.ndarray, town: int) -> list[int]:
    """Path from ``town`` to the nearest target by following ``nearest_of`` predecessors."""
    path = []
    t = next_hop[town]
    guard = len(next_hop)
    while t >= 0 and guard:
        path.append(int(t))
        t = next_hop[t]
        guard -= 1
    return path
