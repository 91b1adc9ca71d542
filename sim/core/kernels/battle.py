"""The bookkeeping of a day's battles, compiled with numba: who fights where on which side,
and what the attrition kernel's outcome does to each unit (sim.core.battles calls these
around ``combat.attrition``, which stays in numpy).

Assumptions (README, "The model", step 5): a battle is fought in every town where units of
mutually hostile factions meet. The holder and its allies defend, with the town's defence
multiplier (``defence_bonus`` x fortification); when the holder's side is absent, the
strongest faction present counts as holder, without the multiplier. Factions hostile to it
attack; neutrals present neither fight nor are fought, but are engaged. A side's kill rate
is its strength-weighted effective strength per fighter; an attacker that came along a road
crossing a river or climbing into mountains fights at 1 / the road's approach factor. Each
side's losses are shared in proportion to strength; units that fought tire, the others rest;
a unit below ``min_strength`` is spent. Afterwards a unit that has lost more than
``breakpoint`` of the strength it brought breaks off (Helmbold's breakpoint; Dupuy 1987 puts
it at 10-40%), and a defending side whose odds now exceed its lead faction's hold limit
withdraws, once the battle has lasted more than ``stand_days`` days (``urban_stand_days`` in
towns and cities).

Sums run in the order numpy used (``psum`` is numpy's pairwise sum), so results are
bit-identical to the numpy version. ``prepare`` calls ``assess.power`` of another module:
numba's cache does not notice a change there by itself (sim.core.kernels drops this module's
cache when a module it imports changes).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .assess import power


@njit(cache=True)
def _block(a: np.ndarray, lo: int, n: int) -> float:
    """numpy's pairwise sum of up to 128 elements (8 accumulators)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    m = n - n % 8
    while i < m:
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def psum(a: np.ndarray, lo: int, n: int) -> float:
    """Sum of ``a[lo:lo + n]`` exactly as numpy's ``sum`` adds a contiguous float64 array:
    blocks of up to 128 with 8 accumulators, larger arrays split in halves (a multiple of 8
    on the left) and the halves' sums added. Without recursion (numba cannot cache a
    recursive function): the split tree is walked with explicit stacks."""
    if n <= 128:
        return _block(a, lo, n)
    f_lo = np.empty(192, dtype=np.int64)
    f_n = np.empty(192, dtype=np.int64)
    f_join = np.empty(192, dtype=np.bool_)
    vals = np.empty(192)
    top, nv = 1, 0
    f_lo[0], f_n[0], f_join[0] = lo, n, False
    while top > 0:
        top -= 1
        lo_, n_, join = f_lo[top], f_n[top], f_join[top]
        if join:                                   # both halves done: add them
            nv -= 1
            vals[nv - 1] = vals[nv - 1] + vals[nv]
        elif n_ <= 128:
            vals[nv] = _block(a, lo_, n_)
            nv += 1
        else:
            n2 = n_ // 2
            n2 -= n2 % 8
            f_lo[top], f_n[top], f_join[top] = lo_, n_, True
            f_lo[top + 1], f_n[top + 1], f_join[top + 1] = lo_ + n2, n_ - n2, False
            f_lo[top + 2], f_n[top + 2], f_join[top + 2] = lo_, n2, False
            top += 3
    return vals[0]


@njit(cache=True)
def gathered_sum(values: np.ndarray, ids: np.ndarray, lo: int, hi: int,
                 buf: np.ndarray) -> float:
    """``psum`` of ``values[ids[lo:hi]]``, gathered into ``buf`` (same order of sums)."""
    for j in range(lo, hi):
        buf[j - lo] = values[ids[j]]
    return psum(buf, 0, hi - lo)


@njit(cache=True, error_model="numpy")
def approach_power(power: np.ndarray, faction: np.ndarray, town: np.ndarray,
                   origin: np.ndarray, strength: np.ndarray, owner: np.ndarray,
                   relation: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
                   entry_road: np.ndarray, approach: np.ndarray) -> np.ndarray:
    """Effective strength in battle: ``power`` over the approach factor of the road a live
    unit came along into a town held by a faction hostile to it (1 otherwise)."""
    out = np.empty(len(power))
    for u in range(len(power)):
        a = 1.0
        t = town[u]
        if strength[u] > 0 and origin[u] != t and owner[t] >= 0 \
                and relation[faction[u], owner[t]] == -1:
            for e in range(indptr[t], indptr[t + 1]):
                if indices[e] == origin[u]:
                    a = approach[entry_road[e]]
        out[u] = power[u] / a
    return out


@njit(cache=True, error_model="numpy")
def sides(contact: np.ndarray, faction: np.ndarray, town: np.ndarray, strength: np.ndarray,
          engaged: np.ndarray, power: np.ndarray, owner: np.ndarray, relation: np.ndarray,
          defence_mult: np.ndarray, fought: np.ndarray):
    """The day's battles, in town order: ``towns``; per battle the attackers' and defenders'
    strength (``A0``, ``D0``) and effective strength per fighter (``am``, ``dm``, the
    defenders' with the multiplier); the attackers ``att[a_start[k]:a_start[k + 1]]`` and
    defenders ``dfn[...]`` of battle k (by id); ``in_battle`` per unit. Sets ``engaged`` (the
    strength a unit brought into its engagement; NaN outside one) and ``fought``."""
    n, size = len(owner), len(strength)
    battle = np.zeros(n, dtype=np.bool_)
    for u in range(size):
        if strength[u] > 0 and contact[faction[u], town[u]]:
            battle[town[u]] = True
    towns = np.flatnonzero(battle)
    nb = len(towns)
    k_of = np.full(n, -1, dtype=np.int64)
    for k in range(nb):
        k_of[towns[k]] = k
    in_battle = np.zeros(size, dtype=np.bool_)
    count = np.zeros(nb + 1, dtype=np.int64)
    for u in range(size):
        if strength[u] > 0 and battle[town[u]]:
            in_battle[u] = True
            count[k_of[town[u]] + 1] += 1
            if np.isnan(engaged[u]):
                engaged[u] = strength[u]
        else:
            engaged[u] = np.nan
    start = np.cumsum(count)
    here = np.empty(start[nb], dtype=np.int64)      # units of each battle, by id
    fill = start[:nb].copy()
    for u in range(size):
        if in_battle[u]:
            k = k_of[town[u]]
            here[fill[k]] = u
            fill[k] += 1
    A0, D0 = np.empty(nb), np.empty(nb)
    am, dm = np.empty(nb), np.empty(nb)
    att = np.empty(len(here), dtype=np.int64)
    dfn = np.empty(len(here), dtype=np.int64)
    a_start = np.zeros(nb + 1, dtype=np.int64)
    d_start = np.zeros(nb + 1, dtype=np.int64)
    buf = np.empty(len(here))
    na = nd = 0
    for k in range(nb):
        t = towns[k]
        lo, hi = start[k], start[k + 1]
        o = owner[t]
        lead = -1
        if o >= 0:
            for j in range(lo, hi):
                if relation[o, faction[here[j]]] == 1:
                    lead = o
                    break
        if lead < 0:        # the holder's side is absent: the strongest present is holder
            best = lo
            for j in range(lo + 1, hi):
                if strength[here[j]] > strength[here[best]]:
                    best = j
            lead = faction[here[best]]
        a0, d0 = na, nd
        for j in range(lo, hi):
            u = here[j]
            r = relation[lead, faction[u]]
            if r == 1:
                dfn[nd] = u
                nd += 1
            elif r == -1:
                att[na] = u
                na += 1
        a_start[k + 1], d_start[k + 1] = na, nd
        mult = defence_mult[t] if lead == o else 1.0
        sa = gathered_sum(strength, att, a0, na, buf)
        pa = gathered_sum(power, att, a0, na, buf)
        sd = gathered_sum(strength, dfn, d0, nd, buf)
        pd = gathered_sum(power, dfn, d0, nd, buf)
        A0[k], D0[k] = sa, sd
        am[k] = pa / (sa if sa >= 1e-9 else 1e-9)
        dm[k] = pd * mult / (sd if sd >= 1e-9 else 1e-9)
        fought[t] = True
    return towns, A0, D0, am, dm, att[:na], a_start, dfn[:nd], d_start, in_battle


@njit(cache=True, error_model="numpy")
def prepare(contact: np.ndarray, faction: np.ndarray, town: np.ndarray, origin: np.ndarray,
            strength: np.ndarray, quality: np.ndarray, condition: np.ndarray,
            fatigue: np.ndarray, posture: np.ndarray, engaged: np.ndarray,
            morale: np.ndarray, air: np.ndarray, drones: np.ndarray, air_effect: float,
            drone_effect: float, owner: np.ndarray, relation: np.ndarray, depth: np.ndarray,
            supply_range_km: float, indptr: np.ndarray, indices: np.ndarray,
            entry_road: np.ndarray, approach: np.ndarray, defence_mult: np.ndarray,
            fought: np.ndarray):
    """The day's battles in one call: effective strength (sim.core.kernels.assess.power),
    over the approach (:func:`approach_power`), then :func:`sides`; returns what
    :func:`sides` returns."""
    p = np.empty(len(strength))
    power(faction, town, strength, quality, condition, fatigue, posture, morale, air, drones,
          air_effect, drone_effect, owner, relation, depth, supply_range_km, p)
    p = approach_power(p, faction, town, origin, strength, owner, relation, indptr, indices,
                       entry_road, approach)
    return sides(contact, faction, town, strength, engaged, p, owner, relation, defence_mult,
                 fought)


@njit(cache=True, error_model="numpy")
def settle(A0: np.ndarray, D0: np.ndarray, A: np.ndarray, D: np.ndarray, am: np.ndarray,
           dm: np.ndarray, att: np.ndarray, a_start: np.ndarray, dfn: np.ndarray,
           d_start: np.ndarray, in_battle: np.ndarray, faction: np.ndarray,
           strength: np.ndarray, fatigue: np.ndarray, engaged: np.ndarray,
           losses: np.ndarray, hold_limit: np.ndarray, may_go: np.ndarray,
           fatigue_per_day: float, fatigue_recovery: float, min_strength: float,
           breakpoint: float) -> np.ndarray:
    """Apply the battles' outcomes (``A``, ``D`` survivors of ``A0``, ``D0``) to the units, in
    place: losses shared in proportion to strength, fatigue, spent units. Returns the units
    that must leave (broken, or, in battles where ``may_go``, defenders outmatched past
    ``hold_limit`` of their lead faction), in battle order, defenders first."""
    for k in range(len(A0)):
        for side in range(2):
            if side == 0:
                ids, lo, hi, before, after = att, a_start[k], a_start[k + 1], A0[k], A[k]
            else:
                ids, lo, hi, before, after = dfn, d_start[k], d_start[k + 1], D0[k], D[k]
            if before <= 0:
                continue
            keep = after / before
            for j in range(lo, hi):
                u = ids[j]
                losses[faction[u]] += strength[u] * (1.0 - keep)
                strength[u] *= keep
    for u in range(len(strength)):
        if strength[u] > 0:
            if in_battle[u]:
                fatigue[u] = min(fatigue[u] + fatigue_per_day, 0.9)
            else:
                fatigue[u] = max(fatigue[u] - fatigue_recovery, 0.0)
    for u in range(len(strength)):
        if in_battle[u] and strength[u] < min_strength:
            losses[faction[u]] += strength[u]
            strength[u] = 0.0
    leave = np.empty(len(att) + len(dfn), dtype=np.int64)
    m = 0
    for k in range(len(A0)):
        lead = -1
        for j in range(d_start[k], d_start[k + 1]):
            if strength[dfn[j]] > 0:
                lead = faction[dfn[j]]
                break
        if lead >= 0:
            den = D[k] * dm[k]
            odds = (A[k] * am[k]) / (den if den >= 1e-9 else 1e-9)
            outmatched = may_go[k] and odds > hold_limit[lead]
            for j in range(d_start[k], d_start[k + 1]):
                u = dfn[j]
                if strength[u] > 0 and (outmatched
                                        or strength[u] < (1.0 - breakpoint) * engaged[u]):
                    leave[m] = u
                    m += 1
        for j in range(a_start[k], a_start[k + 1]):
            u = att[j]
            if strength[u] > 0 and strength[u] < (1.0 - breakpoint) * engaged[u]:
                leave[m] = u
                m += 1
    return leave[:m]


@njit(cache=True)
def rest(strength: np.ndarray, fatigue: np.ndarray, engaged: np.ndarray,
         fatigue_recovery: float) -> None:
    """A day without battles: every live unit rests; nobody is engaged."""
    for u in range(len(strength)):
        engaged[u] = np.nan
        if strength[u] > 0:
            fatigue[u] = max(fatigue[u] - fatigue_recovery, 0.0)
