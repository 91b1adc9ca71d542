"""`frontline forecast SPEC.toml --fit-until DATE --reported FILE`: fit on the reports up to
DATE, score the forecast of every later reported change against two baselines."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError
from .args import executor, executor_options, int_arg
from .calibrate import write_outputs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="calibration TOML (parameters, budget, loss)")
    parser.add_argument("--fit-until", required=True, metavar="DATE",
                        help="fit on reports dated on or before this date (YYYY-MM-DD)")
    parser.add_argument("--reported", type=Path,
                        help="reported changes CSV (default: the spec's)")
    parser.add_argument("--replicates", type=int_arg("--replicates", 1), metavar="R",
                        help="forecast replicates (default: the spec's [forecast] replicates)")
    executor_options(parser)
    parser.add_argument("--out", type=Path,
                        help="output folder (default: calibration/forecast/<spec>_<DATE>)")
    parser.add_argument("--quiet", action="store_true", help="no per-generation progress")


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: keeps `frontline --help` and bad flags fast
    from ..analysis.forecast import forecast, prepare_forecast
    from ..inputs.calibration_spec import load_spec
    from ..inputs.files import check_out_dir
    from ..inputs.reported import parse_date
    until = parse_date(args.fit_until, "command line", "--fit-until")
    out = check_out_dir(args.out or args.spec.parent / "forecast" / f"{args.spec.stem}_{until}")
    spec = load_spec(args.spec)
    if args.replicates is not None:
        if args.replicates < 1:
            raise InputError("command line", "--replicates", "expected an integer >= 1")
        spec = spec.with_(forecast_replicates=args.replicates)
    reported = args.reported or spec.reported
    prepare_forecast(spec, until, reported)        # checked before any run
    progress = None if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    with executor(args) as (mapper, described):
        print(f"fitting on reports up to {until} ({described})", file=sys.stderr)
        summary, per_change, per_date, fitted = forecast(spec, until, reported, mapper=mapper,
                                                         progress=progress)
    out.mkdir(parents=True, exist_ok=True)
    files = write_outputs(fitted, out / "fit")
    summary.round(4).to_csv(out / "scores.csv", index=False)
    per_change.round(3).to_csv(out / "changes.csv", index=False)
    per_date.round(4).to_csv(out / "dates.csv", index=False)
    print(f"fit: {len(fitted.reported)} reports up to {until}, loss {fitted.loss:.3f} days "
          f"per change, {fitted.runs} runs in {fitted.seconds:.1f} s")
    print(f"forecast of {len(per_change)} later reported changes "
          f"({spec.forecast_replicates} model replicates; distance-speed baseline at "
          f"{summary.attrs['speed_km_per_day']:.1f} km/day; errors capped at "
          f"{spec.cap_days:g} days):\n")
    print(f"{'method':15} {'changes':>7} {'MAE days':>9} {'right ctrl':>10} {'Brier':>7}")
    for r in summary.itertuples():
        print(f"{r.method:15} {r.changes:7d} {r.mae_days:9.2f} {r.right_controller:10.2f} "
              f"{r.brier:7.3f}")
    print("\nper change (reported day; model median [10-90%]; baselines):")
    for r in per_change.itertuples():
        def d(v: float) -> str:
            return "never" if v != v else f"{v:g}"
        print(f"  {r.date} {r.place:22} -> {r.new_controller:10} day {r.reported_day:2d}; "
              f"model {d(r.model_day):>5} [{d(r.model_q10)}-{d(r.model_q90)}]; "
              f"distance-speed {d(r.distance_speed_day)}")
    print("\nwrote " + ", ".join(str(f) for f in
                                 [out / "scores.csv", out / "changes.csv", out / "dates.csv",
                                  *files]))
    return 0
