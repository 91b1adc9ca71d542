"""`frontline plot KIND RESULTS... [options]`: pictures of batch results (PNG and SVG).

    frontline plot capture runs/a runs/b --town Aleppo --by opposition [--reported FILE]
        [--point K]
    frontline plot control runs/a --day 2024-12-01 --faction opposition
    frontline plot fan runs/a --faction government [--measure territory_share] [--point K]
    frontline plot whatif runs/air --point 5 [--base-point 0 | --base runs/other]
    frontline plot sensitivity runs/sens

Each writes ``<stem>.png`` and ``<stem>.svg`` (``--out STEM``; default
``RESULTS/plots/<kind>...``, whose name is made only of letters, digits, ``-``, ``_`` and
``.`` whatever the town or faction is called, so it stays inside ``RESULTS/plots``) and
prints the paths. Output paths are checked before anything is drawn: an existing file is
replaced only when frontline wrote it (its mark, sim.inputs.marks), any other is kept
and the command refused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
from functools import partial
from pathlib import Path

from ..errors import InputError
from ..inputs.files import check_own_file, safe_name
from ..inputs.limits import ascii_number, digits_hint
from .args import Parser, float_arg, out_arg

KINDS = ("capture", "control", "fan", "whatif", "sensitivity", "animate")
#: --point, --base-point: kept as typed and checked against the batch's design points once
#: it is read (:func:`_point`), so that every wrong value is told the valid range
POINT = str


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="kind", required=True, parser_class=Parser)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--out", type=out_arg, help="output file stem (writes .png and .svg)")
    common.add_argument("--format", default="png,svg", help="comma-separated: png, svg, pdf")
    c = sub.add_parser("capture", parents=[common], help="capture-day histogram and ECDF")
    c.add_argument("results", nargs="+", type=Path, help="batch results folders to overlay")
    c.add_argument("--town", required=True)
    c.add_argument("--by", help="capturing faction (default: anyone)")
    c.add_argument("--reported", type=Path, metavar="FILE",
                   help="reported control changes (CSV, event schema): mark the reported day")
    c.add_argument("--point", type=POINT,
                   help="one design point of each batch (default: all runs, points pooled)")
    m = sub.add_parser("control", parents=[common], help="probability-of-control map")
    m.add_argument("results", type=Path)
    m.add_argument("--day", default="-1", help="day number or date (default: the last day)")
    m.add_argument("--faction", required=True)
    m.add_argument("--point", type=POINT, help="one design point (default: all runs)")
    f = sub.add_parser("fan", parents=[common], help="fan chart of a daily series")
    f.add_argument("results", type=Path)
    f.add_argument("--faction")
    f.add_argument("--measure", default="territory_share")
    f.add_argument("--point", type=POINT)
    w = sub.add_parser("whatif", parents=[common], help="shift of each metric from a base")
    w.add_argument("results", type=Path)
    w.add_argument("--point", type=POINT, default=None,
                   help="design point to compare (default: the last)")
    w.add_argument("--base-point", type=POINT, default="0")
    w.add_argument("--base", type=Path, help="another batch as the base")
    s = sub.add_parser("sensitivity", parents=[common], help="sensitivity index bars")
    s.add_argument("results", type=Path)
    a = sub.add_parser("animate", help="animated map of one run (GIF, and MP4 with ffmpeg)")
    a.add_argument("run_dir", type=Path, help="folder written by `frontline run --out DIR`")
    a.add_argument("--out", type=out_arg, help="GIF file (default RUN_DIR/animation.gif)")
    a.add_argument("--fps", type=float_arg("--fps", 0.1, 50.0), default=1.5,
                   help="frames (days) per second (0.1..50; default 1.5)")


def _day(text: str, exp) -> int:
    sc = exp.scenario
    is_date = "-" in text[1:]
    try:
        d = ((dt.date.fromisoformat(text) - sc.start).days if is_date
             else ascii_number(text, int))
    except ValueError:
        raise InputError("command line", "--day", f"expected a day number or a date "
                         f"(YYYY-MM-DD), got {text!r}{digits_hint(text)}") from None
    if d < 0 and not is_date:      # -1 is the last day; a date before the start is not
        d = sc.days + d
    if not 0 <= d < sc.days:
        raise InputError("command line", "--day", f"outside the run ({sc.start}.."
                         f"{sc.date(sc.days - 1)}, days 0..{sc.days - 1})")
    return d


def _point(exp, text: str | None, flag: str = "--point") -> int | None:
    """The design point ``text`` names (None: none given), or a one-line InputError naming
    ``flag`` and the batch's design points."""
    if text is None:
        return None
    try:
        point = ascii_number(text, int)
    except ValueError:
        point = None
    if point is None or not 0 <= point < len(exp.points):
        raise InputError("command line", flag, f"expected a design point, an integer "
                         f"0..{len(exp.points) - 1}, got {text!r}{digits_hint(text)}")
    return point


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: keeps `frontline --help` and bad flags fast
    from ..analysis.experiments import Experiment
    from ..views import batchplots as bp
    from ..views import shifts
    if getattr(args, "faction", None) is not None and not args.faction.strip():
        raise InputError("command line", "--faction", "empty; expected a faction's name")
    if getattr(args, "out", None) is not None and not args.out.name:
        raise InputError("command line", "--out", f"expected a file name, got {str(args.out)!r}")
    if args.kind == "animate":
        return _animate(args)
    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in ("png", "svg", "pdf")]
    if bad or not formats:
        raise InputError("command line", "--format", f"expected png, svg or pdf, got {bad}")
    if args.out:
        for f in formats:
            check_own_file(args.out.with_suffix(f".{f}"))       # before any work
    paths = args.results if isinstance(args.results, list) else [args.results]
    exps = [Experiment.from_results(p) for p in paths]
    exp = exps[0]
    plots = exp.out / "plots"
    if args.kind == "capture":
        point = _point(min(exps, key=lambda e: len(e.points)), args.point)
        stem = plots / safe_name(f"capture_{args.town}"
                                 + ("" if point is None else f"_point{point}"))
        draw = partial(bp.capture_plot, exps, args.town, args.by, reported=args.reported,
                       point=point)
    elif args.kind == "control":
        d, point = _day(args.day, exp), _point(exp, args.point)
        stem = plots / safe_name(f"control_{args.faction}_day{d}")
        draw = partial(bp.control_map, exp, d, args.faction, point)
    elif args.kind == "fan":
        point = _point(exp, args.point)
        stem = plots / safe_name(f"fan_{args.faction or exp.scenario.factions[0]}_"
                                 f"{args.measure}")
        draw = partial(bp.fan_chart, exp, args.faction, args.measure, point)
    elif args.kind == "whatif":
        base = Experiment.from_results(args.base) if args.base else None
        if base is not None:
            exps.append(base)
        point = len(exp.points) - 1 if args.point is None else _point(exp, args.point)
        base_point = _point(base or exp, args.base_point, "--base-point")
        if base is None and len(exp.points) == 1:
            raise InputError(args.results, "design", "this batch has one design point, so "
                             "there is nothing to compare in it: give --base BATCH (another "
                             "batch of the same scenario) or run a design with two points")
        if base is None and point == base_point:
            raise InputError("command line", "--point", "the same as --base-point; compare "
                             "two different design points or give --base")
        stem = plots / f"whatif_{point}_vs_{base_point}"
        draw = partial(shifts.whatif_plot, exp, point, base_point, base)
    else:
        stem = plots / "sensitivity"
        draw = partial(shifts.sensitivity_bars, exp)
    if not args.out:                  # the default names: checked before drawing, too
        for f in formats:
            check_own_file(stem.with_suffix(f".{f}"))
    fig = draw()
    for e in exps:                    # the inputs are good: now warn
        _warn_if_changed(e)
    for p in bp.save(fig, args.out or stem, formats):
        print(p)
    return 0


def _animate(args: argparse.Namespace) -> int:
    """`plot animate`: the GIF (and the MP4 beside it, with ffmpeg) checked as frontline's
    own or new before any frame is drawn."""
    from ..views.animate import animate  # here: only this subcommand needs it
    if args.out:
        gif = args.out if args.out.suffix.lower() == ".gif" else args.out.with_suffix(".gif")
    else:
        gif = args.run_dir / "animation.gif"
    if args.out or args.run_dir.is_dir():     # (no folder: animate says so, in one line)
        check_own_file(gif)
        if shutil.which("ffmpeg"):
            check_own_file(gif.with_suffix(".mp4"))
    gif = animate(args.run_dir, gif, fps=args.fps)
    print(gif)
    mp4 = gif.with_suffix(".mp4")
    if mp4.exists() and shutil.which("ffmpeg"):
        print(mp4)
    elif not shutil.which("ffmpeg"):
        print("frontline: note: no MP4 (ffmpeg is not on the PATH); the GIF has it all",
              file=sys.stderr)
    return 0


def _warn_if_changed(exp) -> None:
    """One warning line when the scenario file, its theatre or the model code is not what
    the batch ran with (its manifest's digest), naming what changed where the manifest
    kept a hash per input: a plot reads the scenario and theatre as they are now."""
    from ..analysis.driver import changed_parts  # here: keeps `frontline --help` fast
    m = exp.manifest or {}
    if not m.get("spec_hash") or m["spec_hash"] == exp.digest():
        return
    what = " and ".join(changed_parts(m, exp.digest_parts())) or \
        "the scenario, its theatre or the model code"
    print(f"frontline: warning: {exp.out}: {what} changed since this batch ran "
          f"({exp.scenario_file}); the plot reads the scenario and theatre as they are now "
          "(run the batch again into a new folder to match)", file=sys.stderr)
