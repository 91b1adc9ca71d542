"""`frontline run SCENARIO`: run one scenario, print its control changes (all, or those of
``--cause``), the count of changes by cause, when the ``--town``s changed hands and a summary;
with ``--out DIR`` write events, control, series, metadata and a map. ``--seeds A-B`` runs
several seeds and prints one line per seed (changes by cause, towns held at the end)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..inputs.files import check_out_dir
from ..inputs.limits import MAX_DAYS, ascii_number, digits_hint
from .args import int_arg, out_arg, seed_arg, show_warnings

if TYPE_CHECKING:
    import numpy as np

    from ..inputs.scenario import Scenario

CAUSES = ("assault", "withdrawal", "encirclement", "handover")
#: the files `frontline run --out DIR` writes (and so overwrites)
RUN_FILES = ("events.csv", "control.csv", "series.csv", "meta.json", "map.png")


def add_arguments(r: argparse.ArgumentParser) -> None:
    r.add_argument("scenario", help="scenario TOML file")
    r.add_argument("--seed", type=seed_arg, help="random seed (default: the scenario's)")
    r.add_argument("--seeds", metavar="A-B",
                   help="run seeds A to B; one line per seed (changes by cause, towns held)")
    r.add_argument("--days", type=int_arg("--days", 1, MAX_DAYS), help="number of days to run")
    r.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                   help="override a parameter or scenario field (repeatable)")
    r.add_argument("--params", type=Path, metavar="FILE",
                   help="parameter values from a TOML [params] table (e.g. a fitted file)")
    r.add_argument("--out", type=out_arg, help="write events, control, series, meta and map here")
    r.add_argument("--quiet", action="store_true", help="print no list of changes")
    r.add_argument("--cause", choices=CAUSES, help="list only the changes of this cause")
    r.add_argument("--town", action="append", default=[], metavar="NAME",
                   help="print when this town changed hands (repeatable)")


def _seed_range(text: str) -> range:
    a, sep, b = text.partition("-")
    try:
        lo, hi = ascii_number(a, int), ascii_number(b if sep else a, int)
    except ValueError:
        raise InputError("command line", "--seeds", f"expected A-B (e.g. 1-6), got {text!r}"
                                                    f"{digits_hint(text)}") from None
    if lo < 0 or hi < lo or hi - lo >= 1000:
        raise InputError("command line", "--seeds", f"expected 0 <= A <= B < A+1000, got {text}")
    return range(lo, hi + 1)


def by_cause(result) -> str:
    """'N control changes: assault a, withdrawal w, encirclement e, handover h'."""
    causes = [str(c) for *_x, c in result.log_rows]
    parts = ", ".join(f"{c} {causes.count(c)}" for c in CAUSES)
    return f"{len(causes)} control change{'' if len(causes) == 1 else 's'}: {parts}"


def check_run_out(out: Path) -> Path:
    """``--out`` of a run: a folder :func:`check_out_dir` accepts, and one whose files of
    the names a run writes were written by a run (its ``meta.json`` says so). Another
    program's or the user's own ``events.csv`` or ``map.png`` is never overwritten: such a
    folder is refused before the run, untouched."""
    check_out_dir(out)
    taken = [f for f in RUN_FILES if (out / f).exists()]
    if not taken:
        return out
    try:
        meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    if isinstance(meta, dict) and {"scenario", "seed", "versions"} <= meta.keys():
        return out                 # an earlier run's folder: its files are replaced
    raise InputError(out, "--out", f"holds {', '.join(taken)} not written by `frontline run` "
                     "(no run's meta.json), which a run would overwrite; choose a new or "
                     "empty folder or a run's folder")


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: keeps `frontline --help` and bad flags fast
    import numpy as np

    from ..core.model import ConflictModel
    from ..inputs.overrides import parse_set
    from ..inputs.params import load_params_file
    from ..inputs.scenario import load_scenario
    from ..views.maps import save_map
    if args.out:
        check_run_out(args.out)       # before the run, not after it
    over = load_params_file(args.params) if args.params else {}
    over.update(parse_set(args.overrides))        # --set wins over --params
    if args.days is not None:
        over["days"] = args.days
    sc = load_scenario(args.scenario, over)
    towns = [sc.theatre.id_of(t, file="command line", field="--town") for t in args.town]
    if args.seeds is not None:                # (an empty --seeds is refused, not ignored)
        if args.seed is not None or args.out or args.cause or args.town:
            raise InputError("command line", "--seeds", "give --seeds or --seed/--out/--cause/"
                                                        "--town, not both (a run of each seed "
                                                        "prints one line)")
        seeds = _seed_range(args.seeds)       # checked before anything is printed
    show_warnings()                           # every input is good: now warn
    if args.seeds is not None:
        print(f"{sc.name}: {sc.start} + {sc.days} days, theatre {sc.theatre.name}")
        wiped = np.zeros(len(sc.factions), dtype=int)
        for seed in seeds:
            r = ConflictModel(sc, seed=seed, agents=False).run()
            held = ", ".join(f"{f} {int(n)}" for f, n in
                             zip(r.factions, r.series_array[-1, :, 0], strict=True))
            print(f"seed {seed}: {by_cause(r)}; towns at the end: {held}")
            wiped += r.series_array[-1, :, 0] == 0
        print(wipe_note(sc, wiped, len(seeds)), end="")
        return 0
    result = ConflictModel(sc, seed=args.seed, agents=False).run()
    print(f"{sc.name}: {sc.start} + {sc.days} days, theatre {sc.theatre.name} "
          f"({sc.theatre.n} towns), seed {result.seed}")
    ev = result.events
    if args.cause:
        ev = ev[ev["cause"] == args.cause]
    if not args.quiet:
        if ev.empty:
            print("no control changes" + (f" by {args.cause}" if args.cause else ""))
        width = max([len(p) for p in ev.place] + [5])
        print(f"\n{'date':10}  {'place':{width}}  change")
        for row in ev.itertuples():
            print(f"{row.date:%Y-%m-%d}  {row.place:{width}}  {row.previous_controller or '-'} "
                  f"-> {row.new_controller}  ({row.cause})")
    print(f"\n{by_cause(result)}")
    for t in towns:
        name = sc.theatre.names[t]
        rows = result.events[result.events["place"] == name]
        if rows.empty:
            print(f"{name}: held by {result.holder(t, 0) or 'nobody'} throughout")
        for row in rows.itertuples():
            print(f"{name}: {row.previous_controller or '-'} -> {row.new_controller} on "
                  f"{row.date:%Y-%m-%d} (day {row.day}, {row.cause})")
    print()
    print(result.summary().to_string(index=False))
    print(wipe_note(sc, (result.series_array[-1, :, 0] == 0).astype(int), 1), end="")
    if args.out:
        out = result.save(args.out)
        save_map(result, out / "map.png")
        print(f"\nwrote {out}/events.csv, control.csv, series.csv, meta.json, map.png")
    return 0


def wipe_note(sc: Scenario, wiped: np.ndarray, runs: int) -> str:
    """One line per faction that held places on the map at the start and lost every one of
    them in some of the ``runs`` (``wiped``: per faction, in how many): the usual cause, on
    a theatre of one's own, is a map that is all the faction has (README, "Your own
    theatre"), so the line says what it stands on. Empty when no faction was wiped out."""
    lines = []
    for i, name in enumerate(sc.factions):
        if not wiped[i] or not ((sc.initial_owner == i) & sc.theatre.onmap).any():
            continue
        spec = sc.spec.factions[name]
        rear = bool(((sc.initial_owner == i) & ~sc.theatre.onmap).any())
        stake = "a declared stake" if spec.stake is not None else "no stake declared"
        share = "in this run" if runs == 1 else f"in {int(wiped[i])} of {runs} runs"
        lines.append(f"note: {name} lost every place it held on the map {share} "
                     f"({'an' if rear else 'no'} off-map rear, {stake}); if the war you model "
                     "says it held, see the README, \"Your own theatre\"\n")
    return ("\n" if lines else "") + "".join(lines)
