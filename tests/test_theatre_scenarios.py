"""The scenarios of the real theatres other than north-western Syria (Karabakh 2020, Iraq
2014): their dates cover the record, a scenario that starts later starts from the record's
map, the reported changes read against the full-campaign files, and the scripted ceasefire
and handovers of 2020 do what the trilateral statement says (few seeds, fast)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from conftest import CALIBRATION, SCENARIOS

from sim.core.model import ConflictModel
from sim.inputs.reported import read_reported, read_rows
from sim.inputs.scenario import load_scenario

RECORD = {"karabakh": CALIBRATION / "reported" / "karabakh_2020.csv",
          "iraq": CALIBRATION / "reported" / "iraq_2014.csv"}
SPANS = {  # stem: (first day, last day, factions, record)
    "karabakh_2020": ("2020-09-27", "2020-12-01", {"azerbaijan", "armenia"}, "karabakh"),
    "karabakh_counteroffensive_2020": ("2020-10-16", "2020-11-09", {"azerbaijan", "armenia"},
                                       "karabakh"),
    "iraq_2014": ("2014-06-04", "2014-09-01", {"government", "isis", "peshmerga", "pmf"}, "iraq"),
    "iraq_august_2014": ("2014-08-01", "2014-09-01", {"government", "isis", "peshmerga", "pmf"},
                         "iraq"),
}


@pytest.mark.parametrize("stem", sorted(SPANS))
def test_dates_and_factions(stem: str) -> None:
    first, last, factions, _ = SPANS[stem]
    sc = load_scenario(SCENARIOS / f"{stem}.toml")
    assert sc.start == dt.date.fromisoformat(first)
    assert sc.date(sc.days - 1) == dt.date.fromisoformat(last)
    assert set(sc.factions) == factions


@pytest.mark.parametrize("stem", ["karabakh_2020", "iraq_2014"])
def test_the_whole_record_reads_against_the_campaign(stem: str) -> None:
    sc = load_scenario(SCENARIOS / f"{stem}.toml")
    rep = read_reported(RECORD[SPANS[stem][3]], sc)
    assert len(rep) >= 40 and rep.events[-1].date <= sc.date(sc.days - 1)


@pytest.mark.parametrize("stem,base", [("karabakh_counteroffensive_2020", "karabakh_2020"),
                                       ("iraq_august_2014", "iraq_2014")])
def test_a_later_start_begins_from_the_records_map(stem: str, base: str) -> None:
    """The day-0 map of a scenario that starts later is the record's map on the eve of its
    start (the theatre's controllers updated by every report dated before it)."""
    later, campaign = (load_scenario(SCENARIOS / f"{s}.toml") for s in (stem, base))
    rep = read_reported(RECORD[SPANS[stem][3]], campaign)
    eve = (later.start - campaign.start).days - 1
    assert later.factions == campaign.factions
    np.testing.assert_array_equal(later.initial_owner, rep.holders(campaign.initial_owner, eve))
    _, rows = read_rows(RECORD[SPANS[stem][3]])
    assert any(dt.date.fromisoformat(r["date"]) >= later.start for _, r in rows)


def test_karabakh_ceasefire_and_handovers() -> None:
    """From 10 Nov (day 44) nothing changes hands but the districts handed over on 20 Nov,
    25 Nov and 1 Dec, which end Azerbaijani in every run."""
    sc = load_scenario(SCENARIOS / "karabakh_2020.toml")
    handed = {"Aghdam": 54, "Kalbajar": 59, "Lachin": 65}
    for seed in range(3):
        r = ConflictModel(sc, seed=seed, agents=False).run()
        late = r.events[r.events.day >= 44]
        assert (late.cause == "handover").all(), late
        for town in handed:
            assert r.holder(town, sc.days - 1) == "azerbaijan"
        assert r.capture_day("Aghdam", by="azerbaijan") <= handed["Aghdam"]
