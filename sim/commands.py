"""The bodies of the CLI subcommands (kept apart from argument parsing)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .errors import InputError
from .files import read_toml
from .params import load_params_file
from .scenario import load_scenario, parse_set


def cmd_run(args: argparse.Namespace) -> int:
    from .model import ConflictModel
    over = load_params_file(args.params) if args.params else {}
    over.update(parse_set(args.overrides))        # --set wins over --params
    if args.days is not None:
        over["days"] = args.days
    sc = load_scenario(args.scenario, over)
    result = ConflictModel(sc, seed=args.seed).run()
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
        print(f"\nwrote {out}/events.csv, control.csv, series.csv, meta.json, map.png")
    return 0


def _scenario_files(folder: Path) -> list[Path]:
    """Scenario TOMLs in a folder and its subfolders (what-ifs), theatres excluded."""
    return sorted(p for p in folder.rglob("*.toml") if "theatres" not in p.parts)


def cmd_scenarios(args: argparse.Namespace) -> int:
    if args.action == "list":
        files = _scenario_files(args.folder)
        if not files:
            raise InputError(args.folder, "-", "no scenario files (*.toml) here")
        rows = []
        for f in files:
            sc = load_scenario(f)
            end = sc.date(sc.days - 1)
            about = (sc.spec.description.strip().splitlines() or [""])[0]
            name = str(f.relative_to(args.folder).with_suffix(""))
            rows.append((name, sc.theatre.name, f"{sc.start}..{end}",
                         ",".join(sc.factions), about[:60]))
        widths = [max(len(r[i]) for r in rows + [("name", "theatre", "dates", "factions",
                                                    "about")]) for i in range(5)]
        head = ("name", "theatre", "dates", "factions", "about")
        for r in [head, *rows]:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        return 0
    if args.action == "show":
        path = Path(args.name)
        if not path.exists():
            path = Path("scenarios") / f"{args.name}.toml"
        sc = load_scenario(path)
        data = sc.spec.model_dump(mode="json")
        data["params"] = sc.params.as_dict()
        data["file"] = str(sc.file)
        chain, f = [], sc.file
        while (parent := read_toml(f).get("extends")) is not None:   # the files it inherits
            f = (f.parent / parent).resolve()
            chain.append(str(f))
        data["extends"] = chain
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    if args.action == "validate":
        for f in args.files:
            sc = load_scenario(f)
            print(f"{f}: ok ({sc.name}, {len(sc.factions)} factions, {sc.theatre.n} towns, "
                  f"{sc.days} days)")
        return 0
    raise InputError("command line", args.action, "unknown action")
