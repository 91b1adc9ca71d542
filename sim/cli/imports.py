"""`frontline import acled EXPORT.csv --theatre DIR --actors MAP.toml [--max-km K]`: ACLED
territorial-change events as reported control changes (see sim.acled)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .args import float_arg, out_arg


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="source", required=True, parser_class=type(parser))
    a = sub.add_parser("acled", help="an ACLED export (CSV, ACLED's column layout)")
    a.add_argument("export", type=Path, help="ACLED export CSV")
    a.add_argument("--theatre", type=Path, required=True, help="theatre folder (towns.csv)")
    a.add_argument("--actors", type=Path, required=True,
                   help="actor map TOML: [factions] faction = [actor patterns]")
    a.add_argument("--max-km", type=float_arg("--max-km", 0.0, 1000.0, lo_open=True),
                   default=10.0, help="match an event to the nearest town within this "
                   "distance (km, at most 1000; default 10)")
    a.add_argument("--out", type=out_arg, help="write the reported CSV here (default: stdout)")


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: keeps `frontline --help` and bad flags fast
    from ..inputs.acled import WRITTEN, import_acled, read_actor_map, write_rows, written_row
    from ..inputs.files import check_own_file
    from ..inputs.marks import csv_written
    from ..inputs.theatre import load_theatre
    if args.out:                             # before any work
        _not_an_input(args)
        check_own_file(args.out, mine=csv_written(WRITTEN, written_row))
    theatre = load_theatre(args.theatre)
    rows, bad = import_acled(args.export, theatre, read_actor_map(args.actors), args.max_km)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "w", newline="", encoding="utf-8") as fh:
            write_rows(rows, fh)
    else:
        write_rows(rows, sys.stdout)
    print(f"{len(rows)} reported changes" + (f" written to {args.out}" if args.out else ""),
          file=sys.stderr)
    if bad:
        print(f"{len(bad)} ACLED rows not matched:", file=sys.stderr)
        for b in bad:
            print(f"  {args.export}: row {b.row}: {b.date} {b.location!r}: {b.reason}",
                  file=sys.stderr)
    return 0


def _not_an_input(args: argparse.Namespace) -> None:
    """``--out`` is none of the files the import reads: the export was written over with
    the reported CSV made from it (and lost) when ``--out`` named it."""
    from ..errors import InputError  # here: keeps `frontline --help` fast
    if not args.out.exists():
        return
    for what, p in (("the ACLED export", args.export), ("the actor map", args.actors),
                    ("the theatre's towns.csv", args.theatre / "towns.csv"),
                    ("the theatre's roads.csv", args.theatre / "roads.csv")):
        try:
            same = p.exists() and args.out.samefile(p)
        except OSError:
            continue
        if same:
            raise InputError(args.out, "--out", f"is {what} this command reads; give "
                                                "another file name")
