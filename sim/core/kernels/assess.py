"""What factions read off the map, in one compiled pass: effective strength per unit, per
faction and town, contact, threat and defence (sim.core.situation calls ``assess``).

Assumptions (README, "The model", steps 3 and 5): a unit's effective strength is strength x
quality x morale x cohesion x (1 - fatigue) x (1 + air_effect x air + drone_effect x drones);
a unit on the attack (attack orders, or inside a town held by a faction not allied to it) has
it scaled by
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

from .postures import ATTACK, RESERVE


@njit(cache=True, error_model="numpy")
def power(faction: np.ndarray, town: np.ndarray, strength: np.ndarray, quality: np.ndarray,
          condition: np.ndarray, fatigue: np.ndarray, posture: np.ndarray, morale: np.ndarray,
          air: np.ndarray, drones: np.ndarray, air_effect: float, drone_effect: float,
          owner: np.ndarray, relation: np.ndarray, depth: np.ndarray,
          supply_range_km: float, out: np.ndarray) -> None:
    """Per unit (every row): effective strength, culmination included (module docstring),
    written into ``out``."""
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
           bearing: np.ndarray, defence_mult: np.ndarray, friendly: np.ndarray,
           hostile_town: np.ndarray, near_friendly: np.ndarray, contact: np.ndarray,
           E: np.ndarray, threat: np.ndarray, defence: np.ndarray, side: np.ndarray,
           units: np.ndarray, start: np.ndarray) -> None:
    """The situation of every faction (F, n), written into the arrays given: ``friendly``
    and ``hostile_town``, ``near_friendly`` (next to a friendly town), effective strength
    ``E``, ``contact``, ``threat``, ``defence`` and ``side`` (its side's strength, ``ally @
    E``); and the live units grouped by faction (``units[start[i]:start[i + 1]]``, by id).
    ``bearing``: per CSR entry, 1 / the road's approach factor."""
    F, n = relation.shape[0], len(owner)
    friendly[:] = False
    hostile_town[:] = False
    for t in range(n):
        o = owner[t]
        if o >= 0:
            for i in range(F):
                friendly[i, t] = relation[i, o] == 1
                hostile_town[i, t] = relation[i, o] == -1
    near_friendly[:] = False
    for t in range(n):
        for e in range(indptr[t], indptr[t + 1]):
            for i in range(F):
                if friendly[i, indices[e]]:
                    near_friendly[i, t] = True
    E[:] = 0.0
    E_mob = np.zeros((F, n))
    start[:] = 0
    for u in range(len(strength)):
        if strength[u] > 0:
            g, t = faction[u], town[u]
            E[g, t] += power[u]
            if mobile[u] and (posture[u] == ATTACK or posture[u] == RESERVE):
                E_mob[g, t] += power[u]
            start[g + 1] += 1
    for i in range(F):
        start[i + 1] += start[i]
    fill = start[:F].copy()
    for u in range(len(strength)):
        if strength[u] > 0:
            units[fill[faction[u]]] = u
            fill[faction[u]] += 1
    hostile_here = _matmul(enemy, E)
    hostile_mob = _matmul(enemy, E_mob)
    for i in range(F):
        for t in range(n):
            contact[i, t] = hostile_here[i, t] > 0
            acc = 0.0
            for e in range(indptr[t], indptr[t + 1]):
                acc += bearing[e] * hostile_mob[i, indices[e]]
            threat[i, t] = hostile_here[i, t] + acc
    side[:] = _matmul(ally, E)
    for i in range(F):
        for t in range(n):
            defence[i, t] = side[i, t] * defence_mult[t]


@njit(cache=True)
def assess_all(faction: np.ndarray, town: np.ndarray, strength: np.ndarray,
               quality: np.ndarray, condition: np.ndarray, fatigue: np.ndarray,
               posture: np.ndarray, mobile: np.ndarray, morale: np.ndarray, air: np.ndarray,
               drones: np.ndarray, air_effect: float, drone_effect: float, owner: np.ndarray,
               relation: np.ndarray, ally: np.ndarray, enemy: np.ndarray, depth: np.ndarray,
               supply_range_km: float, indptr: np.ndarray, indices: np.ndarray,
               bearing: np.ndarray, defence_mult: np.ndarray, power_out: np.ndarray,
               friendly: np.ndarray, hostile_town: np.ndarray, near_friendly: np.ndarray,
               contact: np.ndarray, E: np.ndarray, threat: np.ndarray, defence: np.ndarray,
               side: np.ndarray, units: np.ndarray, start: np.ndarray) -> None:
    """:func:`power` into ``power_out``, then :func:`assess` with it: one call."""
    power(faction, town, strength, quality, condition, fatigue, posture, morale, air, drones,
          air_effect, drone_effect, owner, relation, depth, supply_range_km, power_out)
    assess(owner, relation, ally, enemy, faction, town, strength, mobile, posture, power_out,
           indptr, indices, bearing, defence_mult, friendly, hostile_town, near_friendly,
           contact, E, threat, defence, side, units, start)


@njit(cache=True, error_model="numpy")
def threat_ratio(threat: np.ndarray, defence: np.ndarray, E: np.ndarray, intel: np.ndarray,
                 r: np.ndarray) -> None:
    """(F, n): each faction's estimate of the threat to each town (true threat times its
    intelligence error ``intel``) over its defence there; where it has no units, 0 if
    nothing threatens the town and inf if something does. Written into ``r``."""
    F, n = threat.shape
    for i in range(F):
        for t in range(n):
            if E[i, t] > 0:
                r[i, t] = threat[i, t] * intel[i, t] / defence[i, t]
            elif threat[i, t] > 0:
                r[i, t] = np.inf
            else:
                r[i, t] = 0.0


@njit(cache=True)
def defended(E: np.ndarray, ratio: np.ndarray, limit: np.ndarray, enemy: np.ndarray
             ) -> np.ndarray:
    """(F, n) bool: towns where units of a faction hostile to the row's faction stand: they
    have strength there (``E`` > 0) and their estimated odds ``ratio`` are within their
    faction's hold ``limit``. (``enemy`` is the 0/1 hostility matrix; the numpy version's
    product ``enemy @ stands > 0`` is true exactly when one such faction stands.)"""
    F, n = E.shape
    out = np.zeros((F, n), dtype=np.bool_)
    for g in range(F):
        for t in range(n):
            if E[g, t] > 0 and ratio[g, t] <= limit[g]:
                for i in range(F):
                    if enemy[i, g] != 0.0:
                        out[i, t] = True
    return out
