"""Which kind of frontline TOML a file is, read off its top-level keys, so that a file handed
to the wrong command gets one line saying what it is and which command takes it (instead of
"unknown key" about its first key)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError

#: Each kind: its name with an article, the top-level keys only it has, and its use.
KINDS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "scenario": ("a scenario", ("theatre", "deployments", "phases", "extends", "add_events",
                                "drop_events"),
                 "run it with `frontline run`, or name it as the `scenario` of an experiment "
                 "or a calibration spec"),
    "calibration spec": ("a calibration spec", ("reported", "until", "loss", "optimiser",
                                                "assimilation", "forecast"),
                         "use it with `frontline calibrate`, `forecast` or `nowcast`"),
    "experiment": ("an experiment", ("design", "metrics", "common_random_numbers"),
                   "run it with `frontline batch`"),
}


def check_kind(raw: Mapping[str, Any], expected: str, file: str | Path) -> None:
    """Refuse ``raw`` (a TOML file's table) if it has none of the keys only an ``expected``
    file has and one only another kind has: naming that key, the kind and its command."""
    if any(k in raw for k in KINDS[expected][1]):
        return
    for kind, (name, keys, use) in KINDS.items():
        key = next((k for k in keys if k in raw), None)
        if kind != expected and key is not None:
            raise InputError(file, key, f"this file is {name} (it has `{key}`), not "
                                        f"{KINDS[expected][0]}: {use}")
