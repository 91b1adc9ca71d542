"""The attrition kernel (sim.core.kernels.combat) against closed forms and an ODE solver.

Closed forms (Lanchester 1916), written out here independently of the kernel:
square law  dA/dt = -b D, dD/dt = -a A:  A(t) = A0 cosh(gt) - sqrt(b/a) D0 sinh(gt), g=sqrt(ab);
            invariant a A^2 - b D^2; the side with the smaller a A0^2 (resp. b D0^2) is
            annihilated at t* = atanh(sqrt(a/b) A0/D0)/g, the other keeps sqrt(D0^2-(a/b)A0^2).
linear law  dA/dt = -b A D, dD/dt = -a A D:  invariant K = a A - b D.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from sim.core.kernels.combat import (
    attrition,
    broken,
    helmbold,
    lanchester_linear,
    lanchester_square,
)


def square_closed(A0, D0, a, b, t):
    g = np.sqrt(a * b) * t
    A = A0 * np.cosh(g) - np.sqrt(b / a) * D0 * np.sinh(g)
    D = D0 * np.cosh(g) - np.sqrt(a / b) * A0 * np.sinh(g)
    return A, D


def ode(rhs, y0, t):
    sol = solve_ivp(rhs, (0, t), y0, rtol=1e-11, atol=1e-9, method="DOP853")
    return sol.y[:, -1]


def chain(kernel, A0, D0, a, b, days):
    """Apply a kernel in 1-day steps; returns arrays of A and D after each day (index 0 =
    start)."""
    A, D = [float(A0)], [float(D0)]
    x, y = np.array([A0], float), np.array([D0], float)
    for _ in range(days):
        x, y = kernel(x, y, a, b, 1.0)
        A.append(float(x[0]))
        D.append(float(y[0]))
    return np.array(A), np.array(D)


# -- square law ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("A0", "D0", "a", "b"), [(1000.0, 800.0, 0.06, 0.05),
                                                  (5000.0, 1200.0, 0.02, 0.09),
                                                  (300.0, 300.0, 0.0106, 0.0544)])
def test_square_one_call_matches_closed_form_and_ode(A0, D0, a, b):
    A, D = lanchester_square(np.array([A0]), np.array([D0]), a, b, days=3.0)
    cA, cD = square_closed(A0, D0, a, b, 3.0)
    assert A[0] == pytest.approx(cA, rel=1e-12)
    assert D[0] == pytest.approx(cD, rel=1e-12)
    oA, oD = ode(lambda t, y: [-b * y[1], -a * y[0]], [A0, D0], 3.0)
    assert A[0] == pytest.approx(oA, rel=1e-8)
    assert D[0] == pytest.approx(oD, rel=1e-8)


def test_square_chained_days_match_closed_form_and_conserve_invariant():
    A0, D0, a, b = 4000.0, 2500.0, 0.03, 0.05     # a A0^2 = 480000 > b D0^2 = 312500
    A, D = chain(lanchester_square, A0, D0, a, b, 20)
    t = np.arange(21)
    cA, cD = square_closed(A0, D0, a, b, t)
    assert (cD > 0).all()                           # no annihilation inside 20 days here
    np.testing.assert_allclose(A, cA, rtol=1e-10)
    np.testing.assert_allclose(D, cD, rtol=1e-10)
    inv = a * A**2 - b * D**2
    np.testing.assert_allclose(inv, inv[0], rtol=1e-9)
    assert (np.diff(A) < 0).all() and (np.diff(D) < 0).all()


def test_square_annihilation_time_and_survivor():
    A0, D0, a, b = 1000.0, 1500.0, 0.05, 0.04      # a A0^2 = 50000 < b D0^2 = 90000
    g = np.sqrt(a * b)
    t_star = np.arctanh(np.sqrt(a / b) * A0 / D0) / g
    survivor = np.sqrt(D0**2 - (a / b) * A0**2)
    assert 21 < t_star < 22                        # 21.53 days
    A, D = chain(lanchester_square, A0, D0, a, b, 30)
    last_alive = int(np.floor(t_star))
    # before t*: exactly the closed form; from the first day past t*: attacker gone for good
    cA, cD = square_closed(A0, D0, a, b, np.arange(last_alive + 1))
    np.testing.assert_allclose(A[: last_alive + 1], cA, rtol=1e-9)
    np.testing.assert_allclose(D[: last_alive + 1], cD, rtol=1e-9)
    assert (A[: last_alive + 1] > 0).all()
    assert (A[last_alive + 1:] == 0).all()
    np.testing.assert_allclose(D[last_alive + 1:], survivor, rtol=1e-9)
    # one long call gives the same survivor
    A1, D1 = lanchester_square(np.array([A0]), np.array([D0]), a, b, days=100.0)
    assert A1[0] == 0.0
    assert D1[0] == pytest.approx(survivor, rel=1e-12)


def test_square_defender_annihilated_symmetrically():
    A1, D1 = lanchester_square(np.array([3000.0]), np.array([500.0]), 0.05, 0.05, days=50.0)
    assert D1[0] == 0.0
    assert A1[0] == pytest.approx(np.sqrt(3000.0**2 - 500.0**2), rel=1e-12)


def test_square_harmless_side():
    # a = 0: the defender takes no losses; the attacker loses b*D0 per day
    A, D = lanchester_square(np.array([1000.0]), np.array([400.0]), 0.0, 0.1, days=2.0)
    assert D[0] == 400.0
    assert A[0] == pytest.approx(1000.0 - 0.1 * 400.0 * 2.0)


def test_square_is_vectorised_over_battles():
    A0 = np.array([1000.0, 200.0, 5000.0])
    D0 = np.array([900.0, 2000.0, 100.0])
    a = np.array([0.05, 0.02, 0.1])
    b = np.array([0.04, 0.09, 0.01])
    A, D = lanchester_square(A0, D0, a, b, days=2.0)
    for k in range(3):
        Ak, Dk = lanchester_square(A0[k:k + 1], D0[k:k + 1], a[k], b[k], days=2.0)
        assert A[k] == Ak[0] and D[k] == Dk[0]


# -- linear law ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("A0", "D0", "a", "b"), [(1000.0, 800.0, 6e-5, 5e-5),
                                                  (700.0, 1400.0, 2e-4, 1e-4),   # K = 0
                                                  (3000.0, 500.0, 1e-5, 9e-5)])
def test_linear_matches_ode(A0, D0, a, b):
    A, D = lanchester_linear(np.array([A0]), np.array([D0]), a, b, days=5.0)
    oA, oD = ode(lambda t, y: [-b * y[0] * y[1], -a * y[0] * y[1]], [A0, D0], 5.0)
    assert A[0] == pytest.approx(oA, rel=1e-7)
    assert D[0] == pytest.approx(oD, rel=1e-7)


def test_linear_chained_days_match_one_call_and_conserve_invariant():
    A0, D0, a, b = 2000.0, 1500.0, 8e-5, 6e-5
    A, D = chain(lanchester_linear, A0, D0, a, b, 30)
    K = a * A - b * D
    np.testing.assert_allclose(K, a * A0 - b * D0, rtol=1e-9)
    A30, D30 = lanchester_linear(np.array([A0]), np.array([D0]), a, b, days=30.0)
    assert A[-1] == pytest.approx(A30[0], rel=1e-9)
    assert D[-1] == pytest.approx(D30[0], rel=1e-9)
    # K > 0: the defender wastes away towards 0 and the attacker towards K/a, never below
    assert D[-1] < 0.1 * D0
    assert ((a * A0 - b * D0) / a < A).all()


def test_linear_equal_invariant_case_closed_form():
    # K = 0: D(t) = D0 / (1 + b D0 t), A = b D / a
    A0, D0, a, b = 500.0, 1000.0, 2e-4, 1e-4
    A, D = lanchester_linear(np.array([A0]), np.array([D0]), a, b, days=7.0)
    assert D[0] == pytest.approx(D0 / (1 + b * D0 * 7.0), rel=1e-12)
    assert A[0] == pytest.approx(b * D[0] / a, rel=1e-12)


def test_linear_harmless_side():
    A, D = lanchester_linear(np.array([1000.0]), np.array([400.0]), 0.0, 1e-4, days=3.0)
    assert D[0] == 400.0
    assert A[0] == pytest.approx(1000.0 * np.exp(-1e-4 * 400.0 * 3.0))


# -- attrition(): laws, scaling, mixing, noise ---------------------------------------------------
def test_attrition_square_and_linear_dispatch():
    A0, D0 = np.array([1200.0, 300.0]), np.array([900.0, 800.0])
    a, b = np.array([0.05, 0.08]), np.array([0.06, 0.03])
    np.testing.assert_array_equal(attrition(A0, D0, a, b, law="square"),
                                  lanchester_square(A0, D0, a, b))
    np.testing.assert_array_equal(attrition(A0, D0, a, b, law="linear", linear_scale=1000.0),
                                  lanchester_linear(A0, D0, a / 1000.0, b / 1000.0))


def test_linear_scale_makes_laws_agree_at_that_battle_size():
    # 1000 v 1000 at 0.06/day: square gives 1000 e^-0.06 = 941.8, linear 1000/1.06 = 943.4
    A0, D0 = np.array([1000.0]), np.array([1000.0])
    sq = attrition(A0, D0, 0.06, 0.06, law="square")
    li = attrition(A0, D0, 0.06, 0.06, law="linear", linear_scale=1000.0)
    assert sq[0][0] == pytest.approx(1000 * np.exp(-0.06), rel=1e-12)
    assert li[0][0] == pytest.approx(1000 / 1.06, rel=1e-12)
    assert sq[0][0] == pytest.approx(li[0][0], rel=5e-3)


def test_mixed_law_is_between_square_and_linear():
    A0 = np.array([5000.0, 800.0, 2000.0])
    D0 = np.array([1000.0, 3000.0, 2000.0])
    a, b = np.array([0.05, 0.1, 0.02]), np.array([0.07, 0.02, 0.04])
    sq = attrition(A0, D0, a, b, law="square")
    li = attrition(A0, D0, a, b, law="linear")
    for w in (0.0, 0.3, 0.5, 1.0):
        mx = attrition(A0, D0, a, b, law="mixed", mixed_weight=w)
        for k in (0, 1):
            lo = np.minimum(sq[k], li[k]) - 1e-9
            hi = np.maximum(sq[k], li[k]) + 1e-9
            assert ((mx[k] >= lo) & (mx[k] <= hi)).all()
            np.testing.assert_allclose(mx[k], w * sq[k] + (1 - w) * li[k], rtol=1e-12)
    np.testing.assert_allclose(attrition(A0, D0, a, b, law="mixed", mixed_weight=1.0), sq)
    np.testing.assert_allclose(attrition(A0, D0, a, b, law="mixed", mixed_weight=0.0), li)


# -- Helmbold's form ------------------------------------------------------------------------------
@pytest.mark.parametrize(("A0", "D0", "a", "b"), [(1000.0, 800.0, 0.06, 0.05),
                                                  (5000.0, 1200.0, 0.02, 0.09)])
def test_helmbold_weight_one_is_the_square_law(A0, D0, a, b):
    A, D = helmbold(np.array([A0]), np.array([D0]), a, b, 1.0, days=2.0)
    cA, cD = square_closed(A0, D0, a, b, 2.0)
    assert A[0] == pytest.approx(cA, rel=1e-7)
    assert D[0] == pytest.approx(cD, rel=1e-7)


def test_helmbold_weight_zero_is_the_logarithmic_law():
    """w = 0: each side's losses in proportion to its own size: A0 e^-bt, D0 e^-at."""
    A, D = helmbold(np.array([5000.0]), np.array([800.0]), 0.05, 0.08, 0.0, days=3.0)
    assert A[0] == pytest.approx(5000.0 * np.exp(-0.08 * 3.0), rel=1e-7)
    assert D[0] == pytest.approx(800.0 * np.exp(-0.05 * 3.0), rel=1e-7)


@pytest.mark.parametrize(("A0", "D0", "a", "b"), [(6000.0, 1500.0, 0.06, 0.09),
                                                  (1000.0, 3000.0, 0.05, 0.05)])
def test_helmbold_half_losses_in_the_ratio_of_kill_rates_and_matches_ode(A0, D0, a, b):
    """w = 1/2: dA/dD = b/a, so the absolute losses stand in the ratio of the kill rates
    whatever the odds (the invariant a A - b D); and the integration agrees with an ODE
    solver."""
    A, D = helmbold(np.array([A0]), np.array([D0]), a, b, 0.5, days=1.0)
    assert (A0 - A[0]) / (D0 - D[0]) == pytest.approx(b / a, rel=1e-9)
    oA, oD = ode(lambda t, y: [-b * np.sqrt(y[0] * y[1]), -a * np.sqrt(y[0] * y[1])],
                 [A0, D0], 1.0)
    assert A[0] == pytest.approx(oA, rel=1e-8)
    assert D[0] == pytest.approx(oD, rel=1e-8)


def test_helmbold_rewards_numbers_less_than_the_square_law():
    """At 4:1 the defender's losses under w = 1/2 are a fraction of the square law's, and
    at equal strengths the two laws start at the same loss rate."""
    A0, D0 = np.array([4000.0, 1000.0]), np.array([1000.0, 1000.0])
    sq = attrition(A0, D0, 0.06, 0.06, law="square", days=0.01)
    hb = attrition(A0, D0, 0.06, 0.06, law="helmbold", helmbold_weight=0.5, days=0.01)
    assert (D0[0] - hb[1][0]) < 0.6 * (D0[0] - sq[1][0])
    assert hb[1][1] == pytest.approx(sq[1][1], rel=1e-6)


def test_unknown_law_raises():
    with pytest.raises(ValueError, match="law"):
        attrition(np.array([1.0]), np.array([1.0]), 0.1, 0.1, law="cubic")


def test_empty_battle_list():
    A, D = attrition(np.array([]), np.array([]), np.array([]), np.array([]),
                     rng=np.random.default_rng(0), noise=0.3)
    assert A.size == 0 and D.size == 0


@pytest.mark.parametrize("law", ["square", "linear", "mixed"])
def test_noise_mean_equals_deterministic_value(law):
    """4000 independent draws of one battle: mean losses within 4 standard errors of the
    deterministic losses, and the spread has the requested coefficient of variation."""
    n, noise = 4000, 0.3
    A0, D0 = np.full(n, 1000.0), np.full(n, 800.0)
    a, b = 0.06, 0.05
    A, D = attrition(A0, D0, a, b, law=law, noise=noise, rng=np.random.default_rng(2024))
    Ad, Dd = attrition(A0[:1], D0[:1], a, b, law=law)
    for start, got, det in ((A0, A, Ad[0]), (D0, D, Dd[0])):
        loss, loss_det = start - got, start[0] - det
        assert loss_det > 10
        se = loss.std(ddof=1) / np.sqrt(n)
        assert abs(loss.mean() - loss_det) < 4 * se
        assert loss.std(ddof=1) / loss.mean() == pytest.approx(noise, rel=0.1)
        assert (got >= 0).all()
    # the two sides' multipliers are independent
    r = np.corrcoef(A0 - A, D0 - D)[0, 1]
    assert abs(r) < 4 / np.sqrt(n)


def test_noise_never_makes_strength_negative_or_gain():
    n = 4000
    A0, D0 = np.full(n, 1000.0), np.full(n, 1000.0)
    A, D = attrition(A0, D0, 0.5, 0.5, law="square", noise=1.0,
                     rng=np.random.default_rng(7))
    assert (A >= 0).all() and (D >= 0).all()
    assert (A <= A0).all() and (D <= D0).all()
    assert (A == 0).any()          # the cap at zero was exercised


def test_noise_needs_rng_and_is_reproducible():
    A0, D0 = np.full(50, 1000.0), np.full(50, 700.0)
    det = attrition(A0, D0, 0.05, 0.05)
    np.testing.assert_array_equal(attrition(A0, D0, 0.05, 0.05, noise=0.4), det)
    np.testing.assert_array_equal(
        attrition(A0, D0, 0.05, 0.05, noise=0.0, rng=np.random.default_rng(1)), det)
    r1 = attrition(A0, D0, 0.05, 0.05, noise=0.4, rng=np.random.default_rng(3))
    r2 = attrition(A0, D0, 0.05, 0.05, noise=0.4, rng=np.random.default_rng(3))
    r3 = attrition(A0, D0, 0.05, 0.05, noise=0.4, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(r1[0], r2[0])
    np.testing.assert_array_equal(r1[1], r2[1])
    assert not np.array_equal(r1[0], r3[0])


# -- breakpoints --------------------------------------------------------------------------------
def test_broken():
    engaged = np.array([1000.0, 1000.0, 1000.0, 500.0, np.nan])
    strength = np.array([701.0, 700.0, 699.0, 100.0, 50.0])
    got = broken(strength, engaged, 0.3)
    np.testing.assert_array_equal(got, [False, False, True, True, False])
    assert broken(np.array([999.0]), np.array([1000.0]), 0.0)[0]     # breakpoint 0: any loss
    assert not broken(np.array([1.0]), np.array([1000.0]), 1.0)[0]


def test_linear_rate_drives_the_linear_law_only():
    """``linear_rate`` (per 1000 enemy fighters) sets the linear law's rates; the square law
    ignores it; the mixed law uses both."""
    A0, D0 = np.array([3000.0]), np.array([2000.0])
    a, b = np.array([0.05]), np.array([0.04])
    sq = attrition(A0, D0, a, b, law="square", linear_a=a * 3, linear_b=b * 3)
    np.testing.assert_array_equal(sq[0], attrition(A0, D0, a, b, law="square")[0])
    lin = attrition(A0, D0, a, b, law="linear", linear_a=a * 3, linear_b=b * 3)
    ref = lanchester_linear(A0, D0, a * 3 / 1000, b * 3 / 1000)
    np.testing.assert_allclose(lin[0], ref[0])
    np.testing.assert_allclose(lin[1], ref[1])
    assert not np.allclose(lin[0], attrition(A0, D0, a, b, law="linear")[0])


def test_linear_rate_parameter_reaches_the_battles(builtin_scenario):
    """In a run on the linear law, changing linear_rate changes the losses; on the square
    law it changes nothing."""
    import sim
    def losses(law: str, rate: float) -> float:
        sc = builtin_scenario.with_params(combat_law=law, linear_rate=rate)
        return float(sim.ConflictModel(sc, seed=3, agents=False).run().series_array[-1, :, 4].sum())
    assert losses("linear", 0.02) != losses("linear", 0.2)
    assert losses("square", 0.02) == losses("square", 0.2)
