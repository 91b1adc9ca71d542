"""The benchmark scripts' comparison plumbing (not their timings: speed is measured by the
scripts themselves, never asserted in tests)."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import compare  # noqa: E402


def test_batch_comparison_times_whole_commands_in_each_tree():
    """Two trees (here the same one twice) get one finite, positive marginal throughput per
    round each, from real `frontline batch` commands."""
    rates = compare.batch_interleaved({"a": REPO, "b": REPO}, runs=6, rounds=1)
    assert set(rates) == {"a", "b"}
    for r in rates.values():
        assert len(r) == 1 and math.isfinite(r[0]) and r[0] > 0


def test_bench_batch_refuses_a_baseline_without_the_scenario(tmp_path):
    out = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_batch.py"),
                          "--baseline", str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1].startswith("bench_batch.py: error: command line: "
                                                          "--baseline: ")


@pytest.mark.parametrize("script,args,says", [
    ("bench_run.py", ["--profile", "-5"], "--profile"),
    ("bench_run.py", ["--baseline", "/"], "not a frontline source tree"),
    ("bench_run.py", ["--instructions"], "needs --baseline"),
    ("bench_batch.py", ["--runs", "0"], "--runs"),
    ("bench_exercises.py", ["--only", "99"], "no worksheet numbered 99"),
    ("bench_exercises.py", ["--only", "1", "99"], "no worksheet numbered 99"),   # (was ignored)
    ("forecast_suite.py", ["--members", "1"], "--members: expected an integer >= 2"),
    ("observation_check.py", ["--setting", "x=1"], "argument --setting: x: expected"),
])
def test_benchmark_flags_are_checked(script, args, says):
    """One line, as every script says a mistake (argparse printed its usage first)."""
    out = subprocess.run([sys.executable, str(REPO / "benchmarks" / script), *args],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith(f"{script}: error: command line: ") and says in last


def test_forecast_suite_checks_its_csv_before_the_suite(tmp_path, capsys, monkeypatch):
    """`--csv` under a file failed with a traceback after the whole suite (7 minutes of
    forecasts lost); now refused in one line before any forecast."""
    import forecast_suite
    monkeypatch.setattr(forecast_suite, "run_suite",
                        lambda *a: pytest.fail("the suite ran before --csv was checked"))
    (tmp_path / "afile").write_text("x")
    bad = tmp_path / "afile" / "scores.csv"
    assert forecast_suite.main(["--only", "karabakh_2020", "--csv", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"forecast_suite.py: error: {bad}: --csv: ") and err.count("\n") == 1


@pytest.fixture
def spec_folder(tmp_path):
    """A folder of calibration TOMLs: karabakh_2020 as it is (good), one with a misspelt
    prior (broken), one whose reported file is not there (no_record), one without forecast
    origins (no_origins: not a forecast spec) and an ACLED actor map (not a spec at all)."""
    src = (REPO / "calibration" / "karabakh_2020.toml").read_text(encoding="utf-8")
    src = src.replace('"../scenarios/', f'"{(REPO / "scenarios").as_posix()}/') \
        .replace('"reported/', f'"{(REPO / "calibration" / "reported").as_posix()}/')
    (tmp_path / "good.toml").write_text(src, encoding="utf-8")
    (tmp_path / "broken.toml").write_text(src.replace("morale_loss =", "morale_los ="),
                                          encoding="utf-8")
    (tmp_path / "no_record.toml").write_text(src.replace("karabakh_2020.csv", "gone.csv"),
                                             encoding="utf-8")
    (tmp_path / "no_origins.toml").write_text(src.replace("origins = [", "# origins = ["),
                                              encoding="utf-8")
    (tmp_path / "actors.toml").write_text('[factions]\narmenia = ["*armenia*"]\n',
                                          encoding="utf-8")
    return tmp_path


def test_forecast_suite_names_the_specs_it_cannot_run(spec_folder, capsys, monkeypatch):
    """A calibration spec that did not load, or whose reported file was missing, was left
    out of the suite without a word (a misspelt prior dropped a theatre from the
    leaderboard). Each is one warning line and a line under the leaderboard; a spec the
    user names with --only stops the run (one line, status 2). Files that are no forecast
    spec (no origins, an actor map) are not in the suite and not 'missing'."""
    import forecast_suite
    import pandas as pd
    specs, missing = forecast_suite.suite_specs(spec_folder, None)
    assert [s.file.stem for s in specs] == ["good"]
    assert set(missing) == {"broken", "no_record"}
    assert "params.morale_los: not a numeric parameter" in missing["broken"]
    assert "gone.csv" in missing["no_record"] and "file not found" in missing["no_record"]

    def fake_suite(specs, members, workers):       # the scores, without minutes of forecasts
        row = {"spec": "good", "day0": "2020-09-27", "origin": "2020-10-15", "origin_day": 18,
               "horizon_day": 43, "cap_days": 10.0, "members": 1000, "scored": 5,
               **{c: 1.0 for c in forecast_suite.COLUMNS}, "seconds": 1.0}
        return pd.DataFrame([{**row, "method": m}
                             for m in ("model", "persistence", "distance-speed")])
    monkeypatch.setattr(forecast_suite, "run_suite", fake_suite)
    assert forecast_suite.main(["--folder", str(spec_folder), "--workers", "1"]) == 0
    out, err = capsys.readouterr()
    warned = err.strip().splitlines()
    assert len(warned) == 2 and all(w.startswith("forecast_suite.py: warning: ") for w in warned)
    assert "broken left out of the suite: " in warned[0]
    assert "no_record left out of the suite: " in warned[1]
    note = next(ln for ln in out.splitlines() if ln.startswith("missing (could not be run): "))
    assert "broken (" in note and "no_record (" in note and "no_origins" not in note
    for only, says in ((["broken"], "broken.toml: params.morale_los: not a numeric"),
                       (["good", "no_record"], "gone.csv: -: file not found"),
                       (["no_origins"], "no_origins.toml: forecast.origins: none"),
                       (["good", "nope"], "command line: --only: no calibration spec 'nope'")):
        assert forecast_suite.main(["--folder", str(spec_folder), "--only", *only]) == 2
        err = capsys.readouterr().err
        assert err.startswith("forecast_suite.py: error: ") and err.count("\n") == 1, err
        assert says in err, err


def test_observation_check_names_the_specs_it_cannot_run(spec_folder, capsys, monkeypatch):
    """observation_check.py chooses its specs as forecast_suite.py does: the spec it cannot
    run is named under its tables."""
    import datetime as dt
    from types import SimpleNamespace

    import observation_check
    import pandas as pd
    monkeypatch.setattr(observation_check, "check_origins",
                        lambda spec: [dt.date(2020, 10, 1)])
    monkeypatch.setattr(observation_check, "forecast", lambda *a, **k: SimpleNamespace(
        summary=pd.DataFrame([{"method": "model", **{c: 1.0 for c in observation_check.SCORES}}]),
        setup=SimpleNamespace(origin=4, later=[1, 2, 3])))          # no minutes of forecasts
    assert observation_check.main(["--folder", str(spec_folder), "--workers", "1",
                                   "--setting", "as-is"]) == 0
    out = capsys.readouterr().out
    assert "missing (could not be run): broken (" in out and "no_record (" in out


def test_bench_exercises_marks_a_command_that_failed(tmp_path, capsys, monkeypatch):
    """A worksheet command that failed was timed as if it had done its work; it is marked
    and counted now, and the status is 1. A mistake the worksheet shows on purpose (a
    console-error block) is not a failure."""
    import bench_exercises

    from sim.cli.worksheets import worksheets
    (tmp_path / "01-try.md").write_text(
        "# 1. Try\n\n```console\n$ python -c \"import sys; sys.exit(3)\"\n$ python -c 1\n```"
        "\n\n```console-error\n$ python -c \"import sys; sys.exit(2)\"\nerror: on purpose\n```\n",
        encoding="utf-8")
    monkeypatch.setattr(bench_exercises, "worksheets", lambda _folder: worksheets(tmp_path))
    assert bench_exercises.main([]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].endswith("(FAILED, status 3)")
    assert "FAILED" not in lines[2] and "FAILED" not in lines[3]
    assert lines[-1].endswith("; 1 failed (their times are not the work's)")


def test_forecast_suite_keeps_a_csv_it_did_not_write_and_replaces_its_own(tmp_path, capsys,
                                                                          monkeypatch):
    """`--csv FILE` wrote over FILE whoever had made it: another table is refused before the
    suite and left byte for byte; a table an earlier suite wrote (its exact columns) is
    replaced by the new one."""
    import forecast_suite
    import pandas as pd
    rows = [{c: 1.0 for c in forecast_suite.TABLE} | {"spec": "s", "method": m}
            for m in ("model", "distance-speed")]
    table = pd.DataFrame(rows, columns=forecast_suite.TABLE)
    monkeypatch.setattr(forecast_suite, "run_suite", lambda *a: table)
    mine = tmp_path / "scores.csv"
    mine.write_text("spec,my own scores\nx,1\n", encoding="utf-8")
    assert forecast_suite.main(["--only", "karabakh_2020", "--csv", str(mine)]) == 2
    err = capsys.readouterr().err
    assert err == (f"forecast_suite.py: error: {mine}: --csv: exists and is not known as a "
                   "file frontline wrote, so it is kept: give another name, or move or delete "
                   "the file yourself\n")
    assert mine.read_text(encoding="utf-8") == "spec,my own scores\nx,1\n"
    ours = tmp_path / "suite.csv"
    table.iloc[:1].to_csv(ours, index=False)                # an earlier suite's table
    assert forecast_suite.main(["--only", "karabakh_2020", "--csv", str(ours)]) == 0
    assert pd.read_csv(ours)["method"].tolist() == ["model", "distance-speed"]
