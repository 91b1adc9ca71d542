"""How frontline marks the files it writes, and knows them again: a later command replaces a
file of its own and keeps any other (:func:`sim.inputs.files.check_own_file`)."""

from __future__ import annotations

import csv
import hashlib
import re
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .limits import MAX_CELL

#: What frontline writes into each picture or movie it makes (a PNG's ``Software``, an SVG's
#: or PDF's ``Creator``, a GIF's or MP4's comment), so that a later command knows the file
#: is its own: :func:`~sim.inputs.files.check_own_file` replaces a file carrying it and
#: keeps any other.
MARK = "frontline conflict simulator"
#: Bytes read to find the mark: the start of an SVG, the end of a PDF or an MP4.
_MARK_BYTES = 1 << 20
#: The last line of a text frontline writes for the user to edit (a starter spec), before
#: the hash of the lines above it: :func:`unedited` knows the file as frontline's only while
#: they are as written, so that a re-run never replaces the user's edits.
SIGNED = "# frontline wrote this; re-runs replace it only while the lines above match sha256 "


def marked(path: str | Path) -> dict[str, Any]:
    """The matplotlib ``savefig`` arguments that mark the picture ``path`` as frontline's:
    ``metadata`` for a PNG (no suffix: matplotlib's PNG), SVG or PDF; none for a format that
    takes no metadata (JPEG, say)."""
    key = {"": "Software", ".png": "Software", ".svg": "Creator", ".pdf": "Creator"}.get(
        Path(path).suffix.lower())
    return {"metadata": {key: MARK}} if key else {}


def written_by_frontline(p: Path) -> bool:
    """Whether picture or movie ``p`` carries :data:`MARK` where frontline puts it (see
    :func:`marked`; GIFs and MP4s: their comment). Any other file is not known to be
    frontline's."""
    suffix = p.suffix.lower()
    try:
        if suffix in (".png", ".gif"):
            from PIL import Image  # here: only this check needs it
            with warnings.catch_warnings():     # (a huge picture of the user's: no warning)
                warnings.simplefilter("ignore")
                with Image.open(p) as im:
                    said = im.info.get("Software" if suffix == ".png" else "comment", "")
            if isinstance(said, bytes):
                said = said.decode("utf-8", "replace")
            return isinstance(said, str) and said.startswith(MARK)
        with p.open("rb") as fh:
            if suffix == ".svg":
                head = fh.read(_MARK_BYTES).decode("utf-8", "replace")
                meta = head[:head.find("</metadata>")] if "</metadata>" in head else ""
                return re.search(r"<dc:creator>\s*<cc:Agent>\s*<dc:title>"
                                 + re.escape(MARK), meta) is not None
            fh.seek(max(0, p.stat().st_size - _MARK_BYTES))
            tail = fh.read()
    except Exception:             # noqa: BLE001 - any file that cannot be read as one: not ours
        return False
    if suffix == ".pdf":
        return f"/Creator ({MARK}".encode() in tail
    if suffix == ".mp4":
        return re.search(rb"\xa9cmt.{0,24}" + re.escape(MARK.encode()), tail, re.S) is not None
    return False


def csv_written(columns: Iterable[str] | Callable[[list[str]], bool],
                row: Callable[[dict[str, str]], bool] | None = None) -> Callable[[Path], bool]:
    """A recogniser for :func:`check_own_file` of a CSV a command writes: its header is
    exactly ``columns`` (or passes ``columns``, a test of the header, for a table that
    keeps the user's columns beside the command's) and every row, as long as the header,
    passes ``row`` (when given: what only the command writes in it, such as the import's
    notes)."""
    exact = None if callable(columns) else list(columns)

    def header_ok(header: list[str]) -> bool:
        return header == exact if exact is not None else bool(columns(header))

    def mine(p: Path) -> bool:
        csv.field_size_limit(MAX_CELL)
        try:
            with p.open(encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                header = next(reader, None)
                if header is None or not header_ok(header):
                    return False
                return row is None or all(
                    len(r) == len(header) and row(dict(zip(header, r, strict=True)))
                    for r in reader)
        except (OSError, UnicodeDecodeError, csv.Error):
            return False
    return mine


def _digest(text: str) -> str:
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()[:16]


def signed(text: str) -> str:
    """``text`` (lines ending in newlines) with a last line :data:`SIGNED` and the hash of
    ``text``, for :func:`unedited` to know it again (a comment in TOML)."""
    return f"{text}{SIGNED}{_digest(text)}\n"


def unedited(p: Path) -> bool:
    """A recogniser for :func:`check_own_file` of a text :func:`signed` made: its last line
    is the signature and the lines above it are as written (line ends aside). A file the
    user has edited since is the user's."""
    try:
        if p.stat().st_size > _MARK_BYTES:
            return False
        text = p.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    body, _, last = text.rstrip("\r\n").rpartition("\n")
    return last.rstrip("\r") == f"{SIGNED}{_digest(body + chr(10))}"
