"""Experiments: replicates, sweeps and samples of a scenario, run in chunks on any executor,
written to disk as they finish, resumable, and reduced to quantiles and sensitivity indices.

    exp = Experiment.from_file("experiments/aleppo_fall.toml", out="runs/aleppo")
    exp.run(workers=2)
    exp.summary()                  # median and quantiles per metric (per design point)
    sim.plot_fan(exp, "government")   # territory over time: median, 50% and 90% bands

Reproducibility: run ``i`` = (design point ``i // replicates``, replicate ``i % replicates``).
Its seed is ``SeedSequence(seed).spawn(...)[k]`` (computed directly from the spawn key ``k``),
with ``k`` the replicate under common random numbers (the default: replicate r of every point
shares its seed, so sweeps compare like with like) or the run id otherwise. Seeds never depend
on the workers, the chunking or the backend, and a run is a pure function of scenario and seed.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError
from tqdm import tqdm

from ..errors import InputError
from ..inputs.files import read_toml, validation_error
from ..inputs.overrides import load_raw
from ..inputs.scenario import Scenario, load_scenario
from ..inputs.spec import Strict
from ..provenance import code_fingerprint, versions
from .batch import Job, run_chunk
from .design import SALIB_KINDS, Design, DesignSpec, _plain, sensitivity
from .executors import Executor, make_executor
from .metrics import MetricSet, bind_metrics, summarise
from .store import Store, tables, write_json_atomic


class ExperimentSpec(Strict):
    name: str = ""
    description: str = ""
    scenario: str
    replicates: int = Field(1, ge=1, le=10_000_000)
    seed: int = Field(0, ge=0)
    common_random_numbers: bool = True
    overrides: dict[str, Any] = {}
    design: DesignSpec = DesignSpec()
    metrics: list[dict[str, Any]] = []
    chunk: int | None = Field(None, ge=1, le=100_000, description="runs per task")
    events: bool = True
    series: bool = True


def run_seed(base: int, key: int) -> int:
    """The seed of spawn child ``key`` of ``SeedSequence(base)`` (63 bits, fits int64)."""
    ss = np.random.SeedSequence(base, spawn_key=(int(key),))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


class Experiment:
    """A declared experiment bound to its scenario: the run plan, and its results on disk."""

    def __init__(self, spec: ExperimentSpec, file: Path, out: str | Path | None = None,
                 raw: dict[str, Any] | None = None) -> None:
        self.spec, self.file = spec, file
        self.raw = raw if raw is not None else spec.model_dump(mode="json")
        self.scenario_file = (file.parent / spec.scenario).resolve()
        if not self.scenario_file.is_file():
            raise InputError(file, "scenario", f"no scenario file {spec.scenario!r} "
                             f"(looked in {file.parent})")
        self.scenario: Scenario = load_scenario(self.scenario_file, spec.overrides)
        self.metrics: MetricSet = bind_metrics(spec.metrics, self.scenario, file)
        self.design = Design(spec.design, spec.seed, file, self._check_value)
        self.names, self.X, self.problem = self.design.names, self.design.X, \
            self.design.problem
        self.points: list[dict[str, Any]] = [
            {n: _plain(v) for n, v in zip(self.names, row, strict=True)} for row in self.X]
        self.name = spec.name or file.stem
        self.out = Path(out) if out is not None else Path("runs") / file.stem
        self._runs: pd.DataFrame | None = None

    def __repr__(self) -> str:
        d = self.spec.design
        what = f"{d.kind} over {', '.join(self.names)}" if self.names else "replicates"
        done = (self.out / "runs.parquet").is_file()
        return (f"<Experiment {self.name!r}: scenario {self.scenario.name!r}, {what}; "
                f"{len(self.points)} point(s) x {self.spec.replicates} replicate(s) = "
                f"{self.n_runs} runs -> {self.out} ({'results on disk' if done else 'not run'})>")

    def _check_value(self, name: str, value: Any) -> None:
        """A swept value must be valid for its parameter or scenario field."""
        load_scenario(self.scenario_file, {**self.spec.overrides, name: value})

    @classmethod
    def from_file(cls, path: str | Path, out: str | Path | None = None,
                  params: dict[str, Any] | None = None) -> Experiment:
        """Read and validate an experiment TOML (see ``experiments/`` for examples).
        ``params`` (e.g. from a fitted file) override the experiment's own overrides."""
        p = Path(path)
        raw = read_toml(p)
        if params:
            raw = {**raw, "overrides": {**raw.get("overrides", {}), **params}}
        try:
            spec = ExperimentSpec.model_validate(raw)
        except ValidationError as exc:
            raise validation_error(exc, p) from None
        return cls(spec, p, out, raw)

    @classmethod
    def from_results(cls, out: str | Path) -> Experiment:
        """The experiment whose results are in ``out`` (from its manifest.json)."""
        out = Path(out)
        mpath = out / "manifest.json"
        if not mpath.is_file():
            raise InputError(out, "manifest.json", "not a batch results folder (no manifest)")
        try:
            m = json.loads(mpath.read_text())
            spec = ExperimentSpec.model_validate(m["spec"])
        except (ValueError, KeyError, ValidationError):
            raise InputError(mpath, "spec", "unreadable manifest; run the batch again") from None
        return cls(spec, Path(m["file"]), out, m["spec"])

    # -- the run plan -------------------------------------------------------------------------
    @property
    def n_runs(self) -> int:
        return len(self.points) * self.spec.replicates

    def plan(self) -> pd.DataFrame:
        """One row per run: run_id, point, replicate, seed and the swept values."""
        R, P = self.spec.replicates, len(self.points)
        ids = np.arange(P * R)
        rep = ids % R
        keys = rep if self.spec.common_random_numbers else ids
        seeds = {k: run_seed(self.spec.seed, k) for k in np.unique(keys)}
        df = pd.DataFrame({"run_id": ids, "point": ids // R, "replicate": rep,
                           "seed": [seeds[k] for k in keys]})
        for j, n in enumerate(self.names):
            df[n] = [self.X[p][j] for p in df["point"]]
        return df

    def digest(self) -> str:
        """Hash of everything the results depend on: the spec, the resolved scenario data, the
        theatre files and the package's code. A different digest means results on disk cannot
        be resumed into (the batch refuses rather than mix them)."""
        h = hashlib.sha256()
        h.update(json.dumps(self.raw, sort_keys=True, default=str).encode())
        scen = load_raw(self.scenario_file)
        scen.pop("__file__", None)
        scen.pop("__theatre_base__", None)
        h.update(json.dumps(scen, sort_keys=True, default=str).encode())
        h.update(code_fingerprint().encode())          # the code a run's outcome depends on
        src = self.scenario.theatre.source_dir
        for name in ("towns.csv", "roads.csv"):
            if src is not None and (Path(src) / name).is_file():
                h.update((Path(src) / name).read_bytes())
        return h.hexdigest()[:16]

    # -- running ------------------------------------------------------------------------------
    def run(self, workers: int = 1, scheduler: str | None = None,
            dask_local: int | None = None, executor: Executor | None = None,
            progress: bool = True) -> Experiment:
        """Run what is missing under ``self.out`` and consolidate the results.

        Results stream to disk chunk by chunk; an interrupted batch resumes where it stopped
        and ends with the same files as an uninterrupted one."""
        own = executor is None
        ex = make_executor(workers, scheduler, dask_local) if own else executor
        try:
            execute(self, ex, progress=progress)
        finally:
            if own:
                ex.close()
        self._runs = None
        return self

    def job(self) -> Job:
        return Job(key=self.digest(), scenario=self.scenario, file=str(self.scenario_file),
                   overrides=dict(self.spec.overrides),
                   metric_specs=tuple(dict(m) for m in self.spec.metrics),
                   series=self.spec.series, events=self.spec.events)

    def tasks(self, missing: list[int], chunk: int) -> Iterator[tuple[Job, list]]:
        """Chunks of missing runs; a chunk never spans a run already done, so chunks
        cover disjoint id ranges."""
        job, plan = self.job(), self.plan()
        seeds, point = plan["seed"].to_numpy(), plan["point"].to_numpy()
        block: list[tuple[int, int, dict[str, Any]]] = []
        prev = None
        for i in missing:
            if block and (len(block) >= chunk or i != prev + 1):
                yield job, block
                block = []
            block.append((int(i), int(seeds[i]), self.points[point[i]]))
            prev = i
        if block:
            yield job, block

    # -- results ------------------------------------------------------------------------------
    def _read(self, name: str) -> pd.DataFrame:
        path = self.out / f"{name}.parquet"
        if not path.is_file():
            raise InputError(self.out, name, f"no {name}.parquet; run the experiment first "
                             f"(frontline batch {self.file} --out {self.out})")
        return pd.read_parquet(path)

    @property
    def runs(self) -> pd.DataFrame:
        """One row per run: id, point, replicate, seed, swept values and metrics."""
        if self._runs is None:
            self._runs = self._read("runs")
        return self._runs

    @property
    def events(self) -> pd.DataFrame:
        return self._read("events")

    @property
    def series(self) -> pd.DataFrame:
        return self._read("series")

    def summary(self, quantiles: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
                ) -> pd.DataFrame:
        """Per metric (and design point): runs, share missing (e.g. never captured), mean
        and quantiles over the runs where the metric is defined."""
        return summarise(self.runs, self.metrics, self.names, quantiles)

    def sensitivity(self) -> pd.DataFrame:
        """Sobol (S1, ST) or Morris (mu_star, sigma) indices with 95% intervals per metric."""
        if self.problem is None or self.spec.design.kind not in SALIB_KINDS:
            raise InputError(self.file, "design.kind", "sensitivity indices need a sobol or "
                             "morris design")
        return sensitivity(self.problem, self.spec.design, self.metrics, self.runs,
                           self.spec.seed)




def _chunk_size(n: int, workers: int) -> int:
    """About eight tasks per worker, between 1 and 25 runs (~0.6 s) per task."""
    return max(1, min(25, -(-n // (8 * max(workers, 1)))))


def execute(exp: Experiment, ex: Executor, progress: bool = True) -> dict[str, Any]:
    """Run the runs of ``exp`` missing under ``exp.out`` on ``ex``; write results as they
    come, keep ``manifest.json`` current, consolidate when all are done."""
    out = exp.out
    out.mkdir(parents=True, exist_ok=True)
    mpath = out / "manifest.json"
    digest = exp.digest()
    if mpath.is_file():
        try:
            old = json.loads(mpath.read_text())
        except ValueError:
            old = {}
        code = code_fingerprint()
        if old.get("code") not in (None, code):
            raise InputError(out, "manifest.json", "these results were made by different model "
                             f"code (fingerprint {old.get('code')}, now {code}); choose "
                             "another --out or delete the folder")
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
                "spec_hash": digest, "code": code_fingerprint(),
                "scenario_file": str(exp.scenario_file),
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
        store.consolidate()
        save("complete")
    print(f"{exp.name}: {new} runs in {secs:.1f} s ({new / max(secs, 1e-9):.1f} runs/s, "
          f"{ex.describe()}); {total - failed - len(missing) + new} of {total} done"
          f"{f', {failed} failed (see manifest.json)' if failed else ''} -> {out}",
          file=sys.stderr)
    return manifest

