"""Scheduled scenario events and campaign phases: what the scenario says happens when.

A phase runs over a window of days (fixed, or from the first day its ``when`` condition
holds, for ``duration`` days). An event fires on its ``day`` or on the first day its ``when``
condition holds: reinforcements arrive, units withdraw, towns are handed over, air and drone
support change, factions cease fire. Conditions are evaluated at the start of a day, on the
state the previous day left (see sim.inputs.conditions for the language).
"""

from __future__ import annotations

import operator

from ..inputs.conditions import Node
from ..inputs.scenario import Scenario
from ..inputs.scenario_parts import Phase, ScheduledEvent
from ..records import Cause
from .kernels.postures import HOLD, RESERVE
from .orders import (
    add_unit,
    cease_fire,
    hand_over,
    nearest_held,
    withdraw,
)
from .situation import Situation
from .state import State

_OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, ">": operator.gt,
        "<": operator.lt}


def holds(node: Node, state: State) -> bool:
    """Evaluate a parsed condition on the state."""
    kind = node[0]
    if kind == "or":
        return holds(node[1], state) or holds(node[2], state)
    if kind == "and":
        return holds(node[1], state) and holds(node[2], state)
    if kind == "not":
        return not holds(node[1], state)
    if kind == "day":
        return bool(_OPS[node[1]](state.day, node[2]))
    if kind == "morale":
        return bool(_OPS[node[2]](float(state.morale[node[1]]), node[3]))
    if kind == "captured":
        town, faction = node[1], node[2]
        return bool(state.captured[town]) and (faction < 0 or state.owner[town] == faction)
    if kind == "held":
        return bool(state.owner[node[1]] == node[2])
    if kind == "stalled":
        return bool(state.day - state.last_gain[node[1]] - 1 >= node[2])
    if kind == "threatened":
        return threatened(state, node[1], node[2])
    if kind == "lost":
        f, th = node[1], state.scenario.theatre
        start = (state.scenario.initial_owner == f) & th.onmap
        if not start.any():
            return False
        share = float((start & (state.owner != f)).sum() / start.sum())
        return bool(_OPS[node[2]](share, node[3]))
    raise ValueError(f"bad condition node {node!r}")


def threatened(state: State, town: int, faction: int = -1) -> bool:
    """Units hostile to ``faction`` (default: the town's holder) are in the town or within a
    day's march of it by road."""
    f, rel = state.forces, state.scenario.relation
    side = faction if faction >= 0 else int(state.owner[town])
    if side < 0:
        return False
    near = state.roads.within_days(town, 1.0)
    return bool(((f.strength > 0) & (rel[side, f.faction] == -1) & near[f.town]).any())


class Timetable:
    """The scenario's phases and events over the days of a run."""

    def __init__(self, scenario: Scenario) -> None:
        self.phases = scenario.phases
        #: per phase: (first day, first day after) once it has begun; None before
        self.window: list[tuple[int, int] | None] = [
            None if ph.when is not None else (ph.start, ph.end) for ph in scenario.phases]
        #: per faction: the indices of its phases, in file order
        self._of: dict[int, list[int]] = {}
        for k, ph in enumerate(scenario.phases):
            self._of.setdefault(ph.faction, []).append(k)
        self.by_day: dict[int, list[ScheduledEvent]] = {}
        self.pending: list[ScheduledEvent] = []
        for e in scenario.events:
            if e.day is None:
                self.pending.append(e)
            else:
                self.by_day.setdefault(e.day, []).append(e)

    def begin_phases(self, state: State) -> None:
        """Conditional phases whose condition now holds begin today."""
        for k, ph in enumerate(self.phases):
            if self.window[k] is None and state.day >= ph.start and holds(ph.when.tree, state):
                end = state.day + ph.duration if ph.duration else ph.end
                self.window[k] = (state.day, end)

    def due(self, state: State) -> list[ScheduledEvent]:
        """Today's events: the dated ones, then those whose condition now holds."""
        today = list(self.by_day.get(state.day, []))
        for e in list(self.pending):
            if holds(e.when.tree, state):
                today.append(e)
                self.pending.remove(e)
        return today

    def active(self, faction: int, day: int) -> list[Phase]:
        """The faction's phases running on ``day``, in file order."""
        out = []
        for k in self._of.get(faction, ()):
            w = self.window[k]
            if w is not None and w[0] <= day < w[1]:
                out.append(self.phases[k])
        return out


def arrive(state: State, sit: Situation) -> bool:
    """Deployments whose ``day`` has come enter the map, in their town if the faction or an
    ally still holds it and supplies it, else in the nearest town that is (as reinforcements
    do); a group with no such town left does not arrive. True if any unit arrived."""
    due = [a for a in state.arrivals if a[0] <= state.day]
    if not due:
        return False
    state.arrivals = [a for a in state.arrivals if a[0] > state.day]
    came = False
    for _, faction, town, strength, quality, posture in due:
        at = nearest_held(state, sit, faction, town)
        if at >= 0:
            add_unit(state, faction, at, strength, quality, posture, posture != HOLD)
            came = True
    return came


def apply(e: ScheduledEvent, state: State, sit: Situation) -> None:
    """Carry out one scheduled event."""
    sc = state.scenario
    if e.kind == "support":
        if e.air is not None:
            state.air[e.faction] = e.air
        if e.drones is not None:
            state.drones[e.faction] = e.drones
    elif e.kind == "reinforcement":
        town = nearest_held(state, sit, e.faction, e.towns[0])
        if town >= 0:
            q = e.quality or sc.spec.factions[sc.factions[e.faction]].quality
            for _ in range(e.units):
                add_unit(state, e.faction, town, e.strength / e.units, q, RESERVE, True)
    elif e.kind == "withdrawal":
        goal = (e.to,) if e.to is not None else e.line
        withdraw(state, sit, e.faction, e.towns, goal)
    elif e.kind == "ceasefire":
        cease_fire(state, sit, e.factions or tuple(range(len(sc.factions))))
    elif e.kind == "handover":
        _hand_over(e, state, sit)


def _hand_over(e: ScheduledEvent, state: State, sit: Situation) -> None:
    """The towns pass to faction ``e.to`` (sim.core.orders.hand_over)."""
    for t in e.towns:
        hand_over(state, sit, t, e.to, Cause.HANDOVER)
