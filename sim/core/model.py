"""ConflictModel: the daily step (README, "The model") as named phases.

What Mesa gives and what it is used for here:
- ``mesa.Model``: the model object, its ``running`` flag and ``rng`` (Mesa's own stream,
  spawned from the run's seed like the others);
- the factions are ``mesa.Agent``s in an ``AgentSet`` (``model.factions``); planning goes
  through it, in scenario order;
- units are ``CellAgent``s on a ``mesa.discrete_space.Network`` of the towns only when
  someone reads them: ``ConflictModel(..., agents=True)`` (the default when you build a model
  yourself, and the browser view) creates them and moves each to its town's cell at the end of
  every day. Batch runs, calibration and ``sim.run`` pass ``agents=False``: the units then
  live only in the arrays of ``model.forces``, which is what the phases read.

The run's state is ``model.state`` (sim.core.state); what factions read off the map is
``model.situation`` (sim.core.situation); the scenario's schedule is ``model.timetable``.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Sequence

import mesa
import networkx as nx
import numpy as np
from mesa.agent import AgentSet
from mesa.discrete_space import Network

from .. import libm
from ..inputs.scenario import Scenario
from ..records import Cause
from . import events
from .air import interdict
from .battles import resolve
from .control import change_control
from .deploy import deploy
from .doctrine import Doctrine
from .events import Timetable
from .factions import Faction
from .forces import Forces, Unit, advance
from .kernels.supply import cut_off
from .orders import hand_over
from .results import RunResult
from .situation import Situation
from .state import State

_NETWORK_HAS_LAYOUT = "layout" in inspect.signature(Network.__init__).parameters


class ConflictModel(mesa.Model):
    """Factions contesting the towns of a road graph, one step per day.

    ``seed`` feeds one ``numpy.random.SeedSequence``; it spawns an independent stream for
    each random process (Mesa's own generator; the day's intelligence errors and decision
    noise; combat; the drawn force strengths; friction), so a run is a pure function of
    scenario and seed. The bound scenario is ``model.setup`` (Mesa 3.5
    reserves ``Model.scenario`` for its own experimental scenarios).
    """

    def __init__(self, scenario: Scenario, seed: int | None = None, *,
                 agents: bool = True) -> None:
        seed = scenario.spec.seed if seed is None else int(seed)
        ss_mesa, ss_plan, ss_combat, ss_setup, ss_tempo = np.random.SeedSequence(seed).spawn(5)
        super().__init__(rng=np.random.default_rng(ss_mesa))
        self.seed = seed
        self.setup = sc = scenario
        self.rng_plan = np.random.default_rng(ss_plan)
        self.rng_combat = np.random.default_rng(ss_combat)
        self.rng_tempo = np.random.default_rng(ss_tempo)
        doctrines = [Doctrine(spec, sc.params) for spec in sc.spec.factions.values()]
        self.state = State.start(sc, tuple(d.hold_ratio for d in doctrines))
        self.situation = Situation(self.state)
        self.timetable = Timetable(sc)
        #: the values the scenario's params events have set so far (they hold from then on)
        self.event_params: dict[str, float | str] = {}
        self.factions = AgentSet(
            [Faction(self, i, name, spec, doctrines[i], self.state, self.situation,
                     self.timetable)
             for i, (name, spec) in enumerate(sc.spec.factions.items())], random=self.random)
        true_strength = libm.exp(np.random.default_rng(ss_setup).normal(
            0.0, sc.params.force_uncertainty, size=len(doctrines)))
        deploy(self.state, [d.garrison_share for d in doctrines], true_strength)
        self.units: list[Unit] = []
        self.grid: Network | None = None
        if agents:
            g = nx.Graph()
            g.add_nodes_from(range(sc.theatre.n))
            g.add_edges_from(map(tuple, sc.theatre.edges.tolist()))
            kw = {"layout": sc.theatre.positions()} if _NETWORK_HAS_LAYOUT else {}
            self.grid = Network(g, random=self.random, **kw)
            self._place_units()
        self.result = RunResult.begin(sc, seed, self.state)
        self.state.new_day(self.rng_plan)
        self.state.next_tempo(self.rng_tempo, first=True)
        self.situation.assess()

    # == the daily step ==========================================================================
    def step(self) -> None:
        """Advance one day. The order is part of the model (README, "The model")."""
        self.apply_scenario_events()
        self.update_supply()
        self.plan()             # every Faction issues orders
        self.move_units()
        self.resolve_combat()
        self.update_control()
        self.update_morale()
        self.collect()
        self.state.day += 1
        self.state.new_day(self.rng_plan)
        self.state.next_tempo(self.rng_tempo)
        self.situation.forget_routes()  # the map is as update_control left it
        if self.state.day >= self.setup.days:
            self.running = False

    def apply_scenario_events(self) -> None:
        """Scenario events of the day: phases whose condition now holds begin; groups
        deployed for a later day enter the map; dated events and events whose condition now
        holds fire (reinforcements, withdrawals, handovers, support switched on or off,
        ceasefires, parameters changed from today on)."""
        self.timetable.begin_phases(self.state)
        arrived = events.arrive(self.state, self.situation)
        today = self.timetable.due(self.state)
        for e in today:
            if e.kind == "params":
                self.event_params.update(e.params)
                self._use(self.setup.with_params(**dict(e.params)))
                self.state.rescale_today()      # today's noise draws take the new values
            else:
                events.apply(e, self.state, self.situation)
        if today or arrived:
            self.situation.assess()

    def update_supply(self) -> None:
        """Which towns each faction reaches from its (and its allies') supply sources; units
        cut off for longer than the stocks they carry last lose strength and cohesion,
        supplied ones are restocked and recover; the depth of each town behind its supply
        weakens attackers there (Boulding's 1962 loss-of-strength gradient;
        sim.core.kernels.supply)."""
        s, p = self.state, self.setup.params
        f = s.forces
        for i in range(s.n_factions):
            s.supplied[i], s.depth[i] = self.situation.supply(i)
        cut_off(f.faction, f.town, f.strength, f.condition, f.cut_days, s.supplied,
                s.losses, p.stock_days, p.cutoff_attrition, p.cutoff_morale,
                p.morale_recovery)

    def plan(self) -> None:
        """Every faction reads the map, as its estimates show it, and orders its units: the
        plan's order and each step's assumption are in sim.core.factions."""
        self.situation.assess()
        self.factions.do("plan")

    def move_units(self) -> None:
        """Units follow their paths at road speed, stopping at contact, and at the opposed
        advance rate into a town whose defenders stand (Situation.defended), for as many
        days of movement as their faction's tempo gives today (1 without friction);
        arrivals take up their new posture (withdrawn and reinforcing units join the
        town's defence; withdrawn units regroup as mobile reserves in the off-map rear)."""
        f = self.state.forces
        movers = np.flatnonzero((f.strength > 0) & (f.path_at < f.path_end))
        blocked = self.situation.hostile_town | self.situation.contact
        advance(f, self.state.roads, blocked, self.situation.defended(),
                self.setup.params.opposed_speed, movers, self.state.tempo,
                self.state.scenario.theatre.offmap)
        self.situation.assess()

    def resolve_combat(self) -> None:
        """Air interdiction of hostile units near each faction's territory, then a day of
        stochastic attrition (Helmbold's form by default, ``combat_law``) in every town where
        hostile units meet (sim.core.battles)."""
        interdict(self.state)
        resolve(self.state, self.situation, self.rng_combat)

    def update_control(self) -> None:
        """A town changes hands when a hostile faction's units hold it and none of the
        holder's side remain (sim.core.control)."""
        change_control(self.state)
        self.situation.assess()

    def update_morale(self) -> None:
        """Morale falls with the value of towns lost today (relative to the faction's stake,
        State.stake), rises half as much with gains, and recovers slowly towards its start
        (a modelling choice: a loss shakes an army in proportion to what it fights for;
        ``frontline params morale_loss``)."""
        s, p = self.state, self.setup.params
        v0 = np.maximum(s.stake, 1e-9)
        s.morale += (-p.morale_loss * s.value_lost + 0.5 * p.morale_loss
                     * s.value_gained) / v0
        s.morale += p.morale_recovery * np.maximum(s.morale0 - s.morale, 0)
        np.clip(s.morale, 0.05, 1.0, out=s.morale)

    def collect(self) -> None:
        """Record the day: control of every town, per-faction series (and, with agents,
        each unit's cell)."""
        self.result.record(self.state)
        if self.grid is not None:
            self._place_units()

    # == running, copying and reading =============================================================
    def fork(self, seed: int | None = None) -> ConflictModel:
        """A copy of this run as it stands (at the start of ``day``). With ``seed`` the copy's
        future random draws come from new streams spawned from it, so copies of one state
        diverge (ensembles, particle filters; its planning and combat streams are those a
        fresh run with that seed would use, its friction stream is not: the fourth child of
        ``seed``'s SeedSequence, where a fresh run's is the fifth); without, it repeats this
        run's future exactly.
        The scenario, theatre and roads are shared, not copied (they never change)."""
        sc = self.setup
        shared = (sc, sc.theatre, sc.params, sc.phases, sc.events, self.state.roads)
        twin = copy.deepcopy(self, {id(x): x for x in shared})
        if seed is not None:
            _, ss_plan, ss_combat, ss_tempo = np.random.SeedSequence(seed).spawn(4)
            twin.rng_plan = np.random.default_rng(ss_plan)
            twin.rng_combat = np.random.default_rng(ss_combat)
            twin.rng_tempo = np.random.default_rng(ss_tempo)
        return twin

    def set_control(self, control: Sequence[tuple[int, int]]) -> int:
        """The analysis step of a forecast (sim.analysis.assimilation): before today's step,
        each ``(town, faction)`` of ``control`` passes to that faction, as in a handover
        (units of sides not allied to it fall back, or give themselves up with nowhere to
        go), and the map recorded for yesterday (on day 0: the starting map) becomes the new
        one, the state the forecast starts from. Morale counts the changes with today's gains
        and losses. Returns how many places changed hands."""
        s = self.state
        self.situation.forget_routes()
        changed = sum(hand_over(s, self.situation, int(t), int(g), Cause.HANDOVER)
                      for t, g in control)
        if changed:
            self.situation.forget_routes()
            self.situation.assess()
            if s.day > 0:
                self.result.control_array[s.day - 1] = s.owner
            else:       # no day recorded yet: row -1 would be the last day's
                self.result.initial = s.owner.copy()
        return changed

    def set_params(self, **changes: float | str) -> None:
        """Change the run's parameters from today on (checked against the table; a fork's
        new parameters in a particle filter), and record them in the run's metadata. A
        scenario's params events that have already fired keep their values: an event's value
        holds from its day on, whatever the run started with."""
        run = self.setup.with_params(**changes)
        self._use(run.with_params(**self.event_params) if self.event_params else run)
        new = run.params.as_dict()      # the metadata keeps the run's own values, not the
        self.result.meta["params"] = {  # events' (self.setup holds those once they fire)
            **self.result.meta["params"], **{k: new[k] for k in changes}}

    def _use(self, sc: Scenario) -> None:
        """Run on with ``sc``'s parameters: everything derived from them (road times,
        defence multipliers, doctrines, cached routes) follows."""
        self.setup = sc
        doctrines = [Doctrine(spec, sc.params) for spec in sc.spec.factions.values()]
        self.state.use(sc, tuple(d.hold_ratio for d in doctrines))
        for fac, d in zip(self.factions, doctrines, strict=True):
            fac.doctrine, fac.attack_ratio = d, d.attack_ratio
        self.situation.forget_all()
        self.situation.assess()


    def run(self) -> RunResult:
        """Step to the end of the scenario and return the result."""
        while self.running:
            self.step()
        # Mesa 3.3 keeps a per-model id counter in a class-level dict: drop ours, or a loop of
        # runs grows by ~0.4 MB a run.
        getattr(mesa.Agent, "_ids", {}).pop(self, None)
        return self.result.finish(self.state.day)

    def _place_units(self) -> None:
        """Give new units an agent and move every agent to its unit's town."""
        f = self.state.forces
        self.units.extend(Unit(self, uid) for uid in range(len(self.units), f.size))
        for unit in self.units:
            unit.sync_cell()

    @property
    def day(self) -> int:
        """Today (0 is the scenario's start date)."""
        return self.state.day

    @property
    def theatre(self):
        return self.setup.theatre

    @property
    def params(self):
        return self.setup.params

    @property
    def forces(self) -> Forces:
        return self.state.forces

    @property
    def owner(self) -> np.ndarray:
        """(n,) controller of every town now (-1 nobody)."""
        return self.state.owner

    @property
    def morale(self) -> np.ndarray:
        return self.state.morale

    @property
    def air(self) -> np.ndarray:
        return self.state.air

    @property
    def drones(self) -> np.ndarray:
        return self.state.drones

    @property
    def supplied(self) -> np.ndarray:
        return self.state.supplied

    @property
    def losses(self) -> np.ndarray:
        return self.state.losses
