"""Calibration files: which parameters to fit, within which bounds, to which reported
control changes, with what budget. Validated with pydantic like scenarios and experiments;
parameter names and values are checked against the one table (sim.inputs.params).

    scenario = "../scenarios/deter_aggression_2024.toml"   # paths relative to this file
    reported = "reported/nw_syria_2024.csv"
    until = 2024-11-30             # fit on reports dated up to here
    [params]                       # name = [low, high]
    speed_highway = [15.0, 150.0]
    [fixed]                        # name = value, held fixed during the fit
    [loss]                         # cap_days, unreported
    [optimiser]                    # popsize, maxiter, seed, tol (differential evolution)
    [assimilation]                 # the particle filter: members, observation model, jitter
    [forecast]                     # origins, horizon_days, log_floor (replicates: legacy)

``[assimilation]`` and ``[forecast]`` fields are described in sim.analysis.assimilation and
sim.analysis.forecast; every field has a documented default.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from ..errors import InputError, did_you_mean
from .faults import validation_error
from .files import read_toml
from .kinds import check_kind
from .limits import MAX_SEED, check_date
from .params import PARAMS, coerce
from .spec import Strict

#: Most runs a fit may ask for (evaluations x replicates): about a day on one core.
MAX_FIT_RUNS = 10_000_000


class LossSpec(Strict):
    cap_days: float = Field(7.0, ge=1.0, le=365.0, allow_inf_nan=False,
                            description="a change off by more days (or never) costs this")
    unreported: float = Field(0.25, ge=0.0, le=100.0, allow_inf_nan=False,
                              description="days per simulated change no report names")


class OptimiserSpec(Strict):
    popsize: int = Field(5, ge=2, le=1000)
    maxiter: int = Field(10, ge=0, le=10_000)
    seed: int = Field(1, ge=0, le=MAX_SEED)
    tol: float = Field(0.0, ge=0.0, le=1.0, allow_inf_nan=False)


class AssimilationSpec(Strict):
    """The particle filter (sim.analysis.assimilation)."""

    members: int = Field(1000, ge=2, le=1_000_000,
                         description="ensemble members (particles)")
    chunk: int = Field(25, ge=1, le=100_000,
                       description="members per task (does not change results)")
    ess_threshold: float = Field(0.5, gt=0.0, le=1.0, allow_inf_nan=False,
                                 description="resample when ESS < this x members")
    discount: float = Field(0.95, gt=0.5, le=1.0, allow_inf_nan=False,
                            description="Liu & West discount delta (kernel shrinkage)")
    date_tolerance_days: int = Field(1, ge=0, le=30,
                                     description="a report dated d matches a change on "
                                                 "d-tol..d+tol")
    miss_probability: float = Field(0.1, gt=0.0, lt=0.5, allow_inf_nan=False,
                                    description="probability a report is not matched by "
                                                "the truth within the tolerance")
    unreported_penalty: float = Field(0.1, ge=0.0, le=10.0, allow_inf_nan=False,
                                      description="log-likelihood per simulated change no "
                                                  "report names")
    dependence: Literal["independent", "source"] = Field(
        "independent", description="'source': reports of one date that share a citation count "
                              "as one report between them; 'independent': every report "
                              "counts in full")
    insert_reported_map: bool = Field(
        True, description="at the origin, every place a report up to the origin names "
                           "passes in every member to its last reported controller (direct "
                           "insertion), so the forecast starts from the reported map")
    report_date_noise: bool = Field(
        False, description="forecast the dates reports will give: each member's change day "
                           "and map shifted by a date error uniform on -tol..tol "
                           "(date_tolerance_days), drawn per member and place")


class ForecastSpec(Strict):
    replicates: int = Field(40, ge=1, le=100_000,
                            description="legacy (differential-evolution forecasts)")
    origins: list[dt.date] = Field(default_factory=list,
                                   description="forecast origins of the benchmark suite")
    horizon_days: int | None = Field(None, ge=1, le=365,
                                     description="days forecast after the origin "
                                                 "(default: to the last report)")
    log_floor: float = Field(0.01, gt=0.0, lt=0.5, allow_inf_nan=False,
                             description="probability floor of the log score")


class CalibrationFile(Strict):
    """The schema of a calibration TOML."""

    description: str = ""
    scenario: str = Field(min_length=1)
    reported: str = Field(min_length=1)
    until: dt.date | None = None
    replicates: int = Field(8, ge=1, le=10_000)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    params: dict[str, tuple[float, float]] = Field(min_length=1)
    fixed: dict[str, Any] = {}
    loss: LossSpec = LossSpec()
    optimiser: OptimiserSpec = OptimiserSpec()
    assimilation: AssimilationSpec = AssimilationSpec()
    forecast: ForecastSpec = ForecastSpec()

    @field_validator("until")
    @classmethod
    def _until_in_range(cls, v: dt.date | None) -> dt.date | None:
        if v is None:
            return v
        try:
            return check_date(v, None, "until")
        except InputError as exc:
            raise ValueError(exc.message) from None


@dataclass(frozen=True)
class CalibrationSpec:
    """A calibration file resolved: paths made absolute, bounds and fixed values checked
    against the parameter table."""

    file: Path
    scenario: Path
    reported: Path
    until: dt.date | None
    bounds: dict[str, tuple[float, float]]
    replicates: int = 8
    seed: int = 0
    cap_days: float = 7.0
    unreported_weight: float = 0.25
    popsize: int = 5
    maxiter: int = 10
    optimiser_seed: int = 1
    tol: float = 0.0
    forecast_replicates: int = 40
    fixed: dict[str, Any] = field(default_factory=dict)
    assimilation: AssimilationSpec = field(default_factory=AssimilationSpec)
    origins: tuple[dt.date, ...] = ()
    horizon_days: int | None = None
    log_floor: float = 0.01

    def with_(self, **changes: Any) -> CalibrationSpec:
        return replace(self, **changes)


def load_spec(path: str | Path) -> CalibrationSpec:
    """Read and check a calibration TOML (paths are relative to the file)."""
    p = Path(path)
    raw = read_toml(p)
    check_kind(raw, "calibration spec", p)
    try:
        f = CalibrationFile.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(exc, p) from None
    if not (p.parent / f.scenario).exists():      # named as the spec's field, not bare
        raise InputError(p, "scenario", f"no scenario file {f.scenario!r} (looked in "
                                        f"{p.parent})")
    bounds = {}
    for name, (lo, hi) in f.params.items():
        if name not in PARAMS or PARAMS[name].choices:
            numeric = [k for k, v in PARAMS.items() if not v.choices]
            if "." in name:         # factions.X.stake and the like: the scenario's, not fitted
                raise InputError(p, f"params.{name}", "a scenario field, which is not fitted: "
                                 "priors are for the model's numeric parameters (`frontline "
                                 "params`); for a faction's stake, give `morale_loss` a prior "
                                 "(morale reads morale_loss / stake)")
            raise InputError(p, f"params.{name}", "not a numeric parameter"
                             f"{did_you_mean(name, numeric)}; see `frontline params`")
        lo, hi = (coerce(name, v, file=p, field=f"params.{name}") for v in (lo, hi))
        if not lo < hi:
            raise InputError(p, f"params.{name}", f"expected low < high, got [{lo}, {hi}]")
        bounds[name] = (float(lo), float(hi))
    fixed = {k: coerce(k, v, file=p, field=f"fixed.{k}") for k, v in f.fixed.items()}
    both = [k for k in fixed if k in bounds]   # fitted and held: params.toml got it twice
    if both:
        raise InputError(p, f"fixed.{both[0]}", "also given a prior in [params]: a parameter "
                         "is either fitted (a prior) or held fixed, not both; drop one")
    runs = (f.optimiser.popsize * len(bounds) * (f.optimiser.maxiter + 1) + 1) * f.replicates
    if runs > MAX_FIT_RUNS:
        raise InputError(p, "optimiser", f"a budget of {runs:,} runs (popsize x parameters x "
                         f"(maxiter + 1) x replicates); at most {MAX_FIT_RUNS:,}")
    return CalibrationSpec(
        file=p, scenario=p.parent / f.scenario, reported=p.parent / f.reported,
        until=f.until, bounds=bounds, fixed=fixed, replicates=f.replicates, seed=f.seed,
        cap_days=f.loss.cap_days, unreported_weight=f.loss.unreported,
        popsize=f.optimiser.popsize, maxiter=f.optimiser.maxiter,
        optimiser_seed=f.optimiser.seed, tol=f.optimiser.tol,
        forecast_replicates=f.forecast.replicates, assimilation=f.assimilation,
        origins=tuple(f.forecast.origins), horizon_days=f.forecast.horizon_days,
        log_floor=f.forecast.log_floor)



#: The priors of a starter spec (``frontline calibrate SPEC --new``): the parameters that
#: set how fast a front moves and whether a defender gives way or holds, each with bounds and
#: why. The first eight and ``counterattack_ratio`` are NW Syria's spec's (the widest of the
#: library's three: Iraq's and Karabakh's fit fewer, on narrower bounds where their sources say
#: so); ``reserve_reach_days``, ``stand_down`` and ``rebalance`` are added so that the reports
#: decide whether the defender commits its reserves to threatened towns, takes them back when
#: the threat has passed and shifts them from quiet sectors to the threatened one (the
#: library's records are of armies that gave way; a theatre you bring may be of one that
#: held).
STARTER_PRIORS: dict[str, tuple[float, float, str]] = {
    "speed_highway": (15.0, 120.0, "km/day; a collapsing front moves fast"),
    "speed_other_share": (0.2, 1.0, "minor roads as a share of highway speed"),
    "opposed_speed": (5.0, 60.0, "km/day into towns whose defenders stand (Dupuy 1987: "
                                 "1-6 for divisions against prepared defence)"),
    "hold_ratio": (0.8, 5.0, "odds a garrison at full morale stands"),
    "redeploy_ratio": (1.0, 10.0, "x hold limit past which a garrison pulls back"),
    "morale_loss": (0.2, 10.0, "morale lost per share of the stake lost in a day"),
    "supply_range_km": (100.0, 1000.0, "culmination: the reach of supply from the rear"),
    "fatigue_per_day": (0.0, 0.15, "culmination: fighting wears units down"),
    "reserve_reach_days": (0.0, 3.0, "days of march within which reserves go to a town past "
                                     "its redeploy odds (0: a defender that gives way)"),
    "stand_down": (0.0, 1.0, "x hold limit under which a town lets a lent reserve go "
                             "(0: reinforcements stay; a defender that held may need it)"),
    "rebalance": (0.0, 0.5, "x hold limit under which a quiet town's reinforcements go to "
                            "the threat (0: they stay; a defender that held may need it)"),
    "counterattack_ratio": (1.0, 4.0, "odds at which reserves retake a lost town (the 3:1 "
                                      "rule, relaxed: Mearsheimer 1989)"),
}


def starter_text(spec_file: Path, scenario: Path, reported: Path, until: dt.date,
                 origins: tuple[dt.date, ...], description: str) -> str:
    """A calibration TOML for a scenario and record of one's own: paths relative to the
    spec, the starter priors, the filter settings the library specs chose on hold-outs
    (README, "Calibration and forecasts") and the origins given."""
    def rel(p: Path) -> str:
        return Path(os.path.relpath(p.resolve(), spec_file.resolve().parent)).as_posix()
    width = max(len(k) for k in STARTER_PRIORS)
    priors = "\n".join(f"{k:<{width}} = [{lo}, {hi}]   # {why}"
                        for k, (lo, hi, why) in STARTER_PRIORS.items())
    return f"""# A starter calibration spec (`frontline calibrate SPEC --new`): check every line.
#
#   frontline calibrate {spec_file.name} --workers 2   # the posterior on reports up to `until`
#   frontline forecast {spec_file.name} --origin DATE --workers 2
#
# Priors are uniform between the bounds (on a log scale where they span a factor of 4 or
# more); `frontline params` gives every parameter's default, bounds and source. Add what you
# know about your war, drop what you do not want fitted, and never set a prior from reports
# dated after a forecast's origin.
description = {json.dumps(description)}
scenario = {json.dumps(rel(scenario))}
reported = {json.dumps(rel(reported))}
until = {until.isoformat()}        # `frontline calibrate` assimilates the reports up to here
seed = 1                  # the one seed: priors, members' seeds, resampling, jitter

[params]
{priors}

[assimilation]
members = 1000            # ensemble members (particles)
date_tolerance_days = 2   # a report dated d matches a simulated change on d-2 .. d+2
miss_probability = 0.25   # a report no member matches: likelihood 0.25 (0.75 if matched)
unreported_penalty = 0.1  # log-likelihood lost per simulated change no report names: raise it
                          # (e.g. 1.0) if your record lists every change, so members that
                          # take places the record never says were lost are weighted down
insert_reported_map = true # the forecast starts from the reported map at its origin

# A faction's stake (its value beyond the map; scenario `factions.X.stake`) is not fitted
# here: `morale_loss` / stake is what morale reads, so the `morale_loss` prior above stands
# in for it. A defender that held needs a low one (or a declared stake): README, "stake".

[loss]
cap_days = 10.0           # the capped MAE: an error (or a 'never') costs at most 10 days

[forecast]
origins = [{", ".join(o.isoformat() for o in origins)}]   # `frontline forecast`'s default origins
"""


def check_until(until: dt.date, start: dt.date, last: dt.date, name: str, file: Any,
                field: str) -> int:
    """The fit date as a day of the scenario: it must fall within the scenario's dates
    (a later date would make every run simulate up to it). Returns ``until - start``."""
    if not start <= until <= last:
        raise InputError(file, field, f"{until} is outside the scenario {name!r} "
                                      f"({start} .. {last})")
    return (until - start).days
