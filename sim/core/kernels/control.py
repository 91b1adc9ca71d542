"""The control rule and the garrisons left in taken towns, compiled with numba (sim.core.control
and sim.core.orders.occupy call these).

Assumptions (README, "The model", step 6): a town changes hands when units of a faction
hostile to its holder are in it and none of the holder's side remain; an unheld town passes
to whoever has units in it; the new holder is the faction with the most strength there among
those hostile to the old holder (the lower index on a tie). Off-map places never change
hands. Holding ground costs forces: when only mobile units of the new holder are in a taken
town, the strongest of them (the lower id on a tie) leaves ``occupation_share`` of its
strength behind as a garrison (at least ``min_strength``, and only if it has twice that plus
``min_strength``).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def changes(owner: np.ndarray, relation: np.ndarray, faction: np.ndarray, town: np.ndarray,
            strength: np.ndarray, onmap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Towns that change hands today (in town order) and their new holders."""
    F, n = relation.shape[0], len(owner)
    S = np.zeros((F, n))
    for u in range(len(strength)):
        if strength[u] > 0:
            S[faction[u], town[u]] += strength[u]
    towns = np.empty(n, dtype=np.int64)
    new = np.empty(n, dtype=np.int64)
    m = 0
    for t in range(n):
        if not onmap[t]:
            continue
        o = owner[t]
        own_side = False
        present = False
        for g in range(F):
            if S[g, t] > 0:
                if o < 0 or relation[o, g] == -1:
                    present = True
                elif relation[o, g] == 1:
                    own_side = True
        if own_side or not present:
            continue
        best, best_s = 0, -1.0
        for g in range(F):
            c = S[g, t] if (o < 0 or relation[o, g] == -1) else 0.0
            if c > best_s:
                best, best_s = g, c
        towns[m], new[m] = t, best
        m += 1
    return towns[:m], new[:m]


@njit(cache=True)
def garrisons(towns: np.ndarray, holders: np.ndarray, n: int, faction: np.ndarray,
              town: np.ndarray, strength: np.ndarray, mobile: np.ndarray,
              occupation_share: float, min_strength: float) -> tuple[np.ndarray, np.ndarray]:
    """Per taken town (of ``n``): the unit that leaves a garrison (-1: none) and the
    garrison's strength."""
    k = len(towns)
    slot = np.full(n, -1, dtype=np.int64)
    for j in range(k):
        slot[towns[j]] = j
    best = np.full(k, -1, dtype=np.int64)
    all_mobile = np.ones(k, dtype=np.bool_)
    for u in range(len(strength)):
        if strength[u] <= 0:
            continue
        j = slot[town[u]]
        if j < 0 or faction[u] != holders[j]:
            continue
        if not mobile[u]:
            all_mobile[j] = False
        if best[j] < 0 or strength[u] > strength[best[j]]:
            best[j] = u
    share = np.zeros(k)
    for j in range(k):
        u = best[j]
        if u < 0 or not all_mobile[j]:
            best[j] = -1
            continue
        s = occupation_share * strength[u]
        if min_strength > s:
            s = min_strength
        if occupation_share <= 0 or strength[u] < 2 * s + min_strength:
            best[j] = -1
            continue
        share[j] = s
    return best, share
