"""`frontline params [--markdown]`: the parameter table (defaults, bounds, units, meanings,
sources), as text that reads in 100 columns, or as the Markdown table."""

from __future__ import annotations

import argparse
import shutil
import textwrap


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="*", metavar="NAME", help="only these parameters")
    p.add_argument("--markdown", action="store_true", help="the table as Markdown")


def text_table(width: int = 100, names: list[str] | None = None) -> str:
    """One block per parameter (all, or ``names``): name, default, bounds and unit on the
    first line; meaning and source wrapped below."""
    from ..inputs.params import TABLE  # here: keeps `frontline --help` fast
    check_names(names)
    out = []
    for p in TABLE:
        if names and p.name not in names:
            continue
        bounds = " | ".join(p.choices) if p.choices else f"{p.low:g} .. {p.high:g}"
        unit = "" if p.unit in ("-", "") else f" {p.unit}"
        default = p.default if isinstance(p.default, str) else f"{p.default:g}"
        out.append(f"{p.name} = {default}{unit}   (bounds {bounds})")
        out += textwrap.wrap(p.meaning, width, initial_indent="    ",
                             subsequent_indent="    ")
        out += textwrap.wrap(f"Source: {p.source}", width, initial_indent="    ",
                             subsequent_indent="      ")
    return "\n".join(out)


def check_names(names: list[str] | None) -> None:
    """Every NAME is a parameter of the table (a one-line error names the first that is
    not)."""
    from ..errors import InputError, did_you_mean  # here: keeps `frontline --help` fast
    from ..inputs.params import PARAMS  # here: keeps `frontline --help` fast
    for n in names or []:
        if n not in PARAMS:
            raise InputError("command line", n, f"unknown parameter{did_you_mean(n, PARAMS)}")


def run(args: argparse.Namespace) -> int:
    if args.markdown:           # only the NAMEs asked for, checked as without --markdown
        from ..inputs.params import table_markdown  # here: keeps `frontline --help` fast
        check_names(args.names)
        print(table_markdown(args.names))
        return 0
    print(text_table(min(shutil.get_terminal_size((100, 24)).columns, 100), args.names))
    return 0
