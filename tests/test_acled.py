"""ACLED import on a small hand-made file in ACLED's column layout."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from conftest import CALIBRATION, DATA, NW_SYRIA, REPO

import sim
from sim.cli import main
from sim.errors import InputError
from sim.inputs.acled import import_acled, map_actor, parse_acled_date, read_actor_map
from sim.inputs.reported import read_reported

SAMPLE = DATA / "acled" / "sample.csv"
ACTORS = CALIBRATION / "acled_actors_nw_syria.toml"


def test_dates_in_acled_formats():
    assert parse_acled_date("05-12-2024") == dt.date(2024, 12, 5)
    assert parse_acled_date("2024-12-05") == dt.date(2024, 12, 5)
    assert parse_acled_date("5 December 2024") == dt.date(2024, 12, 5)
    assert parse_acled_date("31-11-2024") is None
    assert parse_acled_date("yesterday") is None


def test_actor_map_globs_first_match_wins():
    actors = read_actor_map(ACTORS)
    assert map_actor("Military Forces of Syria (2000-2024)", actors) == "government"
    assert map_actor("HTS: Hayat Tahrir al-Sham", actors) == "opposition"
    assert map_actor("SDF: Syrian Democratic Forces", actors) == "sdf"
    assert map_actor("Unidentified Armed Group (Syria)", actors) is None


def test_sample_import_matches_towns_factions_and_lists_the_rest():
    theatre = sim.load_theatre(NW_SYRIA)
    rows, bad = import_acled(SAMPLE, theatre, read_actor_map(ACTORS), max_km=10)
    got = [(r["date"], r["place"], r["new_controller"], r["previous_controller"], r["cause"])
           for r in rows]
    assert got == [("2024-11-29", "Saraqib", "opposition", "government", "assault"),
                   ("2024-11-30", "Tell Aran", "sdf", "government", "handover"),
                   ("2024-12-03", "Khanasir", "government", "opposition", "assault")]
    assert "TEST001" in rows[0]["source"] and "TEST002" in rows[0]["source"]  # merged
    reasons = {b.row: b.reason for b in bad}
    assert set(reasons) == {6, 7, 9}
    assert "not in the actor map" in reasons[6]
    assert "no town within 10 km" in reasons[7]
    assert "not a date" in reasons[9]


def test_cli_writes_a_reported_file_the_reader_accepts(tmp_path, capsys):
    out = tmp_path / "acled.csv"
    code = main(["import", "acled", str(SAMPLE), "--theatre", str(NW_SYRIA), "--actors",
                 str(ACTORS), "--max-km", "5", "--out", str(out)])
    assert code == 0
    err = capsys.readouterr().err
    assert "3 ACLED rows not matched" in err and "row 7" in err
    sc = sim.load_scenario(REPO / "scenarios" / "deter_aggression_2024.toml")
    # the sample's Khanasir recapture has no earlier capture in the file: the reader says so
    with pytest.raises(InputError, match="already held by 'government'") as exc:
        read_reported(out, sc)
    assert exc.value.field == "row 4, column new_controller"
    out.write_text("".join(out.read_text().splitlines(keepends=True)[:3]))
    assert len(read_reported(out, sc)) == 2


def test_out_naming_an_input_is_refused_and_the_input_kept(tmp_path, capsys):
    """`--out EXPORT.csv` wrote the reported CSV over the ACLED export it was made from."""
    export, actors = tmp_path / "export.csv", tmp_path / "actors.toml"
    export.write_bytes(SAMPLE.read_bytes())
    actors.write_bytes(ACTORS.read_bytes())
    for out, what in ((export, "the ACLED export"), (actors, "the actor map")):
        before = out.read_bytes()
        code = main(["import", "acled", str(export), "--theatre", str(NW_SYRIA), "--actors",
                     str(actors), "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2 and len(err.splitlines()) == 1, err
        assert f"{out}: --out: is {what} this command reads" in err
        assert out.read_bytes() == before


def test_out_keeps_a_file_the_import_did_not_write_and_replaces_its_own(tmp_path, capsys):
    """`--out FILE` wrote over FILE whoever had made it: a hand-kept record of the same
    columns (the library's own reported files) or any other file is refused before the
    import and left byte for byte; a file an earlier import wrote is replaced."""
    argv = ["import", "acled", str(SAMPLE), "--theatre", str(NW_SYRIA), "--actors",
            str(ACTORS), "--out"]
    kept = tmp_path / "reported.csv"
    for text in ((CALIBRATION / "reported" / "nw_syria_2024.csv").read_bytes(),
                 b"my notes\n"):
        kept.write_bytes(text)
        assert main([*argv, str(kept)]) == 2
        err = capsys.readouterr().err
        assert err == (f"frontline: error: {kept}: --out: exists and is not known as a file "
                       "frontline wrote, so it is kept: give another name, or move or delete "
                       "the file yourself\n")
        assert kept.read_bytes() == text
    ours = tmp_path / "imported.csv"
    assert main([*argv, str(ours)]) == 0
    first = ours.read_bytes()
    os.utime(ours, (1, 1))
    assert main([*argv, str(ours)]) == 0                   # an earlier import: replaced
    assert ours.stat().st_mtime > 1 and ours.read_bytes() == first


def test_bad_inputs(tmp_path):
    theatre = sim.load_theatre(NW_SYRIA)
    (tmp_path / "x.csv").write_text("date,place\n2024-11-29,Saraqib\n")
    with pytest.raises(InputError, match="missing column.*ACLED export"):
        import_acled(tmp_path / "x.csv", theatre, read_actor_map(ACTORS))
    (tmp_path / "a.toml").write_text("[factions]\ngovernment = 3\n")
    with pytest.raises(InputError) as exc:
        read_actor_map(tmp_path / "a.toml")
    assert exc.value.field == "factions.government"
    assert main(["import", "acled", str(SAMPLE), "--theatre", str(NW_SYRIA), "--actors",
                 str(ACTORS), "--max-km", "0"]) == 2
