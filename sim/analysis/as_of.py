"""The scenario as an analyst had it at a forecast's origin: nothing dated after the origin
is scripted into the forecast (sim.analysis.forecast)."""

from __future__ import annotations

import dataclasses

from ..inputs.params import settings_text
from ..inputs.scenario import Scenario


def _sets(e) -> str:
    """What a params event sets, for a note (' kill_rate = 0.2'); '' for other events."""
    return f" {settings_text(e.params)}" if e.params else ""


def _dated_after(when, origin: int) -> bool:
    """Does a condition require a day after the origin (``day>=9`` with origin 3)?"""
    if when is None:
        return False

    def walk(node) -> bool:
        if node[0] == "day":
            op, v = node[1], node[2]
            return (op in (">=", "==") and v > origin) or (op == ">" and v >= origin)
        return any(walk(x) for x in node[1:] if isinstance(x, tuple))
    return walk(when.tree)


def scenario_as_of(scenario: Scenario, origin: int) -> tuple[Scenario, list[str]]:
    """The scenario as an analyst had it at the end of day ``origin``: scheduled events on a
    later day (or whose condition needs a later day), phases starting later and groups
    deployed for a later day (their strength leaves the faction's total with them) are left
    out; a phase under way whose end is dated later runs on to the end of the run. Returns it
    and a description of each change. (Other conditional events and phases, ``when``, are
    rules written in advance and are kept.)"""
    events, phases, notes = [], [], []
    for e in scenario.events:
        if (e.day is not None and e.day > origin) or _dated_after(e.when, origin):
            if e.day is None:
                notes.append(f"event {e.kind}{_sets(e)} when '{e.when.text}'"
                             + (f" '{e.note}'" if e.note else ""))
                continue
            who = f" {scenario.factions[e.faction]}" if e.faction is not None else ""
            who += _sets(e)
            notes.append(f"event day {e.day} ({scenario.date(e.day)}) {e.kind}{who}"
                         + (f" '{e.note}'" if e.note else ""))
        else:
            events.append(e)
    for ph in scenario.phases:
        name = f"{scenario.factions[ph.faction]} {ph.kind}"
        if ph.start > origin or _dated_after(ph.when, origin):
            notes.append(f"phase {name} when '{ph.when.text}'" if ph.when is not None and
                         ph.start <= origin else
                         f"phase from day {ph.start} ({scenario.date(ph.start)}) {name}")
            continue
        if ph.when is None and origin < ph.end < scenario.days:   # end: first day without it
            notes.append(f"end of phase {name} on day {ph.end} (runs on)")
            ph = dataclasses.replace(ph, end=scenario.days)
        phases.append(ph)
    deployments, spec = [], scenario.spec
    for d in scenario.deployments:
        if d.day <= origin:
            deployments.append(d)
            continue
        name = scenario.factions[d.faction]
        notes.append(f"deployment day {d.day} ({scenario.date(d.day)}) {name} "
                     f"{d.strength:g} at {scenario.theatre.names[d.town]}")
        f = spec.factions[name]
        spec = spec.model_copy(update={"factions": {
            **spec.factions, name: f.model_copy(update={"strength": f.strength - d.strength})}})
    return dataclasses.replace(scenario, events=tuple(events), phases=tuple(phases),
                               deployments=tuple(deployments), spec=spec), notes
