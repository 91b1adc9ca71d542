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
