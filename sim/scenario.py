"""Scenario files: TOML, validated with pydantic, bound to a theatre.

A scenario names a theatre, a start date and a length, the factions (forces, doctrine,
supply sources, relations, external support), how forces are deployed, the phases of each
faction's campaign and dated events. ``--set name=value`` overrides any model parameter by
its name in :mod:`sim.params` or any scenario field by its dotted path.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from .conditions import Condition
from .conditions import parse as parse_condition
from .errors import InputError
from .files import read_toml, validation_error
from .params import PARAMS, Params, coerce
from .spec import (  # noqa: F401  (re-exported: the schema is part of this module's API)
    EVENT_KINDS,
    PHASE_KINDS,
    DeploymentSpec,
    EventSpec,
    FactionSpec,
    PhaseSpec,
    ScenarioSpec,
    Strict,
)
from .theatre import Theatre, load_theatre


# -- reading ---------------------------------------------------------------------------------
def parse_set(items: Iterable[str]) -> dict[str, Any]:
    """``name=value`` strings -> {name: value}; values are TOML literals or plain strings."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise InputError("--set", item, "expected name=value")
        key, _, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if not key:
            raise InputError("--set", item, "expected name=value")
        try:
            out[key] = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            out[key] = text
    return out


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Apply ``--set`` overrides: a parameter name goes to ``[params]``; a dotted path
    (``days``, ``factions.government.morale``, ``events[2].day``) sets that field."""
    data = copy.deepcopy(data)
    for key, value in overrides.items():
        if key in PARAMS:
            data.setdefault("params", {})[key] = value
            continue
        head = key.split(".")[0].split("[")[0]
        if head not in ScenarioSpec.model_fields:
            raise InputError("--set", key, "not a parameter or scenario field; parameters: "
                             f"{', '.join(PARAMS)}; scenario fields: "
                             f"{', '.join(ScenarioSpec.model_fields)}")
        node: Any = data
        parts = key.replace("[", ".[").split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part.startswith("["):
                try:
                    idx = int(part.strip("[]"))
                    if last:
                        node[idx] = value
                    else:
                        node = node[idx]
                except (ValueError, IndexError, TypeError, KeyError):
                    raise InputError("--set", key, "no such list item in the scenario") from None
            elif isinstance(node, dict):
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, {})
            else:
                raise InputError("--set", key, "not a scenario field or parameter name")
    return data


def load_raw(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario TOML, following ``extends`` (tables merge, arrays replace)."""
    p = Path(path).resolve()
    if p in _chain:
        cycle = " -> ".join(q.name for q in (*_chain, p))
        raise InputError(_chain[0], "extends", f"cycle in extends: {cycle}")
    data = read_toml(p)
    parent = data.pop("extends", None)
    if parent is None:
        for key in _ADDITIONS:
            if key in data:
                raise InputError(p, key, "only a scenario that 'extends' another can use it")
        data["__file__"] = str(p)
        return data
    if not isinstance(parent, str):
        raise InputError(p, "extends", "expected a file name")
    if not (p.parent / parent).is_file():
        raise InputError(p, "extends", f"no scenario file {parent!r} beside this one")
    base = load_raw(p.parent / parent, (*_chain, p))
    merged = _merge(base, _without_additions(data))
    _apply_additions(merged, data, p)
    merged["__file__"] = str(p)
    merged.setdefault("__theatre_base__", base.get("__theatre_base__", base["__file__"]))
    if "theatre" in data:
        merged["__theatre_base__"] = str(p)
    return merged


_ADDITIONS = ("add_events", "add_phases", "drop_events")


def _without_additions(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in _ADDITIONS}


def _apply_additions(merged: dict[str, Any], child: dict[str, Any], file: Path) -> None:
    """``drop_events`` (inherited events by note), then ``add_events`` / ``add_phases``."""
    drop = child.get("drop_events", [])
    if not isinstance(drop, list) or not all(isinstance(x, str) for x in drop):
        raise InputError(file, "drop_events", "expected a list of event notes (strings)")
    events = merged.get("events", [])
    if not isinstance(events, list):
        raise InputError(file, "events", "expected an array of tables [[events]]")
    notes = {e.get("note") for e in events if isinstance(e, dict)}
    for note in drop:
        if note not in notes:
            raise InputError(file, "drop_events", f"no inherited event has note {note!r}")
    kept = [e for e in events if not (isinstance(e, dict) and e.get("note") in drop)]
    for key, target in (("add_events", "events"), ("add_phases", "phases")):
        extra = child.get(key, [])
        if not isinstance(extra, list):
            raise InputError(file, key, f"expected an array of tables [[{key}]]")
        base_list = kept if target == "events" else merged.get(target, [])
        if not isinstance(base_list, list):
            raise InputError(file, target, f"expected an array of tables [[{target}]]")
        merged[target] = base_list + extra


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read, override, validate and bind a scenario to its theatre."""
    data = load_raw(path)
    file = Path(data.pop("__file__"))
    theatre_base = Path(data.pop("__theatre_base__", file))
    file_days = data.get("days")
    if overrides:
        for key, value in overrides.items():     # a bad --set value is named as such
            if key in PARAMS:
                coerce(key, value, file="--set")
        data = apply_overrides(data, overrides)
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        err = validation_error(exc, file)
        if overrides and err.field in overrides:     # the bad value came from --set
            raise InputError("--set", err.field, err.message) from None
        raise err from None
    theatre_dir = resolve_theatre(spec.theatre, theatre_base)
    shortened = isinstance(file_days, int) and spec.days < file_days
    return bind(spec, load_theatre(theatre_dir), file,
                file_days=file_days if shortened else None)


def resolve_theatre(name: str, scenario_file: Path) -> Path:
    """A theatre path relative to the scenario file, or a name under ``theatres/``."""
    here = scenario_file.parent
    for cand in (here / name, here / "theatres" / name, Path(name)):
        if (cand / "towns.csv").is_file():
            return cand
    raise InputError(scenario_file, "theatre",
                     f"no theatre folder {name!r} with towns.csv (looked beside the scenario "
                     f"and in {here / 'theatres'})")


# -- binding -----------------------------------------------------------------------------------
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


@dataclass(frozen=True)
class Event:
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


@dataclass(frozen=True)
class Deployment:
    faction: int
    town: int
    strength: float
    quality: float | None
    units: int
    posture: str


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with every name resolved to an index; what the model runs."""

    spec: ScenarioSpec
    file: Path
    theatre: Theatre
    params: Params
    factions: tuple[str, ...]
    relation: np.ndarray            # (F, F): 1 ally (incl. self), 0 neutral, -1 hostile
    initial_owner: np.ndarray       # (n,) faction index, -1 for nobody
    supply_sources: tuple[np.ndarray, ...]
    deployments: tuple[Deployment, ...]
    phases: tuple[Phase, ...]
    events: tuple[Event, ...]

    @property
    def start(self) -> dt.date:
        return self.spec.start

    @property
    def days(self) -> int:
        return self.spec.days

    @property
    def name(self) -> str:
        return self.spec.name or self.file.stem

    def date(self, day: int) -> dt.date:
        return self.spec.start + dt.timedelta(days=int(day))

    def faction_index(self, name: str, file: Any = None, field: str = "faction") -> int:
        try:
            return self.factions.index(name)
        except ValueError:
            raise InputError(file or self.file, field, f"unknown faction {name!r}; "
                             f"factions: {', '.join(self.factions)}") from None

    def with_params(self, **changes: Any) -> Scenario:
        """The same scenario with some parameters changed (checked against the table)."""
        merged = {**self.params.as_dict(), **changes}
        return _replace(self, params=Params(merged, file=str(self.file)))

    def with_seed(self, seed: int) -> Scenario:
        return _replace(self, spec=self.spec.model_copy(update={"seed": int(seed)}))


def _replace(s: Scenario, **kw: Any) -> Scenario:
    from dataclasses import replace
    return replace(s, **kw)


def bind(spec: ScenarioSpec, theatre: Theatre, file: Path,
         file_days: int | None = None) -> Scenario:
    """Resolve names to indices and check everything that needs the theatre.

    ``file_days``: the run length written in the file when an override shortened it; phases
    and events are then checked against the file's length and those after the shortened end
    are left out.
    """
    limit = file_days or spec.days
    names = tuple(spec.factions)
    fidx = {n: i for i, n in enumerate(names)}

    def faction(name: str | None, field: str) -> int:
        if name not in fidx:
            raise InputError(file, field, f"unknown faction {name!r}; factions: "
                             f"{', '.join(names)}")
        return fidx[name]

    def town(name: str, field: str) -> int:
        return theatre.id_of(name, file=file, field=field)

    for key in spec.params:
        coerce(key, spec.params[key], file=str(file), field=f"params.{key}")
    params = Params(spec.params, file=str(file))

    F = len(names)
    rel = -np.ones((F, F), dtype=np.int8)
    np.fill_diagonal(rel, 1)
    for i, (nm, f) in enumerate(spec.factions.items()):
        for a in f.allies:
            j = faction(a, f"factions.{nm}.allies")
            rel[i, j] = rel[j, i] = 1
        for a in f.neutral:
            j = faction(a, f"factions.{nm}.neutral")
            if rel[i, j] != 1:
                rel[i, j] = rel[j, i] = 0

    owner = np.full(theatre.n, -1, dtype=np.int64)
    tfile = (theatre.source_dir / "towns.csv") if theatre.source_dir else file
    for i, c in enumerate(theatre.controller):
        if c in ("", "none", "nobody"):
            continue
        if c not in fidx:
            line = theatre.lines[i] if theatre.lines else i + 2
            raise InputError(tfile, f"row {line}, column controller",
                             f"unknown controller {c!r}; the scenario's factions are "
                             f"{', '.join(names)}")
        owner[i] = fidx[c]

    # Handovers on day 0 describe the starting map: they set the initial controller (and
    # are not logged as control changes).
    for k, e in enumerate(spec.events):
        if e.kind == "handover" and e.day == 0:
            ids = [town(t, f"events[{k}].towns") for t in e.towns]
            if e.town:
                ids.append(town(e.town, f"events[{k}].town"))
            owner[ids] = faction(e.to, f"events[{k}].to")

    sources = []
    for nm, f in spec.factions.items():
        ids = [town(t, f"factions.{nm}.supply") for t in f.supply]
        if not ids:  # default: every town the faction holds at the start is a source
            ids = list(np.flatnonzero(owner == fidx[nm]))
        sources.append(np.array(sorted(set(ids)), dtype=np.int64))

    deps = tuple(
        Deployment(faction(d.faction, f"deployments[{k}].faction"),
                   town(d.town, f"deployments[{k}].town"), d.strength, d.quality, d.units,
                   d.posture)
        for k, d in enumerate(spec.deployments))
    for k, d in enumerate(deps):
        if owner[d.town] >= 0 and rel[d.faction, owner[d.town]] != 1:
            raise InputError(file, f"deployments[{k}].town",
                             f"{theatre.names[d.town]!r} is held by "
                             f"{names[owner[d.town]]!r}, not by {names[d.faction]!r} or an ally")

    def condition(text: str | None, field: str) -> Condition | None:
        if text is None:
            return None
        return parse_condition(text, theatre, names, file=file, field=field)

    for i, (nm, f) in enumerate(spec.factions.items()):
        used = sum(d.strength for d in deps if d.faction == i)
        if used > f.strength + 1e-9:
            raise InputError(file, f"factions.{nm}.strength",
                             f"deployments add up to {used:g}, more than the faction's "
                             f"strength {f.strength:g}")

    phases = []
    for k, p in enumerate(spec.phases):
        end = spec.days if p.end is None else p.end
        if p.start >= limit:
            raise InputError(file, f"phases[{k}].start",
                             f"day {p.start} is outside the run (days 0..{limit - 1})")
        if p.end is not None and p.end > limit:
            raise InputError(file, f"phases[{k}].end",
                             f"day {p.end} is after the run's end (day {limit})")
        end = min(end, spec.days)
        if p.kind == "withdraw" and p.to is None and not p.line:
            raise InputError(file, f"phases[{k}].to",
                             "a withdraw phase needs a 'to' town or a 'line' of towns")
        phase = Phase(
            faction(p.faction, f"phases[{k}].faction"), p.kind,
            tuple(town(t, f"phases[{k}].objectives") for t in p.objectives),
            p.start, end, p.commitment,
            town(p.to, f"phases[{k}].to") if p.to else None,
            tuple(town(t, f"phases[{k}].line") for t in p.line),
            condition(p.when, f"phases[{k}].when"), p.duration)
        if p.start < spec.days:                    # left out when --days shortened the run
            phases.append(phase)

    events = []
    for k, e in enumerate(spec.events):
        if e.day is not None and e.day >= limit:
            raise InputError(file, f"events[{k}].day",
                             f"day {e.day} is outside the run (days 0..{limit - 1})")
        towns = tuple(town(t, f"events[{k}].towns") for t in e.towns)
        if e.town:
            towns += (town(e.town, f"events[{k}].town"),)
        if e.region is not None:
            towns += region_towns(theatre, e.region, file, f"events[{k}].region")
        fac = faction(e.faction, f"events[{k}].faction") if e.faction else None
        to: int | None = None
        if e.kind == "handover":
            to = faction(e.to, f"events[{k}].to")
        elif e.to is not None:
            to = town(e.to, f"events[{k}].to")
        event = Event(
            e.day, e.kind, fac, towns, to, e.strength or 0.0, e.quality, e.units, e.air,
            e.drones, e.note, condition(e.when, f"events[{k}].when"),
            tuple(town(t, f"events[{k}].line") for t in e.line),
            tuple(faction(x, f"events[{k}].factions") for x in e.factions))
        if e.kind == "handover" and e.day == 0:
            continue                               # folded into the initial controller
        if e.day is None or e.day < spec.days:     # left out when --days shortened the run
            events.append(event)
    return Scenario(spec=spec, file=file, theatre=theatre, params=params, factions=names,
                    relation=rel, initial_owner=owner, supply_sources=tuple(sources),
                    deployments=deps, phases=tuple(phases), events=tuple(events))


def region_towns(theatre: Theatre, region: str, file: Path, field: str) -> tuple[int, ...]:
    """Towns of a region given as ``column:value`` on towns.csv (``kind:airbase`` works too)."""
    column, sep, value = region.partition(":")
    if not sep or not value:
        raise InputError(file, field, f"expected 'column:value' (e.g. governorate:Idlib), "
                                      f"got {region!r}")
    if column == "kind":
        values = theatre.kind
    elif column in theatre.attrs:
        values = theatre.attrs[column]
    else:
        cols = ", ".join(["kind", *theatre.attrs])
        raise InputError(file, field, f"towns.csv has no column {column!r}; columns: {cols}")
    ids = tuple(i for i, v in enumerate(values) if v.strip().lower() == value.strip().lower())
    if not ids:
        raise InputError(file, field, f"no town has {column} = {value!r}")
    return ids
