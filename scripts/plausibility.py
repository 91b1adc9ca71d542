"""Capture days of key places over many seeds, beside the reported dates.

Usage:
    python scripts/plausibility.py [SCENARIO] [--reported CSV] [--towns A,B,...] [--seeds N]
                                   [--set name=value ...] [--params FILE]

For every place (default: the built-in scenario's key towns), the reported day of its first
reported change, the share of runs in which it changed hands, and the 10th, 50th and 90th
percentile of the simulated day (day 0 = the scenario's start), with the 10-90% width. Then:
reversals (places the record shows changing hands back: share of runs with a change back),
towns lost on day 0, and whether any faction lost all its towns or fighters.
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

import sim
from sim.inputs.overrides import parse_set
from sim.inputs.params import load_params_file
from sim.inputs.reported import read_reported

KEY = "Saraqib,Aleppo,Maarat al-Numan,Hama,Homs,Rastan,Salamiyah,Qalaat al-Madiq,Suran"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="scenarios/deter_aggression_2024.toml")
    ap.add_argument("--reported", default="calibration/reported/nw_syria_2024.csv")
    ap.add_argument("--towns", default=None, help="comma-separated places (default: key towns "
                    "of the built-in scenario, or every reported place)")
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--params", help="a TOML [params] table (e.g. a fitted file)")
    args = ap.parse_args()
    over = load_params_file(args.params) if args.params else {}
    over.update(parse_set(args.overrides))
    sc = sim.load_scenario(args.scenario, over)
    th = sc.theatre
    rep = read_reported(args.reported, sc)
    first_report = {}
    changes = Counter()
    for e in rep.events:
        first_report.setdefault(e.town, e)
        changes[e.town] += 1
    if args.towns:
        towns = [th.id_of(t) for t in args.towns.split(",")]
    elif "deter_aggression" in args.scenario:
        towns = [th.id_of(t) for t in KEY.split(",")]
    else:
        towns = list(first_report)
    runs = [sim.ConflictModel(sc, seed=s, agents=False).run() for s in range(args.seeds)]

    print(f"{sc.name}: {args.seeds} seeds; day 0 = {sc.start}; reported: {args.reported}")
    print(f"{'place':20} {'reported':>10} {'day':>4} {'to':>11} {'taken':>6} {'p10':>5} "
          f"{'median':>6} {'p90':>5} {'10-90':>6}")
    widths = []
    for t in towns:
        e = first_report.get(t)
        by = e.new if e is not None else None
        days = np.array([r.first_change(t, by) for r in runs])
        got = days[~np.isnan(days)]
        q = np.percentile(got, [10, 50, 90]) if got.size else [np.nan] * 3
        width = q[2] - q[0]
        if got.size:
            widths.append(width)
        rd = f"{e.date}" if e else "-"
        print(f"{th.names[t][:20]:20} {rd:>10} {e.day if e else '':>4} "
              f"{sc.factions[by] if by is not None else 'anyone':>11} "
              f"{got.size / len(runs):>6.0%} {q[0]:>5.0f} {q[1]:>6.0f} {q[2]:>5.0f} {width:>6.0f}")
    if widths:
        print(f"median 10-90% width of capture days: {np.median(widths):.1f} days")

    print("\nreversals in the record (place: share of runs where it changed hands back)")
    for t, k in changes.items():
        if k < 2:
            continue
        back = [sum(1 for _d, tt, *_ in r.log_rows if tt == t) >= 2 for r in runs]
        print(f"  {th.names[t]:20} {np.mean(back):6.0%}")
    day0 = Counter(th.names[t] for r in runs for d, t, *_ in r.log_rows if d == 0)
    print(f"\ntowns changing hands on day 0: {sum(day0.values())} in {len(runs)} runs"
          + (f" ({', '.join(f'{k} x{v}' for k, v in day0.most_common(5))})" if day0 else ""))
    onmap = th.onmap if hasattr(th, "onmap") else np.ones(th.n, dtype=bool)
    for i, f in enumerate(sc.factions):
        if not (sc.initial_owner[onmap] == i).any():
            continue
        no_towns = sum(not (r.control_array[-1][onmap] == i).any() for r in runs)
        no_men = sum(r.series_array[-1, i, 3] <= 0 for r in runs)
        print(f"{f}: lost every town in {no_towns} runs, every fighter in {no_men} runs")


if __name__ == "__main__":
    main()
