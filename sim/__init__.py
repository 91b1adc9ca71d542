"""frontline: an agent-based simulator of armed factions contesting towns on a road graph.

Three lines from scenario to map::

    import sim
    result = sim.run("scenarios/deter_aggression_2024.toml", seed=1)
    result.plot_map()
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError

if TYPE_CHECKING:
    from .experiments import Experiment
    from .model import ConflictModel
    from .params import PARAMS, Params
    from .results import RunResult
    from .scenario import Scenario, load_scenario
    from .theatre import Theatre, load_theatre

# Imported on first use, so that `frontline` answers a bad flag without loading Mesa.
_LAZY = {"ConflictModel": "model", "PARAMS": "params", "Params": "params",
         "RunResult": "results", "Scenario": "scenario", "load_scenario": "scenario",
         "Theatre": "theatre", "load_theatre": "theatre", "Experiment": "experiments"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")

__all__ = ["ConflictModel", "Experiment", "InputError", "PARAMS", "Params", "RunResult", "Scenario",
           "Theatre", "load_scenario", "load_theatre", "run"]
__version__ = "0.1.0"


def run(scenario: str | Path | Scenario, seed: int | None = None, days: int | None = None,
        overrides: Mapping[str, Any] | None = None) -> RunResult:
    """Run one scenario (a file or a loaded Scenario) and return its result.

    ``seed`` defaults to the scenario's; ``days`` and ``overrides`` (parameter names or dotted
    scenario fields, as with ``--set``) change the scenario for this run.
    """
    from .model import ConflictModel
    from .scenario import Scenario, load_scenario

    over = dict(overrides or {})
    if days is not None:
        over["days"] = days
    if isinstance(scenario, Scenario):
        if over:
            scenario = load_scenario(scenario.file, over)
    else:
        scenario = load_scenario(scenario, over)
    return ConflictModel(scenario, seed=seed).run()
