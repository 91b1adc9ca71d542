"""Assigning units to attacks: a greedy pass over targets, compiled with numba.

For each target in the faction's order of preference, the free units nearest to it (by road
through friendly territory, then by unit id) are taken one by one until the strength they will
bring reaches what the target needs; a target that cannot get enough gets nobody. A unit's
route enters the target from its friendly neighbour that is cheapest to reach; the strength it
brings is its power times the culmination factor at the target, divided by the approach
factor of the road it comes in by (river, mountain).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .plan import release
from .routes import _from_units, walks


@njit(cache=True, error_model="numpy")
def assign(dist: np.ndarray, unit_loc: np.ndarray, units: np.ndarray, power: np.ndarray,
           targets: np.ndarray, order: np.ndarray, est: np.ndarray, ratio: float,
           depth: np.ndarray, supply_range_km: float, indptr: np.ndarray,
           indices: np.ndarray, cost: np.ndarray, approach: np.ndarray, friendly: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Greedy assignment.

    ``dist`` (L, n): road cost from each unit location; ``unit_loc`` (U,): each unit's row of
    ``dist``; ``units`` (U,): the free units, by id; ``power``: effective strength of every
    unit; ``targets[order]``: the targets in order, each needing ``ratio`` times its
    estimated defence ``est``; ``depth`` (n,): the faction's supply depth, which sets the
    culmination factor 1 / (1 + depth / supply_range_km) at each target; ``indptr, indices,
    cost, approach``: the road graph (CSR, per entry); ``friendly`` (n,) bool. Returns per
    unit the position in ``order`` of its target (-1: not assigned) and the town it enters
    from."""
    tgts = targets[order]
    need = np.empty(len(order))
    reach = np.empty(len(order))
    for k in range(len(order)):
        need[k] = ratio * est[order[k]]
        reach[k] = 1.0 / (1.0 + depth[tgts[k]] / supply_range_km)
    n_units = len(unit_loc)
    n_locs = dist.shape[0]
    target_of = np.full(n_units, -1, dtype=np.int64)
    via_of = np.full(n_units, -1, dtype=np.int64)
    left = n_units
    best = np.empty(n_locs)
    best_via = np.empty(n_locs, dtype=np.int64)
    best_app = np.empty(n_locs)
    for k in range(len(tgts)):
        if left == 0:
            break
        t = tgts[k]
        best[:] = np.inf
        best_via[:] = -1
        for e in range(indptr[t], indptr[t + 1]):
            b = indices[e]
            if not friendly[b]:
                continue
            for loc in range(n_locs):
                c = dist[loc, b] + cost[e]
                if c < best[loc]:
                    best[loc] = c
                    best_via[loc] = b
                    best_app[loc] = approach[e]
        cand_cost = np.full(n_units, np.inf)
        for u in range(n_units):
            if target_of[u] < 0:
                cand_cost[u] = best[unit_loc[u]]
        order = np.argsort(cand_cost, kind="mergesort")      # by cost, then unit id
        got = 0.0
        taken = 0
        for i in range(n_units):
            u = order[i]
            if not np.isfinite(cand_cost[u]):
                break
            got += power[units[u]] * reach[k] / best_app[unit_loc[u]]
            taken += 1
            if got >= need[k]:
                break
        if taken == 0 or got < need[k]:
            continue
        for i in range(taken):
            u = order[i]
            target_of[u] = k
            via_of[u] = best_via[unit_loc[u]]
            left -= 1
    return target_of, via_of


@njit(cache=True, error_model="numpy")
def assign_routes(free: np.ndarray, town: np.ndarray, friendly: np.ndarray, max_km: float,
                  power: np.ndarray, targets: np.ndarray, order: np.ndarray, est: np.ndarray,
                  ratio: float, depth: np.ndarray, supply_range_km: float,
                  indptr: np.ndarray, indices: np.ndarray, cost: np.ndarray,
                  approach: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`assign` with its route searches and routes, in one call: searches from the
    ``free`` units' towns through ``friendly`` towns (within ``max_km``), the greedy
    assignment, and the route of each assigned unit (to the town it enters from, then the
    target). Returns the assigned units, their targets, their routes (as ``walks``) and
    the units left free."""
    here = town[free]
    _, row, dist, pred = _from_units(indptr, indices, cost, friendly, here, max_km)
    target_of, via_of = assign(dist, row, free, power, targets, order, est, ratio, depth,
                               supply_range_km, indptr, indices, cost, approach, friendly)
    go = np.flatnonzero(target_of >= 0)
    tgt = targets[order[target_of[go]]]
    flat, offsets = walks(pred, row[go], here[go], via_of[go], tgt)
    return free[go], tgt, flat, offsets, free[target_of < 0]


@njit(cache=True, error_model="numpy")
def counterattack(units: np.ndarray, posture: np.ndarray, mobile: np.ndarray,
                  target: np.ndarray, town: np.ndarray, path_at: np.ndarray,
                  path_end: np.ndarray, progress: np.ndarray, hostile: np.ndarray,
                  contact: np.ndarray, near_friendly: np.ndarray, onmap: np.ndarray,
                  held_before: np.ndarray, side: np.ndarray, owner: np.ndarray,
                  defence_mult: np.ndarray, intel: np.ndarray, value: np.ndarray,
                  friendly: np.ndarray, max_km: float, power: np.ndarray, ratio: float,
                  depth: np.ndarray, supply_range_km: float, indptr: np.ndarray,
                  indices: np.ndarray, cost: np.ndarray, approach: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A faction's counterattack plan in one call (sim.core.factions.Faction.counterattack):
    lapsed attack orders released (:func:`~sim.core.kernels.plan.release`, in place), the
    towns of its :func:`frontier` it has held before (``held_before``) with their
    estimated defence, most valuable first (stable), and :func:`assign_routes` of the free
    units. Returns the assigned units, their targets and
    routes."""
    none = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
            np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64))
    _, free, _ = release(units, posture, mobile, target, town, path_at, path_end, progress,
                         hostile, contact)
    if len(free) == 0:
        return none
    targets, est = frontier(hostile, near_friendly, onmap, side, owner, defence_mult, intel)
    ours = held_before[targets]
    if not ours.any():
        return none
    targets, est = targets[ours], est[ours]
    order = np.argsort(-value[targets], kind="mergesort")
    go, tgt, flat, offsets, _ = assign_routes(free, town, friendly, max_km, power, targets,
                                              order, est, ratio, depth, supply_range_km,
                                              indptr, indices, cost, approach)
    return go, tgt, flat, offsets


@njit(cache=True)
def frontier(hostile: np.ndarray, near_friendly: np.ndarray, onmap: np.ndarray,
             side: np.ndarray, owner: np.ndarray, defence_mult: np.ndarray,
             intel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A faction's frontier (hostile on-map towns next to its side's territory) and its
    estimate of each one's defence (side strength of the holder x defence multiplier x
    the faction's ``intel`` error)."""
    targets = np.empty(len(hostile), dtype=np.int64)
    k = 0
    for t in range(len(hostile)):
        if hostile[t] and near_friendly[t] and onmap[t]:
            targets[k] = t
            k += 1
    targets = targets[:k]
    est = np.empty(k)
    for j in range(k):
        t = targets[j]
        est[j] = side[owner[t], t] * defence_mult[t] * intel[t]
    return targets, est


@njit(cache=True, error_model="numpy")
def attack(free: np.ndarray, town: np.ndarray, friendly: np.ndarray, max_km: float,
           power: np.ndarray, targets: np.ndarray, order: np.ndarray, est: np.ndarray,
           ratio: float, depth: np.ndarray, supply_range_km: float, indptr: np.ndarray,
           indices: np.ndarray, cost: np.ndarray, approach: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                      np.ndarray, np.ndarray]:
    """An offensive's orders in one call (sim.core.factions.Faction.attack):
    :func:`assign_routes`, then the follow-up echelons: the units left free that are not
    next to any target move up to the friendly neighbour (lowest id) of the best target
    that has one, by road through ``friendly`` towns (those already there stay put).
    Returns the attackers, their targets and routes, then the units moving up and their
    routes."""
    units, tgt, flat, offsets, left = assign_routes(free, town, friendly, max_km, power,
                                                    targets, order, est, ratio, depth,
                                                    supply_range_km, indptr, indices, cost,
                                                    approach)
    n = len(indptr) - 1
    near = np.zeros(n, dtype=np.bool_)
    for t in targets[order]:
        for e in range(indptr[t], indptr[t + 1]):
            near[indices[e]] = True
    keep = np.empty(len(left), dtype=np.bool_)
    for j in range(len(left)):
        keep[j] = not near[town[left[j]]]
    up = left[keep]
    none = np.zeros(0, dtype=np.int64)
    if len(up) == 0:
        return units, tgt, flat, offsets, none, none, np.zeros(1, dtype=np.int64)
    here = town[up]
    _, row, dist, pred = _from_units(indptr, indices, cost, friendly, here, np.inf)
    for t in targets[order]:
        stage = -1
        for e in range(indptr[t], indptr[t + 1]):
            b = indices[e]
            if friendly[b] and (stage < 0 or b < stage):
                stage = b
        if stage < 0:
            continue
        fl, off = walks(pred, row, here, np.full(len(up), stage, dtype=np.int64),
                        np.full(len(up), -1, dtype=np.int64))
        go = off[1:] > off[:-1]
        starts = off[:-1][go]
        up_off = np.empty(len(starts) + 1, dtype=np.int64)
        up_off[:-1] = starts
        up_off[-1] = len(fl)
        return units, tgt, flat, offsets, up[go], fl, up_off
    return units, tgt, flat, offsets, none, none, np.zeros(1, dtype=np.int64)
