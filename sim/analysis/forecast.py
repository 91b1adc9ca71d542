"""Hold-out forecasts: fit on reports up to a date, score every later reported change.

Three forecasters are scored the same way:
- ``model``: the fitted model, an ensemble of replicates run from day 0 of the scenario;
- ``persistence``: nothing changes after the fit date (the record's state on that date);
- ``distance-speed``: each faction that gained ground in the fit window advances from its
  day-0 territory along the roads at one speed, fitted by least squares (through the origin)
  to the reported changes of the fit window: elapsed days = road km x pace. A place held by a
  hostile faction falls on the day the nearest such advancing faction reaches it.

Scores, over the reported changes dated after the fit date:
- capture-date MAE (days): |forecast day - reported day| of each change, capped at
  ``cap_days`` (a change forecast never to happen costs the cap). The model's forecast day is
  the median over replicates ('never' ranks last);
- right controller: for each later reported date and each place named in a later report, is
  the forecast controller (the model's most frequent one) the record's controller at the end
  of that date? Share over (place, date) pairs;
- Brier score: multi-category (Brier 1950), sum over factions and 'nobody' of (p - o)^2,
  averaged over the same (place, date) pairs; 0 is perfect, 2 is confidently wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse.csgraph as csgraph

from ..errors import InputError
from ..inputs.reported import Reported, read_reported
from ..inputs.scenario import Scenario
from .calibration import (
    CalibrationSpec,
    FitResult,
    MapLike,
    Objective,
    fit,
    horizon_days,
    prepare,
    quantiles,
    replicate_seeds,
)

METHODS = ("model", "persistence", "distance-speed")


@dataclass(frozen=True)
class Forecast:
    """One forecaster's output for the later reported changes and the scored (place, date)
    pairs: forecast change day per change, controller probabilities per pair."""

    method: str
    days: np.ndarray            # (E,) forecast day of each later change (inf = never)
    probs: np.ndarray           # (P, D, F+1) probability of each controller (last = nobody)
    detail: dict


def _onehot(owner: np.ndarray, F: int) -> np.ndarray:
    out = np.zeros((*owner.shape, F + 1))
    idx = np.where(owner >= 0, owner, F)
    np.put_along_axis(out, idx[..., None], 1.0, axis=-1)
    return out


def grid(later: Reported) -> tuple[list[int], list[int]]:
    """The scored places (named in a later report) and dates (days of later reports)."""
    places = sorted({e.town for e in later.events})
    days = sorted({e.day for e in later.events})
    return places, days


def truth(record: Reported, scenario: Scenario, places: list[int], days: list[int]) -> np.ndarray:
    """(P, D) controller per the whole record at the end of each scored day."""
    return np.stack([record.holders(scenario.initial_owner, d)[places] for d in days], axis=1)


def model_forecast(fitted: FitResult, scenario: Scenario, later: Reported, places: list[int],
                   days: list[int], replicates: int, mapper: MapLike = map) -> Forecast:
    """Run the fitted model (fresh seeds, not those of the fit) and read off the forecasts."""
    horizon = horizon_days(max(days))
    obj = Objective(fitted.objective.scenario_file, horizon, fitted.objective.names,
                    fitted.objective.fixed, (), tuple(later.keys), tuple(later.days.tolist()),
                    frozenset(), -1, fitted.spec.cap_days, 0.0)
    seeds = replicate_seeds(fitted.spec.seed + 1, replicates)
    chunks = [seeds[i:i + 5] for i in range(0, len(seeds), 5)]
    x = tuple(fitted.params[n] for n in obj.names)
    parts = list(mapper(_EnsembleTask(obj, x), chunks))
    sim_days = np.concatenate([p[0] for p in parts])
    control = np.concatenate([p[1] for p in parts])            # (R, days, n)
    F = len(scenario.factions)
    owners = control[:, days][:, :, places]                      # (R, D, P)
    probs = _onehot(owners, F).mean(axis=0).transpose(1, 0, 2)   # (P, D, F+1)
    q = np.stack([quantiles(sim_days[:, i], (0.1, 0.5, 0.9)) for i in range(len(later))])
    return Forecast("model", q[:, 1] if len(later) else np.array([]), probs,
                    {"q10": q[:, 0] if len(later) else [], "q90": q[:, 2] if len(later) else [],
                     "happened": np.isfinite(sim_days).mean(axis=0)})


@dataclass(frozen=True)
class _EnsembleTask:
    obj: object
    x: tuple[float, ...]

    def __call__(self, seeds: tuple[int, ...]):
        e = self.obj.ensemble(self.x, keep_control=True, seeds=tuple(seeds))
        return e.sim_days, e.control


def persistence_forecast(fit_record: Reported, scenario: Scenario, later: Reported,
                         places: list[int], days: list[int], until_day: int) -> Forecast:
    state = fit_record.holders(scenario.initial_owner, until_day)[places]
    F = len(scenario.factions)
    probs = np.repeat(_onehot(state, F)[:, None, :], len(days), axis=1)
    return Forecast("persistence", np.full(len(later), np.inf), probs, {})


def road_km_from(scenario: Scenario, faction: int) -> np.ndarray:
    """Shortest road distance (km) from the faction's day-0 towns to every town."""
    src = np.flatnonzero(scenario.initial_owner == faction)
    if not len(src):
        return np.full(scenario.theatre.n, np.inf)
    d = csgraph.dijkstra(scenario.theatre.roads().km_graph, directed=False, indices=src)
    return d.min(axis=0)


def fit_pace(fit_record: Reported, dist: dict[int, np.ndarray]) -> float:
    """Days per road km, least squares through the origin on (km, day + 1) of the fit-window
    changes to an advancing faction from a town it did not hold at day 0."""
    pairs = [(dist[e.new][e.town], e.day + 1.0) for e in fit_record.events
             if e.new in dist and 0 < dist[e.new][e.town] < np.inf]
    if not pairs:
        raise InputError(fit_record.file, "date", "no reported advance before the fit date "
                                                  "to fit the distance-speed baseline on")
    km, t = np.array(pairs).T
    return float((km * t).sum() / (km * km).sum())


def distance_speed_forecast(fit_record: Reported, scenario: Scenario, later: Reported,
                            places: list[int], days: list[int]) -> Forecast:
    advancing = sorted({e.new for e in fit_record.events})
    dist = {f: road_km_from(scenario, f) for f in advancing}
    pace = fit_pace(fit_record, dist)
    n, F = scenario.theatre.n, len(scenario.factions)
    owner0 = scenario.initial_owner
    fall = np.full(n, np.inf)
    taker = owner0.copy()
    for t in range(n):
        best = np.inf
        for f in advancing:
            hostile = owner0[t] < 0 or scenario.relation[f, owner0[t]] == -1
            if hostile and dist[f][t] > 0:
                day = max(0.0, np.ceil(dist[f][t] * pace) - 1)
                if day < best:
                    best, taker[t] = day, f
        fall[t] = best
    fc_days = np.array([fall[e.town] if (taker[e.town] == e.new and e.occurrence == 1)
                        else np.inf for e in later.events])
    owners = np.stack([np.where(fall[places] <= d, taker[places], owner0[places])
                       for d in days], axis=1)                   # (P, D)
    return Forecast("distance-speed", fc_days, _onehot(owners, F),
                    {"speed_km_per_day": 1.0 / pace})


def score(fc: Forecast, later: Reported, true_owner: np.ndarray, cap: float) -> dict:
    err = np.abs(fc.days - later.days)
    err = np.minimum(np.where(np.isfinite(err), err, cap), cap)
    F1 = fc.probs.shape[-1]
    obs = _onehot(true_owner, F1 - 1)
    brier = ((fc.probs - obs) ** 2).sum(axis=-1)
    right = fc.probs.argmax(axis=-1) == np.where(true_owner >= 0, true_owner, F1 - 1)
    return {"method": fc.method, "changes": len(later), "mae_days": float(err.mean()),
            "right_controller": float(right.mean()), "brier": float(brier.mean()),
            "per_date_right": right.mean(axis=0), "errors": err}


def prepare_forecast(spec: CalibrationSpec, fit_until: dt.date, reported_file
                     ) -> tuple[CalibrationSpec, Scenario, Reported, Reported]:
    """Check a forecast's inputs before any run: the fit date within the scenario (named
    as ``--fit-until``), reports to fit before it and reports to score after it. Returns
    the spec with that date and file, the scenario, the whole record and the later part."""
    spec = spec.with_(reported=reported_file, until=fit_until)
    scenario, _rep, _day = prepare(spec, ("command line", "--fit-until"))
    record = read_reported(spec.reported, scenario)
    later = record.after(fit_until)
    if not len(later):
        raise InputError(spec.reported, "date", f"no reported changes after {fit_until} "
                                                f"to score")
    return spec, scenario, record, later


def forecast(spec: CalibrationSpec, fit_until: dt.date, reported_file, *,
             mapper: MapLike = map, progress=None, fitted: FitResult | None = None):
    """Fit on reports up to ``fit_until`` and score the three forecasters on later reports.
    Returns (summary DataFrame, per-change DataFrame, per-date DataFrame, FitResult)."""
    spec, scenario, record, later = prepare_forecast(spec, fit_until, reported_file)
    fit_record = record.until(fit_until)
    until_day = (fit_until - scenario.start).days
    fitted = fitted or fit(spec, mapper=mapper, progress=progress)
    places, days = grid(later)
    true_owner = truth(record, scenario, places, days)
    fcs = [model_forecast(fitted, scenario, later, places, days, spec.forecast_replicates,
                          mapper),
           persistence_forecast(fit_record, scenario, later, places, days, until_day),
           distance_speed_forecast(fit_record, scenario, later, places, days)]
    scores = [score(fc, later, true_owner, spec.cap_days) for fc in fcs]
    summary = pd.DataFrame([{k: s[k] for k in ("method", "changes", "mae_days",
                                                "right_controller", "brier")} for s in scores])
    per_change = pd.DataFrame({
        "date": [e.date.isoformat() for e in later.events],
        "place": [e.place for e in later.events],
        "new_controller": [scenario.factions[e.new] for e in later.events],
        "reported_day": [e.day for e in later.events]})
    for fc, s in zip(fcs, scores, strict=True):
        col = fc.method.replace("-", "_")
        per_change[f"{col}_day"] = np.where(np.isfinite(fc.days), fc.days, np.nan)
        per_change[f"{col}_error"] = s["errors"]
    m = fcs[0].detail
    per_change.insert(5, "model_q10", np.where(np.isfinite(m["q10"]), m["q10"], np.nan))
    per_change.insert(6, "model_q90", np.where(np.isfinite(m["q90"]), m["q90"], np.nan))
    per_change.insert(7, "model_happened", m["happened"])
    per_date = pd.DataFrame({"date": [scenario.date(d).isoformat() for d in days],
                             **{f"{s['method']}_right": s["per_date_right"] for s in scores}})
    summary.attrs["speed_km_per_day"] = fcs[2].detail["speed_km_per_day"]
    return summary, per_change, per_date, fitted
