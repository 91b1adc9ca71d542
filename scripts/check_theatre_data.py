#!/usr/bin/env python3
"""Check a theatre folder's towns.csv and roads.csv for common data errors.

Usage: python3 scripts/check_theatre_data.py [THEATRE_DIR]
(default: scenarios/theatres/nw_syria). Standard library only.
Prints every problem found, then counts per governorate and per controller;
exits 1 if there were problems, 0 otherwise.
"""
from __future__ import annotations

import csv
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

LAT_RANGE = (32.0, 37.5)
LON_RANGE = (35.0, 39.5)
RATIO_RANGE = (0.95, 2.0)
KINDS = {"city", "town", "village", "airbase", "base", "crossing"}
CONTROLLERS = {"government", "opposition", "sna", "sdf"}
TOWN_COLUMNS = ["name", "alt_names", "lat", "lon", "kind", "population",
                "controller", "fortification", "governorate", "source"]
# Rough bounding boxes (lat_min, lat_max, lon_min, lon_max) per governorate.
GOV_BOXES = {
    "Idlib": (35.40, 36.35, 36.15, 37.25),
    "Aleppo": (35.55, 36.85, 36.45, 38.65),
    "Hama": (34.85, 35.65, 36.15, 38.05),
    "Homs": (33.70, 35.10, 36.30, 41.00),
    "Rif Dimashq": (32.90, 34.50, 35.80, 38.00),
    "Damascus": (33.40, 33.60, 36.20, 36.40),
}


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance on a sphere of radius 6371.0088 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def check(folder: Path) -> list[str]:
    problems: list[str] = []
    towns_path, roads_path = folder / "towns.csv", folder / "roads.csv"
    with towns_path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != TOWN_COLUMNS:
            problems.append(f"towns.csv: columns {reader.fieldnames} != {TOWN_COLUMNS}")
        towns = list(reader)

    key_owner: dict[str, str] = {}   # lower-cased name/alt name -> town name
    pos: dict[str, tuple[float, float]] = {}
    for i, t in enumerate(towns, start=2):
        name = t["name"].strip()
        where = f"towns.csv:{i} ({name})"
        keys = [name] + [a.strip() for a in (t.get("alt_names") or "").split(";") if a.strip()]
        for raw in (t.get("alt_names") or "").split(";"):
            if raw.strip().endswith("?"):
                problems.append(f"{where}: alt name {raw.strip()!r} has a trailing '?'")
        seen_here: set[str] = set()
        for k in keys:
            lk = k.lower()
            if lk in seen_here:
                problems.append(f"{where}: name/alt name {k!r} repeated in the row")
                continue
            seen_here.add(lk)
            if lk in key_owner:
                problems.append(f"{where}: name/alt name {k!r} also used by {key_owner[lk]!r}")
            else:
                key_owner[lk] = name
        try:
            lat, lon = float(t["lat"]), float(t["lon"])
        except ValueError:
            problems.append(f"{where}: bad coordinates {t['lat']!r},{t['lon']!r}")
            continue
        pos[name] = (lat, lon)
        if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
            problems.append(f"{where}: coordinates {lat},{lon} outside {LAT_RANGE}N/{LON_RANGE}E")
        box = GOV_BOXES.get(t.get("governorate", ""))
        if box is None:
            problems.append(f"{where}: unknown governorate {t.get('governorate')!r}")
        elif not (box[0] <= lat <= box[1] and box[2] <= lon <= box[3]):
            problems.append(f"{where}: {lat},{lon} outside the rough box of {t['governorate']}")
        if t.get("kind") not in KINDS:
            problems.append(f"{where}: kind {t.get('kind')!r} not in {sorted(KINDS)}")
        if t.get("controller") not in CONTROLLERS:
            problems.append(f"{where}: controller {t.get('controller')!r} "
                            f"not in {sorted(CONTROLLERS)}")
        pop = (t.get("population") or "").strip()
        if pop and (not pop.isdigit()):
            problems.append(f"{where}: population {pop!r} is not a non-negative integer")
        fort = (t.get("fortification") or "").strip()
        if fort:
            try:
                if not 0.0 <= float(fort) <= 1.0:
                    raise ValueError
            except ValueError:
                problems.append(f"{where}: fortification {fort!r} not in 0..1")

    with roads_path.open(newline="", encoding="utf-8") as f:
        roads = list(csv.DictReader(f))
    adj: dict[str, set[str]] = defaultdict(set)
    edges: set[frozenset[str]] = set()
    for i, r in enumerate(roads, start=2):
        where = f"roads.csv:{i}"
        ends = []
        for col in ("a", "b"):
            owner = key_owner.get(r[col].strip().lower())
            if owner is None:
                problems.append(f"{where}: unknown endpoint {r[col]!r}")
            ends.append(owner)
        if None in ends:
            continue
        a, b = ends
        if a == b:
            problems.append(f"{where}: self-loop at {a!r}")
            continue
        e = frozenset((a, b))
        if e in edges:
            problems.append(f"{where}: duplicate edge {a!r} - {b!r}")
        edges.add(e)
        adj[a].add(b)
        adj[b].add(a)
        if r.get("road") not in ("highway", "other"):
            problems.append(f"{where}: road {r.get('road')!r} not highway/other")
        km = (r.get("km") or "").strip()
        if km:
            gc = great_circle_km(*pos[a], *pos[b])
            ratio = float(km) / gc if gc > 0 else float("inf")
            if not RATIO_RANGE[0] <= ratio <= RATIO_RANGE[1]:
                problems.append(f"{where}: km {km} / great-circle {gc:.1f} = {ratio:.2f} "
                                f"outside {RATIO_RANGE}")

    # Connected components over all towns.
    unseen = set(pos)
    components = []
    while unseen:
        start = unseen.pop()
        comp, stack = {start}, [start]
        while stack:
            for n in adj[stack.pop()]:
                if n in unseen:
                    unseen.discard(n)
                    comp.add(n)
                    stack.append(n)
        components.append(comp)
    if len(components) > 1:
        components.sort(key=len, reverse=True)
        for comp in components[1:]:
            problems.append(f"roads.csv: disconnected component {sorted(comp)}")

    for p in problems:
        print("PROBLEM:", p)
    print(f"{len(towns)} places, {len(edges)} roads, {len(components)} component(s), "
          f"{len(problems)} problem(s)")
    for label, col in (("governorate", "governorate"), ("controller", "controller"),
                       ("kind", "kind")):
        counts = Counter(t.get(col, "") for t in towns)
        print(f"per {label}: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    longest = sorted(((great_circle_km(*pos[a], *pos[b]), a, b) for a, b in map(tuple, edges)),
                     reverse=True)[:5]
    print("longest links (great-circle km): "
          + "; ".join(f"{a}-{b} {d:.0f}" for d, a, b in longest))
    return problems


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    folder = Path(argv[1]) if len(argv) > 1 else root / "scenarios" / "theatres" / "nw_syria"
    return 1 if check(folder) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
