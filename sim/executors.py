"""Executors: run a function over many inputs in this process, a local process pool, or on
a Dask cluster, behind one small interface.

    with make_executor(workers=2) as ex:
        ex.map(fn, items)                  # ordered list (also ``ex(fn, items)``)
        for i, y in ex.as_completed(fn, items): ...   # (index, result) as they finish

An executor is callable like ``multiprocessing.Pool.map``, so it can be handed to
``scipy.optimize.differential_evolution(..., workers=ex)``. ``fn`` must be picklable (a
module-level function or a picklable callable object) for the pool and Dask backends.
Executors never touch random state: any randomness must travel inside the items.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from .errors import InputError
from .results import SERIES

T = TypeVar("T")
R = TypeVar("R")


class Executor:
    """Base: serial execution in this process (the reference the others must equal)."""

    backend = "serial"

    def __init__(self) -> None:
        self.workers = 1

    def as_completed(self, fn: Callable[[T], R], items: Iterable[T],
                     max_pending: int | None = None) -> Iterator[tuple[int, R]]:
        """Yield ``(index, fn(item))`` as results finish (any order). At most
        ``max_pending`` items are in flight at once (default: twice the workers)."""
        for i, item in enumerate(items):
            yield i, fn(item)

    def imap_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        for _i, y in self.as_completed(fn, items):
            yield y

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``[fn(x) for x in items]`` in input order."""
        items = list(items)
        out: list[Any] = [None] * len(items)
        for i, y in self.as_completed(fn, items, max_pending=max(len(items), 1)):
            out[i] = y
        return out

    def __call__(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        return self.map(fn, items)

    def close(self) -> None:
        """Release workers (idempotent)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> str:
        return f"{self.backend} ({self.workers} worker{'s' if self.workers != 1 else ''})"


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the parent, which cancels them cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class PoolExecutor(Executor):
    """A local process pool (``concurrent.futures``; forkserver start so that the workers
    are clean of the parent's threads, with ``sim`` preloaded so that they start fast)."""

    backend = "pool"

    def __init__(self, workers: int) -> None:
        super().__init__()
        self.workers = workers
        methods = mp.get_all_start_methods()
        ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
        if ctx.get_start_method() == "forkserver":
            ctx.set_forkserver_preload(["sim.experiments", "sim.model"])
        self._pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_ignore_sigint)

    def as_completed(self, fn, items, max_pending=None):
        limit = max_pending or 2 * self.workers
        it = iter(enumerate(items))
        pending: dict[Future, int] = {}
        try:
            for i, item in it:
                pending[self._pool.submit(fn, item)] = i
                if len(pending) >= limit:
                    break
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    i = pending.pop(fut)
                    yield i, fut.result()
                for i, item in it:
                    pending[self._pool.submit(fn, item)] = i
                    if len(pending) >= limit:
                        break
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """A Dask ``distributed`` cluster: an existing one (``scheduler`` address) or a local one
    started here (``dask_local`` worker processes, one thread each, on loopback only).

    Tasks lost with a dying worker are rescheduled by Dask; each task's result reaches the
    client once, so nothing is lost or duplicated."""

    backend = "dask"

    def __init__(self, scheduler: str | None = None, dask_local: int | None = None) -> None:
        super().__init__()
        from distributed import Client, LocalCluster
        self._cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise InputError("--scheduler", scheduler,
                                 f"cannot connect to a Dask scheduler: {exc}") from None
        else:
            self._cluster = LocalCluster(n_workers=dask_local or 1, threads_per_worker=1,
                                         processes=True, host="127.0.0.1",
                                         dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self._cluster)
        self.workers = max(1, sum(self.client.nthreads().values()))

    def as_completed(self, fn, items, max_pending=None):
        from distributed import as_completed
        limit = max_pending or 2 * self.workers
        it = iter(enumerate(items))
        index: dict[str, int] = {}
        live: dict[str, Any] = {}

        def submit(i: int, item: Any):
            fut = self.client.submit(fn, item, pure=False)
            index[fut.key] = i
            live[fut.key] = fut
            return fut

        first = []
        for i, item in it:
            first.append(submit(i, item))
            if len(first) >= limit:
                break
        if not first:
            return
        ac = as_completed(first)
        try:
            for fut in ac:
                i = index.pop(fut.key)
                result = fut.result()
                live.pop(fut.key).release()
                yield i, result
                for j, item in it:
                    ac.add(submit(j, item))
                    break
        finally:
            for fut in live.values():
                fut.cancel()

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()
                self._cluster = None

    def describe(self) -> str:
        where = "local cluster" if self._cluster is not None else self.client.scheduler.address
        return f"dask {where} ({self.workers} worker threads)"


def make_executor(workers: int = 1, scheduler: str | None = None,
                  dask_local: int | None = None) -> Executor:
    """The executor for the given options: Dask if ``scheduler`` or ``dask_local`` is given,
    else a process pool of ``workers`` (0 means one per CPU), else serial (``workers=1``)."""
    if scheduler and dask_local:
        raise InputError("command line", "--scheduler/--dask-local", "give one, not both")
    if scheduler or dask_local:
        if dask_local is not None and dask_local < 1:
            raise InputError("command line", "--dask-local", "expected at least 1 worker")
        return DaskExecutor(scheduler=scheduler, dask_local=dask_local)
    if workers == 0:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else (os.cpu_count() or 1)
    if workers < 0:
        raise InputError("command line", "--workers", f"expected >= 0, got {workers}")
    return Executor() if workers == 1 else PoolExecutor(workers)


# == the batch worker and the result store ====================================================
# A task is a chunk of runs (a run is ~25 ms, so per-task overhead matters); the worker keeps
# each scenario it builds, keyed by the experiment and the design point, for later chunks.

_SCENARIOS: dict[tuple, tuple[Any, Any]] = {}


_CACHE_SIZE = 256


@dataclass(frozen=True)
class Job:
    """What every task of one experiment shares: the scenario (experiment overrides
    applied, shipped so that remote workers need no files unless a scenario field is swept),
    its file and overrides (to rebuild it with swept fields), and the metric declarations."""

    key: str
    scenario: Any
    file: str
    overrides: dict[str, Any]
    metric_specs: tuple[dict[str, Any], ...]
    series: bool = True
    events: bool = True


def _bound(job: Job, point: dict[str, Any]):
    key = (job.key, tuple(sorted(point.items())))
    hit = _SCENARIOS.get(key)
    if hit is None:
        from .metrics import bind_metrics
        from .params import PARAMS
        from .scenario import load_scenario
        if all(k in PARAMS for k in point):
            sc = job.scenario.with_params(**point) if point else job.scenario
        else:
            sc = load_scenario(job.file, {**job.overrides, **point})
        hit = (sc, bind_metrics(list(job.metric_specs), sc))
        if len(_SCENARIOS) >= _CACHE_SIZE:
            _SCENARIOS.pop(next(iter(_SCENARIOS)))
        _SCENARIOS[key] = hit
    return hit


def run_chunk(task: tuple[Job, list[tuple[int, int, dict[str, Any]]]]) -> dict[str, Any]:
    """Run ``(run_id, seed, point)`` items in order; return their metrics, control changes
    (int array: run_id, day, town, new, old, cause code) and daily series. A run that fails
    is reported in ``errors`` (run_id, file, field, message) instead of raising."""
    from .model import ConflictModel
    job, items = task
    ids, metrics, events, series, errors = [], [], [], [], []
    causes: dict[str, int] = {}
    for run_id, seed, point in items:
        try:
            sc, ms = _bound(job, point)
            model = ConflictModel(sc, seed=seed)
            r = model.run()
            m = ms.evaluate(r)
        except InputError as exc:
            errors.append((run_id, exc.file, exc.field, exc.message))
            continue
        except Exception as exc:  # a model fault: report it, keep the batch going
            errors.append((run_id, "<model>", type(exc).__name__, str(exc)))
            continue
        ids.append(run_id)
        metrics.append(m)
        if job.events:
            events += [(run_id, d, t, new, old, causes.setdefault(c, len(causes)))
                       for d, t, new, old, c in r.log_rows]
        if job.series:
            series.append(r.series_array)
    return {"ids": np.array(ids, dtype=np.int64), "metrics": metrics,
            "events": np.array(events, dtype=np.int64).reshape(-1, 6),
            "causes": list(causes), "series": series,
            "errors": errors}


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
        import pyarrow.parquet as pq
        ids: set[int] = set()
        for p in self.parts.glob("*.runs.parquet") if self.parts.is_dir() else ():
            ids.update(pq.read_table(p, columns=["run_id"]).column(0).to_pylist())
        return ids

    def write_chunk(self, tables: dict[str, Any]) -> None:
        import pyarrow.parquet as pq
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
        import pyarrow.parquet as pq
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


# == the batch driver =========================================================================
def _tables(exp: Any, res: dict[str, Any], plan: pd.DataFrame) -> dict[str, Any]:
    """Arrow tables of one finished chunk: runs, events (shared event schema + run_id) and
    the daily per-faction series (with territory and population shares)."""
    import pyarrow as pa
    sc, ids = exp.scenario, res["ids"]
    rows = plan.iloc[ids]
    cols: dict[str, Any] = {c: rows[c].to_numpy() for c in plan.columns}
    for m in exp.metrics:
        vals = [r[m.name] for r in res["metrics"]]
        cols[m.name] = np.array(vals, dtype=float) if m.numeric else np.array(vals, dtype=str)
    out = {"runs": pa.table(cols)}
    fac = np.array([*sc.factions, ""], dtype=object)     # index -1 -> ""
    names = np.array(sc.theatre.names, dtype=object)
    if res["events"] is not None and exp.spec.events:
        ev = res["events"]
        days = ev[:, 1]
        dates = np.array([sc.date(d).isoformat() for d in range(int(days.max(initial=0)) + 1)],
                         dtype=object)
        out["events"] = pa.table({
            "run_id": ev[:, 0], "day": days.astype(np.int32), "date": dates[days],
            "place": names[ev[:, 2]], "new_controller": fac[ev[:, 3]],
            "previous_controller": fac[ev[:, 4]],
            "cause": np.array(res["causes"], dtype=object)[ev[:, 5]] if len(ev) else
            np.array([], dtype=object)},
            schema=pa.schema([("run_id", pa.int64()), ("day", pa.int32()),
                              ("date", pa.string()), ("place", pa.string()),
                              ("new_controller", pa.string()),
                              ("previous_controller", pa.string()), ("cause", pa.string())]))
    if res["series"] and exp.spec.series:
        F = len(sc.factions)
        n, pop = sc.theatre.n, float(sc.theatre.population.sum()) or 1.0
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


def _chunk_size(n: int, workers: int) -> int:
    """About eight tasks per worker, between 1 and 25 runs (~0.6 s) per task."""
    return max(1, min(25, -(-n // (8 * max(workers, 1)))))


def execute(exp: Any, ex: Executor, progress: bool = True) -> dict[str, Any]:
    """Run the runs of ``exp`` missing under ``exp.out`` on ``ex``; write results as they
    come, keep ``manifest.json`` current, consolidate when all are done."""
    from tqdm import tqdm

    from .experiments import versions
    out = exp.out
    out.mkdir(parents=True, exist_ok=True)
    mpath = out / "manifest.json"
    digest = exp.digest()
    if mpath.is_file():
        try:
            old = json.loads(mpath.read_text())
        except ValueError:
            old = {}
        if old.get("spec_hash") not in (None, digest):
            raise InputError(out, "manifest.json", "this folder holds results of a different "
                             f"experiment (spec hash {old.get('spec_hash')}, this one {digest}); "
                             "choose another --out or delete the folder")
        if old.get("status") == "complete" and (out / "runs.parquet").is_file():
            print(f"{exp.name}: all {exp.n_runs} runs already done -> {out}", file=sys.stderr)
            return old
    store = Store(out)
    store.prepare()
    total = exp.n_runs
    done = store.done_ids()
    missing = [i for i in range(total) if i not in done]
    status = np.array(["pending"] * total, dtype=object)
    status[list(done)] = "done"
    manifest = {"experiment": exp.name, "file": str(Path(exp.file).resolve()), "spec": exp.raw,
                "spec_hash": digest, "scenario_file": str(exp.scenario_file),
                "scenario": exp.scenario.name, "runs_total": total, "metrics": exp.metrics.names,
                "parameters": exp.names, "versions": versions(), "backend": ex.describe()}

    def save(state: str) -> None:
        manifest.update(status=state, runs_done=int((status == "done").sum()),
                        run_status={str(i): s for i, s in enumerate(status)})
        write_json_atomic(mpath, manifest)

    save("running")
    plan = exp.plan()
    chunk = exp.spec.chunk or _chunk_size(len(missing), ex.workers)
    bar = tqdm(total=total, initial=len(done), unit="run", file=sys.stderr, smoothing=0.05,
               disable=not (progress and sys.stderr.isatty()), dynamic_ncols=True)
    t0 = last = time.perf_counter()
    new = 0
    try:
        for _i, res in ex.as_completed(run_chunk, exp.tasks(missing, chunk)):
            for run_id, file, field, message in res["errors"]:
                status[run_id] = f"failed: {field}: {message}"
                if file != "<model>":
                    save("failed")
                    raise InputError(file, field, message)
            if len(res["ids"]):
                store.write_chunk(_tables(exp, res, plan))
                status[res["ids"]] = "done"
            new += len(res["ids"])
            bar.update(len(res["ids"]) + len(res["errors"]))
            if time.perf_counter() - last > 2.0:
                save("running")
                last = time.perf_counter()
    except KeyboardInterrupt:
        save("interrupted")
        raise
    finally:
        bar.close()
    secs = time.perf_counter() - t0
    failed = int(sum(str(s).startswith("failed") for s in status))
    manifest.update(seconds=round(secs, 3), runs_per_second=round(new / secs, 2) if secs else 0)
    if failed:
        save("failed")
    else:
        store.consolidate()
        save("complete")
    print(f"{exp.name}: {new} runs in {secs:.1f} s ({new / max(secs, 1e-9):.1f} runs/s, "
          f"{ex.describe()}); {total - failed - len(missing) + new} of {total} done"
          f"{f', {failed} failed (see manifest.json)' if failed else ''} -> {out}",
          file=sys.stderr)
    return manifest
