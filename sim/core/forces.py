"""Units (brigade-sized formations): their state as arrays, their Mesa agents, movement.

State lives in one struct of numpy arrays (:class:`Forces`) so combat, supply and planning
are array operations. A :class:`Unit` is a Mesa ``CellAgent`` that reads its row; units
get agents only when the model is built with ``agents=True`` (see sim.core.model).

A unit's path (the towns it still has to pass, in order) is a slice of one shared array,
``route[path_at[uid]:path_end[uid]]``: orders append to it, a step on the way moves
``path_at`` on, so movement is one compiled pass (sim.core.kernels.movement).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from mesa.discrete_space import CellAgent

from ..inputs.roads import Roads
from .kernels.movement import advance as _advance
from .kernels.postures import POSTURES


class Forces:
    """Every unit's state as arrays indexed by unit id (ids are never reused).

    Arrays are allocated with spare capacity (doubling when full); rows past ``size`` are
    empty slots with strength 0, which every query treats as dead units. Paths live in
    ``route`` (see the module docstring); it is compacted when full.
    """

    FIELDS = {"faction": np.int64, "town": np.int64, "strength": float, "quality": float,
              "condition": float, "posture": np.int8, "target": np.int64, "engaged": float,
              "origin": np.int64, "progress": float, "mobile": bool, "fatigue": float,
              "path_at": np.int64, "path_end": np.int64, "cut_days": np.int64}

    def __init__(self, capacity: int = 64) -> None:
        self.size = 0
        for name, dtype in self.FIELDS.items():
            setattr(self, name, np.zeros(capacity, dtype=dtype))
        self.route = np.zeros(8 * capacity, dtype=np.int64)
        self.route_used = 0

    def _grow(self, need: int) -> None:
        cap = len(self.strength)
        if need <= cap:
            return
        new_cap = max(need, 2 * cap)
        for name, dtype in self.FIELDS.items():
            arr = np.zeros(new_cap, dtype=dtype)
            arr[:cap] = getattr(self, name)
            setattr(self, name, arr)

    def extend(self, faction, town, strength, quality, posture, mobile) -> range:
        """Add units (array-likes of equal length, or scalars for one); returns their ids."""
        k = int(np.size(strength))
        lo, hi = self.size, self.size + k
        self._grow(hi)
        cols = {"faction": faction, "town": town, "strength": strength, "quality": quality,
                "posture": posture, "mobile": mobile, "condition": 1.0, "target": -1,
                "engaged": np.nan, "origin": town, "progress": 0.0, "fatigue": 0.0,
                "path_at": 0, "path_end": 0, "cut_days": 0}
        for name, value in cols.items():
            getattr(self, name)[lo:hi] = value
        self.size = hi
        return range(lo, hi)

    @property
    def alive(self) -> np.ndarray:
        return self.strength > 0

    def order(self, uid: int, posture: int, path: Sequence[int] | np.ndarray,
              target: int = -1) -> None:
        """Give a unit an order: a posture, a path to follow and (for attacks) a target."""
        self.posture[uid] = posture
        self.set_path(uid, path)
        self.target[uid] = target
        self.progress[uid] = 0.0

    def order_many(self, ids: np.ndarray, posture: int, flat: np.ndarray,
                   offsets: np.ndarray, targets: np.ndarray | int = -1) -> None:
        """Give units the same kind of order at once; unit ``ids[j]`` follows
        ``flat[offsets[j]:offsets[j + 1]]`` (as ``routes.walks`` returns them)."""
        at = self._room(len(flat))
        self.route[at:at + len(flat)] = flat
        self.route_used = at + len(flat)
        self.posture[ids] = posture
        self.path_at[ids] = at + offsets[:-1]
        self.path_end[ids] = at + offsets[1:]
        self.target[ids] = targets
        self.progress[ids] = 0.0

    def set_path(self, uid: int, path: Sequence[int] | np.ndarray) -> None:
        """Replace the unit's path."""
        k = len(path)
        at = self._room(k)
        self.route[at:at + k] = path
        self.route_used = at + k
        self.path_at[uid], self.path_end[uid] = at, at + k

    def _room(self, k: int) -> int:
        """Where ``k`` more route entries go: the end of ``route``, after compacting it (and
        growing it if half of it is still in use) when it is full."""
        if self.route_used + k <= len(self.route):
            return self.route_used
        live = np.flatnonzero(self.path_at[: self.size] < self.path_end[: self.size])
        lens = self.path_end[live] - self.path_at[live]
        total = int(lens.sum())
        cap = len(self.route)
        while total + k > cap // 2:
            cap *= 2
        new = np.zeros(cap, dtype=np.int64)
        first = np.cumsum(lens) - lens                 # each live path's new start
        new[:total] = self.route[np.repeat(self.path_at[live] - first, lens)
                                 + np.arange(total)]
        self.path_at[live], self.path_end[live] = first, first + lens
        self.route, self.route_used = new, total
        return total

    def path(self, uid: int) -> list[int]:
        """The towns the unit still has to pass, in order."""
        return self.route[self.path_at[uid]:self.path_end[uid]].tolist()

    def has_path(self, uid: int) -> bool:
        return bool(self.path_at[uid] < self.path_end[uid])

    def step_on(self, uid: int) -> int:
        """Take the first town off the unit's path and return it."""
        at = int(self.path_at[uid])
        self.path_at[uid] = at + 1
        return int(self.route[at])


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
        return [self.model.theatre.names[t] for t in self.model.forces.path(self.uid)]

    def sync_cell(self) -> None:
        """Move the Mesa agent to the cell of its current town."""
        town = int(self.model.forces.town[self.uid])
        if self.cell is None or self.cell.coordinate != town:
            self.cell = self.model.grid[town]


def advance(forces: Forces, roads: Roads, blocked: np.ndarray, defended: np.ndarray,
            opposed_speed: float, movers: np.ndarray, tempo: np.ndarray,
            rear: np.ndarray) -> None:
    """Move each unit in ``movers`` along its path for one day (sim.core.kernels.movement:
    road days, the opposed-advance rate into defended towns, stops at contact; ``tempo``:
    each faction's days of movement today); a withdrawing unit that has arrived joins the
    town's defence (reserve if mobile, else garrison), or, at an off-map place (``rear``),
    regroups as a mobile reserve."""
    f = forces
    _advance(movers.astype(np.int64), f.faction, f.town, f.posture, f.mobile, f.origin,
             f.progress, f.route, f.path_at, f.path_end, roads.indptr, roads.indices,
             roads.entry_road, roads.days, roads.km, blocked, defended, float(opposed_speed),
             tempo, rear)
