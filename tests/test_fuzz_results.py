"""Fuzzing the last three input kinds: run folders (``frontline plot animate``), batch folders
(``frontline plot ...`` and ``frontline batch`` resuming into them) and the command-line
flags of every command.

Folders start as a real run or batch on the tiny theatre and get one thing broken: a file
truncated, emptied, replaced by junk, by another table or by a folder, a JSON value of the
wrong type or shape, a cell of any text. Flags are drawn from each command's own flags with
values of every kind (huge, negative, 1e-300, inf, nan, unicode, paths to files, folders,
paths under a file, names with ``../``). The rule (tests/fuzzkit.py): exit 0 with a sane
result, or exit 2 with exactly one error line; no traceback, no run past 60 s.

Encoding a GIF takes about a second and is what tests/test_animate.py is about, so here the
animation writer is replaced by one that writes the file without drawing; every check on
the folder's contents still runs.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import TINY, TINY_OFFENSIVE
from fuzzkit import cli, fuzz, obey, to_toml
from hypothesis import given
from hypothesis import strategies as st

import sim.cli.viz as viz_cli
import sim.views.animate as animate_mod

_n = itertools.count()
TOWNS = ("Westgate", "Alpha", "Bravo", "Charlie", "Delta", "Echo", "Sierra", "Foxtrot")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict[str, Path]:
    """A run folder, a batch folder and the files the flags can point at."""
    root = tmp_path_factory.mktemp("results")
    shutil.copytree(TINY, root / "tiny")
    sc = root / "tiny.toml"
    sc.write_text(TINY_OFFENSIVE.read_text(encoding="utf-8"), encoding="utf-8")
    exp = root / "exp.toml"
    exp.write_text(to_toml({
        "scenario": "tiny.toml", "replicates": 2, "seed": 1, "overrides": {"days": 3},
        "design": {"kind": "grid", "parameters": {"kill_rate": [0.05, 0.06]}},
        "metrics": [{"kind": "capture_day", "town": "Bravo", "by": "opposition"}]}))
    (root / "rep.csv").write_text(
        "date,place,new_controller,previous_controller,cause,source\n"
        "2024-01-02,Foxtrot,opposition,government,,one\n"
        "2024-01-03,Bravo,opposition,government,,two\n", encoding="utf-8")
    cal = root / "cal.toml"
    cal.write_text('scenario = "tiny.toml"\nreported = "rep.csv"\nuntil = 2024-01-03\n'
                   'replicates = 1\n[params]\nkill_rate = [0.01, 0.2]\n[loss]\n'
                   'cap_days = 2.0\n[optimiser]\npopsize = 2\nmaxiter = 0\n[forecast]\n'
                   'replicates = 2\n[assimilation]\nmembers = 16\n', encoding="utf-8")
    (root / "params.toml").write_text("[params]\nkill_rate = 0.05\n", encoding="utf-8")
    (root / "actors.toml").write_text('[factions]\nopposition = ["hts*"]\n', encoding="utf-8")
    (root / "acled.csv").write_text(
        "event_date,sub_event_type,actor1,actor2,latitude,longitude,location\n"
        "2024-01-03,Non-state actor overtakes territory,HTS,Army,36.0,37.0,Bravo\n",
        encoding="utf-8")
    (root / "afile").write_text("x")
    assert cli(["run", sc, "--days", "3", "--quiet", "--out", root / "run"]).code == 0
    assert cli(["batch", exp, "--workers", "1", "--out", root / "batch",
                "--no-progress"]).code == 0
    return {"root": root, "scenario": sc, "exp": exp, "cal": cal, "run": root / "run",
            "batch": root / "batch"}


@pytest.fixture(autouse=True)
def quick_writers(monkeypatch):
    """No GIF encoding (see the module docstring) and no real server for `viz`."""
    def save(self, filename, writer=None, dpi=None, **kw):
        self._draw_was_started = True          # (no "deleted without rendering" warning)
        Path(filename).write_bytes(b"GIF89a")
    monkeypatch.setattr(animate_mod.FuncAnimation, "save", save)

    class Server:
        returncode = 0

        def __init__(self, *a, **kw) -> None:
            pass

        def wait(self, timeout=None) -> int:
            return 0

        def poll(self) -> int:
            return 0
    monkeypatch.setattr(viz_cli.subprocess, "Popen", Server)


# -- values -----------------------------------------------------------------------------------
huge_text = st.builds(lambda c, n: c * n, st.sampled_from("x9 é\n,\""), st.integers(1, 20_000))
json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
              st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
              st.sampled_from(["", "/", "tiny.toml", "../../x", "opposition"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8)


def _copy(src: Path) -> Path:
    dst = src.parent / f"{src.name}_{next(_n)}"
    shutil.copytree(src, dst)
    return dst


@st.composite
def file_damage(draw: st.DrawFn, files: tuple[str, ...]):
    """A function that damages one file of a folder."""
    name = draw(st.sampled_from(files))
    how = draw(st.sampled_from(["truncate", "empty", "junk", "folder", "delete", "swap",
                                "flip", "json"]))
    cut = draw(st.floats(0, 1))
    junk = draw(st.one_of(st.binary(max_size=200), huge_text.map(str.encode)))
    other = draw(st.sampled_from(files))
    key = draw(st.sampled_from(["scenario_file", "factions", "spec", "file", "status",
                                "runs_total", "spec_hash", "code", "tables", "start"]))
    value = draw(json_value)
    draw_key_delete = draw(st.booleans())

    def damage(d: Path) -> None:
        p = d / name
        data = p.read_bytes()
        if how == "truncate":
            p.write_bytes(data[:int(len(data) * cut)])
        elif how == "empty":
            p.write_bytes(b"")
        elif how == "junk":
            p.write_bytes(junk)
        elif how == "folder":
            p.unlink()
            p.mkdir()
        elif how == "delete":
            p.unlink()
        elif how == "swap" and other != name:
            shutil.copy(d / other, p)
        elif how == "flip":
            i = int(len(data) * cut) % max(len(data), 1)
            p.write_bytes(data[:i] + bytes([data[i] ^ 0x55]) + data[i + 1:] if data else b"x")
        elif name.endswith(".json"):
            try:
                obj = json.loads(data)
            except ValueError:
                obj = {}
            if isinstance(obj, dict) and draw_key_delete:
                obj.pop(key, None)
            elif isinstance(obj, dict):
                obj[key] = value
            else:
                obj = value
            p.write_text(json.dumps(obj))
        else:
            p.write_bytes(data.replace(b",", b"," + junk[:20], 1))
    return damage


# == run folders ============================================================================
@st.composite
def run_folders(draw: st.DrawFn):
    if draw(st.booleans()):
        return draw(file_damage(("meta.json", "events.csv", "control.csv"))), ["--fps", "2"]
    col = draw(st.sampled_from(["events.csv", "control.csv"]))
    row, c = draw(st.integers(0, 6)), draw(st.integers(0, 9))
    text = draw(st.one_of(st.text(max_size=12), huge_text, st.sampled_from(
        ["1.5", "x", "-1", "99999999999999999999", "", "opposition", "nobody", "0"])))
    fps = draw(st.sampled_from(["1e-300", "0", "-1", "inf", "nan", "2", "50", "x", "0.1"]))

    def damage(d: Path) -> None:
        lines = (d / col).read_text(encoding="utf-8").splitlines()
        r = lines[row % len(lines)].split(",")
        r[c % len(r)] = '"' + text.replace('"', '""') + '"'
        lines[row % len(lines)] = ",".join(r)
        (d / col).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return damage, ["--fps", fps]


@given(case=run_folders())
@fuzz(130)
def test_run_folders(case, base, fuzz_count) -> None:
    damage, flags = case
    d = _copy(base["run"])
    damage(d)
    o = obey(cli(["plot", "animate", d, "--out", d / "a.gif", *flags]),
             counts=fuzz_count, kind="run folders")
    if o.code == 0:
        assert (d / "a.gif").is_file() and str(d / "a.gif") in o.out


# == batch folders ==========================================================================
BATCH_FILES = ("manifest.json", "runs.parquet", "events.parquet", "series.parquet")


def plot_args(d: Path, draw: st.DrawFn) -> list[Any]:
    kind = draw(st.sampled_from(["fan", "capture", "control", "whatif", "sensitivity",
                                 *["resume"] * 5]))
    stem = ["--out", d / "plots" / "p", "--format", "png"]
    if kind == "fan":
        return ["plot", "fan", d, "--faction", "opposition", *stem]
    if kind == "capture":
        return ["plot", "capture", d, "--town", "Bravo", *stem]
    if kind == "control":
        return ["plot", "control", d, "--faction", "government", "--day", "1", *stem]
    if kind == "whatif":
        return ["plot", "whatif", d, "--point", "1", *stem]
    if kind == "sensitivity":
        return ["plot", "sensitivity", d]
    return ["batch", d.parent / "exp.toml", "--workers", "1", "--out", d, "--no-progress"]


@st.composite
def value_edits(draw: st.DrawFn):
    """A table rewritten as valid parquet with one value changed (and the manifest's
    checksums dropped, as an older batch would have none): the values are checked."""
    table = draw(st.sampled_from(["runs", "events", "series"]))
    col = draw(st.sampled_from(["run_id", "day", "point", "place", "faction",
                                "new_controller", "seed"]))
    value = draw(st.one_of(st.integers(-5, 10**6), st.sampled_from(["", "Atlantis",
                                                                     "opposition", "x"])))

    def damage(d: Path) -> None:
        m = json.loads((d / "manifest.json").read_text())
        m.pop("tables", None)
        (d / "manifest.json").write_text(json.dumps(m))
        df = pd.read_parquet(d / f"{table}.parquet")
        if col in df.columns and len(df):
            with contextlib.suppress(TypeError, ValueError):    # a value of the wrong type
                df.loc[df.index[0], col] = value
            df.to_parquet(d / f"{table}.parquet")
    return damage


@given(damage=st.one_of(file_damage(BATCH_FILES), value_edits()), data=st.data())
@fuzz(130)
def test_batch_folders(damage, data, base, fuzz_count) -> None:
    d = _copy(base["batch"])
    damage(d)
    argv = plot_args(d, data.draw)
    o = obey(cli(argv), counts=fuzz_count, kind="batch folders")
    if o.code == 0 and argv[0] == "batch":      # resumed or redone: every run exactly once
        runs = pd.read_parquet(d / "runs.parquet")
        assert runs["run_id"].tolist() == [0, 1, 2, 3]
        assert json.loads((d / "manifest.json").read_text())["status"] == "complete"
    elif o.code == 0:
        assert all(Path(p).is_file() for p in o.out.split())


# == command-line flags =====================================================================
def _values(base: dict[str, Path]) -> st.SearchStrategy[str]:
    root = base["root"]
    return st.one_of(
        st.sampled_from(["0", "1", "-1", "2", "3", "1.5", "1e-300", "1e308", "inf", "nan", "x",
                         "", " ", "99999999999999999999", "-0", "0x10", "../../x", "a/../b",
                         "Bravo", "opposition", "2024-01-02", "9999-12-31", "kill_rate=0.1",
                         "kill_rate=nan", "days=1e308", "start=9999-12-30", "=", "a=b=c"]),
        st.sampled_from([str(base["scenario"]), str(base["exp"]), str(base["cal"]),
                         str(root / "params.toml"), str(root / "afile"),
                         str(root / "afile" / "below"), str(root), str(root / "nowhere"),
                         str(root / ("n" * 300)), str(base["run"]), str(base["batch"])]),
        st.text(max_size=12).filter(lambda t: "\x00" not in t))


#: command -> (fixed leading words, flags that take a value, flags without one)
COMMANDS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "run": (["run", "{scenario}"], ["--seed", "--days", "--set", "--params", "--out"],
            ["--quiet"]),
    "validate": (["scenarios", "validate"], [], []),
    "list": (["scenarios", "list"], [], []),
    "show": (["scenarios", "show"], [], []),
    "params": (["params"], [], []),
    "batch": (["batch", "{exp}"], ["--workers", "--scheduler", "--dask-local", "--params",
                                   "--out"], ["--no-progress"]),
    "calibrate": (["calibrate", "{cal}"], ["--workers", "--scheduler", "--out"], ["--quiet"]),
    "forecast": (["forecast", "{cal}", "--fit-until", "2024-01-02"],
                 ["--fit-until", "--reported", "--replicates", "--workers", "--out"],
                 ["--quiet"]),
    "fan": (["plot", "fan", "{batch}"], ["--faction", "--measure", "--point", "--out",
                                         "--format"], []),
    "capture": (["plot", "capture", "{batch}", "--town", "Bravo"],
                ["--town", "--by", "--point", "--out", "--format"], []),
    "control": (["plot", "control", "{batch}", "--faction", "opposition"],
                ["--day", "--faction", "--point", "--out"], []),
    "whatif": (["plot", "whatif", "{batch}"], ["--point", "--base-point", "--base", "--out"],
               []),
    "animate": (["plot", "animate", "{run}"], ["--out", "--fps"], []),
    "import": (["import", "acled", "{root}/acled.csv", "--theatre", "{root}/tiny",
                "--actors", "{root}/actors.toml"], ["--max-km", "--out", "--theatre",
                                                    "--actors"], []),
    "viz": (["viz", "{scenario}"], ["--port", "--host", "--seed"], []),
    "exercises": (["exercises", "show"], [], ["--answers"]),
    "unknown": (["fly"], ["--to"], []),
}
#: flags never given a value that would start a cluster or wait on a network timeout
SAFE = {"--dask-local": ["0", "-1", "x", "1.5"],
        "--scheduler": ["", "tcp://", "::::", "tcp://host:99999", "a b", "tcp://x:0"]}


@st.composite
def argvs(draw: st.DrawFn, base: dict[str, Path]) -> list[str]:
    name = draw(st.sampled_from(sorted(COMMANDS)))
    lead, valued, bare = COMMANDS[name]
    fmt = {k: str(v) for k, v in base.items()}
    argv = [w.format(**fmt) for w in lead]
    values = _values(base)
    if name in ("validate", "show", "list"):
        argv.append(draw(values))
    if name == "exercises":
        argv.append(draw(st.sampled_from(["1", "6", "0", "7", "x", "-1"])))
    for _ in range(draw(st.integers(0, 3))):
        flag = draw(st.sampled_from(valued + bare + ["--bogus"])) if valued + bare else "--x"
        if flag in SAFE:
            argv += [flag, draw(st.sampled_from(SAFE[flag]))]
        elif flag == "--workers":
            argv += [flag, draw(st.sampled_from(["1", "-1", "x", "1.5", "", "1000000"]))]
        elif flag in valued or flag == "--bogus":
            argv += [flag, draw(values)]
        else:
            argv.append(flag)
    if name == "run" and "--days" not in argv:
        argv += ["--days", "3"]
    return argv


@given(data=st.data())
@fuzz(280)
def test_cli_flags(data, base, fuzz_count) -> None:
    argv = data.draw(argvs(base))
    o = obey(cli(argv), counts=fuzz_count, kind="CLI flags")
    if o.code == 0:
        assert o.out or o.err                 # said what it did


def test_the_starting_inputs_are_valid(base) -> None:
    for argv in (["calibrate", base["cal"], "--workers", "1", "--out", base["root"] / "fit",
                  "--quiet"],
                 ["plot", "animate", base["run"], "--out", base["root"] / "a.gif"],
                 ["plot", "fan", base["batch"], "--out", base["root"] / "fan"]):
        o = cli(argv)
        assert o.code == 0, o.err
