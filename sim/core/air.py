"""Air power beyond the battlefield: interdiction of enemy units attacking into a faction's
territory (close support in battle is a modifier of effective strength, sim.core.state)."""

from __future__ import annotations

import numpy as np

from .forces import ATTACK
from .state import State


def interdict(state: State) -> None:
    """Air power strikes enemy units that are attacking into the faction's territory:
    units with attack orders within one road of its towns, and any unit inside its towns.
    Each loses ``air_interdiction x air`` of its strength a day (summed over the hostile
    factions flying over it); garrisons on quiet fronts are left alone. Interdiction, not
    only close support, is how air power slows an offensive (Pape 1996, ch. 2; the
    Russian air campaign of 2015-20 in Idlib)."""
    s, p = state, state.params
    f = s.forces
    if p.air_interdiction <= 0 or not s.air.any():
        return
    alive = f.strength > 0
    held = s.owner_mask()
    umbrella = s.roads.reach_many(held)  # faction g's air reaches its towns and one road on
    attacking = f.posture == ATTACK
    hit = np.zeros(len(f.strength))
    for g in np.flatnonzero(s.air > 0):
        exposed = held[g, f.town] | (attacking & umbrella[g, f.town])
        enemy = alive & (s.scenario.relation[g, f.faction] == -1) & exposed
        hit[enemy] += p.air_interdiction * s.air[g]
    lost = f.strength * np.minimum(hit, 1.0)
    np.add.at(s.losses, f.faction, lost)
    f.strength -= lost
