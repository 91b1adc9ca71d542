"""Metrics: the plain functions against direct definitions, binding errors, summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import ConflictModel
from sim.analysis.metrics import (
    bind_metrics,
    capture_day,
    capture_days,
    first_day_all,
    front_half_km,
    front_length_km,
    population_share,
    summarise,
    territory_share,
)
from sim.errors import InputError


@pytest.fixture(scope="module")
def results(builtin_scenario):
    return [ConflictModel(builtin_scenario, seed=s).run() for s in range(6)]


def test_capture_day_matches_the_log_and_runresult(results, builtin_scenario):
    th = builtin_scenario.theatre
    opp = builtin_scenario.factions.index("opposition")
    aleppo = th.id_of("Aleppo")
    for r in results:
        days = capture_days(r, by=opp)
        for t in range(th.n):
            want = r.capture_day(t, by="opposition")
            got = days[t]
            assert (np.isnan(got) and want is None) or got == want
        assert capture_day(r, aleppo, opp) == days[aleppo]
        # a capture by anyone is never later than a capture by one faction
        anyone = capture_days(r)
        ok = ~np.isnan(days)
        assert np.all(anyone[ok] <= days[ok])


def test_first_day_all_is_the_first_day_all_are_held(results, builtin_scenario):
    th = builtin_scenario.theatre
    opp = builtin_scenario.factions.index("opposition")
    towns = [th.id_of("Aleppo"), th.id_of("Saraqib")]
    seen_capture = False
    for r in results:
        d = first_day_all(r, opp, towns)
        held = [all(r.control_array[k, t] == opp for t in towns) for k in range(r.days)]
        if any(held):
            seen_capture = True
            assert d == held.index(True)
        else:
            assert np.isnan(d)
    assert seen_capture


def test_shares_sum_to_the_held_share(results):
    for r in results:
        ts = territory_share(r)
        held = ((r.control_array >= 0) & r.theatre.onmap).sum(axis=1) / r.theatre.onmap.sum()
        np.testing.assert_allclose(ts.sum(axis=1), held)
        ps = population_share(r)
        assert np.all((ps >= 0) & (ps <= 1 + 1e-12))


def test_front_length_by_brute_force(builtin_scenario):
    th, rel = builtin_scenario.theatre, builtin_scenario.relation
    assert front_length_km(th, np.zeros(th.n, dtype=int), rel) == 0.0
    owner = builtin_scenario.initial_owner
    half = front_half_km(th)
    want = sum(half[k] for k, (a, b) in enumerate(th.edges)
               if owner[a] >= 0 and owner[b] >= 0 and rel[owner[a], owner[b]] == -1)
    assert want > 0
    assert front_length_km(th, owner, rel) == pytest.approx(want)
    # allies share no front: make everyone an ally and the front vanishes
    assert front_length_km(th, owner, np.ones_like(rel)) == 0.0


def test_metric_set_evaluates_every_kind(results, builtin_scenario):
    specs = [{"kind": "capture_day", "town": "Aleppo", "by": "opposition"},
             {"kind": "holder", "town": "Hama", "day": 3},
             {"kind": "holds", "town": "Hama", "faction": "government", "day": 3},
             {"kind": "territory_share", "faction": "government"},
             {"kind": "population_share", "faction": "sdf", "day": "2024-11-30"},
             {"kind": "losses", "faction": "opposition", "name": "opp_losses"},
             {"kind": "front_length", "day": 0},
             {"kind": "first_day_all", "faction": "opposition", "towns": ["Idlib", "Aleppo"]}]
    import datetime as dt
    specs[4]["day"] = dt.date(2024, 11, 30)
    ms = bind_metrics(specs, builtin_scenario, "x.toml")
    assert len(set(ms.names)) == len(specs)
    r = results[0]
    v = ms.evaluate(r)
    assert v["holder_Hama_d3"] in builtin_scenario.factions
    assert v["holds_Hama_government_d3"] == float(v["holder_Hama_d3"] == "government")
    assert v["territory_share_government"] == pytest.approx(territory_share(r)[-1, 0])
    assert v["population_share_sdf_d3"] == pytest.approx(population_share(r)[3, 3])
    assert v["opp_losses"] == r.series_array[-1, 1, 4]


@pytest.mark.parametrize("spec, field", [
    ({"kind": "capture"}, "metrics[0].kind"),
    ({"kind": "capture_day"}, "metrics[0].town"),
    ({"kind": "capture_day", "town": "Atlantis"}, "metrics[0].town"),
    ({"kind": "holds", "town": "Hama", "faction": "isis"}, "metrics[0].faction"),
    ({"kind": "holds", "town": "Hama", "faction": "sna", "day": 12}, "metrics[0].day"),
    ({"kind": "front_length", "colour": "red"}, "metrics[0].colour"),
])
def test_bad_metric_names_file_and_field(builtin_scenario, spec, field):
    with pytest.raises(InputError) as e:
        bind_metrics([spec], builtin_scenario, "exp.toml")
    assert e.value.file == "exp.toml"
    assert e.value.field == field


@pytest.mark.parametrize("spec, field, hint", [
    ({"kind": "capture_day", "town": "Aleppo", "faction": "opposition"}, "faction", "'by'"),
    ({"kind": "capture_day", "town": "Aleppo", "by": "opposition", "day": 3}, "day",
     "whole run"),
    ({"kind": "territory_share", "faction": "sdf", "by": "sdf"}, "by", "'faction'"),
    ({"kind": "front_length", "town": "Hama"}, "town", "uses 'day'"),
    ({"kind": "first_day_all", "faction": "sna", "towns": ["Idlib"], "day": 2}, "day", "run"),
])
def test_a_field_its_kind_does_not_read_is_refused(builtin_scenario, spec, field, hint):
    """A capture_day with 'faction' (not 'by') measured a capture by anyone under a name
    saying the faction; a 'day' on a capture_day was dropped: one line, not a silent
    different metric."""
    with pytest.raises(InputError) as e:
        bind_metrics([spec], builtin_scenario, "exp.toml")
    assert (e.value.file, e.value.field) == ("exp.toml", f"metrics[0].{field}")
    assert "does not use" in e.value.message and hint in e.value.message


def test_duplicate_names_are_refused(builtin_scenario):
    with pytest.raises(InputError, match="duplicate"):
        bind_metrics([{"kind": "front_length"}, {"kind": "front_length"}], builtin_scenario)


def test_summary_quantiles_and_missing(builtin_scenario):
    ms = bind_metrics([{"kind": "capture_day", "town": "Hama", "name": "d"},
                       {"kind": "holder", "town": "Hama", "name": "h"}], builtin_scenario)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 12, 200).astype(float)
    x[:50] = np.nan
    runs = pd.DataFrame({"d": x, "h": ["sna"] * 150 + ["sdf"] * 50, "g": [0, 1] * 100})
    s = summarise(runs, ms).set_index("metric")
    assert s.loc["d", "missing"] == pytest.approx(0.25)
    assert s.loc["d", "median"] == np.median(x[50:])
    assert s.loc["d", "q95"] == pytest.approx(np.quantile(x[50:], 0.95))
    assert s.loc["h", "mode"] == "sna" and s.loc["h", "mode_share"] == 0.75
    by = summarise(runs, ms, by=["g"])
    assert list(by["g"].unique()) == [0, 1] and len(by) == 4
