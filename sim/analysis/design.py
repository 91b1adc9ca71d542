"""Experimental designs over parameters and scenario fields, and sensitivity analysis.

A design (``[design]`` of an experiment file) is a set of points: ``replicates`` (one point),
``grid`` (every combination of listed values), ``lhs`` (Latin hypercube), ``sobol``
(Saltelli's scheme, SALib) or ``morris`` (elementary-effect trajectories, SALib). Each point
is run ``replicates`` times. Sobol and Morris designs yield sensitivity indices.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field
from SALib.analyze import morris as morris_analysis
from SALib.analyze import sobol as sobol_analysis
from SALib.sample import morris as salib_morris
from SALib.sample import sobol as salib_sobol
from scipy.stats import qmc

from ..errors import InputError
from ..inputs.limits import MAX_POINTS, MAX_SEED
from ..inputs.params import PARAMS
from ..inputs.spec import Strict
from .metrics import MetricSet

SALIB_KINDS = ("sobol", "morris")


class ParamRange(Strict):
    """A swept quantity: explicit ``values`` (grid), or ``low``..``high`` (``num`` evenly
    spaced values for a grid; the sampling range otherwise; default: the parameter's bounds)."""

    values: list[float | str] | None = None
    low: float | None = None
    high: float | None = None
    num: int | None = Field(None, ge=1, le=10_000)


class DesignSpec(Strict):
    kind: Literal["replicates", "grid", "lhs", "sobol", "morris"] = "replicates"
    parameters: dict[str, list[float | str] | ParamRange] = {}
    samples: int = Field(16, ge=1, le=1_000_000,
                         description="lhs: points; sobol: base samples N (a power of 2), "
                                     "N*(D+2) points; morris: trajectories, N*(D+1) points")
    levels: int = Field(4, ge=2, le=20, description="morris grid levels")
    seed: int | None = Field(None, ge=0, le=MAX_SEED,
                             description="sampling seed (default: the experiment's)")


class Design:
    """The points of a design: ``names`` of the swept quantities, ``X`` one row per point,
    ``problem`` the SALib problem (sobol, morris, lhs). ``check(name, value)`` raises an
    InputError when a value is not valid for its parameter or scenario field."""

    def __init__(self, spec: DesignSpec, seed: int, file: Path,
                 check: Callable[[str, Any], None], max_points: int = MAX_POINTS) -> None:
        self.spec, self.seed, self.file, self._check = spec, seed, file, check
        self.max_points = min(max_points, MAX_POINTS)
        self.names, self.X, self.problem = self._design()

    def _design(self) -> tuple[list[str], list[list[Any]], dict[str, Any] | None]:
        d = self.spec
        seed = self.seed if d.seed is None else d.seed
        names = list(d.parameters)
        if d.kind == "replicates":
            if names:
                raise InputError(self.file, "design.parameters",
                                 "a 'replicates' design sweeps nothing; choose kind = grid, "
                                 "lhs, sobol or morris")
            return [], [[]], None
        if not names:
            raise InputError(self.file, "design.parameters", f"a {d.kind} design needs at "
                             "least one parameter")
        for n, r in d.parameters.items():    # the values won, the range was ignored
            if isinstance(r, ParamRange) and r.values is not None and \
                    (r.low, r.high, r.num) != (None, None, None):
                raise InputError(self.file, self._field(n), "give 'values' or "
                                 "'low'/'high'/'num', not both")
        if d.kind == "grid":
            axes = [self._grid_values(n, r) for n, r in d.parameters.items()]
            size = math.prod(len(a) for a in axes)
            if size > self.max_points:
                raise InputError(self.file, "design.parameters", f"a grid of {size:,} points; "
                                 f"at most {self.max_points:,}{self._why}")
            return names, [list(row) for row in itertools.product(*axes)], None
        if d.kind == "sobol" and d.samples & (d.samples - 1):
            raise InputError(self.file, "design.samples", "a sobol design needs a power of 2 "
                             f"base samples (e.g. 64, 128), got {d.samples}")
        size = d.samples * {"lhs": 1, "sobol": len(names) + 2, "morris": len(names) + 1}[d.kind]
        if size > self.max_points:
            raise InputError(self.file, "design.samples", f"a {d.kind} design of {size:,} "
                             f"points; at most {self.max_points:,}{self._why}")
        bounds = [self._bounds(n, r) for n, r in d.parameters.items()]
        problem = {"num_vars": len(names), "names": names, "bounds": bounds}
        if d.kind == "lhs":
            u = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(seed)).random(
                d.samples)
            X = qmc.scale(u, [b[0] for b in bounds], [b[1] for b in bounds])
        elif d.kind == "sobol":
            X = salib_sobol.sample(problem, d.samples, calc_second_order=False, seed=seed)
        else:
            X = salib_morris.sample(problem, d.samples, num_levels=d.levels, seed=seed)
        return names, X.tolist(), problem

    @property
    def _why(self) -> str:
        return "" if self.max_points == MAX_POINTS else " (so that points x replicates " \
            "stays within the runs a batch may have)"

    def _field(self, name: str) -> str:
        return f"design.parameters.{name}"

    def _check_value(self, name: str, value: Any) -> None:
        """A swept value must be valid for its parameter or scenario field."""
        try:
            self._check(name, value)
        except InputError as exc:
            if exc.message.startswith("not a parameter"):    # the name is wrong, not the value
                raise InputError(self.file, self._field(name), exc.message) from None
            raise InputError(self.file, self._field(name),
                             f"value {value!r} is not valid: {exc.message}") from None

    def _grid_values(self, name: str, r: list[Any] | ParamRange) -> list[Any]:
        if isinstance(r, ParamRange):
            if r.values is not None:
                vals = r.values
            elif r.num is None:
                raise InputError(self.file, self._field(name),
                                 "a grid needs 'values' or 'low', 'high' and 'num'")
            else:
                lo, hi = self._bounds(name, r)
                vals = np.linspace(lo, hi, r.num).tolist()
        else:
            vals = r
        if not vals:
            raise InputError(self.file, self._field(name), "expected at least one value")
        for v in vals:
            self._check_value(name, v)
        return vals

    def _bounds(self, name: str, r: list[Any] | ParamRange) -> list[float]:
        if not isinstance(r, ParamRange) or r.values is not None:
            raise InputError(self.file, self._field(name), "a sampled parameter needs a "
                             "range {low, high} (or {} for the parameter's table bounds)")
        p = PARAMS.get(name)
        if p is not None and p.choices:
            raise InputError(self.file, self._field(name), "a categorical parameter can only "
                             "be swept in a grid")
        lo = r.low if r.low is not None else (p.low if p else None)
        hi = r.high if r.high is not None else (p.high if p else None)
        if lo is None or hi is None:
            raise InputError(self.file, self._field(name), "a scenario field needs 'low' and "
                             "'high' (only parameters have default bounds)")
        if not lo < hi:
            raise InputError(self.file, self._field(name), f"expected low < high, got "
                             f"{lo:g} and {hi:g}")
        self._check_value(name, lo)
        self._check_value(name, hi)
        return [float(lo), float(hi)]


def _plain(v: Any) -> Any:
    return float(v) if isinstance(v, int | float | np.floating | np.integer) and \
        not isinstance(v, bool) else v


def sensitivity(problem: dict[str, Any], design: DesignSpec, metrics: MetricSet,
                runs: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Sensitivity indices per numeric metric, with 95% bootstrap intervals (SALib).

    The model output at a design point is the metric's mean over its replicates (so a
    0/1 metric such as ``holds`` becomes a probability); a capture that never happens counts
    as the scenario's last day plus one (right-censored at the horizon). Sobol (Saltelli
    2010 estimators): first-order S1 and total ST. Morris (Campolongo et al. 2007): mu_star
    (mean absolute elementary effect, with interval) and sigma (spread: interactions or
    non-linearity)."""
    rows = []
    X = np.asarray(runs.groupby("point")[problem["names"]].first().to_numpy(), dtype=float)
    for m in metrics:
        if not m.numeric:
            continue
        y = runs[m.name].astype(float)
        if not np.isnan(m.censor):
            y = y.fillna(m.censor)
        Y = y.groupby(runs["point"]).mean().to_numpy()
        if np.isnan(Y).any() or np.allclose(Y, Y[0]):
            for name in problem["names"]:
                rows.append((m.name, name, "constant", np.nan, np.nan))
            continue
        if design.kind == "sobol":
            res = sobol_analysis.analyze(problem, Y, calc_second_order=False, conf_level=0.95,
                                seed=seed)
            pairs = (("S1", "S1_conf"), ("ST", "ST_conf"))
        else:
            res = morris_analysis.analyze(problem, X, Y, conf_level=0.95, num_levels=design.levels,
                                 seed=seed)
            pairs = (("mu_star", "mu_star_conf"), ("sigma", None))
        for j, name in enumerate(problem["names"]):
            for idx, conf in pairs:
                rows.append((m.name, name, idx, float(res[idx][j]),
                             float(res[conf][j]) if conf else np.nan))
    return pd.DataFrame(rows, columns=["metric", "parameter", "index", "value", "conf95"])
