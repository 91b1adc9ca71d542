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

import ast
import logging
import multiprocessing as mp
import multiprocessing.connection as mp_connection
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any, TypeVar

from ..errors import InputError

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


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return (any(isinstance(x, ast.Name) and x.id == "__name__" for x in sides)
            and any(isinstance(x, ast.Constant) and x.value == "__main__" for x in sides))


def unguarded_script_call() -> tuple[str, int] | None:
    """(script, line) when this call comes from the module-level code of a script that
    worker processes would run again (spawn and forkserver re-import the main script, as
    multiprocessing.spawn.prepare does) and the line is not under ``if __name__ ==
    "__main__":``; else None. Starting a pool there makes every worker start a pool of its
    own while bootstrapping, and the pool breaks (BrokenProcessPool)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    name = getattr(getattr(main, "__spec__", None), "name", None)
    if main is None or not path or not os.path.isfile(path):
        return None
    if name is not None and (name == "__main__" or name.endswith(".__main__")):
        return None                               # never re-run in the workers
    f = sys._getframe(1)
    while f is not None:
        if f.f_globals is vars(main) and f.f_code.co_name == "<module>" \
                and os.path.abspath(f.f_code.co_filename) == os.path.abspath(path):
            break
        f = f.f_back
    if f is None:
        return None
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"), path)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    line = f.f_lineno
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_main_test(node.test) \
                and node.lineno <= line <= (node.end_lineno or node.lineno):
            return None
    return path, line


def require_main_guard(what: str) -> None:
    """Stop with one line (no traceback) saying what to add when ``what`` (starting worker
    processes) is called from unguarded module-level code of a script."""
    hit = unguarded_script_call()
    if hit is not None:
        path, line = hit
        raise SystemExit(f"frontline: error: {path}:{line}: the {what} started here would "
                         "each run this script again; put the script's code under "
                         "`if __name__ == \"__main__\":` (or use workers=1)")


def _start_worker() -> None:
    """Pool workers leave Ctrl-C to the parent, which cancels them cleanly, and end when the
    parent ends, however it ends (after a ``kill -9`` of a batch they and the forkserver
    kept running, idle, until killed by hand)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = mp.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(sentinel: int) -> None:
    """Wait for the parent's sentinel (ready when the parent is gone), then exit at once."""
    mp_connection.wait([sentinel])
    os._exit(1)


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
            ctx.set_forkserver_preload(["sim.analysis.batch", "sim.analysis.warmup"])
        self._pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_start_worker)

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
        # imported here: local batches never pay for loading Dask (about a second)
        from distributed import Client, LocalCluster
        self._cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise InputError("--scheduler", scheduler,
                                 f"cannot connect to a Dask scheduler: {exc}") from None
        else:
            # each worker imports the warm-up before its first task, as the pool's
            # forkserver does (remote workers: ``dask worker --preload sim.analysis.warmup``)
            self._cluster = LocalCluster(n_workers=dask_local or 1, threads_per_worker=1,
                                         processes=True, host="127.0.0.1",
                                         dashboard_address=None, silence_logs=logging.ERROR,
                                         preload=["sim.analysis.warmup"])
            self.client = Client(self._cluster)
        self.workers = max(1, sum(self.client.nthreads().values()))

    def as_completed(self, fn, items, max_pending=None):
        from distributed import as_completed  # here: see DaskExecutor.__init__
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
        if dask_local is not None:
            dask_local = cap_workers(dask_local, "--dask-local")
            require_main_guard(f"{dask_local} local Dask workers")
        return DaskExecutor(scheduler=scheduler, dask_local=dask_local)
    if workers < 0:
        raise InputError("command line", "--workers", f"expected >= 0, got {workers}")
    workers = cpu_count() if workers == 0 else cap_workers(workers, "--workers")
    if workers == 1:
        return Executor()
    require_main_guard(f"{workers} worker processes")
    return PoolExecutor(workers)


def cpu_count() -> int:
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else (os.cpu_count() or 1)


def cap_workers(n: int, flag: str = "--workers") -> int:
    """At most one local worker process per CPU (more only add start-up time and memory);
    a larger request is lowered with a one-line warning."""
    cpus = cpu_count()
    if n > cpus:
        warnings.warn(f"{flag} {n} is more than the {cpus} CPU(s) of this machine; "
                      f"using {cpus}", stacklevel=3)
        return cpus
    return n
