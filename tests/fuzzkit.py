"""Shared by the fuzz tests (tests/test_fuzz_*.py): hypothesis settings, the in-process CLI
runner, the one rule every generated input must obey, a tiny TOML writer, and the small
valid inputs every mutation starts from.

The rule: ``sim.cli.main(argv)`` ends in exit 0 with a sane result (checked by the test)
or exit 2 with exactly one line ``frontline: error: FILE: FIELD: MESSAGE`` on stderr (any
other stderr line is a ``frontline: warning:``); never a traceback, never another exit
status, never more than 60 s.

Every generated input is counted under one of the ten input kinds (the ``fuzz_count``
fixture in conftest.py); the totals per kind are printed at the end of the test session.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
import os
import re
import time
import traceback
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings

from sim.cli import main

KINDS = ("theatre CSVs", "scenarios", "experiments", "calibration specs", "reported events",
         "ACLED exports and actor maps", "params files", "run folders", "batch folders",
         "CLI flags")
LIMIT_SECONDS = 60.0
ERROR = re.compile(r"^frontline: error: \S.*?: \S.*?: \S")


#: ``FRONTLINE_FUZZ_SCALE=10 python -m pytest tests/test_fuzz_*.py`` searches ten times as
#: many inputs, from fresh random seeds (CI runs the fixed, reproducible set: scale 1).
SCALE = float(os.environ.get("FRONTLINE_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    """Settings for a property test: a fixed number of examples, no deadline, reproducible
    (unless FRONTLINE_FUZZ_SCALE asks for a larger, random search)."""
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None,
                    derandomize=SCALE == 1, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


@dataclass
class Outcome:
    argv: list[str]
    code: int
    out: str
    err: str
    seconds: float

    @property
    def error(self) -> str:
        return next((ln for ln in self.err.splitlines() if ln.startswith("frontline: error:")),
                    "")


def cli(argv: list[str]) -> Outcome:
    """Run the CLI in this process; a traceback (any exception escaping ``main``) fails."""
    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in argv])
    except BaseException:     # noqa: BLE001 - the point: nothing may escape
        raise AssertionError(f"traceback for {argv!r}:\n{traceback.format_exc()}\n"
                             f"stderr: {err.getvalue()[-2000:]}") from None
    return Outcome(list(map(str, argv)), code, out.getvalue(), err.getvalue(),
                   time.perf_counter() - t0)


def obey(o: Outcome, *, file: str | None = None, field: str | None = None,
         must_fail: bool = False, counts: Any = None, kind: str | None = None) -> Outcome:
    """The rule (see the module docstring). ``file``/``field``: fragments the error line
    must contain when the input is refused; ``must_fail``: exit 0 is not acceptable.
    ``counts``/``kind``: count the input under its kind and its exit status."""
    if counts is not None:
        counts[kind] += 1
        counts[f"{kind}|exit {o.code}"] += 1
    where = f"argv={o.argv!r}\nstderr={o.err[-3000:]!r}"
    assert "Traceback" not in o.err and "Traceback" not in o.out, where
    assert o.seconds < LIMIT_SECONDS, f"{o.seconds:.1f} s\n{where}"
    assert o.code in ((2,) if must_fail else (0, 2)), f"exit {o.code}\n{where}"
    if o.code == 2:
        lines = o.err.splitlines()
        errors = [ln for ln in lines if ln.startswith("frontline: error:")]
        assert len(errors) == 1, where
        assert ERROR.match(errors[0]), where
        others = [ln for ln in lines if ln != errors[0]]
        assert all(ln.startswith("frontline: warning:") for ln in others), where
        for frag in (file, field):
            if frag is not None:
                assert frag in errors[0], f"{frag!r} not in {errors[0]!r}\n{where}"
    else:
        assert "frontline: error" not in o.err, where
    return o


# -- a tiny TOML writer (inline tables and arrays are enough) -------------------------------
def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(v, list | tuple):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(x)}"
                               for k, x in v.items()) + "}"
    raise TypeError(type(v))


def to_toml(data: dict[str, Any]) -> str:
    return "".join(f"{json.dumps(str(k))} = {toml_value(v)}\n" for k, v in data.items())


def set_path(data: Any, path: str, value: Any) -> None:
    """Set ``a.b[0].c`` in nested data (creating tables on the way)."""
    node: Any = data
    parts = path.replace("[", ".[").split(".")
    for part in parts[:-1]:
        node = node[int(part[1:-1])] if part.startswith("[") else node.setdefault(part, {})
    last = parts[-1]
    if last.startswith("["):
        node[int(last[1:-1])] = value
    else:
        node[last] = value


def paths_of(node: Any, prefix: str = "") -> list[str]:
    """Every field of nested TOML-like data as a dotted path (``a.b[0].c``)."""
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            p = f"{prefix}.{k}" if prefix else k
            out += [p, *paths_of(v, p)]
    elif isinstance(node, list):
        for i, v in enumerate(node):
            p = f"{prefix}[{i}]"
            out += [p, *paths_of(v, p)]
    return out

