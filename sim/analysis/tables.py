"""The tables of one finished chunk of a batch (Arrow): one row per run, the control changes
in the record schema (sim.records), and the daily per-faction series with territory and
population shares. Written to disk by sim.analysis.store."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..core.results import SERIES
from ..errors import InputError
from ..inputs.scenario import Scenario
from ..records import BATCH_COLUMNS, MODEL_SOURCE, NOBODY, arrow_schema
from .metrics import MetricSet

#: The columns of run ids, design points, replicates and seeds in ``runs.parquet``: no
#: metric or swept parameter may take one of these names.
RESERVED = ("run_id", "point", "replicate", "seed")
#: Columns every consolidated table must have, with their kinds (checked when read).
COLUMNS = {
    "runs": {"run_id": "int", "point": "int", "replicate": "int", "seed": "int"},
    "events": {c: ("int" if c in ("run_id", "day") else "str") for c in BATCH_COLUMNS},
    "series": {"run_id": "int", "day": "int", "faction": "str",
               **{c: "float" for c in SERIES}, "territory_share": "float",
               "population_share": "float"},
}


def tables(sc: Scenario, metrics: MetricSet, spec: Any, res: dict[str, Any],
           plan: pd.DataFrame) -> dict[str, pa.Table]:
    """Arrow tables of one finished chunk (``res`` from sim.analysis.batch.run_chunk): runs,
    events (the batch record schema) and the daily per-faction series (with territory and
    population shares). ``spec`` says which tables the experiment keeps."""
    ids = res["ids"]
    cols: dict[str, Any] = {c: plan[c].to_numpy()[ids] for c in plan.columns}
    for m in metrics:
        vals = [r[m.name] for r in res["metrics"]]
        cols[m.name] = np.array(vals, dtype=float) if m.numeric else np.array(vals, dtype=str)
    out = {"runs": pa.table(cols)}
    fac = np.array([*sc.factions, NOBODY], dtype=object)     # index -1 -> nobody
    names = np.array(sc.theatre.names, dtype=object)
    if res["events"] is not None and spec.events:
        ev = res["events"]
        days = ev[:, 1]
        dates = np.array([sc.date(d).isoformat() for d in range(int(days.max(initial=0)) + 1)],
                         dtype=object)
        out["events"] = pa.table({
            "run_id": ev[:, 0], "day": days.astype(np.int32), "date": dates[days],
            "place": names[ev[:, 2]], "new_controller": fac[ev[:, 3]],
            "previous_controller": fac[ev[:, 4]],
            "cause": np.array(res["causes"], dtype=object)[ev[:, 5]] if len(ev) else
            np.array([], dtype=object),
            "source": np.full(len(ev), MODEL_SOURCE, dtype=object)},
            schema=arrow_schema())
    if res["series"] and spec.series:
        out["series"] = _series(sc, ids, res["series"])
    return out


def _series(sc: Scenario, ids: np.ndarray, series: list[np.ndarray]) -> pa.Table:
    """The daily per-faction series of a chunk's runs, one row per run, day and faction,
    built from the runs' arrays in one go (the values and the schema, pandas metadata
    included, are those of the DataFrame the table was once built from)."""
    F = len(sc.factions)
    on = sc.theatre.onmap                    # territory shares: of the on-map places
    n, pop = int(on.sum()), float(sc.theatre.population[on].sum()) or 1.0
    days = np.array([s.shape[0] for s in series], dtype=np.int64)
    flat = np.concatenate([s.reshape(s.shape[0] * F, -1) for s in series])
    cols: dict[str, Any] = {
        "run_id": np.repeat(np.asarray(ids, dtype=np.int64), days * F),
        "day": np.concatenate([np.repeat(np.arange(D, dtype=np.int32), F) for D in days]),
        "faction": np.tile(np.array(sc.factions, dtype=object), int(days.sum()))}
    for j, c in enumerate(SERIES):
        cols[c] = flat[:, j]
    cols["territory_share"] = flat[:, 0] / n
    cols["population_share"] = flat[:, 1] / pop
    return pa.table(cols, schema=_series_schema())


@cache
def _series_schema() -> pa.Schema:
    """The series table's schema, as ``pa.Table.from_pandas`` gives it for these columns."""
    row: dict[str, Any] = {"run_id": np.zeros(1, dtype=np.int64),
                           "day": np.zeros(1, dtype=np.int32),
                           "faction": np.array(["f"], dtype=object)}
    row.update({c: np.zeros(1) for c in (*SERIES, "territory_share", "population_share")})
    return pa.Table.from_pandas(pd.DataFrame(row), preserve_index=False).schema


def check_values(name: str, df: pd.DataFrame, path: Any, *, runs_total: int, points: int,
                 factions: tuple[str, ...], places: list[str], days: int) -> None:
    """The values of a consolidated table belong to its experiment: run ids and design
    points in range and each run once (runs), places, factions and days of the scenario
    (events, series). A table edited or swapped in from another batch is an InputError."""
    def bad(col: str, mask: Any, what: str) -> None:
        if bool(np.any(mask)):
            example = df.loc[np.asarray(mask), col].iloc[0]
            raise InputError(path, col, f"{example!r} is not {what} of this batch (was the "
                             "table changed or copied from another batch?)")
    bad("run_id", (df["run_id"] < 0) | (df["run_id"] >= runs_total), "a run id")
    if name == "runs":
        bad("run_id", df["run_id"].duplicated(), "a unique run id")
        bad("point", (df["point"] < 0) | (df["point"] >= points), "a design point")
        return
    bad("day", (df["day"] < 0) | (df["day"] >= max(days, 1)), "a day of the run")
    if name == "events":
        bad("place", ~df["place"].isin(places), "a town")
        for col in ("new_controller", "previous_controller"):
            bad(col, ~df[col].isin([*factions, NOBODY]), "a faction")
    else:
        bad("faction", ~df["faction"].isin(factions), "a faction")
