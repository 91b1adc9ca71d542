"""Control: who holds each town at the end of the day's fighting.

Rule (DESIGN.md, step 6): a town changes hands when a hostile faction's units hold it and
none of the holder's side remain; an unheld town passes to whoever has units in it. Off-map
places never change hands. The cause
is assault (fought over today), encirclement (its garrison surrendered) or withdrawal (its
defenders had left). Mobile units that take a town leave a garrison in it (orders.occupy).
"""

from __future__ import annotations

import numpy as np

from ..records import Cause
from .orders import occupy
from .state import State


def change_control(s: State) -> None:
    """Apply the control rule to every town; log each change."""
    f, rel = s.forces, s.scenario.relation
    F, n = s.n_factions, s.scenario.theatre.n
    alive = f.strength > 0
    S = np.bincount(f.faction[alive] * n + f.town[alive], weights=f.strength[alive],
                    minlength=F * n).reshape(F, n)
    side = s.ally @ S
    hostile = s.enemy @ S
    held = s.owner >= 0
    own_side = np.where(held, side[np.maximum(s.owner, 0), np.arange(n)], 0.0)
    present = np.where(held, hostile[np.maximum(s.owner, 0), np.arange(n)], S.sum(axis=0))
    onmap = s.scenario.theatre.onmap               # off-map places never change hands
    for t in np.flatnonzero((own_side <= 0) & (present > 0) & onmap):
        o = s.owner[t]
        cand = S[:, t] * (rel[o] == -1 if o >= 0 else 1)
        new = int(np.argmax(cand))
        cause = (Cause.ENCIRCLEMENT if s.surrendered[t] else
                 Cause.ASSAULT if s.fought[t] else Cause.WITHDRAWAL)
        s.set_owner(int(t), new, cause)
        occupy(s, int(t), new)
