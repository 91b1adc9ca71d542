#!/usr/bin/env python3
"""Check any theatre folder (towns.csv, roads.csv) and its reported changes for data errors.

Usage:
    python scripts/check_theatre_data.py THEATRE_DIR [--reported CSV ...] [--bbox S,N,W,E]
    python scripts/check_theatre_data.py --all

``--all`` checks every folder of ``scenarios/theatres`` with the reported files that the
calibration specs of ``calibration/*.toml`` name for it (a theatre without a spec, such as
the fictional Riverland, is checked without one).

The files are read with the project's own readers (sim.inputs.theatre.load_theatre, which
rejects duplicate names, unknown road ends, bad kinds, numbers and crossings with a one-line
error; sim.inputs.reported.read_rows), then checked for what a reader cannot see:
- the road graph is connected;
- every place lies inside the theatre's bounding box: given with ``--bbox``, or derived from
  the places themselves (the box around every place whose nearest other place lies within
  ``--isolation-km``, default the larger of 100 km and 5 x the median nearest-neighbour
  distance, widened by ``--margin`` degrees): a place far from all others is a typo; an
  off-map place (a rear area beyond the map's edge) may lie ``--offmap-margin`` further out;
- road km within 0.9-2.5 x the great-circle distance of its ends (blank km are derived as
  1.1 or 1.2 x and pass);
- off-map places have a controller (they are someone's rear);
- every reported place is a place of the theatre, and not an off-map one;
- the controller chains: reports in date order (file order within a date), starting from the
  controller column: a report must change the holder, and its ``previous_controller``, when
  given, must be the holder per the earlier reports; dates, causes and sources are valid;
  no report is repeated.
Prints every problem, then a summary; exits 1 if there were problems, 0 otherwise.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))   # run from a checkout without installing

from sim.cli.args import Parser, float_arg  # noqa: E402
from sim.errors import InputError, run_script  # noqa: E402
from sim.inputs.files import read_toml  # noqa: E402
from sim.inputs.limits import ascii_number, digits_hint  # noqa: E402
from sim.inputs.overrides import load_raw  # noqa: E402
from sim.inputs.reported import read_rows  # noqa: E402
from sim.inputs.scenario import resolve_theatre  # noqa: E402
from sim.inputs.theatre import Theatre, haversine_km, load_theatre  # noqa: E402
from sim.records import CAUSES, is_nobody  # noqa: E402

KM_RATIO = (0.9, 2.5)


def derived_bbox(th: Theatre, isolation_km: float | None = None,
                 margin: float = 0.25) -> tuple[float, float, float, float]:
    """(south, north, west, east): the box around every place that has another place within
    ``isolation_km``, widened by ``margin`` degrees."""
    if th.n < 2:
        return (th.lat.min() - margin, th.lat.max() + margin, th.lon.min() - margin,
                th.lon.max() + margin)
    d = haversine_km(th.lat[:, None], th.lon[:, None], th.lat[None, :], th.lon[None, :])
    np.fill_diagonal(d, np.inf)
    nearest = d.min(axis=1)
    limit = isolation_km or max(100.0, 5.0 * float(np.median(nearest)))
    ok = nearest <= limit
    if not ok.any():
        ok[:] = True
    return (float(th.lat[ok].min() - margin), float(th.lat[ok].max() + margin),
            float(th.lon[ok].min() - margin), float(th.lon[ok].max() + margin))


def check_theatre(th: Theatre, bbox: tuple[float, float, float, float],
                  offmap_margin: float = 1.5) -> list[str]:
    """Problems of a loaded theatre: graph, coordinates, road lengths, off-map holders."""
    problems = []
    ncomp, labels = sp.csgraph.connected_components(th.roads().km_graph, directed=False)
    if ncomp > 1:
        main = np.argmax(np.bincount(labels))
        for c in range(ncomp):
            if c != main:
                part = [th.names[i] for i in np.flatnonzero(labels == c)]
                problems.append(f"roads.csv: cut off from the rest of the road graph: "
                                f"{', '.join(part[:8])}{' ...' if len(part) > 8 else ''}")
    for i in range(th.n):
        s, n, w, e = np.array(bbox) + (0 if th.onmap[i] else
                                       np.array([-1, 1, -1, 1]) * offmap_margin)
        if not (s <= th.lat[i] <= n and w <= th.lon[i] <= e):
            problems.append(f"towns.csv: row {th.lines[i]} ({th.names[i]}): {th.lat[i]:.4f}, "
                            f"{th.lon[i]:.4f} outside the bounding box lat {s:.2f}..{n:.2f}, "
                            f"lon {w:.2f}..{e:.2f}")
        if not th.onmap[i] and is_nobody(th.controller[i]):
            problems.append(f"towns.csv: row {th.lines[i]} ({th.names[i]}): an off-map place "
                            "without a controller (whose rear is it?)")
    a, b = th.edges[:, 0], th.edges[:, 1]
    gc = haversine_km(th.lat[a], th.lon[a], th.lat[b], th.lon[b])
    for k in range(len(th.edges)):
        ends = f"{th.names[a[k]]} - {th.names[b[k]]}"
        if gc[k] <= 0:
            problems.append(f"roads.csv: {ends}: both ends have the same coordinates")
        elif not KM_RATIO[0] <= th.km[k] / gc[k] <= KM_RATIO[1]:
            problems.append(f"roads.csv: {ends}: {th.km[k]:.1f} km is {th.km[k] / gc[k]:.2f} x "
                            f"the great-circle {gc[k]:.1f} km (expected {KM_RATIO[0]}-"
                            f"{KM_RATIO[1]} x)")
    return problems


def check_reported(th: Theatre, path: Path) -> list[str]:
    """Problems of a reported file against the theatre: places, dates, causes, sources, and
    the chain of controllers from the theatre's controller column."""
    try:
        _, rows = read_rows(path)
    except InputError as exc:
        return [str(exc)]
    problems, parsed = [], []
    name = path.name
    seen: set[tuple[str, int, str]] = set()
    for line, row in rows:
        where = f"{name}: row {line}"
        try:
            date = dt.date.fromisoformat(row["date"])
        except ValueError:
            problems.append(f"{where}: date {row['date']!r} is not YYYY-MM-DD")
            continue
        town = th.find(row["place"])
        if town is None:
            problems.append(f"{where}: place {row['place']!r} is not in the theatre"
                            f"{th.suggest(row['place'])}")
            continue
        if not th.onmap[town]:
            problems.append(f"{where}: {th.names[town]!r} is off-map (never changes hands)")
        new = row["new_controller"]
        if is_nobody(new):
            problems.append(f"{where}: empty new_controller")
        if row.get("cause", "") not in ("", *CAUSES):
            problems.append(f"{where}: cause {row['cause']!r} not one of {', '.join(CAUSES)}")
        if not row.get("source"):
            problems.append(f"{where}: empty source")
        key = (row["date"], town, new)
        if key in seen:
            problems.append(f"{where}: repeats an earlier report ({row['date']}, "
                            f"{th.names[town]}, {new})")
        seen.add(key)
        parsed.append((date, line, town, new, row.get("previous_controller", "")))
    holder = {i: ("" if is_nobody(c) else c) for i, c in enumerate(th.controller)}
    since: dict[int, str] = {}
    for _date, line, town, new, prev in sorted(parsed, key=lambda r: (r[0], r[1])):
        cur = holder[town]
        per = since.get(town, "towns.csv")
        if new == cur:
            problems.append(f"{name}: row {line}: {th.names[town]!r} is already held by "
                            f"{new!r} (per {per})")
        if prev and not is_nobody(prev) and prev != cur:
            problems.append(f"{name}: row {line}: previous_controller {prev!r}, but "
                            f"{th.names[town]!r} is held by {cur or 'nobody'!r} (per {per})")
        holder[town] = new
        since[town] = f"row {line}"
    return problems


def check(folder: Path, reported: list[Path], bbox=None, isolation_km=None,
          margin: float = 0.25, offmap_margin: float = 1.5, out=print) -> list[str]:
    """Check one theatre folder and its reported files; print problems and a summary."""
    try:
        th = load_theatre(folder)
    except InputError as exc:
        out(f"PROBLEM: {exc}")
        return [str(exc)]
    box = bbox or derived_bbox(th, isolation_km, margin)
    problems = check_theatre(th, box, offmap_margin)
    for path in reported:
        problems += check_reported(th, path)
    for p in problems:
        out(f"PROBLEM: {p}")
    kinds = Counter(th.kind)
    ctrl = Counter(c or "nobody" for c in th.controller)
    out(f"{folder}: {th.n} places ({int(th.onmap.sum())} on the map), {len(th.edges)} roads; "
        f"bounding box lat {box[0]:.2f}..{box[1]:.2f}, lon {box[2]:.2f}..{box[3]:.2f}; "
        f"reported: {', '.join(str(p) for p in reported) or 'none'}; {len(problems)} problem(s)")
    out("  kinds: " + ", ".join(f"{k}={v}" for k, v in sorted(kinds.items()))
        + "; controllers: " + ", ".join(f"{k}={v}" for k, v in sorted(ctrl.items())))
    return problems


def library(root: Path = ROOT) -> dict[Path, list[Path]]:
    """Every theatre folder of the library -> the reported files its calibration specs name."""
    out: dict[Path, list[Path]] = {d.resolve(): [] for d in
                                   sorted((root / "scenarios" / "theatres").iterdir())
                                   if (d / "towns.csv").is_file()}
    for spec_file in sorted((root / "calibration").glob("*.toml")):
        spec = read_toml(spec_file)          # only the two paths: the fit bounds do not matter
        if not {"scenario", "reported"} <= set(spec):
            continue                         # not a calibration spec (an ACLED actor map)
        raw = load_raw(spec_file.parent / spec["scenario"])
        base = Path(raw.get("__theatre_base__", raw["__file__"]))
        folder = resolve_theatre(raw["theatre"], base).resolve()
        rep = (spec_file.parent / spec["reported"]).resolve()
        if rep not in out.setdefault(folder, []):
            out[folder].append(rep)
    return out


def main(argv: list[str] | None = None) -> int:
    """Exit status 1 if there were problems; warnings (a disconnected road graph also warns
    on loading) as one line each, at the end, as the CLI shows them."""
    return run_script("check_theatre_data.py", lambda: cli(argv))


def _bbox(text: str) -> tuple[float, float, float, float]:
    """``S,N,W,E``: four numbers, south below north and west below east, in range (a box
    the wrong way round put every place outside it, as problems of the data)."""
    try:
        box = tuple(ascii_number(x) for x in text.split(","))
    except ValueError:
        box = ()
    if len(box) != 4:
        raise InputError("command line", "--bbox", f"expected four numbers S,N,W,E, got {text!r}"
                                                   f"{digits_hint(text)}")
    s, n, w, e = box
    if not (-90 <= s < n <= 90 and -180 <= w < e <= 180):
        raise InputError("command line", "--bbox", f"expected S < N in -90..90 and W < E in "
                                                   f"-180..180 (S,N,W,E), got {text!r}")
    return box


def cli(argv: list[str] | None) -> int:
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("theatre", nargs="?", help="theatre folder (towns.csv, roads.csv)")
    ap.add_argument("--reported", action="append", default=[], help="reported changes CSV")
    ap.add_argument("--all", action="store_true", help="every theatre of the library")
    ap.add_argument("--bbox", help="S,N,W,E in degrees (default: derived from the places)")
    ap.add_argument("--isolation-km", type=float_arg("--isolation-km", 0.0, 20_000.0,
                                                     lo_open=True), default=None)
    ap.add_argument("--margin", type=float_arg("--margin", 0.0, 90.0), default=0.25,
                    help="degrees added to the box")
    ap.add_argument("--offmap-margin", type=float_arg("--offmap-margin", 0.0, 180.0),
                    default=1.5, help="further degrees allowed for off-map places")
    args = ap.parse_args(argv)
    bbox = _bbox(args.bbox) if args.bbox is not None else None
    if args.theatre and args.all:
        raise InputError("command line", "--all", "give a theatre folder or --all, not both")
    if args.theatre and not Path(args.theatre).is_dir():
        raise InputError(args.theatre, "-", "theatre folder not found")
    for r in args.reported:                  # a file the user names: refused, not a PROBLEM
        if not Path(r).is_file():
            raise InputError(r, "--reported", "file not found" if not Path(r).exists()
                             else "not a file; expected a reported changes CSV")
    if args.all:
        jobs = library()
    elif args.theatre:
        jobs = {Path(args.theatre): [Path(r) for r in args.reported]}
    else:
        raise InputError("command line", "theatre", "give a theatre folder or --all")
    bad = 0
    for folder, reported in jobs.items():
        bad += len(check(folder, reported, bbox, args.isolation_km, args.margin,
                         args.offmap_margin))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
