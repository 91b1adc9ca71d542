"""Experiments: replicates, sweeps and samples of a scenario, run in chunks on any executor,
written to disk as they finish, resumable, and reduced to quantiles and sensitivity indices.

    exp = Experiment.from_file("experiments/aleppo_fall.toml", out="runs/aleppo")
    exp.run(workers=2)
    exp.summary()                  # median and quantiles per metric (per design point)
    exp.plot_fan("government")     # territory over time: median, 50% and 90% bands

Reproducibility: run ``i`` = (design point ``i // replicates``, replicate ``i % replicates``).
Its seed is ``SeedSequence(seed).spawn(...)[k]`` (computed directly from the spawn key ``k``),
with ``k`` the replicate under common random numbers (the default: replicate r of every point
shares its seed, so sweeps compare like with like) or the run id otherwise. Seeds never depend
on the workers, the chunking or the backend, and a run is a pure function of scenario and seed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from .errors import InputError
from .executors import Executor, Job, make_executor
from .files import read_toml, validation_error
from .metrics import MetricSet, bind_metrics
from .params import PARAMS
from .scenario import Scenario, load_raw, load_scenario
from .spec import Strict

SALIB_KINDS = ("sobol", "morris")
MODEL_CODE = ("model.py", "factions.py", "units.py", "battles.py", "deploy.py", "combat.py",
              "supply.py", "routes.py", "theatre.py", "params.py", "scenario.py", "results.py",
              "metrics.py")


class ParamRange(Strict):
    """A swept quantity: explicit ``values`` (grid), or ``low``..``high`` (``num`` evenly
    spaced values for a grid; the sampling range otherwise; default: the parameter's bounds)."""

    values: list[float | str] | None = None
    low: float | None = None
    high: float | None = None
    num: int | None = Field(None, ge=1, le=10_000)


class DesignSpec(Strict):
    kind: Literal["replicates", "grid", "lhs", "sobol", "morris"] = "replicates"
    parameters: dict[str, list[float | str] | ParamRange] = {}
    samples: int = Field(16, ge=1, le=1_000_000,
                         description="lhs: points; sobol: base samples N (a power of 2), "
                                     "N*(D+2) points; morris: trajectories, N*(D+1) points")
    levels: int = Field(4, ge=2, le=20, description="morris grid levels")
    seed: int | None = Field(None, ge=0, description="sampling seed (default: the experiment's)")


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
        self.names, self.X, self.problem = self._design()
        self.points: list[dict[str, Any]] = [
            {n: _plain(v) for n, v in zip(self.names, row, strict=True)} for row in self.X]
        self.name = spec.name or file.stem
        self.out = Path(out) if out is not None else Path("runs") / file.stem
        self._runs: pd.DataFrame | None = None

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

    # -- the design ---------------------------------------------------------------------------
    def _design(self) -> tuple[list[str], list[list[Any]], dict[str, Any] | None]:
        d = self.spec.design
        seed = self.spec.seed if d.seed is None else d.seed
        names = list(d.parameters)
        if d.kind == "replicates":
            if names:
                raise InputError(self.file, "design.parameters",
                                 "a 'replicates' design sweeps nothing; choose kind = grid, "
                                 "lhs, sobol or morris")
            return [], [[]], None
        if not names:
            raise InputError(self.file, "design.parameters", f"a {d.kind} design needs at "
                             "least one parameter")
        if d.kind == "grid":
            axes = [self._grid_values(n, r) for n, r in d.parameters.items()]
            return names, [list(row) for row in itertools.product(*axes)], None
        if d.kind == "sobol" and d.samples & (d.samples - 1):
            raise InputError(self.file, "design.samples", "a sobol design needs a power of 2 "
                             f"base samples (e.g. 64, 128), got {d.samples}")
        bounds = [self._bounds(n, r) for n, r in d.parameters.items()]
        problem = {"num_vars": len(names), "names": names, "bounds": bounds}
        if d.kind == "lhs":
            from scipy.stats import qmc
            u = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(seed)).random(
                d.samples)
            X = qmc.scale(u, [b[0] for b in bounds], [b[1] for b in bounds])
        elif d.kind == "sobol":
            from SALib.sample import sobol
            X = sobol.sample(problem, d.samples, calc_second_order=False, seed=seed)
        else:
            from SALib.sample import morris
            X = morris.sample(problem, d.samples, num_levels=d.levels, seed=seed)
        return names, X.tolist(), problem

    def _field(self, name: str) -> str:
        return f"design.parameters.{name}"

    def _check_value(self, name: str, value: Any) -> None:
        """A swept value must be valid for its parameter or scenario field."""
        try:
            load_scenario(self.scenario_file, {**self.spec.overrides, name: value})
        except InputError as exc:
            raise InputError(self.file, self._field(name),
                             f"value {value!r} is not valid: {exc.message}") from None

    def _grid_values(self, name: str, r: list[Any] | ParamRange) -> list[Any]:
        if isinstance(r, ParamRange):
            if r.values is not None:
                vals = r.values
            elif r.num is None:
                raise InputError(self.file, self._field(name),
                                 "a grid needs 'values' or 'low', 'high' and 'num'")
            else:
                lo, hi = self._bounds(name, r)
                vals = np.linspace(lo, hi, r.num).tolist()
        else:
            vals = r
        if not vals:
            raise InputError(self.file, self._field(name), "expected at least one value")
        for v in vals:
            self._check_value(name, v)
        return vals

    def _bounds(self, name: str, r: list[Any] | ParamRange) -> list[float]:
        if not isinstance(r, ParamRange) or r.values is not None:
            raise InputError(self.file, self._field(name), "a sampled parameter needs a "
                             "range {low, high} (or {} for the parameter's table bounds)")
        p = PARAMS.get(name)
        if p is not None and p.choices:
            raise InputError(self.file, self._field(name), "a categorical parameter can only "
                             "be swept in a grid")
        lo = r.low if r.low is not None else (p.low if p else None)
        hi = r.high if r.high is not None else (p.high if p else None)
        if lo is None or hi is None:
            raise InputError(self.file, self._field(name), "a scenario field needs 'low' and "
                             "'high' (only parameters have default bounds)")
        if not lo < hi:
            raise InputError(self.file, self._field(name), f"expected low < high, got "
                             f"{lo:g} and {hi:g}")
        self._check_value(name, lo)
        self._check_value(name, hi)
        return [float(lo), float(hi)]

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
        here = Path(__file__).parent
        for code in MODEL_CODE:                         # the code a run's outcome depends on
            if (here / code).is_file():
                h.update((here / code).read_bytes())
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
        from .executors import execute
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
        from .metrics import summarise
        return summarise(self.runs, self.metrics, self.names, quantiles)

    def sensitivity(self) -> pd.DataFrame:
        """Sobol (S1, ST) or Morris (mu_star, sigma) indices with 95% intervals per metric."""
        if self.problem is None or self.spec.design.kind not in SALIB_KINDS:
            raise InputError(self.file, "design.kind", "sensitivity indices need a sobol or "
                             "morris design")
        return sensitivity(self.problem, self.spec.design, self.metrics, self.runs,
                           self.spec.replicates, self.spec.seed)

    def plot_fan(self, faction: str | None = None, measure: str = "territory_share",
                 point: int | None = None, ax=None):
        """Fan chart of a daily series: median, 50% and 90% bands over the runs."""
        from .batchplots import fan_chart
        return fan_chart(self, faction=faction, measure=measure, point=point, ax=ax)


def _plain(v: Any) -> Any:
    return float(v) if isinstance(v, int | float | np.floating | np.integer) and \
        not isinstance(v, bool) else v


def versions() -> dict[str, str]:
    out = {}
    for pkg in ("frontline", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic",
                "dask", "distributed", "SALib"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    out["python"] = sys.version.split()[0]
    return out




def sensitivity(problem: dict[str, Any], design: DesignSpec, metrics: MetricSet,
                runs: pd.DataFrame, replicates: int, seed: int) -> pd.DataFrame:
    """Sensitivity indices per numeric metric, with 95% bootstrap intervals (SALib).

    The model output at a design point is the metric's mean over its replicates (so a
    0/1 metric such as ``holds`` becomes a probability); a capture that never happens counts
    as the scenario's last day plus one (right-censored at the horizon). Sobol (Saltelli
    2010 estimators): first-order S1 and total ST. Morris (Campolongo et al. 2007): mu_star
    (mean absolute elementary effect, with interval) and sigma (spread: interactions or
    non-linearity)."""
    from SALib.analyze import morris, sobol
    rows = []
    X = np.asarray(runs.groupby("point")[problem["names"]].first().to_numpy(), dtype=float)
    for m in metrics:
        if not m.numeric:
            continue
        y = runs[m.name].astype(float)
        if not np.isnan(m.censor):
            y = y.fillna(m.censor)
        Y = y.groupby(runs["point"]).mean().to_numpy()
        if np.isnan(Y).any() or np.allclose(Y, Y[0]):
            for name in problem["names"]:
                rows.append((m.name, name, "constant", np.nan, np.nan))
            continue
        if design.kind == "sobol":
            res = sobol.analyze(problem, Y, calc_second_order=False, conf_level=0.95,
                                seed=seed)
            pairs = (("S1", "S1_conf"), ("ST", "ST_conf"))
        else:
            res = morris.analyze(problem, X, Y, conf_level=0.95, num_levels=design.levels,
                                 seed=seed)
            pairs = (("mu_star", "mu_star_conf"), ("sigma", None))
        for j, name in enumerate(problem["names"]):
            for idx, conf in pairs:
                rows.append((m.name, name, idx, float(res[idx][j]),
                             float(res[conf][j]) if conf else np.nan))
    return pd.DataFrame(rows, columns=["metric", "parameter", "index", "value", "conf95"])
