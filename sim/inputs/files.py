"""Reading the files a user hands in (TOML, CSV, JSON) with one-line errors (InputError),
and checking the paths a command will write to before it does any work.

Bounds (sim.inputs.limits): a file of at most 512 MiB, a CSV cell of at most 1,000,000
characters, TOML and JSON nested at most 64 levels.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..errors import InputError, did_you_mean
from .limits import MAX_CELL, MAX_FILE_BYTES, MAX_NESTING
from .marks import written_by_frontline


def _near(p: Path, limit: int = 400) -> str:
    """``" (did you mean 'NAME'?)"`` for a file that is not there: the closest name among the
    files beside it and one folder down (``scenarios/x.toml`` for ``x`` typed in the project's
    folder), or ``""``. At most ``limit`` names per folder are looked at."""
    shown: dict[str, str] = {}              # a file's name (lower case) -> as suggested
    try:
        for i, c in enumerate(sorted(p.parent.iterdir())):
            if i >= limit:
                break
            if c.is_file():
                shown[c.name.lower()] = c.name
            elif c.is_dir() and not c.name.startswith("."):
                for j, g in enumerate(sorted(c.iterdir())):
                    if j >= limit:
                        break
                    if g.is_file():
                        shown.setdefault(g.name.lower(), f"{c.name}/{g.name}")
    except OSError:
        return ""
    if p.suffix:                            # a .toml stays a .toml, a .csv a .csv
        shown = {k: v for k, v in shown.items() if k.endswith(p.suffix.lower())}
    return did_you_mean(p.name, list(shown), n=1, cutoff=0.8, shown=shown)


def _text(p: Path, what: str) -> str:
    if not p.is_file():
        raise InputError(p, "-", f"file not found{_near(p)}" if not p.exists() else
                         f"not a file; expected {what}")
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(p, "-", f"{size:,} bytes, more than the {MAX_FILE_BYTES:,} "
                                     f"an input file may have")
        text = p.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(p, "-", f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(p, "-", f"not UTF-8 text ({exc.reason} at byte {exc.start}); "
                                 f"expected {what}") from None
    if "\x00" in text:
        raise InputError(p, "-", f"binary data; expected {what}")
    return text


def _toml_error(message: str, text: str) -> tuple[str, str]:
    """(field, message) for a TOML syntax error: the line (and the key on it) as the field,
    and, where the line holds something like a date, how dates are written."""
    m = re.search(r"\s*\((?:at line (\d+), column \d+|at end of document)\)$", message)
    lines = text.splitlines()
    if not m or (m.group(1) is None and not message.startswith("Unclosed array")):
        return "-", f"invalid TOML: {message}"
    n = int(m.group(1)) if m.group(1) else len(lines)
    if message.startswith("Unclosed array"):
        # the parser stops where the next key starts; the mistake is the array's own line
        opened = [k for k in range(min(n, len(lines)), 0, -1)
                  if re.match(r"\s*[^#=\[][^=]*=\s*\[", lines[k - 1])]
        if opened:
            k = opened[0]
            key = lines[k - 1].split("=", 1)[0].strip()
            return (f"line {k}" + (f" ({key})" if len(key) <= 40 else ""),
                    f"invalid TOML: unclosed array: the '[' opened on line {k} has no "
                    f"closing ']' (the parser stopped at "
                    f"{'line ' + str(n) if m.group(1) else 'the end of the file'})")
    line = lines[n - 1] if 0 < n <= len(lines) else ""
    key = line.split("=", 1)[0].strip() if "=" in line else ""
    field = f"line {n}" + (f" ({key})" if key and len(key) <= 40 else "")
    hint = ""
    if re.search(r"=\s*\d{4}-\d", line) or "date" in message.lower():
        hint = "; dates are written YYYY-MM-DD (a real day, unquoted), e.g. 2024-11-27"
    return field, f"invalid TOML: {message[:m.start()]}{hint}"


def _long_number_line(text: str) -> str:
    """``line N`` of the first run of more than 4,300 digits in ``text`` (Python's limit on
    converting a string to an integer), or ``-``."""
    m = re.search(r"\d{4301,}", text)
    return f"line {text.count(chr(10), 0, m.start()) + 1}" if m else "-"


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file; a missing, binary, empty or malformed file is an InputError."""
    p = Path(path)
    text = _text(p, "a TOML file")
    if not text.strip():
        raise InputError(p, "-", "empty file; expected a TOML file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(p, *_toml_error(str(exc), text)) from None
    except ValueError as exc:              # an integer of more digits than Python converts
        raise InputError(p, _long_number_line(text), f"invalid TOML: {exc}".split(";")[0]
                         + "; expected a number of ordinary size") from None
    except RecursionError:
        raise InputError(p, "-", f"tables or arrays nested too deeply (at most {MAX_NESTING} "
                                 "levels)") from None
    check_nesting(data, p)
    return data


def read_json(path: str | Path, what: str = "a JSON file") -> Any:
    """Read a JSON file; a missing, binary, malformed or too deeply nested file is an
    InputError."""
    p = Path(path)
    text = _text(p, what)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(p, "-", f"not valid JSON ({exc}); expected {what}") from None
    except RecursionError:
        raise InputError(p, "-", f"nested too deeply; expected {what}") from None
    check_nesting(data, p)
    return data


def check_nesting(data: Any, file: Any, limit: int = MAX_NESTING) -> None:
    """Refuse data with tables/arrays nested deeper than ``limit`` (checked without
    recursion, so any depth is safe to check)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                raise InputError(file, "-", f"tables or arrays nested more than {limit} "
                                            "levels deep")
            stack.extend((v, depth + 1) for v in (node.values() if isinstance(node, dict)
                                                   else node))


def read_csv(path: str | Path, required: Iterable[str], optional: Iterable[str] = (), *,
             extra_fields: bool = False, what: str = "CSV text", allow_empty: bool = False
             ) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and rows (with their line numbers) of a CSV file, cells stripped.

    Missing required columns, an empty file, binary data and (unless ``extra_fields``) rows
    with more fields than the header are InputErrors naming the file and the line.
    """
    p = Path(path)
    required, optional = list(required), list(optional)
    csv.field_size_limit(MAX_CELL)
    reader = csv.DictReader(io.StringIO(_text(p, what), newline=""))
    try:
        return _read_rows(p, reader, required, optional, extra_fields, what, allow_empty)
    except csv.Error as exc:
        msg = str(exc)
        if "field larger than field limit" in msg:
            msg = f"a cell longer than {MAX_CELL:,} characters"
        raise InputError(p, f"row {reader.line_num}", f"unreadable CSV: {msg}") from None


def _read_rows(p: Path, reader: csv.DictReader, required: list[str], optional: list[str],
               extra_fields: bool, what: str, allow_empty: bool
               ) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise InputError(p, "header", f"empty file; expected columns {', '.join(required)}")
    missing = [c for c in required if c not in header]
    if missing:
        opt = f" (optional: {', '.join(optional)})" if optional else ""
        said = _missing(missing, header, [*required, *optional])
        raise InputError(p, "header", f"missing column(s) {said}; {what} needs "
                                      f"{', '.join(required)}{opt}")
    twice = [c for c in (*required, *optional) if header.count(c) > 1]
    if twice:
        raise InputError(p, "header", f"column {twice[0]!r} appears more than once")
    reader.fieldnames = header
    rows = []
    for row in reader:
        if None in row and not extra_fields:
            raise InputError(p, f"row {reader.line_num}", "more fields than header columns")
        rows.append((reader.line_num,
                     {k: (v or "").strip() for k, v in row.items() if k is not None}))
    if not rows and not allow_empty:
        raise InputError(p, "-", "no rows")
    return header, rows


def _missing(missing: list[str], header: list[str], known: list[str]) -> str:
    """The missing columns, each with the header's column it looks like (``name (found
    'Name')``, ``lat (found 'lat_deg')``, ``controller (found 'controler')``), and a note
    when the whole header is one column split by semicolons or tabs (a spreadsheet's export
    in some locales)."""
    import difflib  # here: only this error path needs it

    lower = {h.lower(): h for h in header}
    said = []
    for c in missing:
        affixed = [h for h in lower if h.startswith(c + "_") or h.endswith("_" + c)]
        near = c if c in lower else affixed[0] if affixed else next(iter(
            difflib.get_close_matches(c, list(lower), n=1, cutoff=0.8)), None)
        said.append(f"{c} (found {lower[near]!r})" if near is not None and
                    lower[near] not in known else c)
    seps = [name for sep, name in ((";", "semicolons"), ("\t", "tabs"))
            if len(header) == 1 and sep in header[0]]
    split = (f" (the header is one column split by {seps[0]}: columns are separated by "
             "commas)") if seps else ""
    return ", ".join(said) + split


# -- where a command writes ----------------------------------------------------------------
def check_out_dir(path: str | Path, flag: str = "--out") -> Path:
    """A folder a command will create or write into: not an existing file, not under a
    file, and creatable or writable. Checked before any work is done: a folder that does
    not exist yet is created (with its missing parents) to see that it can be, then removed
    again (only the folders this check created, and only while they are empty)."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputError(p, flag, "is a file; expected a folder to write results into")
    _check_parents(p, flag)
    _try_to_create(p, flag)
    return p


def check_owned_out(path: str | Path, command: str, names: Iterable[str],
                    marks: dict[str, str], flag: str = "--out") -> Path:
    """A folder :func:`check_out_dir` accepts, whose files of the ``names`` ``command``
    writes (paths relative to it) are its own: when any of them is there, one of ``marks``
    (a relative path and the text that file of ``command``'s starts with) must say so.
    A user's own ``posterior.csv`` or ``control.csv`` is never overwritten: such a folder is
    refused before any work, untouched; an earlier output folder of ``command`` is written
    over."""
    p = check_out_dir(path, flag)
    names = list(names)
    folders = dict.fromkeys(str(f) for n in names for f in reversed(Path(n).parents)
                            if f != Path("."))
    blocked = [f for f in folders if (p / f).exists() and not (p / f).is_dir()]
    if blocked:
        raise InputError(p, flag, f"holds a file {blocked[0]!r} where `frontline {command}` "
                                  f"writes a folder; choose a new or empty folder or one "
                                  f"`frontline {command}` wrote")
    taken = [n for n in names if (p / n).exists()]
    if not taken:
        return p
    for mark, start in marks.items():
        try:
            with (p / mark).open("rb") as fh:
                head = fh.read(len(start.encode()))
        except OSError:
            continue
        if head == start.encode():
            return p                  # an earlier output folder of the command: written over
    shown = ", ".join(taken[:6]) + (f" and {len(taken) - 6} more" if len(taken) > 6 else "")
    raise InputError(p, flag, f"holds {shown} not written by `frontline {command}`, which it "
                              f"would overwrite; choose a new or empty folder or one "
                              f"`frontline {command}` wrote")


def _try_to_create(p: Path, flag: str) -> None:
    """Create ``p`` and its missing parents, then remove what was created (a system that
    refuses, such as ``/proc``, says so here rather than after the work)."""
    _remove(_make_folders(p, flag))


def _make_folders(p: Path, flag: str) -> list[Path]:
    """Create ``p`` and its missing parents; return the folders this call created, outermost
    first (a folder made meanwhile by someone else is theirs, not listed)."""
    missing, q = [], p
    while not q.exists() and q.parent != q:
        missing.append(q)
        q = q.parent
    made: list[Path] = []
    try:
        for d in reversed(missing):
            try:
                d.mkdir()
            except FileExistsError:
                continue
            made.append(d)
    except OSError as exc:
        _remove(made)
        raise InputError(p, flag, f"cannot create folder {exc.filename or p} "
                                  f"({exc.strerror or exc})") from None
    return made


def _remove(made: list[Path]) -> None:
    """Remove the folders a check created, deepest first (rmdir leaves a non-empty one)."""
    for d in reversed(made):
        with contextlib.suppress(OSError):
            d.rmdir()


def check_out_file(path: str | Path, flag: str = "--out") -> Path:
    """A file a command will write: not an existing folder, not under a file, and
    writable. A file that does not exist yet is created (empty) to see that it can be, then
    removed again, with the folders this check created."""
    p = Path(path)
    if p.is_dir():
        raise InputError(p, flag, "is a folder; expected a file name")
    if p.exists() and not os.access(p, os.W_OK):
        raise InputError(p, flag, "exists and is not writable")
    folder = p.parent if str(p.parent) else Path(".")
    _check_parents(folder, flag, p)
    if not p.exists():
        made = _make_folders(folder, flag)
        try:
            p.open("x").close()
            p.unlink()
        except FileExistsError:                  # made meanwhile by someone else: theirs
            pass
        except OSError as exc:
            raise InputError(p, flag, f"cannot write a file here ({exc.strerror or exc}); "
                                      "expected a writable place") from None
        finally:
            _remove(made)
    return p


def check_own_file(path: str | Path, flag: str = "--out",
                   mine: Callable[[Path], bool] = written_by_frontline, *,
                   known_as: str = "a file frontline wrote",
                   instead: str = "give another name, or move or delete the file yourself"
                   ) -> Path:
    """A file a command will write (:func:`check_out_file`) that, when it is there already,
    frontline wrote: ``mine`` recognises it (pictures and movies: by their mark,
    :mod:`sim.inputs.marks`; a CSV: by :func:`~sim.inputs.marks.csv_written`; a text for the
    user to edit: by :func:`~sim.inputs.marks.unedited`). A re-run replaces its own earlier
    output; a file of the user's (or of another program, or of a frontline too old to mark
    it) is refused before any work and left as it is. The one-line refusal says the file
    is not known as ``known_as`` and what to do ``instead``."""
    p = check_out_file(path, flag)
    if (p.exists() or p.is_symlink()) and not mine(p):
        raise InputError(p, flag, f"exists and is not known as {known_as}, so it is kept: "
                                  f"{instead}")
    return p


def _check_parents(p: Path, flag: str, target: Path | None = None) -> None:
    """The nearest existing ancestor of ``p`` (``p`` itself included) is a writable folder."""
    q = p
    while not q.exists():
        if q.is_symlink():
            raise InputError(target or p, flag, f"{q} is a broken link")
        if q.parent == q:
            break
        q = q.parent
    if q.exists() and not q.is_dir():
        raise InputError(target or p, flag, f"{q} is a file, so nothing can be written "
                                            "under it")
    if q.exists() and not os.access(q, os.W_OK | os.X_OK):
        raise InputError(target or p, flag, f"folder {q} is not writable")


def safe_name(text: str, limit: int = 80) -> str:
    """``text`` as a file-name part: letters, digits, ``-``, ``_`` and ``.`` only (no path
    separators, no leading dots), at most ``limit`` characters; never empty."""
    out = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("._")[:limit]
    return out or "_"
