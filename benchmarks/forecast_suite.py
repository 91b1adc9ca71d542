"""The forecast benchmark: every theatre scored the same way.

For every calibration spec under ``calibration/`` that names a reported file and declares
forecast origins (``[forecast] origins``), run the forecast protocol of ``frontline forecast``
at each origin: assimilate the reports dated up to the origin with the particle filter, run
the members on to the horizon, and score them on the later reports only, beside the two
rulers (persistence: nothing changes; distance-speed: a town falls when an attacker moving at
the speed fitted on the reports before the origin reaches it by road). Prints one leaderboard
(per spec and origin, and the mean over each spec's origins) and writes it as CSV. A spec
that cannot be run (it, its scenario or its reported file does not load) is named in one
warning line and under the leaderboard; with ``--only`` naming it, the run stops there
(status 2).

    python benchmarks/forecast_suite.py                      # all specs, 2 workers
    python benchmarks/forecast_suite.py --members 200 --workers 2 --markdown
    python benchmarks/forecast_suite.py --only karabakh_2020 --csv out/suite.csv

Columns: MAE capped at the spec's ``cap_days`` and uncapped (a change that never happens counts
as the horizon + 1), CRPS of the change day (days), Brier score of the controller of every
scored place on every scored day, share of places with the right controller at the horizon,
spread/error of the model's ensemble, and the wall time of the origin. Every row states the
day origin (day 0 = the scenario's first day) and the forecast origin.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.analysis.executors import make_executor  # noqa: E402
from sim.analysis.forecast import forecast  # noqa: E402
from sim.cli.args import Parser, integer  # noqa: E402
from sim.cli.forecast import with_members  # noqa: E402
from sim.errors import InputError, did_you_mean, run_script  # noqa: E402
from sim.inputs.calibration_spec import load_spec  # noqa: E402
from sim.inputs.files import check_own_file, read_toml  # noqa: E402
from sim.inputs.marks import csv_written  # noqa: E402
from sim.inputs.reported import read_reported  # noqa: E402
from sim.inputs.scenario import load_scenario  # noqa: E402

COLUMNS = ["mae_capped", "mae_uncapped", "crps", "brier", "right_end", "spread_error"]
#: The per-origin table's columns (--csv writes them; a file of exactly this header is an
#: earlier --csv of the suite, which a re-run replaces)
TABLE = ["spec", "day0", "origin", "origin_day", "horizon_day", "cap_days", "members",
         "scored", "method", *COLUMNS, "seconds"]


def suite_specs(folder: Path, only: list[str] | None) -> tuple[list, dict[str, str]]:
    """The specs with a reported file and forecast origins (sorted by name), and the
    calibration specs left out because they cannot be run (name -> why: the spec, its
    scenario or its reported file does not load; checked here, before minutes of work).
    A TOML without ``scenario`` is no calibration spec (an ACLED actor map) and a spec
    without ``[forecast] origins`` no forecast one: neither is in the suite, and neither is
    missing from it. A spec named in ``only`` that is not in ``folder`` or cannot be run is
    an InputError (one line, status 2)."""
    paths = {p.stem: p for p in sorted(folder.glob("*.toml"))}
    for name in only or ():
        if name not in paths:
            raise InputError("command line", "--only", f"no calibration spec {name!r} in "
                             f"{folder}{did_you_mean(name, paths)}")
    specs, missing = [], {}
    for name, path in paths.items():
        if only and name not in only:
            continue
        try:
            if "scenario" not in read_toml(path) and not only:
                continue              # not a calibration spec (e.g. an ACLED actor map)
            spec = load_spec(path)
            read_reported(spec.reported, load_scenario(spec.scenario))   # both load
        except InputError as exc:
            if only:
                raise
            missing[name] = str(exc)
            warnings.warn(f"{name} left out of the suite: {exc}", stacklevel=2)
            continue
        if not spec.origins:
            if only:
                raise InputError(path, "forecast.origins", "none: not a forecast spec, so "
                                 "not in the suite")
            continue
        specs.append(spec)
    return specs, missing


def missing_note(missing: dict[str, str]) -> str:
    """The line under a table that says which specs are not in it, and why."""
    return "missing (could not be run): " + "; ".join(f"{name} ({why})"
                                                       for name, why in missing.items())


def add_spec_options(ap: argparse.ArgumentParser) -> None:
    """--folder, --only, --members and --workers (shared with observation_check.py)."""
    ap.add_argument("--folder", type=Path, default=ROOT / "calibration",
                    help="where the calibration specs are (default: calibration/)")
    ap.add_argument("--only", nargs="+", metavar="SPEC", help="spec names (file stems)")
    ap.add_argument("--members", type=integer, help="ensemble members (default: each spec's)")
    ap.add_argument("--workers", type=integer, default=2)


def chosen_specs(ap: argparse.ArgumentParser, a: argparse.Namespace
                 ) -> tuple[list, dict[str, str]]:
    """The specs the options of :func:`add_spec_options` name, checked (argparse errors:
    one line, status 2), and those left out (:func:`suite_specs`)."""
    if a.members is not None and a.members < 2:
        ap.error("--members: expected an integer >= 2")
    if a.workers < 1:
        ap.error("--workers: expected an integer >= 1")
    specs, missing = suite_specs(a.folder, a.only)
    if not specs:
        ap.error(f"--folder/--only: no calibration spec with reported changes and [forecast] "
                 f"origins in {a.folder}" + (f"; {missing_note(missing)}" if missing else ""))
    return specs, missing


def run_suite(specs: list, members: int | None, workers: int) -> pd.DataFrame:
    rows = []
    with make_executor(workers=workers) as ex:
        for spec in specs:
            spec = with_members(spec, members)
            for origin in spec.origins:
                t0 = time.perf_counter()
                res = forecast(spec, origin, mapper=ex.map)
                took = time.perf_counter() - t0
                s = res.setup
                for r in res.summary.itertuples():
                    rows.append({"spec": spec.file.stem, "day0": s.scenario.start.isoformat(),
                                 "origin": origin.isoformat(), "origin_day": s.origin,
                                 "horizon_day": s.horizon, "cap_days": spec.cap_days,
                                 "members": spec.assimilation.members, "scored": len(s.later),
                                 "method": r.method,
                                 **{c: float(getattr(r, c)) for c in COLUMNS},
                                 "seconds": round(took, 1)})
                print(f"  {spec.file.stem} from {origin}: {len(s.later)} later reports "
                      f"scored, {took:.0f} s", file=sys.stderr, flush=True)
    return pd.DataFrame(rows, columns=TABLE)


def leaderboard(df: pd.DataFrame) -> pd.DataFrame:
    """Per spec: the mean over its origins of every score, per method."""
    g = df.groupby(["spec", "method"], sort=False)
    out = g[COLUMNS].mean()
    out["origins"] = g["origin"].nunique()
    out["seconds"] = g["seconds"].sum()
    return out.reset_index()


def verdicts(board: pd.DataFrame) -> list[str]:
    """One line per spec: does the model beat distance-speed on MAE (capped) and CRPS?"""
    lines = []
    for spec, t in board.groupby("spec", sort=False):
        m = t[t.method == "model"].iloc[0]
        d = t[t.method == "distance-speed"].iloc[0]
        mae, crps = m.mae_capped < d.mae_capped, m.crps < d.crps
        both = "beats" if mae and crps else ("loses to" if not (mae or crps) else "splits with")
        lines.append(f"{spec}: the model {both} distance-speed (MAE capped {m.mae_capped:.2f} "
                     f"vs {d.mae_capped:.2f}, CRPS {m.crps:.2f} vs {d.crps:.2f})")
    return lines


def markdown(t: pd.DataFrame) -> str:
    """A Markdown table (floats to 2 decimals)."""
    def cell(v: object) -> str:
        return f"{v:.2f}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(map(str, t.columns)) + " |",
             "|" + "|".join("---" for _ in t.columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in t.itertuples(index=False)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """The tables; a bad flag or spec is one line ``forecast_suite.py: error: ...``, status
    2 (argparse printed its usage first)."""
    return run_script("forecast_suite.py", lambda: suite(argv))


def suite(argv: list[str] | None) -> int:
    ap = Parser(description=__doc__.splitlines()[0])
    add_spec_options(ap)
    ap.add_argument("--csv", type=Path, help="write the per-origin table here")
    ap.add_argument("--markdown", action="store_true", help="print tables as Markdown")
    a = ap.parse_args(argv)
    specs, missing = chosen_specs(ap, a)
    if a.csv is not None:                  # before the suite's minutes of work, not after
        check_own_file(a.csv, "--csv", mine=csv_written(TABLE))
    t0 = time.perf_counter()
    df = run_suite(specs, a.members, a.workers)
    wall = time.perf_counter() - t0
    if a.csv:
        a.csv.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(a.csv, index=False)
    show = markdown if a.markdown else \
        (lambda t: t.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print("per origin (day 0 = each scenario's first day; origin_day = the forecast origin "
          "as a day; scored on reports dated after the origin only):")
    print(show(df.drop(columns=["day0", "cap_days", "members"])))
    board = leaderboard(df)
    print(f"\nleaderboard (mean over each spec's origins; members per spec: "
          f"{a.members or 'as in each spec'}; {a.workers} worker(s); total {wall:.0f} s):")
    print(show(board))
    if missing:
        print(missing_note(missing))
    print()
    for line in verdicts(board):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
