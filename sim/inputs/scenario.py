"""Scenarios bound to a theatre: every name resolved to an index, ready to run.

A scenario names a theatre, a start date and a length, the factions (forces, doctrine,
supply sources, relations, external support), how forces are deployed, the phases of each
faction's campaign and its scheduled events. :func:`load_scenario` reads the file (with
``extends`` and ``--set``, :mod:`sim.inputs.overrides`), validates it against the schema
(:mod:`sim.inputs.spec`) and binds it to its theatre (:func:`bind`).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import TypeAdapter, ValidationError

from ..errors import InputError, did_you_mean
from ..records import is_nobody
from .conditions import Condition
from .conditions import parse as parse_condition
from .faults import validation_error
from .files import check_nesting
from .kinds import check_kind
from .limits import check_magnitudes, check_span
from .overrides import apply_overrides, load_raw_placed, where_made
from .params import PARAMS, Params, coerce
from .scenario_parts import Deployment, Phase, ScheduledEvent, event_params
from .spec import ScenarioSpec
from .theatre import Theatre, load_theatre

#: A faction's own values of these parameters override the global ones (same bounds).
DOCTRINE = ("attack_ratio", "hold_ratio", "garrison_share", "counterattack_ratio")


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read, override, validate and bind a scenario to its theatre."""
    data, origins = load_raw_placed(path)
    file = Path(data.pop("__file__"))
    theatre_base = Path(data.pop("__theatre_base__", file))
    file_days = _file_days(data.get("days"))
    written = data                              # what the files wrote, before --set
    from_set: set[str] = set()
    if overrides:
        data = apply_overrides(data, overrides)
        check_nesting(data, "--set")
        from_set = {k for k in overrides if k in PARAMS}
    try:
        check_kind(data, "scenario", file)
        spec = ScenarioSpec.model_validate(data)
        check_limits(spec, file)
        theatre_dir = resolve_theatre(spec.theatre, theatre_base)
    except (ValidationError, InputError) as exc:
        err = validation_error(exc, file) if isinstance(exc, ValidationError) else exc
        raise where_made(err, file, origins, overrides, written) from None
    shortened = file_days is not None and spec.days < file_days
    theatre = load_theatre(theatre_dir)
    try:
        return bind(spec, theatre, file, file_days=file_days if shortened else None,
                    params_from_set=from_set)
    except InputError as err:                  # e.g. --set events[2].set.NAME=VALUE
        raise where_made(err, file, origins, overrides, written) from None


def _file_days(value: Any) -> int | None:
    """The run length the file itself writes, read as the schema reads it (``days = 10``,
    ``10.0`` or ``"10"``), or None when it is none (then the file's own error is shown)."""
    if isinstance(value, bool):
        return None
    try:
        return TypeAdapter(int).validate_python(value)
    except ValidationError:
        return None


def check_limits(spec: ScenarioSpec, file: Path) -> None:
    """Bounds beyond the schema (sim.inputs.limits): the run's first and last dates, finite
    numbers of sane size, strengths; a faction's doctrine overrides within the bounds of the
    parameter of the same name."""
    check_span(spec.start, spec.days, file)
    check_magnitudes(spec.model_dump(), file)
    from matplotlib.colors import is_color_like  # here: only a check needs matplotlib
    for name, f in spec.factions.items():
        if not name.strip() or name != name.strip() or is_nobody(name):
            raise InputError(file, f"factions.{name}", f"faction name {name!r} is empty, has "
                             "spaces at its ends or means 'nobody' (none, nobody)")
        if not is_color_like(f.colour):
            raise InputError(file, f"factions.{name}.colour", f"not a colour: {f.colour!r} "
                             "(use a name such as 'red' or '#d62728')")
        for key in DOCTRINE:
            value = getattr(f, key, None)
            if value is not None:
                coerce(key, value, file=file, field=f"factions.{name}.{key}")


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
class ScenarioWarning(UserWarning):
    """Something a scenario leaves to defaults that often surprise (no off-map rear)."""


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
    events: tuple[ScheduledEvent, ...]

    def __repr__(self) -> str:
        return (f"<Scenario {self.name!r} ({self.file.name}): {self.start} + {self.days} days, "
                f"theatre {self.theatre.name} ({self.theatre.n} towns), factions "
                f"{', '.join(self.factions)}; {len(self.phases)} phases, "
                f"{len(self.events)} events>")

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
            raise InputError(file or self.file, field, f"unknown faction {name!r}"
                             f"{did_you_mean(name, self.factions)}; "
                             f"factions: {', '.join(self.factions)}") from None

    def with_params(self, **changes: Any) -> Scenario:
        """The same scenario with some parameters changed (each change checked against the
        table)."""
        return replace(self, params=self.params.replace(**changes))

    def set_by_events(self, name: str) -> list[str]:
        """When the scenario's params events set parameter ``name``: 'day D' or 'when
        CONDITION', one per event (empty: no event sets it)."""
        return [f"day {e.day}" if e.day is not None else f"when {e.when.text}"
                for e in self.events if e.kind == "params" and name in dict(e.params)]

    def with_seed(self, seed: int) -> Scenario:
        return replace(self, spec=self.spec.model_copy(update={"seed": int(seed)}))


def bind(spec: ScenarioSpec, theatre: Theatre, file: Path,
         file_days: int | None = None, params_from_set: set[str] | frozenset = frozenset()
         ) -> Scenario:
    """Resolve names to indices and check everything that needs the theatre.

    ``file_days``: the run length written in the file when an override shortened it; phases
    and events are then checked against the file's length and those after the shortened end
    are left out. ``params_from_set``: parameters whose value came from ``--set`` (an error
    in one names ``--set``, not the file).
    """
    limit = file_days or spec.days
    names = tuple(spec.factions)
    fidx = {n: i for i, n in enumerate(names)}

    def faction(name: str | None, field: str) -> int:
        if name not in fidx:
            raise InputError(file, field, f"unknown faction {name!r}"
                             f"{did_you_mean(str(name), names)}; factions: "
                             f"{', '.join(names)}")
        return fidx[name]

    def town(name: str, field: str) -> int:
        return theatre.id_of(name, file=file, field=field)

    params = Params(spec.params, file=str(file),
                    origins={k: "--set" for k in params_from_set})

    F = len(names)
    rel = -np.ones((F, F), dtype=np.int8)
    np.fill_diagonal(rel, 1)
    for kind, value, doing in (("allies", 1, "fights alongside"), ("neutral", 0, "does not fight")):
        for i, (nm, f) in enumerate(spec.factions.items()):
            for a in getattr(f, kind):
                field = f"factions.{nm}.{kind}"
                j = faction(a, field)
                if j == i:
                    raise InputError(file, field, f"{nm!r} lists itself; expected the other "
                                     f"factions it {doing}")
                if value == 0 and rel[i, j] == 1:
                    raise InputError(file, field, f"{a!r} is also an ally of {nm!r}; expected "
                                     "a faction to be either an ally or neutral")
                rel[i, j] = rel[j, i] = value

    owner = np.full(theatre.n, -1, dtype=np.int64)
    tfile = (theatre.source_dir / "towns.csv") if theatre.source_dir else file
    for i, c in enumerate(theatre.controller):
        if is_nobody(c):
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
            if e.town is not None:
                ids.append(town(e.town, f"events[{k}].town"))
            owner[ids] = faction(e.to, f"events[{k}].to")

    sources = []
    for nm, f in spec.factions.items():
        ids = []
        for t in f.supply:
            if theatre.find(t) is None and not theatre.suggest(t):
                raise InputError(file, f"factions.{nm}.supply", f"unknown town {t!r} in "
                                 f"theatre {theatre.name!r}; if it lies beyond the map, add "
                                 "it to towns.csv with kind = offmap (a rear area that "
                                 "supplies the faction and is never captured)")
            ids.append(town(t, f"factions.{nm}.supply"))
            holder = int(owner[ids[-1]])
            if holder < 0 or rel[fidx[nm], holder] != 1:
                by = names[holder] if holder >= 0 else "nobody"
                if not theatre.onmap[ids[-1]]:     # never changes hands: never a source
                    raise InputError(file, f"factions.{nm}.supply", f"{t!r} is an off-map "
                                     f"place held by {by}; off-map places never change "
                                     f"hands, so it would never supply {nm} (give it {nm}'s "
                                     "or an ally's controller in towns.csv, or name another "
                                     "source)")
                warnings.warn(f"{file}: factions.{nm}.supply: {theatre.names[ids[-1]]!r} is "
                              f"held by {by} at the start, so it supplies {nm} only once {nm} "
                              "or an ally holds it", ScenarioWarning, stacklevel=2)
        if not ids:  # default: every town the faction holds at the start is a source
            ids = list(np.flatnonzero(owner == fidx[nm]))
        sources.append(np.array(sorted(set(ids)), dtype=np.int64))
    alone = [nm for nm, f in spec.factions.items()
             if f.stake is None and (owner == fidx[nm]).any()
             and not ((owner == fidx[nm]) & ~theatre.onmap).any()]
    if alone:
        one = len(alone) == 1
        who, their, holds = (("faction", "its", "it holds") if one
                             else ("factions", "their", "they hold"))
        warnings.warn(f"{file}: {who} {', '.join(alone)}: no off-map rear and no stake, so "
                      f"{their} morale measures losses against what {holds} in this map and "
                      f"{their} units cannot fall back beyond it (README: 'Your own theatre')",
                      ScenarioWarning, stacklevel=2)

    deps = tuple(
        Deployment(faction(d.faction, f"deployments[{k}].faction"),
                   town(d.town, f"deployments[{k}].town"), d.strength, d.quality, d.units,
                   d.posture, d.day)
        for k, d in enumerate(spec.deployments))
    for k, d in enumerate(deps):
        if d.day >= limit:
            raise InputError(file, f"deployments[{k}].day", f"a day before the run's end "
                             f"(0 to {limit - 1}), got {d.day}")
    for k, d in enumerate(deps):      # a blank controller in towns.csv: held by nobody
        if owner[d.town] < 0 or rel[d.faction, owner[d.town]] != 1:
            who = repr(names[owner[d.town]]) if owner[d.town] >= 0 else "nobody at the start"
            raise InputError(file, f"deployments[{k}].town", f"{theatre.names[d.town]!r} is "
                             f"held by {who}, not by {names[d.faction]!r} or an ally",
                             also=(f"deployments[{k}].faction",))

    for i, (nm, f) in enumerate(spec.factions.items()):   # sim.core.deploy needs a town
        if not (owner == i).any() and not any(d.faction == i for d in deps) \
                and f.strength >= params.min_strength:
            raise InputError(file, f"factions.{nm}", "the faction holds no town at the "
                             "start; give it deployments, or a town's controller")

    def condition(text: str | None, field: str) -> Condition | None:
        if text is None:
            return None
        return parse_condition(text, theatre, names, file=file, field=field)

    for i, (nm, f) in enumerate(spec.factions.items()):
        used = sum(d.strength for d in deps if d.faction == i)
        if used > f.strength + 1e-9:
            raise InputError(file, f"factions.{nm}.strength",
                             f"deployments add up to {used:g}, more than the faction's "
                             f"strength {f.strength:g}",
                             also=tuple(f"deployments[{k}].{key}" for k, d in enumerate(deps)
                                        if d.faction == i for key in ("strength", "faction")))

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
        for t in p.objectives:
            if not theatre.onmap[town(t, f"phases[{k}].objectives")]:
                raise InputError(file, f"phases[{k}].objectives", f"{t!r} is off-map (kind "
                                 "offmap): it cannot be an objective")
        phase = Phase(
            faction(p.faction, f"phases[{k}].faction"), p.kind,
            tuple(town(t, f"phases[{k}].objectives") for t in p.objectives),
            p.start, end, p.commitment,
            town(p.to, f"phases[{k}].to") if p.to is not None else None,
            tuple(town(t, f"phases[{k}].line") for t in p.line),
            condition(p.when, f"phases[{k}].when"), p.duration,
            tuple(faction(g, f"phases[{k}].against") for g in p.against))
        for g in phase.against:
            if rel[phase.faction, g] != -1:
                raise InputError(file, f"phases[{k}].against",
                                 f"{names[g]!r} is not hostile to {p.faction!r} (an offensive "
                                 "can only be directed against an enemy)",
                                 also=(f"phases[{k}].faction",))
        if p.start < spec.days:                    # left out when --days shortened the run
            phases.append(phase)

    events = []
    for k, e in enumerate(spec.events):
        if e.day is not None and e.day >= limit:
            raise InputError(file, f"events[{k}].day",
                             f"day {e.day} is outside the run (days 0..{limit - 1})")
        towns = tuple(town(t, f"events[{k}].towns") for t in e.towns)
        if e.town is not None:
            towns += (town(e.town, f"events[{k}].town"),)
        if e.region is not None:
            towns += region_towns(theatre, e.region, file, f"events[{k}].region")
        fac = faction(e.faction, f"events[{k}].faction") if e.faction is not None else None
        to: int | None = None
        if e.kind == "handover":
            to = faction(e.to, f"events[{k}].to")
        elif e.to is not None:
            to = town(e.to, f"events[{k}].to")
        event = ScheduledEvent(
            e.day, e.kind, fac, towns, to, e.strength or 0.0, e.quality, e.units, e.air,
            e.drones, e.note, condition(e.when, f"events[{k}].when"),
            tuple(town(t, f"events[{k}].line") for t in e.line),
            tuple(faction(x, f"events[{k}].factions") for x in e.factions),
            event_params(e.set, file, f"events[{k}].set"))
        offmap = [theatre.names[t] for t in towns if not theatre.onmap[t]]
        if e.kind == "handover" and offmap:
            raise InputError(file, f"events[{k}].towns", f"{offmap[0]!r} is off-map (kind "
                             "offmap): off-map places never change hands")
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
