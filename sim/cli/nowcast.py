"""`frontline nowcast SPEC --date D [--days N]`: assimilate the reports up to D, then write
the ensemble's probability-of-control map (now and after N days) and the capture-day
distribution of the likely changes of the next N days (CSV + PNG)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .args import executor, executor_options, int_arg, out_arg, show_warnings

SHOWN = 20      # likely changes listed on the screen; all of them are in changes.csv


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="calibration TOML (priors, filter)")
    parser.add_argument("--date", required=True, metavar="D",
                        help="now: reports dated up to here are assimilated")
    parser.add_argument("--days", type=int_arg("--days", 1, 365), default=3, metavar="N",
                        help="days ahead (default 3)")
    parser.add_argument("--members", type=int_arg("--members", 2, 1_000_000), metavar="N",
                        help="ensemble members (default: the spec's [assimilation] members)")
    executor_options(parser)
    parser.add_argument("--out", type=out_arg, help="output folder (default: "
                        "nowcast/<spec>_<D> in the spec's folder)")
    parser.add_argument("--quiet", action="store_true", help="no per-day progress")


#: what `frontline nowcast` writes (its control.csv starts "day0,origin,origin_day,place,")
NOWCAST_FILES = ("control.csv", "changes.csv", "control_now.png", "control_end.png",
                 "changes.png")
NOWCAST_MARK = "day0,origin,origin_day,place,"


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: keeps `frontline --help` and bad flags fast
    from ..analysis.forecast import prepare
    from ..analysis.nowcast import nowcast
    from ..inputs.calibration_spec import load_spec
    from ..inputs.files import check_owned_out
    from ..inputs.reported import parse_date
    from ..views.fits import save_figure
    from ..views.forecast_plots import plot_capture_days, plot_probability_map
    from .forecast import stamp, with_members
    spec = with_members(load_spec(args.spec), args.members)
    date = parse_date(args.date, "command line", "--date")
    out = check_owned_out(args.out or spec.file.parent / "nowcast" / f"{spec.file.stem}_{date}",
                          "nowcast", NOWCAST_FILES, {"control.csv": NOWCAST_MARK})
    prepare(spec, date, horizon_days=args.days, named=("command line", "--date"))  # before
    show_warnings()                    # any work or line: a bad date or record is one line
    progress = None if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    with executor(args) as (mapper, described):
        if not args.quiet:
            print(f"nowcast for {date} + {args.days} days ({spec.assimilation.members} "
                  f"members; {described})", file=sys.stderr)
        nc = nowcast(spec, date, args.days, mapper=mapper, progress=progress)
    s, sc = nc.setup, nc.setup.scenario
    out.mkdir(parents=True, exist_ok=True)
    stamp(nc.control, s).round(4).to_csv(out / "control.csv", index=False)
    stamp(nc.changes, s).round(4).to_csv(out / "changes.csv", index=False)
    colours = [f.colour for f in sc.spec.factions.values()]
    files = [out / "control.csv", out / "changes.csv"]
    for tag, p, day in (("now", nc.probs_now, s.origin), ("end", nc.probs_end, s.horizon)):
        head = f"{s.header}; map at the end of day {day}, {sc.date(day)}"
        files.append(save_figure(plot_probability_map(sc.theatre, p, sc.factions, colours,
                                                      head, relation=sc.relation),
                                 out / f"control_{tag}.png"))
    if len(nc.changes):
        files.append(save_figure(plot_capture_days(nc.changes, s.header), out / "changes.png"))
    print(f"{s.header}\n{s.left_out_line}\n{s.start_line}")
    print(f"likely changes in the next {args.days} days (share of members; median date):")
    for r in nc.changes.head(SHOWN).itertuples():
        print(f"  {r.place:24} -> {r.new_controller:10} {r.probability:5.0%}  {r.median_date}")
    if len(nc.changes) > SHOWN:
        print(f"  ... and {len(nc.changes) - SHOWN} more in {out / 'changes.csv'}")
    if not len(nc.changes):
        print("  none in 5% or more of the members")
    print("wrote " + ", ".join(str(f) for f in files))
    return 0
