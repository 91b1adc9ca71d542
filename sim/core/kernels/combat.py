"""Attrition kernels and breakpoints: numpy and numba, no Mesa (exp, cosh and sinh are the C
library's, through sim.libm, so results do not depend on the CPU).

All kernels take arrays of battles (one entry per contested town) so a day's combat is one
call. Strengths are fighters; ``a`` and ``b`` are the per-capita kill rates of the attacker
and the defender (already multiplied by quality, morale and every modifier).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ... import libm


def lanchester_square(att: np.ndarray, dfn: np.ndarray, a: np.ndarray | float,
                      b: np.ndarray | float, days: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Aimed-fire attrition (Lanchester 1916): dA/dt = -b*D, dD/dt = -a*A.

    Exact solution over ``days``: A(t) = A0 cosh(gt) - sqrt(b/a) D0 sinh(gt) with g = sqrt(ab),
    and symmetrically for D; when a side is annihilated within the interval the survivor keeps
    sqrt(D0^2 - (a/b) A0^2) (the square law's invariant a*A^2 - b*D^2). Engel (1954) fitted
    a=0.0106, b=0.0544 per day at Iwo Jima.
    """
    A0, D0 = np.asarray(att, float), np.asarray(dfn, float)
    a, b = np.asarray(a, float), np.asarray(b, float)
    shape = np.broadcast_shapes(A0.shape, D0.shape)
    if not (A0.ndim == 1 and A0.shape == D0.shape == a.shape == b.shape):
        A0, D0, a, b = (np.ascontiguousarray(np.broadcast_to(x, shape).ravel())
                        for x in (A0, D0, a, b))
    g = _rate(a, b, float(days))
    A, D = _square(A0, D0, a, b, float(days), *libm.cosh_sinh(g))
    if not shape:                                   # scalars in, scalars out
        return A[0], D[0]
    return A.reshape(shape), D.reshape(shape)


@njit(cache=True)
def _rate(a: np.ndarray, b: np.ndarray, days: float) -> np.ndarray:
    """sqrt(a b) t per battle."""
    out = np.empty(len(a))
    for k in range(len(a)):
        out[k] = np.sqrt(a[k] * b[k]) * days
    return out


@njit(cache=True)
def _max0(x: float) -> float:
    """numpy's maximum(x, 0.0): x if x >= 0 or x is NaN."""
    return x if (x >= 0.0 or x != x) else 0.0


@njit(cache=True, error_model="numpy")
def _square(A0: np.ndarray, D0: np.ndarray, a: np.ndarray, b: np.ndarray, days: float,
            ch: np.ndarray, sh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The square law's survivors given cosh and sinh of sqrt(a b) t (computed by numpy,
    whose cosh and sinh differ from the C library's in the last bit)."""
    A = np.empty(len(A0))
    D = np.empty(len(A0))
    for k in range(len(A0)):
        a0, d0, ak, bk = A0[k], D0[k], a[k], b[k]
        ra = np.sqrt(bk / ak) if ak > 0 else 0.0
        rb = np.sqrt(ak / bk) if bk > 0 else 0.0
        x = a0 * ch[k] - ra * d0 * sh[k] if ak > 0 else a0 - bk * d0 * days
        y = d0 * ch[k] - rb * a0 * sh[k] if bk > 0 else d0 - ak * a0 * days
        x2, y2 = x, y
        if x < 0:       # the attacker is annihilated within the day: the invariant
            y2 = np.sqrt(_max0(d0 * d0 - (ak / bk if bk > 0 else 0.0) * (a0 * a0)))
        if y < 0:
            x2 = np.sqrt(_max0(a0 * a0 - (bk / ak if ak > 0 else 0.0) * (d0 * d0)))
        A[k] = _max0(x2)
        D[k] = _max0(y2)
    return A, D


def lanchester_linear(att: np.ndarray, dfn: np.ndarray, a: np.ndarray | float,
                      b: np.ndarray | float, days: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Area-fire attrition (Lanchester 1916): dA/dt = -b*A*D, dD/dt = -a*A*D.

    Invariant K = a*A - b*D; then dD/dt = -D(K + bD), solved in closed form:
    D(t) = K D0 / ((K + b D0) e^{Kt} - b D0), or D0/(1 + b D0 t) when K = 0; A = (K + bD)/a.
    Rates here are per fighter per fighter per day.
    """
    A0, D0 = np.asarray(att, float), np.asarray(dfn, float)
    a = np.broadcast_to(np.asarray(a, float), A0.shape)
    b = np.broadcast_to(np.asarray(b, float), A0.shape)
    K = a * A0 - b * D0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        eKt = libm.exp(np.clip(K * days, -700, 700))
        D = np.where(np.abs(K * days) < 1e-12, D0 / (1 + b * D0 * days),
                     K * D0 / ((K + b * D0) * eKt - b * D0))
        A = (K + b * D) / a
    # one side does no harm: the other decays exponentially, the harmless side is untouched
    A = np.where(a > 0, A, A0 * libm.exp(-b * D0 * days))
    D = np.where(a > 0, D, D0)
    A = np.where(b > 0, A, A0)
    D = np.where(b > 0, D, D0 * libm.exp(-a * A0 * days))
    A, D = np.nan_to_num(A), np.nan_to_num(D)
    return np.clip(A, 0.0, A0), np.clip(D, 0.0, D0)


def helmbold(att: np.ndarray, dfn: np.ndarray, a: np.ndarray | float, b: np.ndarray | float,
             weight: float, days: float = 1.0, substeps: int = 8
             ) -> tuple[np.ndarray, np.ndarray]:
    """Helmbold's (1964) form: dA/dt = -b D^w A^(1-w), dD/dt = -a A^w D^(1-w).

    ``w`` = 1 is the square law, ``w`` = 0 the logarithmic law (each side's losses
    proportional to its own size); in between, numbers count for less than the square law
    says: with w = 1/2 the absolute losses of the two sides stand in the ratio of their kill
    rates, whatever the odds (dA/dD = b/a). The form is homogeneous of degree one, so unlike
    the linear law it does not depend on the size of the battle, and at equal strengths it
    gives the square law's loss rates. Integrated with ``substeps`` classical Runge-Kutta
    steps a day (no closed form for general w); a side reaching zero stays there.
    """
    A0, D0 = np.asarray(att, float), np.asarray(dfn, float)
    a, b = np.asarray(a, float), np.asarray(b, float)
    shape = A0.shape
    if not (A0.ndim == 1 and A0.shape == D0.shape == a.shape == b.shape):
        shape = np.broadcast_shapes(A0.shape, D0.shape, a.shape, b.shape)
        A0, D0, a, b = (np.ascontiguousarray(np.broadcast_to(x, shape).ravel())
                        for x in (A0, D0, a, b))
    A, D = _helmbold(A0, D0, a, b, float(weight), float(days), int(substeps))
    if not shape:
        return A[0], D[0]
    return A.reshape(shape), D.reshape(shape)


@njit(cache=True)
def _helmbold_rates(x: float, y: float, a: float, b: float, w: float) -> tuple[float, float]:
    """(dA/dt, dD/dt) of Helmbold's form at strengths x, y (zero once a side is gone)."""
    if x <= 0.0 or y <= 0.0:
        return 0.0, 0.0
    return -b * y ** w * x ** (1.0 - w), -a * x ** w * y ** (1.0 - w)


@njit(cache=True)
def _helmbold(A0: np.ndarray, D0: np.ndarray, a: np.ndarray, b: np.ndarray, w: float,
              days: float, substeps: int) -> tuple[np.ndarray, np.ndarray]:
    """Runge-Kutta integration of Helmbold's form for every battle."""
    A = np.empty(len(A0))
    D = np.empty(len(A0))
    h = days / substeps
    for k in range(len(A0)):
        x, y, ak, bk = A0[k], D0[k], a[k], b[k]
        for _ in range(substeps):
            k1x, k1y = _helmbold_rates(x, y, ak, bk, w)
            k2x, k2y = _helmbold_rates(x + 0.5 * h * k1x, y + 0.5 * h * k1y, ak, bk, w)
            k3x, k3y = _helmbold_rates(x + 0.5 * h * k2x, y + 0.5 * h * k2y, ak, bk, w)
            k4x, k4y = _helmbold_rates(x + h * k3x, y + h * k3y, ak, bk, w)
            x = max(x + h / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x), 0.0)
            y = max(y + h / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y), 0.0)
        A[k] = min(x, A0[k])
        D[k] = min(y, D0[k])
    return A, D


def attrition(att: np.ndarray, dfn: np.ndarray, a: np.ndarray, b: np.ndarray, *,
              law: str = "square", linear_a: np.ndarray | None = None,
              linear_b: np.ndarray | None = None, linear_scale: float = 1000.0,
              mixed_weight: float = 0.5, helmbold_weight: float = 0.5, days: float = 1.0,
              rng: np.random.Generator | None = None,
              noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """One period of combat in every battle; returns the surviving strengths.

    ``law`` is 'square', 'linear', 'mixed' (losses a weighted mean of the two laws, weight
    ``mixed_weight`` on the square law) or 'helmbold' (:func:`helmbold` with exponent
    ``helmbold_weight``).
    ``a``, ``b`` are the square-law rates; ``linear_a``, ``linear_b`` the linear-law rates per
    ``linear_scale`` enemy fighters (default: the square-law rates, so both laws agree for
    battles of that size). With ``noise`` > 0 each side's losses are multiplied by an
    independent gamma variate with mean 1 and coefficient of variation ``noise`` (capped so no
    side loses more than it has): the stochastic Lanchester model used in the runs.
    """
    A0, D0 = np.asarray(att, float), np.asarray(dfn, float)
    if law in ("linear", "mixed"):
        la = np.asarray(a if linear_a is None else linear_a) / linear_scale
        lb = np.asarray(b if linear_b is None else linear_b) / linear_scale
    if law == "square":
        A, D = lanchester_square(A0, D0, a, b, days)
    elif law == "linear":
        A, D = lanchester_linear(A0, D0, la, lb, days)
    elif law == "helmbold":
        A, D = helmbold(A0, D0, a, b, helmbold_weight, days)
    elif law == "mixed":
        As, Ds = lanchester_square(A0, D0, a, b, days)
        Al, Dl = lanchester_linear(A0, D0, la, lb, days)
        w = mixed_weight
        A, D = w * As + (1 - w) * Al, w * Ds + (1 - w) * Dl
    else:
        raise ValueError(f"unknown combat law {law!r}")
    if rng is not None and noise > 0 and A0.size:
        shape = 1.0 / noise**2
        ga = rng.gamma(shape, 1.0 / shape, size=A0.shape)
        gd = rng.gamma(shape, 1.0 / shape, size=D0.shape)
        A = np.maximum(A0 - (A0 - A) * ga, 0.0)
        D = np.maximum(D0 - (D0 - D) * gd, 0.0)
    return A, D


def broken(strength: np.ndarray, engaged_from: np.ndarray, breakpoint: float) -> np.ndarray:
    """A unit breaks when it has lost more than ``breakpoint`` of the strength it brought into
    the engagement (Helmbold's breakpoint convention; Dupuy 1987 puts it at 10-40%)."""
    return strength < (1.0 - breakpoint) * engaged_from
