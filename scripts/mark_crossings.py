"""Mark the river crossings of a theatre's roads for review, from the rivers of its
features.geojson: a road whose straight line meets a river is marked 'bridge'.

Usage:
    python scripts/mark_crossings.py THEATRE_DIR                  # print what it would mark
    python scripts/mark_crossings.py THEATRE_DIR --out FILE.csv   # write a marked copy

The theatre's roads.csv is only read, never written. ``--out`` writes a copy of it with a
``crossing`` column (after ``road``, when it has none) set to 'bridge' where it was blank
and the road meets a river, and a last column ``mark_crossings`` that says, on each row,
whether the script marked it (naming the river) or kept its crossing (or none) as in
roads.csv; every other column, row and value is as in roads.csv. Check each marked road
against a map (a road along a winding river may meet it without crossing it), edit the copy,
then put it in place of roads.csv yourself. ``--out`` replaces only a copy this script wrote
whose crossings are still those its notes record: once you have edited a crossing or a note,
the copy is yours, and it, any other file and the theatre's own files are refused in one
line and kept. ``--dry-run`` (what happens without ``--out``) writes nothing, even with
``--out``.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from shapely import LineString

import sim
from sim.cli.args import Parser
from sim.errors import InputError, run_script
from sim.inputs.features import load_features, river_lines
from sim.inputs.files import check_own_file
from sim.inputs.limits import MAX_CELL
from sim.inputs.marks import csv_written
from sim.inputs.theatre import river_crossings

#: The copy's column saying where each row's crossing (or its lack of one) comes from.
NOTE = "mark_crossings"
#: How the note of a road this script marked 'bridge' starts.
MARKED = "bridge marked by scripts/mark_crossings.py:"
#: How the note of a crossing kept as in roads.csv starts (the crossing, or 'none', follows).
KEPT = "as in roads.csv:"


def main(argv: list[str] | None = None) -> int:
    return run_script("mark_crossings.py", lambda: cli(argv))


def cli(argv: list[str] | None) -> None:
    """Parse the options (a mistake is one line) and mark the crossings."""
    ap = Parser(description=__doc__.split("\n\n")[0])
    ap.add_argument("theatre", type=Path)
    ap.add_argument("--out", type=Path, metavar="FILE",
                    help="write the marked copy of roads.csv here (default: only print)")
    ap.add_argument("--dry-run", action="store_true",
                    help="only print what would be marked (the default without --out)")
    args = ap.parse_args(argv)
    if args.out is not None:                                    # before any work
        _not_the_theatres(args.out, args.theatre)
        check_own_file(args.out, mine=written_here,
                       known_as="a copy of roads.csv that scripts/mark_crossings.py wrote, "
                                "its crossings as its notes record")
    mark(args.theatre, None if args.dry_run else args.out)


def _not_the_theatres(out: Path, theatre: Path) -> None:
    """``--out`` is none of the theatre's own files (its roads.csv stays as it is)."""
    for name in ("roads.csv", "towns.csv", "features.geojson"):
        own = theatre / name
        try:
            same = out.exists() and own.exists() and out.samefile(own)
        except OSError:
            same = False
        if same:
            raise InputError(out, "--out", f"is the theatre's {name}, which this script only "
                                           "reads; give a new file for the marked copy")


def _is_marked_header(header: list[str]) -> bool:
    names = [h.strip() for h in header]
    return names.count(NOTE) == 1 and names.count("crossing") == 1 and {"a", "b"} <= {*names}


def _is_marked_row(row: dict[str, str]) -> bool:
    """A row as this script writes it: its crossing still the one its note records."""
    cells = {k.strip(): v for k, v in row.items()}
    said, crossing = cells[NOTE], cells["crossing"].strip()
    if said.startswith(MARKED):
        return crossing == "bridge"
    return said == f"{KEPT} {crossing or 'none'}"


#: A copy this script wrote, its marks unedited (for :func:`check_own_file`).
written_here = csv_written(_is_marked_header, _is_marked_row)


def mark(theatre: Path, out: Path | None) -> None:
    """Print the crossings ``theatre``'s roads would be marked with; write the marked copy
    of its roads.csv to ``out`` when given."""
    th = sim.load_theatre(theatre)                  # checks roads.csv: a row per road
    features = load_features(theatre)
    ends = [(float(th.lon[a]), float(th.lat[a]), float(th.lon[b]), float(th.lat[b]))
            for a, b in th.edges]
    derived = river_crossings(features, th.edges.tolist(), list(th.lat), list(th.lon))
    rivers = river_lines(features)
    path = theatre / "roads.csv"
    text = path.read_bytes().decode("utf-8-sig")
    csv.field_size_limit(MAX_CELL)
    table = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    header, rows = table[0], [r + [""] * (len(table[0]) - len(r)) for r in table[1:]]
    names = [h.strip() for h in header]
    if "crossing" not in names:
        at = names.index("road") + 1 if "road" in names else len(names)
        header, names = header[:at] + ["crossing"] + header[at:], names[:at] + ["crossing"] \
            + names[at:]
        rows = [r[:at] + [""] + r[at:] for r in rows]
    if NOTE not in names:        # (a copy put in place of roads.csv has it: written afresh)
        header, names, rows = header + [NOTE], names + [NOTE], [r + [""] for r in rows]
    cross, note = names.index("crossing"), names.index(NOTE)
    marked = 0
    for row, (a, b), c, (x0, y0, x1, y1) in zip(rows, th.edges, derived, ends, strict=True):
        kept = row[cross].strip()
        row[note] = f"{KEPT} {kept or 'none'}"
        if c and not kept:
            line = LineString([(x0, y0), (x1, y1)])
            met = ", ".join(repr(n) for n in dict.fromkeys(
                n for n, g in rivers if line.intersects(g)))
            row[cross] = c
            row[note] = f"{MARKED} its straight line meets {met}; check on a map"
            marked += 1
            print(f"{th.names[a]} - {th.names[b]}: {c} (meets {met})")
    said = f"{marked} of {len(rows)} roads"
    if out is None:
        print(f"{said} would be marked; nothing written (--out FILE writes a marked copy of "
              f"{path})", file=sys.stderr)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\r\n" if "\r\n" in text[:text.find("\n") + 1]
                       else "\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"wrote {out}: {said} marked (its '{NOTE}' column names the river); check each on "
          f"a map, then put it in place of {path} yourself", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
