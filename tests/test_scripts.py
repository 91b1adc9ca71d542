"""The scripts under scripts/: plausibility.py's capture-day table against a record and the
factions' end state without one; one-line errors with status 2 for bad input to each."""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA

import sim

REPO = Path(__file__).resolve().parents[1]
SCENARIO = DATA / "tiny_slow.toml"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def script():
    return load("plausibility")


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    """The changes of seed 0's run as the record: every run with seed 0 matches it."""
    sc = sim.load_scenario(SCENARIO)
    rows = sim.ConflictModel(sc, seed=0, agents=False).run().log_rows
    assert rows
    path = tmp_path_factory.mktemp("plaus") / "reported.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "place", "new_controller", "source"])
        for day, t, new, _o, _c in rows:
            w.writerow([sc.date(day), sc.theatre.names[t], sc.factions[new], "the model"])
    return path, sc, rows


def test_table_against_a_record_the_run_made(script, record, capsys):
    path, sc, rows = record
    assert script.main([str(SCENARIO), "--reported", str(path), "--seeds", "1"]) == 0
    out = capsys.readouterr().out
    first = rows[0]
    line = next(ln for ln in out.splitlines() if ln.startswith(sc.theatre.names[first[1]]))
    assert line.split()[-1] == "+0"                 # seed 0 is the record: no error
    assert "100%" in line
    assert "the record:" in out


def test_without_a_record_only_the_end_state(script, capsys):
    assert script.main([str(SCENARIO), "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert "the record" not in out and "lost every town in" in out


def test_a_faction_that_never_held_a_town_has_not_lost_every_town(script):
    """``losers`` counts a run as 'lost every town' only if the faction held an on-map place
    in it and ends with none; one arriving from off the map that never took a place has not
    lost anything (as the PMF in one run of iraq_2014)."""
    from types import SimpleNamespace
    sc = sim.load_scenario(SCENARIO)
    n, F = sc.theatre.n, len(sc.factions)
    start = sc.initial_owner.copy()
    b = 1 - int(start[0])                   # a faction that does not hold town 0 at the start
    took_and_lost = start.copy()
    took_and_lost[start == b] = 1 - b       # b ends with nothing ...
    held_once = np.stack([np.where(np.arange(n) == 0, b, start), took_and_lost])
    never = np.stack([took_and_lost, took_and_lost])

    def run(control):
        return SimpleNamespace(control_array=control, series_array=np.ones((2, F, 5)))
    empty = SimpleNamespace(events=(), holders=lambda owner, day: owner)
    line = next(x for x in script.losers(sc, [run(held_once), run(never)], empty)
                if x.startswith(sc.factions[b] + ":"))
    assert "lost every town in 1 runs" in line      # ... but only the first run counts


@pytest.mark.parametrize("args,says", [
    (["--towns", "Atlantis"], "--towns: unknown town 'Atlantis'"),
    (["--reported", "no_such.csv"], "file not found"),
    (["--set", "kill_rate=9"], "kill_rate"),
    (["--seeds", "99999999999999999999"], "--seeds: expected an integer in 1..1,000,000"),
])
def test_bad_input_is_one_line_and_status_2(script, capsys, args, says):
    assert script.main([str(SCENARIO), "--seeds", "1", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("plausibility.py: error: ") and err.count("\n") == 1 and says in err


def test_a_record_with_nothing_inside_the_run_is_refused(script, tmp_path, capsys):
    """A record none of whose changes falls inside the run (another theatre's, a README
    walk found: it printed '0 changes inside the run' and an empty table) is one line
    naming the file, its dates and the run's, and status 2."""
    sc = sim.load_scenario(SCENARIO)
    held = sc.theatre.names[int((sc.initial_owner == 0).nonzero()[0][0])]
    path = tmp_path / "other.csv"
    path.write_text("date,place,new_controller,source\n"
                    f"{sc.start.replace(year=sc.start.year - 1)},{held},{sc.factions[0]},x\n")
    assert script.main([str(SCENARIO), "--reported", str(path), "--seeds", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "other.csv" in err and "no reported change falls" in err


def test_an_error_inside_the_run_names_the_users_file_and_line(script, tmp_path, capsys):
    """Rows dated before the run are left out; an error in a later row still names the
    user's file and that row's line in it."""
    sc = sim.load_scenario(SCENARIO)
    held = sc.theatre.names[int((sc.initial_owner == 0).nonzero()[0][0])]
    path = tmp_path / "record.csv"
    path.write_text("date,place,new_controller,source\n"
                    f"{sc.start.replace(year=sc.start.year - 1)},{held},{sc.factions[0]},x\n"
                    f"{sc.date(1)},{held},{sc.factions[0]},y\n")
    assert script.main([str(SCENARIO), "--reported", str(path), "--seeds", "1"]) == 2
    err = capsys.readouterr().err
    assert f"{path}: row 3, column new_controller" in err and "already held" in err


def test_reports_of_the_start_day_that_the_start_map_shows_are_left_out(script, record,
                                                                         tmp_path, capsys):
    """A scenario starting from the evening's map (Dawn of Freedom starts on 30 Nov with
    Aleppo lost) was refused against the record: its 30 Nov reports were read as changes
    inside the run to a place 'already held'. They are left out, with a line naming them;
    a start-day report the start map does not show stays in."""
    path, sc, rows = record
    held = sc.theatre.names[int((sc.initial_owner == 0).nonzero()[0][0])]
    text = path.read_text()
    header, body = text.split("\n", 1)
    shown = tmp_path / "with_start.csv"
    shown.write_text(f"{header}\n{sc.start},{held},{sc.factions[0]},start map\n{body}")
    assert script.main([str(SCENARIO), "--reported", str(shown), "--seeds", "1"]) == 0
    out = capsys.readouterr().out
    assert f"left out: 1 reports dated the start day ({sc.start})" in out and held in out
    assert f"({len(rows)} changes inside the run)" in out


def test_other_scripts_answer_bad_input_in_one_line(tmp_path, capsys):
    no_extends = tmp_path / "whatif.toml"
    no_extends.write_text('name = "x"\n')
    for name, argv, says in (
            ("compare_whatifs", [str(tmp_path / "missing.toml")], "file not found"),
            ("compare_whatifs", [str(no_extends)], "extends"),
            ("mark_crossings", [str(tmp_path / "no_theatre")], "theatre folder not found")):
        assert load(name).main(argv) == 2, name
        err = capsys.readouterr().err
        assert err.startswith(f"{name}.py: error: ") and err.count("\n") == 1 and says in err
    checker = load("check_theatre_data")
    for argv, says in (([str(tmp_path / "no_theatre")], "no_theatre: -: theatre folder not found"),
                       ([str(REPO / "scenarios/theatres/riverland"), "--bbox", "a,b"],
                        "command line: --bbox: expected four numbers"),
                       ([], "command line: theatre: give a theatre folder or --all")):
        assert checker.main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("check_theatre_data.py: error: ") and err.count("\n") == 1, err
        assert says in err


def test_reversals_happen_without_a_script_on_the_builtin_scenario(script, capsys):
    """The government's counterattacks north of Hama (Suran, 1-2 Dec 2024) are not scripted in
    the built-in scenario: endogenous counterattacks retake Suran in some of the runs, and the
    report's line of places retaken by an earlier holder says so."""
    builtin = REPO / "scenarios" / "deter_aggression_2024.toml"
    assert script.main([str(builtin), "--seeds", "40"]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("places retaken by an earlier"))
    assert "Suran" in line


def test_a_reversal_is_a_return_to_an_earlier_holder(script):
    """A -> B -> A is a reversal; A -> B -> C (a handover on) is not."""
    rows = [(0, 1, 1, 0, "assault"), (1, 1, 0, 1, "assault"),
            (0, 2, 1, 0, "handover"), (2, 2, 2, 1, "assault")]
    assert script.reversals(rows) == {1}


# -- balance.py: the synthetic balance check ------------------------------------------------------

@pytest.fixture(scope="module")
def balance():
    return load("balance")


def test_balance_table_has_both_match_ups(balance, capsys):
    assert balance.main(["--towns", "16", "--theatres", "1", "--seeds", "2", "--days", "12",
                         "--rear", "--stake", "3"]) == 0
    out = capsys.readouterr().out
    rows = {ln.split()[0]: ln.split() for ln in out.splitlines()[2:]}
    assert set(rows) == {"favoured", "even"}
    for r in rows.values():
        kept = [float(x) for x in r[1:4]]
        assert all(0.0 <= k <= 1.5 for k in kept)     # red may retake ground: above 1
    assert "stake: 3 x on-map value; off-map rear: yes" in out


def test_the_even_match_up_loses_less_than_the_favoured_one(balance):
    """Red on equal terms keeps more of its ground than red as the synthetic scenario makes
    it (worse quality, morale and support): the check can tell the two apart."""
    fav = np.concatenate([balance.one(24, t, 4, 14, False, None, False, {}) for t in range(3)])
    even = np.concatenate([balance.one(24, t, 4, 14, True, None, False, {}) for t in range(3)])
    assert even[:, 2].mean() > fav[:, 2].mean() + 0.1


@pytest.mark.parametrize("args,says", [
    (["--days", "5"], "--days: 5: expected a whole number of at least 11"),
    (["--stake", "0"], "--stake: 0.0: expected a positive multiple"),
    (["--set", "kill_rate=9"], "kill_rate"),
    # named a temporary scenario.toml the user never saw, deleted by then (or ran for ever)
    (["--stake", "inf"], "--stake: inf: expected a positive multiple"),
    (["--days", "99999"], "--days: 99999: expected a whole number of at most 3,650"),
    (["--towns", "100000000"], "--towns: 100000000: expected a whole number of at most"),
])
def test_balance_bad_input_is_one_line_and_status_2(balance, capsys, args, says):
    assert balance.main(["--towns", "8", "--theatres", "1", "--seeds", "1", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("balance.py: error: ") and err.count("\n") == 1 and says in err


def test_day_0_losses_say_what_the_record_reports(script, tmp_path, capsys):
    """Seed 0 takes Foxtrot on day 0; a record that dates it two days later makes it a
    day-0 loss the record reports later, and the report says so."""
    sc = sim.load_scenario(SCENARIO)
    rows = sim.ConflictModel(sc, seed=0, agents=False).run().log_rows
    day0 = [t for d, t, *_ in rows if d == 0]
    assert day0
    path = tmp_path / "late.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "place", "new_controller", "source"])
        for day, t, new, _o, _c in rows:
            w.writerow([sc.date(day + 2 * (day == 0)), sc.theatre.names[t], sc.factions[new],
                        "a late report"])
    assert script.main([str(SCENARIO), "--reported", str(path), "--seeds", "1"]) == 0
    out = capsys.readouterr().out
    name = sc.theatre.names[day0[0]]
    assert f"{name} x1 [reported day 2]" in out
    assert f"of which the record reports later than day 0: {len(day0)};" in out


def test_a_scripts_warnings_are_one_line_each_at_the_end(script, capsys):
    """tiny_slow declares no off-map rear and no stake: the scenario's warning comes as one
    line after the table, however often the script runs in one process."""
    for _ in range(2):
        assert script.main([str(SCENARIO), "--seeds", "1"]) == 0
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and err[0].startswith("plausibility.py: warning: ")
        assert "no off-map rear and no stake" in err[0]


@pytest.mark.parametrize("name", ["balance", "plausibility", "compare_whatifs",
                                  "mark_crossings", "check_theatre_data", "spread_error"])
def test_a_bad_flag_is_one_line_and_status_2_in_every_script(name, capsys):
    assert load(name).main(["--no-such-flag"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{name}.py: error: command line: ") and err.count("\n") == 1
    assert "--no-such-flag" in err or "required" in err


def test_run_with_out_warns_once(tmp_path, capsys):
    """`frontline run --out` draws a map, which reads the scenario file again: the scenario's
    warning (no off-map rear, no stake) is still printed once, not once per reading."""
    from sim.cli import main
    assert main(["run", str(SCENARIO), "--out", str(tmp_path / "r")]) == 0
    err = [ln for ln in capsys.readouterr().err.splitlines() if "warning" in ln]
    assert len(err) == 1 and "no off-map rear and no stake" in err[0]


def test_run_says_when_a_faction_loses_every_place_and_what_that_rests_on(capsys):
    """`frontline run` ends with one line per faction that lost every place it held on the
    map (how many runs of --seeds), naming its rear and stake, and none when none did."""
    from sim.cli import main
    tiny = DATA / "tiny_offensive.toml"
    assert main(["run", str(tiny), "--seeds", "0-4"]) == 0
    notes = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("note:")]
    assert notes == ["note: government lost every place it held on the map in 5 of 5 runs "
                     "(no off-map rear, no stake declared); if the war you model says it "
                     "held, see the README, \"Your own theatre\""]
    assert main(["run", str(tiny), "--quiet", "--days", "1"]) == 0
    assert "note:" not in capsys.readouterr().out


def test_build_features_answers_in_one_line_and_keeps_a_hand_drawn_file(tmp_path, capsys):
    """A missing folder was a FileNotFoundError traceback, a bad name argparse's usage, and
    a theatre's own features.geojson (not built by the script) would have been written
    over; each is now one line, and the file is kept."""
    builder = load("build_features")
    hand = tmp_path / "mine"
    shutil.copytree(REPO / "scenarios/theatres/riverland", hand)
    before = (hand / "features.geojson").read_bytes()
    for argv, says in (([str(tmp_path / "none")], "none: folder: theatre folder not found"),
                       (["mars", str(hand)], "argument theatre: invalid choice: 'mars'"),
                       ([str(hand)], "features.geojson: folder: exists and is not known as "
                                     "a features.geojson built by scripts/build_features.py")):
        argv = argv if argv[0] == "mars" else ["nw_syria", *argv]
        assert builder.main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("build_features.py: error: ") and err.count("\n") == 1, err
        assert says in err, err
    assert (hand / "features.geojson").read_bytes() == before
    own = tmp_path / "own" / "features.geojson"           # one it built: written over
    own.parent.mkdir()
    own.write_text(json.dumps({"type": "FeatureCollection", "features": [],
                               "source": f"GSHHG; {builder.BUILT_BY}"}))
    builder._check_out(own)


def _riverland_without_crossings(folder: Path) -> list[list[str]]:
    """riverland with its roads.csv's crossing column taken out (and CRLF line ends, as a
    spreadsheet writes them): its rows, header first."""
    shutil.copytree(REPO / "scenarios/theatres/riverland", folder)
    rows = list(csv.reader((folder / "roads.csv").open(newline="", encoding="utf-8")))
    at = rows[0].index("crossing")
    rows = [r[:at] + r[at + 1:] for r in rows]
    with (folder / "roads.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    return rows


def test_mark_crossings_writes_a_marked_copy_and_never_the_theatres_roads(tmp_path, capsys):
    """mark_crossings.py wrote its marks into the theatre's own roads.csv; now it only
    prints them, or writes a copy to --out: every column and row of roads.csv as it was, a
    crossing column after road, the river named on each marked row. The copy, put in place
    of roads.csv, gives the crossings the theatre derives from its rivers."""
    marker = load("mark_crossings")
    theatre = tmp_path / "rl"
    rows = _riverland_without_crossings(theatre)
    derived = sim.load_theatre(theatre).crossing           # (no column: from the rivers)
    before = (theatre / "roads.csv").read_bytes()
    for argv in ([], ["--dry-run"], ["--dry-run", "--out", str(tmp_path / "no.csv")]):
        assert marker.main([str(theatre), *argv]) == 0
        out, err = capsys.readouterr()
        assert out.count(": bridge (meets 'the river')") == 3 and "nothing written" in err
    assert (theatre / "roads.csv").read_bytes() == before and not (tmp_path / "no.csv").exists()
    assert sorted(p.name for p in theatre.iterdir()) == ["README.md", "features.geojson",
                                                         "roads.csv", "towns.csv"]
    copy = tmp_path / "sub" / "marked.csv"
    assert marker.main([str(theatre), "--out", str(copy)]) == 0
    assert "wrote" in capsys.readouterr().err
    assert (theatre / "roads.csv").read_bytes() == before
    got = list(csv.reader(copy.open(newline="", encoding="utf-8")))
    at = rows[0].index("road") + 1
    assert got[0] == [*rows[0][:at], "crossing", *rows[0][at:], "mark_crossings"]
    assert [r[:at] + r[at + 1:-1] for r in got[1:]] == rows[1:]        # all else as it was
    assert [r[at] for r in got[1:]] == derived
    assert all(r[-1].startswith("bridge marked by scripts/mark_crossings.py: its straight line "
                                "meets 'the river'") if r[at] else r[-1] == "as in roads.csv: none"
               for r in got[1:])
    shutil.copy(copy, theatre / "roads.csv")
    assert sim.load_theatre(theatre).crossing == derived


def test_mark_crossings_replaces_only_its_own_unedited_copy(tmp_path, capsys):
    """--out replaces a copy the script wrote; a file of the user's, a copy whose crossings
    were edited after review and the theatre's roads.csv are refused in one line, status 2,
    and kept byte for byte."""
    marker = load("mark_crossings")
    theatre = tmp_path / "rl"
    shutil.copytree(REPO / "scenarios/theatres/riverland", theatre)   # crossings given ...
    roads = theatre / "roads.csv"                   # ... but for one, left for the script
    roads.write_text(roads.read_text(encoding="utf-8").replace(
        "Ponte Centrale,San Pietro,6.2,highway,bridge,", "Ponte Centrale,San Pietro,6.2,highway,,",
        1), encoding="utf-8")
    copy = tmp_path / "marked.csv"
    assert marker.main([str(theatre), "--out", str(copy)]) == 0
    text = copy.read_text(encoding="utf-8")
    assert text.count(",as in roads.csv: bridge\n") == 2 and text.count(" meets ") == 1
    assert marker.main([str(theatre), "--out", str(copy)]) == 0           # its own: replaced
    assert copy.read_text(encoding="utf-8") == text
    edited = tmp_path / "edited.csv"
    edited.write_text(text.replace(",bridge,", ",ford,", 1), encoding="utf-8")
    cleared = tmp_path / "cleared.csv"        # a marked bridge found wrong: taken out, note too
    lines = text.splitlines(keepends=True)
    k = next(i for i, ln in enumerate(lines) if " meets " in ln)
    cells = next(csv.reader([lines[k]]))
    cells[cells.index("bridge")] = cells[-1] = ""
    lines[k] = ",".join(cells) + "\n"
    cleared.write_text("".join(lines), encoding="utf-8")
    mine = tmp_path / "mine.csv"
    mine.write_text("a,b,crossing\nx,y,bridge\n", encoding="utf-8")
    for out, says in ((edited, "not known as a copy of roads.csv that "
                               "scripts/mark_crossings.py wrote"),
                      (cleared, "not known as a copy"), (mine, "not known as a copy"),
                      (theatre / "roads.csv", "is the theatre's roads.csv")):
        before = out.read_bytes()
        capsys.readouterr()
        assert marker.main([str(theatre), "--out", str(out)]) == 2, out
        err = capsys.readouterr().err
        assert err.startswith(f"mark_crossings.py: error: {out}: --out: ")
        assert err.count("\n") == 1 and says in err, err
        assert out.read_bytes() == before


@pytest.mark.parametrize(("argv", "says"), [
    (["--bbox", "50,40,0,10"], "command line: --bbox: expected S < N"),
    (["--bbox", "nan,nan,nan,nan"], "command line: --bbox: expected S < N"),
    (["--margin", "nan"], "command line: --margin: expected a number"),
    (["--isolation-km", "-1"], "command line: --isolation-km: expected a number"),
    (["--reported", "no_such.csv"], "no_such.csv: --reported: file not found"),
    (["--all"], "command line: --all: give a theatre folder or --all, not both"),
])
def test_check_theatre_data_refuses_bad_flags_instead_of_reporting_problems(argv, says,
                                                                             capsys):
    """A box the wrong way round, a NaN margin or a missing --reported file were taken, and
    every place (or the file) was then listed as a PROBLEM of the data, status 1."""
    checker = load("check_theatre_data")
    assert checker.main([str(REPO / "scenarios/theatres/riverland"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("check_theatre_data.py: error: ") and err.count("\n") == 1, err
    assert says in err, err


def test_evidence_warnings_and_bad_flags_are_one_line_each(tmp_path, capsys):
    """evidence.py printed Python's two-line warning (the message, then the source line
    `return bind(...)`) and argparse's usage before an unknown flag's error."""
    import csv as _csv
    sc = sim.load_scenario(SCENARIO)
    rows = sim.ConflictModel(sc, seed=0, agents=False).run().log_rows
    with (tmp_path / "rep.csv").open("w", newline="") as fh:
        w = _csv.writer(fh)
        w.writerow(["date", "place", "new_controller", "source"])
        for day, t, new, _o, _c in rows[:3]:
            w.writerow([sc.date(day), sc.theatre.names[t], sc.factions[new], "the model"])
    spec = tmp_path / "spec.toml"
    spec.write_text(f'scenario = "{SCENARIO}"\nreported = "rep.csv"\n'
                    f'until = {sc.date(rows[2][0])}\n[params]\nkill_rate = [0.02, 0.15]\n'
                    '[assimilation]\nmembers = 4\n')
    ev = load("evidence")
    assert ev.main([str(spec)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err and all(line.startswith("evidence.py: warning: ") for line in err), err
    assert ev.main([str(spec), "--bogus"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("evidence.py: error: command line: ") and err.count("\n") == 1, err


def test_compare_whatifs_on_another_theatre(capsys):
    """compare_whatifs.py reported on north-western Syria only: a what-if of another theatre
    ended in a traceback ('tuple.index(x): x not in tuple'). Without --by/--town it is one
    line naming the flag; with them, the table for those towns."""
    script = load("compare_whatifs")
    river = REPO / "scenarios" / "riverland_counteroffensive.toml"
    assert script.main(["--seeds", "2", str(river)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--by: unknown faction 'opposition'" in err, err
    assert script.main(["--seeds", "2", "--by", "league", "--town", "Valmra", str(river)]) == 2
    err = capsys.readouterr().err
    assert "--town: unknown town 'Valmra'" in err and "did you mean 'Valmora'" in err, err
    assert script.main(["--seeds", "2", "--by", "republic", "--town", "San Pietro",
                        "--town", "Castelmonte", str(river)]) == 0
    out = capsys.readouterr().out
    assert "| San Pietro taken |" in out and "| Castelmonte held by |" in out
    assert "Aleppo" not in out


def test_compare_whatifs_and_a_batch_say_which_seeds_they_ran(tmp_path, capsys):
    """'100 seeds' were other runs in compare_whatifs.py (seeds 0-99, as `frontline run
    --seeds 0-99`) than in `frontline batch` (seeds spawned from the experiment's seed), and
    neither said so. Both name their seeds now, and compare_whatifs.py --batch-seed S runs a
    batch's: the share of runs of the base scenario in which the League holds Ponte Est at
    the end is the batch's 'holds' metric (75%; 100% on seeds 0-3)."""
    from sim.cli import main as frontline
    river = REPO / "scenarios" / "riverland_counteroffensive.toml"
    base = REPO / "scenarios" / "riverland_offensive.toml"        # what river extends
    (tmp_path / "e.toml").write_text(
        f'scenario = "{base.as_posix()}"\nreplicates = 4\nseed = 7\n[[metrics]]\n'
        'name = "league_holds"\nkind = "holds"\ntown = "Ponte Est"\nfaction = "league"\n')
    assert frontline(["batch", str(tmp_path / "e.toml"), "--workers", "1", "--out",
                      str(tmp_path / "out"), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert ("seeds: spawned from the experiment's seed 7 (replicate r of every point runs "
            "seed run_seed(7, r), column 'seed' of runs.parquet), not seed r as in frontline "
            "run --seeds; scripts/compare_whatifs.py --batch-seed 7 runs these") in err, err
    import pandas as pd
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    script = load("compare_whatifs")
    assert script.run_seeds(4) == [0, 1, 2, 3]
    assert script.run_seeds(4, 7) == runs.sort_values("run_id")["seed"].tolist()

    def base_held(*extra: str) -> tuple[str, str]:
        assert script.main(["--seeds", "4", "--by", "league", "--town", "Ponte Est",
                            *extra, str(river)]) == 0
        out = capsys.readouterr().out
        held = next(ln for ln in out.splitlines() if ln.startswith("| Ponte Est held by |"))
        return out, held.split("|")[2].strip()

    out, held = base_held()
    assert "seeds 0-3, as frontline run FILE --seeds 0-3;" in out and held == "league 100%"
    out, held = base_held("--batch-seed", "7")
    assert "4 seeds: those of replicates 0-3 of a frontline batch with seed = 7;" in out
    assert runs["league_holds"].mean() == 0.75 and held == "league 75%, republic 25%"
