"""Resolving the day's battles: sides, modifiers, the attrition kernel, breakpoints,
retreat or surrender. Gathers arrays from the state, calls the combat kernel once."""

from __future__ import annotations

import numpy as np

from .kernels import battle, combat
from .orders import give_up, leave_town, retreat
from .situation import Situation
from .state import State


def resolve(state: State, sit: Situation, rng: np.random.Generator) -> None:
    """Fight one day in every town where units of mutually hostile factions meet.

    Sides: the town holder and its allies defend (with ``defence_bonus`` and fortification);
    factions hostile to them attack; a day's losses follow ``combat_law`` (by default
    Helmbold's form, sim.core.kernels.combat). Per-capita kill rates are ``kill_rate`` times
    the side's strength-weighted effective strength per fighter (quality x morale x cohesion
    x fatigue x support x culmination, sim.core.kernels.assess.power); an attacker that came along a
    road crossing a river or climbing into mountains fights at 1 / the road's approach
    factor (Roads).
    Units that fought tire; the others rest (``fatigue_per_day``, ``fatigue_recovery``).
    Afterwards a unit that has lost more than ``breakpoint`` of the strength it brought
    breaks off, and a defending side whose odds now exceed its hold limit withdraws once the
    battle has lasted more than ``stand_days`` days (``urban_stand_days`` in towns and
    cities; 0 by default: the same evening); a
    broken unit with nowhere to go, or a cut-off unit whose morale is below
    ``surrender_morale``, surrenders.
    """
    f, p, sc, roads = state.forces, state.params, state.scenario, state.roads
    towns, A0, D0, am, dm, att, a_start, dfn, d_start, in_battle = battle.prepare(
        sit.contact, f.faction, f.town, f.origin, f.strength, f.quality, f.condition,
        f.fatigue, f.posture, f.engaged, state.morale, state.air, state.drones, p.air_effect,
        p.drone_effect, state.owner, sc.relation, state.depth, p.supply_range_km,
        roads.indptr, roads.indices, roads.entry_road, roads.approach, state.defence_mult,
        state.fought)
    days = np.zeros_like(state.battle_days)
    days[towns] = state.battle_days[towns] + 1
    state.battle_days = days
    if towns.size == 0:
        battle.rest(f.strength, f.fatigue, f.engaged, p.fatigue_recovery)
        return
    A, D = combat.attrition(A0, D0, p.kill_rate * am, p.kill_rate * dm, law=p.combat_law,
                            linear_a=p.linear_rate * am, linear_b=p.linear_rate * dm,
                            mixed_weight=p.mixed_weight, helmbold_weight=p.helmbold_weight,
                            rng=rng, noise=p.combat_noise)
    hold = np.array([state.hold_limit(i) for i in range(state.n_factions)])
    may_go = days[towns] > state.stand_days[towns]
    leaving = battle.settle(A0, D0, A, D, am, dm, att, a_start, dfn, d_start, in_battle,
                            f.faction, f.strength, f.fatigue, f.engaged, state.losses, hold,
                            may_go, p.fatigue_per_day, p.fatigue_recovery, p.min_strength,
                            p.breakpoint)
    for uid in leaving.tolist():
        _retreat_or_surrender(state, sit, uid, int(f.town[uid]))


def _retreat_or_surrender(state: State, sit: Situation, uid: int, town: int) -> None:
    """A unit that must leave falls back if it can; a cut-off unit with low morale, or one
    with nowhere to go, surrenders (a town whose garrison surrendered is 'encircled')."""
    f, p = state.forces, state.params
    i = int(f.faction[uid])
    cut_off = not state.supplied[i, f.town[uid]]
    low = state.morale[i] * f.condition[uid] < p.surrender_morale
    if (cut_off and low) or not retreat(state, sit, uid):
        give_up(state, uid)
        if state.owner[town] == i:
            state.surrendered[town] = True
        return
    f.condition[uid] *= 0.8
    leave_town(state, uid)
