"""Calibration: capped errors, quantiles, the spec and parameter files (the filter's
identifiability tests are in test_assimilation.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from conftest import BUILTIN, REPO

import sim
from sim.analysis.calibration import event_errors, quantiles
from sim.errors import InputError
from sim.inputs.calibration_spec import load_spec
from sim.inputs.params import load_params_file
from sim.inputs.reported import read_reported


# -- errors and quantiles --------------------------------------------------------------------
def test_errors_are_capped_and_never_costs_the_cap():
    err = event_errors(np.array([[0.0, 5.0, np.inf]]), np.array([0.0, 2.0, 1.0]), cap=3.0)
    assert err.ravel().tolist() == [0.0, 3.0, 3.0]


def test_quantiles_rank_never_last():
    q = quantiles(np.array([1.0, 2.0, np.inf, np.inf, np.inf]), (0.1, 0.5, 0.9))
    assert q[0] < 2 and np.isinf(q[1]) and np.isinf(q[2])

# -- spec and parameter files -----------------------------------------------------------------
def _spec(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "c.toml"
    p.write_text(f'scenario = "{BUILTIN}"\nreported = "r.csv"\n' + body)
    return p

@pytest.mark.parametrize("body, field", [
    ("", "params"),
    ("[params]\nnot_a_param = [1, 2]\n", "params.not_a_param"),
    ("[params]\nkill_rate = [0.2, 0.1]\n", "params.kill_rate"),
    ("[params]\nkill_rate = [0.001, 0.1]\n", "params.kill_rate"),
    ("replicates = 0\n[params]\nkill_rate = [0.01, 0.1]\n", "replicates"),
    ("[params]\nkill_rate = [0.01, 0.1]\n[loss]\ncap = 3\n", "loss.cap"),
    ("until = \"30/11/2024\"\n[params]\nkill_rate = [0.01, 0.1]\n", "until"),
    # a new user's review: fitted and fixed at once was accepted, and the params.toml that
    # `calibrate` wrote held the name twice, which `--params` then refused as invalid TOML
    ("[params]\nkill_rate = [0.01, 0.1]\n[fixed]\nkill_rate = 0.05\n", "fixed.kill_rate"),
])
def test_bad_specs_name_the_field(tmp_path, body, field):
    with pytest.raises(InputError) as exc:
        load_spec(_spec(tmp_path, body))
    assert exc.value.field == field

def test_shipped_spec_loads():
    spec = load_spec(REPO / "calibration" / "nw_syria_2024.toml")
    assert spec.until == dt.date(2024, 11, 30)
    for name, (lo, hi) in spec.bounds.items():
        assert sim.PARAMS[name].low <= lo < hi <= sim.PARAMS[name].high


@pytest.mark.parametrize("path", sorted(p for p in (REPO / "calibration").glob("*.toml")
                                        if p.name != "acled_actors_nw_syria.toml"),
                         ids=lambda p: p.stem)
def test_every_shipped_spec_loads_with_its_scenario_and_record(path):
    """Every calibration spec in calibration/ (campaign_2024's prior on speed_highway once
    reached past the table's bound and nothing noticed)."""
    spec = load_spec(path)
    for name, (lo, hi) in spec.bounds.items():
        assert sim.PARAMS[name].low <= lo < hi <= sim.PARAMS[name].high
    sc = sim.load_scenario(spec.scenario)
    assert len(read_reported(spec.reported, sc).until(spec.until)) > 0

def test_params_file_round_trip_and_errors(tmp_path):
    p = tmp_path / "fitted.toml"
    p.write_text("[params]\nspeed_highway = 12.5\nattack_ratio = 1.8\n[calibration]\nloss = 1.0\n")
    assert load_params_file(p) == {"speed_highway": 12.5, "attack_ratio": 1.8}
    p.write_text("[params]\nspeed_highway = 500\n")
    with pytest.raises(InputError) as exc:
        load_params_file(p)
    assert exc.value.field == "params.speed_highway"
    p.write_text("[params]\nspeed_othr = 5\n")
    with pytest.raises(InputError, match="unknown parameter"):
        load_params_file(p)
    p.write_text("title = 'x'\n")
    with pytest.raises(InputError, match=r"\[params\]"):
        load_params_file(p)


def test_a_mistyped_prior_gets_a_suggestion(tmp_path):
    with pytest.raises(InputError) as exc:
        load_spec(_spec(tmp_path, "[params]\nopposed_sped = [5.0, 60.0]\n"))
    assert exc.value.field == "params.opposed_sped"
    assert "did you mean 'opposed_speed'" in exc.value.message
