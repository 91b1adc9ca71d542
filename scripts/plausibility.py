"""Capture days of key places over many seeds, beside the reported dates.

Usage:
    python scripts/plausibility.py [SCENARIO] [--reported CSV] [--towns A,B,...] [--seeds N]
                                   [--set name=value ...] [--params FILE] [--markdown]

For every place (default: the built-in scenario's key towns, else every place the record
names), the reported day of its first reported change inside the run (day 0 = the
scenario's start), the share of runs in which it changed hands to that faction, the 10th,
50th and 90th percentile of the simulated day over the runs that had the change, with the
10-90% width, and how all the runs stand against the reported day: the share that had the
change by the reported day, the share within 3 days of it, and the median of simulated minus
reported day (a run without the change counts as neither; the median can be 'never').
Reports dated outside the run are left out (a scenario that starts later, such as a
counteroffensive, begins from the record's map). Then: reversals (places the record shows
retaken by an earlier holder: share of runs where that happens too), the places retaken by
a faction that held them earlier in at least 5% of the runs, towns lost on day 0 (with the
day the record first reports each, and how many of those losses the record dates later),
and per faction the on-map places it holds at the end beside the record's count, the runs
in which it lost all its on-map places or all its fighters, and its fighters lost.
"""

from __future__ import annotations

import csv
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

import sim
from sim.cli.args import Parser, integer
from sim.errors import InputError, run_script
from sim.inputs.limits import MAX_RUNS
from sim.inputs.overrides import parse_set
from sim.inputs.params import load_params_file
from sim.inputs.reported import Reported, parse_date, read_reported, read_rows

KEY = "Saraqib,Aleppo,Maarat al-Numan,Hama,Homs,Rastan,Salamiyah,Qalaat al-Madiq,Suran"
NEAR_DAYS = 3


def reported_in_window(path: str | Path | None, sc) -> Reported:
    """The reported changes dated inside the scenario's run, checked against it (none when
    there is no file)."""
    if path is None:
        return Reported(None, ())
    _, rows = read_rows(path)
    first, last = sc.start, sc.date(sc.days - 1)
    inside = [(line, row) for line, row in rows
              if first <= parse_date(row["date"], path, "date") <= last]
    if not inside and rows:            # e.g. another theatre's record: nothing to compare
        dates = sorted(parse_date(row["date"], path, "date") for _, row in rows)
        raise InputError(path, "date", f"no reported change falls inside the run of "
                         f"{sc.name!r} ({first} to {last}); the file's run {dates[0]} to "
                         f"{dates[-1]}: expected the record of this scenario's theatre")
    shown = [row["place"] for _, row in inside if shown_at_start(row, inside, sc)]
    if shown:
        print(f"left out: {len(shown)} reports dated the start day ({sc.start}) whose change "
              f"the start map already shows ({', '.join(dict.fromkeys(shown))})\n")
    inside = [(line, row) for line, row in inside if not shown_at_start(row, inside, sc)]
    if not inside:
        return Reported(Path(path), ())
    if len(inside) == len(rows):
        return read_reported(path, sc)
    with tempfile.TemporaryDirectory() as tmp:
        sub = Path(tmp) / Path(path).name
        with sub.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0][1]))
            w.writeheader()
            w.writerows(row for _, row in inside)
        try:
            return read_reported(sub, sc)
        except InputError as exc:      # name the user's file and its own line numbers
            field = re.sub(r"^row (\d+)", lambda m: f"row {inside[int(m[1]) - 2][0]}",
                           exc.field)
            raise InputError(path, field, f"{exc.message} (scenario {sc.name!r} starts on "
                             f"{sc.start})") from None


def shown_at_start(row: dict[str, str], inside: list[tuple[int, dict[str, str]]], sc) -> bool:
    """Whether ``row`` is dated the scenario's first day and its place's last report of that
    day names the controller the start map already gives it: a scenario that starts from
    the evening's map (Dawn of Freedom: Aleppo already lost on 30 Nov) shows those changes
    as its starting state, so they are not changes inside the run."""
    if parse_date(row["date"], "-", "date") != sc.start:
        return False
    town = sc.theatre.find(row["place"])
    if town is None:                    # left for read_reported to name
        return False
    last = [r for _, r in inside if parse_date(r["date"], "-", "date") == sc.start
            and sc.theatre.find(r["place"]) == town][-1]
    held = sc.initial_owner[town]
    return held >= 0 and last["new_controller"].strip() == sc.factions[held]


def table(sc, runs, rep: Reported, towns: list[int]) -> tuple[list[list[str]], list[float]]:
    """One row per place: name, reported date, day, faction, taken, p10, median, p90, width,
    by the reported day, within NEAR_DAYS, median(sim - rep)."""
    th = sc.theatre
    first = {}
    for e in rep.events:
        first.setdefault(e.town, e)
    rows, widths = [], []
    for t in towns:
        e = first.get(t)
        by = e.new if e is not None else None
        days = np.array([r.first_change(t, by) for r in runs], dtype=float)
        got = days[~np.isnan(days)]
        q = np.percentile(got, [10, 50, 90]) if got.size else [np.nan] * 3
        if got.size:
            widths.append(q[2] - q[0])
        cells = [th.names[t], str(e.date) if e else "-", str(e.day) if e else "",
                 sc.factions[by] if by is not None else "anyone", f"{got.size / len(runs):.0%}",
                 *(f"{x:.0f}" if np.isfinite(x) else "-" for x in q),
                 f"{q[2] - q[0]:.0f}" if got.size else "-"]
        if e is not None:
            d = np.where(np.isnan(days), np.inf, days)
            mid = np.median(d - e.day)
            near = np.mean(np.abs(d - e.day) <= NEAR_DAYS)
            cells += [f"{np.mean(d <= e.day):.0%}", f"{near:.0%}",
                      f"{mid:+.0f}" if np.isfinite(mid) else "never"]
        else:
            cells += ["", "", ""]
        rows.append(cells)
    return rows, widths


HEAD = ["place", "reported", "day", "to", "taken", "p10", "median", "p90", "10-90",
        "by rep.", f"±{NEAR_DAYS}d", "sim-rep"]


def show(rows: list[list[str]], markdown: bool) -> None:
    if markdown:
        print("| " + " | ".join(HEAD) + " |")
        print("|" + "|".join("---" if i == 0 else "--:" for i in range(len(HEAD))) + "|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
        return
    w = [20, 10, 4, 11, 6, 5, 6, 5, 6, 7, 5, 7]
    for r in [HEAD, *rows]:
        print(" ".join(f"{c[:n]:>{n}}" if i else f"{c[:n]:{n}}"
                       for i, (c, n) in enumerate(zip(r, w, strict=True))))


def losers(sc, runs, rep: Reported) -> list[str]:
    """Per faction that holds on-map places at the start (or gains some in the record): the
    on-map places it holds at the end (median and 10-90% over runs) beside the record's
    count on the run's last day, the runs in which it lost every on-map place it had held
    or every fighter, and the median of its fighters lost."""
    onmap = sc.theatre.onmap
    last = sc.days - 1
    record = rep.holders(sc.initial_owner, last)
    out = []
    for i, f in enumerate(sc.factions):
        held = (sc.initial_owner[onmap] == i).any() or (record[onmap] == i).any()
        if not held:
            continue
        towns = np.array([(r.control_array[-1][onmap] == i).sum() for r in runs])
        # a faction that never held an on-map place in a run (one arriving from off the
        # map, say) has not lost every town in it
        wiped = sum(t == 0 and (r.control_array[:, onmap] == i).any()
                    for t, r in zip(towns, runs, strict=True))
        no_men = sum(r.series_array[-1, i, 3] <= 0 for r in runs)
        lost = np.median([r.series_array[-1, i, 4] for r in runs])
        q = np.percentile(towns, [10, 50, 90])
        rec = (f"; the record: {int((record[onmap] == i).sum())} on {sc.date(last)}"
               if rep.events else "")
        out.append(f"{f}: holds {q[1]:.0f} on-map places at the end (10-90%: {q[0]:.0f}-"
                   f"{q[2]:.0f}{rec}); lost every town in "
                   f"{wiped} runs, every fighter in {no_men} runs; fighters "
                   f"lost: median {lost:,.0f}")
    return out


#: the built-in scenario's record, found from the script's place so any folder can run it
BUILTIN_RECORD = str(Path(__file__).resolve().parents[1] / "calibration" / "reported"
                     / "nw_syria_2024.csv")


def reversals(log_rows) -> set[int]:
    """The towns that went back to a faction that had held them earlier in the run (a
    handover on to a third faction is not a reversal)."""
    held: dict[int, set[int]] = {}
    out = set()
    for _d, t, new, old, *_ in log_rows:
        seen = held.setdefault(t, {old})
        if new in seen:
            out.add(t)
        seen.add(new)
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the table; a bad scenario, record, place or value is one line, status 2."""
    return run_script("plausibility.py", lambda: report(argv))


def report(argv: list[str] | None) -> None:
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="scenarios/deter_aggression_2024.toml")
    ap.add_argument("--reported", default=None, help="reported changes CSV (default: "
                    f"{BUILTIN_RECORD} for the built-in scenario, else none)")
    ap.add_argument("--towns", default=None, help="comma-separated places (default: key towns "
                    "of the built-in scenario, or every reported place)")
    ap.add_argument("--seeds", type=integer, default=100)
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--params", help="a TOML [params] table (e.g. a fitted file)")
    ap.add_argument("--markdown", action="store_true", help="the table as Markdown")
    args = ap.parse_args(argv)
    if not 1 <= args.seeds <= MAX_RUNS:             # (a typo of 20 digits ran for ever)
        ap.error(f"--seeds: expected an integer in 1..{MAX_RUNS:,}, got {args.seeds}")
    if args.reported is None and "deter_aggression" in args.scenario:
        args.reported = BUILTIN_RECORD
    over = load_params_file(args.params) if args.params else {}
    over.update(parse_set(args.overrides))
    sc = sim.load_scenario(args.scenario, over)
    th = sc.theatre
    rep = reported_in_window(args.reported, sc)
    changes = Counter(e.town for e in rep.events)
    if args.towns:
        towns = [th.id_of(t, file="command line", field="--towns") for t in args.towns.split(",")]
    elif "deter_aggression" in args.scenario:
        towns = [th.id_of(t) for t in KEY.split(",")]
    else:
        towns = list(dict.fromkeys(e.town for e in rep.events))
    if not towns and not args.reported:
        print("(no --reported record and no --towns: only the factions' end state below)\n")
    runs = [sim.ConflictModel(sc, seed=s, agents=False).run() for s in range(args.seeds)]

    print(f"{sc.name}: {args.seeds} seeds (0-{args.seeds - 1}); day 0 = {sc.start}; "
          f"reported: {args.reported} ({len(rep)} changes inside the run)\n")
    rows, widths = table(sc, runs, rep, towns)
    show(rows, args.markdown)
    if rows:
        print("(p10, median, p90, 10-90: over the runs where the change happened, 'taken' of "
              "them; by rep., ±3d, sim-rep: over all runs, a run without it counting as never)")
    if widths:
        print(f"\nmedian 10-90% width of capture days: {np.median(widths):.1f} days")
    dated = [r for r in rows if r[9]]
    if dated:
        print(f"share of runs by the reported day, averaged over places: "
              f"{np.mean([float(r[9][:-1]) for r in dated]):.0f}%; within {NEAR_DAYS} days: "
              f"{np.mean([float(r[10][:-1]) for r in dated]):.0f}%")

    if rep.events:
        print("\nreversals in the record (place: share of runs where an earlier holder retook it)")
    record_back = reversals([(e.day, e.town, e.new,
                              e.prev if e.prev >= 0 else int(sc.initial_owner[e.town]))
                             for e in rep.events])
    for t in (t for t in changes if t in record_back):
        back = [t in reversals(r.log_rows) for r in runs]
        print(f"  {th.names[t]:20} {np.mean(back):6.0%}")
    back = Counter(th.names[t] for r in runs for t in reversals(r.log_rows))
    often = [(t, k) for t, k in back.most_common() if k >= 0.05 * len(runs)]
    print("\nplaces retaken by an earlier holder in the runs (share of runs; 5% or more): "
          + (", ".join(f"{t} {k / len(runs):.0%}" for t, k in often) if often else "none"))
    day0 = Counter(th.names[t] for r in runs for d, t, *_ in r.log_rows if d == 0)
    first = {}
    for e in rep.events:
        first.setdefault(th.names[e.town], e.day)

    def said(name: str) -> str:
        """What the record says of a place lost on day 0: its first reported day, if any."""
        return f" [reported day {first[name]}]" if name in first else " [not reported]"

    early = sum(v for k, v in day0.items() if first.get(k, 0) > 0)
    listed = ", ".join(f"{k} x{v}" + (said(k) if rep.events else "")
                       for k, v in day0.most_common(5))
    print(f"\ntowns changing hands on day 0: {sum(day0.values())} in {len(runs)} runs"
          + (f" ({listed})" if day0 else ""))
    if rep.events:
        unknown = sum(v for k, v in day0.items() if k not in first)
        print(f"  of which the record reports later than day 0: {early}; places the record "
              f"does not name: {unknown}")
    for line in losers(sc, runs, rep):
        print(line)


if __name__ == "__main__":
    sys.exit(main())
