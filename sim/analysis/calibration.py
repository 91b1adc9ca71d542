"""What calibration and forecasts share: the capped error of a simulated change day,
quantiles in which "never" ranks last, and the per-report residual table.

The fit itself is the particle filter of :mod:`sim.analysis.assimilation` (it replaced the
differential-evolution point fit, which gave one parameter set and no spread). A change that
never happens in a member costs the cap, as in the README, "Calibration and forecasts".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..inputs.reported import Reported

#: an ordered ``map`` (builtin, an executor's, Dask's): results come back in input order
MapLike = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]


def event_errors(sim_days: np.ndarray, rep_days: np.ndarray, cap: float) -> np.ndarray:
    """(R, E) capped absolute errors in days; a change that never happened costs ``cap``."""
    err = np.abs(np.asarray(sim_days, float) - np.asarray(rep_days, float)[None, :])
    return np.minimum(np.where(np.isfinite(err), err, cap), cap)


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
