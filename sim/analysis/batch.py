"""The chunk runner: what a worker does with a task of a batch.

A task is a chunk of runs (a run takes milliseconds, so per-task overhead matters); the
worker keeps each scenario it builds, keyed by the experiment and the design point, for later
chunks. Its output is plain arrays, turned into tables by sim.analysis.tables. This file is
part of the model's fingerprint (sim.provenance): results depend on it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.model import ConflictModel
from ..errors import InputError
from ..inputs.params import PARAMS
from ..inputs.scenario import Scenario, ScenarioWarning, load_scenario
from .metrics import MetricSet, bind_metrics

_SCENARIOS: dict[tuple, tuple[Scenario, MetricSet]] = {}
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


def _bound(job: Job, point: dict[str, Any]) -> tuple[Scenario, MetricSet]:
    """The scenario of a design point (swept values applied) and its metrics, cached."""
    key = (job.key, tuple(sorted(point.items())))
    hit = _SCENARIOS.get(key)
    if hit is None:
        if all(k in PARAMS for k in point):
            sc = job.scenario.with_params(**point) if point else job.scenario
        else:    # the command warned once when it checked the swept values; not again
            with warnings.catch_warnings():          # in every worker, as raw Python lines
                warnings.simplefilter("ignore", ScenarioWarning)
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
    job, items = task
    ids, metrics, events, series, errors = [], [], [], [], []
    causes: dict[str, int] = {}
    for run_id, seed, point in items:
        try:
            sc, ms = _bound(job, point)
            model = ConflictModel(sc, seed=seed, agents=False)
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
