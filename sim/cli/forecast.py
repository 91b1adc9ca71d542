"""`frontline forecast SPEC --origin DATE` (or `--origins A..B`; `--fit-until DATE` is the
old name of `--origin`): assimilate the reports up to each origin with the particle filter,
forecast to the horizon, score the model and the two rulers at every lead time; write the
score tables, the members' events and the plots."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from ..errors import InputError
from .args import executor, executor_options, int_arg, out_arg, show_warnings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="calibration TOML (priors, filter, forecast)")
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--origin", metavar="DATE", help="forecast origin: reports dated up to "
                   "here are assimilated, later ones scored (default: the spec's "
                   "[forecast] origins, else its `until`)")
    g.add_argument("--fit-until", metavar="DATE", dest="origin", help=argparse.SUPPRESS)
    g.add_argument("--origins", metavar="A..B", help="rolling origins: every day from A to B")
    parser.add_argument("--reported", type=Path, help="reported changes CSV (default: the "
                                                      "spec's)")
    parser.add_argument("--members", type=int_arg("--members", 2, 1_000_000), metavar="N",
                        help="ensemble members (default: the spec's [assimilation] members)")
    parser.add_argument("--horizon-days", type=int_arg("--horizon-days", 1, 365), metavar="N",
                        help="days after the origin (default: the spec's, else the "
                             "scenario's end)")
    executor_options(parser)
    parser.add_argument("--out", type=out_arg, help="output folder (default: "
                        "forecast/<spec>_<origin> in the spec's folder)")
    parser.add_argument("--quiet", action="store_true", help="no per-day progress")


def origins_of(args: argparse.Namespace, spec) -> tuple[list[dt.date], tuple[object, str]]:
    """The origins to forecast from, and the (file, field) they came from: an origin outside
    the scenario is blamed on that."""
    from ..inputs.reported import parse_date  # here: keeps `frontline --help` fast
    if args.origins is not None:           # (an empty one is refused, not ignored)
        a, sep, b = args.origins.partition("..")
        if not sep:
            raise InputError("command line", "--origins", f"expected A..B, got "
                                                          f"{args.origins!r}")
        start, end = (parse_date(x, "command line", "--origins") for x in (a, b))
        if end < start:
            raise InputError("command line", "--origins", f"{end} is before {start}")
        return ([start + dt.timedelta(days=k) for k in range((end - start).days + 1)],
                ("command line", "--origins"))
    if args.origin is not None:
        return [parse_date(args.origin, "command line", "--origin")], ("command line", "--origin")
    if spec.origins:
        return list(spec.origins), (spec.file, "forecast.origins")
    if spec.until:
        return [spec.until], (spec.file, "until")
    raise InputError(spec.file, "until", "no origin: give --origin DATE or set `until` or "
                                         "[forecast] origins in the spec")


#: what `frontline calibrate` writes (and `forecast` under fit/), and how its files start
FIT_FILES = ("params.toml", "posterior_samples.csv", "posterior.csv", "residuals.csv",
             "filter.csv", "fit.png", "posterior.png")
FIT_MARKS = {"params.toml": "# Posterior of the particle filter (`frontline calibrate`)",
             "filter.csv": "day0,origin,origin_day,day,"}
#: what `frontline forecast` writes for one origin
FORECAST_FILES = ("scores.csv", "by_lead.csv", "changes.csv", "pairs.csv", "reliability.csv",
                  "pit.csv", "ensemble_events.parquet", "lead_time.png", "reliability.png",
                  "pit.png", *(f"fit/{f}" for f in FIT_FILES))
SCORES_MARK = "day0,origin,origin_day,method,"


def check_forecast_out(out: Path, origins: list) -> Path:
    """``--out`` of a forecast: a new or empty folder, or one a forecast wrote (its
    scores.csv says so); a user's own scores.csv or pit.png is never overwritten."""
    from ..inputs.files import check_owned_out  # here: keeps `frontline --help` fast
    if len(origins) == 1:
        names, marks = FORECAST_FILES, {"scores.csv": SCORES_MARK,
                                        **{f"fit/{k}": v for k, v in FIT_MARKS.items()}}
    else:
        names = ("scores.csv", "by_lead.csv", "lead_time.png",
                 *(f"{o}/{f}" for o in origins for f in FORECAST_FILES))
        marks = {f: SCORES_MARK for f in ("scores.csv", *(f"{o}/scores.csv" for o in origins))}
    return check_owned_out(out, "forecast", names, marks)


def with_members(spec, members: int | None):
    if members is None:
        return spec
    return spec.with_(assimilation=spec.assimilation.model_copy(update={"members": members}))


def stamp(df, setup):
    """Every table states its day origin: day0, origin (date) and origin_day columns."""
    df = df.copy()
    df.insert(0, "origin_day", setup.origin)
    df.insert(0, "origin", setup.scenario.date(setup.origin).isoformat())
    df.insert(0, "day0", setup.scenario.start.isoformat())
    return df


def fit_meta(setup, ens) -> dict:
    """The [posterior] table of params.toml."""
    spec, a = setup.spec, setup.spec.assimilation
    return {"spec": str(spec.file), "scenario": str(spec.scenario),
            "reported": str(spec.reported), "day0": setup.scenario.start,
            "origin": setup.scenario.date(setup.origin), "origin_day": setup.origin,
            "reported_changes": len(setup.fit), "members": len(ens.z), "seed": spec.seed,
            "miss_probability": a.miss_probability,
            "date_tolerance_days": a.date_tolerance_days,
            "unreported_penalty": a.unreported_penalty, "dependence": a.dependence,
            "discount": a.discount,
            "ess_threshold": a.ess_threshold, "left_out": list(setup.left_out),
            "fitted_on": dt.date.today()}


def print_posterior(setup, ens) -> None:
    """The posterior table and its one-line warnings."""
    from ..analysis.posterior import summarize, warnings_for  # here: keeps --help fast
    table = summarize(ens.prior, ens.z)
    print(f"posterior at the origin ({setup.origin_header}; {len(ens.z)} members, "
          f"{len(setup.fit)} reports):")
    w = max(len(n) for n in table.parameter)
    print(f"  {'parameter':{w}} {'median':>9} {'90% interval':>21} {'prior':>17}  constrained")
    for r in table.itertuples():
        print(f"  {r.parameter:{w}} {r.median:9.4g} [{r.q05:9.4g}, {r.q95:9.4g}] "
              f"[{r.low:6g}, {r.high:6g}] {r.scale:>3}  "
              f"{'yes' if r.constrained else 'no'} ({r.width_ratio:.2f} of the prior width)")
    for line in warnings_for(table, len(setup.fit)):
        print(f"frontline: warning: {line}")


def write_fit(setup, ens, out: Path) -> list[Path]:
    """The posterior at the origin, the reports against the members, the filter's trace."""
    import pandas as pd  # here: keeps `frontline --help` fast

    from ..analysis.forecast import fit_table
    from ..analysis.posterior import summarize, write_posterior
    from ..views.fits import plot_fit, save_figure
    from ..views.forecast_plots import plot_posterior
    files = write_posterior(out, ens.prior, ens.z, setup.spec.fixed, fit_meta(setup, ens))
    table = fit_table(setup, ens)
    stamp(table, setup).round(3).to_csv(out / "residuals.csv", index=False)
    stamp(pd.DataFrame(ens.trace), setup).to_csv(out / "filter.csv", index=False)
    samples = pd.read_csv(out / "posterior_samples.csv")
    files += [out / "residuals.csv", out / "filter.csv",
              save_figure(plot_fit(table, setup.origin + 1, f"Reports up to the origin "
                                   f"against the members\n{setup.origin_header}"),
                          out / "fit.png"),
              save_figure(plot_posterior(samples, summarize(ens.prior, ens.z), ens.trace,
                                         setup.origin_header), out / "posterior.png")]
    return files


def write_forecast(res, out: Path) -> list[Path]:
    import pandas as pd  # here: keeps `frontline --help` fast
    import pyarrow as pa

    from ..analysis import scores as S
    from ..analysis.forecast import ensemble_events
    from ..records import arrow_schema
    from ..views.fits import save_figure
    from ..views.forecast_plots import plot_lead, plot_pit, plot_reliability
    out.mkdir(parents=True, exist_ok=True)
    s = res.setup
    files = write_fit(s, res.ensemble, out / "fit")
    tables = {"scores.csv": res.summary, "by_lead.csv": res.lead, "changes.csv": res.changes,
              "pairs.csv": res.pairs,
              "reliability.csv": pd.concat([t.assign(method=m) for m, t in
                                            res.reliability.items()], ignore_index=True),
              "pit.csv": S.pit_table(res.changes.model_pit.to_numpy())}
    for name, df in tables.items():
        stamp(df, s).round(4).to_csv(out / name, index=False)
        files.append(out / name)
    import pyarrow.parquet as pq  # here: keeps `frontline --help` fast
    ev = ensemble_events(s, res.rows)
    pq.write_table(pa.Table.from_pandas(ev, schema=arrow_schema(), preserve_index=False),
                   out / "ensemble_events.parquet")
    files.append(out / "ensemble_events.parquet")
    for name, fig in (("lead_time.png", plot_lead(res.lead, s.header)),
                      ("reliability.png", plot_reliability(res.reliability, s.header)),
                      ("pit.png", plot_pit(res.changes.model_pit.to_numpy(), s.header))):
        files.append(save_figure(fig, out / name))
    return files


def print_forecast(res, spec) -> None:
    s = res.setup
    print(f"\n{s.header}\n{s.left_out_line}\n{s.start_line}")
    print(f"assimilated {len(s.fit)} reports up to the origin with {len(res.rows)} members; "
          f"scored {len(s.later)} later reports; distance-speed at "
          f"{res.detail['speed_km_per_day']:.1f} km/day; {res.seconds:.1f} s")
    print_posterior(s, res.ensemble)
    if not len(s.later):
        print(f"\nno reported change after the origin up to the horizon (day {s.horizon}, "
              f"{s.scenario.date(s.horizon)}) in {s.record.file.name}: nothing to score (the "
              f"scores are nan); ensemble_events.parquet keeps the forecast for later reports")
    print(f"\nscores ({s.header}; MAE capped at {spec.cap_days:g} days; never = horizon + 1 "
          f"= day {s.horizon + 1} when uncapped):")
    if spec.assimilation.report_date_noise and spec.assimilation.date_tolerance_days > 0:
        print(f"(the model forecasts report dates: each member's change days and map carry a "
              f"date error of up to {spec.assimilation.date_tolerance_days} days either way, "
              f"report_date_noise; ensemble_events.parquet keeps the members' own days)")
    print(f"{'method':15} {'MAE cap':>7} {'MAE':>6} {'CRPS':>6} {'Brier':>6} {'log':>6} "
          f"{'right all':>9} {'right end':>9} {'spread/err':>10}")
    for r in res.summary.itertuples():
        print(f"{r.method:15} {r.mae_capped:7.2f} {r.mae_uncapped:6.2f} {r.crps:6.2f} "
              f"{r.brier:6.3f} {r.log_score:6.3f} {r.right_all:9.2f} {r.right_end:9.2f} "
              f"{r.spread_error:10.2f}")
    print("(right all: share of scored places with the record's controller most probable, "
          "over every day after the origin; right end: on the last day)")
    print(f"\nby lead time (days after the origin; {s.header}):")
    print(f"{'lead':>4} {'method':15} {'changes':>7} {'CRPS':>6} {'MAE':>6} {'Brier':>6} "
          f"{'right':>6}")
    def num(v: float) -> str:                  # no change at this lead: no CRPS or MAE
        return f"{v:6.2f}" if v == v else f"{'-':>6}"
    for r in res.lead.sort_values(["lead", "method"], kind="stable").itertuples():
        n = 0 if r.changes != r.changes else int(r.changes)
        print(f"{int(r.lead):4d} {r.method:15} {n:7d} {num(r.crps)} {num(r.mae_uncapped)} "
              f"{r.brier:6.3f} {r.right:6.2f}")
    print("(CRPS and MAE over the changes reported at each lead, '-' where there are none; "
          "Brier and right over every scored place)")
    print("\nper later change (reported day; model median [10-90%], share of members; "
          "distance-speed):")
    for r in res.changes.itertuples():
        def d(v: float) -> str:
            return "never" if v != v else f"{v:g}"
        print(f"  {r.date} {r.place:22} -> {r.new_controller:10} day {r.reported_day:2d}; "
              f"model {d(r.model_median):>5} [{d(r.model_q10)}-{d(r.model_q90)}] "
              f"{r.model_happened:4.0%}; distance-speed {d(r.distance_speed_day)}")


def run(args: argparse.Namespace) -> int:
    import pandas as pd  # here: keeps `frontline --help` fast

    from ..analysis.forecast import forecast, prepare
    from ..inputs.calibration_spec import load_spec
    from ..views.fits import save_figure
    from ..views.forecast_plots import plot_lead
    spec = with_members(load_spec(args.spec), args.members)
    origins, named = origins_of(args, spec)
    tag = f"{origins[0]}" if len(origins) == 1 else f"{origins[0]}..{origins[-1]}"
    out = check_forecast_out(args.out or spec.file.parent / "forecast" /
                             f"{spec.file.stem}_{tag}", origins)
    for o in origins:              # every origin checked before any work starts
        prepare(spec, o, args.horizon_days, args.reported, named=named)
    show_warnings()
    progress = None if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    results = []
    with executor(args) as (mapper, described):
        for o in origins:
            print(f"forecast from {o} ({spec.assimilation.members} members; {described})",
                  file=sys.stderr)
            res = forecast(spec, o, mapper=mapper, progress=progress, reported=args.reported,
                           horizon_days=args.horizon_days)
            where = out if len(origins) == 1 else out / str(o)
            files = write_forecast(res, where)
            print_forecast(res, spec)
            results.append(res)
    if len(results) > 1:
        scores = pd.concat([stamp(r.summary, r.setup) for r in results], ignore_index=True)
        lead = pd.concat([stamp(r.lead, r.setup) for r in results], ignore_index=True)
        scores.round(4).to_csv(out / "scores.csv", index=False)
        lead.round(4).to_csv(out / "by_lead.csv", index=False)
        sc = results[0].setup.scenario
        empty = [str(r.setup.scenario.date(r.setup.origin)) for r in results
                 if not len(r.setup.later)]       # nothing to score: nan, left out of means
        mean = f"mean over {len(results) - len(empty)} of {len(results)} origins"
        if empty:
            mean += f"; {', '.join(empty)} had no later report to score"
        header = f"day 0 = {sc.start}; origins {tag} ({mean})"
        files = [out / "scores.csv", out / "by_lead.csv",
                 save_figure(plot_lead(lead, header), out / "lead_time.png")]
        print(f"\nrolling origins ({header}):")
        print(scores.groupby("method", sort=False)[["mae_capped", "mae_uncapped", "crps",
                                                   "brier", "log_score", "right_all",
                                                   "right_end", "spread_error"]]
              .mean().round(3).to_string())
    print("\nwrote " + ", ".join(str(f) for f in files))
    return 0
