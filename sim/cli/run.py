"""`frontline run SCENARIO`: run one scenario, print its control changes and a summary,
and with ``--out DIR`` write events, control, series, metadata and a map."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..inputs.files import check_out_dir
from .args import int_arg, seed_arg


def add_arguments(r: argparse.ArgumentParser) -> None:
    r.add_argument("scenario", help="scenario TOML file")
    r.add_argument("--seed", type=seed_arg, help="random seed (default: the scenario's)")
    r.add_argument("--days", type=int_arg("--days", 1), help="number of days to run")
    r.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                   help="override a parameter or scenario field (repeatable)")
    r.add_argument("--params", type=Path, metavar="FILE",
                   help="parameter values from a TOML [params] table (e.g. a fitted file)")
    r.add_argument("--out", type=Path, help="write events, control, series, meta and map here")
    r.add_argument("--quiet", action="store_true", help="print only the summary")


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: keeps `frontline --help` and bad flags fast
    from ..core.model import ConflictModel
    from ..inputs.overrides import parse_set
    from ..inputs.params import load_params_file
    from ..inputs.scenario import load_scenario
    from ..views.maps import save_map
    if args.out:
        check_out_dir(args.out)       # before the run, not after it
    over = load_params_file(args.params) if args.params else {}
    over.update(parse_set(args.overrides))        # --set wins over --params
    if args.days is not None:
        over["days"] = args.days
    sc = load_scenario(args.scenario, over)
    result = ConflictModel(sc, seed=args.seed, agents=False).run()
    print(f"{sc.name}: {sc.start} + {sc.days} days, theatre {sc.theatre.name} "
          f"({sc.theatre.n} towns), seed {result.seed}")
    if not args.quiet:
        ev = result.events
        if ev.empty:
            print("no control changes")
        width = max([len(p) for p in ev.place] + [5])
        print(f"\n{'date':10}  {'place':{width}}  change")
        for row in ev.itertuples():
            print(f"{row.date:10}  {row.place:{width}}  {row.previous_controller or '-'} -> "
                  f"{row.new_controller}  ({row.cause})")
    print()
    print(result.summary().to_string(index=False))
    if args.out:
        out = result.save(args.out)
        save_map(result, out / "map.png")
        print(f"\nwrote {out}/events.csv, control.csv, series.csv, meta.json, map.png")
    return 0
