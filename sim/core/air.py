"""Air power beyond the battlefield: interdiction of enemy units attacking into a faction's
territory (close support in battle is a modifier of effective strength,
sim.core.kernels.assess.power)."""

from __future__ import annotations

from .kernels.air import interdict as kernel
from .state import State


def interdict(state: State) -> None:
    """Air power strikes enemy units that are attacking into the faction's territory:
    units with attack orders within one road of its towns, and any unit inside its towns.
    Each loses ``air_interdiction x air`` of its strength a day (summed over the hostile
    factions flying over it); garrisons on quiet fronts are left alone. Interdiction, not
    only close support, is how air power slows an offensive (Pape 1996, ch. 2; the
    Russian air campaign of 2015-20 in Idlib)."""
    s, p = state, state.params
    if p.air_interdiction <= 0 or not s.air.any():
        return
    f, roads = s.forces, s.roads
    kernel(s.owner, s.scenario.relation, s.air, p.air_interdiction, roads.indptr,
           roads.indices, f.faction, f.town, f.posture, f.strength, s.losses)
