"""What factions read off the map, in one compiled pass: effective strength per unit, per
faction and town, contact, threat and defence (sim.core.situation calls ``assess``).

Assumptions (DESIGN.md, "Strength" and "Planning"): a unit's effective strength is strength x
quality x morale x cohesion x (1 - fatigue) x (1 + air_effect x air + drone_effect x drones);
a unit on the attack (attack orders, or inside a town its side does not hold) has it scaled by
1 / (1 + supply depth / supply_range_km), Boulding's (1962) loss-of-strength gradient. The
threat to a town is the hostile strength in it plus the mobile hostile strength (attacking or
in reserve) next to it, each neighbour's weighted by 1 / the approach factor of the road
(river, mountain); a town's defence is its side's strength times the holder's defence
multiplier.

Why compiled: a day asks for this picture four times, on arrays of a few hundred elements,
where numpy's per-call cost dominated. Sums run in the order numpy used (bincount in unit
order, matrix products over factions in index order, sparse products in road order), so
results are bit-identical to the numpy version.
"""

from __future__ import annotations

import numpy as np
from numba import njit

ATTACK, HOLD, RESERVE, WITHDRAW = 0, 1, 2, 3       # as sim.core.forces.POSTURES


@njit(cache=True, error_model="numpy")
def power(faction: np.ndarray, town: np.ndarray, strength: np.ndarray, quality: np.ndarray,
          condition: np.ndarray, fatigue: np.ndarray, posture: np.ndarray, morale: np.ndarray,
          air: np.ndarray, drones: np.ndarray, air_effect: float, drone_effect: float,
          owner: np.ndarray, relation: np.ndarray, depth: np.ndarray,
          supply_range_km: float) -> np.ndarray:
    """Per unit (every row): effective strength, culmination included (module docstring)."""
    out = np.empty(len(strength))
    for u in range(len(strength)):
        g = faction[u]
        t = town[u]
        support = 1.0 + air_effect * air[g] + drone_effect * drones[g]
        p = strength[u] * quality[u] * morale[g] * condition[u] * (1.0 - fatigue[u]) * support
        held = owner[t]
        outside = held >= 0 and relation[g, held] != 1
        if posture[u] == ATTACK or outside:
            p = p * (1.0 / (1.0 + depth[g, t] / supply_range_km))
        out[u] = p
    return out


@njit(cache=True)
def _matmul(m: np.ndarray, x: np.ndarray) -> np.ndarray:
    """(F, F) @ (F, n), adding over the inner index in order (as the BLAS product did)."""
    F, n = m.shape[0], x.shape[1]
    out = np.zeros((F, n))
    for i in range(F):
        for t in range(n):
            acc = 0.0
            for k in range(F):
                acc += m[i, k] * x[k, t]
            out[i, t] = acc
    return out


@njit(cache=True)
def assess(owner: np.ndarray, relation: np.ndarray, ally: np.ndarray, enemy: np.ndarray,
           faction: np.ndarray, town: np.ndarray, strength: np.ndarray, mobile: np.ndarray,
           posture: np.ndarray, power: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
           bearing: np.ndarray, defence_mult: np.ndarray):
    """The situation of every faction (F, n): friendly and hostile towns, effective strength
    ``E``, contact, threat, defence and its side's strength (``ally @ E``); and the live units
    grouped by faction (``units[start[i]:start[i + 1]]``, by id). ``bearing``: per CSR entry,
    1 / the road's approach factor."""
    F, n = relation.shape[0], len(owner)
    friendly = np.zeros((F, n), dtype=np.bool_)
    hostile_town = np.zeros((F, n), dtype=np.bool_)
    for t in range(n):
        o = owner[t]
        if o >= 0:
            for i in range(F):
                friendly[i, t] = relation[i, o] == 1
                hostile_town[i, t] = relation[i, o] == -1
    E = np.zeros((F, n))
    E_mob = np.zeros((F, n))
    count = np.zeros(F + 1, dtype=np.int64)
    for u in range(len(strength)):
        if strength[u] > 0:
            g, t = faction[u], town[u]
            E[g, t] += power[u]
            if mobile[u] and (posture[u] == ATTACK or posture[u] == RESERVE):
                E_mob[g, t] += power[u]
            count[g + 1] += 1
    start = np.cumsum(count)
    units = np.empty(start[F], dtype=np.int64)
    fill = start[:F].copy()
    for u in range(len(strength)):
        if strength[u] > 0:
            units[fill[faction[u]]] = u
            fill[faction[u]] += 1
    hostile_here = _matmul(enemy, E)
    hostile_mob = _matmul(enemy, E_mob)
    contact = hostile_here > 0
    threat = np.empty((F, n))
    for i in range(F):
        for t in range(n):
            acc = 0.0
            for e in range(indptr[t], indptr[t + 1]):
                acc += bearing[e] * hostile_mob[i, indices[e]]
            threat[i, t] = hostile_here[i, t] + acc
    side = _matmul(ally, E)
    defence = np.empty((F, n))
    for i in range(F):
        for t in range(n):
            defence[i, t] = side[i, t] * defence_mult[t]
    return friendly, hostile_town, E, contact, threat, defence, side, units, start
