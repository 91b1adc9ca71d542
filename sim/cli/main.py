"""`frontline`: one parser, one registry of commands.

Every command is a module of this package with ``add_arguments(parser)`` and
``run(args) -> int``; modules import what they need inside ``run`` so that ``frontline
--help`` and a bad flag answer at once. Every user mistake is an InputError (or an argparse
error) printed as one line ``frontline: error: FILE: FIELD: MESSAGE`` with exit status 2; so
is an OSError (a path the system refused: a full disk, a permission, a name too long).
Warnings are held until the command's inputs are checked (sim.cli.args.show_warnings), so
a command that fails shows only its error line.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import warnings
from types import ModuleType

from ..errors import InputError, did_you_mean, from_os_error
from ..provenance import VERSION
from . import (
    batch,
    calibrate,
    exercises,
    forecast,
    imports,
    nowcast,
    params,
    plot,
    run,
    scenarios,
    viz,
)
from .args import Parser, drop_warnings, hold_warning, show_warnings

#: command -> (module, one-line help)
COMMANDS: dict[str, tuple[ModuleType, str]] = {
    "run": (run, "run one scenario and print its control changes"),
    "scenarios": (scenarios, "list, show or validate scenarios"),
    "params": (params, "the parameter table (defaults, bounds, units, sources)"),
    "batch": (batch, "run an experiment: replicates, sweeps, sensitivity"),
    "plot": (plot, "plots of runs and batches"),
    "calibrate": (calibrate, "parameter posterior from reported control changes"),
    "forecast": (forecast, "assimilate up to an origin, forecast, score against rulers"),
    "nowcast": (nowcast, "probability-of-control map and likely changes of the next days"),
    "import": (imports, "import ACLED exports as reported events"),
    "viz": (viz, "the interactive browser view"),
    "exercises": (exercises, "teaching worksheets"),
}


@functools.cache
def build_parser() -> argparse.ArgumentParser:
    """The one parser (built once per process: parsing does not change it)."""
    p = Parser(prog="frontline", description="Agent-based simulator of factions contesting "
               "towns on a road graph.")
    p.add_argument("--version", action="version", version=f"frontline {VERSION}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name, (module, help_text) in COMMANDS.items():
        module.add_arguments(sub.add_parser(name, help=help_text))
    p.set_defaults(_commands=sub.choices)
    return p


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line; an argument the command does not take is one line naming the
    command, with the closest of its flags."""
    args, extra = build_parser().parse_known_args(argv)
    commands = vars(args).pop("_commands")
    if extra:
        name, parser = args.command, commands[args.command]
        while True:                        # down to the subcommand (`plot capture`, ...)
            subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
            chosen = getattr(args, subs[0].dest, None) if subs else None
            if chosen not in (subs[0].choices if subs else {}):
                break
            name, parser = f"{name} {chosen}", subs[0].choices[chosen]
        first = extra[0]
        options = [o for a in parser._actions for o in a.option_strings]
        hint = did_you_mean(first.split("=", 1)[0], options, n=2) if first.startswith("-") \
            else ""
        raise InputError("command line", name, f"takes no argument {first!r}{hint}; see "
                         f"`frontline {name} --help`")
    return args


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse(argv)
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = hold_warning
            code = int(COMMANDS[args.command][0].run(args) or 0)
        show_warnings()
        return code
    except InputError as exc:            # a bad input: its one line, not the warnings
        drop_warnings()
        print(f"frontline: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:              # `frontline ... | head`: the reader left; not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush quiet
        return 0
    except OSError as exc:   # a file or folder the system refused: full disk, permissions...
        print(f"frontline: error: {from_os_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("frontline: interrupted", file=sys.stderr)
        return 130

