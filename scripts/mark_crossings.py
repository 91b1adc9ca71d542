"""Write a ``crossing`` column into a theatre's roads.csv from the rivers of its
features.geojson, for review: a road whose straight line meets a river is marked 'bridge'.

Usage: python scripts/mark_crossings.py THEATRE_DIR [--dry-run]

Existing non-empty crossing values are kept. Print every road marked; check each against a
map (a road along a winding river may meet it without crossing it) and edit the file.
"""

from __future__ import annotations

import csv
from pathlib import Path

import sim
from sim.cli.args import Parser
from sim.errors import run_script
from sim.inputs.features import load_features
from sim.inputs.theatre import river_crossings


def main(argv: list[str] | None = None) -> int:
    return run_script("mark_crossings.py", lambda: cli(argv))


def cli(argv: list[str] | None) -> None:
    """Parse the options (a mistake is one line) and mark the crossings."""
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("theatre", type=Path)
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args(argv)
    mark(args.theatre, args.dry_run)


def mark(theatre: Path, dry_run: bool) -> None:
    """Mark the crossings of ``theatre``'s roads (print them; write unless ``dry_run``)."""
    th = sim.load_theatre(theatre)
    derived = river_crossings(load_features(theatre), th.edges.tolist(), list(th.lat), list(th.lon))
    path = theatre / "roads.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        cols = list(reader.fieldnames or [])
        rows = list(reader)
    if "crossing" not in cols:
        cols.insert(cols.index("road") + 1 if "road" in cols else len(cols), "crossing")
    for row, (a, b), c in zip(rows, th.edges, derived, strict=True):
        if c and not row.get("crossing"):
            row["crossing"] = c
            print(f"{th.names[a]} - {th.names[b]}: {c}")
    if not dry_run:
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
            w.writeheader()
            w.writerows({c: r.get(c, "") for c in cols} for r in rows)


if __name__ == "__main__":
    raise SystemExit(main())
