"""`frontline params`: the parameter table (defaults, bounds, units, meanings, sources)."""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    del p          # no options


def run(args: argparse.Namespace) -> int:
    from ..inputs.params import table_markdown  # here: keeps `frontline --help` fast
    print(table_markdown())
    return 0
