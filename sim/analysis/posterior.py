"""The prior of a calibration and the summary of a posterior ensemble.

Prior (the calibration spec's ``[params]`` bounds): each parameter is uniform between its
bounds on a *scale*: the log scale when both bounds are positive and span a factor of 4 or
more (speeds, ratios, rates: scale parameters whose order of magnitude is what the bounds
say, so log-uniform is the uninformative choice), the linear scale otherwise. On that scale
the bounds map to ``u`` in [0, 1] (uniform under the prior), and the particle filter works on
``z = logit(u)``: an unbounded space where Gaussian jitter (Liu & West 2001) never pushes a
member past a bound and never piles members onto one, which clipping a jittered value would.

Summary: posterior median and 90% interval per parameter (quantiles at the Weibull plotting
position ``q (N + 1)``, whose expected probability content is exactly ``q`` for N draws: the
default linear interpolation gives a 90% interval of N = 40 members only about 86% content);
a parameter counts as
*constrained* when its posterior 90% width in ``u`` is under half the prior's (0.9); it
*piles up on a bound* when 25% or more of the members lie in the outer 5% of the range on
one side (the prior puts 5% there). Warnings are one line each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from ..inputs.params import PARAMS

#: u is kept this far inside (0, 1) so that logit stays finite
_EDGE = 1e-9
#: a bound "piles up" when this share of members lies in the outer 5% of the range
PILE_SHARE = 0.25


@dataclass(frozen=True)
class Prior:
    """Independent uniform priors on each parameter's scale (see the module docstring)."""

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    log: np.ndarray            # (P,) bool: uniform on the log scale

    @classmethod
    def from_bounds(cls, bounds: Mapping[str, tuple[float, float]]) -> Prior:
        lo = np.array([float(b[0]) for b in bounds.values()])
        hi = np.array([float(b[1]) for b in bounds.values()])
        return cls(tuple(bounds), lo, hi, (lo > 0) & (hi >= 4 * lo))

    def _g(self, x: np.ndarray) -> np.ndarray:
        return np.where(self.log, np.log(np.maximum(x, 1e-300)), x)

    def to_u(self, x: np.ndarray) -> np.ndarray:
        """Parameter values (..., P) -> position in the prior range on its scale, 0..1."""
        x = np.asarray(x, float)
        g0, g1 = self._g(self.low), self._g(self.high)
        return (self._g(x) - g0) / (g1 - g0)

    def from_u(self, u: np.ndarray) -> np.ndarray:
        g0, g1 = self._g(self.low), self._g(self.high)
        g = g0 + np.asarray(u, float) * (g1 - g0)
        x = np.where(self.log, np.exp(g), g)
        return np.clip(x, self.low, self.high)

    def to_z(self, x: np.ndarray) -> np.ndarray:
        return logit(np.clip(self.to_u(x), _EDGE, 1 - _EDGE))

    def from_z(self, z: np.ndarray) -> np.ndarray:
        return self.from_u(expit(np.asarray(z, float)))

    def sample_z(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n draws from the prior, in z (u uniform on (0, 1))."""
        u = rng.uniform(size=(n, len(self.names)))
        return logit(np.clip(u, _EDGE, 1 - _EDGE))

    def params(self, z: np.ndarray) -> dict[str, float]:
        """One member's parameters by name."""
        return {n: float(v) for n, v in zip(self.names, self.from_z(z), strict=True)}


def summarize(prior: Prior, z: np.ndarray) -> pd.DataFrame:
    """Posterior median and 90% interval of each parameter (equally weighted members, z in
    rows), the prior's, the width ratio in u and the flags of the module docstring."""
    x = prior.from_z(z)
    u = np.clip(prior.to_u(x), 0.0, 1.0)
    q = np.quantile(x, [0.05, 0.5, 0.95], axis=0, method="weibull")
    uq = np.quantile(u, [0.05, 0.95], axis=0, method="weibull")
    rows = []
    for j, name in enumerate(prior.names):
        width = float((uq[1, j] - uq[0, j]) / 0.9)
        low_share, high_share = float((u[:, j] < 0.05).mean()), float((u[:, j] > 0.95).mean())
        pile = "low" if low_share >= PILE_SHARE else "high" if high_share >= PILE_SHARE else ""
        rows.append({"parameter": name, "scale": "log" if prior.log[j] else "linear",
                     "low": prior.low[j], "high": prior.high[j],
                     "prior_q05": float(prior.from_u(np.full(len(prior.names), 0.05))[j]),
                     "prior_q95": float(prior.from_u(np.full(len(prior.names), 0.95))[j]),
                     "median": q[1, j], "q05": q[0, j], "q95": q[2, j],
                     "width_ratio": width, "constrained": width < 0.5, "piles_up": pile})
    return pd.DataFrame(rows)


def warnings_for(table: pd.DataFrame, n_reports: int) -> list[str]:
    """One-line warnings: more parameters than reports; a posterior piled up on a bound."""
    out = []
    if len(table) > n_reports:
        out.append(f"{len(table)} parameters on {n_reports} reports: the posterior mostly "
                   f"repeats the prior; fix some parameters or wait for more reports")
    for r in table.itertuples():
        if r.piles_up:
            bound = r.low if r.piles_up == "low" else r.high
            p = PARAMS.get(r.parameter)
            hard = p is not None and bound == (p.low if r.piles_up == "low" else p.high)
            if hard and bound == 0:
                advice = "0 switches it off: the record prefers the model without it"
            elif hard:
                advice = ("that is the parameter table's own limit, so the record asks for "
                          "more than the model allows: question the model (or the record)")
            else:
                advice = "widen the bound or question the model"
            out.append(f"{r.parameter}: {PILE_SHARE:.0%} or more of the posterior lies within "
                       f"5% of its {r.piles_up} bound ({bound:g}); {advice}")
    return out


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(round(v, 6))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_posterior(out: Path, prior: Prior, z: np.ndarray, fixed: Mapping[str, Any],
                    meta: Mapping[str, Any]) -> list[Path]:
    """``params.toml`` ([params]: posterior medians and the fixed values, usable with
    ``--params``; [posterior]: metadata; [posterior.bounds]), ``posterior_samples.csv`` (one
    row per member) and ``posterior.csv`` (the summary table)."""
    out.mkdir(parents=True, exist_ok=True)
    table = summarize(prior, z)
    lines = ["# Posterior of the particle filter (`frontline calibrate`): [params] holds the",
             "# posterior medians; load with `frontline run/batch --params FILE`.", "",
             "[params]"]
    lines += [f"{r.parameter} = {_toml_value(float(r.median))}" for r in table.itertuples()]
    lines += [f"{k} = {_toml_value(v)}" for k, v in sorted(fixed.items())]
    lines += ["", "[posterior]"] + [f"{k} = {_toml_value(v)}" for k, v in meta.items()]
    lines += ["", "[posterior.bounds]"]
    lines += [f"{n} = {_toml_value([float(a), float(b)])}"
              for n, a, b in zip(prior.names, prior.low, prior.high, strict=True)]
    (out / "params.toml").write_text("\n".join(lines) + "\n")
    samples = pd.DataFrame(prior.from_z(z), columns=list(prior.names))
    samples.insert(0, "member", np.arange(len(samples)))
    samples.to_csv(out / "posterior_samples.csv", index=False, float_format="%.6g")
    table.to_csv(out / "posterior.csv", index=False, float_format="%.6g")
    return [out / "params.toml", out / "posterior_samples.csv", out / "posterior.csv"]
