"""Forecasts that start from the reported map: assimilate the record up to an origin (the
particle filter of sim.analysis.assimilation), continue the members to the horizon, and score
them and the two rulers (sim.analysis.baselines) with the same proper scores
(sim.analysis.scores) at every lead time.

Honesty: nothing dated after the origin is used to fit, tune or script the forecast. The
filter sees only reports dated up to the origin; the scenario is cut to what was known then
(:func:`scenario_as_of`: scheduled events and phases dated after the origin are left out, and
phase ends after the origin are opened); the horizon is the spec's ``horizon_days`` or the
scenario's last day, never the date of a later report. Later reports are used only to score.

What is scored (every table states its day origin):
- each reported change dated after the origin and up to the horizon: the forecast day of the
  k-th change of that place to that faction *after the origin* (k counts the later reports of
  the same place and faction); lead time = reported day - origin day. A member that already
  holds the place for that faction at the origin, where the record up to the origin does not,
  made the change early: its day on or before the origin counts as the first
  (:func:`already_made`), not as 'never';
- every (place, day) for the places named in a later report and the days origin+1..horizon:
  the controller per the record (its map at the origin updated by the later reports);
  lead time = day - origin day. 'Right at the end' is the last day alone.
"""

from __future__ import annotations

import datetime as dt
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..inputs.calibration_spec import CalibrationSpec
from ..inputs.reported import Reported, read_reported
from ..inputs.scenario import Scenario, load_scenario
from ..records import BATCH_COLUMNS, MODEL_SOURCE, NOBODY
from . import scores as S
from .as_of import scenario_as_of
from .assimilation import (
    Ensemble,
    Observation,
    assimilate,
    continue_members,
)
from .baselines import Ruler, distance_speed, persistence
from .calibration import MapLike, quantiles, residual_table
from .posterior import Prior

METHODS = ("model", "persistence", "distance-speed")


@dataclass(frozen=True)
class Setup:
    """One forecast: the scenario as of the origin, the record, the days."""

    spec: CalibrationSpec
    scenario: Scenario
    record: Reported          # every report in the file
    fit: Reported             # dated up to the origin
    later: Reported           # dated after the origin, up to the horizon
    origin: int
    horizon: int
    left_out: tuple[str, ...]

    @property
    def left_out_line(self) -> str:
        """One line: what of the scenario is dated after the origin and left out."""
        what = "; ".join(self.left_out) if self.left_out else "nothing"
        return f"scenario as of {self.scenario.date(self.origin)}: left out {what}"

    @property
    def start_line(self) -> str:
        """One line: what the forecast starts from at the origin."""
        if not self.spec.assimilation.insert_reported_map:
            return "start: the members as the filter left them at the origin"
        named = len({e.town for e in self.fit.events})
        return (f"start: the reported map at the origin ({named} places named by reports up "
                f"to it set in every member; insert_reported_map)")

    @property
    def origin_header(self) -> str:
        sc = self.scenario
        return f"day 0 = {sc.start}; origin = day {self.origin}, {sc.date(self.origin)}"

    @property
    def header(self) -> str:
        return (f"{self.origin_header}; horizon = day {self.horizon}, "
                f"{self.scenario.date(self.horizon)}")


def prepare(spec: CalibrationSpec, origin: dt.date, horizon_days: int | None = None,
            reported=None, named: tuple[Any, str] = ("command line", "--origin")) -> Setup:
    """Load the scenario (long enough for the horizon), cut it at the origin, read the
    record. ``named``: the file and field an origin outside the scenario is blamed on."""
    base = load_scenario(spec.scenario)
    o = (origin - base.start).days
    if not 0 <= o < base.days:
        raise InputError(*named, f"{origin} is outside the scenario "
                         f"{base.name!r} ({base.start} .. {base.date(base.days - 1)})")
    hd = horizon_days or spec.horizon_days
    h = o + hd if hd else base.days - 1
    if h <= o:
        raise InputError(*named, f"{origin} is the last day of the scenario {base.name!r}: "
                                 f"a forecast needs a day after its origin (give an earlier "
                                 f"date, or [forecast] horizon_days in the spec)")
    full = load_scenario(spec.scenario, {"days": max(base.days, h + 1)}) if h >= base.days \
        else base
    full = full.with_params(**spec.fixed) if spec.fixed else full
    sc, notes = scenario_as_of(full, o)
    if reported is None and not spec.reported.exists():   # named as the spec's field
        raise InputError(spec.file, "reported", f"no reported file "
                         f"{spec.reported.as_posix()!r} (a path relative to the spec's folder)")
    record = read_reported(reported or spec.reported, full)
    fit = record.until(origin)
    later = Reported(record.file, tuple(e for e in record.events if o < e.day <= h))
    if not len(fit):
        raise InputError(record.file, "date", f"no reported changes on or before {origin}; "
                                              f"nothing to assimilate")
    for name in spec.bounds:
        where = sc.set_by_events(name)
        if where:
            warnings.warn(f"{spec.file}: params.{name}: fitted, but a params event of the "
                          f"scenario sets it ({', '.join(where)}); from then on the members "
                          "run with the event's value, so only the reports before say "
                          "anything of it", stacklevel=2)
    return Setup(spec, sc, record, fit, later, o, h, tuple(notes))


def run_filter(setup: Setup, *, mapper: MapLike = map,
               progress: Callable[[str], None] | None = None) -> Ensemble:
    spec, a = setup.spec, setup.spec.assimilation
    obs = Observation(a.date_tolerance_days, a.miss_probability, a.unreported_penalty,
                      a.dependence)
    return assimilate(setup.scenario, setup.fit, setup.origin, Prior.from_bounds(spec.bounds),
                      members=a.members, seed=spec.seed, obs=obs,
                      ess_threshold=a.ess_threshold, discount=a.discount, chunk=a.chunk,
                      mapper=mapper, progress=progress)


def analysis(setup: Setup) -> tuple[tuple[int, int], ...]:
    """What the members are set to at the origin: the reported map of every place a report
    up to the origin names, if the spec asks for it (``insert_reported_map``), else
    nothing."""
    if not setup.spec.assimilation.insert_reported_map:
        return ()
    return setup.fit.reported_map(setup.scenario.initial_owner, setup.origin)


# -- targets and forecasts --------------------------------------------------------------------
@dataclass(frozen=True)
class Targets:
    keys: tuple[tuple[int, int, int], ...]    # (town, new, occurrence after the origin)
    obs: np.ndarray                           # (E,) reported day
    places: tuple[int, ...]
    days: tuple[int, ...]                     # origin+1 .. horizon
    truth: np.ndarray                         # (P, D) controller per the record


def targets(setup: Setup) -> Targets:
    seen: dict[tuple[int, int], int] = {}
    keys = []
    for e in setup.later.events:
        k = seen[(e.town, e.new)] = seen.get((e.town, e.new), 0) + 1
        keys.append((e.town, e.new, k))
    places = tuple(sorted({e.town for e in setup.later.events}))
    days = tuple(range(setup.origin + 1, setup.horizon + 1))
    init = setup.scenario.initial_owner
    truth = np.stack([setup.record.holders(init, d)[list(places)] for d in days], axis=1) \
        if places else np.zeros((0, len(days)), dtype=np.int64)
    return Targets(tuple(keys), setup.later.days, places, days, truth)


def already_made(histories: list[set], at_origin: np.ndarray, record_map: np.ndarray,
                 keys, origin: int) -> np.ndarray:
    """(N, E) day on or before the origin on which each member made a target change early.

    A member holding the town for the key's faction at the origin (``at_origin``, (N, n),
    after the analysis), while the record's map at the origin (``record_map``) gives it to
    another, has made the change a later report describes, only sooner: its day is the last
    change of that town to that faction in the member's history, or the origin day if the
    member never lost the town. inf: not made before the origin."""
    out = np.full((len(histories), len(keys)), np.inf)
    for j, (t, f, _k) in enumerate(keys):
        if record_map[t] == f:
            continue
        for i in np.flatnonzero(at_origin[:, t] == f):
            out[i, j] = max((d for town, new, d in histories[i] if town == t and new == f),
                            default=origin)
    return out


def member_days(rows: list[list], keys, early: np.ndarray | None = None) -> np.ndarray:
    """(N, E) day of each target change in each member's rows (inf: not within the run).
    ``early`` (N, E) (:func:`already_made`): a change a member made before the origin counts
    as the first occurrence of its place and faction."""
    out = np.full((len(rows), len(keys)), np.inf)
    for i, member in enumerate(rows):
        by: dict[tuple[int, int], list[float]] = {}
        for d, t, f, _o, _c in member:
            by.setdefault((t, f), []).append(d)
        for j, (t, f, k) in enumerate(keys):
            days = list(by.get((t, f), ()))
            if early is not None and np.isfinite(early[i, j]):
                days.insert(0, float(early[i, j]))
            if len(days) >= k:
                out[i, j] = days[k - 1]
    return out


def report_dates(days: np.ndarray, control: np.ndarray, first: np.ndarray, tg: Targets,
                 tolerance: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The members' forecast of what the reports will say (``report_date_noise``): each
    member's change days ``days`` (N, E) and controllers ``control`` (N, P, D) shifted by a
    date error drawn uniformly from ``-tolerance .. tolerance`` per member and place, the
    date uncertainty the filter's observation model assumes (:class:`Observation`). A forecast
    verified against observations must carry their error too, or its spread reads as
    overconfident however good the model (Saetra et al. 2004; Candille & Talagrand 2008).
    ``first`` (N, P): each member's controllers at the origin, read where a shift reaches
    back past it; a shift past the horizon reads the last day. A change day moved past the
    horizon is not reported within it (inf, as a member's change after the horizon and a
    ruler's), as the shifted map shows."""
    if tolerance == 0 or not len(tg.places):
        return days, control
    shift = rng.integers(-tolerance, tolerance + 1, size=(days.shape[0], len(tg.places)))
    column = {p: j for j, p in enumerate(tg.places)}
    key_place = np.array([column[t] for t, _f, _k in tg.keys], dtype=np.int64)
    moved = days + shift[:, key_place]
    moved[moved > max(tg.days, default=0)] = np.inf
    d = control.shape[2]
    ext = np.concatenate([first[:, :, None], control], axis=2)        # index 0: the origin
    idx = np.clip(np.arange(1, d + 1)[None, None, :] - shift[:, :, None], 0, d)
    return moved, np.take_along_axis(ext, idx, axis=2)


def ruler_forecast(r: Ruler, tg: Targets) -> tuple[np.ndarray, np.ndarray]:
    """A ruler's change days (1, E) (after the horizon: not within it, inf, as for a member)
    and controllers (1, P, D)."""
    days = np.array([[r.change_day(t, f, k) for t, f, k in tg.keys]])
    days[days > max(tg.days, default=0)] = np.inf
    owners = np.stack([r.controller(d)[list(tg.places)] for d in tg.days], axis=1)
    return days, owners[None]


def evaluate(method: str, days: np.ndarray, control: np.ndarray, tg: Targets, setup: Setup,
             rng: np.random.Generator) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Score one method: (summary row, per-change table, per-(place, day) table).
    ``days`` (N, E) forecast change days; ``control`` (N, P, D) controllers."""
    spec, H, F = setup.spec, setup.horizon, len(setup.scenario.factions)
    probs = S.controller_probs(control, F)                       # (P, D, C)
    capped, uncapped = S.abs_errors(days, tg.obs, H, spec.cap_days)
    ch = pd.DataFrame({"method": method, "lead": tg.obs - setup.origin,
                       "crps": S.crps(days, tg.obs, H), "mae_capped": capped,
                       "mae_uncapped": uncapped})
    ch["pit"] = S.pit(days, tg.obs, H, rng) if len(days) > 1 else np.nan
    lead = np.array(tg.days) - setup.origin
    pr = pd.DataFrame({"method": method,
                       "place": np.repeat([setup.scenario.theatre.names[p] for p in tg.places],
                                          len(tg.days)),
                       "day": np.tile(tg.days, len(tg.places)),
                       "lead": np.tile(lead, len(tg.places)),
                       "brier": S.brier(probs, tg.truth).ravel(),
                       "log": S.log_score(probs, tg.truth, spec.log_floor).ravel(),
                       "right": S.right(probs, tg.truth).ravel()})
    end = pr[pr.day == H]
    se = S.spread_error(days, tg.obs, H)
    row = {"method": method, "changes": len(ch), "mae_capped": ch.mae_capped.mean(),
           "mae_uncapped": ch.mae_uncapped.mean(), "crps": ch.crps.mean(),
           "brier": pr.brier.mean(), "log_score": pr.log.mean(),
           "right_all": pr.right.mean(), "right_end": end.right.mean(),
           "spread_error": se["spread_error"]}
    return row, ch, pr


def by_lead(changes: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Mean scores per method and lead time (days after the origin)."""
    a = changes.groupby(["method", "lead"]).agg(changes=("crps", "size"), crps=("crps", "mean"),
                                                 mae_capped=("mae_capped", "mean"),
                                                 mae_uncapped=("mae_uncapped", "mean"))
    b = pairs.groupby(["method", "lead"]).agg(pairs=("brier", "size"), brier=("brier", "mean"),
                                               log_score=("log", "mean"),
                                               right=("right", "mean"))
    return a.join(b, how="outer").reset_index()


@dataclass
class ForecastResult:
    setup: Setup
    ensemble: Ensemble
    summary: pd.DataFrame
    changes: pd.DataFrame           # per later change and method
    pairs: pd.DataFrame             # per (place, day) and method
    lead: pd.DataFrame              # by method and lead time
    reliability: dict[str, pd.DataFrame]
    fit_table: pd.DataFrame         # the reports up to the origin against the members
    rows: list[list]                # each member's log rows after the origin
    control: np.ndarray             # (N, D, n) members' control after the origin
    seconds: float
    detail: dict


def forecast(spec: CalibrationSpec, origin: dt.date, *, mapper: MapLike = map,
             progress: Callable[[str], None] | None = None, reported=None,
             horizon_days: int | None = None) -> ForecastResult:
    """Assimilate up to ``origin``, forecast to the horizon, score model and rulers."""
    t0 = time.perf_counter()
    setup = prepare(spec, origin, horizon_days, reported)
    ens = run_filter(setup, mapper=mapper, progress=progress)
    rows, control = continue_members(ens, setup.horizon, mapper, with_origin=True,
                                     insert=analysis(setup))
    at_origin, control = control[:, 0], control[:, 1:]
    tg = targets(setup)
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(4,)))
    places = list(tg.places)
    early = already_made(ens.histories, at_origin,
                         setup.fit.holders(setup.scenario.initial_owner, setup.origin),
                         tg.keys, setup.origin)
    fc = {"model": (member_days(rows, tg.keys, early),
                    control[:, :, places].transpose(0, 2, 1))}
    if spec.assimilation.report_date_noise:
        fc["model"] = report_dates(*fc["model"], at_origin[:, places], tg,
                                   spec.assimilation.date_tolerance_days,
                                   np.random.default_rng(np.random.SeedSequence(
                                       spec.seed, spawn_key=(5,))))
    rulers = [persistence(setup.fit, setup.scenario, setup.origin),
              distance_speed(setup.fit, setup.scenario, setup.origin)]
    for r in rulers:
        d, own = ruler_forecast(r, tg)
        fc[r.method] = (d, own)
    out = [evaluate(m, d, c, tg, setup, rng) for m, (d, c) in fc.items()]
    summary = pd.DataFrame([o[0] for o in out])
    changes = pd.concat([o[1] for o in out], ignore_index=True)
    pairs = pd.concat([o[2] for o in out], ignore_index=True)
    F = len(setup.scenario.factions)
    reliability = {m: S.reliability_table(S.controller_probs(c, F), tg.truth)
                   for m, (_d, c) in fc.items()}
    per_change = change_table(setup, tg, fc)
    per_change["model_pit"] = changes[changes.method == "model"].pit.to_numpy()
    return ForecastResult(setup, ens, summary, per_change, pairs, by_lead(changes, pairs),
                          reliability, fit_table(setup, ens), rows, control,
                          time.perf_counter() - t0,
                          {"speed_km_per_day": rulers[1].detail["speed_km_per_day"],
                           "changes_long": changes})


def change_table(setup: Setup, tg: Targets, fc: dict) -> pd.DataFrame:
    """Per later change: reported day, lead, the model's median and 10-90% days, the share
    of members in which it happens, the members' mean day and spread with 'never' censored
    at horizon + 1 (so spread/error can be split over any subset of changes), and each
    ruler's day ('never' is blank)."""
    sc = setup.scenario
    model = fc["model"][0]
    q = np.array([quantiles(model[:, j], (0.1, 0.5, 0.9)) for j in range(model.shape[1])]
                 ).reshape(-1, 3)
    df = pd.DataFrame({"date": [e.date.isoformat() for e in setup.later.events],
                       "place": [e.place for e in setup.later.events],
                       "new_controller": [sc.factions[e.new] for e in setup.later.events],
                       "reported_day": tg.obs.astype(int), "lead": tg.obs - setup.origin,
                       "model_median": q[:, 1], "model_q10": q[:, 0], "model_q90": q[:, 2],
                       "model_happened": np.isfinite(model).mean(axis=0)})
    df["model_mean"], df["model_spread"] = S.member_moments(model, setup.horizon)
    for m in METHODS[1:]:
        df[f"{m.replace('-', '_')}_day"] = fc[m][0][0]
    return df.replace(np.inf, np.nan)


def fit_table(setup: Setup, ens: Ensemble) -> pd.DataFrame:
    """The reports up to the origin against the members at the origin: per report, the
    member's change of that place to that faction nearest the reported day (inf: none)."""
    days = np.full((len(ens.histories), len(setup.fit)), np.inf)
    for i, h in enumerate(ens.histories):
        for j, e in enumerate(setup.fit.events):
            near = [d for t, f, d in h if t == e.town and f == e.new]
            if near:
                days[i, j] = min(near, key=lambda d: (abs(d - e.day), d))
    return residual_table(setup.fit, days, setup.spec.cap_days, setup.scenario.factions)


def ensemble_events(setup: Setup, rows: list[list]) -> pd.DataFrame:
    """What each member did after the origin, in the batch event schema (run_id = member)."""
    sc = setup.scenario
    fac = [*sc.factions]
    recs = [(i, d, sc.date(d).isoformat(), sc.theatre.names[t], fac[n],
             fac[o] if o >= 0 else NOBODY, c, MODEL_SOURCE)
            for i, member in enumerate(rows) for d, t, n, o, c in member]
    df = pd.DataFrame(recs, columns=list(BATCH_COLUMNS))
    return df.astype({"run_id": "int64", "day": "int32"})
