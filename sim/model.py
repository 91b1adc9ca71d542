"""ConflictModel: the daily step of DESIGN.md as named phases, and the event log."""

from __future__ import annotations

import inspect

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import Network

from .battles import resolve
from .deploy import deploy
from .factions import Faction
from .results import RunResult
from .routes import RoadNet, follow, from_sources, nearest_of
from .scenario import Event, Phase, Scenario
from .supply import SupplyGraph, supplied_towns
from .units import ATTACK, HOLD, RESERVE, WITHDRAW, Forces, Unit, advance

_NETWORK_HAS_LAYOUT = "layout" in inspect.signature(Network.__init__).parameters


class ConflictModel(mesa.Model):
    """Factions contesting the towns of a road graph, one step per day.

    ``seed`` feeds one ``numpy.random.SeedSequence``; it spawns an independent stream for
    each random process (planning estimates, combat, Mesa's own generator), so a run is a
    pure function of scenario and seed. The bound scenario is ``model.setup`` (Mesa 3.5
    reserves ``Model.scenario`` for its own experimental scenarios).
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        seed = scenario.spec.seed if seed is None else int(seed)
        ss_mesa, ss_plan, ss_combat = np.random.SeedSequence(seed).spawn(3)
        super().__init__(rng=np.random.default_rng(ss_mesa))
        self.seed = seed
        self.setup = sc = scenario
        self.theatre = th = scenario.theatre
        self.params = p = scenario.params
        self.rng_plan = np.random.default_rng(ss_plan)
        self.rng_combat = np.random.default_rng(ss_combat)
        self.day = 0
        F, n = len(sc.factions), th.n

        g = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_edges_from(map(tuple, th.edges.tolist()))
        kw = {"layout": th.positions()} if _NETWORK_HAS_LAYOUT else {}
        self.grid = Network(g, random=self.random, **kw)

        speed = np.where(th.highway, p.speed_highway, p.speed_other)
        self.edge_days = {}
        for (a, b), km, v in zip(th.edges.tolist(), th.km, speed, strict=True):
            self.edge_days[(a, b)] = self.edge_days[(b, a)] = km / v
        cost = th.km * p.speed_other / speed
        self.edge_cost = {}
        for (a, b), c in zip(th.edges.tolist(), cost, strict=True):
            self.edge_cost[(a, b)] = self.edge_cost[(b, a)] = c
        self.roads = RoadNet(th.edges, cost, n)
        self.supply_graph = SupplyGraph(th.adjacency_km)
        self.adjacency = self.supply_graph.adjacency
        self.defence_mult = p.defence_bonus * (1.0 + p.fortification_effect * th.fortification)
        self.ally = (sc.relation == 1).astype(float)
        self.enemy = (sc.relation == -1).astype(float)

        self.owner = sc.initial_owner.copy()
        self.morale = np.array([f.morale for f in sc.spec.factions.values()], dtype=float)
        self.morale0 = self.morale.copy()
        self.air = np.array([f.air for f in sc.spec.factions.values()], dtype=float)
        self.drones = np.array([f.drones for f in sc.spec.factions.values()], dtype=float)
        self.losses = np.zeros(F)
        self.value0 = np.array([th.value[self.owner == i].sum() for i in range(F)])
        self.factions = [Faction(self, i, nm, spec)
                         for i, (nm, spec) in enumerate(sc.spec.factions.items())]
        self.forces = Forces()
        self.units: list[Unit] = []
        deploy(self)
        self.supplied = np.ones((F, n), dtype=bool)
        self._pull_cache: dict[tuple[int, ...], np.ndarray] = {}
        self._territory_cache: dict[bytes, object] = {}
        self._supply_cache: dict[tuple[int, bytes], np.ndarray] = {}
        self.captured = np.zeros(n, dtype=bool)
        self.last_gain = np.full(F, -1)
        self.ceasefire: set[int] = set()
        self.phase_window: list[tuple[int, int] | None] = [
            None if ph.when is not None else (ph.start, ph.end) for ph in sc.phases]
        self._events_by_day: dict[int, list[Event]] = {}
        self._pending: list[Event] = []
        for e in sc.events:
            if e.day is None:
                self._pending.append(e)
            else:
                self._events_by_day.setdefault(e.day, []).append(e)
        self.result = RunResult.begin(self)
        self._new_day()

    # == the daily step ==========================================================================
    def step(self) -> None:
        """Advance one day. The order is part of the model; see DESIGN.md."""
        self.apply_scenario_events()
        self.update_supply()
        self.plan()             # every Faction issues orders
        self.move_units()
        self.resolve_combat()
        self.update_control()
        self.update_morale()
        self.collect()
        self.day += 1
        self._new_day()
        if self.day >= self.setup.days:
            self.running = False

    def apply_scenario_events(self) -> None:
        """Scenario events of the day: phases whose condition now holds begin; dated events
        and events whose condition now holds fire (reinforcements, withdrawals, handovers,
        support switched on or off, ceasefires)."""
        for k, ph in enumerate(self.setup.phases):
            if self.phase_window[k] is None and self.day >= ph.start and ph.when(self):
                end = self.day + ph.duration if ph.duration else ph.end
                self.phase_window[k] = (self.day, end)
        today = list(self._events_by_day.get(self.day, []))
        for e in list(self._pending):
            if e.when(self):
                today.append(e)
                self._pending.remove(e)
        for e in today:
            self.apply_event(e)
        if today:
            self._assess()

    def apply_event(self, e: Event) -> None:
        """Carry out one scenario event."""
        if e.kind == "support":
            if e.air is not None:
                self.air[e.faction] = e.air
            if e.drones is not None:
                self.drones[e.faction] = e.drones
        elif e.kind == "reinforcement":
            town = self.nearest_held(e.faction, e.towns[0])
            if town >= 0:
                q = e.quality or self.setup.spec.factions[
                    self.setup.factions[e.faction]].quality
                for _ in range(e.units):
                    self.add_unit(e.faction, town, e.strength / e.units, q, RESERVE, True)
        elif e.kind == "withdrawal":
            goal = (e.to,) if e.to is not None else e.line
            self.withdraw(e.faction, e.towns, goal)
        elif e.kind == "ceasefire":
            self.cease_fire(e.factions or tuple(range(len(self.setup.factions))))
        elif e.kind == "handover":
            for t in e.towns:
                old = int(self.owner[t])
                if old == e.to:
                    continue
                self.set_owner(t, e.to, "handover")
                self._assess()
                for uid in np.flatnonzero((self.forces.town == t)
                                          & (self.forces.strength > 0)
                                          & (self.setup.relation[self.forces.faction,
                                                                 e.to] != 1)):
                    if self.retreat(uid):
                        self.leave_town(uid)
                    else:                          # nowhere to go: the unit gives itself up
                        self.losses[self.forces.faction[uid]] += self.forces.strength[uid]
                        self.forces.strength[uid] = 0.0

    def nearest_held(self, faction: int, town: int) -> int:
        """The town itself if the faction (or an ally) holds it and it is supplied, else the
        nearest such town by road; -1 if there is none (reinforcements arrive there)."""
        ok = self.friendly[faction] & self.supplied[faction]
        if ok[town]:
            return town
        d, _ = from_sources(self.roads.full, np.array([town]))
        d = np.where(ok, d[0], np.inf)
        return int(np.argmin(d)) if np.isfinite(d.min()) else -1

    def withdraw(self, faction: int, towns: tuple[int, ...] | None,
                 goal: tuple[int, ...]) -> None:
        """Order the faction's units in ``towns`` (all, if None) back through friendly
        territory to the nearest town of ``goal`` (a town or a defensive line); with no goal,
        to the nearest safe town."""
        f = self.forces
        mask = (f.faction == faction) & (f.strength > 0)
        if towns:
            mask &= np.isin(f.town, towns)
        ids = np.flatnonzero(mask & ~np.isin(f.town, goal))
        if not goal:
            for uid in ids:
                self.retreat(uid)
            return
        _, nxt = nearest_of(self.territory_graph(faction), np.array(goal, dtype=np.int64))
        for uid in ids:
            path = follow(nxt, int(f.town[uid]))
            if path:
                self.order_withdrawal(uid, path)

    def cease_fire(self, factions: tuple[int, ...]) -> None:
        """From today these factions attack no more; their units inside hostile towns break
        contact and fall back, attack orders are cancelled."""
        self.ceasefire.update(factions)
        f = self.forces
        for uid in np.flatnonzero(np.isin(f.faction, factions) & (f.strength > 0)):
            if f.posture[uid] == ATTACK:
                f.order(uid, RESERVE, [])
            if self.hostile_town[f.faction[uid], f.town[uid]]:
                self.retreat(uid)

    def update_supply(self) -> None:
        """Which towns each faction reaches from its (and its allies') supply sources; units
        cut off lose strength and cohesion, supplied ones recover."""
        f, p, sc = self.forces, self.params, self.setup
        for i in range(len(sc.factions)):
            key = (i, self.friendly[i].tobytes())       # unchanged territory, same answer
            hit = self._supply_cache.get(key)
            if hit is None:
                if len(self._supply_cache) > 64:
                    self._supply_cache.clear()
                allies = np.flatnonzero(sc.relation[i] == 1)
                sources = np.concatenate([sc.supply_sources[j] for j in allies])
                inside = supplied_towns(self.territory_graph(i),
                                        sources[self.friendly[i, sources]])
                hit = self._supply_cache[key] = self.supply_graph.reach(inside)
            self.supplied[i] = hit
        alive = f.strength > 0
        ok = self.supplied[f.faction, f.town]
        cut = alive & ~ok
        np.add.at(self.losses, f.faction[cut], f.strength[cut] * p.cutoff_attrition)
        f.strength[cut] *= 1.0 - p.cutoff_attrition
        f.condition[cut] = np.maximum(f.condition[cut] - p.cutoff_morale, 0.05)
        rec = alive & ok
        f.condition[rec] = np.minimum(f.condition[rec] + p.morale_recovery, 1.0)

    def plan(self) -> None:
        """Every faction reads the map and orders its units (see sim.factions)."""
        self._assess()
        for fac in self.factions:
            fac.plan()

    def move_units(self) -> None:
        """Units follow their paths at road speed, stopping at contact; arrivals take up
        their new posture (withdrawn and reinforcing units join the town's defence)."""
        f = self.forces
        has_path = np.zeros(len(f.strength), dtype=bool)
        has_path[: f.size] = [bool(pth) for pth in f.paths[: f.size]]
        movers = np.flatnonzero((f.strength > 0) & has_path)
        blocked = self.hostile_town | self.contact
        moved = advance(f, self.edge_days, blocked, movers)
        for uid in movers:
            if not f.paths[uid] and f.posture[uid] == WITHDRAW:
                f.posture[uid] = RESERVE if f.mobile[uid] else HOLD
        for uid in moved:
            self.units[uid].sync_cell()
        self._assess()

    def resolve_combat(self) -> None:
        """Air interdiction of hostile units near each faction's territory, then stochastic
        Lanchester combat in every town where hostile units meet (sim.battles)."""
        self.interdict()
        resolve(self)

    def interdict(self) -> None:
        """Air power strikes enemy units that are attacking into the faction's territory:
        units with attack orders within one road of its towns, and any unit inside its towns.
        Each loses ``air_interdiction x air`` of its strength a day (summed over the hostile
        factions flying over it); garrisons on quiet fronts are left alone. Interdiction, not
        only close support, is how air power slows an offensive (Pape 1996, ch. 2; the
        Russian air campaign of 2015-20 in Idlib)."""
        p, f = self.params, self.forces
        if p.air_interdiction <= 0 or not self.air.any():
            return
        alive = f.strength > 0
        held = self.owner_mask()
        # umbrella[g, t]: faction g's air reaches town t (its territory and one road beyond)
        umbrella = self.supply_graph.reach_many(held)
        attacking = f.posture == ATTACK
        hit = np.zeros(len(f.strength))
        for g in np.flatnonzero(self.air > 0):
            exposed = held[g, f.town] | (attacking & umbrella[g, f.town])
            enemy = alive & (self.setup.relation[g, f.faction] == -1) & exposed
            hit[enemy] += p.air_interdiction * self.air[g]
        lost = f.strength * np.minimum(hit, 1.0)
        np.add.at(self.losses, f.faction, lost)
        f.strength -= lost

    def update_control(self) -> None:
        """A town changes hands when a hostile faction's units hold it and none of the
        holder's side remain; the cause is assault (fought today), encirclement (its garrison
        surrendered) or withdrawal (its defenders had left)."""
        f = self.forces
        F, n = len(self.setup.factions), self.theatre.n
        alive = f.strength > 0
        S = np.bincount(f.faction[alive] * n + f.town[alive], weights=f.strength[alive],
                        minlength=F * n).reshape(F, n)
        side = self.ally @ S
        hostile = self.enemy @ S
        held = self.owner >= 0
        own_side = np.where(held, side[np.maximum(self.owner, 0), np.arange(n)], 0.0)
        present = np.where(held, hostile[np.maximum(self.owner, 0), np.arange(n)],
                           S.sum(axis=0))
        for t in np.flatnonzero((own_side <= 0) & (present > 0)):
            o = self.owner[t]
            cand = S[:, t] * (self.setup.relation[o] == -1 if o >= 0 else 1)
            new = int(np.argmax(cand))
            cause = ("encirclement" if self.surrendered[t] else
                     "assault" if self.fought[t] else "withdrawal")
            self.set_owner(int(t), new, cause)
            self.occupy(int(t), new)
        self._assess()

    def occupy(self, town: int, faction: int) -> None:
        """Holding ground costs forces: when mobile units take a town, the strongest of them
        leaves ``occupation_share`` of its strength behind as a garrison (at least
        ``min_strength``, and only if it can spare twice that)."""
        f, p = self.forces, self.params
        here = np.flatnonzero((f.town == town) & (f.faction == faction) & (f.strength > 0))
        if here.size == 0 or not f.mobile[here].all():
            return
        uid = int(here[np.argmax(f.strength[here])])
        share = max(p.occupation_share * f.strength[uid], p.min_strength)
        if p.occupation_share <= 0 or f.strength[uid] < 2 * share + p.min_strength:
            return
        f.strength[uid] -= share
        self.add_unit(faction, town, share, float(f.quality[uid]), HOLD, False)

    def update_morale(self) -> None:
        """Morale falls with the value of towns lost today (relative to the faction's value
        at the start), rises half as much with gains, and recovers slowly towards its start."""
        p = self.params
        v0 = np.maximum(self.value0, 1e-9)
        self.morale += (-p.morale_loss * self.value_lost + 0.5 * p.morale_loss
                        * self.value_gained) / v0
        self.morale += p.morale_recovery * np.maximum(self.morale0 - self.morale, 0)
        np.clip(self.morale, 0.05, 1.0, out=self.morale)

    def collect(self) -> None:
        """Record the day: control of every town, per-faction series."""
        self.result.record(self)

    # == helpers shared by factions, battles and events ==========================================
    def _new_day(self) -> None:
        n = self.theatre.n
        self.fought = np.zeros(n, dtype=bool)
        self.surrendered = np.zeros(n, dtype=bool)
        self.value_lost = np.zeros(len(self.setup.factions))
        self.value_gained = np.zeros(len(self.setup.factions))
        self.intel = np.exp(self.rng_plan.normal(0.0, self.params.intel_noise,
                                                 size=(len(self.setup.factions), n)))
        if self.day == 0:
            self._assess()
        else:       # the map is as update_control left it; plan() reassesses after morale
            self._safe, self._ratio = {}, {}

    def _assess(self) -> None:
        """Derived daily arrays: who is friendly/hostile where, effective strengths, threats."""
        f, th = self.forces, self.theatre
        F, n = len(self.setup.factions), th.n
        held = self.owner >= 0
        o = np.maximum(self.owner, 0)
        self.friendly = (self.setup.relation[:, o] == 1) & held
        self.hostile_town = (self.setup.relation[:, o] == -1) & held
        power = self.power_array()
        alive = f.strength > 0
        key = f.faction * n + f.town
        E = np.bincount(key[alive], weights=power[alive], minlength=F * n).reshape(F, n)
        mob = alive & f.mobile & ((f.posture == ATTACK) | (f.posture == RESERVE))
        E_mob = np.bincount(key[mob], weights=power[mob], minlength=F * n).reshape(F, n)
        self.E = E
        hostile_here = self.enemy @ E
        self.contact = hostile_here > 0
        hostile_mob = self.enemy @ E_mob
        self.threat = hostile_here + (self.adjacency @ hostile_mob.T).T
        self.defence = (self.ally @ E) * self.defence_mult
        self._safe: dict[int, np.ndarray] = {}
        self._ratio: dict[int, np.ndarray] = {}

    def owner_mask(self) -> np.ndarray:
        """(F, n) bool: town held by that faction."""
        return self.owner[None, :] == np.arange(len(self.setup.factions))[:, None]

    def power_array(self) -> np.ndarray:
        """Per-unit effective strength: strength x quality x morale x support modifiers."""
        f, p = self.forces, self.params
        fac = f.faction
        support = 1.0 + p.air_effect * self.air[fac] + p.drone_effect * self.drones[fac]
        return f.strength * f.quality * self.morale[fac] * f.condition * support

    def unit_power(self, uid: int) -> float:
        """Effective strength of one unit (as in power_array)."""
        f, p = self.forces, self.params
        i = f.faction[uid]
        return float(f.strength[uid] * f.quality[uid] * self.morale[i] * f.condition[uid]
                     * (1.0 + p.air_effect * self.air[i] + p.drone_effect * self.drones[i]))

    def threat_ratio(self, faction: int) -> np.ndarray:
        """Estimated hostile effective strength in and next to each town, over the
        faction's own defence there (0 where it has no units)."""
        r = self._ratio.get(faction)
        if r is None:
            d = self.defence[faction]
            r = np.zeros_like(d)
            has = self.E[faction] > 0
            r[has] = self.threat[faction, has] * self.intel[faction, has] / d[has]
            self._ratio[faction] = r
        return r

    def frontier(self, faction: int) -> np.ndarray:
        """Hostile towns next to the faction's (or its allies') territory."""
        near = self.adjacency @ self.friendly[faction].astype(np.int8) > 0
        return np.flatnonzero(self.hostile_town[faction] & near)

    def estimated_defence(self, faction: int, towns: np.ndarray) -> np.ndarray:
        """The faction's noisy estimate of the effective defence of hostile towns."""
        side = self.ally @ self.E
        return (side[self.owner[towns], towns] * self.defence_mult[towns]
                * self.intel[faction, towns])

    def objective_pull(self, phase: Phase, faction: int) -> np.ndarray:
        """exp(-road distance to the nearest objective not yet held / objective_range_km)."""
        left = tuple(t for t in phase.objectives if not self.friendly[faction, t])
        pull = self._pull_cache.get(left)
        if pull is None:
            if left:
                d, _ = nearest_of(self.roads.full, np.array(left, dtype=np.int64))
                pull = np.exp(-d / self.params.objective_range_km)
            else:
                pull = np.zeros(self.theatre.n)
            self._pull_cache[left] = pull
        return pull

    def edge_cost_to(self, nbrs: np.ndarray, town: int) -> np.ndarray:
        return np.array([self.edge_cost[(int(b), town)] for b in nbrs])

    def territory_graph(self, faction: int):
        """Road graph restricted to the faction's and its allies' towns (cached by the set
        of towns, which changes far less often than it is asked for)."""
        key = self.friendly[faction].tobytes()
        g = self._territory_cache.get(key)
        if g is None:
            if len(self._territory_cache) > 64:
                self._territory_cache.clear()
            g = self._territory_cache[key] = self.roads.masked(self.friendly[faction])
        return g

    def active_phases(self, faction: int) -> list[Phase]:
        """The faction's phases running today."""
        out = []
        for ph, window in zip(self.setup.phases, self.phase_window, strict=True):
            if ph.faction == faction and window is not None and window[0] <= self.day < window[1]:
                out.append(ph)
        return out

    def set_owner(self, town: int, new: int, cause: str) -> None:
        """Change a town's controller and log it."""
        old = int(self.owner[town])
        v = self.theatre.value[town]
        if old >= 0:
            self.value_lost[old] += v
        self.value_gained[new] += v
        self.captured[town] = True
        self.last_gain[new] = self.day
        self.owner[town] = new
        self.result.log(self.day, town, new, old, cause)

    def add_unit(self, faction: int, town: int, strength: float, quality: float,
                 posture: int, mobile: bool) -> Unit:
        uid = self.forces.extend(faction, town, strength, quality, posture, mobile)[0]
        unit = Unit(self, uid)
        self.units.append(unit)
        return unit

    def order_withdrawal(self, uid: int, path: list[int]) -> None:
        self.forces.order(int(uid), WITHDRAW, path)

    def retreat(self, uid: int) -> bool:
        """Send a unit to the nearest safe friendly town (supplied, not in contact, not
        threatened past its faction's hold limit). False if it has nowhere to go."""
        f = self.forces
        i = int(f.faction[uid])
        here = int(f.town[uid])
        start = here
        if not self.friendly[i, here]:       # a broken attacker falls back the way it came,
            start = int(f.origin[uid])       # else through the nearest friendly neighbour
            if not self.friendly[i, start]:
                nbrs = self.theatre.neighbours[here]
                nbrs = nbrs[self.friendly[i, nbrs]]
                if nbrs.size == 0:
                    return False
                start = int(nbrs[np.argmin([self.edge_cost[(here, int(b))] for b in nbrs])])
        path = follow(self.safe_routes(i), start)
        if start != here:
            path = [start, *path]
        if not path:
            return False
        self.order_withdrawal(uid, path)
        return True

    def leave_town(self, uid: int) -> None:
        """A retreating unit breaks contact at once: it is at the first town of its route by
        the next phase (so a town it leaves is not held by it any more)."""
        f = self.forces
        if f.paths[uid]:
            f.origin[uid] = f.town[uid]
            f.town[uid] = f.paths[uid].pop(0)
            f.progress[uid] = 0.0
            self.units[uid].sync_cell()

    def safe_routes(self, faction: int) -> np.ndarray:
        """Next hop from every town towards the faction's nearest safe town (cached until
        the map changes)."""
        nxt = self._safe.get(faction)
        if nxt is None:
            i = faction
            limit = self.factions[i].hold_limit()
            safe = (self.friendly[i] & self.supplied[i] & ~self.contact[i]
                    & (self.threat_ratio(i) <= limit))
            _, nxt = nearest_of(self.territory_graph(i), np.flatnonzero(safe))
            self._safe[faction] = nxt
        return nxt

    def run(self) -> RunResult:
        """Step to the end of the scenario and return the result."""
        while self.running:
            self.step()
        # Mesa 3.3 keeps a per-model id counter in a class-level dict: drop ours, or a loop of
        # runs grows by ~0.4 MB a run.
        getattr(mesa.Agent, "_ids", {}).pop(self, None)
        return self.result.finish(self)

