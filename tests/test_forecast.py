"""The forecast protocol: the scenario as of the origin, the record's truth, the two rulers,
the whole forecast on the tiny theatre (files, event schema, determinism on 1 and 2
workers), the nowcast and calibrate commands, and their one-line errors."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import importlib.util
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import BUILTIN, DATA, REPO, TINY_EVENTS, TINY_OFFENSIVE

import sim
from sim.analysis.as_of import scenario_as_of
from sim.analysis.baselines import distance_speed, fit_pace, persistence, road_km_from
from sim.analysis.executors import make_executor
from sim.analysis.forecast import (
    Targets,
    already_made,
    forecast,
    member_days,
    prepare,
    report_dates,
    ruler_forecast,
    targets,
)
from sim.cli import main
from sim.inputs.calibration_spec import load_spec
from sim.inputs.params import load_params_file
from sim.inputs.reported import read_reported
from sim.records import arrow_schema

CUT = dt.date(2024, 11, 30)
NW = REPO / "calibration" / "nw_syria_2024.toml"


# -- the scenario as of the origin -------------------------------------------------------------
def test_as_of_origin_drops_later_events():
    sc = sim.load_scenario(BUILTIN)
    cut, notes = scenario_as_of(sc, 3)
    kinds = [(e.day, e.kind) for e in cut.events]
    assert (3, "handover") in kinds                      # 30 November: on the origin, kept
    assert all(day is None or day <= 3 for day, _ in kinds)
    assert any(e.day == 5 and e.kind == "reinforcement" for e in sc.events)
    assert len(notes) == 1 and "day 5" in notes[0] and "Hama" in notes[0]
    ev = sim.load_scenario(TINY_EVENTS)
    cut, notes = scenario_as_of(ev, 2)
    assert sorted(e.day for e in cut.events) == [1, 2] and len(notes) == 3


def test_as_of_origin_drops_groups_deployed_later_with_their_strength():
    """The what-if's Idlib groups enter on day 1: at origin 0 they are not known (left out,
    and their 8,000 leave the opposition's total, so the strength on the map on day 0 is as
    it was); at origin 1 they are kept."""
    sc = sim.load_scenario(REPO / "scenarios" / "whatif" / "idlib_axes_day1.toml")
    cut, notes = scenario_as_of(sc, 0)
    assert [sc.theatre.names[d.town] for d in cut.deployments] == ["Atarib", "Darat Izza"]
    assert cut.spec.factions["opposition"].strength == \
        sc.spec.factions["opposition"].strength - 8000
    assert sum("deployment day 1 (2024-11-28) opposition" in n for n in notes) == 2
    m0, m1 = sim.ConflictModel(cut, seed=2), sim.ConflictModel(sc, seed=2)
    opp = sc.factions.index("opposition")
    on_map = [m.forces.strength[m.forces.faction == opp].sum() for m in (m0, m1)]
    assert on_map[0] == pytest.approx(on_map[1]) and m1.state.arrivals and not m0.state.arrivals
    again, notes1 = scenario_as_of(sc, 1)
    assert again.deployments == sc.deployments and not any("deployment" in n for n in notes1)


def test_a_phase_end_on_the_day_after_the_origin_is_not_known_at_the_origin():
    """Hand-computed: a phase of days 0-3 (end = 4, the first day without it) is under way
    at origin 3 and its end is dated day 4, after the origin, like an event on day 4 (left
    out): it runs on. A phase of days 0-2 (end 3) is over by the origin and keeps its end."""
    sc = sim.load_scenario(TINY_OFFENSIVE)
    ph = sc.phases[0]
    for end, kept in ((4, 10), (3, 3)):
        cut, notes = scenario_as_of(dataclasses.replace(sc, phases=(dataclasses.replace(
            ph, end=end),)), 3)
        assert cut.phases[0].end == kept
        assert (notes == [f"end of phase {sc.factions[ph.faction]} offensive on day {end} "
                          f"(runs on)"]) == (kept != end)


def test_prepare_cuts_the_record_and_states_the_origin():
    s = prepare(load_spec(NW), CUT)
    assert s.origin == 3 and s.horizon == s.scenario.days - 1
    assert all(e.date <= CUT for e in s.fit.events)
    assert all(e.date > CUT for e in s.later.events)
    assert s.header.startswith("day 0 = 2024-11-27; origin = day 3, 2024-11-30")
    assert s.left_out_line.startswith("scenario as of 2024-11-30: left out event day 5")
    assert not any(e.kind == "reinforcement" for e in s.scenario.events)
    named = {e.town for e in s.fit.events}
    assert s.start_line == (f"start: the reported map at the origin ({len(named)} places named "
                            "by reports up to it set in every member; insert_reported_map)")
    plain = s.spec.with_(assimilation=s.spec.assimilation.model_copy(
        update={"insert_reported_map": False}))
    assert prepare(plain, CUT).start_line.startswith("start: the members as the filter left")


def test_truth_follows_the_record():
    s = prepare(load_spec(NW), CUT)
    tg = targets(s)
    hama = tg.places.index(s.scenario.theatre.id_of("Hama"))
    col = {d: i for i, d in enumerate(tg.days)}
    assert s.scenario.factions[tg.truth[hama, col[7]]] == "government"      # 4 December
    assert s.scenario.factions[tg.truth[hama, col[8]]] == "opposition"      # 5 December
    # Maardes: opposition (30 Nov), government (1 Dec), opposition again (3 Dec)
    keys = [(s.scenario.theatre.names[t], s.scenario.factions[f], k) for t, f, k in tg.keys]
    assert ("Maardes", "opposition", 1) in keys and ("Maardes", "government", 1) in keys


def test_a_change_a_member_made_before_the_origin_is_early_not_never():
    """Hand-computed: origin day 4; the record gives town 2 to faction 0 at the origin and
    later reports faction 1 taking it twice; town 5 is already faction 1's in the record."""
    origin, keys = 4, [(2, 1, 1), (2, 1, 2), (5, 1, 1)]
    record_map = np.array([0, 0, 0, 0, 0, 1])
    at_origin = np.array([[0, 0, 1, 0, 0, 1],     # took town 2 on day 3
                          [0, 0, 0, 0, 0, 1],     # did not
                          [0, 0, 1, 0, 0, 1]])    # holds it, no change in its history
    histories = [{(2, 1, 1), (2, 1, 3), (5, 1, 2)}, {(2, 1, 2), (2, 0, 3)}, set()]
    early = already_made(histories, at_origin, record_map, keys, origin)
    assert early[:, 0].tolist() == [3, np.inf, 4] and early[:, 1].tolist() == [3, np.inf, 4]
    assert np.isinf(early[:, 2]).all()
    rows = [[(6, 2, 0, 1, 0), (8, 2, 1, 0, 0)], [(7, 2, 1, 0, 0)], []]
    days = member_days(rows, keys, early)
    assert days.tolist() == [[3, 8, np.inf], [7, np.inf, np.inf], [4, np.inf, np.inf]]
    assert member_days(rows, keys)[:, 0].tolist() == [8, 7, np.inf]    # without: late/never


def test_rulers():
    s = prepare(load_spec(NW), CUT)
    tg = targets(s)
    sc = s.scenario
    p = persistence(s.fit, sc, s.origin)
    days, owners = ruler_forecast(p, tg)
    assert np.isinf(days).all()
    assert (owners[0] == s.fit.holders(sc.initial_owner, 3)[list(tg.places), None]).all()
    ds = distance_speed(s.fit, sc, s.origin)
    opp = sc.factions.index("opposition")
    pace = fit_pace(s.fit, {f: road_km_from(sc, sc.initial_owner == f)
                            for f in sorted({e.new for e in s.fit.events})})
    assert ds.detail["speed_km_per_day"] == pytest.approx(1 / pace)
    hama = sc.theatre.id_of("Hama")
    km = road_km_from(sc, s.fit.holders(sc.initial_owner, 3) == opp)[hama]
    assert ds.change_day(hama, opp, 1) == 3 + max(1, np.ceil(km * pace))
    assert np.isinf(ds.change_day(sc.theatre.id_of("Maardes"), sc.factions.index("government"),
                                  1))                  # recaptures are never forecast


# -- the whole protocol on the tiny theatre ------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_spec(tmp_path_factory):
    """A record made by the model (tiny_slow, speed_highway 16 km/day) and a spec with a small
    filter: origin 2024-01-04 (day 3), five days ahead."""
    d = tmp_path_factory.mktemp("tiny_forecast")
    sc = sim.load_scenario(DATA / "tiny_slow.toml")
    m = sim.ConflictModel(sc.with_params(speed_highway=16.0), seed=21, agents=False)
    while m.day <= 9:
        m.step()
    with open(d / "reported.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "place", "new_controller", "source"])
        for day, t, new, _o, _c in m.result.log_rows:
            w.writerow([sc.date(day), sc.theatre.names[t], sc.factions[new], "the model"])
    (d / "spec.toml").write_text(
        f'scenario = "{DATA / "tiny_slow.toml"}"\nreported = "reported.csv"\n'
        'until = 2024-01-04\nseed = 5\n[params]\nspeed_highway = [6.0, 60.0]\n'
        'kill_rate = [0.02, 0.15]\n[assimilation]\nmembers = 24\nchunk = 5\n'
        '[forecast]\norigins = [2024-01-04]\nhorizon_days = 5\n')
    return d / "spec.toml"


class _Shifts:
    """A stand-in generator whose draws are written by hand."""

    def __init__(self, shift: np.ndarray) -> None:
        self.shift, self.asked = shift, None

    def integers(self, low: int, high: int, size: tuple[int, int]) -> np.ndarray:
        self.asked = (low, high, size)
        return self.shift


def _targets(keys, places, days) -> Targets:
    return Targets(tuple(keys), np.zeros(len(keys)), tuple(places), tuple(days),
                   np.zeros((len(places), len(days)), dtype=np.int64))


def test_report_dates_shift_each_members_days_and_map_by_its_draw():
    """Hand-computed: two members, two places (towns 4 and 9), three scored days after
    origin 10 (days 11, 12, 13). Member 0's place 4 is reported a day later (shift +1),
    member 1's a day sooner (-1); place 9 is unshifted in member 0, +1 in member 1."""
    tg = _targets(keys=((4, 1, 1), (9, 1, 1), (4, 0, 1)), places=(4, 9), days=(11, 12, 13))
    days = np.array([[12.0, np.inf, 13.0],
                     [11.0, 12.0, np.inf]])
    control = np.array([[[0, 1, 0], [0, 0, 0]],            # member 0: place 4 to 1 on day 12
                        [[1, 1, 1], [0, 1, 1]]])           # member 1: place 9 to 1 on day 12
    first = np.array([[0, 0], [0, 0]])                     # controllers at the origin
    rng = _Shifts(np.array([[1, 0], [-1, 1]]))
    moved, shifted = report_dates(days, control, first, tg, 1, rng)
    assert rng.asked == (-1, 2, (2, 2))
    # member 0's change of place 4 on day 13 (+1) is reported after the horizon: not within it
    assert np.array_equal(moved, [[13.0, np.inf, np.inf], [10.0, 13.0, np.inf]])
    # member 0, place 4 (+1): day 11 reads the origin, 12 reads 11, 13 reads 12
    # member 1, place 4 (-1): 11 reads 12, 12 reads 13, 13 reads 13 (the last day)
    # member 1, place 9 (+1): 11 reads the origin (0), 12 reads 11 (0), 13 reads 12 (1)
    assert shifted.tolist() == [[[0, 0, 1], [0, 0, 0]], [[1, 1, 1], [0, 0, 1]]]
    same = report_dates(days, control, first, tg, 0, rng)
    assert same[0] is days and same[1] is control


def test_report_dates_moved_past_the_horizon_are_not_within_it():
    """A member's change on the horizon's last days, reported later than the horizon, is
    not forecast within it (inf), like a change the member makes after the horizon and a
    ruler's day past it: its shifted map does not show it either, and the change table
    does not count it as happening. It was kept as day 12 or 13 with the horizon at 11."""
    tg = _targets(keys=((0, 1, 1),), places=(0,), days=(9, 10, 11))
    days = np.array([[10.0], [11.0], [11.0], [9.0]])
    control = np.array([[[0, 1, 1]], [[0, 0, 1]], [[0, 0, 1]], [[1, 1, 1]]])
    rng = _Shifts(np.array([[2], [1], [-1], [2]]))
    moved, shifted = report_dates(days, control, np.zeros((4, 1), np.int64), tg, 2, rng)
    assert np.array_equal(moved, [[np.inf], [np.inf], [10.0], [11.0]])
    assert shifted[:2, 0, -1].tolist() == [0, 0]            # not held by faction 1 by day 11
    assert np.isfinite(moved).mean() == 0.5


def test_report_dates_are_uniform_within_the_tolerance_and_widen_the_spread():
    """Every member changes a place on day 5: with tolerance 2 the forecast report days are
    uniform on 3..7 (chi-square over 4000 members), the map changes on the same shifted
    day, and an ensemble with no spread of its own gets the date error's, sqrt(2) days."""
    from scipy import stats
    tg = _targets(keys=((0, 1, 1),), places=(0,), days=tuple(range(1, 11)))
    n = 4000
    days = np.full((n, 1), 5.0)
    control = np.zeros((n, 1, 10), dtype=np.int64)
    control[:, 0, 4:] = 1                                  # index 4 = day 5
    moved, shifted = report_dates(days, control, np.zeros((n, 1), np.int64), tg, 2,
                                  np.random.default_rng(3))
    counts = np.bincount(moved[:, 0].astype(int) - 3)
    assert len(counts) == 5 and stats.chisquare(counts).pvalue > 0.001
    first_day = 1 + shifted[:, 0, :].argmax(axis=1)
    assert np.array_equal(first_day, moved[:, 0].astype(int))
    assert abs(moved.std() - np.sqrt(2)) < 0.05


def test_report_date_noise_changes_the_models_scores_only(tiny_spec):
    spec = load_spec(tiny_spec)
    noisy = spec.with_(assimilation=spec.assimilation.model_copy(
        update={"report_date_noise": True, "date_tolerance_days": 2}))
    plain = spec.with_(assimilation=spec.assimilation.model_copy(
        update={"date_tolerance_days": 2}))
    a, b = forecast(plain, dt.date(2024, 1, 4)), forecast(noisy, dt.date(2024, 1, 4))
    assert a.rows == b.rows and np.array_equal(a.control, b.control)
    rulers = a.summary.method != "model"
    pd.testing.assert_frame_equal(a.summary[rulers], b.summary[rulers])
    assert b.summary.spread_error[0] > a.summary.spread_error[0]
    again = forecast(noisy, dt.date(2024, 1, 4))
    pd.testing.assert_frame_equal(b.summary, again.summary)


@pytest.mark.parametrize("insert", [False, True], ids=["members", "reported-map"])
def test_forecast_is_the_same_on_1_and_2_workers(tiny_spec, insert):
    spec = load_spec(tiny_spec)
    spec = spec.with_(assimilation=spec.assimilation.model_copy(
        update={"insert_reported_map": insert}))
    a = forecast(spec, dt.date(2024, 1, 4))
    with make_executor(workers=2) as ex:
        b = forecast(spec, dt.date(2024, 1, 4), mapper=ex.map)
    assert np.array_equal(a.ensemble.z, b.ensemble.z)
    assert a.rows == b.rows and np.array_equal(a.control, b.control)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    assert list(a.summary.method) == ["model", "persistence", "distance-speed"]


def test_forecast_cli_rolling_origins_write_scores_events_and_plots(tiny_spec, tmp_path,
                                                                    capsys):
    out = tmp_path / "roll"
    assert main(["forecast", str(tiny_spec), "--origins", "2024-01-03..2024-01-04",
                 "--members", "12", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "day 0 = 2024-01-01; origin = day 3, 2024-01-04" in printed
    assert "rolling origins" in printed
    assert "scenario as of 2024-01-04: left out nothing" in printed
    top = pd.read_csv(out / "scores.csv")
    assert sorted(set(top.origin)) == ["2024-01-03", "2024-01-04"]
    assert (out / "lead_time.png").is_file() and (out / "by_lead.csv").is_file()
    one = out / "2024-01-04"
    for f in ("scores.csv", "by_lead.csv", "changes.csv", "pairs.csv", "reliability.csv",
              "pit.csv", "lead_time.png", "reliability.png", "pit.png", "fit/params.toml",
              "fit/posterior.csv", "fit/posterior_samples.csv", "fit/posterior.png",
              "fit/fit.png", "fit/filter.csv"):
        assert (one / f).is_file(), f
    table = pq.read_table(one / "ensemble_events.parquet")
    assert table.schema.equals(arrow_schema())
    ev = table.to_pandas()
    assert ev.run_id.between(0, 11).all() and (ev.day > 3).all() and (ev.day <= 8).all()
    scores = pd.read_csv(one / "scores.csv")
    assert {"day0", "origin", "origin_day", "mae_capped", "mae_uncapped", "crps", "brier",
            "log_score", "right_all", "right_end", "spread_error"} <= set(scores.columns)
    assert (scores.origin == "2024-01-04").all() and (scores.origin_day == 3).all()
    lead = pd.read_csv(one / "by_lead.csv")
    assert set(lead.lead) <= set(range(1, 6))
    assert set(load_params_file(one / "fit" / "params.toml")) == {"speed_highway", "kill_rate"}


def test_spread_error_script_splits_the_forecasts_ratio(tiny_spec, tmp_path, capsys):
    """scripts/spread_error.py on a forecast folder gives back the model's spread/error of
    scores.csv over all changes, and splits it; a place without a later change, a folder
    without changes.csv and a table without the moment columns are one line and status 2."""
    out = tmp_path / "fc"
    assert main(["forecast", str(tiny_spec), "--origin", "2024-01-04", "--members", "12",
                 "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    ratio = pd.read_csv(out / "scores.csv").set_index("method").spread_error["model"]
    changes = pd.read_csv(out / "changes.csv")
    spec = importlib.util.spec_from_file_location("spread_error_script",
                                                  REPO / "scripts" / "spread_error.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    place = changes.place.iloc[0]
    assert mod.main([str(out), "--leave-out", place]) == 0
    lines = capsys.readouterr().out.splitlines()
    every = next(ln for ln in lines if "all later changes" in ln)
    assert every.split()[3] == str(len(changes))
    assert float(every.split("spread/error")[1]) == pytest.approx(ratio, abs=0.006)
    named = (changes.place == place).sum()
    assert next(ln for ln in lines if "only those" in ln).split()[2] == str(named)
    assert next(ln for ln in lines if "without" in ln).split()[-8] == str(len(changes) - named)
    for argv, says in (([str(out), "--leave-out", "Nowhere"], "--leave-out: no later change"),
                       ([str(tmp_path)], "give one origin's subfolder, such as"),
                       ([str(out / "fit")], "no changes.csv: expected a folder frontline "
                                            "forecast wrote\n"),
                       ([str(tmp_path / "none")], "expected a forecast folder")):
        assert mod.main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and says in err, err
    changes.drop(columns="model_spread").to_csv(out / "changes.csv", index=False)
    assert mod.main([str(out)]) == 2
    err = capsys.readouterr().err
    assert "missing column(s) model_spread" in err and err.count("\n") == 1, err


def test_nowcast_and_calibrate_cli(tiny_spec, tmp_path, capsys):
    out = tmp_path / "now"
    assert main(["nowcast", str(tiny_spec), "--date", "2024-01-03", "--days", "2",
                 "--members", "10", "--out", str(out), "--quiet"]) == 0
    control = pd.read_csv(out / "control.csv")
    now = control.filter(like="now_").drop(columns="now_most_likely")
    assert np.allclose(now.sum(axis=1), 1.0)
    for f in ("changes.csv", "control_now.png", "control_end.png"):
        assert (out / f).is_file()
    cal = tmp_path / "cal"
    assert main(["calibrate", str(tiny_spec), "--members", "10", "--out", str(cal),
                 "--quiet"]) == 0
    assert "posterior at the origin" in capsys.readouterr().out
    assert set(load_params_file(cal / "params.toml")) == {"speed_highway", "kill_rate"}
    assert len(pd.read_csv(cal / "posterior_samples.csv")) == 10


def test_a_nowcast_list_cut_short_says_how_many_more_are_in_the_file(tiny_spec, tmp_path,
                                                                    monkeypatch, capsys):
    from sim.cli import nowcast as command
    monkeypatch.setattr(command, "SHOWN", 1)
    out = tmp_path / "now"
    assert main(["nowcast", str(tiny_spec), "--date", "2024-01-03", "--days", "3",
                 "--members", "8", "--out", str(out), "--quiet"]) == 0
    n = len(pd.read_csv(out / "changes.csv"))
    assert n > 1
    lines = capsys.readouterr().out.splitlines()
    head = lines.index(next(ln for ln in lines if ln.startswith("likely changes")))
    assert lines[head + 2] == f"  ... and {n - 1} more in {out / 'changes.csv'}"


def test_rolling_means_say_which_origins_had_nothing_to_score(tiny_spec, tmp_path, capsys):
    """A new user's review: with origins past the record's last report the rolling table
    said 'mean over 3 origins' while the origins with nothing to score (their scores nan)
    were left out of the means. The record's last report is dated 2024-01-08: from that day
    on there is nothing to score, so the means are over 1 of the 3 origins, and the table
    gives the log score as the single-origin table does."""
    assert main(["forecast", str(tiny_spec), "--origins", "2024-01-07..2024-01-09",
                 "--members", "4", "--out", str(tmp_path / "roll"), "--quiet"]) == 0
    printed = capsys.readouterr().out
    rolling = printed[printed.index("rolling origins"):]
    head = rolling.splitlines()[0]
    assert "mean over 1 of 3 origins; 2024-01-08, 2024-01-09 had no later report" in head
    assert "log_score" in rolling.splitlines()[1]
    top = pd.read_csv(tmp_path / "roll" / "scores.csv")
    assert top[top.origin == "2024-01-08"].crps.isna().all()


@pytest.mark.parametrize("argv, field", [
    (["--origin", "2030-01-01"], "--origin"),
    (["--origins", "2024-01-04"], "--origins"),
    (["--origins", "2024-01-04..2024-01-02"], "--origins"),
    (["--origins", "2029-12-31..2030-01-01"], "command line: --origins: 2029-12-31 is outside"),
    (["--members", "1"], "--members"),
])
def test_bad_flags_are_one_line(tiny_spec, argv, field, capsys):
    assert main(["forecast", str(tiny_spec), *argv]) == 2
    err = capsys.readouterr().err.splitlines()     # (the tiny scenario also warns, above)
    errors = [line for line in err if line.startswith("frontline: error: ")]
    assert len(errors) == 1 and field in errors[0] and "Traceback" not in "".join(err)


def test_a_horizon_past_the_spec_bound_blames_the_flag_not_a_set(tiny_spec, capsys):
    """A new user's review: `--horizon-days 100000` was refused as '--set: days: Input should
    be less than or equal to 3650' (no --set was given); the flag takes the spec's bound."""
    assert main(["forecast", str(tiny_spec), "--horizon-days", "100000"]) == 2
    err = capsys.readouterr().err
    assert err == ("frontline: error: command line: --horizon-days: expected an integer <= "
                   "365, got 100000\n"), err


@pytest.mark.parametrize("command", ["forecast", "nowcast", "calibrate"])
def test_members_on_the_command_line_take_the_spec_bound(tiny_spec, command):
    """A new user's review: the spec refuses more than 1,000,000 members, `--members` took
    any number (100,000,000 started a filter that would run for days)."""
    from sim.cli.main import parse
    from sim.errors import InputError
    extra = ["--date", "2024-01-03"] if command == "nowcast" else []
    with pytest.raises(InputError) as exc:
        parse([command, str(tiny_spec), *extra, "--members", "1000001"])
    assert exc.value.field == "--members" and "<= 1000000" in str(exc.value)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("argv", [["forecast", "--origin", "2024-01-04"],
                                  ["nowcast", "--date", "2024-01-03"], ["calibrate"]],
                         ids=lambda a: a[0])
def test_an_out_folder_that_cannot_be_created_is_refused_before_the_work(tiny_spec, argv,
                                                                         capsys):
    """mkdir under /proc fails even for root (to whom os.access says yes): one line naming
    --out, before any work (it came after the whole run, blamed on field '-')."""
    out = Path("/proc/frontline-out/x")
    assert main([argv[0], str(tiny_spec), *argv[1:], "--members", "2", "--out", str(out)]) == 2
    printed, err = capsys.readouterr()
    assert printed == "" and len(err.splitlines()) == 1, err
    assert err.startswith(f"frontline: error: {out}: --out: cannot create folder"), err


@pytest.mark.parametrize(("argv", "names"), [
    (["calibrate"], ["posterior.csv", "fit.png"]),
    (["forecast", "--origin", "2024-01-04"], ["scores.csv", "fit/params.toml"]),
    (["nowcast", "--date", "2024-01-03"], ["control.csv", "changes.png"])],
    ids=["calibrate", "forecast", "nowcast"])
def test_out_never_overwrites_files_the_command_did_not_write(tiny_spec, tmp_path, argv,
                                                             names, capsys):
    """A user's own posterior.csv or control.csv in the --out folder was written over
    (`frontline run` refused such a folder; these three did not): the folder is refused
    before the work, untouched, and a folder the command wrote itself is written over."""
    user = tmp_path / "mine"
    for n in names:
        (user / n).parent.mkdir(parents=True, exist_ok=True)
        (user / n).write_text("my own notes\n")
    run = [argv[0], str(tiny_spec), *argv[1:], "--members", "4", "--quiet"]
    assert main([*run, "--out", str(user)]) == 2
    printed, err = capsys.readouterr()
    assert len(err.splitlines()) == 1 and f"{user}: --out: holds {names[0]}" in err, err
    assert f"not written by `frontline {argv[0]}`" in err
    assert all((user / n).read_text() == "my own notes\n" for n in names)
    ours = tmp_path / "ours"
    assert main([*run, "--out", str(ours)]) == 0
    assert main([*run, "--out", str(ours)]) == 0          # its own folder: written over


@pytest.mark.parametrize(("argv", "mine"), [(["forecast", "--origin", "2024-01-04"], "fit"),
                                           (["forecast", "--origins", "2024-01-03..2024-01-04"],
                                            "2024-01-04")])
def test_a_users_file_where_a_folder_goes_is_refused_before_the_work(tiny_spec, tmp_path,
                                                                      argv, mine, capsys):
    """A user's file named `fit` (or an origin's date) in the --out folder let the forecast
    run in full and then fail on it with a vague line, losing the work: now refused first,
    in one line, the file untouched and nothing written."""
    user = tmp_path / "mine"
    user.mkdir()
    (user / mine).write_text("my own notes\n")
    assert main([argv[0], str(tiny_spec), *argv[1:], "--members", "4", "--quiet",
                 "--out", str(user)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"{user}: --out: holds a file '{mine}' where `frontline forecast` writes a " \
           "folder" in err
    assert sorted(q.name for q in user.iterdir()) == [mine]
    assert (user / mine).read_text() == "my own notes\n"


@pytest.mark.parametrize(("flag", "says"), [("--origin", "expected a date"),
                                          ("--origins", "expected A..B")])
def test_an_empty_origin_is_refused_not_the_specs_origin(tiny_spec, tmp_path, capsys, flag,
                                                         says):
    """`--origin ""` was taken as no --origin: a forecast from the spec's own origin."""
    assert main(["forecast", str(tiny_spec), flag, "", "--members", "2",
                 "--out", str(tmp_path / "f")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"frontline: error: command line: {flag}: {says}")
    assert err.count("\n") == 1 and not (tmp_path / "f").exists()


def test_starter_spec_is_written_for_your_own_record_and_runs(tiny_spec, tmp_path, capsys):
    """`calibrate SPEC --new`: a spec for a scenario and record of one's own, with the starter
    priors, origin at the date by which half the reports are in, paths relative to it; it
    loads and calibrates as written. A re-run replaces it while nobody has edited it; an
    edited spec, or any other file, is refused in one line and kept byte for byte."""
    from sim.inputs.calibration_spec import STARTER_PRIORS
    new = tmp_path / "sub" / "mine.toml"               # (its folder is made)
    argv = ["calibrate", str(new), "--new", "--scenario", str(DATA / "tiny_slow.toml"),
            "--reported", str(tiny_spec.parent / "reported.csv")]
    assert main(argv) == 0
    dates = sorted(read_reported(tiny_spec.parent / "reported.csv",
                                 sim.load_scenario(DATA / "tiny_slow.toml")).events,
                   key=lambda e: e.date)
    spec = load_spec(new)
    assert spec.bounds == {k: (lo, hi) for k, (lo, hi, _) in STARTER_PRIORS.items()}
    assert spec.until == dates[(len(dates) - 1) // 2].date and spec.origins == (spec.until,)
    assert spec.reported == new.parent / Path(os.path.relpath(tiny_spec.parent / "reported.csv",
                                                              new.parent))
    assert "reports up to" in capsys.readouterr().out
    text = new.read_text()      # what a user with a complete record, or one that held, needs
    assert "unreported_penalty = 0.1" in text and "morale_loss` / stake" in text
    assert main(["calibrate", str(new), "--members", "8", "--quiet", "--out",
                 str(tmp_path / "fit")]) == 0
    assert (tmp_path / "fit" / "posterior.csv").is_file()
    written = new.read_bytes()
    new.write_bytes(written.replace(b"\n", b"\r\n"))       # line ends aside: still unedited
    capsys.readouterr()
    assert main(argv) == 0 and new.read_bytes() == written     # its own: replaced
    theirs = tmp_path / "theirs.toml"
    theirs.write_text(tiny_spec.read_text())
    edited = written.replace(b"members = 1000", b"members = 500")
    for path, text in ((new, edited), (theirs, theirs.read_bytes())):
        path.write_bytes(text)
        capsys.readouterr()
        assert main([*argv[:1], str(path), *argv[2:]]) == 2 and path.read_bytes() == text
        err = capsys.readouterr().err
        assert err.startswith(f"frontline: error: {path}: SPEC: exists and is not known as a "
                              "starter spec `frontline calibrate --new` wrote and nobody has "
                              "edited since, so it is kept") and err.count("\n") == 1, err


def test_a_prior_on_a_scenario_field_says_what_to_fit_instead(tiny_spec, tmp_path, capsys):
    """A stake is the scenario's, not a model parameter: a prior on it says so and names the
    parameter that stands in for it, in one line with exit status 2."""
    spec = tmp_path / "stake.toml"
    spec.write_text(tiny_spec.read_text().replace(
        "[params]\n", '[params]\n"factions.red.stake" = [10.0, 100.0]\n').replace(
        'reported = "reported.csv"', f'reported = "{tiny_spec.parent / "reported.csv"}"'))
    assert main(["calibrate", str(spec), "--members", "8"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "params.factions.red.stake" in err and "morale_loss" in err


@pytest.mark.parametrize("extra, field", [
    (["--new"], "--scenario"),
    (["--until", "2024-01-04"], "--until"),
    (["--new", "--until", "2030-01-01"], "--until"),
    (["--new", "--out", "elsewhere"], "--out"),
])
def test_starter_spec_flags_are_checked(tiny_spec, tmp_path, extra, field, capsys):
    argv = ["calibrate", str(tmp_path / "x.toml"), *extra]
    if "--new" in extra and field != "--scenario":
        argv += ["--scenario", str(DATA / "tiny_slow.toml"),
                 "--reported", str(tiny_spec.parent / "reported.csv")]
    assert main(argv) == 2 and not (tmp_path / "x.toml").exists()
    errors = [x for x in capsys.readouterr().err.splitlines() if x.startswith("frontline: error")]
    assert len(errors) == 1 and field in errors[0]


def test_evidence_script_prefers_the_setting_that_made_the_record(tiny_spec, tmp_path, capsys):
    """scripts/evidence.py on the tiny record (made at the defaults), reports up to day 8: a
    setting under which garrisons hold far harder than they did has a far lower log
    evidence than the defaults. Bad input is one line and status 2."""
    spec_file = tmp_path / "spec.toml"
    spec_file.write_text(tiny_spec.read_text().replace("until = 2024-01-04", "until = 2024-01-09")
                         .replace('reported = "reported.csv"',
                                  f'reported = "{tiny_spec.parent / "reported.csv"}"'))
    spec = importlib.util.spec_from_file_location("evidence_script",
                                                  REPO / "scripts" / "evidence.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main([str(spec_file), "--members", "16", "--setting", "defence_bonus=1.5",
                     "--setting", "defence_bonus=3 hold_ratio=6 redeploy_ratio=10"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "log evidence" in ln]
    made, harder = (float(ln.split("log evidence")[1].split()[0]) for ln in lines)
    assert made > harder + 3.0
    assert mod.main([str(spec_file), "--setting", "hold_ratio"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("evidence.py: error: ") and err.count("\n") == 1


def test_observation_check_scores_only_reports_before_the_first_origin(tiny_spec, tmp_path,
                                                                      capsys):
    """benchmarks/observation_check.py: every check origin is a report date before the
    spec's first forecast origin, every forecast stops at that origin (so nothing after it
    is scored), and each setting gets a row per check origin. Bad flags: one line, status 2."""
    spec = importlib.util.spec_from_file_location(
        "observation_check", REPO / "benchmarks" / "observation_check.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    checks = mod.check_origins(load_spec(tiny_spec))
    assert checks and all(d < dt.date(2024, 1, 4) for d in checks)
    assert mod.main(["--folder", str(tiny_spec.parent), "--members", "8", "--workers", "1",
                     "--setting", "dependence=independent",
                     "--setting", "dependence=source"]) == 0
    out = capsys.readouterr().out
    rows = [ln for ln in out.splitlines() if "| dependence=" in ln and "| 2024-01-04 |" in ln]
    assert len(rows) == 2 * len(checks)
    assert not any("nan" in r for r in rows)         # every check origin has reports to score
    for settings in ("dependence=independent", "dependence=source"):
        assert sum(settings in r for r in rows) == len(checks)
    for bad, says in (("dependence=both", "independent"),
                      ("prior.tempo_noise=0.5..0.2", "LOW < HIGH"),
                      ("prior.tempo_noise=0..2", "<= 1.0"),
                      ("fixed.no_such=1", "not a numeric model parameter")):
        assert mod.main(["--folder", str(tiny_spec.parent), "--setting", bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1                          # one line, no usage before it
        assert "error: command line: " in err and "argument --setting" in err
        assert says in err and "Traceback" not in err
    # a prior and a fixed value reach the spec the filter gets
    _, changes = mod.setting("prior.tempo_noise=0..0.8 fixed.tempo_days=5")
    spec = load_spec(tiny_spec)
    for change in changes:
        spec = change(spec)
    assert spec.bounds["tempo_noise"] == (0.0, 0.8) and spec.fixed["tempo_days"] == 5.0


def test_probability_map_legend_is_outside_and_labels_do_not_overlap():
    """The nowcast's map: the legend sits beside the map (not on it), names the rings and
    the labels, and the percentage labels are moved apart."""
    import matplotlib.pyplot as plt

    from sim.views.forecast_plots import plot_probability_map
    sc = sim.load_scenario(BUILTIN)
    F = len(sc.factions)
    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.ones(F + 1) * 0.6, size=sc.theatre.n)
    fig = plot_probability_map(sc.theatre, probs, sc.factions,
                               [f.colour for f in sc.spec.factions.values()], "day 0 = x",
                               relation=sc.relation)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    ax, legend = fig.axes[0], fig.legends[0]
    assert not ax.get_window_extent(r).overlaps(legend.get_window_extent(r))
    words = " ".join(t.get_text() for t in legend.get_texts())
    assert "uncertainty" in words and "top probability" in words and "off-map" in words
    labels = [t for t in ax.texts if t.get_text().endswith("%")]
    assert len(labels) >= 5
    boxes = [t.get_window_extent(r) for t in labels]
    clashes = sum(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert clashes <= 1                           # adjustText: none, or nearly none
    plt.close(fig)


def test_a_forecast_from_the_scenarios_last_day_is_one_line(tiny_spec, tmp_path, capsys):
    """Without a horizon in the spec, a forecast runs to the scenario's last day: from that
    day there is nothing to forecast, said in one line (it was a traceback after the fit)."""
    spec = tmp_path / "spec.toml"
    spec.write_text(tiny_spec.read_text(encoding="utf-8").replace("horizon_days = 5\n", "")
                    .replace('reported = "reported.csv"',
                             f'reported = "{(tiny_spec.parent / "reported.csv").as_posix()}"'),
                    encoding="utf-8")
    assert main(["forecast", str(spec), "--origin", "2024-01-14", "--members", "10"]) == 2
    err = capsys.readouterr().err.splitlines()
    errors = [line for line in err if line.startswith("frontline: error: ")]
    assert len(errors) == 1 and "--origin" in errors[0] and "last day" in errors[0]
    assert "Traceback" not in "".join(err)


@pytest.mark.parametrize("line, field", [("origins = [2024-01-04]", "forecast.origins"),
                                         ("", "until")])
def test_an_origin_from_the_spec_outside_the_scenario_names_the_spec(tiny_spec, tmp_path,
                                                                    line, field, capsys):
    """An origin the spec gives ([forecast] origins, else `until`) is blamed on the spec's
    field, not on a flag the user never gave."""
    spec = tmp_path / "spec.toml"
    text = tiny_spec.read_text(encoding="utf-8").replace("until = 2024-01-04", "until = 2030-01-01")
    spec.write_text(text.replace("origins = [2024-01-04]", line.replace("2024-01-04",
                                                                         "2030-01-02"))
                    .replace('reported = "reported.csv"',
                             f'reported = "{(tiny_spec.parent / "reported.csv").as_posix()}"'),
                    encoding="utf-8")
    assert main(["forecast", str(spec), "--members", "2"]) == 2
    err = capsys.readouterr().err
    day = "2030-01-02" if line else "2030-01-01"
    assert err == (f"frontline: error: {spec}: {field}: {day} is outside the scenario "
                   "'tiny slow' (2024-01-01 .. 2024-01-14)\n"), err


def test_a_nowcast_date_outside_the_scenario_names_date_and_is_the_only_line(tiny_spec,
                                                                              capsys):
    assert main(["nowcast", str(tiny_spec), "--date", "2030-01-01", "--quiet"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines()
           if "ScenarioWarning" not in line and "no off-map rear" not in line
           and not line.startswith("  ")]
    assert len(err) == 1 and err[0].startswith("frontline: error: command line: --date: ")


def test_a_bad_nowcast_date_is_one_line_even_without_quiet(tiny_spec, capsys):
    """A new user's review: without --quiet the nowcast printed its 'nowcast for DATE + N
    days' line before finding the date outside the scenario (or before the first report),
    so the error was not the only line. The date is checked before any line is printed."""
    assert main(["nowcast", str(tiny_spec), "--date", "2030-01-01", "--members", "2"]) == 2
    printed, err = capsys.readouterr()
    assert printed == "" and len(err.splitlines()) == 1, err
    assert err.startswith("frontline: error: command line: --date: 2030-01-01 is outside")


def test_a_forecast_with_no_later_report_says_there_is_nothing_to_score(tiny_spec, tmp_path,
                                                                          capsys):
    """The record ends on day 9: from day 11 on, the forecast is made (and its ensemble
    kept) but has nothing to be scored on, and says so."""
    out = tmp_path / "late"
    assert main(["forecast", str(tiny_spec), "--origin", "2024-01-12", "--members", "10",
                 "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr()
    assert "nothing to score" in text.out
    assert "No artists with labels" not in text.err
    assert (out / "ensemble_events.parquet").is_file()


def test_probability_map_names_every_town_of_a_small_theatre():
    """The nowcast's map names its towns as every map does (all of them in a theatre of up
    to 30), not only the unsure ones: the sure towns were unnamed dots."""
    import matplotlib.pyplot as plt

    from sim.views.forecast_plots import plot_probability_map
    sc = sim.load_scenario(TINY_OFFENSIVE)
    F = len(sc.factions)
    probs = np.zeros((sc.theatre.n, F + 1))
    probs[:, 0] = 1.0                                    # every town sure
    probs[1] = [0.6, 0.4] + [0.0] * (F - 1)              # but one
    fig = plot_probability_map(sc.theatre, probs, sc.factions,
                               [f.colour for f in sc.spec.factions.values()], "day 0 = x",
                               relation=sc.relation)
    texts = [t.get_text() for t in fig.axes[0].texts]
    for name in sc.theatre.names:
        assert sum(t in (name, f"{name} 60%") for t in texts) == 1, (name, texts)
    assert f"{sc.theatre.names[1]} 60%" in texts
    plt.close(fig)


@pytest.mark.parametrize(("low", "high"), [(0.2, 1), (15, 120), (1, 10), (0.8, 5), (0.2, 10),
                                           (100, 1000), (1, 4), (0.001, 1000), (0.05, 0.15)])
def test_posterior_log_axes_have_round_ticks(low, high):
    """A log-scale prior's axis reads 15, 20, 50, 120, not 15, 30, 60, 120 or 2.71, 7.37."""
    from sim.views.forecast_plots import log_ticks
    ticks = log_ticks(low, high)
    assert ticks[0] == low and ticks[-1] == high and len(ticks) <= 5
    assert ticks == sorted(ticks) and len(set(ticks)) == len(ticks)
    for t in ticks[1:-1]:
        mantissa = t / 10 ** np.floor(np.log10(t) + 1e-9)
        assert round(mantissa, 9) in (1, 2, 3, 5)


def test_forecast_lead_table_marks_leads_without_a_reported_change(tiny_spec, tmp_path,
                                                                    capsys):
    """Every lead is printed (its Brier and right share are defined); where no change was
    reported at it, CRPS and MAE read '-', not 'nan'."""
    out = tmp_path / "one"
    assert main(["forecast", str(tiny_spec), "--origin", "2024-01-03", "--members", "12",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    table = printed.split("by lead time")[1].split("per later change")[0]
    rows = [ln.split() for ln in table.splitlines()[2:] if ln[:4].strip().isdigit()]
    lead = pd.read_csv(out / "by_lead.csv")
    assert len(rows) == len(lead) and "nan" not in table
    quiet = [r for r in rows if int(r[2]) == 0]
    assert quiet and all(r[3] == r[4] == "-" for r in quiet)
    assert all(r[3] != "-" for r in rows if int(r[2]) > 0)


@pytest.mark.parametrize("day, warned", [(2, True), (6, False)])
def test_fitting_a_parameter_a_params_event_sets_is_warned_about(tiny_spec, tmp_path, day,
                                                                  warned):
    """A params event up to the origin sets a fitted parameter from its day on, so the reports
    after it say nothing of the prior's value: one warning names the spec's field and the
    day. An event after the origin is left out of the forecast and is not warned about."""
    import warnings
    (tmp_path / "s.toml").write_text(
        f'extends = "{DATA / "tiny_slow.toml"}"\n[[add_events]]\nday = {day}\n'
        'kind = "params"\nset = { kill_rate = 0.2 }\n', encoding="utf-8")
    text = tiny_spec.read_text(encoding="utf-8").replace(str(DATA / "tiny_slow.toml"),
                                                         str(tmp_path / "s.toml"))
    (tmp_path / "spec.toml").write_text(text.replace('"reported.csv"',
                                                     f'"{tiny_spec.parent / "reported.csv"}"'),
                                        encoding="utf-8")
    spec = load_spec(tmp_path / "spec.toml")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prepare(spec, dt.date(2024, 1, 4))
    said = [str(w.message) for w in caught if "params.kill_rate: fitted" in str(w.message)]
    if warned:
        assert said == [f"{spec.file}: params.kill_rate: fitted, but a params event of the "
                        f"scenario sets it (day {day}); from then on the members run with the "
                        "event's value, so only the reports before say anything of it"]
    else:
        assert not said
