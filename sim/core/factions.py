"""Faction agents: each day a faction reads the map and orders its units.

Planning, in order (README, "The model", step 3):
1. a `withdraw` phase pulls the faction's units in its region back to its ``to`` town or
   the nearest town of its ``line``; the faction does nothing else that day;
2. garrisons and reserves in towns whose estimated odds have exceeded ``redeploy_ratio`` x
   the hold limit for more than ``redeploy_days`` days redeploy to the nearest safe
   friendly town; (with ``salient_ratio``) garrisons and reserves of a salient whose neck is
   threatened fall back before it is cut off; (with ``breakout_ratio``) idle mobile units
   in a pocket cut off from supply attack out towards the faction's supplied territory
   when their odds allow;
3. (with ``stand_down``) mobile units holding a town that no longer needs them go back
   into reserve; reserves reinforce threatened towns, most valuable first (a town past its
   redeploy odds only from within ``reserve_reach_days``, and only if they could still hold
   it); (with ``rebalance``) reinforcements holding quiet towns go on to the threatened
   towns the reserves could not cover, or back into reserve at the faction's core;
   a faction under a ceasefire stops here;
4. in an offensive or counteroffensive phase, frontier targets (towns of the enemies the
   phase is directed against; all hostile ones by default) are scored (value, pull of the
   phase objectives, and, when the enemy holding them is breaking, the pull of that enemy's
   supply: pursuit; estimated defence with intelligence noise and the ground of the
   approach) and the nearest free units (up to the phase's ``commitment`` share of the
   mobile units) are assigned until the attack ratio is met (with ``beyond_objectives =
   'pursuit'``, a phase that holds all its objectives attacks on only against a breaking
   enemy, and otherwise consolidates as in 5);
5. otherwise the faction counterattacks (unless its ``counterattacks`` is false): free
   reserves retake towns it has held before, next to its territory, where their estimated
   odds reach ``counterattack_ratio``.
Estimates are the faction's view: true strengths times a log-normal error (``intel_noise``);
its resolve varies from day to day (``decision_noise``, State.resolve). They pick the
threatened towns and the targets; how many reserves a threatened town gets, and whether a
unit may stand down, are reckoned on the true threat (sim.core.kernels.plan). An attacker
counts on the strength its units will have at the target: after the culmination factor of
the target's supply depth and the approach factor of the road they come along.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import mesa
import numpy as np

from ..inputs.scenario_parts import Phase
from ..inputs.spec import FactionSpec
from .doctrine import Doctrine
from .events import Timetable
from .kernels import plan
from .kernels.assign import attack, counterattack, frontier
from .kernels.movement import entry
from .kernels.postures import ATTACK, HOLD, POSTURES, RESERVE
from .kernels.routes import follow, from_sources, nearest_of
from .orders import fall_back, retreat, withdraw
from .situation import Situation
from .state import State


@cache
def _posture_set(postures: tuple[int, ...]) -> np.ndarray:
    """A lookup table: posture -> one of ``postures``."""
    return np.isin(np.arange(len(POSTURES)), postures)


@cache
def _faction_set(factions: tuple[int, ...], n: int) -> np.ndarray:
    """A lookup table over ``n`` factions: faction -> one of ``factions``."""
    return np.isin(np.arange(n), factions)


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
        self.leave_salients()
        self.break_out()
        self.stand_down()
        self.reinforce()
        self.rebalance()
        if self.index in self.state.ceasefire:
            return
        if phase is not None and phase.kind in ("offensive", "counteroffensive") \
                and not self.consolidating(phase):
            self.attack(phase)
        elif self.doctrine.counterattacks:
            self.counterattack()

    def _units(self, *postures: int, mobile: bool | None = None) -> np.ndarray:
        """The faction's live units (by id), of the given postures and mobility."""
        f = self.state.forces
        ids = self.situation.units(self.index)
        if postures:
            ids = ids[_posture_set(postures)[f.posture[ids]]]
        if mobile is not None:
            ids = ids[f.mobile[ids] == mobile]
        return ids

    def withdraw_region(self, phase: Phase) -> None:
        """Pull every unit in the phase's region (its objectives; all if none) back through
        friendly territory to ``phase.to`` or the nearest town of ``phase.line``."""
        goal = (phase.to,) if phase.to is not None else phase.line
        moving = self._units(ATTACK, HOLD, RESERVE)
        towns = tuple(phase.objectives) or None
        if moving.size:
            withdraw(self.state, self.situation, self.index, towns, goal)

    def redeploy_threatened(self) -> None:
        """Garrisons and reserves in towns whose estimated odds have exceeded
        ``redeploy_ratio`` times the hold limit for more than ``redeploy_days`` days pull back
        ("redeploy") to the nearest safe town (sim.core.orders.retreat); nearer odds are
        fought out."""
        s, sit, i = self.state, self.situation, self.index
        f = s.forces
        leaving = plan.hopeless(sit.threat_ratio(i), s.params.redeploy_ratio * self.hold_limit(),
                                s.hopeless_days[i], s.params.redeploy_days, sit.units(i),
                                f.posture, f.town)
        for uid in leaving.tolist():
            retreat(s, sit, uid)

    def leave_salients(self) -> None:
        """With ``salient_ratio`` > 0 (1 by default): the garrisons and reserves of a salient
        worth less than the ground behind it (sim.core.kernels.plan.salient) fall back to the
        nearest town the faction would still supply if its necks fell, before the pocket
        closes: a defence gives up a bulge rather than have its troops encircled (retrograde,
        US Army FM 3-90). 0: they stay until cut off, then hold, break out
        (``breakout_ratio``) or surrender."""
        s, sit, i = self.state, self.situation, self.index
        r = s.params.salient_ratio
        if r <= 0.0:
            return
        g, th, f = s.roads.full, s.scenario.theatre, s.forces
        risk, back = plan.salient(sit.friendly[i], s.supplied[i], sit.contact[i],
                                  sit.threat_ratio(i), r * self.hold_limit(), sit.listed(i),
                                  th.onmap, th.value, g.indptr, g.indices, g.data)
        units = self._units(HOLD, RESERVE)
        units = units[risk[f.town[units]]]
        if units.size and back.any():
            fall_back(s, sit, i, units, np.flatnonzero(back))

    def break_out(self) -> None:
        """With ``breakout_ratio`` > 0 (2 by default): the idle mobile units in each pocket
        town (held, out of contact, not reached by the faction's supply) attack the first
        hostile town on the shortest road back to its supplied territory that they can fight
        along (towns of its side, and hostile towns on the map next to that territory), if
        the town they attack from is within ``max_attack_km`` of them, and if the strength
        they will bring there (power x culmination at the target's supply depth / approach
        of the road in) reaches ``breakout_ratio`` x its estimated defence: an encircled
        force fights its way back to its lines rather than wait to be reduced (US Army
        FM 3-90). 0: they hold where they are."""
        s, sit, i = self.state, self.situation, self.index
        ratio = s.params.breakout_ratio
        if ratio <= 0.0 or i in s.ceasefire:
            return
        f, th, roads = s.forces, s.scenario.theatre, s.roads
        units = self._units(HOLD, RESERVE, mobile=True)
        units = units[f.path_at[units] >= f.path_end[units]]
        where = f.town[units]
        cut = sit.friendly[i, where] & ~s.supplied[i, where] & ~sit.contact[i, where] \
            & th.onmap[where]
        units, where = units[cut], where[cut]
        home = np.flatnonzero(sit.friendly[i] & s.supplied[i])
        if units.size == 0 or home.size == 0:
            return
        targets, est = frontier(sit.hostile_town[i], sit.near_friendly[i], th.onmap, sit.side,
                                s.owner, s.defence_mult, s.intel[i])
        gate = np.isfinite(s.depth[i, targets])
        targets, est = targets[gate], est[gate]
        way = sit.friendly[i].copy()
        way[targets] = True
        _, nxt = nearest_of(roads.full, way, home)
        defence = dict(zip(targets.tolist(), est.tolist(), strict=True))
        for town in np.unique(where).tolist():
            path = follow(nxt, town)
            k = next((k for k, t in enumerate(path) if t in defence), None)
            if k is None:
                continue
            target, via = path[k], (path[k - 1] if k else town)
            if k and not np.isfinite(from_sources(roads.full, sit.friendly[i], [town],
                                                  s.params.max_attack_km)[0][0, via]):
                continue                     # beyond max_attack_km, as for any attack
            reach = 1.0 / (1.0 + s.depth[i, target] / s.params.supply_range_km)
            approach = roads.entry_approach[entry(roads.indptr, roads.indices, via, target)]
            going = units[where == town]
            if sit.power[going].sum() * reach / approach < ratio / s.resolve[i] * defence[target]:
                continue
            for uid in going.tolist():
                f.order(uid, ATTACK, path[:k + 1], target)

    def stand_down(self) -> None:
        """With ``stand_down`` > 0: mobile units holding a town that no longer needs them
        (out of contact, and its true threat under ``stand_down`` x the hold limit times the
        defence left without them) go back into reserve, free for new orders: a
        reinforcement lent to a garrison, not given to it (sim.core.kernels.plan.stand_down).
        0 (the default): they stay."""
        if self.state.params.stand_down <= 0.0:
            return
        s, sit, i = self.state, self.situation, self.index
        f = s.forces
        plan.stand_down(sit.units(i), f.posture, f.mobile, f.path_at, f.path_end, f.town,
                        sit.contact[i], s.owner, i, sit.threat[i], sit.defence[i], sit.power,
                        s.defence_mult, s.params.stand_down * self.hold_limit())

    def reinforce(self) -> None:
        """Send free reserves to threatened towns (estimated ratio above half the hold limit),
        most valuable first, until each town's ratio (true threat over defence) is back
        under half the hold limit. A town past the odds at which its garrison pulls back
        gets only the reserves within ``reserve_reach_days`` of march, and only if they
        could bring it within the hold limit; else it is left to its garrison
        (sim.core.kernels.plan.reinforce)."""
        s, sit, i = self.state, self.situation, self.index
        f, roads = s.forces, s.roads
        limit = self.hold_limit()
        units, flat, offsets = plan.reinforce(
            sit.units(i), f.posture, f.mobile, f.path_at, f.path_end, f.town,
            sit.threat_ratio(i), limit, s.params.redeploy_ratio * limit,
            s.params.reserve_reach_days * s.params.speed_highway * s.params.speed_other_share,
            s.owner, i,
            s.scenario.theatre.value, roads.indptr, roads.indices, roads.full.data,
            sit.friendly[i], s.params.max_attack_km, sit.threat[i], sit.defence[i], sit.power,
            s.defence_mult)
        if len(units):
            f.order_many(units, HOLD, flat, offsets)

    def rebalance(self) -> None:
        """With ``rebalance`` > 0: reinforcements holding towns whose estimated odds without
        them stay under ``rebalance`` x the hold limit (a quiet sector, in contact or not)
        go to the threatened towns the free reserves could not cover, most valuable first,
        or else back into reserve at the faction's core (its most valuable safe town). The
        assumption is economy of force, a principle of war (US Army FM 3-0, Operations;
        Clausewitz, On War, book III, ch. 14): a defender holds quiet sectors with the least
        it can and shifts what it saves to where the decision falls
        (sim.core.kernels.plan.rebalance). 0 (the default): reinforcements stay."""
        s, sit, i = self.state, self.situation, self.index
        if s.params.rebalance <= 0.0:
            return
        f, roads, p = s.forces, s.roads, s.params
        limit = self.hold_limit()
        core_ok = s.scenario.theatre.onmap & s.supplied[i] & ~sit.contact[i]
        go, flat, offsets, back, bflat, boffsets = plan.rebalance(
            sit.units(i), f.posture, f.mobile, f.path_at, f.path_end, f.route, f.town,
            sit.threat_ratio(i), limit, p.rebalance * limit, p.redeploy_ratio * limit,
            p.reserve_reach_days * p.speed_highway * p.speed_other_share, s.owner, i,
            s.scenario.theatre.value, core_ok, roads.indptr, roads.indices, roads.full.data,
            sit.friendly[i], p.max_attack_km, sit.threat[i], sit.defence[i], sit.power,
            s.defence_mult)
        if len(go):
            f.order_many(go, HOLD, flat, offsets)
        if len(back):
            f.order_many(back, RESERVE, bflat, boffsets)

    def _release(self) -> tuple[np.ndarray, np.ndarray, int]:
        """Free the mobile units whose attack order has lapsed (target no longer hostile, or
        no path left short of it); return every mobile unit on attack or in reserve, those
        ready for new orders (in reserve, out of contact, without a path), and how many are
        still on attack (sim.core.kernels.plan.release)."""
        f, sit, i = self.state.forces, self.situation, self.index
        return plan.release(sit.units(i), f.posture, f.mobile, f.target, f.town, f.path_at,
                            f.path_end, f.progress, sit.hostile_town[i], sit.contact[i])

    def attack(self, phase: Phase) -> None:
        """Score frontier targets and assign the nearest free mobile units to each until the
        attack ratio (on estimated defence) is met; keep standing attack orders; free units
        not next to a target move up behind the front (sim.core.kernels.assign.attack)."""
        s, sit, p, roads, i = self.state, self.situation, self.state.params, \
            self.state.roads, self.index
        f, th = s.forces, s.scenario.theatre
        mine, free, busy = self._release()
        n_commit = int(round(phase.commitment * len(mine)))
        free = free[: max(n_commit - busy, 0)]
        if free.size == 0:
            return
        targets, est = frontier(sit.hostile_town[i], sit.near_friendly[i], th.onmap, sit.side,
                                s.owner, s.defence_mult, s.intel[i])
        if phase.against:
            aimed = _faction_set(phase.against, s.n_factions)[s.owner[targets]]
            targets, est = targets[aimed], est[aimed]
        if targets.size == 0:
            return
        chase, pull_chase = self._pursuit(targets)
        pull = np.maximum(sit.objective_pull(phase, i)[targets], pull_chase)
        est = est * chase
        score = th.value[targets] * (1.0 + p.objective_weight * pull) / (1.0 + est / 1000.0)
        order = np.argsort(-score, kind="stable")
        units, tgt, flat, offsets, up, up_flat, up_offsets = attack(
            free, f.town, sit.friendly[i], p.max_attack_km, sit.power, targets, order, est,
            self.attack_ratio / s.resolve[i], s.depth[i], p.supply_range_km, roads.indptr,
            roads.indices, roads.full.data, roads.entry_approach)
        if len(units):
            f.order_many(units, ATTACK, flat, offsets, tgt)
        if len(up):
            f.order_many(up, RESERVE, up_flat, up_offsets)

    def consolidating(self, phase: Phase) -> bool:
        """With ``beyond_objectives = 'pursuit'``: the phase has objectives, the faction (or an
        ally) holds them all, and no enemy it is directed against is breaking, so it attacks
        no further (the culminating point of victory; an offensive pursues a collapsing
        enemy beyond its aims, sim.core.factions.Faction._pursuit)."""
        s = self.state
        if s.params.beyond_objectives != "pursuit" or not phase.objectives:
            return False
        if not self.situation.friendly[self.index, list(phase.objectives)].all():
            return False
        enemies = (np.array(phase.against, dtype=np.int64) if phase.against
                   else np.flatnonzero(s.scenario.relation[self.index] == -1))
        breaking = s.morale[enemies] < s.params.pursuit_morale * s.morale0[enemies]
        return not breaking.any()

    def _pursuit(self, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Against an enemy that is breaking (morale below ``pursuit_morale`` of its start):
        per target it holds, a discount on the odds the attacker waits for (its morale over
        its starting morale: a beaten enemy is pressed with less) and the pull of that
        enemy's supply sources (exploitation beyond the listed objectives)."""
        s, sit = self.state, self.situation
        chase, pull = np.ones(len(targets)), np.zeros(len(targets))
        breaking = s.morale < s.params.pursuit_morale * s.morale0
        holders = s.owner[targets]
        for g in np.flatnonzero(breaking):
            mine = holders == g
            if s.scenario.relation[self.index, g] != -1 or not mine.any():
                continue
            chase[mine] = s.morale[g] / s.morale0[g]
            goals = tuple(sorted(int(t) for t in s.scenario.supply_sources[g]
                                 if s.owner[t] == g))
            pull = np.where(mine, np.maximum(pull, sit.pull_towards(goals)[targets]), pull)
        return chase, pull

    def counterattack(self) -> None:
        """Free reserves retake towns the faction has held, next to its territory, where
        the estimated odds reach its ``counterattack_ratio``; most valuable first
        (sim.core.kernels.assign.counterattack: the release of lapsed orders, the frontier,
        the estimates and the assignment in one call)."""
        s, sit, p, roads, i = self.state, self.situation, self.state.params, self.state.roads, \
            self.index
        f = s.forces
        units, tgt, flat, offsets = counterattack(
            sit.units(i), f.posture, f.mobile, f.target, f.town, f.path_at, f.path_end,
            f.progress, sit.hostile_town[i], sit.contact[i], sit.near_friendly[i],
            s.scenario.theatre.onmap, s.held_before[i], sit.side, s.owner, s.defence_mult,
            s.intel[i], s.scenario.theatre.value, sit.friendly[i], p.max_attack_km,
            sit.power, self.doctrine.counterattack_ratio / s.resolve[i], s.depth[i],
            p.supply_range_km, roads.indptr, roads.indices, roads.full.data,
            roads.entry_approach)
        if len(units):
            f.order_many(units, ATTACK, flat, offsets, tgt)
