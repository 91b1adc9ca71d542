"""Theatre map features (sim.inputs.features) and the shared map style (sim.views.maps)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import BUILTIN, REPO, TINY
from shapely import LineString

import sim
from sim.errors import InputError
from sim.inputs.features import KINDS, load_features, read_features, river_lines
from sim.views.labels import label_towns, named_towns
from sim.views.maps import front_colour, front_segments

RIVERLAND = REPO / "scenarios" / "riverland_offensive.toml"


def test_riverland_river_is_crossed_only_by_the_bridge_roads():
    th = sim.load_theatre(REPO / "scenarios/theatres/riverland")
    rivers = river_lines(load_features(th.source_dir))
    assert [n for n, _ in rivers] == ["the river"]
    crossing = set()
    for a, b in th.edges:
        road = LineString([(th.lon[a], th.lat[a]), (th.lon[b], th.lat[b])])
        if any(line.intersects(road) for _n, line in rivers):
            crossing.update({th.names[a], th.names[b]})
    bridges = {th.names[t] for t in range(th.n) if th.kind[t] == "crossing"}
    assert bridges <= crossing
    assert crossing - bridges == {"San Pietro", "Sabbia", "Riva"}    # the south bank only
    marked = {frozenset((th.names[a], th.names[b]))
              for (a, b), c in zip(th.edges, th.crossing, strict=True) if c}
    drawn = {frozenset((th.names[a], th.names[b])) for a, b in th.edges
             if any(line.intersects(LineString([(th.lon[a], th.lat[a]),
                                                (th.lon[b], th.lat[b])])) for _n, line in rivers)}
    assert drawn == marked          # the drawn river and roads.csv's bridges agree


def test_builtin_theatres_ship_valid_small_feature_files():
    for name in ("nw_syria", "riverland"):
        path = REPO / "scenarios/theatres" / name / "features.geojson"
        assert path.stat().st_size < 300_000
        f = read_features(path)
        assert {x.kind for x in f.items} >= {"river", "coast"}
        assert all(x.source and x.name for x in f.items)
    syria = read_features(REPO / "scenarios/theatres/nw_syria/features.geojson")
    assert {"Orontes (Asi)", "Euphrates"} <= {n for n, _ in river_lines(syria)}
    assert syria.of_kind("border") and "GSHHG" in syria.source


def _write(tmp_path, features):
    p = tmp_path / "features.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return p


LINE = {"type": "LineString", "coordinates": [[10.0, 45.0], [10.1, 45.1]]}


@pytest.mark.parametrize(("props", "geom", "field", "words"), [
    ({"kind": "rivr", "name": "x", "source": "s"}, LINE, "properties.kind", "did you mean 'river'"),
    ({"kind": "river", "name": "x"}, LINE, "properties.source", "missing"),
    ({"kind": "lake", "name": "x", "source": "s"}, LINE, "geometry.type", "Polygon"),
    ({"kind": "river", "name": "x", "source": "s"},
     {"type": "LineString", "coordinates": [[45.0, 200.0], [45.1, 10.0]]},
     "geometry.coordinates", "lon -180..180"),
])
def test_bad_features_are_one_line_errors(tmp_path, props, geom, field, words):
    p = _write(tmp_path, [{"type": "Feature", "properties": props, "geometry": geom}])
    with pytest.raises(InputError) as exc:
        read_features(p)
    assert exc.value.field == f"features[0].{field}" and words in exc.value.message
    assert str(p) in str(exc.value) and "\n" not in str(exc.value)


def test_not_json_and_absent_file(tmp_path):
    p = tmp_path / "features.geojson"
    p.write_text("{nope")
    with pytest.raises(InputError, match="not valid JSON"):
        read_features(p)
    assert load_features(tmp_path / "none") is None
    assert set(KINDS) == {"river", "coast", "border", "lake"}


def test_fronts_only_between_hostile_factions_in_a_colour_no_faction_uses():
    sc = sim.load_scenario(RIVERLAND)
    th = sc.theatre
    owner = sc.initial_owner.copy()
    # Highlanders (neutral to both) next to League towns: no front on those roads
    hl = sc.factions.index("highlanders")
    segs = front_segments(th, owner, sc.relation)
    every = front_segments(th, owner, None)
    neutral_roads = sum(1 for a, b in th.edges if hl in (owner[a], owner[b])
                        and owner[a] != owner[b])
    assert neutral_roads > 0 and len(every) - len(segs) == neutral_roads
    colours = [f.colour for f in sc.spec.factions.values()]
    assert front_colour(colours).lower() not in {c.lower() for c in colours}


def test_label_rule_keeps_cities_and_scenario_towns():
    sc = sim.load_scenario(BUILTIN)
    th = sc.theatre
    labels = set(label_towns(th, sc))
    cities = {t for t in range(th.n) if th.kind[t] == "city"}
    assert cities <= labels and named_towns(sc) <= labels
    assert th.id_of("Aleppo") in labels and len(labels) <= 36
    for name in ("Sarmin", "Darat Izza", "Bab al-Salameh"):   # a deployment, a supply source
        assert th.id_of(name) in named_towns(sc) and th.id_of(name) in labels
    small = sim.load_theatre(REPO / "scenarios/theatres/riverland")
    assert sorted(label_towns(small)) == list(range(small.n))      # small theatres: all
    assert np.all(np.isfinite(th.value))


def test_a_broken_features_file_stops_the_theatre_before_any_run(tmp_path):
    """features.geojson is read with towns.csv and roads.csv, so `scenarios validate` and
    `run` fail on it at once (it was read only when a map was drawn, after the run)."""
    from sim.inputs.theatre import load_theatre
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    (d / "features.geojson").write_text("{nope", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON") as exc:
        load_theatre(d)
    assert "features.geojson" in str(exc.value)


def test_no_label_hides_under_another_on_a_small_map():
    """On a map too small for adjustText to part every label (the browser view's size put
    'Tell Hasil' over 'Aleppo'), the less valuable label is left out; Aleppo keeps its own."""
    import matplotlib
    matplotlib.use("Agg")
    from sim.views.maps import draw_theatre, map_figure
    sc = sim.load_scenario(BUILTIN)
    th = sc.theatre
    fig, ax, _side = map_figure(th, height=4.0, pyplot=False)
    colours = [f.colour for f in sc.spec.factions.values()]
    drawn = draw_theatre(ax, th, sc.initial_owner, colours, sc.relation, scenario=sc)
    texts = drawn["labels"]
    renderer = fig.canvas.get_renderer()       # the labels' check gave it an Agg canvas
    boxes = [t.get_window_extent(renderer) for t in texts]
    assert all(not a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    names = {t.get_text() for t in texts}
    assert "Aleppo" in names and len(names) < len(label_towns(th, sc))   # some were dropped


@pytest.mark.parametrize(("text", "words"), [
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
     '{"kind": "river", "name": "x", "source": "s"}, "geometry": {"type": "LineString", '
     '"coordinates": [[NaN, 45.0], [10.1, 45.1]]}}]}', "NaN or infinity"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"type": "FeatureCollection", "features": [' + "1" * 5000 + "]}", "4,300 digits"),
])
def test_nan_coordinates_and_deep_nesting_are_one_line_errors(tmp_path, text, words):
    """A NaN coordinate was taken with a shapely warning that named no file; an array nested
    100,000 deep escaped as a RecursionError, a 5,000-digit number as a ValueError."""
    p = tmp_path / "features.geojson"
    p.write_text(text)
    with pytest.raises(InputError, match=words) as exc:
        read_features(p)
    assert str(p) in str(exc.value) and "\n" not in str(exc.value)


def test_a_features_geojson_that_is_not_a_file_is_refused(tmp_path):
    """A folder named features.geojson was silently taken as no features at all."""
    (tmp_path / "features.geojson").mkdir()
    with pytest.raises(InputError, match="not a file") as exc:
        load_features(tmp_path)
    assert "features.geojson" in str(exc.value)
    assert load_features(tmp_path / "none") is None
