"""`frontline exercises list | show N [--answers]`: the teaching worksheets."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError
from ..inputs.limits import ascii_number, digits_hint
from .worksheets import get, read_markdown, worksheets


def _number(text: str) -> int:
    try:
        return ascii_number(text, int)
    except ValueError:
        raise InputError("command line", "N", f"expected a worksheet number, got {text!r}"
                                              f"{digits_hint(text)}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
    ls = sub.add_parser("list", help="the worksheets, by number")
    ls.add_argument("--folder", type=Path, help="worksheet folder (default experiments/exercises)")
    sh = sub.add_parser("show", help="print one worksheet")
    sh.add_argument("number", type=_number, metavar="N")
    sh.add_argument("--answers", action="store_true", help="print the instructor's answer key")
    sh.add_argument("--folder", type=Path, help="worksheet folder (default experiments/exercises)")


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        for w in worksheets(args.folder):
            print(f"{w.number:2d}  {w.title}")
        return 0
    w = get(args.number, args.folder)
    if args.answers:
        if not w.answers.is_file():
            raise InputError(w.answers, "-", "no answer key for this worksheet")
        print(read_markdown(w.answers), end="")
    else:
        print(w.text, end="")
    return 0
