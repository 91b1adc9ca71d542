"""Initial deployment: explicit groups from the scenario, garrisons spread by town value,
and the rest as brigade-sized mobile units staged on the faction's front."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import InputError
from .forces import HOLD, POSTURES
from .state import State


def deploy(state: State, garrison_share: Sequence[float],
           strength_factor: Sequence[float] | None = None) -> None:
    """Create every faction's units at day 0.

    Assumptions: a faction's true strength is the scenario's estimate times
    ``strength_factor`` (a run's draw of ``force_uncertainty``; explicit deployments scale
    with it); a share ``garrison_share`` of it garrisons the faction's on-map towns in
    proportion to town value to the power ``garrison_focus`` (towns whose share is below
    ``min_strength`` get none; off-map places get no garrison); explicit deployments come out
    of the same total; what is left forms mobile units of ``brigade_size`` staged in the
    faction's most valuable front-line towns.
    """
    sc, p = state.scenario, state.params
    th = sc.theatre
    rows: list[tuple[int, int, float, float, int, bool]] = []
    for i, name in enumerate(sc.factions):
        spec = sc.spec.factions[name]
        k = 1.0 if strength_factor is None else float(strength_factor[i])
        total = spec.strength * k
        explicit = [d for d in sc.deployments if d.faction == i]
        used = sum(d.strength for d in explicit) * k   # <= strength, checked in bind()
        for d in explicit:
            posture = POSTURES.index(d.posture)
            for _ in range(d.units):
                rows.append((i, d.town, d.strength * k / d.units, d.quality or spec.quality,
                             posture, posture != HOLD))
        left = total - used
        towns = np.flatnonzero((state.owner == i) & th.onmap)
        if towns.size == 0:
            if left >= p.min_strength and not explicit:
                raise InputError(sc.file, f"factions.{name}",
                                 "the faction holds no town at the start; give it deployments")
            continue
        garrison = min(garrison_share[i] * total, left)
        w = th.value[towns] ** p.garrison_focus
        share = garrison * w / w.sum()
        keep = share >= p.min_strength
        if keep.any():
            share = np.where(keep, share, 0.0) * garrison / share[keep].sum()
        for t, s in zip(towns[keep], share[keep], strict=True):
            rows.append((i, int(t), float(s), spec.quality, HOLD, False))
        mobile = left - (garrison if keep.any() else 0.0)
        if mobile < p.min_strength:
            continue
        n_brig = max(int(round(mobile / p.brigade_size)), 1)
        staging = _staging_towns(state, i, towns)
        for k in range(n_brig):
            rows.append((i, int(staging[k % len(staging)]), mobile / n_brig, spec.quality,
                         POSTURES.index("reserve"), True))
    if rows:
        cols = list(zip(*rows, strict=True))
        state.forces.extend(*[np.array(c) for c in cols])


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
