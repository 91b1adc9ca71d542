"""Scores against hand-computed cases: CRPS, capped and uncapped MAE, PIT, spread-to-error,
Brier, log score, right controller, reliability and PIT tables."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis import scores as S

INF = np.inf


def test_crps_by_hand():
    # members 1, 2, 5; reported day 3: E|X-y| = 5/3, E|X-X'|/2 = 8/9 -> 7/9
    assert S.crps(np.array([[1.0], [2.0], [5.0]]), np.array([3.0]), 10) \
        == pytest.approx([7 / 9])
    # one member: the absolute error (a deterministic baseline)
    assert S.crps(np.array([[4.0, 2.0]]), np.array([1.0, 2.0]), 10) == pytest.approx([3, 0])
    # never = horizon + 1
    assert S.crps(np.array([[INF]]), np.array([3.0]), 5) == pytest.approx([3.0])


def test_mae_capped_and_uncapped_by_hand():
    days = np.array([[1.0, INF, 9.0], [2.0, INF, 9.0], [INF, 1.0, 9.0]])
    obs = np.array([5.0, 4.0, 2.0])
    capped, uncapped = S.abs_errors(days, obs, horizon=10, cap=6.0)
    # medians (never ranks last): 2, never, 9
    assert capped.tolist() == [3.0, 6.0, 6.0]
    assert uncapped.tolist() == [3.0, 11.0 - 4.0, 7.0]


def test_pit_by_hand():
    days = np.array([[1.0], [2.0], [3.0], [4.0]])
    rng = np.random.default_rng(0)
    assert S.pit(days, np.array([2.5]), 10, rng) == pytest.approx([0.5])
    assert S.pit(days, np.array([0.0]), 10, rng) == pytest.approx([0.0])
    assert S.pit(days, np.array([9.0]), 10, rng) == pytest.approx([1.0])
    v = S.pit(np.repeat(days, 1, axis=1), np.full(1, 2.0), 10, np.random.default_rng(1))
    assert 0.25 <= v[0] <= 0.5                         # F(1) = .25 .. F(2) = .5


def test_pit_of_a_calibrated_forecast_is_flat():
    rng = np.random.default_rng(3)
    days = rng.integers(0, 10, size=(200, 3000)).astype(float)
    obs = rng.integers(0, 10, size=3000).astype(float)
    assert S.pit_flatness(S.pit(days, obs, 20, rng), bins=5) > 0.01
    assert S.pit_flatness(np.full(500, 0.05), bins=5) < 1e-6


def test_pit_is_given_the_change_happens_by_the_horizon():
    """Members [1, 2, never, never] (horizon 10): F(H) = 1/2, so a reported day 2.5 sits
    at (1/2) / (1/2) = 1, not 1/2; a change no member makes has no PIT."""
    days = np.array([[1.0, np.inf], [2.0, np.inf], [np.inf, np.inf], [np.inf, np.inf]])
    v = S.pit(days, np.array([2.5, 3.0]), 10, np.random.default_rng(0))
    assert v[0] == pytest.approx(1.0) and math.isnan(v[1])
    one = S.pit(days[:, :1], np.array([1.0]), 10, np.random.default_rng(1))[0]
    assert 0.0 <= one <= 0.5                              # (0 .. 1/4) / (1/2)
    assert S.pit_table(v)["count"].sum() == 1            # the undefined one is left out


def test_pit_of_a_calibrated_forecast_that_may_never_happen_is_flat():
    """Truth and members from one law with 60% 'never' mass; only changes that happened are
    scored (as reports are): the PIT given the change is flat, unconditioned it is not."""
    rng = np.random.default_rng(7)
    law = np.concatenate([np.arange(10.0), np.full(15, np.inf)])   # P(never) = 0.6
    days = rng.choice(law, size=(200, 6000))
    truth = rng.choice(law, size=6000)
    seen = np.isfinite(truth)
    v = S.pit(days[:, seen], truth[seen], 20, rng)
    assert S.pit_flatness(v, bins=5) > 0.01
    made = (S.censor(days[:, seen], 20) <= 20).mean(axis=0)
    assert S.pit_flatness(v * made, bins=5) < 1e-6       # the old, unconditioned PIT


def test_spread_error_by_hand():
    days = np.array([[0.0, 4.0], [2.0, 6.0]])          # N = 2, E = 2
    obs = np.array([0.0, 5.0])
    got = S.spread_error(days, obs, 10)
    # variances (ddof 1) 2 and 2; spread sqrt(3/2 * 2); ensemble means 1 and 5 -> RMSE sqrt(1/2)
    assert got["spread"] == pytest.approx(math.sqrt(3.0))
    assert got["rmse"] == pytest.approx(math.sqrt(0.5))
    assert got["spread_error"] == pytest.approx(math.sqrt(3.0) / math.sqrt(0.5))
    assert math.isnan(S.spread_error(days[:1], obs, 10)["spread_error"])


def test_spread_error_splits_over_changes_by_hand():
    """The per-change moments give the whole ensemble's ratio back, and any subset's: the
    spread of a set of changes is the root mean square of their spreads."""
    days = np.array([[0.0, 4.0, np.inf], [2.0, 6.0, np.inf], [1.0, 5.0, 3.0]])  # N = 3
    obs = np.array([0.0, 5.0, 2.0])
    mean, sd = S.member_moments(days, 10)             # 'never' -> day 11
    assert mean == pytest.approx([1.0, 5.0, 25 / 3])
    assert sd == pytest.approx(np.sqrt(4 / 3 * np.array([1.0, 1.0, 64 / 3])))
    whole = S.spread_error(days, obs, 10)
    assert S.spread_error_of(mean, sd, obs) == pytest.approx(whole)
    two = S.spread_error_of(mean[:2], sd[:2], obs[:2])
    assert two["spread"] == pytest.approx(math.sqrt(4 / 3))
    assert two["rmse"] == pytest.approx(math.sqrt(0.5))
    assert two["spread_error"] == pytest.approx(math.sqrt(4 / 3) / math.sqrt(0.5))
    last = S.spread_error_of(mean[2:], sd[2:], obs[2:])
    assert last["spread_error"] == pytest.approx(math.sqrt(4 / 3 * 64 / 3) / (25 / 3 - 2))


def test_brier_log_right_by_hand():
    probs = np.array([[0.7, 0.2, 0.1], [0.0, 0.5, 0.5]])   # 2 factions + nobody
    truth = np.array([0, -1])
    assert S.brier(probs, truth) == pytest.approx([0.09 + 0.04 + 0.01, 0 + 0.25 + 0.25])
    assert S.log_score(probs, truth, 0.01) == pytest.approx([-math.log(0.7), -math.log(0.5)])
    assert S.log_score(probs, np.array([2 - 2, 0]), 0.01)[1] == pytest.approx(-math.log(0.01))
    assert S.right(probs, truth).tolist() == [True, False]   # tie: the first faction
    one = S.onehot(np.array([1, -1]), 2)
    assert one.tolist() == [[0, 1, 0], [0, 0, 1]]
    assert S.brier(one, np.array([0, -1])).tolist() == [2.0, 0.0]


def test_controller_probs_and_reliability():
    control = np.array([[0, 1], [0, -1], [1, -1], [0, -1]])  # 4 members, 2 places
    p = S.controller_probs(control, 2)
    assert p.tolist() == [[0.75, 0.25, 0.0], [0.0, 0.25, 0.75]]
    rel = S.reliability_table(p, np.array([0, -1]), bins=4)
    assert rel["count"].sum() == 6
    top = rel.iloc[-1]                                   # the 0.75 bin: both came true
    assert top["count"] == 2 and top.observed == 1.0 and top.mean_forecast == 0.75
    pit = S.pit_table(np.array([0.05, 0.15, 0.95]), bins=10)
    assert pit["count"].tolist() == [1, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert pit.expected.iloc[0] == pytest.approx(0.3)
