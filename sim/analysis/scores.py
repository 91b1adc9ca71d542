"""Proper scores of forecasts of control changes (model ensembles and deterministic
baselines alike: a baseline is a one-member ensemble, so its CRPS is its absolute error).

The formulas come from ``scoringrules`` (Zanetta & Allen 2024): CRPS of an ensemble, the
Brier and the log score. Chosen over ``properscoring`` because it is maintained
(properscoring's last release, 0.1, is from 2017), vectorised over any axis, and has the
threshold-weighted and censored variants should we need them.

Conventions (every one is stated where the tables are written):
- a change forecast *never* to happen within the horizon is censored at ``horizon + 1``
  (the first day after the last forecast day): the CRPS, the PIT, the spread and the uncapped
  MAE treat it as that day, so a miss costs more the earlier the change was reported;
- capped MAE: ``min(|median - reported|, cap)``, and a median of 'never' costs the cap (the
  old headline). Uncapped MAE: ``|median - reported|`` with never = ``horizon + 1``;
- the ensemble median ranks 'never' last (``inverted_cdf`` quantile);
- CRPS: scoringrules' ``crps_ensemble`` (the CRPS of the empirical distribution of the
  members; equal to the absolute error for one member);
- Brier: multi-category (Brier 1950), the sum over controllers (every faction and 'nobody')
  of the binary Brier score: 0 perfect, 2 confidently wrong;
- log score: ``-ln max(p, floor)`` of the controller that held the place, the same ``floor``
  for every method (an ensemble frequency of 0, or a wrong deterministic forecast, scores
  ``-ln floor``; 4.6 for the default 0.01);
- right controller: the most probable controller (ties: the first faction) is the record's;
- PIT: randomised for discrete days (Czado, Gneiting & Held 2009), given that the change
  happens within the horizon: ``(F(y-1) + U (F(y) - F(y-1))) / F(H)``. Only changes that
  were reported (so happened) are scored; unconditioned, a calibrated ensemble that gives a
  change some chance of never happening would put every PIT below ``F(H)`` and read as
  biased late. Flat when the timing is calibrated; undefined (NaN) for a change no member
  makes within the horizon (whether it happens is the Brier and log scores' job);
- spread-to-error: ``sqrt((N+1)/N * mean ensemble variance) / RMSE of the ensemble mean``
  (Fortin et al. 2014); 1 for a calibrated ensemble, < 1 overconfident; undefined (NaN) for
  deterministic forecasts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scoringrules as sr


def censor(days: np.ndarray, horizon: int) -> np.ndarray:
    """'Never' (inf) -> horizon + 1."""
    days = np.asarray(days, float)
    return np.where(np.isfinite(days), days, horizon + 1.0)


def median_day(days: np.ndarray) -> np.ndarray:
    """(N, E) -> (E,) median over members with 'never' (inf) ranked last."""
    days = np.asarray(days, float)
    if days.shape[1] == 0:
        return np.zeros(0)
    return np.quantile(days, 0.5, axis=0, method="inverted_cdf")


def crps(days: np.ndarray, obs: np.ndarray, horizon: int) -> np.ndarray:
    """(E,) CRPS in days of each change: ``days`` (N, E) forecast days, ``obs`` (E,)."""
    if len(obs) == 0:
        return np.zeros(0)
    return np.asarray(sr.crps_ensemble(np.asarray(obs, float), censor(days, horizon).T,
                                        estimator="nrg"))


def abs_errors(days: np.ndarray, obs: np.ndarray, horizon: int, cap: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """(capped, uncapped) absolute error of the median day of each change."""
    med = median_day(days)
    obs = np.asarray(obs, float)
    capped = np.where(np.isfinite(med), np.minimum(np.abs(med - obs), cap), cap)
    return capped, np.abs(censor(med, horizon) - obs)


def pit(days: np.ndarray, obs: np.ndarray, horizon: int, rng: np.random.Generator
        ) -> np.ndarray:
    """(E,) randomised PIT of each reported day under the ensemble, given that the change
    happens within the horizon (see the module docstring); NaN where no member makes it."""
    x = censor(days, horizon)
    obs = np.asarray(obs, float)
    below = (x < obs[None, :]).mean(axis=0)
    at_or_below = (x <= obs[None, :]).mean(axis=0)
    made = (x <= horizon).mean(axis=0)
    u = rng.uniform(size=len(obs))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(made > 0, (below + u * (at_or_below - below)) / made, np.nan)


def member_moments(days: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Per change (column): the ensemble mean of the censored day and its spread,
    ``sqrt((N+1)/N * variance)`` (0 for one member). The ensemble's spread over a set of
    changes is the root mean square of these spreads, so spread/error can be split over any
    subset of changes from the per-change table."""
    x = censor(days, horizon)
    n = x.shape[0]
    var = x.var(axis=0, ddof=1) if n > 1 else np.zeros(x.shape[1])
    return x.mean(axis=0), np.sqrt((n + 1) / n * var)


def spread_error(days: np.ndarray, obs: np.ndarray, horizon: int) -> dict[str, float]:
    """Spread, RMSE of the ensemble mean, and their ratio (see the module docstring)."""
    if len(obs) == 0:
        return {"spread": np.nan, "rmse": np.nan, "spread_error": np.nan}
    mean, sd = member_moments(days, horizon)
    return spread_error_of(mean, sd, obs, ensemble=np.shape(days)[0] > 1)


def spread_error_of(mean: np.ndarray, spread: np.ndarray, obs: np.ndarray,
                    ensemble: bool = True) -> dict[str, float]:
    """Spread/error from per-change ensemble means and spreads (:func:`member_moments`)."""
    spread_all = float(np.sqrt(np.mean(np.square(spread))))
    rmse = float(np.sqrt(np.mean((np.asarray(mean, float) - np.asarray(obs, float)) ** 2)))
    ratio = spread_all / rmse if ensemble and rmse > 0 else np.nan
    return {"spread": spread_all, "rmse": rmse, "spread_error": ratio}


# -- the controller of each (place, date) -----------------------------------------------------
def onehot(owner: np.ndarray, n_factions: int) -> np.ndarray:
    """Controller indices (-1 nobody) -> one-hot over factions + nobody (last)."""
    owner = np.asarray(owner)
    out = np.zeros((*owner.shape, n_factions + 1))
    np.put_along_axis(out, np.where(owner >= 0, owner, n_factions)[..., None], 1.0, axis=-1)
    return out


def controller_probs(control: np.ndarray, n_factions: int) -> np.ndarray:
    """(N, ...) members' controllers -> (..., F+1) ensemble probabilities."""
    return onehot(control, n_factions).mean(axis=0)


def brier(probs: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Multi-category Brier score of each (place, date): probs (..., C), truth (...)."""
    obs = onehot(truth, probs.shape[-1] - 1)
    return np.asarray(sr.brier_score(obs, probs)).sum(axis=-1)


def log_score(probs: np.ndarray, truth: np.ndarray, floor: float) -> np.ndarray:
    """``-ln max(p_true, floor)`` of each (place, date)."""
    idx = np.where(truth >= 0, truth, probs.shape[-1] - 1)
    p = np.take_along_axis(probs, idx[..., None], axis=-1)[..., 0]
    return np.asarray(sr.log_score(np.ones_like(p), np.maximum(p, floor)))


def right(probs: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Is the most probable controller the true one?"""
    return probs.argmax(axis=-1) == np.where(truth >= 0, truth, probs.shape[-1] - 1)


def reliability_table(probs: np.ndarray, truth: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Reliability diagram data: every (place, date, controller) forecast probability, binned;
    per bin the mean forecast probability, the observed frequency and the count."""
    p = probs.reshape(-1)
    o = onehot(truth, probs.shape[-1] - 1).reshape(-1)
    edges = np.linspace(0.0, 1.0, bins + 1)
    k = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        sel = k == b
        rows.append({"bin_low": edges[b], "bin_high": edges[b + 1], "count": int(sel.sum()),
                     "mean_forecast": float(p[sel].mean()) if sel.any() else np.nan,
                     "observed": float(o[sel].mean()) if sel.any() else np.nan})
    return pd.DataFrame(rows)


def pit_table(values: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """PIT histogram data: counts in equal bins of [0, 1] and the expected count, over the
    changes that have a PIT (not those no member makes within the horizon)."""
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    counts, edges = np.histogram(values, bins=bins, range=(0.0, 1.0))
    return pd.DataFrame({"bin_low": edges[:-1], "bin_high": edges[1:], "count": counts,
                         "expected": len(values) / bins})


def pit_flatness(values: np.ndarray, bins: int = 5) -> float:
    """p-value of a chi-square test that the PIT values (the defined ones) are uniform on
    [0, 1]."""
    from scipy import stats  # here: scipy.stats takes a second to load; only tests use it
    values = np.asarray(values, float)
    counts, _ = np.histogram(values[np.isfinite(values)], bins=bins, range=(0.0, 1.0))
    return float(stats.chisquare(counts).pvalue)
