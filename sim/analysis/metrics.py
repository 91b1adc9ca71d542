"""Outcome metrics of a run, shared by experiments, calibration and plots.

Plain functions of a :class:`~sim.results.RunResult` (arrays in, numbers out), and
:class:`MetricSet`, the metrics an experiment records, declared in TOML and bound once to a
scenario (names resolved to indices). Conventions:

- days are 0-based (day 0 is the scenario's start date); ``control_array[d]`` is control at
  the END of day d, so "holds on day d" means at the end of that day;
- a capture that never happens within the run is NaN (a right-censored observation);
- shares are of all towns (territory) or of all population in the theatre.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from ..errors import InputError
from ..inputs.faults import validation_error
from ..inputs.spec import Strict
from ..inputs.theatre import haversine_km

if TYPE_CHECKING:
    from ..core.results import RunResult
    from ..inputs.scenario import Scenario
    from ..inputs.theatre import Theatre

KINDS = ("capture_day", "holder", "holds", "territory_share", "population_share", "losses",
         "front_length", "first_day_all")
UNITS = {"capture_day": "day", "holder": "faction", "holds": "share of runs",
         "territory_share": "share of towns", "population_share": "share of population",
         "losses": "fighters", "front_length": "km", "first_day_all": "day"}


# -- plain functions ---------------------------------------------------------------------------
def capture_days(result: RunResult, by: int | None = None) -> np.ndarray:
    """First day each town passed to faction index ``by`` (to anyone if None); NaN if never."""
    out = np.full(result.theatre.n, np.nan)
    for d, t, new, _old, _cause in reversed(result.log_rows):
        if by is None or new == by:
            out[t] = d
    return out


def capture_day(result: RunResult, town: int, by: int | None = None) -> float:
    """First day ``town`` passed to ``by`` (anyone if None); NaN if it never did."""
    for d, t, new, _old, _cause in result.log_rows:
        if t == town and (by is None or new == by):
            return float(d)
    return float("nan")


def control_on(result: RunResult, day: int) -> np.ndarray:
    """Controller index of every town at the end of ``day`` (negative counts from the end)."""
    return result.control_array[day].astype(np.int64)


def holder(result: RunResult, town: int, day: int = -1) -> int:
    """Faction index holding ``town`` at the end of ``day`` (-1 nobody)."""
    return int(result.control_array[day, town])


def territory_share(result: RunResult) -> np.ndarray:
    """(days, F): share of all on-map towns each faction holds at the end of each day."""
    return result.series_array[:, :, 0] / result.theatre.onmap.sum()


def population_share(result: RunResult) -> np.ndarray:
    """(days, F): share of the theatre's on-map population in towns each faction holds."""
    th = result.theatre
    total = float(th.population[th.onmap].sum()) or 1.0
    return result.series_array[:, :, 1] / total


def losses(result: RunResult) -> np.ndarray:
    """(days, F): cumulative fighters lost (killed, disabled, surrendered) by each faction."""
    return result.series_array[:, :, 4]


def front_half_km(theatre: Theatre) -> np.ndarray:
    """(m,) half the straight-line length of every road: the length of the front segment
    that :func:`sim.plots.front_segments` draws across it."""
    a, b = theatre.edges[:, 0], theatre.edges[:, 1]
    return 0.5 * haversine_km(theatre.lat[a], theatre.lon[a], theatre.lat[b], theatre.lon[b])


def front_length_km(theatre: Theatre, owner: np.ndarray, relation: np.ndarray,
                    half_km: np.ndarray | None = None) -> float:
    """Length of the front (km): the sum of the drawn front segments, one across every road
    whose ends are held by hostile factions (a stand-in for the boundary between territories;
    it grows with the number of contested roads)."""
    half = front_half_km(theatre) if half_km is None else half_km
    oa, ob = owner[theatre.edges[:, 0]], owner[theatre.edges[:, 1]]
    both = (oa >= 0) & (ob >= 0)
    hostile = np.zeros(len(oa), dtype=bool)
    hostile[both] = relation[oa[both], ob[both]] == -1
    return float(half[hostile].sum())


def first_day_all(result: RunResult, faction: int, towns: Sequence[int]) -> float:
    """First day at whose end ``faction`` holds every one of ``towns``; NaN if never."""
    held = np.all(result.control_array[:, list(towns)] == faction, axis=1)
    hit = np.flatnonzero(held)
    return float(hit[0]) if len(hit) else float("nan")


# -- declared metrics --------------------------------------------------------------------------
class MetricSpec(Strict):
    """One metric in an experiment file (``[[metrics]]``)."""

    kind: Literal["capture_day", "holder", "holds", "territory_share", "population_share",
                  "losses", "front_length", "first_day_all"]
    name: str | None = Field(None, min_length=1, max_length=80)
    town: str | None = None
    towns: list[str] = []
    faction: str | None = None
    by: str | None = None
    day: int | dt.date | None = None


NEEDS = {"capture_day": ("town",), "holder": ("town",), "holds": ("town", "faction"),
         "territory_share": ("faction",), "population_share": ("faction",),
         "losses": ("faction",), "front_length": (), "first_day_all": ("faction", "towns")}
#: the fields each kind reads (any other one set would be silently ignored, so it is refused)
USES = {"capture_day": ("town", "by"), "holder": ("town", "day"),
        "holds": ("town", "faction", "day"), "territory_share": ("faction", "day"),
        "population_share": ("faction", "day"), "losses": ("faction", "day"),
        "front_length": ("day",), "first_day_all": ("faction", "towns")}
_UNUSED_HINT = {("capture_day", "faction"): "; the capturing faction is 'by'",
                ("capture_day", "day"): "; it is the first day of capture in the whole run",
                ("first_day_all", "day"): "; it is the first such day in the whole run"}


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_")


@dataclass(frozen=True)
class Metric:
    """A metric bound to a scenario: names resolved to indices, the day made absolute."""

    name: str
    kind: str
    unit: str
    town: int = -1
    towns: tuple[int, ...] = ()
    faction: int = -1          # the faction it is about (``by`` for capture_day; -1 anyone)
    day: int = -1              # absolute day index (-1: the last day)
    censor: float = float("nan")   # value standing in for NaN in sensitivity analysis

    @property
    def numeric(self) -> bool:
        return self.kind != "holder"


@dataclass
class MetricSet:
    """The metrics an experiment records, bound to a scenario; ``evaluate`` runs them."""

    metrics: tuple[Metric, ...]
    factions: tuple[str, ...]
    relation: np.ndarray
    half_km: np.ndarray
    theatre: Theatre = field(repr=False)

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def __iter__(self):
        return iter(self.metrics)

    def evaluate(self, result: RunResult) -> dict[str, float | str]:
        """Every metric of one run, by name."""
        out: dict[str, float | str] = {}
        for m in self.metrics:
            out[m.name] = self._one(m, result)
        return out

    def _one(self, m: Metric, r: RunResult) -> float | str:
        d = m.day if m.day >= 0 else r.days - 1
        if m.kind == "capture_day":
            return capture_day(r, m.town, None if m.faction < 0 else m.faction)
        if m.kind == "holder":
            h = holder(r, m.town, d)
            return self.factions[h] if h >= 0 else ""
        if m.kind == "holds":
            return float(holder(r, m.town, d) == m.faction)
        if m.kind == "territory_share":
            return float(territory_share(r)[d, m.faction])
        if m.kind == "population_share":
            return float(population_share(r)[d, m.faction])
        if m.kind == "losses":
            return float(r.series_array[d, m.faction, 4])
        if m.kind == "front_length":
            return front_length_km(r.theatre, control_on(r, d), self.relation, self.half_km)
        return first_day_all(r, m.faction, m.towns)


def default_specs(factions: Sequence[str]) -> list[dict[str, Any]]:
    """Metrics recorded when an experiment names none: per faction, the territory and
    population share and the losses on the last day; and the front length."""
    out: list[dict[str, Any]] = []
    for f in factions:
        out += [{"kind": "territory_share", "faction": f},
                {"kind": "population_share", "faction": f}, {"kind": "losses", "faction": f}]
    return out + [{"kind": "front_length"}]


def bind_metrics(specs: Sequence[Mapping[str, Any]] | None, scenario: Scenario,
                 file: Any = "<experiment>", field_prefix: str = "metrics") -> MetricSet:
    """Validate metric declarations and resolve them against ``scenario``."""
    specs = list(specs) if specs else default_specs(scenario.factions)
    th = scenario.theatre
    bound: list[Metric] = []
    for k, raw in enumerate(specs):
        loc = f"{field_prefix}[{k}]"
        try:
            s = MetricSpec.model_validate(raw)
        except ValidationError as exc:
            raise validation_error(exc, file, prefix=loc) from None
        for need in NEEDS[s.kind]:
            if not getattr(s, need):
                raise InputError(file, f"{loc}.{need}", f"a {s.kind} metric needs {need!r}")
        for key in ("town", "towns", "faction", "by", "day"):
            if getattr(s, key) not in (None, []) and key not in USES[s.kind]:
                hint = _UNUSED_HINT.get((s.kind, key), "; the faction is 'faction'"
                                        if key == "by" else "")
                raise InputError(file, f"{loc}.{key}", f"a {s.kind} metric does not use "
                                 f"{key!r} (it uses {', '.join(map(repr, USES[s.kind]))})"
                                 f"{hint}")

        def fac(name: str | None, key: str, _loc: str = loc) -> int:
            if name is None:
                return -1
            return scenario.faction_index(name, file, f"{_loc}.{key}")

        town = th.id_of(s.town, file=file, field=f"{loc}.town") if s.town else -1
        towns = tuple(th.id_of(t, file=file, field=f"{loc}.towns") for t in s.towns)
        faction = fac(s.by, "by") if s.kind == "capture_day" else fac(s.faction, "faction")
        day = _day(s.day, scenario, file, f"{loc}.day")
        name = s.name or _auto_name(s, day)
        if name in {b.name for b in bound}:
            raise InputError(file, f"{loc}.name", f"duplicate metric name {name!r}; "
                             "give each metric a distinct 'name'")
        censor = float(scenario.days) if s.kind in ("capture_day", "first_day_all") \
            else float("nan")
        bound.append(Metric(name, s.kind, UNITS[s.kind], town, towns, faction, day, censor))
    return MetricSet(tuple(bound), scenario.factions, scenario.relation, front_half_km(th), th)


def _day(value: int | dt.date | None, scenario: Scenario, file: Any, field: str) -> int:
    days = scenario.days
    if value is None:
        return -1
    if isinstance(value, dt.date):
        d = (value - scenario.start).days
        if not 0 <= d < days:
            raise InputError(file, field, f"{value} is outside the run ({scenario.start}.."
                             f"{scenario.date(days - 1)})")
        return d
    if value == -1:
        return -1
    if not 0 <= value < days:
        raise InputError(file, field, f"expected a day 0..{days - 1} (or -1 for the last, "
                         f"or a date), got {value}")
    return int(value)


def _auto_name(s: MetricSpec, day: int) -> str:
    parts = [s.kind]
    if s.town:
        parts.append(s.town)
    if s.towns:
        parts.append("+".join(s.towns))
    if s.by:
        parts.append(f"by_{s.by}")
    if s.faction:
        parts.append(s.faction)
    if day >= 0 and s.kind not in ("capture_day", "first_day_all"):
        parts.append(f"d{day}")
    return "_".join(_slug(p) for p in parts)


# -- reductions over many runs ----------------------------------------------------------------
def summarise(runs: Any, metrics: MetricSet, by: Sequence[str] = (),
              quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> Any:
    """Per metric (and per value of the ``by`` columns, e.g. the swept parameters): runs,
    share missing (NaN: e.g. never captured within the run), mean and quantiles over the runs
    where it is defined. A faction-valued metric (``holder``) gives its most common value and
    that value's share instead."""
    groups = runs.groupby(list(by), sort=True) if by else [((), runs)]
    rows = []
    for key, g in groups:
        keyd = dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True))
        for m in metrics:
            row: dict[str, Any] = {**keyd, "metric": m.name, "unit": m.unit, "runs": len(g)}
            v = g[m.name]
            if m.numeric:
                x = v.to_numpy(dtype=float)
                ok = x[~np.isnan(x)]
                row["missing"] = 1 - len(ok) / max(len(x), 1)
                row["mean"] = ok.mean() if len(ok) else np.nan
                for q in quantiles:
                    row[_qname(q)] = np.quantile(ok, q) if len(ok) else np.nan
            else:
                counts = v.value_counts()
                row["mode"] = counts.index[0] if len(counts) else ""
                row["mode_share"] = counts.iloc[0] / len(v) if len(counts) else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def _qname(q: float) -> str:
    return "median" if q == 0.5 else f"q{round(q * 100):02d}"
