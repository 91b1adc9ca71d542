"""Warm-up for workers, imported only by the forkserver of a process pool and by Dask
workers (sim.analysis.executors preloads it in both; `dask worker --preload
sim.analysis.warmup` on a cluster): one short run on a small synthetic theatre loads the
model's compiled kernels from numba's on-disk cache in the forkserver, so every worker
forked from it starts with them in memory instead of loading them during its first chunk
(about 0.3 s a worker). Nothing a batch computes depends on it; if it fails, workers load
the kernels on first use as before.

Then ``gc.freeze()``: the objects of the imports (numba's and LLVM's among them, hundreds of
thousands) move to the permanent generation, so the cyclic collector's full collections in
the workers no longer walk them (about 0.8 ms a run of the built-in scenario, amortised),
and the workers' copies of those pages stay shared with the forkserver (the use the Python
documentation gives for ``gc.freeze`` before forking).
"""

from __future__ import annotations

import gc
import warnings

from ..core.model import ConflictModel
from ..inputs.synthetic import make_scenario


def warm() -> None:
    """Run 3 days of a 40-town synthetic scenario (every kernel a run calls, with the
    argument types every scenario gives them)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ConflictModel(make_scenario(40, seed=1, days=3), seed=0, agents=False).run()
    except Exception:  # noqa: BLE001 - a warm-up only; workers then load kernels lazily
        pass


warm()
gc.freeze()
