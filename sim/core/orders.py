"""Orders that move units between towns outside the daily plan: retreat, withdrawal,
breaking contact, cease-fire, garrisoning a taken town, new units.

Each function changes the state (sim.core.state) using the situation (sim.core.situation);
factions, battles and scheduled events all give orders through here.
"""

from __future__ import annotations

import numpy as np

from .kernels import control
from .kernels.movement import arrive
from .kernels.postures import ATTACK, HOLD, RESERVE, WITHDRAW
from .kernels.routes import follow, from_sources, nearest_of
from .situation import Situation
from .state import State


def add_unit(state: State, faction: int, town: int, strength: float, quality: float,
             posture: int, mobile: bool) -> int:
    """A new unit in ``town``; returns its id."""
    return state.forces.extend(faction, town, strength, quality, posture, mobile)[0]


def nearest_held(state: State, sit: Situation, faction: int, town: int) -> int:
    """The town itself if the faction (or an ally) holds it and it is supplied, else the
    nearest such town by road; -1 if there is none (reinforcements arrive there)."""
    ok = sit.friendly[faction] & state.supplied[faction]
    if ok[town]:
        return town
    d, _ = from_sources(state.roads.full, state.roads.everywhere, np.array([town]))
    d = np.where(ok, d[0], np.inf)
    return int(np.argmin(d)) if np.isfinite(d.min()) else -1


def retreat(state: State, sit: Situation, uid: int) -> bool:
    """Send a unit to the nearest safe friendly town (supplied, not in contact, not
    threatened past its faction's hold limit). False if it has nowhere to go."""
    f = state.forces
    i = int(f.faction[uid])
    here = int(f.town[uid])
    start = here
    if not sit.friendly[i, here]:        # a broken attacker falls back the way it came,
        start = int(f.origin[uid])       # else through the nearest friendly neighbour
        if not sit.friendly[i, start]:
            roads = state.roads
            row = slice(roads.indptr[here], roads.indptr[here + 1])    # its roads, by id
            nbrs = roads.indices[row]
            ok = sit.friendly[i, nbrs]
            if not ok.any():
                return False
            start = int(nbrs[ok][np.argmin(roads.full.data[row][ok])])
    path = follow(sit.safe_routes(i), start)
    if not path and not state.supplied[i, start]:     # cut off: fall back inside the pocket
        path = follow(sit.safe_routes(i, in_pocket=True), start)
    if start != here:
        path = [start, *path]
    if not path:
        return False
    f.order(int(uid), WITHDRAW, path)
    return True


def leave_town(state: State, uid: int) -> None:
    """A retreating unit breaks contact at once: it is at the first town of its route by
    the next phase (so a town it leaves is not held by it any more); if that town ends its
    route, it has arrived (sim.core.kernels.movement.arrive)."""
    f = state.forces
    if f.has_path(uid):
        f.origin[uid] = f.town[uid]
        f.town[uid] = f.step_on(uid)
        f.progress[uid] = 0.0
        if not f.has_path(uid):
            arrive(uid, f.town, f.posture, f.mobile, state.scenario.theatre.offmap)


def withdraw(state: State, sit: Situation, faction: int, towns: tuple[int, ...] | None,
             goal: tuple[int, ...]) -> None:
    """Order the faction's units in ``towns`` (all, if None) back through friendly
    territory to the nearest town of ``goal`` (a town or a defensive line); with no goal,
    to the nearest safe town."""
    f = state.forces
    mask = (f.faction == faction) & (f.strength > 0)
    if towns:
        mask &= np.isin(f.town, towns)
    ids = np.flatnonzero(mask & ~np.isin(f.town, goal))
    if not goal:
        for uid in ids:
            retreat(state, sit, uid)
        return
    fall_back(state, sit, faction, ids, np.array(goal, dtype=np.int64))


def fall_back(state: State, sit: Situation, faction: int, units: np.ndarray,
              goal: np.ndarray) -> None:
    """Order ``units`` (of ``faction``, by id) back along the shortest road through its side's
    territory to the nearest town of ``goal``; a unit with no such road stays."""
    f = state.forces
    _, nxt = nearest_of(state.roads.full, sit.friendly[faction], goal)
    for uid in units.tolist():
        path = follow(nxt, int(f.town[uid]))
        if path:
            f.order(uid, WITHDRAW, path)


def hand_over(state: State, sit: Situation, town: int, to: int, cause: str) -> bool:
    """The town passes to faction ``to``; units of sides not allied to it leave (or give
    themselves up if they have nowhere to go). False if ``to`` held it already."""
    if int(state.owner[town]) == to:
        return False
    f, rel = state.forces, state.scenario.relation
    state.set_owner(town, to, cause)
    sit.assess()
    for uid in np.flatnonzero((f.town == town) & (f.strength > 0) & (rel[f.faction, to] != 1)):
        if retreat(state, sit, uid):
            leave_town(state, uid)
        else:
            give_up(state, uid)
    return True


def cease_fire(state: State, sit: Situation, factions: tuple[int, ...]) -> None:
    """From today these factions attack no more; their units inside hostile towns break
    contact and fall back, attack orders are cancelled."""
    state.ceasefire.update(factions)
    f = state.forces
    for uid in np.flatnonzero(np.isin(f.faction, factions) & (f.strength > 0)):
        if f.posture[uid] == ATTACK:
            f.order(uid, RESERVE, [])
        if sit.hostile_town[f.faction[uid], f.town[uid]]:
            retreat(state, sit, uid)


def give_up(state: State, uid: int) -> None:
    """The unit surrenders (or disperses): its strength counts as lost."""
    f = state.forces
    state.losses[f.faction[uid]] += f.strength[uid]
    state.surrendered_strength[f.faction[uid]] += f.strength[uid]
    f.strength[uid] = 0.0


def occupy(state: State, towns: np.ndarray, factions: np.ndarray) -> None:
    """Holding ground costs forces: when mobile units take a town, the strongest of them
    leaves ``occupation_share`` of its strength behind as a garrison (at least
    ``min_strength``, and only if it has twice that plus ``min_strength``;
    sim.core.kernels.control)."""
    f, p = state.forces, state.params
    uid, share = control.garrisons(towns, factions, state.scenario.theatre.n, f.faction,
                                   f.town, f.strength, f.mobile, p.occupation_share,
                                   p.min_strength)
    ok = uid >= 0
    if not ok.any():
        return
    uid, share = uid[ok], share[ok]
    f.strength[uid] -= share
    f.extend(factions[ok], towns[ok], share, f.quality[uid], HOLD, False)
