"""Argument helpers shared by the commands: the one-line-error parser, checked integer
flags, and the executor options (local pool or Dask)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..inputs.limits import ascii_number, digits_hint


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are InputErrors (one line, exit 2; argparse would
    print the usage too)."""

    def error(self, message: str) -> None:
        flag = re.match(r"(--[a-z][\w-]*(?:/--[a-z][\w-]*)*): (.+)$", message, re.S)
        if flag:                       # a script's own check, ``ap.error("--flag: ...")``
            raise InputError("command line", flag.group(1), flag.group(2))
        raise InputError("command line", self.prog.split(" ", 1)[-1], message)


def int_arg(name: str, lo: int = 0, hi: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in lo..hi, or a one-line InputError naming the flag."""
    def conv(text: str) -> int:
        try:
            v = ascii_number(text, int)
        except ValueError:
            raise InputError("command line", name, f"expected an integer, got {text!r}"
                                                   f"{digits_hint(text)}") from None
        if v < lo:
            raise InputError("command line", name, f"expected an integer >= {lo}, got {v}")
        if hi is not None and v > hi:
            raise InputError("command line", name, f"expected an integer <= {hi}, got {v}")
        return v
    return conv


def float_arg(name: str, lo: float, hi: float, *, lo_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number in lo..hi (``lo`` excluded if ``lo_open``)."""
    def conv(text: str) -> float:
        try:
            v = ascii_number(text, float)
        except ValueError:
            raise InputError("command line", name, f"expected a number, got {text!r}"
                                                   f"{digits_hint(text)}") from None
        if not (lo < v if lo_open else lo <= v) or not v <= hi:
            want = f"{'more than' if lo_open else 'at least'} {lo:g} and at most {hi:g}"
            raise InputError("command line", name, f"expected a number {want}, got {text}")
        return v
    return conv


_ADDRESS = re.compile(r"^(?:(tcp|tls|inproc|ucx|ws|wss)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)"
                      r"(?::([0-9]{1,5}))?$")


def scheduler_arg(text: str) -> str:
    """A Dask scheduler address, ``[tcp://]host[:port]``, checked before connecting."""
    m = _ADDRESS.match(text.strip())
    if not m or (m.group(3) is not None and not 0 < int(m.group(3)) < 65536):
        raise InputError("command line", "--scheduler", f"expected an address such as "
                         f"tcp://host:8786, got {text!r}")
    return text.strip()


def out_arg(text: str) -> Path:
    """An argparse type for ``--out``: a path, not an empty one (an unset shell variable,
    ``--out "$OUT"``, would otherwise mean the current folder)."""
    if not text.strip():
        raise InputError("command line", "--out", f"empty ({text!r}); expected a folder or "
                                                  "file name")
    return Path(text)


def integer(text: str) -> int:
    """An argparse type for a script's integer flag: ``int`` of ASCII digits only (another
    script's digits are 'invalid integer value', as any text that is no integer)."""
    return ascii_number(text, int)


def number(text: str) -> float:
    """An argparse type for a script's number flag: ``float`` of ASCII text only."""
    return ascii_number(text, float)


#: The seed flag: a seed is stored as a 64-bit integer.
seed_arg = int_arg("--seed", 0, 2**63 - 1)


def executor_options(parser: argparse.ArgumentParser, default_workers: int = 1) -> None:
    """--workers N | --scheduler ADDRESS | --dask-local N."""
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--workers", type=int_arg("--workers", 0), default=default_workers,
                   help=f"local worker processes (default {default_workers}; 0 = one per CPU;"
                        " at most the CPU count)")
    g.add_argument("--scheduler", metavar="ADDRESS", type=scheduler_arg,
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


# -- warnings: held until a command's inputs are known to be good ------------------------------
#: warning lines not shown yet (a command that then fails shows only its one error line)
_PENDING: list[str] = []


def hold_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """``warnings.showwarning``: keep the warning as one line, to be shown by
    :func:`show_warnings` (or dropped if the command fails on a bad input)."""
    from ..errors import one_line  # here: light, and only when a warning is raised
    _PENDING.append(f"frontline: warning: {one_line(str(message), 2000)}")


def show_warnings() -> None:
    """Print the warnings held so far (commands call this once their inputs are checked)."""
    import sys  # here: only when something is shown
    for line in _PENDING:
        print(line, file=sys.stderr)
    _PENDING.clear()


def drop_warnings() -> None:
    _PENDING.clear()
