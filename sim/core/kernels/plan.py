"""The loops of a faction's daily plan, compiled with numba (sim.core.factions calls these;
the decisions and their order are described there and in the README, "The model", step 3).

Each function is one pass over a faction's units or threatened towns, on arrays the
assessment produced (sim.core.kernels.assess) and route searches returned
(sim.core.kernels.routes); the orders themselves are given by the caller.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .postures import ATTACK, HOLD, RESERVE
from .routes import _from_units, _nearest, walks
from .supply import supply


@njit(cache=True)
def hopeless(ratio: np.ndarray, limit: float, days: np.ndarray, patience: float,
             units: np.ndarray, posture: np.ndarray, town: np.ndarray) -> np.ndarray:
    """Count, per town, the consecutive days its estimated odds have exceeded ``limit``
    (``days``, in place); return the garrisons and reserves (of ``units``) in towns where
    that count exceeds ``patience``."""
    leaving = np.zeros(len(ratio), dtype=np.bool_)
    for t in range(len(ratio)):
        days[t] = days[t] + 1 if ratio[t] > limit else 0
        leaving[t] = days[t] > patience
    out = np.empty(len(units), dtype=np.int64)
    k = 0
    for u in units:
        if (posture[u] == HOLD or posture[u] == RESERVE) and leaving[town[u]]:
            out[k] = u
            k += 1
    return out[:k]


@njit(cache=True)
def release(units: np.ndarray, posture: np.ndarray, mobile: np.ndarray, target: np.ndarray,
            town: np.ndarray, path_at: np.ndarray, path_end: np.ndarray,
            progress: np.ndarray, hostile: np.ndarray, contact: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, int]:
    """Of ``units`` (a faction's, by id): free the mobile ones whose attack order has lapsed
    (target no longer ``hostile``, or no path left short of it) into reserve, in place.
    Returns every mobile unit on attack or in reserve (``mine``), those of them in reserve,
    out of ``contact`` and without a path (``ready``), and how many are on attack."""
    mine = np.empty(len(units), dtype=np.int64)
    ready = np.empty(len(units), dtype=np.int64)
    m = r = busy = 0
    for u in units:
        if not mobile[u] or not (posture[u] == ATTACK or posture[u] == RESERVE):
            continue
        mine[m] = u
        m += 1
        if posture[u] == ATTACK:
            tgt = target[u]
            if tgt < 0 or not hostile[tgt] or (path_at[u] >= path_end[u] and town[u] != tgt):
                posture[u] = RESERVE
                path_at[u] = path_end[u]
                target[u] = -1
                progress[u] = 0.0
            else:
                busy += 1
        if posture[u] == RESERVE and not contact[town[u]] and path_at[u] >= path_end[u]:
            ready[r] = u
            r += 1
    return mine[:m], ready[:r], busy


@njit(cache=True)
def stand_down(units: np.ndarray, posture: np.ndarray, mobile: np.ndarray,
               path_at: np.ndarray, path_end: np.ndarray, town: np.ndarray,
               contact: np.ndarray, owner: np.ndarray, faction: int, threat: np.ndarray,
               defence: np.ndarray, power: np.ndarray, defence_mult: np.ndarray,
               below: float) -> np.ndarray:
    """Of ``units`` (a faction's, by id): the mobile ones holding a town of the faction
    (reserves sent there as reinforcements, or fallen back there) go back into reserve, in
    place, when the town is out of ``contact`` and its ratio without them (true ``threat``
    over the defence left) would stay under ``below`` (``stand_down`` x the hold limit; at
    half the limit, the level :func:`reinforcements` restores, none is sent straight back),
    with some defence left; by unit id. ``below`` <= 0: none. Returns those released."""
    out = np.empty(len(units), dtype=np.int64)
    if below <= 0.0:
        return out[:0]
    gone = np.zeros(len(owner))
    k = 0
    for u in units:
        if posture[u] != HOLD or not mobile[u] or path_at[u] < path_end[u]:
            continue
        t = town[u]
        if owner[t] != faction or contact[t]:
            continue
        rest = defence[t] - gone[t] - power[u] * defence_mult[t]
        if rest > 0.0 and threat[t] <= below * rest:
            posture[u] = RESERVE
            gone[t] += power[u] * defence_mult[t]
            out[k] = u
            k += 1
    return out[:k]


@njit(cache=True)
def reinforcements(threatened: np.ndarray, reserves: np.ndarray, row: np.ndarray,
                   dist: np.ndarray, pred: np.ndarray, town: np.ndarray,
                   threat: np.ndarray, defence: np.ndarray, power: np.ndarray,
                   defence_mult: np.ndarray, half_limit: float, ratio: np.ndarray,
                   cap: float, limit: float, reach: float) -> np.ndarray:
    """Greedy reinforcement: for each of ``threatened`` (in order), the reserves nearest to it
    (road cost ``dist[row[j]]`` from reserve j's town, then unit id) go, one by one, until
    the town's ratio (true ``threat`` over ``defence``) is back under ``half_limit``: until
    their effective strength times the town's defence multiplier covers
    ``threat / half_limit - defence``. A town whose estimated ``ratio`` is past ``cap`` (its
    garrison would pull back) is reinforced only by reserves within ``reach`` (road cost;
    ``reserve_reach_days`` of march), and only if those could bring it within the hold
    ``limit``; else it is left to its garrison (a lost cause only feeds the enemy).
    Returns per reserve its destination (-1: stays free)."""
    dest = np.full(len(reserves), -1, dtype=np.int64)
    cost = np.empty(len(reserves))
    for t in threatened:
        need = threat[t] / half_limit - defence[t]
        urgent = ratio[t] > cap
        if urgent and reach <= 0.0:
            continue
        within = 0.0
        for j in range(len(reserves)):
            cost[j] = dist[row[j], t] if dest[j] < 0 else np.inf
            if urgent and cost[j] > reach:
                cost[j] = np.inf
            if np.isfinite(cost[j]):
                within += power[reserves[j]] * defence_mult[t]
        if urgent and threat[t] > limit * (defence[t] + within):
            continue
        order = np.argsort(cost, kind="mergesort")        # by cost, then unit id
        for j in order:
            if need <= 0 or not np.isfinite(cost[j]):
                break
            u = reserves[j]
            if town[u] != t:                              # the route must exist
                v = t
                while v != town[u] and v >= 0:
                    v = pred[row[j], v]
                if v != town[u]:
                    continue
            dest[j] = t
            need -= power[u] * defence_mult[t]
    return dest


@njit(cache=True)
def threatened_towns(ratio: np.ndarray, limit: float, owner: np.ndarray, faction: int,
                     value: np.ndarray) -> np.ndarray:
    """The faction's towns whose estimated ``ratio`` is above half the hold ``limit``, most
    valuable first (stable: then by id)."""
    threatened = np.empty(len(ratio), dtype=np.int64)
    k = 0
    for t in range(len(ratio)):
        if ratio[t] > 0.5 * limit and owner[t] == faction:
            threatened[k] = t
            k += 1
    threatened = threatened[:k]
    return threatened[np.argsort(-value[threatened], kind="mergesort")]


@njit(cache=True)
def reinforce(units: np.ndarray, posture: np.ndarray, mobile: np.ndarray,
              path_at: np.ndarray, path_end: np.ndarray, town: np.ndarray, ratio: np.ndarray,
              limit: float, cap: float, reach: float, owner: np.ndarray, faction: int,
              value: np.ndarray,
              indptr: np.ndarray, indices: np.ndarray, cost: np.ndarray,
              friendly: np.ndarray, max_km: float, threat: np.ndarray, defence: np.ndarray,
              power: np.ndarray, defence_mult: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A faction's reinforcement plan in one call: its free mobile reserves (of ``units``:
    in reserve, mobile, without a path), its towns whose estimated ``ratio`` is above half
    the hold ``limit``, most valuable first (stable), route searches from the reserves'
    towns through ``friendly`` towns (within ``max_km``), :func:`reinforcements` (towards
    half the limit; towns past ``cap`` only from within ``reach``, if that can hold them),
    and the routes of the reserves that go. Returns those reserves and their routes (as
    ``walks``)."""
    reserves = np.empty(len(units), dtype=np.int64)
    r = 0
    for u in units:
        if posture[u] == RESERVE and mobile[u] and not path_at[u] < path_end[u]:
            reserves[r] = u
            r += 1
    reserves = reserves[:r]
    none = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
            np.zeros(1, dtype=np.int64))
    if r == 0:
        return none
    threatened = threatened_towns(ratio, limit, owner, faction, value)
    if len(threatened) == 0:
        return none
    here = town[reserves]
    _, row, dist, pred = _from_units(indptr, indices, cost, friendly, here, max_km)
    dest = reinforcements(threatened, reserves, row, dist, pred, town, threat, defence,
                          power, defence_mult, 0.5 * limit, ratio, cap, limit, reach)
    go = np.flatnonzero(dest >= 0)
    flat, offsets = walks(pred, row[go], here[go], dest[go],
                          np.full(len(go), -1, dtype=np.int64))
    return reserves[go], flat, offsets


@njit(cache=True)
def rebalance(units: np.ndarray, posture: np.ndarray, mobile: np.ndarray,
              path_at: np.ndarray, path_end: np.ndarray, route: np.ndarray, town: np.ndarray,
              ratio: np.ndarray, limit: float, below: float, cap: float, reach: float,
              owner: np.ndarray, faction: int, value: np.ndarray, core_ok: np.ndarray,
              indptr: np.ndarray, indices: np.ndarray, cost: np.ndarray,
              friendly: np.ndarray, max_km: float, threat: np.ndarray, defence: np.ndarray,
              power: np.ndarray, defence_mult: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                         np.ndarray]:
    """Committed reserves shifted from quiet towns, in one call. Of ``units`` (a faction's,
    by id), the mobile ones holding a town of the faction (sent there as reinforcements) can
    go, by unit id, while the town's estimated ratio without them stays under ``below``
    (``rebalance`` x the hold ``limit``; under half the limit, so the town is not reinforced
    again at once) with some defence left, in contact or not (units of the faction leaving
    the town today count as gone). They go, nearest first (route searches through
    ``friendly`` towns), to the towns :func:`reinforce` could not cover (:func:`reinforcements`
    within ``max_km``, with the same rules, on the defence plus every reinforcement already
    on its way), most valuable first; the rest go back into reserve at the faction's core,
    its most valuable town of ``core_ok`` (held, on the map, supplied, out of contact),
    or, where they are there already or cannot reach it, where they stand. ``below`` <= 0:
    none. Returns the units sent to hold a town and their routes, and the units sent back
    into reserve and their routes (empty where they stay), as ``walks``."""
    nil, zero = np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
    if below <= 0.0:
        return nil, nil, zero, nil, nil, zero
    n = len(owner)
    gone = np.zeros(n)
    for u in units:
        if path_at[u] < path_end[u]:
            gone[town[u]] += power[u] * defence_mult[town[u]]
    donors = np.empty(len(units), dtype=np.int64)
    r = 0
    for u in units:
        if posture[u] != HOLD or not mobile[u] or path_at[u] < path_end[u]:
            continue
        t = town[u]
        if owner[t] != faction:
            continue
        rest = defence[t] - gone[t] - power[u] * defence_mult[t]
        if rest > 0.0 and ratio[t] * defence[t] <= below * rest:
            gone[t] += power[u] * defence_mult[t]
            donors[r] = u
            r += 1
    if r == 0:
        return nil, nil, zero, nil, nil, zero
    donors = donors[:r]
    cover = defence.copy()                  # what holds each town, and what is on its way
    for u in units:
        if posture[u] == HOLD and path_at[u] < path_end[u]:
            t = route[path_end[u] - 1]
            cover[t] += power[u] * defence_mult[t]
    here = town[donors]
    _, row, dist, pred = _from_units(indptr, indices, cost, friendly, here, np.inf)
    near = np.where(dist <= max_km, dist, np.inf)
    dest = reinforcements(threatened_towns(ratio, limit, owner, faction, value), donors, row,
                          near, pred, town, threat, cover, power, defence_mult, 0.5 * limit,
                          ratio, cap, limit, reach)
    core, best = -1, -np.inf
    for t in range(n):
        if core_ok[t] and owner[t] == faction and value[t] > best:
            core, best = t, value[t]
    go, back = np.flatnonzero(dest >= 0), np.flatnonzero(dest < 0)
    flat, offsets = walks(pred, row[go], here[go], dest[go],
                          np.full(len(go), -1, dtype=np.int64))
    home = np.full(len(back), core if core >= 0 else 0, dtype=np.int64)
    if core < 0:
        home[:] = here[back]               # no core: back into reserve where they stand
    bflat, boffsets = walks(pred, row[back], here[back], home,
                            np.full(len(back), -1, dtype=np.int64))
    return donors[go], flat, offsets, donors[back], bflat, boffsets


@njit(cache=True)
def safe_towns(friendly: np.ndarray, supplied: np.ndarray, contact: np.ndarray,
               ratio: np.ndarray, limit: float, onmap: np.ndarray,
               need_supply: bool = True) -> np.ndarray:
    """Where a unit can fall back to: friendly, supplied towns out of contact whose
    estimated odds are within ``limit``, and every friendly off-map place (the rear).
    ``need_supply=False``: inside a pocket, any such friendly town, supplied or not."""
    out = np.empty(len(friendly), dtype=np.int64)
    k = 0
    for t in range(len(friendly)):
        if friendly[t] and (((supplied[t] or not need_supply) and not contact[t]
                             and ratio[t] <= limit) or not onmap[t]):
            out[k] = t
            k += 1
    return out[:k]


@njit(cache=True)
def safe_routes(friendly: np.ndarray, supplied: np.ndarray, contact: np.ndarray,
                ratio: np.ndarray, limit: float, onmap: np.ndarray, need_supply: bool,
                indptr: np.ndarray, indices: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """:func:`safe_towns` and the route search towards the nearest of them through
    ``friendly`` towns, in one call: the next hop from every town (-1: none)."""
    safe = safe_towns(friendly, supplied, contact, ratio, limit, onmap, need_supply)
    _, nxt = _nearest(indptr, indices, cost, friendly, safe, np.inf)
    return nxt


@njit(cache=True)
def salient(friendly: np.ndarray, supplied: np.ndarray, contact: np.ndarray,
            ratio: np.ndarray, limit: float, listed: np.ndarray, onmap: np.ndarray,
            value: np.ndarray, indptr: np.ndarray, indices: np.ndarray, cost: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """A faction's salients and where their units fall back to. The necks are its towns
    whose estimated odds exceed ``limit`` with the enemy in them or in enemy ground next to
    them (enemy units next door in a town the faction holds are tied down by its garrison
    there). The towns it holds and supplies now that its supply (``listed`` sources,
    sim.core.kernels.supply) would no longer reach if the necks fell form salients, one per
    group of such towns joined by roads; the fall-back towns are the ones it would still
    reach, necks excepted. A salient is given up only if its ``value`` is less than that of
    the fall-back towns (off-map ones included): an army gives up a bulge to save its
    troops, not its heartland to save a road. Returns (salient towns to give up, fall-back
    towns) as bool arrays (both all False when there is nothing to give up)."""
    n = len(friendly)
    neck = np.zeros(n, dtype=np.bool_)
    for t in range(n):
        if not friendly[t] or not ratio[t] > limit:
            continue
        near = contact[t]
        for e in range(indptr[t], indptr[t + 1]):
            v = indices[e]
            near = near or (contact[v] and not friendly[v])
        neck[t] = near
    if not neck.any():
        return neck, neck.copy()
    after, _ = supply(listed, friendly & ~neck, onmap, indptr, indices, cost)
    risk = friendly & supplied & ~after & ~neck & onmap
    back = friendly & after & ~neck
    kept = 0.0
    for t in range(n):
        if back[t]:
            kept += value[t]
    out = np.zeros(n, dtype=np.bool_)
    seen = np.zeros(n, dtype=np.bool_)
    stack = np.empty(n, dtype=np.int64)
    group = np.empty(n, dtype=np.int64)
    for t0 in range(n):
        if not risk[t0] or seen[t0]:
            continue
        top, k, total = 1, 0, 0.0
        stack[0] = t0
        seen[t0] = True
        while top > 0:
            top -= 1
            t = stack[top]
            group[k] = t
            k += 1
            total += value[t]
            for e in range(indptr[t], indptr[t + 1]):
                v = indices[e]
                if risk[v] and not seen[v]:
                    seen[v] = True
                    stack[top] = v
                    top += 1
        if total < kept:
            for j in range(k):
                out[group[j]] = True
    return out, back
