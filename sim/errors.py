"""The one error type a user can cause, and how it is shown."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path


class InputError(Exception):
    """A fault in something the user handed in: a file, a field, a flag.

    The CLI catches it once and prints ``frontline: error: FILE: FIELD: MESSAGE`` with exit
    status 2. ``file`` is a path (or a pseudo-file such as ``--set``), ``field`` names the
    row/column or key that is wrong, ``message`` says what was expected. ``also``: other
    fields whose values together with ``field``'s make the fault (a group's faction and its
    town), so that an error can name the one a ``--set`` changed.
    """

    def __init__(self, file: str | Path | None, field: str | None, message: str,
                 also: tuple[str, ...] = ()) -> None:
        self.file = _shown(str(file)) if file is not None else "<input>"
        self.field = one_line(str(field)) if field else "-"
        self.message = one_line(str(message), 2000)
        self.also = also
        super().__init__(f"{self.file}: {self.field}: {self.message}")


def from_os_error(exc: OSError) -> InputError:
    """A file or folder the system refused (a full disk, a permission, a name too long) as
    the one-line error it is shown as: the path, ``-``, the system's reason."""
    where = exc.filename if exc.filename is not None else "-"
    return InputError(where, "-", exc.strerror or str(exc))


def one_line(text: str, limit: int = 500) -> str:
    """``text`` on one line (line breaks shown as ``\\n``), cut to ``limit`` characters: what
    a user handed in may be echoed in a message, and the message must stay one line."""
    out = "\\n".join(text.splitlines()) if text else text
    if text.endswith(("\n", "\r")):
        out += "\\n"
    return out if len(out) <= limit else out[:limit - 1] + "…"


def _shown(name: str) -> str:
    """A file name as shown in a message: quoted when it is empty or starts or ends with
    white space (it would be invisible otherwise)."""
    name = one_line(name)
    return repr(name) if not name.strip() or name != name.strip() else name


def did_you_mean(name: str, candidates, n: int = 3, cutoff: float = 0.6, *,
                 shown: dict[str, str] | None = None) -> str:
    """``" (did you mean 'A' or 'B'?)"`` for the closest of ``candidates`` to ``name``
    (difflib's ratio, case-insensitive), or ``""`` when none is close. A mapping's keys are
    its candidates (the parameter table, a scenario's factions: never its values); ``shown``
    maps a candidate to the text suggested for it (a file's name to its path)."""
    import difflib  # here: only error paths need it

    shown = shown or {}
    cands = {str(c).lower(): str(shown.get(c, c)) for c in candidates}
    close = difflib.get_close_matches(str(name).lower(), list(cands), n=n, cutoff=cutoff)
    if not close:
        return ""
    quoted = [repr(cands[c]) for c in close]
    return f" (did you mean {' or '.join(quoted)}?)"


def run_script(name: str, body: Callable[[], object]) -> int:
    """Run a script's ``body``: an InputError becomes one line ``NAME: error: FILE: FIELD:
    MESSAGE`` on stderr and exit status 2 (as the CLI shows it), success status 0 (or the
    status ``body`` returns, when it returns an integer); a reader
    that left (``script | head``) ends it quietly with status 0, as the CLI does. Warnings
    are held as one line each, ``NAME: warning: MESSAGE``, and shown at the end (dropped
    if the run fails on a bad input, so the error stays the one line)."""
    held: list[str] = []

    def hold(message, category, filename, lineno, file=None, line=None) -> None:
        held.append(f"{name}: warning: {one_line(str(message), 2000)}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = hold
            code = body()
    except InputError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush quiet
        return 0
    for text in held:
        print(text, file=sys.stderr)
    return code if isinstance(code, int) else 0
