"""Faction agents: each day a faction reads the map and orders its units.

Planning, in order (DESIGN.md, step 3):
1. a `withdraw` phase pulls the faction's units in its region back to a named town;
2. garrisons facing hopeless odds redeploy to the nearest defensible friendly town;
3. reserves reinforce threatened towns, most valuable first;
4. in an offensive phase, frontier targets are scored (value, pull of the phase objectives,
   estimated defence with intelligence noise, distance) and the nearest free units are
   assigned until the attack ratio is met.
Estimates are the faction's view: true strengths times a log-normal error (``intel_noise``).
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from ..inputs.params import Params
from ..inputs.scenario import Phase
from ..inputs.spec import FactionSpec
from .events import Timetable
from .forces import ATTACK, HOLD, RESERVE
from .kernels.routes import from_sources, walk
from .orders import retreat, withdraw
from .situation import Situation
from .state import State


class Doctrine:
    """A faction's standing rules: the force ratio it assembles before attacking, the odds
    its garrisons face before withdrawing, the share of its strength that garrisons towns.
    A faction's own value in the scenario overrides the parameter of the same name."""

    def __init__(self, spec: FactionSpec, p: Params) -> None:
        self.attack_ratio = spec.attack_ratio or p.attack_ratio
        self.hold_ratio = spec.hold_ratio or p.hold_ratio
        self.garrison_share = (spec.garrison_share if spec.garrison_share is not None
                               else p.garrison_share)


class Faction(mesa.Agent):
    """An armed faction: doctrine, morale, external support; each day it plans."""

    def __init__(self, model: Any, index: int, name: str, spec: FactionSpec,
                 doctrine: Doctrine, state: State, situation: Situation,
                 timetable: Timetable) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.label = spec.label or name
        self.colour = spec.colour
        self.doctrine = doctrine
        self.attack_ratio = doctrine.attack_ratio
        self.state, self.situation, self.timetable = state, situation, timetable

    # -- state held in the run's arrays, exposed for users and the viz --------------------------
    @property
    def morale(self) -> float:
        return float(self.state.morale[self.index])

    @property
    def air(self) -> float:
        return float(self.state.air[self.index])

    @property
    def drones(self) -> float:
        return float(self.state.drones[self.index])

    def hold_limit(self) -> float:
        """Enemy/own effective ratio a garrison will face before it withdraws (see
        State.hold_limit)."""
        return self.state.hold_limit(self.index)

    def active_phase(self) -> Phase | None:
        """The faction's phase running today that comes last in the scenario file (a later
        phase overrides an earlier one that is still running)."""
        active = self.timetable.active(self.index, self.state.day)
        return active[-1] if active else None

    # -- planning ---------------------------------------------------------------------------------
    def plan(self) -> None:
        """Issue today's orders (see the module docstring for the order of decisions)."""
        phase = self.active_phase()
        if phase is not None and phase.kind == "withdraw":
            self.withdraw_region(phase)
            return
        self.redeploy_threatened()
        self.reinforce()
        if (phase is not None and phase.kind in ("offensive", "counteroffensive")
                and self.index not in self.state.ceasefire):
            self.attack(phase)

    def _units(self, *postures: int, mobile: bool | None = None) -> np.ndarray:
        f = self.state.forces
        mask = (f.faction == self.index) & (f.strength > 0)
        if postures:
            mask &= np.logical_or.reduce([f.posture == q for q in postures])
        if mobile is not None:
            mask &= f.mobile == mobile
        return np.flatnonzero(mask)

    def withdraw_region(self, phase: Phase) -> None:
        """Pull every unit in the phase's region (its objectives; all if none) back through
        friendly territory to ``phase.to`` or the nearest town of ``phase.line``."""
        goal = (phase.to,) if phase.to is not None else phase.line
        moving = self._units(ATTACK, HOLD, RESERVE)
        towns = tuple(phase.objectives) or None
        if moving.size:
            withdraw(self.state, self.situation, self.index, towns, goal)

    def redeploy_threatened(self) -> None:
        """Garrisons whose estimated odds exceed ``redeploy_ratio`` times the hold limit pull
        back ("redeploy") to the nearest defensible town; nearer odds are fought out."""
        s, sit = self.state, self.situation
        ratio = sit.threat_ratio(self.index)
        limit = self.hold_limit()
        hopeless = np.flatnonzero(ratio > s.params.redeploy_ratio * limit)
        if hopeless.size == 0:
            return
        f = s.forces
        here = self._units(HOLD, RESERVE)
        leaving = here[np.isin(f.town[here], hopeless)]
        for uid in leaving:
            retreat(s, sit, uid)

    def reinforce(self) -> None:
        """Send free reserves to threatened towns, most valuable first, until each town's
        estimated ratio is back under half the hold limit."""
        s, sit = self.state, self.situation
        f, th = s.forces, s.scenario.theatre
        reserves = self._units(RESERVE, mobile=True)
        reserves = reserves[np.array([not f.paths[u] for u in reserves], dtype=bool)] \
            if reserves.size else reserves
        if reserves.size == 0:
            return
        ratio = sit.threat_ratio(self.index)
        limit = self.hold_limit()
        threatened = np.flatnonzero((ratio > 0.5 * limit)
                                    & (ratio <= s.params.redeploy_ratio * limit)
                                    & (s.owner == self.index))
        if threatened.size == 0:
            return
        threatened = threatened[np.argsort(-th.value[threatened], kind="stable")]
        graph = sit.territory_graph(self.index)
        locs = np.unique(f.town[reserves])
        dist, pred = from_sources(graph, locs, limit=s.params.max_attack_km)
        row_of = {int(t): i for i, t in enumerate(locs)}
        free = set(reserves.tolist())
        for town in threatened:
            need = sit.threat[self.index, town] / (0.5 * limit) - sit.defence[self.index, town]
            cands = sorted((dist[row_of[int(f.town[u])], town], u) for u in free)
            for d, uid in cands:
                if need <= 0 or not np.isfinite(d):
                    break
                path = walk(pred[row_of[int(f.town[uid])]], int(f.town[uid]), int(town))
                if f.town[uid] != town and not path:
                    continue
                f.order(uid, HOLD, path)
                free.discard(uid)
                need -= s.unit_power(uid) * s.defence_mult[town]

    def attack(self, phase: Phase) -> None:
        """Score frontier targets and assign the nearest free mobile units to each until the
        attack ratio (on estimated defence) is met; keep standing attack orders."""
        s, sit = self.state, self.situation
        f, th, p, roads = s.forces, s.scenario.theatre, s.params, s.roads
        mine = self._units(ATTACK, RESERVE, mobile=True)
        # keep orders whose target is still hostile; free the rest
        for uid in mine[f.posture[mine] == ATTACK]:
            tgt = f.target[uid]
            if tgt < 0 or not sit.hostile_town[self.index, tgt] or (not f.paths[uid]
                                                                  and f.town[uid] != tgt):
                f.order(uid, RESERVE, [])
        free = mine[(f.posture[mine] == RESERVE) & ~sit.contact[self.index, f.town[mine]]]
        free = free[np.array([not f.paths[u] for u in free], dtype=bool)] if free.size else free
        n_commit = int(round(phase.commitment * len(mine)))
        busy = int((f.posture[mine] == ATTACK).sum())
        free = free[: max(n_commit - busy, 0)]
        if free.size == 0:
            return
        targets = sit.frontier(self.index)
        if targets.size == 0:
            return
        est = sit.estimated_defence(self.index, targets)
        pull = sit.objective_pull(phase, self.index)[targets]
        score = th.value[targets] * (1.0 + p.objective_weight * pull) / (1.0 + est / 1000.0)
        order = np.argsort(-score, kind="stable")
        graph = sit.territory_graph(self.index)
        locs = np.unique(f.town[free])
        dist, pred = from_sources(graph, locs, limit=p.max_attack_km)
        row_of = {int(t): i for i, t in enumerate(locs)}
        unit_row = np.searchsorted(locs, f.town[free])
        in_pool = np.ones(free.size, dtype=bool)
        for k in order:
            if not in_pool.any():
                break
            tgt = int(targets[k])
            nbrs = roads.neighbours[tgt]
            nbrs = nbrs[sit.friendly[self.index, nbrs]]
            if nbrs.size == 0:
                continue
            # cheapest approach to the target from every unit location, through a friendly
            # neighbour of it; candidates by cost, then unit id
            total = dist[:, nbrs] + roads.costs_to(nbrs, tgt)
            j = np.argmin(total, axis=1)
            cost = total[np.arange(len(locs)), j][unit_row]
            ok = np.flatnonzero(in_pool & np.isfinite(cost))
            if ok.size == 0:
                continue
            ok = ok[np.lexsort((free[ok], cost[ok]))]
            need = self.attack_ratio * est[k]
            chosen, power = [], 0.0
            for c in ok.tolist():
                uid = int(free[c])
                chosen.append((c, uid, int(nbrs[j[unit_row[c]]])))
                power += s.unit_power(uid)
                if power >= need:
                    break
            if power < need or not chosen:
                continue
            for c, uid, via in chosen:
                here = int(f.town[uid])
                path = (walk(pred[row_of[here]], here, via) if via != here else []) + [tgt]
                f.order(uid, ATTACK, path, tgt)
                in_pool[c] = False

