"""Resolving the day's battles: sides, modifiers, the attrition kernel, breakpoints,
retreat or surrender. Gathers arrays from the state, calls the combat kernel once."""

from __future__ import annotations

import numpy as np

from .kernels import combat
from .orders import give_up, leave_town, retreat
from .situation import Situation
from .state import State


def resolve(state: State, sit: Situation, rng: np.random.Generator) -> None:
    """Fight one day in every town where units of mutually hostile factions meet.

    Sides: the town holder and its allies defend (with ``defence_bonus`` and fortification);
    factions hostile to them attack. Per-capita kill rates are ``kill_rate`` times the side's
    strength-weighted effective strength per fighter (quality x morale x cohesion x fatigue x
    support x culmination, State.power_array); an attacker that came along a road crossing a
    river or climbing into mountains fights at 1 / the road's approach factor (Roads).
    Units that fought tire; the others rest (``fatigue_per_day``, ``fatigue_recovery``).
    Afterwards a unit that has lost more than ``breakpoint`` of the strength it brought
    breaks off, and a defending side whose odds now
    exceed its hold limit withdraws; a broken unit with nowhere to go, or a cut-off unit whose
    morale is below ``surrender_morale``, surrenders.
    """
    f, p, sc = state.forces, state.params, state.scenario
    alive = f.strength > 0
    towns = np.flatnonzero(sit.contact[f.faction[alive], f.town[alive]])
    towns = np.unique(f.town[alive][towns])
    if towns.size == 0:
        f.engaged[:] = np.nan
        _tire(state, np.zeros(len(f.strength), dtype=bool))
        return
    power = state.power_array() / _approach(state)
    battle_town = np.zeros(sc.theatre.n, dtype=bool)
    battle_town[towns] = True
    in_battle = alive & battle_town[f.town]
    f.engaged[~in_battle] = np.nan
    fresh = in_battle & np.isnan(f.engaged)
    f.engaged[fresh] = f.strength[fresh]
    sides: list[tuple[np.ndarray, np.ndarray]] = []
    att_s, dfn_s, att_m, dfn_m = [], [], [], []
    for t in towns.tolist():
        here = np.flatnonzero(in_battle & (f.town == t))
        facs = f.faction[here]
        owner = int(state.owner[t])
        if owner >= 0 and (sc.relation[owner, facs] == 1).any():
            lead = owner
        else:   # the holder's side is absent: the strongest faction present counts as holder
            lead = int(facs[np.argmax(f.strength[here])])
        dmask = sc.relation[lead, facs] == 1
        amask = sc.relation[lead, facs] == -1
        d_ids, a_ids = here[dmask], here[amask]
        mult = state.defence_mult[t] if lead == owner else 1.0
        sd, sa = f.strength[d_ids].sum(), f.strength[a_ids].sum()
        att_s.append(sa)
        dfn_s.append(sd)
        att_m.append(power[a_ids].sum() / max(sa, 1e-9))
        dfn_m.append(power[d_ids].sum() * mult / max(sd, 1e-9))
        sides.append((a_ids, d_ids))
        state.fought[t] = True
    A0, D0 = np.array(att_s), np.array(dfn_s)
    am, dm = np.array(att_m), np.array(dfn_m)
    A, D = combat.attrition(A0, D0, p.kill_rate * am, p.kill_rate * dm, law=p.combat_law,
                            linear_a=p.linear_rate * am, linear_b=p.linear_rate * dm,
                            mixed_weight=p.mixed_weight, rng=rng, noise=p.combat_noise)
    for k, (a_ids, d_ids) in enumerate(sides):
        for ids, before, after in ((a_ids, A0[k], A[k]), (d_ids, D0[k], D[k])):
            if before <= 0:
                continue
            keep = after / before
            lost = f.strength[ids] * (1.0 - keep)
            np.add.at(state.losses, f.faction[ids], lost)
            f.strength[ids] *= keep
    _tire(state, in_battle)
    spent = in_battle & (f.strength < p.min_strength)
    np.add.at(state.losses, f.faction[spent], f.strength[spent])
    f.strength[spent] = 0.0
    _break_off(state, sit, towns, sides, A, D, am, dm)


def _approach(state: State) -> np.ndarray:
    """Per unit: the approach factor of the road it came along into its town (1 for a unit
    that has not moved, or whose town its side holds)."""
    f, roads = state.forces, state.roads
    out = np.ones(len(f.strength))
    for uid in np.flatnonzero((f.strength > 0) & (f.origin != f.town)):
        a, b = int(f.origin[uid]), int(f.town[uid])
        if state.owner[b] >= 0 and state.scenario.relation[f.faction[uid], state.owner[b]] == -1:
            out[uid] = roads.approach_between(a, b)
    return out


def _tire(state: State, in_battle: np.ndarray) -> None:
    """Units that fought today tire; the rest recover."""
    f, p = state.forces, state.params
    alive = f.strength > 0
    busy = alive & in_battle
    f.fatigue[busy] = np.minimum(f.fatigue[busy] + p.fatigue_per_day, 0.9)
    rest = alive & ~busy
    f.fatigue[rest] = np.maximum(f.fatigue[rest] - p.fatigue_recovery, 0.0)


def _break_off(state: State, sit: Situation, towns: np.ndarray,
               sides: list[tuple[np.ndarray, np.ndarray]], A: np.ndarray, D: np.ndarray,
               am: np.ndarray, dm: np.ndarray) -> None:
    """Broken units, and defenders whose odds now exceed their hold limit, leave."""
    f, p = state.forces, state.params
    is_broken = combat.broken(f.strength, f.engaged, p.breakpoint)
    for k, t in enumerate(towns.tolist()):
        a_ids, d_ids = sides[k]
        a_ids = a_ids[f.strength[a_ids] > 0]
        d_ids = d_ids[f.strength[d_ids] > 0]
        if d_ids.size:
            lead = int(f.faction[d_ids[0]])
            odds = (A[k] * am[k]) / max(D[k] * dm[k], 1e-9)
            outmatched = odds > state.hold_limit(lead)
            for uid in d_ids.tolist():
                if outmatched or is_broken[uid]:
                    _retreat_or_surrender(state, sit, uid, t)
        for uid in a_ids.tolist():
            if is_broken[uid]:
                _retreat_or_surrender(state, sit, uid, t)


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
