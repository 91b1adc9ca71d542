"""Map features of a theatre: ``features.geojson`` (optional) with rivers, coast, borders and
lakes, drawn under the towns on every map.

The file is a GeoJSON FeatureCollection (RFC 7946, lon/lat in degrees). Every feature has
``properties.kind`` (``river``, ``coast``, ``border`` or ``lake``), ``properties.name`` and
``properties.source``; rivers, coast and borders are (Multi)LineStrings, lakes
(Multi)Polygons. Geometries become shapely objects (shapely: a well-kept geometry library,
so that roads crossing rivers are one ``intersects`` call: see :func:`river_lines`).

Features are drawing (and, later, terrain) data: they do not change any run.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..errors import InputError, did_you_mean
from .files import check_nesting
from .limits import MAX_NESTING

FILE = "features.geojson"
KINDS = ("river", "coast", "border", "lake")
LINE_TYPES = ("LineString", "MultiLineString")
AREA_TYPES = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class Feature:
    kind: str
    name: str
    source: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class Features:
    """The features of one file, in file order."""

    file: Path
    items: tuple[Feature, ...]
    source: str = ""

    def of_kind(self, kind: str) -> list[Feature]:
        return [f for f in self.items if f.kind == kind]

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        counts = {k: len(self.of_kind(k)) for k in KINDS if self.of_kind(k)}
        what = ", ".join(f"{v} {k}{'s' if v != 1 else ''}" for k, v in counts.items())
        return f"<Features {self.file.parent.name}/{self.file.name}: {what or 'empty'}>"


def _check_geometry(path: Path, field: str, kind: str, raw: object) -> BaseGeometry:
    if not isinstance(raw, dict) or "type" not in raw:
        raise InputError(path, field, "expected a GeoJSON geometry object")
    want = AREA_TYPES if kind == "lake" else LINE_TYPES
    if raw["type"] not in want:
        raise InputError(path, f"{field}.type", f"a {kind} must be a {' or '.join(want)}, "
                                                f"got {raw['type']!r}")
    try:
        with warnings.catch_warnings():     # NaN coordinates: refused below, not warned of
            warnings.simplefilter("ignore", RuntimeWarning)
            geom = shape(raw)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError,
            shapely.errors.GEOSException) as exc:
        raise InputError(path, f"{field}.coordinates", f"not valid coordinates: {exc}") \
            from None
    if geom.is_empty:
        raise InputError(path, f"{field}.coordinates", "empty geometry")
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        raise InputError(path, f"{field}.coordinates", "expected finite numbers [lon, lat], "
                                                       "got NaN or infinity")
    x0, y0, x1, y1 = geom.bounds
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise InputError(path, f"{field}.coordinates",
                         f"outside lon -180..180 / lat -90..90 (bounds {geom.bounds}); "
                         "GeoJSON is [lon, lat]")
    if kind == "lake" and not geom.is_valid:
        geom = geom.buffer(0)
    return geom


def read_features(path: str | Path) -> Features:
    """Read and validate a features file; every fault is an InputError naming the field."""
    p = Path(path)
    if not p.is_file():
        raise InputError(p, "-", "file not found")
    try:
        data = json.loads(p.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(p, "-", f"not UTF-8 text ({exc.reason}); expected GeoJSON") from None
    except json.JSONDecodeError as exc:
        raise InputError(p, f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from None
    except ValueError:                      # an integer of more digits than Python converts
        raise InputError(p, "-", "a number of more than 4,300 digits; expected a GeoJSON "
                                 "FeatureCollection of ordinary coordinates") from None
    except RecursionError:
        raise InputError(p, "-", f"nested too deeply; expected a GeoJSON FeatureCollection "
                                 f"(at most {MAX_NESTING} levels)") from None
    check_nesting(data, p)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputError(p, "type", "expected a GeoJSON FeatureCollection")
    raw = data.get("features")
    if not isinstance(raw, list):
        raise InputError(p, "features", "expected a list of features")
    items = []
    for i, f in enumerate(raw):
        field = f"features[{i}]"
        if not isinstance(f, dict) or f.get("type") != "Feature":
            raise InputError(p, field, "expected a GeoJSON Feature")
        props = f.get("properties")
        if not isinstance(props, dict):
            raise InputError(p, f"{field}.properties", "missing; needs kind, name, source")
        kind = props.get("kind")
        if kind not in KINDS:
            raise InputError(p, f"{field}.properties.kind", f"expected one of "
                             f"{', '.join(KINDS)}, got {kind!r}"
                             f"{did_you_mean(str(kind), KINDS)}")
        for key in ("name", "source"):
            if not isinstance(props.get(key), str) or not props[key].strip():
                raise InputError(p, f"{field}.properties.{key}", "missing or empty; every "
                                 "feature names itself and its source")
        geom = _check_geometry(p, f"{field}.geometry", kind, f.get("geometry"))
        items.append(Feature(kind, props["name"].strip(), props["source"].strip(), geom))
    return Features(p, tuple(items), str(data.get("source", "")))


def load_features(theatre_dir: str | Path | None) -> Features | None:
    """The theatre folder's ``features.geojson``, or None when it has none (cached until
    the file changes)."""
    if theatre_dir is None:
        return None
    p = Path(theatre_dir) / FILE
    if not p.exists() and not p.is_symlink():
        return None
    if not p.is_file():                     # a folder, a broken or looping link: refused
        raise InputError(p, "-", "not a file; expected a GeoJSON FeatureCollection")
    return _cached(p.resolve(), p.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _cached(path: Path, _stamp: int) -> Features:
    return read_features(path)


def river_lines(features: Features | None) -> list[tuple[str, BaseGeometry]]:
    """``(name, line)`` of every river (shapely LineString or MultiLineString, lon/lat), for
    intersections with roads: ``line.intersects(LineString([(lon_a, lat_a), (lon_b,
    lat_b)]))``."""
    if features is None:
        return []
    return [(f.name, f.geometry) for f in features.of_kind("river")]
