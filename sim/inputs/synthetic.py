"""Synthetic theatres and scenarios: seeded random planar road graphs for benchmarks and tests.

A theatre of ``n`` towns is built from uniform random points in a square box (constant town
density, about one town per ``SPACING_KM``² as in the north-western Syria theatre, so a
larger theatre is a wider one, not a denser one). Roads are a planar subgraph of the
Delaunay triangulation: the relative-neighbourhood graph (connected, as it contains the
Euclidean minimum spanning tree; mean degree about 2.5) plus Gabriel-graph edges drawn at
random until the mean degree reaches ``MEAN_DEGREE`` (2.7 in nw_syria). Highways join the
cities along shortest road paths of their minimum spanning tree. Kinds and populations are
drawn from one ``numpy.random.Generator``; everything is a pure function of ``(n, seed)``.

Assumptions (not sourced; a stand-in for real data): kind shares, log-normal populations by
kind, and the two-faction set-up of :func:`make_scenario` (an attacker holding the western
half, a defender the eastern half).
"""

from __future__ import annotations

import csv
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra, minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree

from .. import libm
from .scenario import Scenario, load_scenario
from .theatre import DETOUR, KIND_FORT, Theatre, derive_value, haversine_km

SPACING_KM = 15.0
MEAN_DEGREE = 2.7
CENTRE = (35.0, 38.0)                   # lat, lon of the box centre
KM_PER_DEG_LAT = 110.57
#: Share of each kind among non-city towns; cities are placed separately.
KIND_SHARES = {"town": 0.40, "village": 0.52, "airbase": 0.03, "base": 0.03, "crossing": 0.02}
#: (median, log-sd) of population by kind; 0 for military sites.
POPULATION = {"city": (150_000, 0.8), "town": (15_000, 0.7), "village": (2_000, 0.6)}
CITY_SHARE = 1 / 20
FACTIONS = ("blue", "red")


def _points(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random positions: planar km coordinates (n, 2) and rounded lat, lon."""
    side = SPACING_KM * np.sqrt(n)
    xy = rng.uniform(-side / 2, side / 2, size=(n, 2))
    lat0, lon0 = CENTRE
    lat = np.round(lat0 + xy[:, 1] / KM_PER_DEG_LAT, 5)
    lon = np.round(lon0 + xy[:, 0] / (KM_PER_DEG_LAT * math.cos(math.radians(lat0))), 5)
    return xy, lat, lon


def _delaunay_edges(xy: np.ndarray) -> np.ndarray:
    """Unique undirected Delaunay edges (m, 2), a < b, sorted."""
    tri = Delaunay(xy)
    s = tri.simplices
    e = np.concatenate([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    e.sort(axis=1)
    return np.unique(e, axis=0)


def _gabriel_rng(xy: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks over ``edges``: in the Gabriel graph (no point inside the circle on the edge as
    diameter) and in the relative-neighbourhood graph (no point nearer to both ends than
    they are to each other). Both are planar subgraphs of the Delaunay triangulation."""
    tree = cKDTree(xy)
    a, b = edges[:, 0], edges[:, 1]
    length = np.linalg.norm(xy[a] - xy[b], axis=1)
    eps = 1e-9 * length
    mid = (xy[a] + xy[b]) / 2
    dist, idx = tree.query(mid, k=3)
    other = (idx != a[:, None]) & (idx != b[:, None])
    gabriel = ~(other & (dist < length[:, None] / 2 - eps[:, None])).any(axis=1)
    rng_mask = gabriel.copy()
    for k in np.flatnonzero(gabriel):
        i, j, d = a[k], b[k], length[k] - eps[k]
        for c in tree.query_ball_point(xy[i], d):
            if c != i and c != j and math.hypot(*(xy[c] - xy[j])) < d:
                rng_mask[k] = False
                break
    return gabriel, rng_mask


def _highways(xy: np.ndarray, edges: np.ndarray, cities: np.ndarray) -> np.ndarray:
    """Edges on the shortest road paths along the cities' Euclidean minimum spanning tree."""
    n = len(xy)
    length = np.linalg.norm(xy[edges[:, 0]] - xy[edges[:, 1]], axis=1)
    g = sp.csr_matrix((np.concatenate([length, length]),
                       (np.concatenate([edges[:, 0], edges[:, 1]]),
                        np.concatenate([edges[:, 1], edges[:, 0]]))), shape=(n, n))
    highway = np.zeros(len(edges), dtype=bool)
    if len(cities) < 2:
        return highway
    dc = np.linalg.norm(xy[cities][:, None] - xy[cities][None], axis=2)
    mst = minimum_spanning_tree(dc).tocoo()
    _, pred = dijkstra(g, directed=False, indices=cities, return_predecessors=True)
    row = {int(c): k for k, c in enumerate(cities)}
    pos = {(int(u), int(v)): k for k, (u, v) in enumerate(edges.tolist())}
    for s, t in zip(mst.row, mst.col, strict=True):
        src, node = int(cities[s]), int(cities[t])
        p = pred[row[src]]
        while node != src and p[node] >= 0:
            prev = int(p[node])
            highway[pos[(min(prev, node), max(prev, node))]] = True
            node = prev
    return highway


def generate(n_towns: int, seed: int) -> dict:
    """The raw synthetic theatre as plain arrays and lists (see the module docstring)."""
    if n_towns < 4:
        raise ValueError(f"n_towns must be at least 4, got {n_towns}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(n_towns)]))
    xy, lat, lon = _points(n_towns, rng)
    dela = _delaunay_edges(xy)
    gabriel, rng_mask = _gabriel_rng(xy, dela)
    keep = rng_mask.copy()
    extra = np.flatnonzero(gabriel & ~rng_mask)
    n_more = int(round(MEAN_DEGREE * n_towns / 2)) - int(keep.sum())
    if n_more > 0:
        keep[rng.permutation(extra)[:n_more]] = True
    edges = dela[keep]

    n_city = max(2, int(round(CITY_SHARE * n_towns)))
    kinds = np.array(rng.choice(list(KIND_SHARES), size=n_towns, p=list(KIND_SHARES.values())),
                     dtype=object)
    cities = np.sort(rng.choice(n_towns, size=n_city, replace=False))
    kinds[cities] = "city"
    pop = np.zeros(n_towns)
    for kind, (median, sd) in POPULATION.items():
        m = kinds == kind
        pop[m] = np.round(median * libm.exp(rng.normal(0.0, sd, size=int(m.sum()))), -1)
    highway = _highways(xy, edges, cities)
    road = np.where(highway, "highway", "other")
    gc = haversine_km(lat[edges[:, 0]], lon[edges[:, 0]], lat[edges[:, 1]], lon[edges[:, 1]])
    km = np.round(np.maximum(gc * np.where(highway, DETOUR["highway"], DETOUR["other"]), 0.1), 1)
    # the front: the attacker holds the western half, the defender the eastern half
    controller = np.where(lon < np.median(lon), FACTIONS[0], FACTIONS[1])
    width = len(str(n_towns - 1))
    names = [f"T{i:0{width}d}" for i in range(n_towns)]
    return {"names": names, "lat": lat, "lon": lon, "kind": kinds.tolist(), "population": pop,
            "controller": controller.tolist(), "edges": edges.astype(np.int64), "km": km,
            "road": road.tolist()}


def write_theatre(raw: dict, out_dir: str | Path) -> Path:
    """Write ``towns.csv``, ``roads.csv`` and a README in the nw_syria format."""
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    with open(d / "towns.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["name", "lat", "lon", "kind", "population", "controller", "source"])
        for i, nm in enumerate(raw["names"]):
            w.writerow([nm, f"{raw['lat'][i]:.5f}", f"{raw['lon'][i]:.5f}", raw["kind"][i],
                        f"{raw['population'][i]:.0f}", raw["controller"][i], "synthetic"])
    with open(d / "roads.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["a", "b", "km", "road", "source"])
        for (a, b), km, r in zip(raw["edges"].tolist(), raw["km"], raw["road"], strict=True):
            w.writerow([raw["names"][a], raw["names"][b], f"{km:.1f}", r, "synthetic"])
    (d / "README.md").write_text(
        f"# Synthetic theatre, {len(raw['names'])} towns\n\nGenerated by `sim.synthetic` "
        "(random points, planar road graph); no real places.\n", encoding="utf-8")
    return d


def make_theatre(n_towns: int, seed: int, out_dir: str | Path | None = None) -> Theatre:
    """A random planar theatre of ``n_towns`` towns, deterministic given ``seed``; also
    written to ``out_dir`` (towns.csv, roads.csv) when given. Controllers are ``blue``
    (western half) and ``red`` (eastern half)."""
    raw = generate(n_towns, seed)
    if out_dir is not None:
        write_theatre(raw, out_dir)
    kinds = raw["kind"]
    return Theatre(
        name=f"synthetic_{n_towns}_{seed}", names=raw["names"], lat=raw["lat"], lon=raw["lon"],
        kind=kinds, population=raw["population"],
        value=np.array([derive_value(k, p) for k, p in zip(kinds, raw["population"],
                                                            strict=True)]),
        fortification=np.array([KIND_FORT[k] for k in kinds]), controller=raw["controller"],
        edges=raw["edges"], km=raw["km"], road=raw["road"],
        alt_names=[[] for _ in kinds], source_dir=Path(out_dir).resolve() if out_dir else None)


def add_rear(raw: dict, links: int = 3, km: float = 40.0) -> dict:
    """A copy of ``raw`` with an off-map rear behind each side: ``REAR_blue`` west of the
    map and ``REAR_red`` east of it (kind ``offmap``, held by that side), each joined by
    highways of ``km`` to the ``links`` towns nearest its edge."""
    names, lon = list(raw["names"]), np.asarray(raw["lon"])
    order = np.argsort(lon, kind="stable")
    n = len(names)
    out = {k: (list(v) if isinstance(v, list) else v) for k, v in raw.items()}
    lat = list(np.asarray(raw["lat"]))
    lons, pop = list(lon), list(np.asarray(raw["population"]))
    edges, kms, road = [tuple(e) for e in raw["edges"].tolist()], list(raw["km"]), \
        list(raw["road"])
    span = float(lon.max() - lon.min())
    for j, (side, ends) in enumerate((("blue", order[:links]), ("red", order[::-1][:links]))):
        names.append(f"REAR_{side}")
        lat.append(float(np.mean(np.asarray(raw["lat"])[ends])))
        lons.append(float(lon[ends].mean()) + (-1 if side == "blue" else 1) * 0.25 * span)
        out["kind"].append("offmap")
        pop.append(0.0)
        out["controller"].append(side)
        for t in ends.tolist():
            edges.append((int(t), n + j))
            kms.append(km)
            road.append("highway")
    out.update(names=names, lat=np.round(np.array(lat), 5), lon=np.round(np.array(lons), 5),
               population=np.array(pop), edges=np.array(edges, dtype=np.int64),
               km=np.array(kms), road=road)
    return out


def scenario_toml(raw: dict, days: int, seed: int, *, even: bool = False,
                  stake: float | None = None) -> str:
    """A two-faction scenario on a synthetic theatre, strengths proportional to its size.

    ``blue`` (the western half) attacks towards the defender's cities; ``red`` (the eastern
    half) defends, with more garrisons and lower morale. About 250 fighters per town per
    side (nw_syria has about 770 over four factions) give of the order of one unit per town.
    Supply comes from the 2% of towns nearest each side's rear edge (or from the off-map
    rear of :func:`add_rear`). Blue's drone support rises on day 2; red sends reinforcements
    to its largest city on day 5.

    ``even``: red gets blue's quality, morale, garrison share and attack ratio, neither side
    has air or drone support and nothing is scheduled (only the offensive is blue's).
    ``stake``: each side's
    declared stake is this multiple of the value it holds at the start.
    """
    onmap = [k != "offmap" for k in raw["kind"]]
    n = int(sum(onmap))
    names, lon, kinds = raw["names"], np.asarray(raw["lon"]), raw["kind"]
    ctrl = np.asarray(raw["controller"])
    k = max(2, n // 50)
    order = [i for i in np.argsort(lon, kind="stable").tolist() if onmap[i]]
    rear = {c: f"REAR_{c}" for c in FACTIONS if f"REAR_{c}" in names}
    blue_sup = [rear["blue"]] if "blue" in rear else [names[i] for i in order[:k]]
    red_sup = [rear["red"]] if "red" in rear else [names[i] for i in order[::-1][:k]]
    value = {c: sum(derive_value(kd, p) for kd, p, o in
                    zip(kinds, raw["population"], ctrl, strict=True) if o == c)
             for c in FACTIONS}
    red_cities = [i for i in range(n) if kinds[i] == "city" and ctrl[i] == "red"]
    if not red_cities:
        red_cities = [int(order[-1])]
    biggest = max(red_cities, key=lambda i: raw["population"][i])
    objectives = [names[i] for i in red_cities]

    def q(items: list[str]) -> str:
        return "[" + ", ".join(f'"{s}"' for s in items) + "]"

    strength = 250.0 * n
    blue = ["quality = 1.1", "morale = 0.85", "garrison_share = 0.2", "attack_ratio = 1.5"]
    red = blue if even else ["quality = 0.8", "morale = 0.6", "garrison_share = 0.6",
                             "air = 0.3"]
    lines = [
        f'name = "Synthetic {n} towns (seed {seed})"',
        'description = "Two factions on a random planar road graph (sim.synthetic)"',
        'theatre = "theatre"', "start = 2025-01-01", f"days = {days}", f"seed = {seed}", "",
        "[factions.blue]", 'colour = "#1f77b4"', f"strength = {strength:.0f}", *blue,
        *([] if even else ["drones = 0.3"]), f"supply = {q(blue_sup)}",
        *([f"stake = {stake * value['blue']:.2f}"] if stake else []), "",
        "[factions.red]", 'colour = "#d62728"', f"strength = {strength:.0f}", *red,
        f"supply = {q(red_sup)}", *([f"stake = {stake * value['red']:.2f}"] if stake else []),
        "",
        "[[phases]]", 'faction = "blue"', 'kind = "offensive"',
        f"objectives = {q(objectives)}", "start = 0", "",
        "[[phases]]", 'faction = "red"', 'kind = "defend"', "start = 0", ""]
    if days > 2 and not even:
        lines += ["[[events]]", "day = 2", 'kind = "support"', 'faction = "blue"',
                  "drones = 0.6", ""]
    if days > 5 and not even:
        lines += ["[[events]]", "day = 5", 'kind = "reinforcement"', 'faction = "red"',
                  f'town = "{names[biggest]}"', f"strength = {0.05 * strength:.0f}",
                  f"units = {max(1, min(100, n // 100))}", ""]
    return "\n".join(lines)


def make_scenario(n_towns: int, seed: int, days: int = 12,
                  out_dir: str | Path | None = None) -> Scenario:
    """A two-faction scenario (see :func:`scenario_toml`) on ``make_theatre(n_towns, seed)``,
    loaded through :func:`sim.load_scenario`. Files go to ``out_dir`` when given (kept),
    otherwise to a temporary folder removed after loading (the Scenario keeps everything
    it needs in memory)."""
    raw = generate(n_towns, seed)
    tmp = None
    if out_dir is None:
        tmp = out_dir = tempfile.mkdtemp(prefix="frontline-synth-")
    d = Path(out_dir)
    try:
        write_theatre(raw, d / "theatre")
        path = d / "scenario.toml"
        path.write_text(scenario_toml(raw, days, seed), encoding="utf-8")
        return load_scenario(path)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
