"""Friction (``tempo_noise``, ``tempo_days``): the tempo process against its closed-form
moments, the movement kernel against a hand-computed path, and the spread it adds to an
ensemble of the built-in scenario."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import BUILTIN

import sim
from sim.core.kernels.movement import advance
from sim.core.model import ConflictModel


@pytest.fixture(scope="module")
def builtin():
    return sim.load_scenario(BUILTIN)


def test_tempo_is_a_stationary_ar1_lognormal_with_mean_one(builtin):
    """40,000 days of the process (s = 0.5, tempo_days = 3): mean factor 1, sd of the log s,
    lag-1 correlation of the log exp(-1/3), each within sampling error (the standard error
    of a mean of an AR(1) series is inflated by sqrt((1 + phi) / (1 - phi)))."""
    s, tau, n = 0.5, 3.0, 40_000
    m = ConflictModel(builtin.with_params(tempo_noise=s, tempo_days=tau), seed=3,
                      agents=False)
    rng = np.random.default_rng(7)
    st = m.state
    st.next_tempo(rng, first=True)
    logs = np.empty((n, st.n_factions))
    factors = np.empty_like(logs)
    for k in range(n):
        st.next_tempo(rng)
        factors[k], logs[k] = st.tempo, np.log(st.tempo)
    phi = math.exp(-1 / tau)
    inflate = math.sqrt((1 + phi) / (1 - phi))
    se_mean = math.sqrt(math.exp(s * s) - 1) / math.sqrt(n) * inflate
    assert np.abs(factors.mean(axis=0) - 1.0).max() < 4 * se_mean
    assert logs.std(axis=0) == pytest.approx(np.full(st.n_factions, s), rel=0.05)
    lag = [np.corrcoef(logs[:-1, f], logs[1:, f])[0, 1] for f in range(st.n_factions)]
    assert lag == pytest.approx([phi] * st.n_factions, abs=0.03)


def test_no_friction_is_exactly_one_and_leaves_other_draws_alone(builtin):
    """tempo_noise = 0 gives a tempo of exactly 1 (the pinned digests are unchanged); with
    friction on, every other random draw of the run (the day's intelligence errors and
    resolve, the true strengths) is the same, because the tempo has its own stream."""
    a = ConflictModel(builtin, seed=11, agents=False)
    b = ConflictModel(builtin.with_params(tempo_noise=0.4), seed=11, agents=False)
    assert np.all(a.state.tempo == 1.0)
    assert not np.allclose(b.state.tempo, 1.0)
    np.testing.assert_array_equal(a.state.intel, b.state.intel)
    np.testing.assert_array_equal(a.state.resolve, b.state.resolve)
    np.testing.assert_array_equal(a.forces.strength, b.forces.strength)


def _one_unit_path(tempo: float, progress: float = 0.0):
    """One unit of faction 0 at town 0 on the path 0 -> 1 -> 2 -> 3 of roads taking 0.4 days
    each; no enemy anywhere."""
    indptr = np.array([0, 1, 3, 5, 6])
    indices = np.array([1, 0, 2, 1, 3, 2])
    entry_road = np.array([0, 0, 1, 1, 2, 2])
    days, km = np.full(3, 0.4), np.full(3, 10.0)
    town, progress_ = np.array([0]), np.array([progress])
    route, path_at, path_end = np.array([1, 2, 3]), np.array([0]), np.array([3])
    no = np.zeros((1, 4), dtype=bool)
    advance(np.array([0]), np.array([0]), town, np.array([0]), np.array([True]),
            np.array([0]), progress_, route, path_at, path_end, indptr, indices,
            entry_road, days, km, no, no, 15.0, np.array([tempo]), np.zeros(4, dtype=bool))
    return int(town[0]), float(progress_[0])


def test_a_units_day_of_movement_is_its_factions_tempo():
    """Roads of 0.4 days: a tempo of 1 crosses two (0.2 left over), 0.7 crosses one (0.3
    left), 1.3 crosses all three (the path ends, nothing carried)."""
    assert _one_unit_path(1.0) == (2, pytest.approx(0.2))
    assert _one_unit_path(0.7) == (1, pytest.approx(0.3))
    assert _one_unit_path(1.3) == (3, 0.0)
    assert _one_unit_path(0.5, progress=0.35) == (2, pytest.approx(0.05))


def test_friction_widens_the_ensemble_of_capture_days(builtin):
    """Aleppo's capture day over 80 seeds of the built-in scenario: its 10-90% range is
    wider with tempo_noise = 0.6 than without (measured: days 4-9 against 4-7)."""
    names = list(builtin.theatre.names)
    town, by = names.index("Aleppo"), builtin.factions.index("opposition")

    def width(sc) -> float:
        days = []
        for seed in range(80):
            rows = ConflictModel(sc, seed=seed, agents=False).run().log_rows
            hit = [d for d, t, f, _o, _c in rows if t == town and f == by]
            days.append(hit[0] if hit else sc.days)
        lo, hi = np.percentile(days, [10, 90])
        return hi - lo

    assert width(builtin.with_params(tempo_noise=0.6)) > width(builtin) + 1.0
