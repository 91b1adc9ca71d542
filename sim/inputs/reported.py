"""Reported control changes: read, validate and match them to a scenario's places and factions.

A reported file uses the shared event schema (README, "Files you hand in", Event record):
``date, place, new_controller, previous_controller, cause, source`` plus an optional ``note``.
``previous_controller`` and ``cause`` may be empty; ``source`` names the report.

Matching assumptions:
- a place is matched by name or alternative name (case-, accent- and space-insensitive);
- a report dated D is the model's day ``D - start`` (the change happened during that day);
- the k-th report of a place passing to a faction is compared with the k-th simulated change
  of that place to that faction, so a place that changes hands back and forth is compared
  change by change (Maardes: opposition, government, opposition again).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError, did_you_mean
from ..records import CAUSES, COLUMNS, is_nobody
from .files import read_csv
from .limits import check_date
from .scenario import Scenario
from .theatre import Theatre

REQUIRED = ("date", "place", "new_controller", "source")
OPTIONAL = tuple(c for c in (*COLUMNS, "note") if c not in REQUIRED)


@dataclass(frozen=True)
class ReportedEvent:
    """One reported change, resolved against a scenario."""

    row: int            # line in the file (header is line 1)
    date: dt.date
    day: int            # date - scenario start
    town: int
    place: str          # the theatre's name for the place
    new: int            # faction index
    prev: int           # faction index, -1 nobody / not given
    occurrence: int     # 1 for the first report of (town -> new), 2 for the second, ...
    cause: str
    source: str
    note: str = ""

    @property
    def citations(self) -> frozenset[str]:
        """The pieces of evidence the report rests on (see :func:`citations`)."""
        return citations(self.source)


_URL = re.compile(r"https?://(?:www\.)?([^\s|]+)", re.IGNORECASE)


def citations(source: str) -> frozenset[str]:
    """The citations of a ``source`` field: its ``|``-separated parts, each known by its URL
    (scheme, ``www.`` and trailing punctuation dropped, lower case) when it has one, else by
    its text (lower case, spaces collapsed). Two reports that share a citation rest on the
    same published piece of evidence."""
    out = set()
    for part in source.split("|"):
        url = _URL.search(part)
        key = url.group(1).rstrip(".,;:)]}'\"").lower() if url else " ".join(part.lower().split())
        if key:
            out.add(key)
    return frozenset(out)


@dataclass(frozen=True)
class Reported:
    """All reported changes of a file, in date order (file order within a date)."""

    file: Path
    events: tuple[ReportedEvent, ...]

    def __len__(self) -> int:
        return len(self.events)

    def until(self, date: dt.date | None) -> Reported:
        """Reports dated on or before ``date`` (all when None)."""
        if date is None:
            return self
        return Reported(self.file, tuple(e for e in self.events if e.date <= date))

    def after(self, date: dt.date) -> Reported:
        return Reported(self.file, tuple(e for e in self.events if e.date > date))

    @property
    def days(self) -> np.ndarray:
        return np.array([e.day for e in self.events], dtype=float)

    @property
    def keys(self) -> list[tuple[int, int, int]]:
        """(town, new faction, occurrence) per event: what the model output is matched on."""
        return [(e.town, e.new, e.occurrence) for e in self.events]

    def pairs(self) -> set[tuple[int, int]]:
        return {(e.town, e.new) for e in self.events}

    def reported_map(self, initial: np.ndarray, day: int) -> tuple[tuple[int, int], ...]:
        """(town, faction) for every place a report up to ``day`` names: its last reported
        controller (places no report names are not in it: the record is incomplete, so
        silence is not evidence that nothing changed)."""
        held = self.holders(initial, day)
        return tuple((t, int(held[t])) for t in sorted({e.town for e in self.events
                                                         if e.day <= day}))

    def holders(self, initial: np.ndarray, day: int) -> np.ndarray:
        """Controller of every town at the end of ``day`` per the record (initial state
        updated by every report dated on or before that day)."""
        out = np.array(initial, dtype=np.int64).copy()
        for e in self.events:
            if e.day <= day:
                out[e.town] = e.new
        return out


def parse_date(text: str, file: str | Path, field: str) -> dt.date:
    """A date YYYY-MM-DD within the supported dates (sim.inputs.limits)."""
    try:
        date = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(file, field, f"expected a date YYYY-MM-DD, got {text!r}") from None
    return check_date(date, file, field)


def faction_of(name: str, scenario: Scenario, file: Path, field: str, *,
               allow_empty: bool) -> int:
    """The index of a reported faction name (-1: nobody, where allowed); unknown: InputError."""
    key = name.strip()
    if allow_empty and is_nobody(key):
        return -1
    if key not in scenario.factions:
        raise InputError(file, field, f"unknown faction {key!r}"
                         f"{did_you_mean(key, scenario.factions)}; the scenario's factions are "
                                      f"{', '.join(scenario.factions)}")
    return scenario.factions.index(key)


def place_of(name: str, theatre: Theatre, file: Path, field: str) -> int:
    """The town a report's place names (a name or alt_name); empty or unknown: InputError."""
    if not name:
        raise InputError(file, field, "empty place name")
    town = theatre.find(name)
    if town is None:
        raise InputError(file, field, f"unknown place {name!r}{theatre.suggest(name)} (not a "
                         f"name or alt_name in theatre {theatre.name!r})")
    return town


def read_rows(path: str | Path) -> tuple[Path, list[tuple[int, dict[str, str]]]]:
    """The rows of a reported CSV with their line numbers; checks the header."""
    _, rows = read_csv(path, REQUIRED, OPTIONAL)
    return Path(path), rows


def read_reported(path: str | Path, scenario: Scenario) -> Reported:
    """Read and check a reported file against a scenario (places, factions, dates, and the
    chain of controllers where ``previous_controller`` is given)."""
    p, rows = read_rows(path)
    th = scenario.theatre
    first, last = scenario.start, scenario.date(scenario.days - 1)
    raw = []
    for line, row in rows:
        def field(col: str, line: int = line) -> str:
            return f"row {line}, column {col}"
        date = parse_date(row["date"], p, field("date"))
        if not first <= date <= last:
            raise InputError(p, field("date"), f"{date} is outside the scenario "
                             f"{scenario.name!r} ({first} .. {last})")
        town = place_of(row["place"], th, p, field("place"))
        if not th.onmap[town]:
            raise InputError(p, field("place"), f"{th.names[town]!r} is off-map (kind offmap: a "
                             "rear area that is never captured), so it cannot change hands; "
                             "report the on-map places instead")
        new = faction_of(row["new_controller"], scenario, p, field("new_controller"),
                       allow_empty=False)
        prev = faction_of(row.get("previous_controller", ""), scenario, p,
                        field("previous_controller"), allow_empty=True)
        cause = row.get("cause", "")
        if cause and cause not in CAUSES:
            raise InputError(p, field("cause"), f"expected one of {', '.join(CAUSES)} or "
                             f"empty, got {cause!r}")
        if not row["source"]:
            raise InputError(p, field("source"), "empty; name the report (outlet, date, title)")
        raw.append((date, line, town, new, prev, cause, row["source"], row.get("note", "")))
    raw.sort(key=lambda r: (r[0], r[1]))

    holder = scenario.initial_owner.astype(np.int64).copy()
    since: dict[int, int] = {}
    seen: dict[tuple[int, int], int] = {}
    events = []
    names = scenario.factions
    for date, line, town, new, prev, cause, source, note in raw:
        cur = int(holder[town])
        where = f"row {since[town]}" if town in since else "the theatre's initial controllers"
        if new == cur:
            raise InputError(p, f"row {line}, column new_controller",
                             f"{th.names[town]!r} is already held by {names[new]!r} per "
                             f"{where}")
        if prev >= 0 and prev != cur:
            held = names[cur] if cur >= 0 else "nobody"
            raise InputError(p, f"row {line}, column previous_controller",
                             f"{names[prev]!r}, but {th.names[town]!r} is held by {held!r} "
                             f"per {where}")
        k = seen.get((town, new), 0) + 1
        seen[(town, new)] = k
        holder[town] = new
        since[town] = line
        events.append(ReportedEvent(line, date, (date - scenario.start).days, town,
                                    th.names[town], new, cur if prev < 0 else prev, k, cause,
                                    source, note))
    return Reported(p, tuple(events))


# -- matching simulated output ---------------------------------------------------------------
def change_days(log_rows: Iterable[Sequence]) -> dict[tuple[int, int], list[int]]:
    """(town, new faction) -> the days of each simulated change, in order."""
    out: dict[tuple[int, int], list[int]] = {}
    for day, town, new, _old, _cause in log_rows:
        out.setdefault((int(town), int(new)), []).append(int(day))
    return out


def match_days(log_rows: Iterable[Sequence], keys: Sequence[tuple[int, int, int]]) -> np.ndarray:
    """Simulated day of each reported change (``inf`` when it never happened in the run)."""
    by = change_days(log_rows)
    out = np.full(len(keys), np.inf)
    for i, (town, new, k) in enumerate(keys):
        days = by.get((town, new), ())
        if len(days) >= k:
            out[i] = days[k - 1]
    return out


def unreported(log_rows: Iterable[Sequence], pairs: set[tuple[int, int]], until_day: int) -> int:
    """Simulated changes up to ``until_day`` of a place to a faction that no report names."""
    return sum(1 for day, town, new, _o, _c in log_rows
               if day <= until_day and (int(town), int(new)) not in pairs)
