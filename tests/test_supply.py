"""Supply connectivity (sim.core.kernels.supply) on hand-built road graphs, and in the model."""

from __future__ import annotations

import numpy as np
from conftest import TINY_EVENTS

import sim
from sim.core.kernels.supply import supply
from sim.inputs.roads import Roads


class Graph:
    """A road graph of unit-length roads, asked who is supplied."""

    def __init__(self, n: int, edges: list[tuple[int, int]]) -> None:
        e = np.array(edges, dtype=np.int64)
        m = len(e)
        self.roads = Roads(e, np.ones(m), np.zeros(m, bool), [""] * m, ["plain"] * m, n,
                           40.0, 0.5, 0.5, 0.0, 1.0, 1.0)

    def supplied(self, passable: np.ndarray, sources: np.ndarray) -> np.ndarray:
        """Towns of ``passable`` the model's supply kernel joins to ``sources`` (its
        one-road-on reach beyond the territory is left out here; see reach)."""
        g, n = self.roads.full, len(passable)
        ok, _ = supply(np.asarray(sources, dtype=np.int64), passable, np.ones(n, bool),
                       g.indptr, g.indices, g.data)
        return ok & passable

    def reach(self, towns: np.ndarray) -> np.ndarray:
        return self.roads.reach(towns)


def graph(n: int, edges: list[tuple[int, int]]) -> Graph:
    return Graph(n, edges)


def encircled(owner: np.ndarray, faction: int, supplied: np.ndarray) -> np.ndarray:
    return (owner == faction) & ~supplied


def mask(n: int, towns) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    m[list(towns)] = True
    return m


def test_chain_cut_in_the_middle():
    # 0 - 1 - 2 - 3 - 4 - 5, source at 0; town 2 falls to the enemy
    g = graph(6, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)])
    whole = g.supplied(mask(6, range(6)), np.array([0]))
    assert whole.all()
    cut = g.supplied(mask(6, [0, 1, 3, 4, 5]), np.array([0]))
    np.testing.assert_array_equal(cut, mask(6, [0, 1]))
    # a second source behind the cut supplies the far side again
    both = g.supplied(mask(6, [0, 1, 3, 4, 5]), np.array([0, 5]))
    np.testing.assert_array_equal(both, mask(6, [0, 1, 3, 4, 5]))


def test_reach_adds_neighbours_of_supplied_towns():
    g = graph(6, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)])
    sup = mask(6, [0, 1])
    # the attacker at the edge of town 2 still has its line behind it; 3 does not
    np.testing.assert_array_equal(g.reach(sup), mask(6, [0, 1, 2]))
    np.testing.assert_array_equal(g.reach(mask(6, [])), mask(6, []))


def test_source_lost_supplies_nothing():
    g = graph(4, [(0, 1), (1, 2), (2, 3)])
    out = g.supplied(mask(4, [1, 2, 3]), np.array([0]))
    assert not out.any()
    assert not g.supplied(mask(4, range(4)), np.array([], dtype=np.int64)).any()


def test_encircled_pocket():
    # a ring 0-1-2-3-4-5-0 with a spur 3-6; faction 0 holds 0,1,5 around its source 0 and
    # the pocket 3,6, whose ring neighbours 2 and 4 are held by faction 1 (source 2)
    edges = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 0), (3, 6)]
    g = graph(7, edges)
    owner = np.array([0, 0, 1, 0, 1, 0, 0])
    sup = g.supplied(owner == 0, np.array([0]))
    np.testing.assert_array_equal(sup, mask(7, [0, 1, 5]))
    pocket = encircled(owner, 0, sup)
    np.testing.assert_array_equal(pocket, mask(7, [3, 6]))
    # faction 1's town 4 is cut off from its source at 2 as well
    sup1 = g.supplied(owner == 1, np.array([2]))
    np.testing.assert_array_equal(encircled(owner, 1, sup1), mask(7, [4]))
    # the pocket opens when town 4 is retaken
    owner2 = owner.copy()
    owner2[4] = 0
    sup2 = g.supplied(owner2 == 0, np.array([0]))
    assert not encircled(owner2, 0, sup2).any()


def test_allied_territory_passes_supply():
    # 0(F0, source) - 1(F2, ally) - 2(F0) - 3(F1, enemy) - 4(F0)
    g = graph(5, [(0, 1), (1, 2), (2, 3), (3, 4)])
    owner = np.array([0, 2, 0, 1, 0])
    relation = np.array([[1, -1, 1], [-1, 1, -1], [1, -1, 1]])
    own_only = g.supplied(owner == 0, np.array([0]))
    np.testing.assert_array_equal(own_only, mask(5, [0]))
    passable = relation[0, owner] == 1
    with_ally = g.supplied(passable, np.array([0]))
    np.testing.assert_array_equal(with_ally, mask(5, [0, 1, 2]))
    np.testing.assert_array_equal(encircled(owner, 0, with_ally), mask(5, [4]))
    # an ally's source supplies me too when both sources are given
    np.testing.assert_array_equal(g.supplied(passable, np.array([1])), mask(5, [0, 1, 2]))


def test_model_cut_off_garrison_wastes_away():
    """tiny_events: Charlie is handed to the sna (hostile to the government) on day 1, which
    cuts Bravo's garrison off from the government's source at Echo; from then it loses
    ``cutoff_attrition`` of its strength a day, while the supplied Echo garrison does not."""
    sc = sim.load_scenario(TINY_EVENTS)
    th = sc.theatre
    gov = sc.factions.index("government")
    m = sim.ConflictModel(sc, seed=0)
    f = m.forces
    bravo_unit = int(np.flatnonzero((f.faction == gov) & (f.town == th.id_of("Bravo")))[0])
    echo_unit = int(np.flatnonzero((f.faction == gov) & (f.town == th.id_of("Echo")))[0])
    m.step()                                       # day 0: Bravo still linked through Charlie
    assert m.supplied[gov, th.id_of("Bravo")]
    assert f.strength[bravo_unit] == 1500.0
    m.step()                                       # day 1: the handover cuts the road
    assert not m.supplied[gov, th.id_of("Bravo")]
    assert m.supplied[gov, th.id_of("Delta")] and m.supplied[gov, th.id_of("Echo")]
    keep = 1.0 - sc.params.cutoff_attrition
    assert f.strength[bravo_unit] == 1500.0 * keep
    m.step()
    assert f.strength[bravo_unit] == 1500.0 * keep * keep
    assert f.strength[echo_unit] == 500.0
