"""`frontline` command line: run | scenarios | params (more subcommands join as they land).

Every user mistake is an InputError (or an argparse error) printed as one line
``frontline: error: FILE: FIELD: MESSAGE`` with exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from pathlib import Path

from .errors import InputError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:   # one line, exit 2 (argparse prints usage too)
        raise InputError("command line", self.prog.split(" ", 1)[-1], message)


def int_arg(name: str, lo: int = 0, hi: int | None = None):
    """An argparse type: an integer in lo..hi, or a one-line InputError naming the flag."""
    def conv(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise InputError("command line", name, f"expected an integer, got {text!r}") from None
        if v < lo or (hi is not None and v > hi):
            want = f"{lo}..{hi}" if hi is not None else f">= {lo}"
            raise InputError("command line", name, f"expected an integer {want}, got {v}")
        return v
    return conv


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="frontline", description="Agent-based simulator of factions contesting "
                "towns on a road graph.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("run", help="run one scenario and print its control changes")
    r.add_argument("scenario", help="scenario TOML file")
    r.add_argument("--seed", type=int_arg("--seed"), help="random seed (default: the scenario's)")
    r.add_argument("--days", type=int_arg("--days", 1), help="number of days to run")
    r.add_argument("--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                   help="override a parameter or scenario field (repeatable)")
    r.add_argument("--params", type=Path, metavar="FILE",
                   help="parameter values from a TOML [params] table (e.g. a fitted file)")
    r.add_argument("--out", type=Path, help="write events, control, series, meta and map here")
    r.add_argument("--quiet", action="store_true", help="print only the summary")

    s = sub.add_parser("scenarios", help="list, show or validate scenarios")
    s_sub = s.add_subparsers(dest="action", required=True, parser_class=_Parser)
    s_sub.add_parser("list", help="table of the scenarios in a folder").add_argument(
        "folder", nargs="?", default="scenarios", type=Path)
    sh = s_sub.add_parser("show", help="the fully resolved scenario")
    sh.add_argument("name")
    v = s_sub.add_parser("validate", help="validate scenario files")
    v.add_argument("files", nargs="+", type=Path)

    sub.add_parser("params", help="the parameter table (defaults, bounds, units, sources)")
    for name, (module, help_text) in PLUGINS.items():
        mod = _plugin(module)
        if mod is not None:
            mod.add_arguments(sub.add_parser(name, help=help_text))
    return p


#: Subcommands that live in their own module. Each module defines
#: ``add_arguments(parser)`` and ``run(args) -> int``; a missing module leaves the command out.
PLUGINS: dict[str, tuple[str, str]] = {
    "batch": ("sim.batch_cli", "run an experiment: replicates, sweeps, sensitivity"),
    "plot": ("sim.plot_cli", "plots of runs and batches"),
    "calibrate": ("sim.calibrate_cli", "fit parameters to reported control changes"),
    "forecast": ("sim.forecast_cli", "fit up to a date, score the forecast after it"),
    "import": ("sim.import_cli", "import ACLED / UCDP exports as reported events"),
    "viz": ("sim.viz_cli", "the interactive browser view"),
    "exercises": ("sim.exercises_cli", "teaching worksheets"),
}


def _plugin(module: str):
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _one_line_warning
            return _dispatch(args)
    except InputError as exc:
        print(f"frontline: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("frontline: interrupted", file=sys.stderr)
        return 130


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Show a warning the way errors are shown: one line, no source code."""
    print(f"frontline: warning: {message}", file=sys.stderr)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        from .commands import cmd_run
        return cmd_run(args)
    if args.command == "scenarios":
        from .commands import cmd_scenarios
        return cmd_scenarios(args)
    if args.command == "params":
        from .params import table_markdown
        print(table_markdown())
        return 0
    if args.command in PLUGINS:
        return int(_plugin(PLUGINS[args.command][0]).run(args) or 0)
    raise InputError("command line", args.command, "unknown command")
