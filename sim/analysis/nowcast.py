"""Nowcasts: what the ensemble says now and over the next days, as an analyst would hand it
on. The record is assimilated up to the date (sim.analysis.assimilation, reports dated up to
it only, the scenario cut at it); the members then run on for N days.

- probability of control: per town, the share of members in which each faction (or nobody)
  holds it at the end of the date ('now') and at the end of the N days;
- capture-day distribution: every change of a town to a faction that happens after the date
  in at least ``min_share`` of the members (the first such change in a member), with the share
  of members in which it happens on each day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..inputs.calibration_spec import CalibrationSpec
from . import scores as S
from .assimilation import continue_members
from .calibration import MapLike
from .forecast import Setup, analysis, prepare, run_filter


@dataclass
class Nowcast:
    setup: Setup
    control: pd.DataFrame        # per town: probabilities now and at the end
    changes: pd.DataFrame        # the likely changes and their day distribution
    probs_now: np.ndarray        # (n, F+1)
    probs_end: np.ndarray        # (n, F+1)


def nowcast(spec: CalibrationSpec, date: dt.date, days: int, *, mapper: MapLike = map,
            progress: Callable[[str], None] | None = None, min_share: float = 0.05,
            named: tuple[Any, str] = ("command line", "--date")) -> Nowcast:
    setup = prepare(spec, date, horizon_days=days, named=named)
    ens = run_filter(setup, mapper=mapper, progress=progress)
    rows, control = continue_members(ens, setup.horizon, mapper, with_origin=True,
                                     insert=analysis(setup))
    sc = setup.scenario
    F = len(sc.factions)
    now, end = S.controller_probs(control[:, 0], F), S.controller_probs(control[:, -1], F)
    names = [*sc.factions, "nobody"]
    table = pd.DataFrame({"place": sc.theatre.names, "lat": sc.theatre.lat,
                          "lon": sc.theatre.lon})
    for label, p in (("now", now), ("end", end)):
        for k, name in enumerate(names):
            table[f"{label}_{name}"] = p[:, k]
        table[f"{label}_most_likely"] = [names[k] for k in p.argmax(axis=1)]
    N = len(rows)
    first: dict[tuple[int, int], list[int]] = {}
    for member in rows:
        seen: set[tuple[int, int]] = set()
        for d, t, f, _o, _c in member:
            if (t, f) not in seen:
                seen.add((t, f))
                first.setdefault((t, f), []).append(d)
    day_range = range(setup.origin + 1, setup.horizon + 1)
    recs = []
    for (t, f), ds in first.items():
        if len(ds) / N < min_share:
            continue
        counts = np.bincount(np.array(ds) - setup.origin - 1, minlength=len(day_range))
        rec = {"place": sc.theatre.names[t], "new_controller": sc.factions[f],
               "probability": len(ds) / N, "median_day": float(np.median(ds)),
               "median_date": sc.date(int(np.median(ds))).isoformat()}
        rec.update({f"p_day_{sc.date(d)}": c / N
                    for d, c in zip(day_range, counts, strict=True)})
        recs.append(rec)
    changes = pd.DataFrame(recs)
    if len(changes):
        changes = changes.sort_values(["probability", "median_day"], ascending=[False, True],
                                      kind="stable").reset_index(drop=True)
    return Nowcast(setup, table, changes, now, end)
