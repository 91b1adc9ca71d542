"""`frontline calibrate SPEC.toml [--workers N | --scheduler ADDR]`: the parameter posterior
of the particle filter (sim.analysis.assimilation) on the reports up to the spec's `until`;
writes params.toml (posterior medians, usable with `--params FILE`), the posterior samples,
a summary table, the reports against the members and plots."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from .args import executor, executor_options, int_arg, show_warnings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="calibration TOML (see calibration/*.toml)")
    parser.add_argument("--members", type=int_arg("--members", 2), metavar="N",
                        help="ensemble members (default: the spec's [assimilation] members)")
    executor_options(parser)
    parser.add_argument("--out", type=Path,
                        help="output folder (default: calibration/fitted/<spec name> beside "
                             "the spec)")
    parser.add_argument("--quiet", action="store_true", help="no per-day progress")


def default_out(spec_file: Path) -> Path:
    return spec_file.parent / "fitted" / spec_file.stem


def run(args: argparse.Namespace) -> int:
    import time  # here: keeps `frontline --help` fast

    from ..analysis.forecast import prepare, run_filter
    from ..inputs.calibration_spec import load_spec
    from ..inputs.files import check_out_dir
    from .forecast import print_posterior, with_members, write_fit
    t0 = time.perf_counter()
    spec = with_members(load_spec(args.spec), args.members)
    out = check_out_dir(args.out or default_out(spec.file))     # before any work
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
