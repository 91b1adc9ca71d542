"""Bounds on what a user may hand in: dates, nesting, sizes, magnitudes, and the checks that
apply them. Every bound is a plain constant here, so the README and the error messages can
quote it; every check raises an InputError naming the file and the field.

The bounds are generous for the model's purpose (weeks to years of conflict between armies
of up to a few hundred thousand fighters) and tight enough that nothing downstream
overflows, recurses without end or runs for days:

- dates: 1900-01-01 .. 2200-12-31, for a scenario's start *and* its last day (Python's
  dates end in 9999, so a start near 9999 would validate and then fail when the run's
  dates are written);
- a CSV cell: at most 1,000,000 characters (Python's csv module stops at 131,072 by
  default with an exception); a file: at most 512 MiB;
- nesting: TOML and JSON files (and ``--set`` values) at most 64 levels of tables and
  arrays (deeper ones would overflow Python's recursion in the readers and copies); an
  ``extends`` chain at most 32 files; a condition may nest parentheses
  and ``not`` 32 deep and combine at most 256 atoms in at most 4,000 characters (chains of
  ``and``/``or`` are built as balanced trees, so evaluating them never recurses deeply);
- magnitudes: strengths (fighters) at most 10,000,000 per faction, deployment or
  reinforcement; any other number in a scenario at most 1e9 in size, and finite;
- a batch: at most 1,000,000 runs and 1,000,000 design points.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from ..errors import InputError

DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2200, 12, 31)
#: Characters in one CSV cell, and bytes in one input file.
MAX_CELL = 1_000_000
MAX_FILE_BYTES = 512 * 2**20
#: Levels of tables and arrays in a TOML or JSON file.
MAX_NESTING = 64
#: Files in an ``extends`` chain.
MAX_EXTENDS = 32
#: Conditions (sim.inputs.conditions).
MAX_CONDITION_CHARS = 4_000
MAX_CONDITION_DEPTH = 32
MAX_CONDITION_ATOMS = 256
#: Days a run may last (a scenario's ``days``, ``frontline run --days``).
MAX_DAYS = 3650
#: Fighters in one faction, deployment or reinforcement.
MAX_STRENGTH = 10_000_000.0     # the largest armies (and the 10,000-town benchmark) fit
#: Size of any other number in a scenario.
MAX_NUMBER = 1e9
#: Length of one road (km): half the Earth's circumference.
MAX_ROAD_KM = 20_000.0
#: Seeds: stored as 64-bit integers (parquet, numpy), so below 2**63.
MAX_SEED = 2**63 - 1
#: A batch: runs (points x replicates) and design points.
MAX_RUNS = 1_000_000
MAX_POINTS = 1_000_000


# -- numbers written as text -------------------------------------------------------------------
def ascii_number(text: str, kind: type = float) -> Any:
    """``kind(text)`` (``int`` or ``float``) for a number written in ASCII: Python's own
    int() and float() also read the digits of other scripts (Arabic-Indic '١٢', full-width
    '１２' and others are 12) and Unicode spaces around them, so a value typed in another
    script was taken as a number silently. Text with any character other than ASCII raises
    ValueError, as text that is no number does; :func:`digits_hint` says why in the
    message that refuses it."""
    if not text.isascii():
        raise ValueError(f"not written with the ASCII digits 0-9: {text!r}")
    return kind(text)


def digits_hint(text: Any) -> str:
    """``"; numbers are written with the digits 0-9"`` for text holding characters other
    than ASCII (a number in another script's digits, say), else ``""``: the end of the
    message that refuses what :func:`ascii_number` refused."""
    return "" if str(text).isascii() else "; numbers are written with the digits 0-9"


def check_date(value: dt.date, file: Any, field: str) -> dt.date:
    """``value`` if it lies in DATE_MIN..DATE_MAX, else an InputError."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not DATE_MIN <= value <= DATE_MAX:
        raise InputError(file, field, f"{value} is outside the supported dates "
                                      f"{DATE_MIN}..{DATE_MAX}")
    return value


def check_span(start: dt.date, days: int, file: Any, field: str = "start") -> None:
    """A run from ``start`` for ``days`` days must start and end within the supported
    dates (so every date it writes exists)."""
    check_date(start, file, field)
    last = start + dt.timedelta(days=max(int(days) - 1, 0))
    if last > DATE_MAX:
        raise InputError(file, field, f"a run of {days} days from {start} ends on {last}, "
                                      f"after the last supported date {DATE_MAX}")


def check_magnitudes(data: Any, file: Any, path: str = "") -> None:
    """Every number in validated scenario data is finite and at most MAX_NUMBER in size;
    every ``strength`` at most MAX_STRENGTH. ``data`` is a pydantic model dump (dicts,
    lists, scalars); the error names the dotted field path."""
    if isinstance(data, Mapping):
        for k, v in data.items():
            check_magnitudes(v, file, f"{path}.{k}" if path else str(k))
    elif isinstance(data, list | tuple):
        for i, v in enumerate(data):
            check_magnitudes(v, file, f"{path}[{i}]")
    elif isinstance(data, int | float) and not isinstance(data, bool):
        key = path.rsplit(".", 1)[-1]
        if key == "seed":
            if not 0 <= data <= MAX_SEED:
                raise InputError(file, path, f"expected a seed 0..{MAX_SEED}, got {data}")
            return
        if isinstance(data, float) and not math.isfinite(data):
            raise InputError(file, path, f"expected a finite number, got {data}")
        if key == "strength" and data > MAX_STRENGTH:
            raise InputError(file, path, f"expected at most {MAX_STRENGTH:,.0f} fighters, "
                                         f"got {data:g}")
        if abs(data) > MAX_NUMBER:
            raise InputError(file, path, f"expected a number of size at most {MAX_NUMBER:g}, "
                                         f"got {data:g}")
