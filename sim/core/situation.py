"""The situation: what each faction reads off the map before it decides.

Recomputed after every change of the map or of the forces (``assess``): which towns are
friendly or hostile to each faction, the effective strength of each faction in each town,
where hostile units are in contact, the threat each town faces (hostile strength in it and
mobile hostile strength next to it) and its defence. Threat ratios, the frontier and
estimated defences are computed from that picture when asked; safe retreat routes are kept
until the day's routes are forgotten (``forget_routes``), and supply and the objectives' pull
for as long as the territory they were computed on is unchanged (``forget_all`` drops them,
as a change of parameters must).

Estimates are each faction's view: true strengths times the day's log-normal error
(``State.intel``, sd ``intel_noise``).
"""

from __future__ import annotations

import numpy as np

from .. import libm
from ..inputs.scenario_parts import Phase
from .kernels.assess import assess_all, defended, threat_ratio
from .kernels.plan import safe_routes
from .kernels.routes import nearest_of
from .kernels.supply import supply
from .state import State

_CACHE = 64          # entries per cache of territory-keyed results


class Situation:
    """Derived arrays of a state, per faction (F, n): ``friendly``, ``hostile_town``,
    ``near_friendly`` (next to a friendly town), ``E`` (effective strength), ``contact``,
    ``threat``, ``defence``, ``side`` (the strength of the faction's side); per unit
    ``power`` (effective strength)."""

    def __init__(self, state: State) -> None:
        self.state = state
        self._pull: dict[tuple[int, ...], np.ndarray] = {}
        self._supply: dict[tuple[int, bytes], np.ndarray] = {}
        self._safe: dict[tuple[int, bool], np.ndarray] = {}
        self._ratio: np.ndarray | None = None
        sc = state.scenario
        F, n = len(sc.factions), sc.theatre.n
        self.friendly = np.zeros((F, n), dtype=bool)
        self.hostile_town = np.zeros((F, n), dtype=bool)
        self.near_friendly = np.zeros((F, n), dtype=bool)
        self.contact = np.zeros((F, n), dtype=bool)
        self.E = np.zeros((F, n))
        self.threat = np.zeros((F, n))
        self.defence = np.zeros((F, n))
        self.side = np.zeros((F, n))
        self.power = np.zeros(0)
        self._units = np.zeros(0, dtype=np.int64)
        self._unit_start = np.zeros(F + 1, dtype=np.int64)
        self._ratio_buf = np.zeros((F, n))
        #: per faction: the listed supply sources of its side (its own and its allies')
        self._listed = [np.concatenate([np.asarray(sc.supply_sources[j], dtype=np.int64)
                                        for j in np.flatnonzero(sc.relation[i] == 1)]
                                       or [np.zeros(0, dtype=np.int64)])
                        for i in range(len(sc.factions))]

    def assess(self) -> None:
        """Recompute the derived arrays from the state (in place: sim.core.kernels.assess,
        the units' effective strength by sim.core.kernels.assess.power)."""
        s = self.state
        f, roads = s.forces, s.roads
        if len(self.power) != len(f.strength):           # the units' arrays have grown
            self.power = np.empty(len(f.strength))
            self._units = np.empty(len(f.strength), dtype=np.int64)
        p = s.params
        assess_all(f.faction, f.town, f.strength, f.quality, f.condition, f.fatigue, f.posture,
                   f.mobile, s.morale, s.air, s.drones, p.air_effect, p.drone_effect, s.owner,
                   s.scenario.relation, s.ally, s.enemy, s.depth, p.supply_range_km,
                   roads.indptr, roads.indices, roads.entry_bearing, s.defence_mult,
                   self.power, self.friendly, self.hostile_town, self.near_friendly,
                   self.contact, self.E, self.threat, self.defence, self.side, self._units,
                   self._unit_start)
        self.forget_routes()

    def units(self, faction: int) -> np.ndarray:
        """The faction's live units at the last assessment, by id."""
        return self._units[self._unit_start[faction]:self._unit_start[faction + 1]]

    def forget_all(self) -> None:
        """Drop every cached result (the parameters or roads changed)."""
        self._pull, self._supply = {}, {}
        self.forget_routes()

    def forget_routes(self) -> None:
        """Drop cached threat ratios and retreat routes (a new day's estimates)."""
        self._safe = {}
        self._ratio = None

    # -- per faction ---------------------------------------------------------------------------
    def threat_ratio(self, faction: int) -> np.ndarray:
        """Estimated hostile effective strength in and next to each town, over the
        faction's own defence there (where it has no units: 0 if nothing threatens the
        town, inf if something does)."""
        if self._ratio is None:        # every faction's at once
            threat_ratio(self.threat, self.defence, self.E, self.state.intel, self._ratio_buf)
            self._ratio = self._ratio_buf
        return self._ratio[faction]

    def defended(self) -> np.ndarray:
        """(F, n) bool: hostile units in the town that stand and fight: their faction's
        estimated odds there are within its hold limit. An advance into such a town is an
        advance under fire; defenders about to give way do not slow it."""
        s = self.state
        self.threat_ratio(0)                      # every faction's ratios, in _ratio
        limits = np.array([s.hold_limit(g) for g in range(s.n_factions)])
        return defended(self.E, self._ratio, limits, s.enemy)

    def objective_pull(self, phase: Phase, faction: int) -> np.ndarray:
        """Pull of the phase's objectives the faction does not hold yet (pull_towards)."""
        return self.pull_towards(tuple(t for t in phase.objectives
                                       if not self.friendly[faction, t]))

    def pull_towards(self, towns: tuple[int, ...]) -> np.ndarray:
        """exp(-road distance to the nearest of ``towns`` / objective_range_km); 0 if none."""
        pull = self._pull.get(towns)
        if pull is None:
            if towns:
                roads = self.state.roads
                d, _ = nearest_of(roads.full, roads.everywhere, np.array(towns, dtype=np.int64))
                pull = libm.exp(-d / self.state.params.objective_range_km)
            else:
                pull = np.zeros(self.state.scenario.theatre.n)
            self._pull[towns] = pull
        return pull


    def listed(self, faction: int) -> np.ndarray:
        """The listed supply sources of the faction's side (its own and its allies')."""
        return self._listed[faction]

    def supply(self, faction: int) -> tuple[np.ndarray, np.ndarray]:
        """Towns the faction's supply reaches, and their depth. A town is supplied when a
        chain of friendly towns joins it to a supply source of the faction's side (its
        listed sources and every off-map place the side holds), or when it is next to such
        a town (an attacker at a town's edge still has its line behind it). Depth: road
        distance (km of ordinary road) from the nearest source (inf where unsupplied)."""
        s = self.state
        key = (faction, self.friendly[faction].tobytes())   # same territory, same answer
        hit = self._supply.get(key)
        if hit is None:
            if len(self._supply) > _CACHE:
                self._supply.clear()
            g = s.roads.full
            hit = self._supply[key] = supply(self._listed[faction], self.friendly[faction],
                                             s.scenario.theatre.onmap, g.indptr, g.indices,
                                             g.data)
        return hit

    def safe_routes(self, faction: int, in_pocket: bool = False) -> np.ndarray:
        """Next hop from every town towards the faction's nearest safe town: friendly,
        supplied, not in contact and not threatened past its hold limit. ``in_pocket``:
        supplied or not (a cut-off force falls back inside its pocket, as encircled
        armies do, rather than surrendering while it still holds ground out of contact)."""
        key = (faction, in_pocket)
        nxt = self._safe.get(key)
        if nxt is None:
            s, i = self.state, faction
            g = s.roads.full
            nxt = self._safe[key] = safe_routes(
                self.friendly[i], s.supplied[i], self.contact[i], self.threat_ratio(i),
                s.hold_limit(i), s.scenario.theatre.onmap, not in_pocket, g.indptr, g.indices,
                g.data)
        return nxt
