"""`frontline calibrate SPEC.toml [--workers N | --scheduler ADDR]`: fit parameters to reported
control changes; write the fitted-parameter file, a residual table and two plots."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .args import executor, executor_options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="calibration TOML (see calibration/*.toml)")
    executor_options(parser)
    parser.add_argument("--out", type=Path,
                        help="output folder (default: calibration/fitted/<spec name> beside "
                             "the spec)")
    parser.add_argument("--quiet", action="store_true", help="no per-generation progress")


def default_out(spec_file: Path) -> Path:
    return spec_file.parent / "fitted" / spec_file.stem


def write_outputs(result, out: Path) -> list[Path]:
    """params.toml, residuals.csv, generations.csv, fit.png, loss.png."""
    # imported here, not at the top: keeps `frontline --help` and bad flags fast
    from ..analysis.calibration import residual_table, write_params_file
    from ..inputs.scenario import load_scenario
    from ..views.fits import plot_fit, plot_loss, save_figure
    out.mkdir(parents=True, exist_ok=True)
    sc = load_scenario(result.spec.scenario)
    ens = result.objective.ensemble(list(result.params.values()))
    table = residual_table(result.reported, ens.sim_days, result.spec.cap_days, sc.factions)
    files = [write_params_file(result, out / "params.toml")]
    table.round(3).to_csv(out / "residuals.csv", index=False)
    files.append(out / "residuals.csv")
    with open(out / "generations.csv", "w") as fh:
        fh.write("generation,best_loss,runs\n")
        for g, loss, runs in result.generations:
            fh.write(f"{g},{loss:.4f},{runs}\n")
    files.append(out / "generations.csv")
    title = f"{sc.name}: fit to {len(result.reported)} reports up to {result.spec.until}"
    for name, fig in (("fit.png", plot_fit(table, result.objective.days - 1, title)),
                      ("loss.png", plot_loss(result.generations))):
        files.append(save_figure(fig, out / name))
    return files


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: keeps `frontline --help` fast
    from ..analysis.calibration import fit, prepare
    from ..inputs.calibration_spec import load_spec
    from ..inputs.files import check_out_dir
    out = check_out_dir(args.out or default_out(args.spec))     # before any work
    spec = load_spec(args.spec)
    prepare(spec)                   # the scenario and the reports, checked before any run
    progress = None if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    with executor(args) as (mapper, described):
        n = len(spec.bounds)
        evals = spec.popsize * n * (spec.maxiter + 1) + 1
        print(f"calibrating {', '.join(spec.bounds)} on {described}: up to {evals} "
              f"evaluations x {spec.replicates} replicates = {evals * spec.replicates} runs",
              file=sys.stderr)
        result = fit(spec, mapper=mapper, progress=progress)
    files = write_outputs(result, out)
    print(f"fitted {len(result.reported)} reported changes up to {spec.until}: loss "
          f"{result.loss:.3f} days per change (defaults: {result.default_loss:.3f}); "
          f"{result.runs} runs in {result.seconds:.1f} s")
    width = max(len(k) for k in result.params)
    for k, v in result.params.items():
        lo, hi = spec.bounds[k]
        print(f"  {k:{width}} = {v:9.4g}   [{lo:g}, {hi:g}]")
    print("wrote " + ", ".join(str(f) for f in files))
    return 0
