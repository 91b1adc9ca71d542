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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from ..errors import InputError
from ..inputs.faults import validation_error
from ..inputs.files import read_toml
from ..inputs.kinds import check_kind
from ..inputs.limits import MAX_RUNS, MAX_SEED
from ..inputs.overrides import load_raw
from ..inputs.params import PARAMS, coerce
from ..inputs.scenario import Scenario, load_scenario
from ..inputs.spec import Strict
from ..provenance import code_fingerprint
from .batch import Job
from .design import SALIB_KINDS, Design, DesignSpec, _plain, sensitivity
from .diskio import file_digest, read_manifest, read_table
from .driver import execute, refuse_mixing
from .executors import Executor, cpu_count, make_executor, require_main_guard
from .metrics import MetricSet, bind_metrics, summarise
from .store import Store
from .tables import COLUMNS, RESERVED, check_values

__all__ = ["Experiment", "ExperimentSpec", "execute", "run_seed"]

#: scenario fields that set the run's horizon: one per batch, so not swept
HORIZON = ("days", "start")


class ExperimentSpec(Strict):
    name: str = ""
    description: str = ""
    scenario: str
    replicates: int = Field(1, ge=1, le=10_000_000)
    seed: int = Field(0, ge=0, le=MAX_SEED)
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
        self._checked: set[tuple[str, str]] = set()
        self.raw = raw if raw is not None else spec.model_dump(mode="json")
        self.scenario_file = (file.parent / spec.scenario).resolve()
        if not self.scenario_file.is_file():
            raise InputError(file, "scenario", f"no scenario file {spec.scenario!r} "
                             f"(looked in {file.parent})")
        self.scenario: Scenario = load_scenario(self.scenario_file, spec.overrides)
        self.metrics: MetricSet = bind_metrics(spec.metrics, self.scenario, file)
        for name in spec.design.parameters:
            if name in RESERVED:
                raise InputError(file, f"design.parameters.{name}", f"{name!r} names a column "
                                 f"of every batch ({', '.join(RESERVED)}); it cannot be swept"
                                 + (" (each run's seed comes from the experiment's seed)"
                                    if name == "seed" else ""))
            if name in HORIZON:
                raise InputError(file, f"design.parameters.{name}", f"{name!r} cannot be "
                                 "swept: a batch has one run length and start date (its "
                                 "metrics' days, tables and plots are read against them); run "
                                 f"one batch per value with --set {name}=VALUE and its own --out")
        for k, m in enumerate(self.metrics.metrics):
            if m.name in RESERVED or m.name in spec.design.parameters:
                what = "a column of every batch" if m.name in RESERVED else "a swept parameter"
                raise InputError(file, f"metrics[{k}].name", f"{m.name!r} is {what}; give "
                                 "the metric another 'name'")
        self.design = Design(spec.design, spec.seed, file, self._check_value,
                             max_points=max(MAX_RUNS // spec.replicates, 1))
        self.names, self.X, self.problem = self.design.names, self.design.X, \
            self.design.problem
        if len(self.X) * spec.replicates > MAX_RUNS:
            raise InputError(file, "replicates", f"{len(self.X):,} design point(s) x "
                             f"{spec.replicates:,} replicate(s) = "
                             f"{len(self.X) * spec.replicates:,} runs; at most {MAX_RUNS:,}")
        self.points: list[dict[str, Any]] = [
            {n: _plain(v) for n, v in zip(self.names, row, strict=True)} for row in self.X]
        self.name = spec.name or file.stem
        self.out = Path(out) if out is not None else Path("runs") / file.stem
        self._runs: pd.DataFrame | None = None
        self.manifest: dict[str, Any] | None = None     # set when read from results

    def __repr__(self) -> str:
        d = self.spec.design
        what = f"{d.kind} over {', '.join(self.names)}" if self.names else "replicates"
        done = (self.out / "runs.parquet").is_file()
        return (f"<Experiment {self.name!r}: scenario {self.scenario.name!r}, {what}; "
                f"{len(self.points)} point(s) x {self.spec.replicates} replicate(s) = "
                f"{self.n_runs} runs -> {self.out} ({'results on disk' if done else 'not run'})>")

    def _check_value(self, name: str, value: Any) -> None:
        """A swept value must be valid for its parameter (checked against the table) or
        scenario field (checked by loading the scenario with it, once per value)."""
        if name in PARAMS:
            coerce(name, value)
            return
        key = (name, json.dumps(value, default=str))
        if key not in self._checked:
            load_scenario(self.scenario_file, {**self.spec.overrides, name: value})
            self._checked.add(key)

    @classmethod
    def from_file(cls, path: str | Path, out: str | Path | None = None,
                  params: dict[str, Any] | None = None,
                  replicates: int | None = None) -> Experiment:
        """Read and validate an experiment TOML (see ``experiments/`` for examples).
        ``params`` (e.g. from a fitted file, or ``--set``) override the experiment's own
        overrides; ``replicates`` its number of replicates."""
        p = Path(path)
        raw = read_toml(p)
        check_kind(raw, "experiment", p)
        own = raw.get("overrides") if isinstance(raw.get("overrides"), dict) else {}
        own = [k for k in own if k not in (params or {})]    # written in the file, not --set
        if params:
            raw = {**raw, "overrides": {**raw.get("overrides", {}), **params}}
        if replicates is not None:
            raw = {**raw, "replicates": replicates}
        try:
            spec = ExperimentSpec.model_validate(raw)
        except ValidationError as exc:
            raise validation_error(exc, p) from None
        try:
            return cls(spec, p, out, raw)
        except InputError as exc:
            if replicates is not None and (exc.field == "replicates"   # points x --replicates
                                           or "points x replicates" in exc.message):
                raise InputError("command line", "--replicates", f"{replicates:,} replicates "
                                 f"of {p}: {exc.message}") from None
            # the scenario refused a value of the file's [overrides]
            key = next((k for k in own if exc.file == "--set" and (k == exc.field or k.startswith(
                (f"{exc.field}.", f"{exc.field}[")))), None)
            if key is None:
                raise
            raise InputError(p, f"overrides.{key}", exc.message) from None

    @classmethod
    def from_results(cls, out: str | Path) -> Experiment:
        """The experiment whose results are in ``out`` (from its manifest.json)."""
        out = Path(out)
        if not out.is_dir():
            raise InputError(out, "-", "not a folder; expected a batch results folder")
        m = read_manifest(out)
        if m is None:
            raise InputError(out, "manifest.json", "not a batch results folder (no manifest)")
        try:
            spec = ExperimentSpec.model_validate(m["spec"])
        except ValidationError as exc:
            raise validation_error(exc, out / "manifest.json", "spec") from None
        exp = cls(spec, Path(m["file"]), out, m["spec"])
        exp.manifest = m
        return exp

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

    def _inputs(self) -> dict[str, list[bytes]]:
        """What the results depend on, by part, in the order the digest reads them: the
        experiment spec, the resolved scenario data, the package's code, the theatre files."""
        scen = load_raw(self.scenario_file)
        scen.pop("__file__", None)
        scen.pop("__theatre_base__", None)
        src = self.scenario.theatre.source_dir
        return {"experiment": [json.dumps(self.raw, sort_keys=True, default=str).encode()],
                "scenario": [json.dumps(scen, sort_keys=True, default=str).encode()],
                "code": [code_fingerprint().encode()],
                "theatre": [(Path(src) / name).read_bytes()
                            for name in ("towns.csv", "roads.csv")
                            if src is not None and (Path(src) / name).is_file()]}

    def digest(self) -> str:
        """Hash of everything the results depend on: the spec, the resolved scenario data, the
        theatre files and the package's code. A different digest means results on disk cannot
        be resumed into (the batch refuses rather than mix them)."""
        h = hashlib.sha256()
        for chunks in self._inputs().values():
            for chunk in chunks:
                h.update(chunk)
        return h.hexdigest()[:16]

    def digest_parts(self) -> dict[str, str]:
        """A hash per part of :meth:`digest`'s inputs, kept in the manifest, so a refused
        resume can say which part changed."""
        out = {}
        for part, chunks in self._inputs().items():
            h = hashlib.sha256()
            for chunk in chunks:
                h.update(chunk)
            out[part] = h.hexdigest()[:16]
        return out

    # -- running ------------------------------------------------------------------------------
    def run(self, workers: int = 1, scheduler: str | None = None,
            dask_local: int | None = None, executor: Executor | None = None,
            progress: bool = True,
            announce: str | Callable[[], object] | None = None) -> Experiment:
        """Run what is missing under ``self.out`` and consolidate the results.

        Results stream to disk chunk by chunk; an interrupted batch resumes where it stopped
        and ends with the same files as an uninterrupted one. ``announce`` is printed (or
        called) once the results folder is locked and checked, before any run."""
        local = cpu_count() if workers == 0 else min(workers, cpu_count())
        if executor is None and (dask_local or scheduler is None and local > 1):
            require_main_guard("worker processes")   # before the folder is made or locked
        with Store(self.out) as store:      # lock and check the folder before any work
            if store.manifest is not None:
                refuse_mixing(self.out, store.manifest, self.digest(), self.digest_parts())
            own = executor is None
            ex = make_executor(workers, scheduler, dask_local) if own else executor
            try:
                execute(self, ex, progress=progress, announce=announce, store=store)
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
        cols = dict(COLUMNS[name])
        if name == "runs":
            cols.update({n: "float" if m.numeric else "str"
                         for n, m in ((m.name, m) for m in self.metrics)})
            cols.update({n: "any" for n in self.names})
        path = self.out / f"{name}.parquet"
        if name in ("events", "series") and not getattr(self.spec, name):
            raise InputError(self.out, name, f"this batch recorded no {name} ({name} = false "
                             f"in {self.file}); set {name} = true to record them (a new --out)")
        again = f"frontline batch {self.file} --out {self.out}"
        recorded = ((self.manifest or {}).get("tables") or {}).get(name)
        if recorded and path.is_file() and file_digest(path) != (recorded["sha256"],
                                                                  recorded["bytes"]):
            raise InputError(path, "-", "does not match its checksum in manifest.json "
                             f"(changed after the batch finished); run it again ({again})")
        df = read_table(path, cols, f"run the experiment first ({again})")
        sc = self.scenario
        check_values(name, df, path, runs_total=self.n_runs, points=len(self.points),
                     factions=sc.factions, places=list(sc.theatre.names), days=sc.days)
        return df

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
            raise InputError(self.out if self.manifest else self.file, "design.kind",
                             f"sensitivity indices need a sobol or morris design; this "
                             f"batch's is {self.spec.design.kind!r} ({self.file})")
        return sensitivity(self.problem, self.spec.design, self.metrics, self.runs,
                           self.spec.seed)
