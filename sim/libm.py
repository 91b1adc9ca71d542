"""Exponentials, powers and great-circle distances computed by the C library's scalar
functions (in numba loops), not by numpy's vectorised ones, so a run's bits do not depend on
the CPU.

Why: numpy picks its float64 ``exp``, ``log``, ``power``, ``sin`` and ``cos`` code by CPU. On a
machine without AVX-512 (2-vCPU AMD EPYC, 2 Dec 2026) it calls the C library, and its results
equal ``math.exp`` and the rest bit for bit (checked on 2 million draws). On AVX-512 machines
it runs its own vectorised approximations instead, accurate to about an ulp but not always
equal to the C library's. On 2 Dec 2026 the pinned digests of 12 library scenarios at
seed 3 (``tests/test_digests.py``), written on one machine, failed on another. The force-size
draw goes through ``exp``, so one ulp changes a run's strengths. The CPU difference is
inferred: only the second machine could be measured. Every transcendental function on the way
from a seed to a run's results goes through this module (tests/test_libm.py fails if a
numpy one comes back into sim/core or sim/inputs). glibc gives the same bits on any x86-64
CPU with FMA; numba calls it and does not vectorise it (no SVML). Not covered: the analysis
layer (the particle filter's weights, the scores) still uses numpy's and scipy's functions,
so a forecast's last bits may differ between CPUs.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def _exp(x: np.ndarray) -> np.ndarray:
    out = np.empty(x.size)
    for i in range(x.size):
        out[i] = math.exp(x[i])
    return out


@njit(cache=True)
def _cosh_sinh(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c, s = np.empty(x.size), np.empty(x.size)
    for i in range(x.size):
        c[i], s[i] = math.cosh(x[i]), math.sinh(x[i])
    return c, s


@njit(cache=True)
def _power(x: np.ndarray, y: float) -> np.ndarray:
    out = np.empty(x.size)
    for i in range(x.size):
        out[i] = x[i] ** y
    return out


@njit(cache=True)
def _haversine(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
               ) -> np.ndarray:
    out = np.empty(lat1.size)
    r = math.pi / 180.0
    for i in range(lat1.size):
        p1, p2 = lat1[i] * r, lat2[i] * r
        h = (math.sin((p2 - p1) / 2) ** 2
             + math.cos(p1) * math.cos(p2) * math.sin((lon2[i] - lon1[i]) * r / 2) ** 2)
        out[i] = 2 * 6371.0 * math.asin(math.sqrt(h))
    return out


def _flat(x) -> tuple[np.ndarray, tuple[int, ...]]:
    a = np.asarray(x, dtype=np.float64)
    return np.ascontiguousarray(a).ravel(), a.shape


def exp(x) -> np.ndarray:
    """``e ** x`` elementwise (an array of x's shape; a 0-d array for a number)."""
    a, shape = _flat(x)
    return _exp(a).reshape(shape)


def cosh_sinh(x) -> tuple[np.ndarray, np.ndarray]:
    """``cosh x`` and ``sinh x`` elementwise."""
    a, shape = _flat(x)
    c, s = _cosh_sinh(a)
    return c.reshape(shape), s.reshape(shape)


def power(x, y: float) -> np.ndarray:
    """``x ** y`` elementwise for a number ``y``."""
    a, shape = _flat(x)
    return _power(a, float(y)).reshape(shape)


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km (mean Earth radius 6371 km), elementwise with
    broadcasting."""
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64)
                                   for v in (lat1, lon1, lat2, lon2)))
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(a).ravel() for a in arrays]
    return _haversine(*flat).reshape(shape)
