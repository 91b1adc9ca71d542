"""Reported control changes: reading, validation, matching to simulated output."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from conftest import BUILTIN, REPO

import sim
from sim.errors import InputError
from sim.inputs.reported import match_days, read_reported, unreported

HEADER = "date,place,new_controller,previous_controller,cause,source\n"


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario(BUILTIN)


def _write(tmp_path: Path, rows: str, header: str = HEADER) -> Path:
    p = tmp_path / "r.csv"
    p.write_text(header + rows)
    return p


def test_shipped_file_reads_and_every_row_has_a_source(scenario):
    rep = read_reported(REPO / "calibration" / "reported" / "nw_syria_2024.csv", scenario)
    assert len(rep) >= 50
    assert all(e.source for e in rep.events)
    fit = rep.until(dt.date(2024, 11, 30))
    assert len(fit) + len(rep.after(dt.date(2024, 11, 30))) == len(rep)
    # the airport changed hands twice on 30 November; both changes are kept, in file order
    airport = [e for e in rep.events if e.place == "Aleppo International Airport"]
    assert [scenario.factions[e.new] for e in airport] == ["sdf", "opposition"]
    # Maardes: opposition, government, opposition -> occurrences 1, 1, 2
    maardes = [(scenario.factions[e.new], e.occurrence) for e in rep.events
               if e.place == "Maardes"]
    assert maardes == [("opposition", 1), ("government", 1), ("opposition", 2)]


def test_alternative_names_match(tmp_path, scenario):
    rep = read_reported(_write(tmp_path, "2024-11-29,Saraqeb,opposition,,,AFP\n"), scenario)
    assert rep.events[0].place == "Saraqib" and rep.events[0].day == 2


@pytest.mark.parametrize("row, field, words", [
    ("2024-11-29,Atlantis,opposition,,,AFP\n", "row 2, column place", "unknown place"),
    ("2024-11-20,Saraqib,opposition,,,AFP\n", "row 2, column date", "outside the scenario"),
    ("2024-12-25,Saraqib,opposition,,,AFP\n", "row 2, column date", "outside the scenario"),
    ("29/11/2024,Saraqib,opposition,,,AFP\n", "row 2, column date", "YYYY-MM-DD"),
    ("2024-11-29,Saraqib,rebels,,,AFP\n", "row 2, column new_controller", "unknown faction"),
    ("2024-11-29,Saraqib,opposition,sdf,,AFP\n", "row 2, column previous_controller",
     "held by 'government'"),
    ("2024-11-29,Idlib,opposition,,,AFP\n", "row 2, column new_controller", "already held"),
    ("2024-11-29,Saraqib,opposition,,looting,AFP\n", "row 2, column cause", "expected one of"),
    ("2024-11-29,Saraqib,opposition,,,\n", "row 2, column source", "name the report"),
    ("2024-11-29,Latakia coast,opposition,,,AFP\n", "row 2, column place", "is off-map"),
])
def test_bad_rows_give_one_line_naming_file_row_and_value(tmp_path, scenario, row, field,
                                                          words):
    with pytest.raises(InputError) as exc:
        read_reported(_write(tmp_path, row), scenario)
    assert exc.value.field == field
    assert words in exc.value.message
    assert str(tmp_path / "r.csv") == exc.value.file


def test_bad_files(tmp_path, scenario):
    with pytest.raises(InputError, match="missing column"):
        read_reported(_write(tmp_path, "2024-11-29,Saraqib\n", "date,place\n"), scenario)
    with pytest.raises(InputError, match="no rows"):
        read_reported(_write(tmp_path, ""), scenario)
    with pytest.raises(InputError, match="file not found"):
        read_reported(tmp_path / "missing.csv", scenario)
    (tmp_path / "b.csv").write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(InputError):
        read_reported(tmp_path / "b.csv", scenario)


def test_chain_check_follows_dates_not_file_order(tmp_path, scenario):
    rows = ("2024-12-01,Suran,government,opposition,,MoD\n"
            "2024-11-30,Suran,opposition,government,,AA\n")
    rep = read_reported(_write(tmp_path, rows), scenario)
    assert [scenario.factions[e.new] for e in rep.events] == ["opposition", "government"]


def test_match_days_pairs_kth_report_with_kth_change():
    log = [(1, 5, 1, 0, "assault"), (2, 5, 0, 1, "assault"), (4, 5, 1, 0, "assault"),
           (3, 7, 2, 0, "handover")]
    keys = [(5, 1, 1), (5, 0, 1), (5, 1, 2), (5, 1, 3), (7, 2, 1), (8, 1, 1)]
    assert match_days(log, keys).tolist() == [1, 2, 4, np.inf, 3, np.inf]
    assert unreported(log, {(5, 1)}, until_day=3) == 2
    assert unreported(log, {(5, 1), (5, 0), (7, 2)}, until_day=10) == 0
