"""The command line as a user meets it: `python -m sim ...` in a subprocess.

Every mistake must end with exit status 2 and exactly one line on stderr,
``frontline: error: FILE: FIELD: MESSAGE``, naming the file and the field, with no traceback.
A subprocess costs about a second (importing Mesa), so one case of each kind runs as a real
process (a few at a time) and the whole matrix also runs in-process through ``sim.cli.main``.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import BUILTIN, REPO, TINY, TINY_OFFENSIVE, tiny_text

BASE = TINY_OFFENSIVE.read_text(encoding="utf-8")
DAYS_LINE = BASE[:BASE.index("days = 10")].count("\n") + 1


def run_cli(*args: str, cwd: Path = REPO, exe: list[str] | None = None
            ) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([*(exe or [sys.executable, "-m", "sim"]), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def _files(tmp: Path) -> dict[str, Path]:
    """Write the broken inputs; returns name -> path."""
    def scenario(name: str, text: str, theatre: Path = TINY) -> Path:
        p = tmp / f"{name}.toml"
        p.write_text(text.replace('theatre = "tiny"', f'theatre = "{theatre.as_posix()}"'),
                     encoding="utf-8")
        return p

    def theatre(name: str, fname: str, old: str, new: str) -> Path:
        d = tmp / name
        shutil.copytree(TINY, d)
        text = tiny_text(fname)
        assert old in text
        (d / fname).write_text(text.replace(old, new, 1), encoding="utf-8")
        return d

    (tmp / "binary.toml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff")
    return {
        "good": scenario("good", BASE),
        "against": scenario("against", BASE.replace(
            'kind = "offensive"\n', 'kind = "offensive"\nagainst = ["government"]\n', 1)),
        "malformed": scenario("malformed", BASE.replace("days = 10", "days = ")),
        "unknown_key": scenario("unknown_key", BASE.replace("seed = 3\n",
                                                            "seed = 3\ncolour_scheme = 1\n")),
        "unknown_nested": scenario("unknown_nested", BASE.replace(
            "[factions.sna]\n", "[factions.sna]\nmoral = 0.5\n")),
        "unknown_theatre": scenario("unknown_theatre", BASE, TINY / "atlantis"),
        "bad_lat": scenario("bad_lat", BASE, theatre("t_lat", "towns.csv", "Bravo,,36.00",
                                                     "Bravo,,north")),
        "bad_controller": scenario("bad_controller", BASE, theatre(
            "t_ctl", "towns.csv", "800,government", "800,rebels")),
        "bad_road": scenario("bad_road", BASE, theatre("t_road", "roads.csv", "Alfa,Bravo",
                                                       "Alfa,Bravoo")),
        "late_event": scenario("late_event", BASE + '\n[[events]]\nday = 12\nkind = "support"\n'
                               'faction = "sna"\ndrones = 0.5\n'),
        "deploy_nobody": scenario("deploy_nobody", BASE + '\n[[deployments]]\nfaction = "sna"\n'
                                  'town = "Kafr Hamra"\nstrength = 100\n'),
        "binary": tmp / "binary.toml",
        "missing": tmp / "missing.toml",
    }


# name -> (argument list with {file} placeholders, [fragments the error line must contain])
CASES = {
    "missing-file": (["run", "{missing}"], ["missing.toml", "not found"]),
    "malformed-toml": (["run", "{malformed}"], ["malformed.toml", "invalid TOML",
                                                f"line {DAYS_LINE}"]),
    "binary-file": (["run", "{binary}"], ["binary.toml", "UTF-8"]),
    "unknown-key": (["run", "{unknown_key}"], ["unknown_key.toml", "colour_scheme", "valid:"]),
    "unknown-nested-key": (["run", "{unknown_nested}"],
                           ["unknown_nested.toml: factions.sna.moral: ", "valid:"]),
    "set-out-of-bounds": (["run", "{good}", "--set", "kill_rate=5"],
                          [": kill_rate: ", "0.3"]),
    "set-bad-choice": (["run", "{good}", "--set", "combat_law=cubic"],
                       [": combat_law: ", "square"]),
    "set-not-name-value": (["run", "{good}", "--set", "kill_rate"],
                           ["--set: kill_rate: ", "name=value"]),
    "set-bad-field-value": (["run", "{good}", "--set", "days=0"], ["--set: days: "]),
    "set-bad-list-index": (["run", "{good}", "--set", "phases[3].start=1"],
                           ["--set: phases[3].start: "]),
    "seed-not-int": (["run", "{good}", "--seed", "abc"], ["--seed: ", "abc"]),
    "seed-negative": (["run", "{good}", "--seed=-1"], ["--seed: ", ">= 0"]),
    "days-zero": (["run", "{good}", "--days", "0"], ["--days: ", ">= 1"]),
    "days-float": (["run", "{good}", "--days", "1.5"], ["--days: ", "1.5"]),
    "days-missing-value": (["run", "{good}", "--days"], ["--days"]),
    "no-scenario": (["run"], ["scenario"]),
    "unknown-command": (["fly"], ["fly"]),
    "unknown-theatre": (["run", "{unknown_theatre}"],
                        ["unknown_theatre.toml: theatre: ", "atlantis"]),
    "bad-towns-lat": (["run", "{bad_lat}"], ["towns.csv: row 4, column lat: ", "north"]),
    "bad-towns-controller": (["run", "{bad_controller}"],
                             ["towns.csv: row 4, column controller: ", "rebels"]),
    "bad-roads-town": (["run", "{bad_road}"], ["roads.csv: row 3, column b: ", "Bravoo"]),
    "event-outside-run": (["run", "{late_event}"], ["late_event.toml: events[0].day: ", "12"]),
    "deploy-in-nobodys-town": (["run", "{deploy_nobody}"],
                               ["deploy_nobody.toml: deployments[", "].town: ", "held by nobody"]),
    "set-unknown-parameter": (["run", "{good}", "--set", "kill_rat=0.1"], []),
    # a clash between a group's faction and its town names the half --set changed
    "set-deploy-faction-clash": (["run", "{good}", "--set", "deployments[0].faction=government"],
                                 ["--set: deployments[0].faction: ", "'Alpha' is held by "
                                  "'opposition', not by 'government'"]),
    "set-deploy-town-clash": (["run", "{good}", "--set", "deployments[0].town=Bravo"],
                              ["--set: deployments[0].town: ", "'Bravo' is held by "
                               "'government', not by 'opposition'"]),
    "set-deploy-strength-clash": (["run", "{good}", "--set", "deployments[1].strength=1600"],
                                  ["--set: deployments[1].strength: ", "add up to 2100, more "
                                   "than the faction's strength 2000"]),
    "set-phase-faction-clash": (["run", "{against}", "--set", "phases[0].faction=government"],
                                ["--set: phases[0].faction: ", "'government' is not hostile "
                                 "to 'government'"]),
}


#: the cases also run as real processes: one of each kind the brief lists
#: one xdist worker runs this module: its subprocess fixture would otherwise start the eleven
#: console runs on every worker that takes one of its tests
pytestmark = pytest.mark.xdist_group("cli_errors")

IN_SUBPROCESS = ("missing-file", "malformed-toml", "unknown-key", "set-unknown-parameter",
                 "set-out-of-bounds", "set-not-name-value", "seed-not-int", "days-zero",
                 "unknown-theatre", "bad-towns-lat", "bad-towns-controller")


@pytest.fixture(scope="module")
def jobs(tmp_path_factory) -> dict[str, list[str]]:
    files = {k: str(v) for k, v in _files(tmp_path_factory.mktemp("cli")).items()}
    return {name: [a.format(**files) for a in args] for name, (args, _) in CASES.items()}


@pytest.fixture(scope="module")
def outcomes(jobs) -> dict[str, subprocess.CompletedProcess]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(run_cli, *jobs[name]) for name in IN_SUBPROCESS}
        return {name: fut.result() for name, fut in futures.items()}


@pytest.fixture(scope="module")
def in_process(jobs) -> dict[str, subprocess.CompletedProcess]:
    """The same argument lists through ``sim.cli.main`` in this process."""
    from sim.cli import main
    out = {}
    for name, args in jobs.items():
        err, std = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
            rc = main(args)
        out[name] = subprocess.CompletedProcess(args, rc, std.getvalue(), err.getvalue())
    return out


def error_line(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("frontline: error: "), lines[0]
    # FILE: FIELD: MESSAGE, each part non-empty
    assert re.match(r"^frontline: error: \S.*?: \S.*?: \S", lines[0]), lines[0]
    return lines[0]


@pytest.mark.parametrize("case", [c for c in IN_SUBPROCESS if c != "set-unknown-parameter"])
def test_error_is_one_line_naming_file_and_field(outcomes, case):
    line = error_line(outcomes[case])
    for fragment in CASES[case][1]:
        assert fragment in line, (fragment, line)


@pytest.mark.parametrize("case", [c for c in CASES if c != "set-unknown-parameter"])
def test_error_in_process(in_process, case):
    line = error_line(in_process[case])
    for fragment in CASES[case][1]:
        assert fragment in line, (fragment, line)


def test_set_unknown_parameter_names_it_as_the_field(outcomes):
    line = error_line(outcomes["set-unknown-parameter"])
    assert re.search(r": kill_rat: ", line), line           # the name is the field
    assert "kill_rate" in line                               # and the valid names are listed


def test_set_unknown_parameter_is_still_a_clean_error(outcomes):
    line = error_line(outcomes["set-unknown-parameter"])
    assert "kill_rat" in line


def test_run_happy_path_writes_outputs(tmp_path):
    out = tmp_path / "out"
    proc = run_cli("run", str(BUILTIN), "--seed", "1", "--out", str(out),
                   "--set", "kill_rate=0.07")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "seed 1" in proc.stdout and "Aleppo" in proc.stdout
    for name in ("events.csv", "control.csv", "series.csv", "meta.json", "map.png"):
        assert (out / name).stat().st_size > 0, name
    header = (out / "events.csv").read_text().splitlines()[0].split(",")
    assert {"date", "place", "new_controller", "previous_controller", "cause",
            "source"} <= set(header)
    assert len((out / "control.csv").read_text().splitlines()) == 1 + 12


def test_days_can_shorten_a_scenario_with_later_events(capsys):
    from sim.cli import main
    rc = main(["run", str(BUILTIN), "--seed", "1", "--days", "4", "--quiet"])
    assert rc == 0, capsys.readouterr().err


def test_days_shortens_a_scenario(tmp_path):
    from sim.cli import main
    assert main(["run", str(TINY_OFFENSIVE), "--days", "3", "--quiet",
                 "--out", str(tmp_path)]) == 0
    assert len((tmp_path / "control.csv").read_text().splitlines()) == 1 + 3


def test_console_script_runs_from_another_folder(tmp_path):
    script = Path(sys.executable).with_name("frontline")
    exe = [str(script)] if script.exists() else [sys.executable, "-m", "sim"]
    proc = run_cli("run", str(TINY_OFFENSIVE), "--quiet", "--seed", "2", cwd=tmp_path, exe=exe)
    assert proc.returncode == 0, proc.stderr
    assert "tiny offensive" in proc.stdout
    bad = run_cli("run", "nowhere.toml", cwd=tmp_path, exe=exe)
    assert error_line(bad).endswith("nowhere.toml: -: file not found")


def test_a_script_whose_reader_left_ends_quietly(monkeypatch):
    """`python scripts/X.py | head`: a closed pipe is not an error (status 0, no traceback)."""
    import sys

    from sim.errors import run_script

    def body():
        raise BrokenPipeError

    monkeypatch.setattr(sys, "stdout", sys.stdout)
    assert run_script("x.py", body) == 0


@pytest.mark.parametrize(("args", "needle"), [
    (["run", str(BUILTIN), "--seeed", "1"],
     "command line: run: takes no argument '--seeed' (did you mean '--seed'"),
    (["scenarios", "show", str(BUILTIN), "--jsn"],
     "scenarios show: takes no argument '--jsn' (did you mean '--json'?)"),
    (["run", str(BUILTIN), "stray"], "run: takes no argument 'stray'; see `frontline run"),
])
def test_an_unknown_argument_names_the_command_and_the_closest_flag(args, needle, capsys):
    from sim.cli import main
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("frontline: error: ") and "\n" not in err and needle in err


@pytest.mark.parametrize("typed, hint", [
    ("scenarios/tiny_ofensive.toml", "(did you mean 'tiny_offensive.toml'?)"),   # misspelt
    ("scenarios/tiny_offensive", "(did you mean 'tiny_offensive.toml'?)"),       # no .toml
    ("tiny_offensive", "(did you mean 'scenarios/tiny_offensive.toml'?)"),       # no folder
    ("scenarios/nothing_like_it.toml", None),
])
def test_a_scenario_path_not_found_suggests_the_nearest_file(tmp_path, monkeypatch, capsys,
                                                              typed, hint):
    from sim.cli import main
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "tiny_offensive.toml").write_text(BASE, encoding="utf-8")
    (tmp_path / "scenarios" / "riverland.toml").write_text(BASE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["run", typed]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"{typed}: -: file not found" in err
    if hint:
        assert err.endswith(hint), err
    else:
        assert err.endswith("file not found"), err


@pytest.mark.parametrize("setting, said", [
    ("deployments[7].strength=10", "deployments has 4 items: deployments[0]..deployments[3]"),
    ("phases[1].start=1", "phases has 1 item: phases[0]..phases[0]"),
    ("events[0].day=1", "the scenario has no list 'events'"),
])
def test_set_on_a_list_item_that_is_not_there_says_what_the_list_holds(capsys, setting,
                                                                         said):
    from sim.cli import main
    assert main(["run", str(TINY_OFFENSIVE), "--set", setting]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.endswith(f"no such list item in the scenario; {said}"), err


def test_a_bad_seed_range_prints_nothing_before_its_error(capsys):
    from sim.cli import main
    assert main(["run", str(TINY_OFFENSIVE), "--seeds", "5-1"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "--seeds" in err.splitlines()[-1]


@pytest.mark.parametrize("flags", [["--town", "Alpah"], ["--seeds", "9-1"]])
def test_an_error_after_a_warning_is_the_only_line(theatre_copy, tmp_path, flags, capsys):
    """A lookalike column warns; a bad flag checked after the scenario is loaded then ends the
    command: the error line comes alone (the warning is dropped). A good run still warns."""
    from sim.cli import main
    roads = tiny_text("roads.csv").splitlines()
    roads = "\n".join([roads[0] + ",crosing"] + [ln + "," for ln in roads[1:]]) + "\n"

    def scenario(name: str) -> str:     # a fresh theatre folder each (theatres are cached)
        sc, d = tmp_path / f"{name}.toml", theatre_copy(roads=roads)
        sc.write_text(BASE.replace('theatre = "tiny"', f'theatre = "{d.as_posix()}"'),
                      encoding="utf-8")
        return str(sc)
    assert main(["run", scenario("bad"), *flags]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1, err
    assert err.startswith("frontline: error: command line: " + flags[0]), err
    assert main(["run", scenario("good"), "--quiet", "--days", "2"]) == 0
    err = capsys.readouterr().err
    assert "frontline: warning: " in err and "crosing" in err, err


UNCREATABLE = Path("/proc/frontline-out")       # root may write /proc, yet mkdir there fails


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_run_refuses_an_out_folder_that_cannot_be_created_before_the_run(capsys):
    from sim.cli import main
    assert main(["run", str(TINY_OFFENSIVE), "--out", str(UNCREATABLE / "x")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1, err
    assert err.startswith(f"frontline: error: {UNCREATABLE / 'x'}: --out: cannot create"), err


@pytest.mark.parametrize("argv", [["run", str(TINY_OFFENSIVE), "--days", "2", "--quiet"],
                                  ["calibrate", "spec.toml"], ["batch", "exp.toml"]],
                         ids=lambda a: a[0])
def test_an_empty_out_is_refused_not_taken_as_the_current_folder(tmp_path, monkeypatch,
                                                                 capsys, argv):
    """`--out ""` (an unset variable in `--out "$OUT"`) ran and wrote its files into the
    current folder."""
    from sim.cli import main
    monkeypatch.chdir(tmp_path)
    assert main([*argv, "--out", ""]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == ("frontline: error: command line: --out: empty (''); "
                                 "expected a folder or file name\n")
    assert list(tmp_path.iterdir()) == []


def test_the_out_folder_check_leaves_nothing_behind(tmp_path):
    from sim.inputs.files import check_out_dir
    check_out_dir(tmp_path / "a" / "b" / "c")
    assert list(tmp_path.iterdir()) == []               # what it created, it removed
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "f.txt").write_text("x")
    check_out_dir(tmp_path / "kept")
    check_out_dir(tmp_path / "kept" / "new")
    assert [p.name for p in (tmp_path / "kept").iterdir()] == ["f.txt"]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_plot_refuses_an_out_file_that_cannot_be_written_before_the_work(tmp_path, capsys):
    from sim.cli import main
    target = Path("/proc/frontline-plot")   # /proc is a writable folder to root, yet no file
    assert main(["plot", "capture", str(tmp_path), "--town", "Bravo",   # can be made there
                 "--out", str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1, err
    assert err.startswith(f"frontline: error: {target}.png: --out: cannot write a file "
                          "here"), err


def test_the_out_file_check_leaves_nothing_behind(tmp_path):
    from sim.inputs.files import check_out_file
    (tmp_path / "empty").mkdir()                   # the user's own, empty: it stays
    check_out_file(tmp_path / "empty" / "a" / "b" / "plot.png")
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]
    assert list((tmp_path / "empty").iterdir()) == []
    (tmp_path / "mine.png").write_text("x")         # an existing file is not touched
    check_out_file(tmp_path / "mine.png")
    assert (tmp_path / "mine.png").read_text() == "x"


def test_validate_checks_every_file_and_reports_each_bad_one(tmp_path, capsys):
    from sim.cli import main
    files = _files(tmp_path)
    args = [files[k] for k in ("good", "malformed", "good", "unknown_key", "missing")]
    assert main(["scenarios", "validate", *map(str, args)]) == 2
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"{files['good']}: ok (tiny offensive, 3 factions, 9 places, "
                                "all on the map, 10 days)"] * 2
    errors = err.splitlines()
    assert [ln.split(": ")[2] for ln in errors if ln.startswith("frontline: error: ")] == [
        str(files[k]) for k in ("malformed", "unknown_key", "missing")], err
    assert all(ln.startswith(("frontline: warning: ", "frontline: error: ")) for ln in errors)
    assert main(["scenarios", "validate", str(files["good"])]) == 0


def test_run_out_never_overwrites_files_a_run_did_not_write(tmp_path, capsys):
    """`run --out` into a folder holding the user's own events.csv or map.png (no run's
    meta.json) is refused before the run, in one line, and the files stay as they were; a
    folder an earlier run wrote, or one holding only other files, is written into."""
    from sim.cli import main
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "events.csv").write_text("my own table\n", encoding="utf-8")
    (mine / "map.png").write_bytes(b"my own picture")
    assert main(["run", str(TINY_OFFENSIVE), "--quiet", "--out", str(mine)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1, err
    assert err.startswith(f"frontline: error: {mine}: --out: holds events.csv, map.png "), err
    assert (mine / "events.csv").read_text(encoding="utf-8") == "my own table\n"
    assert (mine / "map.png").read_bytes() == b"my own picture"
    assert sorted(p.name for p in mine.iterdir()) == ["events.csv", "map.png"]
    other = tmp_path / "notes"
    other.mkdir()
    (other / "notes.txt").write_text("kept\n", encoding="utf-8")
    for _ in range(2):                                   # a new run, then the same folder again
        assert main(["run", str(TINY_OFFENSIVE), "--quiet", "--out", str(other)]) == 0
    assert (other / "notes.txt").read_text(encoding="utf-8") == "kept\n"
    assert (other / "meta.json").is_file()


HINT = "(did you mean 'attack_ratio' or 'counterattack_ratio' or 'salient_ratio'?)"


@pytest.mark.parametrize("args, hint", [
    (["params", "atack_ratio"], HINT),
    (["run", str(TINY_OFFENSIVE), "--params", "{params}"], HINT),
    (["run", str(TINY_OFFENSIVE), "--set", "factions.oposition.stake=100"],
     "(did you mean 'opposition'?)"),
    (["run", str(TINY_OFFENSIVE), "--set", "factions.x.air=1"],
     "--set: factions.x.air: no faction 'x' in the scenario; factions: opposition, government, "
     "sna"),
])
def test_a_misspelt_parameter_or_faction_suggests_its_name_not_its_table_entry(
        tmp_path, capsys, args, hint):
    """The parameter table and a scenario's factions are mappings: their names are suggested,
    never the Param record or the faction's table (a new user's review, 30 Nov 2026)."""
    from sim.cli import main
    params = tmp_path / "fitted.toml"
    params.write_text("[params]\natack_ratio = 2\n", encoding="utf-8")
    assert main([a.replace("{params}", str(params)) for a in args]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and hint in err and "Param(" not in err and "{'" not in err, err


@pytest.mark.parametrize(("args", "field", "got"), [
    (["--days", "١٢"], "command line: --days", "'١٢'"),                 # Arabic-Indic
    (["--seed", "７"], "command line: --seed", "'７'"),                  # full-width
    (["--seeds", "١-٣"], "command line: --seeds", "'١-٣'"),
    (["--set", "air_effect=٠.٥"], "--set: air_effect", "'٠.٥'"),
    (["--set", "days=١٢"], "--set: days", "'١٢'"),
])
def test_digits_of_another_script_are_refused_not_read_as_numbers(capsys, args, field, got):
    """Python's int() and float() read '١٢' or '１２' as 12: such a value was taken (a run of
    12 days, seeds 1-3, air_effect 0.5) as if written 12; it is one line saying how numbers
    are written."""
    from sim.cli import main
    assert main(["run", str(TINY_OFFENSIVE), "--quiet", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1, err
    assert err.startswith(f"frontline: error: {field}: expected "), err
    assert err.endswith(f", got {got}; numbers are written with the digits 0-9\n"), err


def test_an_empty_seeds_is_refused_not_a_run_of_the_scenario_seed(capsys):
    """`--seeds ""` was taken as no --seeds at all: one run of the scenario's seed."""
    from sim.cli import main
    assert main(["run", str(TINY_OFFENSIVE), "--days", "2", "--quiet", "--seeds", ""]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == ("frontline: error: command line: --seeds: expected A-B "
                                 "(e.g. 1-6), got ''\n")
