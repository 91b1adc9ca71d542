"""A pydantic validation error as one line: the first fault, its field path and what was
expected (sim.errors.InputError), for every schema the inputs layer checks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from ..errors import InputError


def field_path(loc: Iterable[Any]) -> str:
    """A pydantic error location as a dotted field path: ``phases[2].start``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "-"


def validation_error(exc: ValidationError, file: Any, prefix: str = "") -> InputError:
    """The first fault of a pydantic validation as one InputError: the field path (the
    unknown key itself, for an unknown key) and what was expected."""
    err = first_fault(exc.errors())
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        msg = "required field is missing"
    elif "input" in err and err["type"] != "value_error":
        msg = f"{msg}, got {err['input']!r}"[:300]
    if err["type"].startswith(("date_", "datetime_")):
        msg += "; expected a date written YYYY-MM-DD, unquoted (e.g. 2024-11-27)"
    loc = field_path(err["loc"])
    unknown = re.match(r"unknown key '([^']+)'", msg)
    if unknown:
        loc = f"{loc}.{unknown.group(1)}" if loc != "-" else unknown.group(1)
    if prefix:
        loc = f"{prefix}.{loc}" if loc != "-" else prefix
    return InputError(file, loc, msg)


def first_fault(errors: list[Any]) -> Any:
    """The first fault, but for a field of a list or a table (``{low, high, num}``) whose
    first fault says it is no list: the table's fault (``num = 0``), without its type name."""
    first, k = errors[0], len(errors[0]["loc"]) - 1
    if first["type"].endswith("_type") and k >= 0 and "[" in str(first["loc"][k]):
        for e in errors[1:]:
            if (e["loc"][:k] == first["loc"][:k] and len(e["loc"]) > k and not
                    e["type"].endswith("_type") and e["loc"][k] != first["loc"][k]):
                return {**e, "loc": (*e["loc"][:k], *e["loc"][k + 1:])}
    return first
