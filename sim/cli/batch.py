"""`frontline batch EXPERIMENT [--workers N] [--scheduler ADDRESS | --dask-local N] [--out DIR]
[--set NAME=VALUE ...] [--replicates N]`

Runs an experiment (replicates, a sweep or a sensitivity design), streaming results to
``DIR`` (default ``runs/<experiment>``); the same command again runs only what is missing.
Prints the summary (mean and quantiles per metric, per design point) and writes it to
``summary.csv``. For a sobol or morris design (hundreds of points) the screen gets the summary
over all runs and the indices table (one row per metric and parameter, with 95% half-widths;
a warning line when the intervals show too few samples); the per-point table goes to
``summary.csv`` and the indices to ``sensitivity.csv``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from ..inputs.files import check_out_dir
from ..inputs.limits import MAX_RUNS
from .args import int_arg, out_arg, scheduler_arg, show_warnings

MAX_POINTS_ON_SCREEN = 12      # more design points: the per-point table goes to the file only


def _fmt(x: float) -> str:
    """Table numbers: three significant digits, no e-notation."""
    from ..views.batchplots import num  # here: keeps `frontline --help` fast
    return num(x)


def seeds_line(seed: int, common: bool, points: int) -> str:
    """Which seeds a batch runs: spawned from the experiment's seed (sim.analysis.experiments),
    not the seeds 0, 1, ... that ``frontline run --seeds`` and scripts/compare_whatifs.py
    run by default (compare_whatifs.py's ``--batch-seed`` runs the batch's replicates)."""
    who = "replicate r of every point" if common else "run r"
    same = (f"; scripts/compare_whatifs.py --batch-seed {seed} runs these"
            if common or points == 1 else "")
    return (f"seeds: spawned from the experiment's seed {seed} ({who} runs seed "
            f"run_seed({seed}, r), column 'seed' of runs.parquet), not seed r as in "
            f"frontline run --seeds{same}")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", type=Path, help="experiment TOML file")
    p.add_argument("--workers", type=int_arg("--workers", 0), default=0,
                   help="local worker processes (default 0: one per CPU; 1: this process)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", type=scheduler_arg,
                       help="run on a Dask cluster: its scheduler address (tcp://host:8786)")
    where.add_argument("--dask-local", type=int_arg("--dask-local", 1), metavar="N",
                       help="start a local Dask cluster of N worker processes")
    p.add_argument("--params", type=Path, metavar="FILE",
                   help="parameter values from a TOML [params] table (e.g. a fitted file)")
    p.add_argument("--set", dest="overrides", action="append", default=[],
                   metavar="NAME=VALUE", help="override a parameter or scenario field for "
                   "every run, after --params (repeatable)")
    p.add_argument("--replicates", type=int_arg("--replicates", 1, MAX_RUNS), metavar="N",
                   help="replicates per design point (default: the experiment's)")
    p.add_argument("--out", type=out_arg, help="results folder (default: runs/<experiment>)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: keeps `frontline --help` and bad flags fast
    import pandas as pd

    from ..analysis.experiments import Experiment
    from ..inputs.overrides import parse_set
    from ..inputs.params import load_params_file
    from ..inputs.scenario import DOCTRINE
    if args.out:
        check_out_dir(args.out)
    params = {**(load_params_file(args.params) if args.params else {}),
              **parse_set(args.overrides)}
    exp = Experiment.from_file(args.experiment, out=args.out, params=params or None,
                               replicates=args.replicates)
    check_out_dir(exp.out)
    d = exp.spec.design
    clash = [n for n in exp.names if n in exp.spec.overrides]
    if clash:
        warnings.warn(f"{', '.join(clash)}: swept by the design and also set (--set, --params "
                      "or the experiment's overrides); every run uses the design's values",
                      stacklevel=2)
    for name in (n for n in exp.names if n in DOCTRINE):
        own = [f for f, spec in exp.scenario.spec.factions.items()
               if getattr(spec, name) is not None]
        if own:
            warnings.warn(f"{name}: swept, but {', '.join(own)} set{'s' if len(own) == 1 else ''}"
                          f" {'its' if len(own) == 1 else 'their'} own value in the scenario, "
                          "which the sweep does not change (sweep "
                          f"factions.{own[0]}.{name} for {'it' if len(own) == 1 else 'one'})",
                          stacklevel=2)
    for name in exp.names:
        where = exp.scenario.set_by_events(name)
        if where:
            warnings.warn(f"{name}: swept, but a params event of the scenario sets it "
                          f"({', '.join(where)}); from then on every run uses the event's "
                          "value", stacklevel=2)
    heading = (f"{exp.name}: scenario {exp.scenario.name!r}, {d.kind} design, "
               f"{len(exp.points)} point(s) x {exp.spec.replicates} replicate(s) = "
               f"{exp.n_runs} runs -> {exp.out}")

    def announce() -> None:         # the folder is locked and checked: now warn, then start
        show_warnings()
        print(heading, file=sys.stderr)
        print(seeds_line(exp.spec.seed, exp.spec.common_random_numbers, len(exp.points)),
              file=sys.stderr)

    exp.run(workers=args.workers, scheduler=args.scheduler, dask_local=args.dask_local,
            progress=not args.no_progress, announce=announce)
    manifest = exp.out / "manifest.json"
    if not (exp.out / "runs.parquet").is_file():
        print(f"some runs failed; see {manifest}", file=sys.stderr)
        return 1
    from ..analysis.metrics import summarise  # here: see above
    from ..views.shifts import sensitivity_table, sensitivity_warning  # here: see above
    many = d.kind in ("sobol", "morris") or len(exp.points) > MAX_POINTS_ON_SCREEN
    with pd.option_context("display.width", 160, "display.max_columns", 30,
                           "display.float_format", _fmt):
        summary = exp.summary()
        summary.to_csv(exp.out / "summary.csv", index=False)
        if many:
            print(f"summary over all {len(exp.runs)} runs (per design point: "
                  f"{exp.out / 'summary.csv'})")
            summary = summarise(exp.runs, exp.metrics)
        cols = [c for c in summary.columns if summary[c].notna().any()]
        print(summary[cols].to_string(index=False))
        if "missing" in cols:
            print("('missing': the share of runs where the metric is undefined, e.g. a town "
                  "never captured; the other columns are over the runs where it is defined)")
        if "unit" in summary and summary["unit"].astype(str).str.startswith("day").any():
            print(f"(day 0 = {exp.scenario.start}, the scenario's first day)")
        if d.kind in ("sobol", "morris"):
            sens = exp.sensitivity()
            sens.to_csv(exp.out / "sensitivity.csv", index=False)
            print(f"\nsensitivity indices ({d.kind}; *_conf: 95% interval half-width; "
                  f"table: {exp.out / 'sensitivity.csv'})")
            print(sensitivity_table(sens).to_string(index=False))
            warning = sensitivity_warning(sens, len(exp.points))
            if warning:
                print(f"frontline: warning: {warning}", file=sys.stderr)
    wrote = ["runs.parquet", *(f"{t}.parquet" for t in ("events", "series")
                               if getattr(exp.spec, t)), "summary.csv",
             *(["sensitivity.csv"] if d.kind in ("sobol", "morris") else []), "manifest.json"]
    print(f"\nwrote {exp.out}/{', '.join(wrote)}", file=sys.stderr)
    return 0
