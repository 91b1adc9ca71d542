"""Movement along road paths for one day, compiled with numba.

Assumptions (README, "The model", step 4): a unit crosses a road in the road's travel days
(length / speed of its class, crossings included: sim.inputs.roads); the road into a town
the enemy defends (hostile units in it whose odds are within their hold limit:
Situation.defended) takes at least its length / ``opposed_speed`` (an advance under fire,
Dupuy 1987, *Understanding War*). Time left over carries to the next road; partial crossings
accumulate in ``progress``. A unit stops on entering a town where it is blocked (a hostile
town, or one with hostile units: contact); only attacking units enter such a town, others
halt before it (their route was planned through territory that has since changed hands). A
withdrawing unit at the end of its path joins the town's defence, except in its side's
off-map rear, where it regroups as a mobile reserve (the rear cannot be attacked; it is
where an army re-forms the units it pulls out, to commit them again).

Friction (``tempo_noise``): a faction's units get ``tempo`` days of movement today instead
of one (sim.core.state.State.next_tempo).

Paths are slices ``route[path_at[u]:path_end[u]]`` of one array (sim.core.forces).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .postures import ATTACK, HOLD, RESERVE, WITHDRAW


@njit(cache=True)
def entry(indptr: np.ndarray, indices: np.ndarray, a: int, b: int) -> int:
    """The CSR entry of the road from ``a`` to ``b`` (neighbours sorted by id); -1 if none."""
    lo, hi = indptr[a], indptr[a + 1]
    while lo < hi:
        mid = (lo + hi) >> 1
        if indices[mid] < b:
            lo = mid + 1
        else:
            hi = mid
    if lo < indptr[a + 1] and indices[lo] == b:
        return lo
    return -1


@njit(cache=True)
def arrive(uid: int, town: np.ndarray, posture: np.ndarray, mobile: np.ndarray,
           regroup: np.ndarray) -> None:
    """A withdrawing unit at the end of its path joins the town's defence (a reserve if
    mobile, else its garrison); where ``regroup`` (its side's off-map rear) it regroups as a
    mobile reserve."""
    if regroup[town[uid]]:
        mobile[uid] = True
    posture[uid] = RESERVE if mobile[uid] else HOLD


@njit(cache=True, error_model="numpy")
def advance(movers: np.ndarray, faction: np.ndarray, town: np.ndarray, posture: np.ndarray,
            mobile: np.ndarray, origin: np.ndarray, progress: np.ndarray, route: np.ndarray,
            path_at: np.ndarray, path_end: np.ndarray, indptr: np.ndarray,
            indices: np.ndarray, entry_road: np.ndarray, days: np.ndarray, km: np.ndarray,
            blocked: np.ndarray, defended: np.ndarray, opposed_speed: float,
            tempo: np.ndarray, regroup: np.ndarray) -> None:
    """Move each unit of ``movers`` (in order) along its path, in place. ``days``, ``km``:
    per road; ``entry_road``: the road of each CSR entry; ``blocked``, ``defended``: (F, n)
    bool per faction and town; ``tempo``: (F,) days of movement a faction's units get
    today (1 without friction); ``regroup``: (n,) bool, the towns where a withdrawn unit
    becomes a mobile reserve (the off-map places)."""
    for uid in movers:
        fac = faction[uid]
        budget = tempo[fac] + progress[uid]
        here = town[uid]
        while path_at[uid] < path_end[uid]:
            nxt = route[path_at[uid]]
            if blocked[fac, nxt] and posture[uid] != ATTACK:
                path_at[uid] = path_end[uid]
                budget = 0.0
                break
            r = entry_road[entry(indptr, indices, here, nxt)]
            need = days[r]
            if defended[fac, nxt]:
                opposed = km[r] / opposed_speed
                if opposed > need:
                    need = opposed
            if budget < need:
                break
            budget -= need
            path_at[uid] += 1
            origin[uid] = here
            here = nxt
            if blocked[fac, here]:
                path_at[uid] = path_end[uid]
                budget = 0.0
                break
        town[uid] = here
        progress[uid] = budget if path_at[uid] < path_end[uid] else 0.0
        if path_at[uid] >= path_end[uid] and posture[uid] == WITHDRAW:
            arrive(uid, town, posture, mobile, regroup)
