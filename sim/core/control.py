"""Control: who holds each town at the end of the day's fighting.

Rule (README, "The model", step 6): a town changes hands when a hostile faction's units hold it and
none of the holder's side remain; an unheld town passes to whoever has units in it. Off-map
places never change hands. The cause
is encirclement (its garrison surrendered today), assault (fought over today), encirclement
(its garrison surrendered on an earlier day and its side has not come back) or withdrawal (its
defenders had left). Mobile units that take a town leave a garrison in it (orders.occupy).
"""

from __future__ import annotations

from ..records import Cause
from .kernels import control
from .orders import occupy
from .state import State


def change_control(s: State) -> None:
    """Apply the control rule to every town (sim.core.kernels.control); log each change;
    the new holders garrison the towns they took (orders.occupy)."""
    f, th = s.forces, s.scenario.theatre
    towns, new = control.changes(s.owner, s.scenario.relation, f.faction, f.town, f.strength,
                                 th.onmap)
    if towns.size == 0:
        return
    for t, g in zip(towns.tolist(), new.tolist(), strict=True):
        cause = (Cause.ENCIRCLEMENT if s.surrendered[t] else
                 Cause.ASSAULT if s.fought[t] else
                 Cause.ENCIRCLEMENT if s.abandoned[t] else Cause.WITHDRAWAL)
        s.set_owner(t, g, cause)
    occupy(s, towns, new)
