"""The batch driver: run an experiment's missing runs on an executor and write them through
the store (sim.analysis.store) as they finish.

Order of work (each step atomic, see the store's docstring for why every crash point
resumes without redoing a finished run):

1. lock the folder and check it is ours; refuse results of another experiment or code;
2. if the manifest says complete and the tables match their checksums: done; finish the
   clean-up a kill may have interrupted;
3. recover: keep the recorded chunks that match their checksums, redo the rest;
4. run the missing runs chunk by chunk, recording each chunk; save the manifest every 2 s;
5. when every run is done: consolidate the tables, write the manifest ``complete`` with
   their checksums, then delete the parts.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from ..errors import InputError
from ..provenance import code_fingerprint, versions
from .batch import run_chunk
from .executors import Executor
from .store import Store
from .tables import tables


class Batch(Protocol):
    """What the driver needs of a batch (an :class:`~sim.analysis.experiments.Experiment`):
    the driver sits below the experiment, which calls it."""
    name: str
    file: Any
    raw: dict[str, Any]
    out: Path
    n_runs: int
    scenario: Any
    scenario_file: Any
    spec: Any
    metrics: Any
    names: list[str]

    def digest(self) -> str: ...
    def plan(self) -> Any: ...
    def tasks(self, missing: list[int], chunk: int) -> Iterable[Any]: ...


def _chunk_size(n: int, workers: int) -> int:
    """About eight tasks per worker, between 1 and 25 runs (~0.6 s) per task."""
    return max(1, min(25, -(-n // (8 * max(workers, 1)))))


#: how a part of the digest that changed is named
_PARTS = {"experiment": "the experiment file", "scenario": "the scenario file",
          "theatre": "the theatre's towns.csv or roads.csv", "code": "the model code"}


def changed_parts(old: dict[str, Any], parts: dict[str, str] | None) -> list[str]:
    """The inputs (named as a user knows them) whose hash differs from the one a batch's
    manifest recorded; empty when the manifest recorded none (made before it kept them)."""
    was = old["parts"] if isinstance(old.get("parts"), dict) else {}
    return [_PARTS[k] for k in _PARTS if parts and k in was and was[k] != parts.get(k)]


def refuse_mixing(out: Path, old: dict[str, Any], digest: str,
                  parts: dict[str, str] | None = None) -> None:
    """Refuse to resume into results made by other code or of another experiment, naming
    what changed where the manifest recorded the parts (``digest_parts``)."""
    code = code_fingerprint()
    if old.get("code") != code:
        raise InputError(out, "manifest.json", "these results were made by different model "
                         f"code (fingerprint {old.get('code')}, now {code}); choose "
                         "another --out or delete the folder")
    if old.get("spec_hash") != digest:
        # the experiment's part hashes the file with the command's --set, --params and
        # --replicates: the same file run without them is 'changed' too
        changed = [c.replace(_PARTS["experiment"], f"{_PARTS['experiment']} or its --set, "
                             "--params or --replicates") for c in changed_parts(old, parts)]
        why = f" ({' and '.join(changed)} changed since)" if changed else ""
        raise InputError(out, "manifest.json", "this folder holds results of a different "
                         f"experiment{why} (spec hash {old.get('spec_hash')}, this one "
                         f"{digest}); choose another --out or delete the folder")


def execute(exp: Batch, ex: Executor, progress: bool = True,
            announce: str | Callable[[], object] | None = None,
            store: Store | None = None) -> dict[str, Any]:
    """Run the runs of ``exp`` missing under ``exp.out`` on ``ex``; write results as they
    come, keep ``manifest.json`` current, consolidate when all are done. ``announce`` is
    printed (stderr), or called, once the folder is locked and checked. ``store``: the
    folder already opened (locked) by the caller; otherwise it is opened and closed here."""
    if store is None:
        with Store(exp.out) as opened:
            return execute(exp, ex, progress, announce, opened)
    out = exp.out
    digest = exp.digest()
    parts = exp.digest_parts() if hasattr(exp, "digest_parts") else None
    old = store.manifest
    if old is not None:
        refuse_mixing(out, old, digest, parts)
    if callable(announce):
        announce()
    elif announce:
        print(announce, file=sys.stderr)
    if old is not None and old.get("status") == "complete" and store.tables_intact():
        store.cleanup()
        print(f"{exp.name}: all {exp.n_runs} runs already done -> {out}", file=sys.stderr)
        return old
    return _run(exp, ex, store, digest, parts, progress)


def _run(exp: Batch, ex: Executor, store: Store, digest: str,
         parts: dict[str, str] | None, progress: bool) -> dict[str, Any]:
    out = exp.out
    total = exp.n_runs
    status = np.array(["pending"] * total, dtype=object)
    manifest: dict[str, Any] = {
        "experiment": exp.name, "file": str(Path(exp.file).resolve()), "spec": exp.raw,
        "spec_hash": digest, **({"parts": parts} if parts else {}), "code": code_fingerprint(),
        "scenario_file": str(exp.scenario_file), "scenario": exp.scenario.name,
        "runs_total": total, "metrics": exp.metrics.names, "parameters": exp.names,
        "versions": versions(), "backend": ex.describe()}

    def save(state: str, **extra: Any) -> None:
        manifest.update(status=state, runs_done=int((status == "done").sum()),
                        chunks=len(store.chunks), **extra,
                        run_status={str(i): s for i, s in enumerate(status)})
        store.save(manifest)

    if store.manifest is None:        # a new folder: the manifest first (it makes it ours)
        save("running")
    done = {i for i in store.recover() if i < total}
    missing = [i for i in range(total) if i not in done]
    status[sorted(done)] = "done"
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
                store.write_chunk(tables(exp.scenario, exp.metrics, exp.spec, res, plan))
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
        sums = store.consolidate()
        save("complete", tables=sums)
        store.cleanup()
    print(f"{exp.name}: {new} runs in {secs:.1f} s ({new / max(secs, 1e-9):.1f} runs/s, "
          f"{ex.describe()}); {total - failed - len(missing) + new} of {total} done"
          f"{f', {failed} failed (see manifest.json)' if failed else ''} -> {out}",
          file=sys.stderr)
    return manifest
