"""RunResult: what one run produced — control changes, daily control, per-faction series.

The event table uses the record schema shared with reported data (sim.records): ``day,
date, place, new_controller, previous_controller, cause, source``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..inputs.scenario import Scenario
from ..inputs.theatre import Theatre
from ..provenance import versions
from ..records import MODEL_SOURCE, NOBODY, RUN_COLUMNS, LogRow
from .kernels.series import tally
from .state import State

#: The per-faction daily series, in the order of the last axis of ``series_array``.
SERIES = ("towns", "population", "value", "strength", "losses", "morale", "units")


@dataclass
class RunResult:
    """Outcome of one run. Arrays are the source of truth; DataFrames are built on demand."""

    scenario: str
    seed: int
    start: dt.date
    factions: tuple[str, ...]
    colours: tuple[str, ...]
    theatre: Theatre
    initial: np.ndarray                     # (n,) controller index at the start, -1 nobody
    control_array: np.ndarray               # (days, n) controller index at the end of day d
    series_array: np.ndarray                # (days, F, len(SERIES))
    log_rows: list[LogRow] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    # -- building (called by the model) -----------------------------------------------------
    @classmethod
    def begin(cls, scenario: Scenario, seed: int, state: State) -> RunResult:
        """An empty result for a run of ``scenario``; its change log is the state's."""
        sc = scenario
        F = len(sc.factions)
        f = state.forces
        meta = run_meta(sc, seed)
        # the fighters each faction starts with (its scenario strength times this run's draw
        # of force_uncertainty), so the summary adds up: start - losses + reinforcements
        meta["strength_start"] = np.bincount(f.faction[:f.size], weights=f.strength[:f.size],
                                             minlength=F).round().astype(int).tolist()
        return cls(scenario=sc.name, seed=seed, start=sc.start, factions=sc.factions,
                   colours=tuple(f.colour for f in sc.spec.factions.values()),
                   theatre=sc.theatre, initial=state.owner.copy(),
                   control_array=np.full((sc.days, sc.theatre.n), -1, dtype=np.int16),
                   series_array=np.zeros((sc.days, F, len(SERIES))),
                   log_rows=state.log, meta=meta)

    def record(self, state: State) -> None:
        """Control and the per-faction series at the end of the state's day."""
        d = state.day
        self.control_array[d] = state.owner
        th, f = self.theatre, state.forces
        tally(state.owner, th.onmap, th.population, th.value, f.faction, f.strength,
              state.losses, state.morale, self.series_array[d])

    def finish(self, days: int) -> RunResult:
        """Cut the arrays to the ``days`` actually run."""
        self.control_array = self.control_array[:days]
        self.series_array = self.series_array[:days]
        return self

    def __repr__(self) -> str:
        changes = len(self.log_rows)
        end = self.date(self.days - 1) if self.days else self.start
        return (f"<RunResult {self.scenario!r} seed {self.seed}: {self.start}..{end} "
                f"({self.days} days), {self.theatre.n} towns, {len(self.factions)} factions, "
                f"{changes} control change{'s' if changes != 1 else ''}>")

    # -- reading ---------------------------------------------------------------------------------
    @property
    def days(self) -> int:
        return self.control_array.shape[0]

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=int(day))

    def _name(self, i: int) -> str:
        return self.factions[i] if i >= 0 else NOBODY

    @property
    def events(self) -> pd.DataFrame:
        """Every control change, in order: the shared event schema plus ``day``; ``date`` is
        a datetime column (written as ISO dates by ``save``)."""
        th = self.theatre
        rows = [(d, self.date(d), th.names[t], self._name(new), self._name(old),
                 str(cause), MODEL_SOURCE) for d, t, new, old, cause in self.log_rows]
        df = pd.DataFrame(rows, columns=list(RUN_COLUMNS))
        df["date"] = pd.to_datetime(df["date"])
        return df

    @property
    def control(self) -> pd.DataFrame:
        """Controller of every town (columns) at the end of every day (rows, by date)."""
        names = np.array([*self.factions, ""], dtype=object)
        df = pd.DataFrame(names[self.control_array], columns=self.theatre.names)
        df.index = pd.DatetimeIndex([self.date(d) for d in range(self.days)], name="date")
        return df

    @property
    def series(self) -> pd.DataFrame:
        """Per-faction daily series: towns, population, value, strength, losses, morale."""
        d, F, _ = self.series_array.shape
        df = pd.DataFrame(self.series_array.reshape(d * F, -1), columns=list(SERIES))
        df.insert(0, "faction", list(self.factions) * d)
        df.insert(0, "date", pd.to_datetime([self.date(k) for k in range(d) for _ in range(F)]))
        df.insert(0, "day", np.repeat(np.arange(d), F))
        return df

    def first_change(self, town: int, by: int | None = None) -> float:
        """First day ``town`` passed to faction index ``by`` (anyone if None); NaN if it
        never did."""
        for d, t, new, _old, _cause in self.log_rows:
            if t == town and (by is None or new == by):
                return float(d)
        return float("nan")

    def capture_day(self, town: str | int, by: str | None = None) -> int | None:
        """First day the town passed to ``by`` (to anyone if None); None if it never did."""
        t = town if isinstance(town, int) else self.theatre.id_of(town)
        d = self.first_change(t, None if by is None else self.factions.index(by))
        return None if np.isnan(d) else int(d)

    def holder(self, town: str | int, day: int = -1) -> str:
        """Name of the faction holding the town at the end of ``day`` ('' for nobody)."""
        t = town if isinstance(town, int) else self.theatre.id_of(town)
        return self._name(int(self.control_array[day, t]))

    def summary(self) -> pd.DataFrame:
        """Per faction at the start and on the last day: towns, population, strength (at the
        start: after this run's draw of ``force_uncertainty``), losses."""
        last = self.series_array[-1]
        on = (self.initial >= 0) & self.theatre.onmap
        init = np.bincount(self.initial[on], minlength=len(self.factions))
        return pd.DataFrame({
            "faction": self.factions,
            "towns_start": init,
            "towns_end": last[:, 0].astype(int),
            "population_end": last[:, 1].astype(int),
            "strength_start": self.meta.get("strength_start", [pd.NA] * len(self.factions)),
            "strength_end": last[:, 3].round().astype(int),
            "losses": last[:, 4].round().astype(int),
            "morale_end": last[:, 5].round(2),
        })

    # -- files -----------------------------------------------------------------------------------
    def save(self, out: str | Path) -> Path:
        """Write events.csv, control.csv, series.csv and meta.json into ``out`` (the map is
        drawn by sim.views.maps.save_map)."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        iso = "%Y-%m-%d"                   # dates as ISO text, as the files always had them
        self.events.to_csv(out / "events.csv", index=False, date_format=iso)
        self.control.to_csv(out / "control.csv", date_format=iso)
        self.series.to_csv(out / "series.csv", index=False, date_format=iso)
        (out / "meta.json").write_text(json.dumps(self.meta, indent=2, default=str) + "\n")
        return out


def run_meta(sc: Scenario, seed: int) -> dict[str, Any]:
    """What a run was: scenario, theatre, dates, seed, parameters, package versions."""
    return {"scenario": sc.name, "scenario_file": str(sc.file), "theatre": sc.theatre.name,
            "start": sc.start.isoformat(), "days": sc.days, "seed": seed,
            "factions": list(sc.factions), "params": sc.params.as_dict(),
            "versions": versions()}
