"""Synthetic theatres: deterministic, connected, sparse planar graphs the model runs on."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

import sim
from sim.inputs.scenario import load_scenario
from sim.inputs.synthetic import (
    MEAN_DEGREE,
    _delaunay_edges,
    _gabriel_rng,
    add_rear,
    generate,
    make_scenario,
    make_theatre,
    scenario_toml,
    write_theatre,
)


def test_same_seed_gives_identical_files(tmp_path):
    make_theatre(300, seed=7, out_dir=tmp_path / "a")
    make_theatre(300, seed=7, out_dir=tmp_path / "b")
    make_theatre(300, seed=8, out_dir=tmp_path / "c")
    for name in ("towns.csv", "roads.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    a, c = tmp_path / "a" / "towns.csv", tmp_path / "c" / "towns.csv"
    assert a.read_bytes() != c.read_bytes()


def test_written_files_load_to_the_same_theatre(tmp_path):
    th = make_theatre(250, seed=3, out_dir=tmp_path)
    loaded = sim.load_theatre(tmp_path)
    assert loaded.names == th.names and loaded.kind == th.kind and loaded.road == th.road
    for attr in ("lat", "lon", "population", "value", "fortification", "edges", "km"):
        np.testing.assert_array_equal(getattr(loaded, attr), getattr(th, attr), err_msg=attr)
    assert loaded.controller == th.controller


@pytest.mark.parametrize("n", [50, 400, 2000])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_graph_connected_sparse_and_plausible(n, seed):
    th = make_theatre(n, seed)
    assert th.n == n
    ncomp, _ = connected_components(th.roads().km_graph, directed=False)
    assert ncomp == 1
    mean_degree = 2 * len(th.edges) / n
    assert 2.0 <= mean_degree <= 4.0
    assert (th.edges[:, 0] < th.edges[:, 1]).all()
    assert len({tuple(e) for e in th.edges.tolist()}) == len(th.edges)
    # roads join near neighbours (a few town spacings), not distant towns
    assert np.median(th.km) < 30 and th.km.max() < 120
    assert th.highway.any() and th.highway.mean() < 0.5
    if n >= 400:
        assert th.highway.mean() > 0.05
    assert th.kind.count("city") >= 2
    cities = np.array([k == "city" for k in th.kind])
    assert th.population[cities].min() > th.population[~cities].min()
    # each side holds half the towns, split by longitude
    blue = np.array([c == "blue" for c in th.controller])
    assert blue.sum() == n // 2 or blue.sum() == (n + 1) // 2
    assert th.lon[blue].max() < th.lon[~blue].min()


def test_mean_degree_is_the_target_over_seeds():
    degrees = [2 * len(generate(500, s)["edges"]) / 500 for s in range(20)]
    assert np.allclose(degrees, MEAN_DEGREE, atol=0.01)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_gabriel_and_rng_masks_match_brute_force(seed):
    """Both graphs are Delaunay subgraphs; check the masks against their definitions over
    all pairs of 60 random points."""
    xy = np.random.default_rng(seed).uniform(0, 100, size=(60, 2))
    dela = _delaunay_edges(xy)
    gabriel, rng_mask = _gabriel_rng(xy, dela)
    d = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    brute_g, brute_r = set(), set()
    for i in range(60):
        for j in range(i + 1, 60):
            others = np.ones(60, dtype=bool)
            others[[i, j]] = False
            if not (d[i, others] ** 2 + d[j, others] ** 2 < d[i, j] ** 2).any():
                brute_g.add((i, j))
            if not (np.maximum(d[i, others], d[j, others]) < d[i, j]).any():
                brute_r.add((i, j))
    assert {tuple(e) for e in dela[gabriel].tolist()} == brute_g
    assert {tuple(e) for e in dela[rng_mask].tolist()} == brute_r
    assert brute_r < brute_g


def test_too_small_is_an_error():
    with pytest.raises(ValueError):
        make_theatre(3, seed=0)


def test_model_runs_on_200_town_scenario():
    sc = make_scenario(200, seed=5, days=12)
    assert sc.theatre.n == 200 and sc.factions == ("blue", "red")
    r1 = sim.ConflictModel(sc, seed=11).run()
    r2 = sim.ConflictModel(make_scenario(200, seed=5, days=12), seed=11).run()
    assert r1.control_array.shape == (12, 200)
    np.testing.assert_array_equal(r1.control_array, r2.control_array)
    assert r1.log_rows == r2.log_rows
    # the attacker gains ground and both sides take losses
    towns = r1.series_array[:, :, 0]
    assert towns[-1, 0] > towns[0, 0] - 1 and len(r1.log_rows) > 0
    assert (r1.series_array[-1, :, 4] > 0).all()


def test_attacker_gains_over_many_seeds():
    """Statistical check of the scenario design: blue (the attacker) ends with more towns
    than it started with in most runs."""
    sc = make_scenario(120, seed=2, days=8)
    start = int((sc.initial_owner == 0).sum())
    gains = [int(sim.ConflictModel(sc, seed=s).run().series_array[-1, 0, 0]) - start
             for s in range(20)]
    assert np.mean(np.array(gains) > 0) >= 0.8


def test_the_benchmarks_largest_theatre_passes_the_input_bounds():
    """benchmarks/bench_run.py times 10,000 synthetic towns: the scenario must load (its
    strengths are within sim.inputs.limits)."""
    from sim.inputs.synthetic import make_scenario
    sc = make_scenario(10_000, seed=1, days=1)
    assert sc.theatre.n >= 10_000


def test_rear_even_and_stake_options_load_as_declared(tmp_path):
    """add_rear puts one off-map rear behind each side, joined to its edge and used as its
    supply; ``even`` gives red blue's doctrine and no support; ``stake`` declares a
    multiple of the value each side holds."""
    raw = add_rear(generate(30, 4))
    write_theatre(raw, tmp_path / "theatre")
    (tmp_path / "s.toml").write_text(scenario_toml(raw, 12, 4, even=True, stake=3.0))
    sc = load_scenario(tmp_path / "s.toml")
    th = sc.theatre
    rears = [th.names.index(f"REAR_{c}") for c in ("blue", "red")]
    assert [th.onmap[t] for t in rears] == [False, False]
    for c, t in zip(("blue", "red"), rears, strict=True):
        i = sc.factions.index(c)
        assert sc.initial_owner[t] == i and list(sc.supply_sources[i]) == [t]
        spec = sc.spec.factions[c]
        held = th.value[(sc.initial_owner == i)].sum()
        assert spec.stake == pytest.approx(3.0 * held, abs=0.01)
    blue, red = sc.spec.factions["blue"], sc.spec.factions["red"]
    assert (red.quality, red.morale, red.garrison_share) == \
        (blue.quality, blue.morale, blue.garrison_share)
    assert red.air == blue.drones == 0.0 and not sc.events
    on = np.flatnonzero(th.onmap)
    edge_towns = {"blue": on[np.argsort(th.lon[on], kind="stable")[:3]],
                  "red": on[np.argsort(th.lon[on], kind="stable")[::-1][:3]]}
    for c, t in zip(("blue", "red"), rears, strict=True):
        touching = th.edges[(th.edges == t).any(axis=1)]
        assert set(touching[touching != t].tolist()) == set(edge_towns[c].tolist())
