"""The examples of issue 13, each as it was reported, through the CLI in process: every one
ends in one error line naming the file and the field (exit 2), or in a sane result (exit 0)
where the input is usable (an ACLED row with bad coordinates is listed as unmatched). The
classes behind them are fuzzed in tests/test_fuzz_*.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import TINY, TINY_OFFENSIVE
from fuzzkit import cli, obey

from sim.inputs.reported import read_rows

BASE = TINY_OFFENSIVE.read_text(encoding="utf-8")
REPORTED = ("date,place,new_controller,previous_controller,cause,source\n"
            "2024-01-02,Foxtrot,opposition,government,,one\n")
CAL = ('scenario = "s.toml"\nreported = "rep.csv"\nuntil = {until}\nreplicates = 1\n'
       '[params]\nkill_rate = [0.01, 0.2]\n[loss]\ncap_days = {cap}\nunreported = {unrep}\n'
       '[optimiser]\npopsize = 2\nmaxiter = 0\n')
EXP = ('scenario = "s.toml"\nreplicates = 2\n[overrides]\ndays = 3\n[design]\nkind = "grid"\n'
       '[design.parameters]\nkill_rate = [0.05, 0.06]\n[[metrics]]\nkind = "capture_day"\n'
       'town = "Bravo"\nname = "{name}"\n')
ACLED = ("event_id_cnty,event_date,sub_event_type,actor1,actor2,latitude,longitude,location,"
         "source\n")
ROW = "E{i},2024-01-03,Non-state actor overtakes territory,HTS,Army,{lat},{lon},Bravo,{src}\n"


@pytest.fixture(scope="module")
def d(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("issue13")
    shutil.copytree(TINY, root / "tiny")
    (root / "s.toml").write_text(BASE, encoding="utf-8")
    (root / "rep.csv").write_text(REPORTED, encoding="utf-8")
    (root / "actors.toml").write_text('[factions]\nopposition = ["hts*"]\ngovernment = '
                                      '["army*"]\n', encoding="utf-8")
    (root / "afile").write_text("x")
    assert cli(["run", root / "s.toml", "--days", "3", "--quiet", "--out", root / "run"]).code == 0
    (root / "e.toml").write_text(EXP.format(name="ok"), encoding="utf-8")
    assert cli(["batch", root / "e.toml", "--workers", "1", "--out", root / "batch",
                "--no-progress"]).code == 0
    return root


def _write(d: Path, name: str, text: str) -> Path:
    (d / name).write_text(text, encoding="utf-8")
    return d / name


def _copy(d: Path, src: str, dst: str) -> Path:
    shutil.rmtree(d / dst, ignore_errors=True)
    shutil.copytree(d / src, d / dst)
    return d / dst


def _deep_tiny(d: Path) -> Path:
    t = _copy(d, "tiny", "tiny_big")
    towns = (t / "towns.csv").read_text(encoding="utf-8")
    (t / "towns.csv").write_text(towns.replace("hand-built test data", "x" * 200_000, 1),
                                 encoding="utf-8")
    return _write(d, "big.toml", BASE.replace('theatre = "tiny"', 'theatre = "tiny_big"'))


CASES = {
    # scenarios and theatres
    "start near 9999": (lambda d: ["run", _write(d, "y.toml", BASE.replace(
        "2024-01-01", "9999-12-25")), "--out", d / "y_out"], "y.toml: start"),
    "conditions nested 1200 deep": (lambda d: ["run", _write(d, "n.toml", BASE + (
        '\n[[events]]\nwhen = "' + "(" * 1200 + "day>=1" + ")" * 1200 + '"\nkind = '
        '"ceasefire"\n')), "--quiet"], "n.toml: events[0].when"),
    "conditions chained 1200 long": (lambda d: ["run", _write(d, "c.toml", BASE + (
        '\n[[events]]\nwhen = "' + " and ".join(["day>=1"] * 1200) + '"\nkind = '
        '"ceasefire"\n')), "--quiet"], "c.toml: events[0].when"),
    "a CSV cell over 131,072 characters": (lambda d: ["run", _deep_tiny(d), "--quiet"], None),
    # experiments
    "a metric named run_id": (lambda d: ["batch", _write(d, "m1.toml", EXP.format(
        name="run_id")), "--out", d / "m1"], "m1.toml: metrics[0].name"),
    "a metric named seed": (lambda d: ["batch", _write(d, "m2.toml", EXP.format(
        name="seed")), "--out", d / "m2"], "m2.toml: metrics[0].name"),
    "a metric named like a swept parameter": (lambda d: ["batch", _write(d, "m3.toml",
        EXP.format(name="kill_rate")), "--out", d / "m3"], "m3.toml: metrics[0].name"),
    # calibration specs
    "cap_days = inf": (lambda d: ["calibrate", _write(d, "k1.toml", CAL.format(
        until="2024-01-04", cap="inf", unrep="0.25")), "--out", d / "k1"],
        "k1.toml: loss.cap_days"),
    "until as a TOML date-time": (lambda d: ["calibrate", _write(d, "k2.toml", CAL.format(
        until="2024-01-04T10:30:00", cap="2.0", unrep="0.25")), "--out", d / "k2"],
        "k2.toml: until"),
    "until after the scenario's end": (lambda d: ["calibrate", _write(d, "k3.toml", CAL.format(
        until="2029-02-01", cap="2.0", unrep="0.25")), "--out", d / "k3"], "k3.toml: until"),
    "unreported = 1e308": (lambda d: ["calibrate", _write(d, "k4.toml", CAL.format(
        until="2024-01-04", cap="2.0", unrep="1e308")), "--out", d / "k4"],
        "k4.toml: loss.unreported"),
    # ACLED
    "an empty faction name in the actor map": (lambda d: [
        "import", "acled", _write(d, "a1.csv", ACLED + ROW.format(i=1, lat=36, lon=37,
                                                                   src="s")),
        "--theatre", d / "tiny", "--actors", _write(d, "empty.toml", '[factions]\n"" = '
                                                    '["hts*"]\n')], "empty.toml: factions."),
    # output paths, checked before any work
    "run --out an existing file": (lambda d: ["run", d / "s.toml", "--out", d / "afile"],
                                   "afile: --out"),
    "run --out under a file": (lambda d: ["run", d / "s.toml", "--out", d / "afile" / "x"],
                               "--out"),
    "batch --out an existing file": (lambda d: ["batch", d / "e.toml", "--out", d / "afile"],
                                     "afile: --out"),
    "calibrate --out under a file": (lambda d: ["calibrate", _write(d, "k5.toml", CAL.format(
        until="2024-01-04", cap="2.0", unrep="0.25")), "--out", d / "afile" / "f"], "--out"),
    "forecast --out an existing file": (lambda d: ["forecast", _write(d, "k6.toml", CAL.format(
        until="2024-01-04", cap="2.0", unrep="0.25")), "--fit-until", "2024-01-02",
        "--out", d / "afile"], "afile: --out"),
    "plot --out under a file": (lambda d: ["plot", "fan", d / "batch", "--out",
                                           d / "afile" / "p"], "--out"),
    "import acled --out a folder": (lambda d: [
        "import", "acled", _write(d, "a2.csv", ACLED + ROW.format(i=1, lat=36, lon=37,
                                                                   src="s")),
        "--theatre", d / "tiny", "--actors", d / "actors.toml", "--out", d / "tiny"],
        "tiny: --out"),
    # batch folders and run folders handed to plot
    "a manifest of the wrong shape": (lambda d: ["plot", "fan", _damage(
        d, "batch", "manifest.json", b'{"spec": [1, 2]}')], "manifest.json"),
    "a truncated parquet file": (lambda d: ["plot", "fan", _damage(
        d, "batch", "series.parquet", None)], "series.parquet"),
    "an empty parquet file": (lambda d: ["plot", "fan", _damage(
        d, "batch", "series.parquet", b"")], "series.parquet"),
    "a table in the wrong file": (lambda d: ["plot", "fan", _swap(d)], "series.parquet"),
    "a non-integer day in events.csv": (lambda d: ["plot", "animate", _events_day(d)],
                                        "events.csv: row 2, column day"),
    "a wrong-typed meta.json field": (lambda d: ["plot", "animate", _damage(
        d, "run", "meta.json", b'{"scenario_file": 5}')], "meta.json: scenario_file"),
    "--fps 1e-300": (lambda d: ["plot", "animate", d / "run", "--fps", "1e-300"], "--fps"),
    "plot capture --town ../../x": (lambda d: ["plot", "capture", d / "batch", "--town",
                                               "../../x"], "--town"),
    # processes
    "--workers 10000 is capped (one warning, then the run)": (lambda d: [
        "batch", d / "e.toml", "--workers", "10000", "--out", d / "w"], None),
}


def _damage(d: Path, folder: str, name: str, data: bytes | None) -> Path:
    c = _copy(d, folder, f"{folder}_{name}_{'cut' if data is None else len(data)}")
    p = c / name
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2] if data is None else data)
    return c


def _swap(d: Path) -> Path:
    c = _copy(d, "batch", "batch_swapped")
    m = json.loads((c / "manifest.json").read_text())
    m.pop("tables")                                # an older batch: no checksums to compare
    (c / "manifest.json").write_text(json.dumps(m))
    shutil.copy(c / "events.parquet", c / "series.parquet")
    return c


def _events_day(d: Path) -> Path:
    c = _copy(d, "run", "run_day")
    lines = (c / "events.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = "1.5," + lines[1].split(",", 1)[1]
    (c / "events.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return c


@pytest.mark.parametrize("case", list(CASES))
def test_issue_example(d, case):
    make, where = CASES[case]
    o = obey(cli(make(d)), file=where, must_fail=where is not None)
    if where is None:
        assert o.code in (0, 2)
        if o.code == 0:
            assert [ln for ln in o.err.splitlines() if "warning" in ln] or "tiny" in o.out


def test_acled_bad_coordinates_are_unmatched_and_duplicates_stay_readable(d):
    rows = "".join(ROW.format(i=i, lat=lat, lon=lon, src="S" * 300) for i, (lat, lon) in
                   enumerate([("nan", "nan"), ("inf", "37"), ("95", "37"), ("36", "400")]))
    dups = "".join(ROW.format(i=100 + i, lat=36, lon=37, src="S" * 300) for i in range(3000))
    out = d / "acled_out.csv"
    o = obey(cli(["import", "acled", _write(d, "a3.csv", ACLED + rows + dups), "--theatre",
                  d / "tiny", "--actors", d / "actors.toml", "--out", out]))
    assert o.code == 0 and "4 ACLED rows not matched" in o.err
    _, got = read_rows(out)                        # the one reader reads what was written
    assert len(got) == 1 and got[0][1]["place"] == "Bravo"
    assert "and 2980 more" in got[0][1]["source"] and len(got[0][1]["source"]) < 10_000
