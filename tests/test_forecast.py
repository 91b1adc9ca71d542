"""Forecast scoring and the two baselines."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from conftest import REPO

import sim
from sim.analysis.forecast import (
    Forecast,
    distance_speed_forecast,
    fit_pace,
    grid,
    persistence_forecast,
    road_km_from,
    score,
    truth,
)
from sim.inputs.reported import read_reported

CUT = dt.date(2024, 11, 30)


@pytest.fixture(scope="module")
def setup():
    sc = sim.load_scenario(REPO / "scenarios" / "deter_aggression_2024.toml")
    rec = read_reported(REPO / "calibration" / "reported" / "nw_syria_2024.csv", sc)
    later = rec.after(CUT)
    places, days = grid(later)
    return sc, rec, later, places, days, truth(rec, sc, places, days)


def test_truth_follows_the_record(setup):
    sc, rec, later, places, days, true = setup
    hama = places.index(sc.theatre.id_of("Hama"))
    on = {d: i for i, d in enumerate(days)}
    assert sc.factions[true[hama, on[7]]] == "government"      # 4 December
    assert sc.factions[true[hama, on[8]]] == "opposition"      # 5 December


def test_persistence_scores(setup):
    sc, rec, later, places, days, true = setup
    fc = persistence_forecast(rec.until(CUT), sc, later, places, days, 3)
    s = score(fc, later, true, cap=6.0)
    assert s["mae_days"] == 6.0                   # it never forecasts a change
    assert 0 < s["right_controller"] < 1
    # deterministic forecasts: Brier is 2 x the share of wrong controllers
    assert s["brier"] == pytest.approx(2 * (1 - s["right_controller"]))


def test_perfect_forecast_scores_perfectly(setup):
    sc, rec, later, places, days, true = setup
    F = len(sc.factions)
    probs = np.zeros((*true.shape, F + 1))
    np.put_along_axis(probs, np.where(true >= 0, true, F)[..., None], 1.0, axis=-1)
    s = score(Forecast("oracle", later.days, probs, {}), later, true, cap=6.0)
    assert (s["mae_days"], s["right_controller"], s["brier"]) == (0.0, 1.0, 0.0)


def test_distance_speed_baseline(setup):
    sc, rec, later, places, days, true = setup
    fit_rec = rec.until(CUT)
    dist = {f: road_km_from(sc, f) for f in sorted({e.new for e in fit_rec.events})}
    pace = fit_pace(fit_rec, dist)
    assert 1 / 200 < pace < 1 / 2                 # between 2 and 200 km/day
    fc = distance_speed_forecast(fit_rec, sc, later, places, days)
    assert fc.detail["speed_km_per_day"] == pytest.approx(1 / pace)
    i = [e.place for e in later.events].index("Hama")
    opp = sc.factions.index("opposition")
    assert fc.days[i] == max(0, np.ceil(dist[opp][sc.theatre.id_of("Hama")] * pace) - 1)
    # recaptures are never forecast by the baseline
    j = [(e.place, sc.factions[e.new]) for e in later.events].index(("Maardes", "government"))
    assert np.isinf(fc.days[j])
    s = score(fc, later, true, cap=6.0)
    assert 0 <= s["mae_days"] <= 6.0 and 0 <= s["brier"] <= 2.0
