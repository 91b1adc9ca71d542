"""The bound parts of a scenario (sim.inputs.scenario binds them to the theatre): phases,
scheduled events, deployments, every name resolved to an index; and the check of a params
event's table against the parameter table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .conditions import Condition
from .params import coerce


@dataclass(frozen=True)
class Phase:
    faction: int
    kind: str
    objectives: tuple[int, ...]
    start: int                 # first day (for a 'when' phase: the earliest day it may start)
    end: int                   # first day after the phase (for 'when': start + duration)
    commitment: float
    to: int | None
    line: tuple[int, ...] = ()
    when: Condition | None = None
    duration: int | None = None
    #: the enemies whose towns the offensive targets (empty: every hostile faction)
    against: tuple[int, ...] = ()


@dataclass(frozen=True)
class ScheduledEvent:
    """A scenario event (reinforcement, withdrawal, handover, support, ceasefire, params)
    bound to the theatre: on a ``day``, or the first day its ``when`` condition holds."""

    day: int | None         # None: fires the first day ``when`` holds
    kind: str
    faction: int | None
    towns: tuple[int, ...]
    to: int | None          # faction (handover) or town (withdrawal target)
    strength: float
    quality: float | None
    units: int
    air: float | None
    drones: float | None
    note: str
    when: Condition | None = None
    line: tuple[int, ...] = ()
    factions: tuple[int, ...] = ()
    #: kind "params": (name, value) pairs, checked against the parameter table
    params: tuple[tuple[str, float | str], ...] = ()


#: Parameters read once, when the armies deploy on day 0: a params event cannot change them.
SETUP_ONLY = ("force_uncertainty", "garrison_share", "garrison_focus", "brigade_size")


def event_params(table: dict[str, Any], file: Path, field: str
                 ) -> tuple[tuple[str, float | str], ...]:
    """A params event's ``set`` table, each value checked against the parameter table."""
    out = []
    for name, raw in table.items():
        if name in SETUP_ONLY:
            raise InputError(file, f"{field}.{name}", "read once, when the armies deploy on "
                             "day 0: an event cannot change it (set it under [params])")
        out.append((name, coerce(name, raw, file=file, field=f"{field}.{name}")))
    return tuple(out)


@dataclass(frozen=True)
class Deployment:
    faction: int
    town: int
    strength: float
    quality: float | None
    units: int
    posture: str
    #: the day the group enters the map (a second echelon, an axis opened later)
    day: int = 0
