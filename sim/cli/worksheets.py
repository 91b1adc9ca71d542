"""Teaching worksheets in ``experiments/exercises/NN-title.md`` (NetLogo Info-tab shape:
What is it; How it works; How to use it; Things to notice; Things to try; Questions) and their
answer keys in ``experiments/exercises/answers/NN-title.md``.

Commands a student types are lines starting with ``$ `` inside fenced ``console`` blocks;
:func:`commands` extracts them (tests/test_exercises.py runs every one). A mistake shown on
purpose goes in a ``console-error`` block: the ``$ `` line, then the one line of error it
prints (``...`` for the folder the student works in); :func:`steps` gives both kinds in
order, and the tests check that each such command fails with exactly that line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

SECTIONS = ("What is it", "How it works", "How to use it", "Things to notice", "Things to try",
            "Questions")
_NAME = re.compile(r"^([0-9]{2})-[a-z0-9-]+\.md$")
_BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
_ANY_BLOCK = re.compile(r"^```(console|console-error)\n(.*?)^```", re.S | re.M)


def default_folder() -> Path:
    """``experiments/exercises`` in the working directory, else beside the package."""
    here = Path("experiments/exercises")
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / "experiments" / "exercises"


@dataclass(frozen=True)
class Worksheet:
    number: int
    path: Path

    @property
    def text(self) -> str:
        return read_markdown(self.path)

    @property
    def title(self) -> str:
        first = self.text.splitlines()[0] if self.text else ""
        return re.sub(r"^#+\s*(\d+\.\s*)?", "", first).strip()

    @property
    def answers(self) -> Path:
        return self.path.parent / "answers" / self.path.name


def read_markdown(path: Path) -> str:
    """A worksheet or answer key as text; a file that is not UTF-8 is a one-line error."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, "-", f"not UTF-8 text ({exc.reason} at byte {exc.start}); "
                                    "expected a worksheet in Markdown") from None


def worksheets(folder: str | Path | None = None) -> list[Worksheet]:
    """The worksheets in ``folder`` (default :func:`default_folder`), by number; two with
    the same number (``03-a.md``, ``03-b.md``) are a one-line error naming both."""
    d = Path(folder) if folder else default_folder()
    if not d.is_dir():
        raise InputError(d, "-", "no exercises folder here")
    out = [Worksheet(int(m.group(1)), p) for p in sorted(d.glob("*.md"))
           if (m := _NAME.match(p.name))]
    if not out:
        raise InputError(d, "-", "no worksheets (NN-title.md) here")
    first: dict[int, Path] = {}
    for w in out:                    # `show N` would pick one of them, silently
        if w.number in first:
            raise InputError(w.path, "number", f"worksheet {w.number} is also "
                             f"{first[w.number].name}; expected each worksheet to have a "
                             "number of its own (rename one)")
        first[w.number] = w.path
    return out


def get(number: int, folder: str | Path | None = None) -> Worksheet:
    ws = worksheets(folder)
    for w in ws:
        if w.number == number:
            return w
    raise InputError("command line", "N", f"no worksheet {number}; expected one of "
                     f"{', '.join(str(w.number) for w in ws)}")


def _block_commands(block: str) -> list[tuple[str, str]]:
    """(command, first line printed after it) for each ``$ `` line of a block (a trailing
    ``\\`` continues the command on the next line)."""
    out: list[tuple[str, str]] = []
    cmd = None
    for line in block.splitlines():
        if cmd is not None:
            cmd += "\n" + line
        elif line.startswith("$ "):
            cmd = line[2:]
        else:
            if out and out[-1][1] == "" and line.strip():
                out[-1] = (out[-1][0], line.strip())
            continue
        if not cmd.endswith("\\"):
            out.append((cmd, ""))
            cmd = None
    return out


def commands(text: str) -> list[str]:
    """The ``$ `` command lines of the ``console`` blocks (a trailing ``\\`` continues)."""
    return [cmd for block in _BLOCK.findall(text) for cmd, _ in _block_commands(block)]


def steps(text: str) -> list[tuple[str, str | None]]:
    """Every command in the order a student meets it: ``(command, None)`` from ``console``
    blocks, ``(command, error line)`` from ``console-error`` blocks (a mistake shown on
    purpose: the command exits with status 2 and prints that line)."""
    return [(cmd, out if kind == "console-error" else None)
            for kind, block in _ANY_BLOCK.findall(text)
            for cmd, out in _block_commands(block)]


def sections(text: str) -> list[str]:
    """The ``## `` headings, in order."""
    return [m.strip() for m in re.findall(r"^## (.+)$", text, re.M)]
