"""Theatre: towns.csv + roads.csv -> a road graph with numpy arrays.

Towns get integer ids 0..n-1 in file order (Mesa's network drawing needs integer nodes);
names and alternative names map to ids through one case-insensitive index. Road length
defaults to great-circle distance times a detour factor (1.1 on highways, 1.2 elsewhere, the
factors used by the reference compilation in shared/data/nw_syria_2024).
"""

from __future__ import annotations

import difflib
import math
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from shapely.geometry import LineString

from .. import libm
from ..errors import InputError, did_you_mean
from .features import Features, load_features, river_lines
from .files import read_csv
from .limits import MAX_NUMBER, MAX_ROAD_KM, ascii_number, digits_hint
from .params import PARAMS
from .roads import Roads

#: Kinds of place. ``offmap`` marks a rear area outside the contested map (a capital, a depot
#: region, a border crossing into a neighbouring country): a supply source, a retreat exit and
#: an arrival point for reinforcements, never captured and never counted as territory.
KINDS = ("city", "town", "village", "airbase", "base", "crossing", "offmap")
ROAD_CLASSES = ("highway", "other")
#: River crossings (``crossing`` column of roads.csv) and the ground a road runs through.
#: When roads.csv has no ``crossing`` column and the theatre's features.geojson has rivers,
#: crossings are derived: a road whose straight line meets a river crosses it by a bridge
#: (``scripts/mark_crossings.py --out FILE`` writes them into a copy of it for review).
CROSSINGS = ("", "bridge", "ford")
TERRAINS = ("plain", "hills", "mountain")
DETOUR = {"highway": 1.1, "other": 1.2}
#: Base value of a town by kind; population adds log10 of thousands (see `derive_value`).
KIND_VALUE = {"city": 3.0, "town": 1.5, "village": 0.7, "airbase": 2.0, "base": 1.5,
              "crossing": 1.5, "offmap": 3.0}
#: Default fortification (0..1) by kind when the file gives none.
KIND_FORT = {"city": 0.3, "town": 0.2, "village": 0.1, "airbase": 0.4, "base": 0.5,
             "crossing": 0.1, "offmap": 0.0}
TOWN_REQUIRED = ("name", "lat", "lon", "controller")
TOWN_OPTIONAL = ("alt_names", "kind", "population", "value", "fortification", "source")
ROAD_REQUIRED = ("a", "b")
ROAD_OPTIONAL = ("km", "road", "crossing", "terrain", "source")


class TheatreWarning(UserWarning):
    """Something odd but usable in a theatre (a disconnected graph, say)."""


def normalise(name: str) -> str:
    """Key for matching place names: case-, accent-, apostrophe- and space-insensitive."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum())


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (mean Earth radius 6371 km); works on arrays (through the
    C library's sin and cos, so the same on every CPU: sim.libm)."""
    return libm.haversine_km(lat1, lon1, lat2, lon2)


def derive_value(kind: str, population: float) -> float:
    """Town value: a base by kind plus log10 of population in thousands (0 when unknown)."""
    return KIND_VALUE[kind] + (math.log10(1 + population / 1000.0) if population > 0 else 0.0)


@dataclass
class Theatre:
    """A road graph of towns, as arrays indexed by town id."""

    name: str
    names: list[str]
    lat: np.ndarray
    lon: np.ndarray
    kind: list[str]
    population: np.ndarray
    value: np.ndarray
    fortification: np.ndarray
    controller: list[str]          # initial controller name per town ('' = nobody)
    edges: np.ndarray              # (m, 2) int town ids
    km: np.ndarray                 # (m,) road length
    road: list[str]                # (m,) road class
    crossing: list[str] = field(default_factory=list)   # (m,) '', 'bridge' or 'ford'
    terrain: list[str] = field(default_factory=list)    # (m,) plain, hills, mountain
    attrs: dict[str, list[str]] = field(default_factory=dict)
    alt_names: list[list[str]] = field(default_factory=list)
    source_dir: Path | None = None
    lines: list[int] = field(default_factory=list)   # line of each town in towns.csv

    def __post_init__(self) -> None:
        self.n = len(self.names)
        self.index: dict[str, int] = {}
        for i, nm in enumerate(self.names):
            self.index[normalise(nm)] = i
        for i, alts in enumerate(self.alt_names):
            for a in alts:
                self.index.setdefault(normalise(a), i)
        m = len(self.edges)
        self.crossing = self.crossing or [""] * m
        self.terrain = self.terrain or ["plain"] * m
        self.highway = np.array([r == "highway" for r in self.road], dtype=bool)
        #: (n,) False for off-map places (see KINDS)
        self.onmap = np.array([k != "offmap" for k in self.kind], dtype=bool)
        self.offmap = ~self.onmap
        self._roads: dict[tuple[float, ...], Roads] = {}

    def __repr__(self) -> str:
        held = sorted({c for c in self.controller if c})
        return (f"<Theatre {self.name!r}: {self.n} towns, {len(self.edges)} roads, "
                f"lat {self.lat.min():.2f}..{self.lat.max():.2f}, "
                f"lon {self.lon.min():.2f}..{self.lon.max():.2f}; held by "
                f"{', '.join(held) or 'nobody'}>")

    def roads(self, params: Mapping[str, Any] | None = None) -> Roads:
        """The road graph at the parameters' road speeds and ground effects (default: the
        table's), built once per setting and kept."""
        p = params or {k: v.default for k, v in PARAMS.items()}
        key = tuple(float(p[k]) for k in Roads.PARAMS)
        hit = self._roads.get(key)
        if hit is None:
            if len(self._roads) >= 256:          # a sweep over speeds: keep the latest
                self._roads.pop(next(iter(self._roads)))
            hit = self._roads[key] = Roads(self.edges, self.km, self.highway, self.crossing,
                                           self.terrain, self.n, *key)
        return hit

    # -- lookups ---------------------------------------------------------------------------
    def id_of(self, name: str, *, file: str | Path = "<scenario>", field: str = "town") -> int:
        """Town id by name or alternative name; an unknown name is an InputError."""
        i = self.index.get(normalise(str(name)))
        if i is None:
            raise InputError(file, field, f"unknown town {name!r} in theatre {self.name!r}"
                             f"{self.suggest(name)}")
        return i

    def suggest(self, name: str) -> str:
        """" (did you mean ...?)" for the names and alternative names closest to ``name``."""
        return did_you_mean(str(name), [*self.names, *(a for alts in self.alt_names
                                                        for a in alts)])

    def find(self, name: str) -> int | None:
        return self.index.get(normalise(str(name)))

    @property
    def graph(self) -> nx.Graph:
        """A networkx view with names, coordinates and road attributes (built on demand)."""
        g = nx.Graph()
        for i in range(self.n):
            g.add_node(i, name=self.names[i], lat=float(self.lat[i]), lon=float(self.lon[i]),
                       kind=self.kind[i], population=float(self.population[i]),
                       value=float(self.value[i]))
        for (a, b), km, r in zip(self.edges, self.km, self.road, strict=True):
            g.add_edge(int(a), int(b), km=float(km), road=r)
        return g

    def positions(self) -> dict[int, tuple[float, float]]:
        """Node -> (lon, lat), for drawing and for Mesa's Network layout."""
        return {i: (float(self.lon[i]), float(self.lat[i])) for i in range(self.n)}


# -- loading ---------------------------------------------------------------------------------
def _number(path: Path, row: int, col: str, raw: str, *, lo: float | None = None,
            hi: float | None = None, default: float | None = None) -> float:
    if raw == "" and default is not None:
        return default
    try:
        x = ascii_number(raw)
    except ValueError:
        raise InputError(path, f"row {row}, column {col}",
                         f"expected a number, got {raw!r}{digits_hint(raw)}") from None
    if not math.isfinite(x) or (lo is not None and x < lo) or (hi is not None and x > hi):
        rng = f"{lo if lo is not None else '-inf'}..{hi if hi is not None else 'inf'}"
        raise InputError(path, f"row {row}, column {col}", f"expected a value in {rng}, got {raw}")
    return x


def load_theatre(directory: str | Path) -> Theatre:
    """Load and validate ``towns.csv``, ``roads.csv`` and, if there is one,
    ``features.geojson`` from a theatre folder (cached until one of them changes)."""
    d = Path(directory).resolve()
    if not d.is_dir():
        raise InputError(directory, "theatre", "theatre folder not found")
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in (d / "towns.csv", d / "roads.csv",
                                                           d / "features.geojson")
                  if p.exists())
    return _load_cached(d, stamp)


@lru_cache(maxsize=16)
def _load_cached(d: Path, _stamp: tuple) -> Theatre:
    tpath, rpath = d / "towns.csv", d / "roads.csv"
    header, rows = read_csv(tpath, TOWN_REQUIRED, TOWN_OPTIONAL)
    known = (*TOWN_REQUIRED, *TOWN_OPTIONAL)
    extra = [c for c in header if c not in known]
    _warn_lookalikes(tpath, extra, known)
    names: list[str] = []
    alts: list[list[str]] = []
    seen: dict[str, tuple[int, int]] = {}      # name key -> (line, town id)
    lat, lon, pop, val, fort, kinds, ctrl = [], [], [], [], [], [], []
    attrs: dict[str, list[str]] = {c: [] for c in extra}
    for town_id, (r, row) in enumerate(rows):
        nm = row["name"]
        if not nm:
            raise InputError(tpath, f"row {r}, column name", "empty name")
        alt = [a.strip() for a in row.get("alt_names", "").split(";") if a.strip()]
        for i, label in enumerate([nm, *alt]):
            key, column = normalise(label), "alt_names" if i else "name"
            if not key:
                raise InputError(tpath, f"row {r}, column {column}", f"unusable name {label!r}")
            if key in seen and seen[key][0] != r:
                raise InputError(tpath, f"row {r}, column {column}",
                                 f"duplicate name {label!r} (also on row {seen[key][0]})")
            seen[key] = (r, town_id)
        la = _number(tpath, r, "lat", row["lat"], lo=-90, hi=90)
        lo = _number(tpath, r, "lon", row["lon"], lo=-180, hi=180)
        kind = row.get("kind", "") or "town"
        if kind not in KINDS:
            raise InputError(tpath, f"row {r}, column kind",
                             f"expected one of {', '.join(KINDS)}, got {kind!r}")
        p = _number(tpath, r, "population", row.get("population", ""), lo=0, hi=MAX_NUMBER,
                    default=0.0)
        v = _number(tpath, r, "value", row.get("value", ""), lo=0, hi=MAX_NUMBER, default=-1.0)
        f = _number(tpath, r, "fortification", row.get("fortification", ""), lo=0, hi=1,
                    default=KIND_FORT[kind])
        names.append(nm)
        alts.append(alt)
        lat.append(la)
        lon.append(lo)
        kinds.append(kind)
        pop.append(p)
        val.append(v if v >= 0 else derive_value(kind, p))
        fort.append(f)
        ctrl.append(row["controller"])
        for c in extra:
            attrs[c].append(row.get(c, ""))

    index = {key: town_id for key, (_, town_id) in seen.items()}

    rheader, rrows = read_csv(rpath, ROAD_REQUIRED, ROAD_OPTIONAL)
    _warn_lookalikes(rpath, [c for c in rheader if c not in (*ROAD_REQUIRED, *ROAD_OPTIONAL)],
                     (*ROAD_REQUIRED, *ROAD_OPTIONAL))
    edges, km, road, crossing, terrain = [], [], [], [], []
    pairs: dict[tuple[int, int], int] = {}
    for r, row in rrows:
        ends = []
        for col in ("a", "b"):
            i = index.get(normalise(row[col]))
            if i is None:
                raise InputError(rpath, f"row {r}, column {col}",
                                 f"unknown town {row[col]!r}"
                                 f"{did_you_mean(row[col], [*names, *sum(alts, [])])}"
                                 " (not a name or alt_name "
                                 f"in {tpath.name})")
            ends.append(i)
        a, b = ends
        if a == b:
            raise InputError(rpath, f"row {r}", f"road from {names[a]!r} to itself")
        key = (min(a, b), max(a, b))
        if key in pairs:
            raise InputError(rpath, f"row {r}",
                             f"duplicate road {names[a]}-{names[b]} (also on row {pairs[key]})")
        pairs[key] = r
        cls = row.get("road", "") or "other"
        if cls not in ROAD_CLASSES:
            raise InputError(rpath, f"row {r}, column road",
                             f"expected one of {', '.join(ROAD_CLASSES)}, got {cls!r}")
        gc = float(haversine_km(lat[a], lon[a], lat[b], lon[b]))
        length = _number(rpath, r, "km", row.get("km", ""), lo=0.01, hi=MAX_ROAD_KM,
                         default=max(gc * DETOUR[cls], 0.1))
        cross = row.get("crossing", "").lower()
        if cross not in CROSSINGS:
            raise InputError(rpath, f"row {r}, column crossing",
                             f"expected bridge, ford or empty, got {row['crossing']!r}")
        ground = row.get("terrain", "").lower() or "plain"
        if ground not in TERRAINS:
            raise InputError(rpath, f"row {r}, column terrain",
                             f"expected one of {', '.join(TERRAINS)} or empty, got "
                             f"{row['terrain']!r}")
        edges.append((a, b))
        km.append(length)
        road.append(cls)
        crossing.append(cross)
        terrain.append(ground)

    features = load_features(d)     # read (and checked) with the theatre, not at the map
    if "crossing" not in rheader:
        crossing = river_crossings(features, edges, lat, lon)
    th = Theatre(name=d.name, names=names, lat=np.array(lat), lon=np.array(lon), kind=kinds,
                 population=np.array(pop), value=np.array(val), fortification=np.array(fort),
                 controller=ctrl, edges=np.array(edges, dtype=np.int64).reshape(-1, 2),
                 km=np.array(km), road=road, crossing=crossing, terrain=terrain, attrs=attrs,
                 alt_names=alts, source_dir=d, lines=[r for r, _ in rows])
    ncomp, labels = sp.csgraph.connected_components(th.roads().km_graph, directed=False)
    if ncomp > 1:
        sizes = np.bincount(labels)
        small = [names[i] for i in range(th.n) if sizes[labels[i]] < sizes.max()][:5]
        warnings.warn(f"{rpath}: road graph has {ncomp} disconnected parts; "
                      f"cut off from the largest: {', '.join(small)}", TheatreWarning,
                      stacklevel=2)
    return th


def _warn_lookalikes(path: Path, extra: list[str], known: tuple[str, ...]) -> None:
    """A warning line for each extra column that looks like a known one (``Controller``,
    ``population_approx``, ``lat_deg``): it is kept as an attribute, not read as that."""
    for col in extra:
        low = col.strip().lower()
        guess = next((k for k in known if low == k or low.startswith(k + "_")
                      or low.endswith("_" + k)), None)
        if guess is None:
            close = difflib.get_close_matches(low, known, n=1, cutoff=0.8)
            guess = close[0] if close else None
        if guess is not None:
            warnings.warn(f"{path}: column {col!r} is not read (kept as an attribute); did "
                          f"you mean {guess!r}?", TheatreWarning, stacklevel=3)


def river_crossings(features: Features | None, edges: list[tuple[int, int]],
                    lat: list[float], lon: list[float]) -> list[str]:
    """Per road: 'bridge' where its straight line meets a river of the theatre's
    ``features.geojson`` (shapely), else ''. Approximate: a road that runs along a winding
    river may meet it without crossing; review what it marks."""
    rivers = [g for _name, g in river_lines(features)]
    return ["bridge" if any(LineString([(lon[a], lat[a]), (lon[b], lat[b])]).intersects(g)
                            for g in rivers) else "" for a, b in edges]
