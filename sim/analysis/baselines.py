"""The two rulers a forecast must beat. Both start, like the model's ensemble, from the map the
record gives at the origin, and both are deterministic (one member), so they are scored by the
same functions as the model (sim.analysis.scores; their CRPS is their absolute error).

- ``persistence``: nothing changes after the origin (the record's map at the origin).
- ``distance-speed``: every faction that gained ground in the fit window (reports up to the
  origin) advances from the towns the record gives it at the origin, along the roads, at one
  pace fitted by least squares through the origin on the fit window: elapsed days (report
  day + 1) = road km from the faction's day-0 territory x pace. A town held by a hostile
  faction (or nobody) falls on day ``origin + max(1, ceil(km x pace))`` to the nearest such
  advancing faction (km from its territory at the origin). Recaptures and second changes are
  never forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse.csgraph as csgraph

from ..errors import InputError
from ..inputs.reported import Reported
from ..inputs.scenario import Scenario


@dataclass(frozen=True)
class Ruler:
    """A deterministic forecast: the controller of every town at the origin, and for each
    town the day it falls and to whom (inf: not within the run)."""

    method: str
    state: np.ndarray          # (n,) controller at the end of the origin day
    fall: np.ndarray           # (n,) day the town changes hands (inf never)
    taker: np.ndarray          # (n,) who takes it
    detail: dict

    def controller(self, day: int) -> np.ndarray:
        """(n,) controller at the end of ``day``."""
        return np.where(self.fall <= day, self.taker, self.state)

    def change_day(self, town: int, new: int, occurrence: int) -> float:
        """Forecast day of the ``occurrence``-th change of ``town`` to ``new`` after the
        origin (inf when not forecast)."""
        hit = occurrence == 1 and self.taker[town] == new and np.isfinite(self.fall[town])
        return float(self.fall[town]) if hit else np.inf


def persistence(fit_record: Reported, scenario: Scenario, origin: int) -> Ruler:
    state = fit_record.holders(scenario.initial_owner, origin)
    n = len(state)
    return Ruler("persistence", state, np.full(n, np.inf), state.copy(), {})


def road_km_from(scenario: Scenario, towns: np.ndarray) -> np.ndarray:
    """Shortest road distance (km) from a set of towns (a boolean mask) to every town."""
    src = np.flatnonzero(towns)
    if not len(src):
        return np.full(scenario.theatre.n, np.inf)
    d = csgraph.dijkstra(scenario.theatre.roads().km_graph, directed=False, indices=src)
    return d.min(axis=0)


def fit_pace(fit_record: Reported, dist: dict[int, np.ndarray]) -> float:
    """Days per road km: least squares through the origin on (km, day + 1) of the fit-window
    changes to an advancing faction of a town it did not hold at day 0."""
    pairs = [(dist[e.new][e.town], e.day + 1.0) for e in fit_record.events
             if e.new in dist and 0 < dist[e.new][e.town] < np.inf]
    if not pairs:
        raise InputError(fit_record.file, "date", "no reported advance up to the origin to "
                                                  "fit the distance-speed baseline on")
    km, t = np.array(pairs).T
    return float((km * t).sum() / (km * km).sum())


def distance_speed(fit_record: Reported, scenario: Scenario, origin: int) -> Ruler:
    state = fit_record.holders(scenario.initial_owner, origin)
    advancing = sorted({e.new for e in fit_record.events})
    pace = fit_pace(fit_record, {f: road_km_from(scenario, scenario.initial_owner == f)
                                 for f in advancing})
    n = len(state)
    fall, taker = np.full(n, np.inf), state.copy()
    rel = scenario.relation
    for f in advancing:
        km = road_km_from(scenario, state == f)
        for t in range(n):
            hostile = state[t] < 0 or rel[f, state[t]] == -1
            if hostile and 0 < km[t] < np.inf:
                day = origin + max(1.0, np.ceil(km[t] * pace))
                if day < fall[t]:
                    fall[t], taker[t] = day, f
    return Ruler("distance-speed", state, fall, taker, {"speed_km_per_day": 1.0 / pace})
