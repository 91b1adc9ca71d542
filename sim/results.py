"""RunResult: what one run produced — control changes, daily control, per-faction series.

The event table uses the schema shared with reported data (DESIGN.md, "The event record"):
``date, place, new_controller, previous_controller, cause, source`` (plus ``day``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .model import ConflictModel
    from .theatre import Theatre

SERIES = ("towns", "population", "value", "strength", "losses", "morale", "units")
EVENT_COLUMNS = ["day", "date", "place", "new_controller", "previous_controller", "cause",
                 "source"]


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
    log_rows: list[tuple[int, int, int, int, str]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    # -- building (called by the model) -----------------------------------------------------
    @classmethod
    def begin(cls, model: ConflictModel) -> RunResult:
        sc = model.setup
        F = len(sc.factions)
        return cls(scenario=sc.name, seed=model.seed, start=sc.start, factions=sc.factions,
                   colours=tuple(f.colour for f in sc.spec.factions.values()),
                   theatre=sc.theatre, initial=model.owner.copy(),
                   control_array=np.full((sc.days, sc.theatre.n), -1, dtype=np.int16),
                   series_array=np.zeros((sc.days, F, len(SERIES))),
                   meta=run_meta(model))

    def log(self, day: int, town: int, new: int, old: int, cause: str) -> None:
        self.log_rows.append((day, town, new, old, cause))

    def record(self, model: ConflictModel) -> None:
        d = model.day
        owner = model.owner
        self.control_array[d] = owner
        th, f = model.theatre, model.forces
        F = len(self.factions)
        alive = f.strength > 0
        s = self.series_array[d]
        s[:, 0] = np.bincount(owner[owner >= 0], minlength=F)
        s[:, 1] = np.bincount(owner[owner >= 0], weights=th.population[owner >= 0], minlength=F)
        s[:, 2] = np.bincount(owner[owner >= 0], weights=th.value[owner >= 0], minlength=F)
        s[:, 3] = np.bincount(f.faction[alive], weights=f.strength[alive], minlength=F)
        s[:, 4] = model.losses
        s[:, 5] = model.morale
        s[:, 6] = np.bincount(f.faction[alive], minlength=F)

    def finish(self, model: ConflictModel) -> RunResult:
        self.control_array = self.control_array[: model.day]
        self.series_array = self.series_array[: model.day]
        return self

    # -- reading ---------------------------------------------------------------------------------
    @property
    def days(self) -> int:
        return self.control_array.shape[0]

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=int(day))

    def _name(self, i: int) -> str:
        return self.factions[i] if i >= 0 else ""

    @property
    def events(self) -> pd.DataFrame:
        """Every control change, in order: the shared event schema plus ``day``."""
        th = self.theatre
        rows = [(d, self.date(d).isoformat(), th.names[t], self._name(new), self._name(old),
                 cause, "model") for d, t, new, old, cause in self.log_rows]
        return pd.DataFrame(rows, columns=EVENT_COLUMNS)

    @property
    def control(self) -> pd.DataFrame:
        """Controller of every town (columns) at the end of every day (rows, by date)."""
        names = np.array([*self.factions, ""], dtype=object)
        df = pd.DataFrame(names[self.control_array], columns=self.theatre.names)
        df.index = pd.Index([self.date(d).isoformat() for d in range(self.days)], name="date")
        return df

    @property
    def series(self) -> pd.DataFrame:
        """Per-faction daily series: towns, population, value, strength, losses, morale."""
        d, F, _ = self.series_array.shape
        df = pd.DataFrame(self.series_array.reshape(d * F, -1), columns=list(SERIES))
        df.insert(0, "faction", list(self.factions) * d)
        df.insert(0, "date", [self.date(k).isoformat() for k in range(d) for _ in range(F)])
        df.insert(0, "day", np.repeat(np.arange(d), F))
        return df

    def capture_day(self, town: str | int, by: str | None = None) -> int | None:
        """First day the town passed to ``by`` (to anyone if None); None if it never did."""
        from .metrics import capture_day
        t = town if isinstance(town, int) else self.theatre.id_of(town)
        d = capture_day(self, t, None if by is None else self.factions.index(by))
        return None if np.isnan(d) else int(d)

    def holder(self, town: str | int, day: int = -1) -> str:
        """Name of the faction holding the town at the end of ``day`` ('' for nobody)."""
        from .metrics import holder
        t = town if isinstance(town, int) else self.theatre.id_of(town)
        return self._name(holder(self, t, day))

    def summary(self) -> pd.DataFrame:
        """Per faction at the start and on the last day: towns, population, strength, losses."""
        last = self.series_array[-1]
        init = np.bincount(self.initial[self.initial >= 0], minlength=len(self.factions))
        return pd.DataFrame({
            "faction": self.factions,
            "towns_start": init,
            "towns_end": last[:, 0].astype(int),
            "population_end": last[:, 1].astype(int),
            "strength_end": last[:, 3].round().astype(int),
            "losses": last[:, 4].round().astype(int),
            "morale_end": last[:, 5].round(2),
        })

    def plot_map(self, day: int = -1, ax=None, **kw):
        """Towns at their coordinates coloured by controller, sized by population; roads;
        the front line (see sim.plots.plot_map)."""
        from .plots import plot_map
        return plot_map(self, day=day, ax=ax, **kw)

    # -- files -----------------------------------------------------------------------------------
    def save(self, out: str | Path, *, with_map: bool = True) -> Path:
        """Write events.csv, control.csv, series.csv, meta.json (and map.png) into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.events.to_csv(out / "events.csv", index=False)
        self.control.to_csv(out / "control.csv")
        self.series.to_csv(out / "series.csv", index=False)
        (out / "meta.json").write_text(json.dumps(self.meta, indent=2, default=str) + "\n")
        if with_map:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            fig = self.plot_map()
            fig.savefig(out / "map.png", dpi=120, bbox_inches="tight")
            plt.close(fig)
        return out


def versions() -> dict[str, str]:
    out = {}
    for pkg in ("frontline", "mesa", "numpy", "scipy", "pandas", "networkx", "pydantic"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def run_meta(model: ConflictModel) -> dict[str, Any]:
    sc = model.setup
    return {"scenario": sc.name, "scenario_file": str(sc.file), "theatre": sc.theatre.name,
            "start": sc.start.isoformat(), "days": sc.days, "seed": model.seed,
            "factions": list(sc.factions), "params": sc.params.as_dict(),
            "versions": _VERSIONS}


_VERSIONS = versions()
