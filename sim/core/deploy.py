"""Initial deployment: explicit groups from the scenario, garrisons spread by town value,
and the rest as brigade-sized mobile units staged on the faction's front."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import libm
from ..errors import InputError
from . import template
from .kernels.postures import HOLD, POSTURES, RESERVE
from .state import State


def deploy(state: State, garrison_share: Sequence[float],
           strength_factor: Sequence[float] | None = None) -> None:
    """Create every faction's units at day 0.

    Assumptions: a faction's true strength is the scenario's estimate times
    ``strength_factor`` (a run's draw of ``force_uncertainty``; explicit deployments scale
    with it); a share ``garrison_share`` of it garrisons the faction's on-map towns in
    proportion to town value to the power ``garrison_focus`` (towns whose share is below
    ``min_strength`` get none; off-map places get no garrison); explicit deployments come out
    of the same total (those with a later ``day`` wait in ``State.arrivals`` and enter the
    map that day: sim.core.events.arrive); what is left forms mobile units of
    ``brigade_size`` staged in the faction's most valuable front-line towns. What does not
    depend on ``strength_factor`` (the towns, their weights, the staging towns) is planned
    once per scenario.
    """
    sc, p = state.scenario, state.params
    key = ("deploy", tuple(garrison_share))
    store = template.of(sc)
    plans = store.get(key)
    if plans is None:
        plans = store[key] = [_Plan(state, i) for i in range(len(sc.factions))]
    cols: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for i, pl in enumerate(plans):
        k = 1.0 if strength_factor is None else float(strength_factor[i])
        total = pl.strength * k
        used = pl.explicit_total * k   # <= strength, checked in bind()
        if pl.explicit_towns.size:
            now = pl.explicit_day == 0
            cols.append((i, pl.explicit_towns[now],
                         pl.explicit_strength[now] * k / pl.explicit_units[now],
                         pl.explicit_quality[now], pl.explicit_posture[now]))
            for u in np.flatnonzero(~now):
                state.arrivals.append((int(pl.explicit_day[u]), i, int(pl.explicit_towns[u]),
                                       float(pl.explicit_strength[u] * k
                                             / pl.explicit_units[u]),
                                       float(pl.explicit_quality[u]),
                                       int(pl.explicit_posture[u])))
        left = total - used
        if pl.towns.size == 0:
            if left >= p.min_strength and not pl.explicit_towns.size:
                raise InputError(sc.file, f"factions.{sc.factions[i]}",
                                 "the faction holds no town at the start; give it deployments")
            continue
        garrison = min(garrison_share[i] * total, left)
        share = garrison * pl.weight / pl.weight_sum
        keep = share >= p.min_strength
        kept = keep.any()
        if kept:
            share = np.where(keep, share, 0.0) * garrison / share[keep].sum()
            towns = pl.towns[keep]
            cols.append((i, towns, share[keep], np.full(towns.size, pl.quality),
                         np.full(towns.size, HOLD)))
        mobile = left - (garrison if kept else 0.0)
        if mobile < p.min_strength:
            continue
        n_brig = max(int(round(mobile / p.brigade_size)), 1)
        towns = pl.staging[np.arange(n_brig) % len(pl.staging)]
        cols.append((i, towns, np.full(n_brig, mobile / n_brig), np.full(n_brig, pl.quality),
                     np.full(n_brig, RESERVE)))
    if cols:
        faction = np.repeat([c[0] for c in cols], [len(c[1]) for c in cols])
        town, strength, quality, posture = (np.concatenate(x)
                                            for x in list(zip(*cols, strict=True))[1:])
        state.forces.extend(faction, town, strength, quality, posture, posture != HOLD)


class _Plan:
    """One faction's deployment plan, without its strength draw."""

    def __init__(self, state: State, i: int) -> None:
        sc, p = state.scenario, state.params
        spec = sc.spec.factions[sc.factions[i]]
        self.strength, self.quality = spec.strength, spec.quality
        explicit = [d for d in sc.deployments if d.faction == i]
        self.explicit_total = sum(d.strength for d in explicit)
        rows = [(d.town, d.strength, d.units, d.quality or spec.quality,
                 POSTURES.index(d.posture), d.day) for d in explicit for _ in range(d.units)]
        cols = list(zip(*rows, strict=True)) or [(), (), (), (), (), ()]
        self.explicit_towns = np.array(cols[0], dtype=np.int64)
        self.explicit_strength = np.array(cols[1], dtype=float)
        self.explicit_units = np.array(cols[2], dtype=float)
        self.explicit_quality = np.array(cols[3], dtype=float)
        self.explicit_posture = np.array(cols[4], dtype=np.int64)
        self.explicit_day = np.array(cols[5], dtype=np.int64)
        th = sc.theatre
        self.towns = np.flatnonzero((state.owner == i) & th.onmap)
        self.weight = libm.power(th.value[self.towns], p.garrison_focus)
        self.weight_sum = self.weight.sum()
        self.staging = _staging_towns(state, i, self.towns) if self.towns.size else self.towns


def _staging_towns(state: State, faction: int, towns: np.ndarray) -> np.ndarray:
    """The faction's towns next to a hostile town, most valuable first (all its towns if it
    has no front)."""
    held = state.owner
    rel = state.scenario.relation
    hostile = (held >= 0) & (rel[faction, np.maximum(held, 0)] == -1)
    front = (state.roads.adjacency @ hostile.astype(np.int8) > 0)[towns]
    cand = towns[front] if front.any() else towns
    order = np.argsort(-state.scenario.theatre.value[cand], kind="stable")
    return cand[order][: max(3, len(cand) // 3)]
