"""Results of a batch on disk: chunk files written as they finish, joined at the end.

Every finished chunk becomes ``parts/<first id>-<last id>.{events,series,runs}.parquet``;
``consolidate`` joins them in run-id order into ``runs.parquet``, ``events.parquet`` and
``series.parquet``. Tables use the record schema of sim.records.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..core.results import SERIES
from ..inputs.scenario import Scenario
from ..records import MODEL_SOURCE, NOBODY, arrow_schema
from .metrics import MetricSet


class Store:
    """Results of a batch on disk, written as they come.

    Every finished chunk becomes ``parts/<first id>-<last id>.{events,series,runs}.parquet``,
    each written to a temporary name and renamed; the runs part is renamed last, so a chunk
    counts as done only when all three are complete. A kill loses at most the chunks in
    flight. ``consolidate`` joins the parts in run-id order into ``runs.parquet``,
    ``events.parquet`` and ``series.parquet``.
    """

    TABLES = ("events", "series", "runs")

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.parts = self.out / "parts"

    def prepare(self) -> None:
        self.parts.mkdir(parents=True, exist_ok=True)
        for p in self.parts.iterdir():     # leftovers of a killed write
            if p.name.endswith(".tmp"):
                p.unlink()
        done = {p.name.removesuffix(".runs.parquet") for p in self.parts.glob("*.runs.parquet")}
        for p in self.parts.glob("*.parquet"):
            if p.name.split(".")[0] not in done:
                p.unlink()

    def done_ids(self) -> set[int]:
        ids: set[int] = set()
        for p in self.parts.glob("*.runs.parquet") if self.parts.is_dir() else ():
            ids.update(pq.read_table(p, columns=["run_id"]).column(0).to_pylist())
        return ids

    def write_chunk(self, tables: dict[str, Any]) -> None:
        ids = tables["runs"].column("run_id")
        stem = f"{ids[0].as_py():09d}-{ids[-1].as_py():09d}"
        for name in self.TABLES:
            table = tables.get(name)
            if table is None:
                continue
            tmp = self.parts / f"{stem}.{name}.parquet.tmp"
            pq.write_table(table, tmp)
            os.replace(tmp, self.parts / f"{stem}.{name}.parquet")

    def consolidate(self) -> None:
        """Join the parts, in run-id order, into one file per table; then drop the parts.
        Chunks cover disjoint id ranges, so ordering the parts orders the rows."""
        stems = sorted(p.name.removesuffix(".runs.parquet")
                       for p in self.parts.glob("*.runs.parquet"))
        for name in self.TABLES:
            files = [self.parts / f"{s}.{name}.parquet" for s in stems]
            files = [f for f in files if f.exists()]
            if not files:
                continue
            tmp = self.out / f"{name}.parquet.tmp"
            writer = None
            for f in files:
                t = pq.read_table(f)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, t.schema)
                writer.write_table(t.cast(writer.schema))
            writer.close()
            os.replace(tmp, self.out / f"{name}.parquet")
        for p in self.parts.glob("*.parquet"):
            p.unlink()
        self.parts.rmdir()


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON via a temporary file and a rename, so a reader never sees half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str) + "\n")
    os.replace(tmp, path)



def tables(sc: Scenario, metrics: MetricSet, spec: Any, res: dict[str, Any],
           plan: pd.DataFrame) -> dict[str, pa.Table]:
    """Arrow tables of one finished chunk (``res`` from sim.analysis.batch.run_chunk): runs,
    events (the batch record schema) and the daily per-faction series (with territory and
    population shares). ``spec`` says which tables the experiment keeps."""
    ids = res["ids"]
    rows = plan.iloc[ids]
    cols: dict[str, Any] = {c: rows[c].to_numpy() for c in plan.columns}
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
        F = len(sc.factions)
        on = sc.theatre.onmap                    # territory shares: of the on-map places
        n, pop = int(on.sum()), float(sc.theatre.population[on].sum()) or 1.0
        blocks = []
        for rid, s in zip(ids, res["series"], strict=True):
            D = s.shape[0]
            b = {"run_id": np.full(D * F, rid, dtype=np.int64),
                 "day": np.repeat(np.arange(D, dtype=np.int32), F),
                 "faction": np.tile(np.array(sc.factions, dtype=object), D)}
            flat = s.reshape(D * F, -1)
            for j, c in enumerate(SERIES):
                b[c] = flat[:, j]
            b["territory_share"] = flat[:, 0] / n
            b["population_share"] = flat[:, 1] / pop
            blocks.append(pd.DataFrame(b))
        out["series"] = pa.Table.from_pandas(pd.concat(blocks, ignore_index=True),
                                             preserve_index=False)
    return out
