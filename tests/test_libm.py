"""sim.libm: the model's exponentials, powers and distances are the C library's, bit for bit,
whatever numpy's vectorised loops would give on this CPU; and no numpy transcendental
function creeps back into the code between a seed and a run's results."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from sim import libm

SIM = Path(__file__).resolve().parents[1] / "sim"
X = np.random.default_rng(7).normal(0.0, 3.0, 20_000)


def test_exp_power_cosh_sinh_equal_the_c_library_bit_for_bit():
    assert np.array_equal(libm.exp(X), [math.exp(v) for v in X])
    pos = np.abs(X) + 1e-3
    for y in (0.5, 1.5, 2.0, 2.7):
        assert np.array_equal(libm.power(pos, y), [v ** y for v in pos])
    c, s = libm.cosh_sinh(X / 3)
    assert np.array_equal(c, [math.cosh(v) for v in X / 3])
    assert np.array_equal(s, [math.sinh(v) for v in X / 3])


def test_shapes_are_kept():
    grid = X[:12].reshape(3, 4)
    assert libm.exp(grid).shape == (3, 4)
    assert np.array_equal(libm.exp(grid).ravel(), libm.exp(grid.ravel()))
    assert libm.exp(0.0).shape == () and float(libm.exp(0.0)) == 1.0
    assert libm.exp(grid.T).shape == (4, 3)            # not contiguous
    assert np.array_equal(libm.exp(grid.T), libm.exp(grid).T)


def test_haversine_against_closed_forms():
    # a quarter of a meridian, and a degree of the equator: R * pi / 2 and R * pi / 180
    assert libm.haversine_km(0.0, 0.0, 90.0, 0.0) == pytest.approx(6371.0 * math.pi / 2,
                                                                   rel=1e-12)
    assert libm.haversine_km(0.0, 10.0, 0.0, 11.0) == pytest.approx(6371.0 * math.pi / 180,
                                                                    rel=1e-12)
    lat = np.array([[36.2, 35.1], [34.0, 33.5]])
    d = libm.haversine_km(lat, 37.0, 36.0, 36.5)       # broadcasting
    assert d.shape == (2, 2) and (d > 0).all()
    assert libm.haversine_km(36.2, 37.0, 36.2, 37.0) == 0.0


NUMPY_TRANSCENDENTAL = re.compile(
    r"\bnp\.(exp|expm1|exp2|log|log1p|log2|log10|power|float_power|sin|cos|tan|sinh|cosh|"
    r"tanh|arcsin|arccos|arctan|arctan2|hypot|cbrt)\(")


@pytest.mark.parametrize("folder", ["core", "inputs"])
def test_the_model_uses_no_numpy_transcendental_function(folder):
    """numpy picks these functions' code by CPU (AVX-512 machines run their own
    approximations), so a run's last bits would depend on the machine: sim.libm instead."""
    found = [f"{p.relative_to(SIM)}:{k}: {line.strip()}"
             for p in sorted((SIM / folder).rglob("*.py"))
             for k, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if NUMPY_TRANSCENDENTAL.search(line.split("#")[0])]
    assert not found, "\n".join(found)
