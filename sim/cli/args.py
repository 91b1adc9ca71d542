"""Argument helpers shared by the commands: the one-line-error parser, checked integer
flags, and the executor options (local pool or Dask)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import InputError


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are InputErrors (one line, exit 2; argparse would
    print the usage too)."""

    def error(self, message: str) -> None:
        raise InputError("command line", self.prog.split(" ", 1)[-1], message)


def int_arg(name: str, lo: int = 0, hi: int | None = None) -> Callable[[str], int]:
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


def executor_options(parser: argparse.ArgumentParser, default_workers: int = 1) -> None:
    """--workers N | --scheduler ADDRESS | --dask-local N."""
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--workers", type=int_arg("--workers", 0), default=default_workers,
                   help=f"local worker processes (default {default_workers}; 0 = one per CPU)")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask cluster: its scheduler address (tcp://host:8786)")
    g.add_argument("--dask-local", type=int_arg("--dask-local", 1), metavar="N",
                   help="start a local Dask cluster of N worker processes")


@contextmanager
def executor(args: argparse.Namespace) -> Iterator[tuple[Any, str]]:
    """The batch executor the options ask for: (its ordered map, its description)."""
    from ..analysis.executors import make_executor  # here: keeps `frontline --help` fast
    with make_executor(workers=args.workers, scheduler=args.scheduler,
                       dask_local=args.dask_local) as ex:
        yield ex.map, ex.describe()
