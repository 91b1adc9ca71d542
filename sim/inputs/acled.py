"""Import ACLED exports as reported control changes.

ACLED (Raleigh et al. 2010; codebook at acleddata.com) codes territorial change as three
sub-event types of "Strategic developments" / "Battles":

- "Non-state actor overtakes territory": actor1 (a non-state group) takes the location;
- "Government regains territory": actor1 (state forces) retakes it;
- "Non-violent transfer of territory": actor1 acquires it without fighting.

So actor1 (or, if unmapped, the first mapped associated actor) is the new controller and actor2
the previous one. Each event is placed at the nearest theatre town within ``max_km`` of its
coordinates. Rows are mapped to factions with an actor map TOML::

    [factions]
    opposition = ["Hayat Tahrir al-Sham*", "Military Operations Command*"]
    government = ["Military Forces of Syria*"]

(patterns are case-insensitive shell globs; faction names may not be empty). An event whose
coordinates are not finite numbers within -90..90 and -180..180, or whose date is outside
1900..2200, is reported as unmatched. Duplicates (same date, place and new controller) are
merged into one row that names at most 20 of their sources (and how many more there were),
so a merged cell stays far below the readers' cell limit. UCDP GED records deaths by dyad and has no
control-change field, so it cannot be read this way: it is not imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..records import COLUMNS, Cause
from .files import read_csv, read_toml
from .limits import DATE_MAX, DATE_MIN, ascii_number, digits_hint
from .theatre import Theatre, haversine_km

SUB_EVENTS = {"non-state actor overtakes territory": Cause.ASSAULT.value,
              "government regains territory": Cause.ASSAULT.value,
              "non-violent transfer of territory": Cause.HANDOVER.value}
REQUIRED = ("event_date", "sub_event_type", "actor1", "actor2", "latitude", "longitude",
            "location")
#: Sources named in one merged row, and characters kept of each.
MAX_SOURCES = 20
SOURCE_CHARS = 300
_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}


def parse_acled_date(text: str) -> dt.date | None:
    """ISO (2024-12-05), dd-mm-yyyy or dd/mm/yyyy (05-12-2024), or '05 December 2024'."""
    t = text.strip()
    try:
        return dt.date.fromisoformat(t)
    except ValueError:
        pass
    for sep in ("-", "/"):
        parts = t.split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
            try:
                return dt.date(*(ascii_number(parts[k], int) for k in (2, 1, 0)))
            except ValueError:
                return None
    parts = t.split()
    if len(parts) == 3 and parts[0].isdigit() and parts[1].lower() in _MONTHS \
            and parts[2].isdigit():
        try:
            return dt.date(ascii_number(parts[2], int), _MONTHS[parts[1].lower()],
                           ascii_number(parts[0], int))
        except ValueError:
            return None
    return None


def read_actor_map(path: str | Path) -> list[tuple[str, str]]:
    """(pattern, faction) pairs in file order; the first match wins."""
    p = Path(path)
    data = read_toml(p)
    table = data.get("factions")
    if not isinstance(table, dict) or not table:
        raise InputError(p, "factions", "expected a [factions] table: faction = [actor "
                                        "patterns]")
    out = []
    for faction, pats in table.items():
        if not faction.strip() or faction != faction.strip():
            raise InputError(p, f"factions.{faction}", f"faction name {faction!r} is empty or "
                             "has spaces at its ends; use the scenario's faction names")
        if isinstance(pats, str):
            pats = [pats]
        if not isinstance(pats, list) or not all(isinstance(x, str) and x for x in pats):
            raise InputError(p, f"factions.{faction}", "expected a list of actor-name patterns")
        if not all(x.strip() for x in pats):
            raise InputError(p, f"factions.{faction}", "an empty actor-name pattern")
        out += [(x.strip().lower(), faction) for x in pats]
    return out


def map_actor(name: str, actors: list[tuple[str, str]]) -> str | None:
    key = name.strip().lower()
    if not key:
        return None
    for pat, faction in actors:
        if fnmatch.fnmatchcase(key, pat):
            return faction
    return None


@dataclass(frozen=True)
class Unmatched:
    row: int
    date: str
    location: str
    reason: str


def import_acled(path: str | Path, theatre: Theatre, actors: list[tuple[str, str]],
                 max_km: float = 10.0) -> tuple[list[dict[str, str]], list[Unmatched]]:
    """Reported-event rows (shared schema plus note) and the rows that could not be matched.
    Duplicates (same date, place, new controller) are merged into one row naming at most
    MAX_SOURCES of their sources."""
    _, records = read_csv(path, REQUIRED, extra_fields=True, what="an ACLED export (CSV)")
    rows: dict[tuple[str, str, str], dict[str, str]] = {}
    sources: dict[tuple[str, str, str], list[str]] = {}
    bad: list[Unmatched] = []
    for line, rec in records:
        cause = SUB_EVENTS.get(rec["sub_event_type"].lower())
        if cause is None:
            continue
        loc = rec["location"]
        date = parse_acled_date(rec["event_date"])
        if date is None:
            bad.append(Unmatched(line, rec["event_date"], loc,
                                 f"event_date {rec['event_date']!r} is not a date"))
            continue
        if not DATE_MIN <= date <= DATE_MAX:
            bad.append(Unmatched(line, date.isoformat(), loc, f"event_date {date} is outside "
                                 f"{DATE_MIN}..{DATE_MAX}"))
            continue
        try:
            lat, lon = ascii_number(rec["latitude"]), ascii_number(rec["longitude"])
        except ValueError:
            bad.append(Unmatched(line, date.isoformat(), loc, "latitude/longitude not numbers"
                                 + digits_hint(rec["latitude"] + rec["longitude"])))
            continue
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90
                and -180 <= lon <= 180):
            bad.append(Unmatched(line, date.isoformat(), loc, f"latitude/longitude {lat:g}, "
                                 f"{lon:g} outside -90..90, -180..180"))
            continue
        # off-map places never change hands: an event is placed at an on-map town
        km = np.where(theatre.onmap, haversine_km(lat, lon, theatre.lat, theatre.lon), np.inf)
        town = int(np.argmin(km))
        if km[town] > max_km:
            bad.append(Unmatched(line, date.isoformat(), loc,
                                 f"no town within {max_km:g} km (nearest {theatre.names[town]}"
                                 f", {km[town]:.1f} km)"))
            continue
        new = map_actor(rec["actor1"], actors)
        for assoc in rec.get("assoc_actor_1", "").split(";"):
            new = new or map_actor(assoc, actors)
        if new is None:
            bad.append(Unmatched(line, date.isoformat(), loc,
                                 f"actor1 {rec['actor1']!r} is not in the actor map"))
            continue
        prev = map_actor(rec["actor2"], actors) or ""
        eid = rec.get("event_id_cnty", "") or f"row {line}"
        src = (f"ACLED {eid}" + (f" ({rec['source']})" if rec.get("source") else ""))
        src = src if len(src) <= SOURCE_CHARS else src[:SOURCE_CHARS - 1] + "…"
        key = (date.isoformat(), theatre.names[town], new)
        if key in sources:
            sources[key].append(src)
            continue
        sources[key] = [src]
        rows[key] = {"date": date.isoformat(), "place": theatre.names[town],
                     "new_controller": new, "previous_controller": prev, "cause": cause,
                     "source": "",
                     "note": f"ACLED location {loc[:SOURCE_CHARS]!r}, {km[town]:.1f} km from "
                             f"{theatre.names[town]}; {rec['sub_event_type'][:SOURCE_CHARS]}"}
    for key, row in rows.items():
        row["source"] = merged_sources(sources[key])
    return sorted(rows.values(), key=lambda r: (r["date"], r["place"])), bad


def merged_sources(sources: list[str]) -> str:
    """The sources of merged duplicates, at most MAX_SOURCES of them and a count of the rest
    (a reported file's cell must stay readable)."""
    more = len(sources) - MAX_SOURCES
    return " | ".join(sources[:MAX_SOURCES]) + (f" | and {more} more" if more > 0 else "")


#: The reported-file columns the importer writes: the record schema and a note.
WRITTEN = (*COLUMNS, "note")


def written_row(row: dict[str, str]) -> bool:
    """Whether a row of a reported CSV is as the importer writes it (its source an ACLED
    event, its note the place it was matched to): a file of such rows only is an earlier
    import's, which ``--out`` may replace; a hand-kept record (same columns) is not."""
    return row["source"].startswith("ACLED ") and row["note"].startswith("ACLED location ")


def write_rows(rows: list[dict[str, str]], fh) -> None:
    w = csv.DictWriter(fh, fieldnames=WRITTEN, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
