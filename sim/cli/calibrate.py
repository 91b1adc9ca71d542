"""`frontline calibrate SPEC.toml [--workers N | --scheduler ADDR]`: the parameter posterior
of the particle filter (sim.analysis.assimilation) on the reports up to the spec's `until`;
writes params.toml (posterior medians, usable with `--params FILE`), the posterior samples,
a summary table, the reports against the members and plots.

`frontline calibrate SPEC.toml --new --scenario FILE --reported FILE [--until DATE]` writes a
starter spec for a scenario and record of one's own instead: over an existing file only when
it is a starter spec frontline wrote that nobody has edited since."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from .args import executor, executor_options, int_arg, out_arg, show_warnings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="calibration TOML (see calibration/*.toml)")
    parser.add_argument("--members", type=int_arg("--members", 2, 1_000_000), metavar="N",
                        help="ensemble members (default: the spec's [assimilation] members)")
    executor_options(parser)
    parser.add_argument("--out", type=out_arg,
                        help="output folder (default: fitted/<spec name> in the spec's "
                             "folder)")
    parser.add_argument("--quiet", action="store_true", help="no per-day progress")
    new = parser.add_argument_group("a starter spec for your own theatre")
    new.add_argument("--new", action="store_true",
                     help="write a starter spec at SPEC (a new file, or one an earlier "
                          "--new wrote that nobody has edited since) instead of "
                          "calibrating; needs --scenario and --reported")
    new.add_argument("--scenario", type=Path, help="with --new: the scenario TOML")
    new.add_argument("--reported", type=Path, help="with --new: the reported changes CSV")
    new.add_argument("--until", metavar="DATE",
                     help="with --new: assimilate reports up to this date, the forecast "
                          "origin (default: the date by which half the reports are in; the "
                          "later half scores the forecast)")


def default_out(spec_file: Path) -> Path:
    return spec_file.parent / "fitted" / spec_file.stem


def run(args: argparse.Namespace) -> int:
    import time  # here: keeps `frontline --help` fast

    from ..analysis.forecast import prepare, run_filter
    from ..inputs.calibration_spec import load_spec
    from ..inputs.files import check_owned_out
    from .forecast import FIT_FILES, FIT_MARKS, print_posterior, with_members, write_fit
    if args.new or args.scenario or args.reported or args.until:
        return write_starter(args)
    t0 = time.perf_counter()
    spec = with_members(load_spec(args.spec), args.members)
    out = check_owned_out(args.out or default_out(spec.file), "calibrate", FIT_FILES,
                          FIT_MARKS)                       # before any work
    progress = None if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    base_until = spec.until
    with executor(args) as (mapper, described):
        setup = prepare(spec, base_until or _last_report(spec), horizon_days=1,
                        named=(spec.file, "until") if base_until else ("command line", "spec"))
        show_warnings()
        print(f"calibrating {', '.join(spec.bounds)}: particle filter of "
              f"{spec.assimilation.members} members on {described}; {setup.origin_header}",
              file=sys.stderr)
        print(setup.left_out_line)
        ens = run_filter(setup, mapper=mapper, progress=progress)
    files = write_fit(setup, ens, out)
    print_posterior(setup, ens)
    print(f"{len(setup.fit)} reported changes up to {setup.scenario.date(setup.origin)}; "
          f"log evidence {ens.trace[-1]['log_evidence']:.2f} (the record's likelihood under "
          f"the model and priors: compare settings on it); {time.perf_counter() - t0:.1f} s")
    print("wrote " + ", ".join(str(f) for f in files))
    return 0


def _last_report(spec) -> dt.date:
    from ..inputs.reported import parse_date, read_rows  # here: keeps `--help` fast
    _, rows = read_rows(spec.reported)
    return max(parse_date(r["date"], spec.reported, f"row {line}, column date")
               for line, r in rows)


def write_starter(args: argparse.Namespace) -> int:
    """Check the scenario and the record, then write a starter spec (over an existing file
    only when it is an unedited starter spec: its signature, sim.inputs.marks.signed) and
    read it back as `frontline calibrate` would."""
    from ..errors import InputError  # here and below: keeps `frontline --help` fast
    from ..inputs.calibration_spec import check_until, load_spec, starter_text
    from ..inputs.files import check_own_file
    from ..inputs.marks import signed, unedited
    from ..inputs.reported import parse_date, read_reported
    from ..inputs.scenario import load_scenario
    if not args.new:
        flag = next(f for f in ("--scenario", "--reported", "--until")
                    if getattr(args, f[2:]))
        raise InputError("command line", flag, "only with --new (write a starter spec)")
    for flag in ("--out", "--members"):
        if getattr(args, flag[2:]) is not None:
            raise InputError("command line", flag, "not with --new (SPEC is the file it "
                                                   "writes; calibrate it afterwards)")
    for flag in ("--scenario", "--reported"):
        if getattr(args, flag[2:]) is None:
            raise InputError("command line", flag, "--new needs --scenario FILE and "
                                                   "--reported FILE")
    spec = check_own_file(args.spec, "SPEC", unedited,
                          known_as="a starter spec `frontline calibrate --new` wrote and "
                                   "nobody has edited since")
    if spec.suffix != ".toml":
        raise InputError(spec, "SPEC", "expected a file name ending in .toml")
    scenario = load_scenario(args.scenario)
    record = read_reported(args.reported, scenario)
    if not len(record):
        raise InputError(args.reported, "date", "no reported changes inside the scenario's "
                                                "dates; nothing to calibrate on")
    dates = sorted(e.date for e in record.events)
    until = (parse_date(args.until, "command line", "--until") if args.until
             else dates[(len(dates) - 1) // 2])
    check_until(until, scenario.start, scenario.date(scenario.days - 1), scenario.name,
                "command line", "--until")
    if until < dates[0]:
        raise InputError("command line", "--until", f"{until} is before the first report "
                                                    f"({dates[0]}); nothing to assimilate")
    origins = (until,) if until < dates[-1] else ()
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(signed(starter_text(spec, args.scenario, args.reported, until, origins,
                                        f"{scenario.name}: starter priors, filter and "
                                        "forecast origin")), encoding="utf-8", newline="\n")
    load_spec(spec)
    later = sum(e.date > until for e in record.events)
    print(f"wrote {spec}: {len(record) - later} reports up to {until} to assimilate, "
          f"{later} later ones to score a forecast from it; next: frontline calibrate {spec} "
          f"--workers 2")
    return 0
