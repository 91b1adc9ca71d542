"""The per-faction daily series of a run, tallied in one compiled pass (sim.core.results).

Territory is counted over on-map places only (off-map places stand for the rear beyond the
map, not ground held on it); strength and unit counts over live units.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def tally(owner: np.ndarray, onmap: np.ndarray, population: np.ndarray, value: np.ndarray,
          faction: np.ndarray, strength: np.ndarray, losses: np.ndarray, morale: np.ndarray,
          out: np.ndarray) -> None:
    """One day's row of the series (F, len(SERIES)), in place: towns, population and value
    held (on-map places only), live strength, losses, morale, live units. Sums run in town
    and unit order (as numpy's bincount)."""
    out[:] = 0.0
    for t in range(len(owner)):
        if owner[t] >= 0 and onmap[t]:
            out[owner[t], 0] += 1.0
            out[owner[t], 1] += population[t]
            out[owner[t], 2] += value[t]
    for u in range(len(strength)):
        if strength[u] > 0:
            out[faction[u], 3] += strength[u]
            out[faction[u], 6] += 1.0
    out[:, 4] = losses
    out[:, 5] = morale
