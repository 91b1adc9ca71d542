"""Shortest road routes: Dijkstra on a road graph in CSR form, compiled with numba.

Why numba: a day of a run asks for a few dozen route searches on graphs of ~100 towns, and
scipy's ``csgraph.dijkstra`` spends most of each call checking and converting its arguments
(about 100 us a call against 5 us here). A masked graph is not built at all: the search skips
every road that does not join two passable towns (a faction's territory), so one CSR structure
serves every territory.

Graphs are symmetric (every road both ways), so a search from a set of targets gives, for
every town, the distance to the nearest target and the next town on the way there. Ties
between equal-cost routes go to the town with the lower id (a stable rule, whatever the
platform). Units move only through towns held by their faction or its allies; the last step
of an attack route enters the hostile target from a friendly neighbour.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf


@njit(cache=True)
def _push(hd: np.ndarray, hn: np.ndarray, size: int, d: float, v: int) -> int:
    i = size
    hd[i], hn[i] = d, v
    while i > 0:
        parent = (i - 1) >> 1
        if hd[parent] < hd[i] or (hd[parent] == hd[i] and hn[parent] <= hn[i]):
            break
        hd[i], hd[parent] = hd[parent], hd[i]
        hn[i], hn[parent] = hn[parent], hn[i]
        i = parent
    return size + 1


@njit(cache=True)
def _pop(hd: np.ndarray, hn: np.ndarray, size: int) -> int:
    size -= 1
    hd[0], hn[0] = hd[size], hn[size]
    i = 0
    while True:
        a, b = 2 * i + 1, 2 * i + 2
        best = i
        if a < size and (hd[a] < hd[best] or (hd[a] == hd[best] and hn[a] < hn[best])):
            best = a
        if b < size and (hd[b] < hd[best] or (hd[b] == hd[best] and hn[b] < hn[best])):
            best = b
        if best == i:
            return size
        hd[i], hd[best] = hd[best], hd[i]
        hn[i], hn[best] = hn[best], hn[i]
        i = best


@njit(cache=True)
def _search(indptr: np.ndarray, indices: np.ndarray, cost: np.ndarray, passable: np.ndarray,
            sources: np.ndarray, limit: float, dist: np.ndarray, pred: np.ndarray) -> None:
    """Multi-source Dijkstra into ``dist`` and ``pred`` (filled by the caller with inf and
    -1). Roads are open only between two passable towns; sources are always open."""
    n = len(indptr) - 1
    cap = len(indices) + len(sources) + 1
    hd = np.empty(cap)
    hn = np.empty(cap, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    size = 0
    for s in sources:
        if dist[s] > 0.0:
            dist[s] = 0.0
            size = _push(hd, hn, size, 0.0, s)
    while size > 0:
        du, u = hd[0], hn[0]
        size = _pop(hd, hn, size)
        if done[u]:
            continue
        done[u] = True
        if not passable[u] and du > 0.0:
            continue
        for k in range(indptr[u], indptr[u + 1]):
            v = indices[k]
            if done[v] or not passable[v] or not passable[u]:
                continue
            nd = du + cost[k]
            if nd > limit:
                continue
            if nd < dist[v] or (nd == dist[v] and u < pred[v]):
                dist[v] = nd
                pred[v] = u
                size = _push(hd, hn, size, nd, v)


@njit(cache=True)
def _from_each(indptr, indices, cost, passable, sources, limit):
    n = len(indptr) - 1
    dist = np.full((len(sources), n), INF)
    pred = np.full((len(sources), n), -1, dtype=np.int64)
    for i in range(len(sources)):
        _search(indptr, indices, cost, passable, sources[i:i + 1], limit, dist[i], pred[i])
    return dist, pred


@njit(cache=True)
def _nearest(indptr, indices, cost, passable, targets, limit):
    n = len(indptr) - 1
    dist = np.full(n, INF)
    nxt = np.full(n, -1, dtype=np.int64)
    _search(indptr, indices, cost, passable, targets, limit, dist, nxt)
    return dist, nxt


@njit(cache=True)
def _from_units(indptr, indices, cost, passable, towns, limit):
    n = len(indptr) - 1
    here = np.zeros(n, dtype=np.bool_)
    for t in towns:
        here[t] = True
    row_of = np.full(n, -1, dtype=np.int64)
    locs = np.empty(n, dtype=np.int64)
    k = 0
    for t in range(n):                       # the towns in increasing order (np.unique's)
        if here[t]:
            row_of[t] = k
            locs[k] = t
            k += 1
    locs = locs[:k]
    row = np.empty(len(towns), dtype=np.int64)
    for j in range(len(towns)):
        row[j] = row_of[towns[j]]
    dist, pred = _from_each(indptr, indices, cost, passable, locs, limit)
    return locs, row, dist, pred


def from_sources(graph, passable: np.ndarray, sources: np.ndarray, limit: float = INF
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Distances (k, n) and predecessors from each source town (one row per source), over
    the roads of ``graph`` (a CSR matrix) open between ``passable`` towns."""
    return _from_each(graph.indptr, graph.indices, graph.data, passable,
                      np.asarray(sources, dtype=np.int64), float(limit))


def nearest_of(graph, passable: np.ndarray, targets: np.ndarray, limit: float = INF
               ) -> tuple[np.ndarray, np.ndarray]:
    """For every town, the distance to the nearest of ``targets`` and the next town on the
    way there (-1 where none is reachable or the town is a target itself)."""
    return _nearest(graph.indptr, graph.indices, graph.data, passable,
                    np.asarray(targets, dtype=np.int64), float(limit))


@njit(cache=True)
def walks(pred: np.ndarray, rows: np.ndarray, sources: np.ndarray, goals: np.ndarray,
          tails: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Many ``walk``s at once: path ``j`` runs from ``sources[j]`` to ``goals[j]`` along the
    predecessors ``pred[rows[j]]`` (empty if the goal is not reached), then on to
    ``tails[j]`` if that is not -1. Returns the paths end to end and their offsets
    (``flat[offsets[j]:offsets[j + 1]]``)."""
    k = len(rows)
    offsets = np.zeros(k + 1, dtype=np.int64)
    for j in range(k):
        t, c = goals[j], 0
        while t != sources[j] and t >= 0:
            c += 1
            t = pred[rows[j], t]
        offsets[j + 1] = offsets[j] + (c if t == sources[j] else 0) + (tails[j] >= 0)
    flat = np.empty(offsets[k], dtype=np.int64)
    for j in range(k):
        end = offsets[j + 1]
        if tails[j] >= 0:
            end -= 1
            flat[end] = tails[j]
        t = goals[j]
        while end > offsets[j]:
            end -= 1
            flat[end] = t
            t = pred[rows[j], t]
    return flat, offsets


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
