"""The state of a run: everything that changes from day to day, as arrays.

Towns are indexed 0..n-1 and factions 0..F-1 (scenario order); a controller of -1 is
nobody. The model's phases change the state; the situation (sim.core.situation) reads it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import libm
from ..inputs.params import Params
from ..inputs.roads import Roads
from ..inputs.scenario import Scenario
from ..records import LogRow
from .forces import Forces


@dataclass(eq=False)
class State:
    """A run's state. Per faction (F,): morale, air and drone support, losses; per town
    (n,): controller; per faction and town (F, n): supplied; and the units (``forces``)."""

    scenario: Scenario
    params: Params
    roads: Roads
    hold_ratio: tuple[float, ...]    # per faction: the doctrine's hold ratio
    owner: np.ndarray                # (n,) controller, -1 nobody
    morale: np.ndarray               # (F,) 0..1
    air: np.ndarray                  # (F,) air support level 0..1
    drones: np.ndarray               # (F,) drone support level 0..1
    forces: Forces = field(default_factory=Forces)
    day: int = 0
    ceasefire: set[int] = field(default_factory=set)
    log: list[LogRow] = field(default_factory=list)

    def __post_init__(self) -> None:
        sc, th = self.scenario, self.scenario.theatre
        F, n = len(sc.factions), th.n
        self.morale0 = self.morale.copy()
        self.losses = np.zeros(F)
        #: the part of ``losses`` that surrendered (or dispersed) rather than fell in battle
        self.surrendered_strength = np.zeros(F)
        #: what a faction's morale measures its losses against: its declared stake, else
        #: the value of everything it holds at the start, off-map places included (so
        #: drawing the map tighter does not speed a collapse)
        held = [th.value[self.owner == i].sum() for i in range(F)]
        self.stake = np.array([f.stake if f.stake is not None else v
                               for f, v in zip(sc.spec.factions.values(), held, strict=True)])
        self.supplied = np.ones((F, n), dtype=bool)
        #: road distance (km of ordinary road) from the faction's supply, per town
        self.depth = np.zeros((F, n))
        #: the faction has held the town at some time in the run (it may counterattack it)
        self.held_before = self.owner[None, :] == np.arange(F)[:, None]
        #: consecutive days the faction's garrison in the town has faced hopeless odds
        self.hopeless_days = np.zeros((F, n), dtype=np.int64)
        #: consecutive days a battle has been fought in the town (0: none today)
        self.battle_days = np.zeros(n, dtype=np.int64)
        #: today's resolve of each faction (decision noise): hold limits x, attack ratios /
        self.resolve = np.ones(F)
        #: today's tempo of each faction (friction: its movement budget x) and the
        #: standardised AR(1) variable behind it (State.next_tempo)
        self.tempo = np.ones(F)
        self.tempo_z = np.zeros(F)
        self.captured = np.zeros(n, dtype=bool)       # changed hands at least once
        #: units deployed later than day 0 (scenario deployments with a ``day``): (day,
        #: faction, town, strength, quality, posture), each entering the map on its day
        self.arrivals: list[tuple[int, int, int, float, float, int]] = []
        self.last_gain = np.full(F, -1)               # last day the faction took a town
        #: alliance matrices (F, F) as floats, for matrix products
        self.ally = (sc.relation == 1).astype(float)
        self.enemy = (sc.relation == -1).astype(float)
        self.use(sc, self.hold_ratio)

    def use(self, scenario: Scenario, hold_ratio: tuple[float, ...]) -> None:
        """Take the scenario's parameters (and what is derived from them) from now on."""
        self.scenario, self.params, self.hold_ratio = scenario, scenario.params, hold_ratio
        p, th = self.params, scenario.theatre
        self.roads = th.roads(p)
        #: a holder's defence multiplier per town
        self.defence_mult = p.defence_bonus * (1.0 + p.fortification_effect * th.fortification)
        #: days of battle a garrison fights before it may withdraw because it is outmatched
        #: (``stand_days``; in towns and cities at least ``urban_stand_days``)
        urban = np.array([k in ("town", "city") for k in th.kind], dtype=bool)
        self.stand_days = np.where(urban, max(p.stand_days, p.urban_stand_days), p.stand_days)

    @classmethod
    def start(cls, scenario: Scenario, hold_ratio: tuple[float, ...]) -> State:
        """The state at the start of day 0: the scenario's map, morale and support."""
        p = scenario.params
        factions = scenario.spec.factions.values()
        return cls(scenario=scenario, params=p,
                   roads=scenario.theatre.roads(p),
                   hold_ratio=hold_ratio, owner=scenario.initial_owner.copy(),
                   morale=np.array([f.morale for f in factions], dtype=float),
                   air=np.array([f.air for f in factions], dtype=float),
                   drones=np.array([f.drones for f in factions], dtype=float))

    @property
    def n_factions(self) -> int:
        return len(self.scenario.factions)

    def new_day(self, rng: np.random.Generator) -> None:
        """Clear what is counted per day and draw the day's intelligence errors: each
        faction sees every town's strength times a log-normal factor (``intel_noise``)."""
        n, F = self.scenario.theatre.n, self.n_factions
        self.abandoned = self._still_abandoned(n)
        self.fought = np.zeros(n, dtype=bool)
        self.surrendered = np.zeros(n, dtype=bool)
        self.value_lost = np.zeros(F)
        self.value_gained = np.zeros(F)
        #: today's standard normal draws behind ``intel`` and ``resolve`` (kept so that a
        #: params event today scales them with its values: State.rescale_today)
        self.intel_z = rng.standard_normal((F, n))
        self.resolve_z = rng.standard_normal(F)
        self.intel = libm.exp(self.params.intel_noise * self.intel_z)
        self.resolve = libm.exp(self.params.decision_noise * self.resolve_z)

    def rescale_today(self) -> None:
        """Today's intelligence errors, resolve and tempo from today's draws, with the
        current ``intel_noise``, ``decision_noise`` and ``tempo_noise``: a scenario's params
        event changes them from its own day on (the day's draws are made the evening before,
        with the values then in force). The same values as drawing them afresh with these
        parameters: ``normal(0, s)`` is ``s`` times a standard normal draw."""
        p = self.params
        self.intel = libm.exp(p.intel_noise * self.intel_z)
        self.resolve = libm.exp(p.decision_noise * self.resolve_z)
        s = p.tempo_noise
        self.tempo = libm.exp(s * self.tempo_z - 0.5 * s * s)

    def _still_abandoned(self, n: int) -> np.ndarray:
        """Towns whose garrison surrendered on an earlier day and that their holder's side
        has not entered since (an enemy walking in later takes them by encirclement, not
        withdrawal; sim.core.control). A town leaves the list when it changes hands."""
        old = getattr(self, "abandoned", None)
        if old is None:
            return np.zeros(n, dtype=bool)
        old = (old | self.surrendered) & (self.owner >= 0)
        if not old.any():
            return old
        f = self.forces
        side = self.scenario.relation[np.maximum(self.owner[f.town], 0), f.faction] == 1
        manned = np.zeros(n, dtype=bool)
        manned[f.town[(f.strength > 0) & side]] = True
        return old & ~manned

    def next_tempo(self, rng: np.random.Generator, first: bool = False) -> None:
        """Today's tempo factors: ``z`` follows a stationary AR(1) with unit variance and
        lag-one correlation ``phi = exp(-1 / tempo_days)`` (``first``: drawn from its
        stationary law), and a faction's tempo is ``exp(s z - s^2 / 2)`` with ``s =
        tempo_noise`` (log-normal, mean 1; exactly 1 when ``s`` is 0). The draws come from
        their own stream, so switching friction on leaves every other random draw as it was."""
        p = self.params
        eps = rng.standard_normal(self.n_factions)
        if first:
            self.tempo_z = eps
        else:
            phi = math.exp(-1.0 / p.tempo_days)
            self.tempo_z = phi * self.tempo_z + np.sqrt(1.0 - phi * phi) * eps
        s = p.tempo_noise
        self.tempo = libm.exp(s * self.tempo_z - 0.5 * s * s)

    def set_owner(self, town: int, new: int, cause: str) -> None:
        """Change a town's controller and log the change."""
        old = int(self.owner[town])
        v = self.scenario.theatre.value[town]
        if old >= 0:
            self.value_lost[old] += v
        self.value_gained[new] += v
        self.captured[town] = True
        self.held_before[new, town] = True
        self.last_gain[new] = self.day
        self.owner[town] = new
        self.abandoned[town] = False
        self.log.append((self.day, town, new, old, cause))

    def hold_limit(self, faction: int) -> float:
        """Enemy/own effective ratio a garrison will face before it withdraws; low morale
        lowers it (hold_ratio * morale**morale_sensitivity), which is how collapses cascade;
        today's resolve (decision noise) scales it."""
        return (self.hold_ratio[faction] * float(self.resolve[faction])
                * float(self.morale[faction]) ** self.params.morale_sensitivity)
