"""Reading the files a user hands in: TOML and CSV, with one-line errors (InputError)."""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputError


def _text(p: Path, what: str) -> str:
    if not p.is_file():
        raise InputError(p, "-", "file not found")
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(p, "-", f"not UTF-8 text ({exc.reason} at byte {exc.start}); "
                                 f"expected {what}") from None
    if "\x00" in text:
        raise InputError(p, "-", f"binary data; expected {what}")
    return text


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file; a missing, binary, empty or malformed file is an InputError."""
    p = Path(path)
    text = _text(p, "a TOML file")
    if not text.strip():
        raise InputError(p, "-", "empty file; expected a TOML file")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(p, "-", f"invalid TOML: {exc}") from None


def read_csv(path: str | Path, required: Iterable[str], optional: Iterable[str] = (), *,
             extra_fields: bool = False, what: str = "CSV text"
             ) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and rows (with their line numbers) of a CSV file, cells stripped.

    Missing required columns, an empty file, binary data and (unless ``extra_fields``) rows
    with more fields than the header are InputErrors naming the file and the line.
    """
    p = Path(path)
    required, optional = list(required), list(optional)
    reader = csv.DictReader(_text(p, what).splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise InputError(p, "header", f"empty file; expected columns {', '.join(required)}")
    missing = [c for c in required if c not in header]
    if missing:
        opt = f" (optional: {', '.join(optional)})" if optional else ""
        raise InputError(p, "header", f"missing column(s) {', '.join(missing)}; {what} needs "
                                      f"{', '.join(required)}{opt}")
    reader.fieldnames = header
    rows = []
    for row in reader:
        if None in row and not extra_fields:
            raise InputError(p, f"row {reader.line_num}", "more fields than header columns")
        rows.append((reader.line_num,
                     {k: (v or "").strip() for k, v in row.items() if k is not None}))
    if not rows:
        raise InputError(p, "-", "no rows")
    return header, rows


def field_path(loc: Iterable[Any]) -> str:
    """A pydantic error location as a dotted field path: ``phases[2].start``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "-"


def validation_error(exc: ValidationError, file: Any, prefix: str = "") -> InputError:
    """The first fault of a pydantic validation as one InputError: the field path (the
    unknown key itself, for an unknown key) and what was expected."""
    err = exc.errors()[0]
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        msg = "required field is missing"
    elif "input" in err and err["type"] != "value_error":
        msg = f"{msg}, got {err['input']!r}"[:300]
    loc = field_path(err["loc"])
    unknown = re.match(r"unknown key '([^']+)'", msg)
    if unknown:
        loc = f"{loc}.{unknown.group(1)}" if loc != "-" else unknown.group(1)
    if prefix:
        loc = f"{prefix}.{loc}" if loc != "-" else prefix
    return InputError(file, loc, msg)
