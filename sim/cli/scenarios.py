"""`frontline scenarios list | show NAME | validate FILES...`: the scenario library."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import InputError
from .args import Parser


def add_arguments(s: argparse.ArgumentParser) -> None:
    s_sub = s.add_subparsers(dest="action", required=True, parser_class=Parser)
    s_sub.add_parser("list", help="table of the scenarios in a folder").add_argument(
        "folder", nargs="?", default="scenarios", type=Path)
    sh = s_sub.add_parser("show", help="the fully resolved scenario")
    sh.add_argument("name")
    v = s_sub.add_parser("validate", help="validate scenario files")
    v.add_argument("files", nargs="+", type=Path)


def _scenario_files(folder: Path) -> list[Path]:
    """Scenario TOMLs in a folder and its immediate subfolders (what-ifs), theatres excluded
    (two levels only: listing a big folder such as ``/`` must not walk the whole disk)."""
    if not folder.is_dir():
        raise InputError(folder, "-", "not a folder of scenarios")
    files = [*folder.glob("*.toml"), *folder.glob("*/*.toml")]
    return sorted(p for p in files if "theatres" not in p.relative_to(folder).parts
                  and p.is_file())


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: keeps `frontline --help` and bad flags fast
    from ..inputs.files import read_toml
    from ..inputs.scenario import load_scenario
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
