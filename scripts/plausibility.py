"""Capture-day distribution of key towns over many seeds, beside the reported dates.

Usage: python scripts/plausibility.py [SCENARIO] [--seeds N] [--set name=value ...]
"""

from __future__ import annotations

import argparse
import datetime as dt

import numpy as np

import sim
from sim.inputs.overrides import parse_set

REPORTED = {"Saraqib": "2024-11-29", "Aleppo": "2024-11-30", "Maarat al-Numan": "2024-11-30",
            "Hama": "2024-12-05"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default="scenarios/deter_aggression_2024.toml")
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    args = ap.parse_args()
    sc = sim.load_scenario(args.scenario, parse_set(args.overrides))
    days = {t: [] for t in REPORTED}
    hama_held = 0
    for seed in range(args.seeds):
        r = sim.ConflictModel(sc, seed=seed, agents=False).run()
        for t in REPORTED:
            d = r.capture_day(t, by="opposition")
            days[t].append(np.nan if d is None else d)
        hama_held += r.holder("Hama") == "government"
    print(f"{sc.name}: {args.seeds} seeds, start {sc.start} (day 0)")
    print(f"{'town':18} {'reported':>10} {'rep.day':>7} {'taken':>6} {'p10':>5} {'median':>6} "
          f"{'p90':>5}")
    for t, rep in REPORTED.items():
        a = np.array(days[t], dtype=float)
        got = a[~np.isnan(a)]
        rd = (dt.date.fromisoformat(rep) - sc.start).days
        q = np.percentile(got, [10, 50, 90]) if got.size else [np.nan] * 3
        print(f"{t:18} {rep:>10} {rd:>7} {got.size / a.size:>6.0%} {q[0]:>5.0f} {q[1]:>6.0f} "
              f"{q[2]:>5.0f}")
    n = args.seeds
    print(f"government lines collapse (Hama lost by day {sc.days - 1}): "
          f"{(n - hama_held) / n:.0%}; hold: {hama_held / n:.0%}")


if __name__ == "__main__":
    main()
