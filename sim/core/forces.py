"""Units (brigade-sized formations): their state as arrays, their Mesa agents, movement.

State lives in one struct of numpy arrays (:class:`Forces`) so combat, supply and planning
are array operations. A :class:`Unit` is a Mesa ``CellAgent`` that reads its row; units
get agents only when the model is built with ``agents=True`` (see sim.core.model).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mesa.discrete_space import CellAgent

from ..inputs.roads import Roads

ATTACK, HOLD, RESERVE, WITHDRAW = 0, 1, 2, 3
POSTURES = ("attack", "hold", "reserve", "withdraw")


class Forces:
    """Every unit's state as arrays indexed by unit id (ids are never reused).

    Arrays are allocated with spare capacity (doubling when full); rows past ``size`` are
    empty slots with strength 0, which every query treats as dead units.
    """

    FIELDS = {"faction": np.int64, "town": np.int64, "strength": float, "quality": float,
              "condition": float, "posture": np.int8, "target": np.int64, "engaged": float,
              "origin": np.int64, "progress": float, "mobile": bool, "fatigue": float}

    def __init__(self, capacity: int = 64) -> None:
        self.size = 0
        for name, dtype in self.FIELDS.items():
            setattr(self, name, np.zeros(capacity, dtype=dtype))
        self.paths: list[list[int]] = [[] for _ in range(capacity)]

    def _grow(self, need: int) -> None:
        cap = len(self.strength)
        if need <= cap:
            return
        new_cap = max(need, 2 * cap)
        for name, dtype in self.FIELDS.items():
            arr = np.zeros(new_cap, dtype=dtype)
            arr[:cap] = getattr(self, name)
            setattr(self, name, arr)
        self.paths.extend([] for _ in range(new_cap - cap))

    def extend(self, faction, town, strength, quality, posture, mobile) -> range:
        """Add units (array-likes of equal length, or scalars for one); returns their ids."""
        k = int(np.size(strength))
        lo, hi = self.size, self.size + k
        self._grow(hi)
        cols = {"faction": faction, "town": town, "strength": strength, "quality": quality,
                "posture": posture, "mobile": mobile, "condition": 1.0, "target": -1,
                "engaged": np.nan, "origin": town, "progress": 0.0, "fatigue": 0.0}
        for name, value in cols.items():
            getattr(self, name)[lo:hi] = value
        self.size = hi
        return range(lo, hi)

    @property
    def alive(self) -> np.ndarray:
        return self.strength > 0

    def order(self, uid: int, posture: int, path: list[int], target: int = -1) -> None:
        """Give a unit an order: a posture, a path to follow and (for attacks) a target."""
        self.posture[uid] = posture
        self.paths[uid] = path
        self.target[uid] = target
        self.progress[uid] = 0.0


class Unit(CellAgent):
    """A brigade-sized formation as a Mesa agent: strength (fighters), quality, morale,
    posture, order, read from its row of the model's :class:`Forces`; its ``cell`` is its
    town's cell on the model's ``Network`` at the end of the last day."""

    def __init__(self, model: Any, uid: int) -> None:
        super().__init__(model)
        self.uid = uid
        self.cell = model.grid[int(model.forces.town[uid])]

    @property
    def faction(self) -> str:
        return self.model.setup.factions[self.model.forces.faction[self.uid]]

    @property
    def strength(self) -> float:
        return float(self.model.forces.strength[self.uid])

    @property
    def quality(self) -> float:
        return float(self.model.forces.quality[self.uid])

    @property
    def morale(self) -> float:
        f = self.model.forces
        return float(self.model.morale[f.faction[self.uid]] * f.condition[self.uid])

    @property
    def posture(self) -> str:
        return POSTURES[self.model.forces.posture[self.uid]]

    @property
    def town(self) -> str:
        return self.model.theatre.names[self.model.forces.town[self.uid]]

    @property
    def path(self) -> list[str]:
        return [self.model.theatre.names[t] for t in self.model.forces.paths[self.uid]]

    def sync_cell(self) -> None:
        """Move the Mesa agent to the cell of its current town."""
        town = int(self.model.forces.town[self.uid])
        if self.cell is None or self.cell.coordinate != town:
            self.cell = self.model.grid[town]


def advance(forces: Forces, roads: Roads, blocked: np.ndarray, defended: np.ndarray,
            opposed_speed: float, movers: np.ndarray) -> list[int]:
    """Move each unit in ``movers`` along its path for one day.

    A unit crosses a road in ``roads.days_between(a, b)`` days (length / speed of its class);
    the road into a town the enemy defends (``defended[faction, town]``: hostile units in
    it) takes at least its length / ``opposed_speed`` (an advance under fire, Dupuy 1987).
    Time left over carries to the next edge, partial crossings accumulate in ``progress``.
    A unit stops on entering a town where ``blocked[faction, town]`` (a hostile town or one
    with hostile units: contact); only attacking units enter such a town, others halt before
    it (their route was planned through territory that has since changed hands). Returns the
    ids of units whose town changed.
    """
    moved = []
    paths, town, progress, fac = forces.paths, forces.town, forces.progress, forces.faction
    for uid in movers.tolist():
        path = paths[uid]
        budget = 1.0 + progress[uid]
        here = int(town[uid])
        start = here
        while path:
            nxt = path[0]
            if blocked[fac[uid], nxt] and forces.posture[uid] != ATTACK:
                path.clear()
                budget = 0.0
                break
            need = roads.days_between(here, nxt)
            if defended[fac[uid], nxt]:
                need = max(need, roads.km[roads.road(here, nxt)] / opposed_speed)
            if budget < need:
                break
            budget -= need
            path.pop(0)
            forces.origin[uid] = here
            here = nxt
            if blocked[fac[uid], here]:
                path.clear()
                budget = 0.0
                break
        town[uid] = here
        progress[uid] = budget if path else 0.0
        if here != start:
            moved.append(uid)
    return moved
