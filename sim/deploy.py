"""Initial deployment: explicit groups from the scenario, garrisons spread by town value,
and the rest as brigade-sized mobile units staged on the faction's front."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .errors import InputError
from .units import HOLD, POSTURES

if TYPE_CHECKING:
    from .model import ConflictModel


def deploy(model: ConflictModel) -> None:
    """Create every faction's units at day 0.

    Assumptions: a share ``garrison_share`` of a faction's strength garrisons its towns in
    proportion to town value to the power ``garrison_focus`` (towns whose share is below
    ``min_strength`` get none); explicit deployments come out of the same total; what is
    left forms mobile units of
    ``brigade_size`` staged in the faction's most valuable front-line towns.
    """
    sc, th, p = model.setup, model.theatre, model.params
    rows: list[tuple[int, int, float, float, int, bool]] = []
    for i, name in enumerate(sc.factions):
        spec = sc.spec.factions[name]
        fac = model.factions[i]
        explicit = [d for d in sc.deployments if d.faction == i]
        used = sum(d.strength for d in explicit)      # <= strength, checked in bind()
        for d in explicit:
            posture = POSTURES.index(d.posture)
            for _ in range(d.units):
                rows.append((i, d.town, d.strength / d.units, d.quality or spec.quality,
                             posture, posture != HOLD))
        left = spec.strength - used
        towns = np.flatnonzero(model.owner == i)
        if towns.size == 0:
            if left >= p.min_strength and not explicit:
                raise InputError(sc.file, f"factions.{name}",
                                 "the faction holds no town at the start; give it deployments")
            continue
        garrison = min(fac.garrison_share * spec.strength, left)
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
        staging = _staging_towns(model, i, towns)
        for k in range(n_brig):
            rows.append((i, int(staging[k % len(staging)]), mobile / n_brig, spec.quality,
                         POSTURES.index("reserve"), True))
    if rows:
        cols = list(zip(*rows, strict=True))
        ids = model.forces.extend(*[np.array(c) for c in cols])
        from .units import Unit
        model.units.extend(Unit(model, uid) for uid in ids)


def _staging_towns(model: ConflictModel, faction: int, towns: np.ndarray) -> np.ndarray:
    """The faction's towns next to a hostile town, most valuable first (all its towns if it
    has no front)."""
    held = model.owner
    rel = model.setup.relation
    hostile = (held >= 0) & (rel[faction, np.maximum(held, 0)] == -1)
    front = (model.adjacency @ hostile.astype(np.int8) > 0)[towns]
    cand = towns[front] if front.any() else towns
    order = np.argsort(-model.theatre.value[cand], kind="stable")
    return cand[order][: max(3, len(cand) // 3)]
