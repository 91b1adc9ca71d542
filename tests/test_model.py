"""The model (sim.core.model.ConflictModel) on the tiny hand-built scenarios and the built-in one:
control-change rules, scenario events, reproducibility, conservation, outputs, and loose
statistical checks of the built-in scenario's outcome."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import BUILTIN, REPO, TINY_EVENTS, TINY_OFFENSIVE

import sim
from sim.core.air import interdict
from sim.core.results import SERIES
from sim.views.maps import save_map

SHARED_SCHEMA = ["date", "place", "new_controller", "previous_controller", "cause", "source"]
STRENGTH, LOSSES, MORALE = SERIES.index("strength"), SERIES.index("losses"), SERIES.index("morale")


class ControlAudit:
    """Wraps a model's update_control to check, every day, the rule of step 6 (README, "The model"):
    a town changes hands only when a hostile faction's units are in it and none of the
    holder's side remain; the cause is 'assault' when fought today, 'encirclement' when its
    garrison surrendered, 'withdrawal' when no fight took place."""

    def __init__(self, model: sim.ConflictModel, scenario: sim.Scenario) -> None:
        self.m = model
        self.relation = scenario.relation
        self.changes: list[tuple[int, int, int, int, str]] = []
        self._inner = model.update_control
        model.update_control = self

    def __call__(self) -> None:
        m = self.m
        before = len(m.result.log_rows)
        owner_before = m.owner.copy()
        abandoned = m.state.abandoned.copy()      # set_owner clears it for a town it moves
        self._inner()
        rel = self.relation
        f = m.forces
        alive = f.strength > 0
        for day, t, new, old, cause in m.result.log_rows[before:]:
            assert day == m.day and old == owner_before[t] and new == m.owner[t]
            here = alive & (f.town == t)
            assert (here & (f.faction == new)).any(), "new holder has no units in the town"
            if old >= 0:
                assert rel[old, new] == -1, "town passed to a faction not hostile to its holder"
                assert not (here & (rel[old, f.faction] == 1)).any(), "defender still there"
            expected = ("encirclement" if m.state.surrendered[t] else
                        "assault" if m.state.fought[t] else
                        "encirclement" if abandoned[t] else "withdrawal")
            assert cause == expected, (m.theatre.names[t], cause, expected)
            self.changes.append((day, t, new, old, cause))
        # and no town is left held with hostile units in it and none of the holder's side
        for t in np.flatnonzero(m.owner >= 0):
            here = alive & (f.town == t)
            side = rel[m.owner[t], f.faction]
            assert not ((here & (side == -1)).any() and not (here & (side == 1)).any())
        changed = {t for _, t, *_ in m.result.log_rows[before:]}
        unchanged = np.setdiff1d(np.arange(m.theatre.n), list(changed))
        np.testing.assert_array_equal(m.owner[unchanged], owner_before[unchanged])


def audited_run(scenario, seed):
    m = sim.ConflictModel(scenario, seed=seed)
    audit = ControlAudit(m, scenario)
    return m, audit, m.run()


# -- control-change rules --------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tiny_offensive_causes(seed):
    """Foxtrot is empty and falls without a fight on day 0; Bravo's garrison is fought for
    and falls on day 0 or 1 (the attackers tire and fight at the end of their supply)."""
    sc = sim.load_scenario(TINY_OFFENSIVE)
    m, audit, r = audited_run(sc, seed)
    ev = r.events.set_index("place")
    assert ev.loc["Foxtrot", "cause"] == "withdrawal"
    assert ev.loc["Foxtrot", "new_controller"] == "opposition"
    assert ev.loc["Bravo", "cause"] == "assault"
    assert ev.loc["Bravo", "previous_controller"] == "government"
    assert ev.loc["Bravo", "day"] <= 1 and ev.loc["Foxtrot", "day"] == 0
    assert len(audit.changes) == len(r.log_rows)          # no handovers in this scenario
    # the opposition took the road to its objective and kept its own towns
    assert r.holder("Echo") == "opposition"
    assert r.holder("Westgate") == r.holder("Alpha") == "opposition"
    assert r.holder("Sierra") == "sna" and r.holder("Kafr Hamra") == ""


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_builtin_control_changes_follow_the_rule(builtin_scenario, seed):
    _, audit, r = audited_run(builtin_scenario, seed)
    causes = {c for *_, c in audit.changes}
    assert {"assault", "withdrawal"} <= causes
    handovers = [row for row in r.log_rows if row[4] == "handover"]
    assert len(audit.changes) + len(handovers) == len(r.log_rows)
    # the daily control matrix is the initial map with the logged changes applied in order
    owner = r.initial.copy()
    rows = iter(r.log_rows)
    row = next(rows, None)
    for day in range(r.days):
        while row is not None and row[0] == day:
            assert owner[row[1]] == row[3]
            owner[row[1]] = row[2]
            row = next(rows, None)
        np.testing.assert_array_equal(r.control_array[day], owner)
    assert row is None


def test_without_phases_nothing_changes_hands():
    sc = sim.load_scenario(TINY_OFFENSIVE, {"phases": []})
    r = sim.ConflictModel(sc, seed=5).run()
    assert r.events.empty
    assert (r.control_array == r.initial).all()


# -- scenario events -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def events_run():
    """tiny_events stepped day by day, with a snapshot of what matters after each day."""
    sc = sim.load_scenario(TINY_EVENTS)
    m = sim.ConflictModel(sc, seed=0)
    audit = ControlAudit(m, sc)
    snaps = []
    while m.running:
        m.step()
        f = m.forces
        snaps.append({"size": f.size, "faction": f.faction.copy(), "town": f.town.copy(),
                      "strength": f.strength.copy(), "quality": f.quality.copy(),
                      "air": m.air.copy(), "drones": m.drones.copy()})
    return sc, m, audit, snaps, m.result


def test_handover_event(events_run):
    sc, _m, audit, _s, r = events_run
    th = sc.theatre
    ev = r.events
    assert list(ev.cause) == ["handover", "handover"]
    assert audit.changes == []                      # nothing else changed hands
    assert list(ev.place) == ["Charlie", "Kafr Ḥamra"]
    assert list(ev.previous_controller) == ["government", ""]
    assert set(ev.new_controller) == {"sna"} and set(ev.date) == {pd.Timestamp("2024-01-02")}
    sna = sc.factions.index("sna")
    assert r.control_array[0, th.id_of("Charlie")] == sc.factions.index("government")
    assert (r.control_array[1:, th.id_of("Charlie")] == sna).all()
    assert r.capture_day("Charlie", by="sna") == 1


def test_reinforcement_event(events_run):
    sc, _m, _a, snaps, r = events_run
    th, gov = sc.theatre, sc.factions.index("government")
    assert snaps[1]["size"] == 6 and snaps[2]["size"] == 8     # arrive on day 2
    new = slice(6, 8)
    assert (snaps[2]["faction"][new] == gov).all()
    assert (snaps[2]["town"][new] == th.id_of("Delta")).all()
    np.testing.assert_array_equal(snaps[2]["strength"][new], [400.0, 400.0])
    np.testing.assert_array_equal(snaps[2]["quality"][new], [0.9, 0.9])
    day = r.series_array[:, gov, SERIES.index("units")]
    assert day[2] == day[1] + 2
    # day 4: reinforcements for Charlie (now the sna's) arrive at the nearest held town, Delta
    assert snaps[4]["size"] == 9
    assert snaps[4]["town"][8] == th.id_of("Delta") and snaps[4]["strength"][8] == 600.0


def test_support_event(events_run):
    sc, _m, _a, snaps, _r = events_run
    opp = sc.factions.index("opposition")
    assert [s["air"][opp] for s in snaps[:5]] == [0.0, 0.0, 0.0, 0.7, 0.7]
    assert [s["drones"][opp] for s in snaps[:5]] == [0.0, 0.0, 0.0, 0.2, 0.2]
    assert all((s["air"][1:] == 0).all() for s in snaps)      # others unchanged


def test_withdrawal_event_and_an_empty_town_stays(events_run):
    sc, _m, _a, snaps, r = events_run
    th, gov = sc.theatre, sc.factions.index("government")
    echo_unit = 4
    assert snaps[4]["town"][echo_unit] == th.id_of("Echo")
    assert snaps[5]["town"][echo_unit] == th.id_of("Delta")
    # Echo, left empty with no enemy in it, stays the government's
    assert (r.control_array[:, th.id_of("Echo")] == gov).all()


# -- reproducibility -------------------------------------------------------------------------------
def assert_same(r1, r2):
    pd.testing.assert_frame_equal(r1.events, r2.events)
    assert np.array_equal(r1.control_array, r2.control_array)
    assert np.array_equal(r1.series_array, r2.series_array)      # bit-identical floats
    pd.testing.assert_frame_equal(r1.series, r2.series)


def test_same_seed_same_run(builtin_scenario):
    r1 = sim.ConflictModel(builtin_scenario, seed=11).run()
    sim.ConflictModel(builtin_scenario, seed=12).run()           # another run in between
    r2 = sim.ConflictModel(builtin_scenario, seed=11).run()
    r3 = sim.run(BUILTIN, seed=11)                                # fresh load, file API
    assert_same(r1, r2)
    assert_same(r1, r3)
    assert r1.seed == 11


def test_default_seed_is_the_scenarios(builtin_scenario):
    r = sim.ConflictModel(builtin_scenario).run()
    assert r.seed == builtin_scenario.spec.seed
    assert_same(r, sim.ConflictModel(builtin_scenario, seed=builtin_scenario.spec.seed).run())


def test_different_seeds_differ(builtin_scenario):
    runs = [sim.ConflictModel(builtin_scenario, seed=s).run() for s in range(1, 6)]
    base = runs[0]
    assert any(not np.array_equal(base.series_array, r.series_array) for r in runs[1:])
    assert any(not np.array_equal(base.control_array, r.control_array)
               or not base.events.equals(r.events) for r in runs[1:])


# -- conservation ----------------------------------------------------------------------------------
def strength_budget(scenario, seed):
    """Run, returning (initial strength + reinforcements per faction, result); the
    reinforcements are what the scenario events add to each faction's total strength."""
    m = sim.ConflictModel(scenario, seed=seed)
    F = len(scenario.factions)

    def total():
        f = m.forces
        return np.bincount(f.faction, weights=f.strength, minlength=F)

    budget = total()
    events = m.apply_scenario_events

    def counting_events():
        before = total()
        events()
        budget[:] += total() - before

    m.apply_scenario_events = counting_events
    negative = []
    step = m.step

    def checked_step():
        step()
        negative.append(bool((m.forces.strength < 0).any()))

    m.step = checked_step
    r = m.run()
    assert not any(negative), "a unit's strength went negative"
    return budget, r


@pytest.mark.parametrize(("path", "seed"), [(BUILTIN, 1), (BUILTIN, 2), (TINY_EVENTS, 0),
                                            (TINY_OFFENSIVE, 0)])
def test_strength_and_losses_sane(path, seed):
    sc = sim.load_scenario(path)
    budget, r = strength_budget(sc, seed)
    s = r.series_array
    assert (s[:, :, STRENGTH] >= 0).all()
    assert (np.diff(s[:, :, LOSSES], axis=0) >= 0).all()        # losses never decrease
    assert ((s[:, :, MORALE] >= 0) & (s[:, :, MORALE] <= 1)).all()
    total = s[-1, :, STRENGTH] + s[-1, :, LOSSES]
    assert (total <= budget + 1e-6).all()                        # nothing created from nothing
    held = ((r.control_array >= 0) & r.theatre.onmap).sum(axis=1)    # territory: on-map
    assert (s[:, :, SERIES.index("towns")].sum(axis=1) == held).all()


@pytest.mark.parametrize(("path", "seed"), [(BUILTIN, 1), (BUILTIN, 3), (TINY_EVENTS, 0)])
def test_strength_plus_losses_is_conserved_without_cutoff_attrition(path, seed):
    sc = sim.load_scenario(path, {"cutoff_attrition": 0.0})
    budget, r = strength_budget(sc, seed)
    total = r.series_array[-1, :, STRENGTH] + r.series_array[-1, :, LOSSES]
    np.testing.assert_allclose(total, budget, rtol=1e-9)


def test_cutoff_attrition_counts_as_losses():
    sc = sim.load_scenario(TINY_EVENTS)
    budget, r = strength_budget(sc, 0)
    total = r.series_array[-1, :, STRENGTH] + r.series_array[-1, :, LOSSES]
    np.testing.assert_allclose(total, budget, rtol=1e-9)


# -- outputs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_builtin_runs_end_to_end_and_saves(builtin_scenario, tmp_path, seed):
    r = sim.ConflictModel(builtin_scenario, seed=seed).run()
    n, F = builtin_scenario.theatre.n, len(builtin_scenario.factions)
    assert r.control_array.shape == (12, n) and r.series_array.shape == (12, F, len(SERIES))
    out = r.save(tmp_path / f"run{seed}")
    if seed == 1:
        save_map(r, out / "map.png")
    ev = pd.read_csv(out / "events.csv", keep_default_na=False)
    assert set(SHARED_SCHEMA) <= set(ev.columns)
    assert len(ev) == len(r.log_rows) > 0
    assert set(ev.cause) <= {"assault", "withdrawal", "encirclement", "handover"}
    assert (ev.source == "model").all()
    assert set(ev.place) <= set(builtin_scenario.theatre.names)
    ctl = pd.read_csv(out / "control.csv", index_col=0, keep_default_na=False)
    assert ctl.shape == (12, n) and ctl.index[0] == "2024-11-27"
    assert ctl.loc["2024-12-08", "Aleppo"] == r.holder("Aleppo")
    series = pd.read_csv(out / "series.csv")
    assert len(series) == 12 * F and set(SERIES) <= set(series.columns)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["seed"] == seed and meta["days"] == 12
    if seed == 1:
        assert (out / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_python_api(monkeypatch):
    import matplotlib.figure
    import matplotlib.pyplot as plt
    monkeypatch.chdir(REPO)
    r = sim.run(BUILTIN, seed=1)
    assert isinstance(r.events, pd.DataFrame) and set(SHARED_SCHEMA) <= set(r.events.columns)
    assert isinstance(r.control, pd.DataFrame) and r.control.shape == (12, r.theatre.n)
    assert isinstance(r.series, pd.DataFrame) and len(r.series) == 12 * len(r.factions)
    fig = sim.plot_map(r)
    assert isinstance(fig, matplotlib.figure.Figure)
    plt.close(fig)
    summary = r.summary()
    assert list(summary.faction) == list(r.factions)
    on = (r.initial >= 0) & r.theatre.onmap
    assert (summary.towns_start == np.bincount(r.initial[on], minlength=len(r.factions))).all()
    # the fighters add up: start (after the run's force draw) - losses (+ reinforcements,
    # which only the government gets in this scenario) = end
    rest = summary[summary.faction != "government"]
    gap = rest.strength_start - rest.losses - rest.strength_end
    assert (gap.abs() <= 2).all(), summary
    opp = summary.set_index("faction").loc["opposition", "strength_start"]
    assert opp != sim.load_scenario(BUILTIN).spec.factions["opposition"].strength  # the draw


# -- statistics of the built-in scenario -----------------------------------------------------------
def test_builtin_outcome_over_50_seeds(builtin_scenario):
    """Measured (seeds 0..99, defaults, 2024-11 lead code): the opposition took Aleppo in
    100/100 runs and lost none of its starting towns in any run. The bounds below are loose
    so that honest re-tuning passes but a broken offensive or a collapsing attacker does not."""
    sc = builtin_scenario
    opp = sc.factions.index("opposition")
    took_aleppo, lost_own = 0, 0
    for seed in range(50):
        r = sim.ConflictModel(sc, seed=seed).run()
        took_aleppo += r.capture_day("Aleppo", by="opposition") is not None
        own = r.initial == opp
        lost_own += bool((r.control_array[:, own] != opp).any())
    assert took_aleppo >= 40          # >= 80% (measured 100%)
    assert lost_own <= 5              # <= 10% of runs lose any starting town (measured 0%)


def test_air_interdiction_strikes_attackers_and_intruders_only(builtin_scenario):
    """An enemy unit inside a faction's towns, or with attack orders within one road of them,
    loses air_interdiction x air of its strength a day (counted as losses); enemy garrisons on
    quiet fronts, units out of reach and friendly units are untouched."""
    m = sim.ConflictModel(builtin_scenario, seed=0)
    gov = builtin_scenario.factions.index("government")
    m.air[:] = 0.0
    m.air[gov] = 1.0
    f = m.forces
    reach = m.state.roads.reach(m.owner == gov)
    enemy = (f.strength > 0) & (builtin_scenario.relation[gov, f.faction] == -1)
    near = np.flatnonzero(enemy & reach[f.town])
    attacker, quiet = near[0], near[1:]
    f.posture[attacker] = 0                              # ATTACK
    f.posture[quiet] = 1                                 # HOLD
    before, losses0 = f.strength.copy(), m.losses.copy()
    interdict(m.state)
    k = m.params.air_interdiction
    assert f.strength[attacker] == pytest.approx(before[attacker] * (1 - k))
    untouched = np.ones(len(before), dtype=bool)
    untouched[attacker] = False
    assert np.array_equal(f.strength[untouched], before[untouched])
    assert m.losses.sum() - losses0.sum() == pytest.approx(k * before[attacker])
    # an enemy unit inside government territory is struck whatever its orders
    inside = int(np.flatnonzero(m.owner == gov)[0])
    f.town[quiet[0]] = inside
    before = f.strength.copy()
    interdict(m.state)
    assert f.strength[quiet[0]] == pytest.approx(before[quiet[0]] * (1 - k))


def test_a_handed_over_town_stays_handed_over():
    """Units of the old holder leave a handed-over town at once; they do not take it back
    (campaign_2024 hands Damascus to the opposition on its last day)."""
    sc = sim.load_scenario(REPO / "scenarios" / "campaign_2024.toml")
    damascus = sc.theatre.id_of("Damascus")
    for seed in (1, 2):
        r = sim.ConflictModel(sc, seed=seed).run()
        changes = [(new, cause) for _d, t, new, _o, cause in r.log_rows if t == damascus]
        assert changes == [(sc.factions.index("opposition"), "handover")]


def test_fork_repeats_the_future_and_a_new_seed_diverges(builtin_scenario):
    """A copy taken on day 4 without a seed ends exactly as the original; copies with one
    new seed end alike; the original is untouched by its copies."""
    ref = sim.ConflictModel(builtin_scenario, seed=5, agents=False).run()
    m = sim.ConflictModel(builtin_scenario, seed=5, agents=False)
    for _ in range(4):
        m.step()
    same, a, b = m.fork(), m.fork(seed=99), m.fork(seed=99)
    assert same.setup is m.setup and same.state.roads is m.state.roads
    for x in (same, a, b):
        x.run()
    assert m.day == 4
    end = m.run()
    np.testing.assert_array_equal(end.control_array, ref.control_array)
    np.testing.assert_array_equal(same.result.series_array, ref.series_array)
    np.testing.assert_array_equal(a.result.series_array, b.result.series_array)
    assert not np.array_equal(a.result.series_array, ref.series_array)


def test_set_params_mid_run(builtin_scenario):
    """Setting today's values changes nothing; faster roads from day 2 change the run from
    then on, and everything derived (road times, doctrines) follows."""
    ref = sim.ConflictModel(builtin_scenario, seed=2, agents=False).run()
    m = sim.ConflictModel(builtin_scenario, seed=2, agents=False)
    m.step()
    m.set_params(speed_highway=m.params.speed_highway, hold_ratio=m.params.hold_ratio)
    np.testing.assert_array_equal(m.run().series_array, ref.series_array)
    m = sim.ConflictModel(builtin_scenario, seed=2, agents=False)
    m.step()
    m.step()
    m.set_params(speed_highway=120.0, hold_ratio=3.0)
    assert m.state.roads is builtin_scenario.theatre.roads(m.params)
    assert m.state.roads.days.min() < builtin_scenario.theatre.roads().days.min()
    gov = builtin_scenario.factions.index("government")
    assert m.state.hold_ratio[gov] == 3.0
    out = m.run()
    np.testing.assert_array_equal(out.control_array[:2], ref.control_array[:2])
    assert not np.array_equal(out.series_array, ref.series_array)


def test_map_ticks_name_their_hemisphere():
    """A western or southern theatre's ticks read 30.8°W, not -30.8 under a '°E' label."""
    from sim.views.maps import _degrees
    assert _degrees(36.4 + 1e-12, "E", "W") == "36.4°E"
    assert _degrees(-30.75, "E", "W") == "30.75°W"
    assert _degrees(-12.5, "N", "S") == "12.5°S"
    assert _degrees(1e-9, "E", "W") == "0°"
    import matplotlib
    matplotlib.use("Agg")
    from sim.views.maps import draw_theatre, map_figure
    sc = sim.load_scenario(BUILTIN)
    fig, ax, _ = map_figure(sc.theatre, pyplot=False)
    draw_theatre(ax, sc.theatre, sc.initial_owner, ["#000000"] * len(sc.factions))
    assert ax.xaxis.get_major_formatter()(36.5, 0) == "36.5°E"     # the map uses it
    assert ax.yaxis.get_major_formatter()(-12.5, 0) == "12.5°S"
