"""Air interdiction, compiled with numba (sim.core.air calls it).

Assumption (Pape 1996, *Bombing to Win*, ch. 2; the Russian air campaign of 2015-20 in
Idlib): a faction's air power strikes units of factions hostile to it that are inside its
towns, or that have attack orders and stand within one road of its towns; each loses
``rate x air`` of its strength a day, summed over the hostile factions flying over it (at most
all of it). Garrisons on quiet fronts are left alone.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .postures import ATTACK


@njit(cache=True)
def interdict(owner: np.ndarray, relation: np.ndarray, air: np.ndarray, rate: float,
              indptr: np.ndarray, indices: np.ndarray, faction: np.ndarray,
              town: np.ndarray, posture: np.ndarray, strength: np.ndarray,
              losses: np.ndarray) -> None:
    """Strike every exposed hostile unit (module docstring), in place; losses counted."""
    F, n = len(air), len(owner)
    umbrella = np.zeros((F, n), dtype=np.bool_)      # its towns and one road on
    for t in range(n):
        if owner[t] >= 0:
            umbrella[owner[t], t] = True
            for e in range(indptr[t], indptr[t + 1]):
                umbrella[owner[t], indices[e]] = True
    hit = np.zeros(len(strength))
    for g in range(F):
        if not air[g] > 0:
            continue
        k = rate * air[g]
        for u in range(len(strength)):
            t = town[u]
            if strength[u] > 0 and relation[g, faction[u]] == -1 and (
                    owner[t] == g or (posture[u] == ATTACK and umbrella[g, t])):
                hit[u] += k
    for u in range(len(strength)):
        lost = strength[u] * min(hit[u], 1.0)
        losses[faction[u]] += lost
        strength[u] -= lost
