"""Calibration: fit model parameters to reported control changes.

Loss (DESIGN.md, "Calibration"), in days per reported change::

    loss = ( sum_i mean_r min(|s_ir - d_i|, cap)  +  w_u * mean_r U_r ) / E

where ``d_i`` is the reported day of change i, ``s_ir`` the simulated day of the same change
(k-th change of that place to that faction, see :mod:`sim.reported`) in replicate r (``inf``
when it never happens, which costs ``cap``), ``U_r`` the number of simulated changes up to the
fit date that no report names, and E the number of reported changes. Replicates use the same
seeds for every candidate (common random numbers), so differences between candidates are not
seed noise. The optimiser is ``scipy.optimize.differential_evolution`` with deferred updating
(a generation is evaluated as one batch through an executor's ordered ``map``), so the fit is
the same on 1 or N workers or on Dask.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import differential_evolution

from ..core.model import ConflictModel
from ..errors import InputError
from ..inputs.calibration_spec import CalibrationSpec, check_until
from ..inputs.params import PARAMS
from ..inputs.reported import Reported, match_days, read_reported, unreported
from ..inputs.scenario import Scenario, load_scenario

MapLike = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]


def replicate_seeds(seed: int, n: int) -> tuple[int, ...]:
    """Seeds of the n replicates: spawned from one SeedSequence, the same for every candidate."""
    return tuple(int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(n))


# -- the loss ----------------------------------------------------------------------------------
def event_errors(sim_days: np.ndarray, rep_days: np.ndarray, cap: float) -> np.ndarray:
    """(R, E) capped absolute errors in days; a change that never happened costs ``cap``."""
    err = np.abs(np.asarray(sim_days, float) - np.asarray(rep_days, float)[None, :])
    return np.minimum(np.where(np.isfinite(err), err, cap), cap)


def loss_value(sim_days: np.ndarray, rep_days: np.ndarray, n_unreported: np.ndarray,
               cap: float, unreported_weight: float) -> float:
    """The calibration loss (days per reported change); see the module docstring."""
    E = max(len(rep_days), 1)
    per_event = event_errors(sim_days, rep_days, cap).mean(axis=0).sum()
    return float((per_event + unreported_weight * np.mean(n_unreported)) / E)


# -- simulating ------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _base_scenario(path: str, days: int) -> Scenario:
    return load_scenario(path, {"days": days})


def horizon_days(last_day: int) -> int:
    """Days to simulate: through ``last_day`` (a shorter run leaves out the scenario's later
    events and phases; a longer one runs on past the scenario's end)."""
    return int(last_day + 1)


@dataclass(frozen=True)
class Ensemble:
    """What the replicates of one candidate produced, matched to the reported changes."""

    sim_days: np.ndarray        # (R, E) simulated day of each reported change (inf never)
    n_unreported: np.ndarray    # (R,)
    control: np.ndarray | None  # (R, days, n) controller at the end of each day, if kept


@dataclass(frozen=True)
class Objective:
    """Picklable loss of a parameter vector (a callable instance, for process pools/Dask)."""

    scenario_file: str
    days: int
    names: tuple[str, ...]
    fixed: tuple[tuple[str, Any], ...]
    seeds: tuple[int, ...]
    keys: tuple[tuple[int, int, int], ...]
    rep_days: tuple[float, ...]
    pairs: frozenset[tuple[int, int]]
    until_day: int
    cap: float
    unreported_weight: float

    def params(self, x: Iterable[float]) -> dict[str, Any]:
        return {**dict(self.fixed), **{n: float(v) for n, v in zip(self.names, x, strict=True)}}

    def ensemble(self, x: Iterable[float], *, keep_control: bool = False,
                 seeds: tuple[int, ...] | None = None) -> Ensemble:
        sc = _base_scenario(self.scenario_file, self.days).with_params(**self.params(x))
        seeds = self.seeds if seeds is None else seeds
        days = np.empty((len(seeds), len(self.keys)))
        unrep = np.empty(len(seeds))
        ctrl = []
        for r, s in enumerate(seeds):
            res = ConflictModel(sc, seed=s, agents=False).run()
            days[r] = match_days(res.log_rows, self.keys)
            unrep[r] = unreported(res.log_rows, set(self.pairs), self.until_day)
            if keep_control:
                ctrl.append(res.control_array)
        return Ensemble(days, unrep, np.stack(ctrl) if keep_control else None)

    def __call__(self, x: Iterable[float]) -> float:
        e = self.ensemble(x)
        return loss_value(e.sim_days, np.array(self.rep_days), e.n_unreported, self.cap,
                          self.unreported_weight)


def make_objective(spec: CalibrationSpec, reported: Reported, scenario: Scenario,
                   until_day: int) -> Objective:
    """The objective for fitting ``reported`` (already cut at the fit date)."""
    days = horizon_days(until_day + int(math.ceil(spec.cap_days)))
    return Objective(str(Path(spec.scenario).resolve()), days, tuple(spec.bounds),
                     tuple(sorted(spec.fixed.items())),
                     replicate_seeds(spec.seed, spec.replicates), tuple(reported.keys),
                     tuple(reported.days.tolist()), frozenset(reported.pairs()), until_day,
                     spec.cap_days, spec.unreported_weight)


# -- fitting -----------------------------------------------------------------------------------
@dataclass
class FitResult:
    spec: CalibrationSpec
    objective: Objective
    reported: Reported
    params: dict[str, float]
    loss: float
    generations: list[tuple[int, float, int]]   # (generation, best loss, runs used so far)
    evaluations: int
    runs: int
    seconds: float
    default_loss: float


class _CountingMap:
    def __init__(self, mapper: MapLike) -> None:
        self.mapper = mapper
        self.count = 0

    def __call__(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        items = list(items)
        self.count += len(items)
        return list(self.mapper(fn, items))


def prepare(spec: CalibrationSpec, until_field: tuple[Any, str] | None = None
            ) -> tuple[Scenario, Reported, int]:
    """The scenario, the reports to fit (up to ``spec.until``) and the fit's last day, all
    checked: a fit date within the scenario's dates, at least one report to fit.
    ``until_field``: (file, field) to name when the fit date is wrong (default: the spec's
    ``until``)."""
    scenario = load_scenario(spec.scenario)
    rep = read_reported(spec.reported, scenario).until(spec.until)
    until_day = None
    if spec.until is not None:
        file, field = until_field or (spec.file, "until")
        until_day = check_until(spec.until, scenario.start, scenario.date(scenario.days - 1),
                                scenario.name, file, field)
    if not len(rep):
        raise InputError(spec.reported, "date", f"no reported changes on or before "
                                                f"{spec.until}; nothing to fit")
    return scenario, rep, until_day if until_day is not None else int(rep.days.max())


def fit(spec: CalibrationSpec, *, mapper: MapLike = map,
        progress: Callable[[str], None] | None = None) -> FitResult:
    """Fit ``spec``'s parameters by differential evolution; evaluations go through ``mapper``
    (any ordered map: builtin ``map``, an executor's ``.map``)."""
    t0 = time.perf_counter()
    scenario, rep, until_day = prepare(spec)
    obj = make_objective(spec, rep, scenario, until_day)
    counter = _CountingMap(mapper)
    R = spec.replicates
    default = [float(PARAMS[n].default) if n not in spec.fixed else float(spec.fixed[n])
               for n in spec.bounds]
    default = [min(max(v, lo), hi) for v, (lo, hi) in zip(default, spec.bounds.values(),
                                                          strict=True)]
    default_loss = counter(obj, [default])[0]
    gens: list[tuple[int, float, int]] = []

    def callback(intermediate_result) -> None:
        gens.append((len(gens), float(intermediate_result.fun), counter.count * R))
        if progress:
            g, best, runs = gens[-1]
            progress(f"generation {g:3d}  best loss {best:7.3f} days  runs {runs:6d}  "
                     f"{time.perf_counter() - t0:6.1f} s")

    res = differential_evolution(
        obj, list(spec.bounds.values()), popsize=spec.popsize, maxiter=spec.maxiter,
        tol=spec.tol, updating="deferred", **_seed_kw(spec.optimiser_seed), workers=counter,
        polish=False, init="latinhypercube", callback=callback)
    best = obj.params(res.x)
    return FitResult(spec, obj, rep, {k: best[k] for k in spec.bounds}, float(res.fun), gens,
                     counter.count, counter.count * R, time.perf_counter() - t0, default_loss)


# -- fitted-parameter files --------------------------------------------------------------------
def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(float(v)) if isinstance(v, float) else str(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_params_file(result: FitResult, path: str | Path) -> Path:
    """A TOML file with ``[params]`` (fitted values; any scenario or ``--params`` can use it)
    and ``[calibration]`` metadata: spec, loss, budget, date."""
    spec = result.spec
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Fitted by `frontline calibrate`; load with `frontline run/batch --params FILE`",
             "# or copy [params] into a scenario.", "", "[params]"]
    lines += [f"{k} = {_toml_value(round(v, 4))}" for k, v in result.params.items()]
    lines += [f"{k} = {_toml_value(v)}" for k, v in sorted(spec.fixed.items())]
    meta = {"spec": str(spec.file), "scenario": str(spec.scenario),
            "reported": str(spec.reported), "until": spec.until or "",
            "reported_changes": len(result.reported), "replicates": spec.replicates,
            "seed": spec.seed, "loss": round(result.loss, 4),
            "loss_at_defaults": round(result.default_loss, 4),
            "cap_days": spec.cap_days, "unreported_weight": spec.unreported_weight,
            "popsize": spec.popsize, "maxiter": spec.maxiter,
            "optimiser_seed": spec.optimiser_seed, "evaluations": result.evaluations,
            "runs": result.runs, "seconds": round(result.seconds, 1),
            "fitted_on": dt.date.today()}
    lines += ["", "[calibration]"] + [f"{k} = {_toml_value(v)}" for k, v in meta.items()]
    lines += ["", "[calibration.bounds]"]
    lines += [f"{k} = {_toml_value(list(b))}" for k, b in spec.bounds.items()]
    p.write_text("\n".join(lines) + "\n")
    return p


# -- residuals and plots -----------------------------------------------------------------------
def quantiles(days: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
    """Quantiles of simulated days where ``inf`` (never) ranks last; a quantile that falls
    among the 'never' replicates is ``inf``."""
    days = np.asarray(days, float)
    fin = days[np.isfinite(days)]
    if not len(fin):
        return np.full(len(qs), np.inf)
    q = np.quantile(np.where(np.isfinite(days), days, np.inf), qs, method="inverted_cdf")
    return np.asarray(q, float)


def residual_table(rep: Reported, sim_days: np.ndarray, cap: float, factions: tuple[str, ...]):
    """Per reported change: reported day, simulated median and 10-90% band, share of
    replicates in which it happened, mean capped error, median residual (sim - reported)."""
    rows = []
    for i, e in enumerate(rep.events):
        s = sim_days[:, i]
        fin = s[np.isfinite(s)]
        q = quantiles(s, (0.1, 0.5, 0.9))
        rows.append({"date": e.date.isoformat(), "place": e.place,
                     "new_controller": factions[e.new], "reported_day": e.day,
                     "sim_q10": q[0], "sim_median": q[1], "sim_q90": q[2],
                     "happened": len(fin) / len(s),
                     "error_days": float(event_errors(s[:, None], [e.day], cap).mean()),
                     "residual": q[1] - e.day if np.isfinite(q[1]) else np.nan})
    df = pd.DataFrame(rows)
    for c in ("sim_q10", "sim_median", "sim_q90"):
        df[c] = df[c].replace(np.inf, np.nan)
    return df


def _seed_kw(seed: int) -> dict[str, int]:
    """scipy >= 1.15 takes ``rng=``; older versions ``seed=``."""
    key = "rng" if "rng" in inspect.signature(differential_evolution).parameters else "seed"
    return {key: seed}
