"""frontline: an agent-based simulator of armed factions contesting towns on a road graph.

Three lines from scenario to map::

    import sim
    result = sim.run("scenarios/deter_aggression_2024.toml", seed=1)
    sim.plot_map(result)

The package, top to bottom (each layer imports only the layers below it):
``sim.cli`` (the command line), ``sim.views`` (pictures), ``sim.analysis`` (many runs:
experiments, calibration, forecasts), ``sim.core`` (the model; ``sim.core.kernels``: pure
numeric functions), ``sim.inputs`` (reading and validating files), and at the bottom
``sim.errors``, ``sim.records`` (the event-record schema) and ``sim.provenance``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .provenance import VERSION

if TYPE_CHECKING:
    from .analysis.experiments import Experiment
    from .core.model import ConflictModel
    from .core.results import RunResult
    from .inputs.params import PARAMS, Params
    from .inputs.scenario import Scenario, load_scenario
    from .inputs.theatre import Theatre, load_theatre
    from .views.batchplots import fan_chart as plot_fan
    from .views.maps import plot_map

__version__ = VERSION

# Imported on first use, so that `frontline` answers a bad flag without loading Mesa.
_LAZY = {"ConflictModel": ("core.model", "ConflictModel"),
         "RunResult": ("core.results", "RunResult"),
         "Experiment": ("analysis.experiments", "Experiment"),
         "PARAMS": ("inputs.params", "PARAMS"), "Params": ("inputs.params", "Params"),
         "Scenario": ("inputs.scenario", "Scenario"),
         "load_scenario": ("inputs.scenario", "load_scenario"),
         "Theatre": ("inputs.theatre", "Theatre"),
         "load_theatre": ("inputs.theatre", "load_theatre"),
         "plot_map": ("views.maps", "plot_map"),
         "plot_fan": ("views.batchplots", "fan_chart")}

__all__ = ["ConflictModel", "Experiment", "InputError", "PARAMS", "Params", "RunResult",
           "Scenario", "Theatre", "load_scenario", "load_theatre", "plot_fan", "plot_map",
           "run"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f".{module}", __name__), attr)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


def run(scenario: str | Path | Scenario, seed: int | None = None, days: int | None = None,
        overrides: Mapping[str, Any] | None = None) -> RunResult:
    """Run one scenario (a file or a loaded Scenario) and return its result.

    ``seed`` defaults to the scenario's; ``days`` and ``overrides`` (parameter names or dotted
    scenario fields, as with ``--set``) change the scenario for this run.
    """
    # imported here: `import sim` (and `frontline --help`) stays fast without Mesa
    from .core.model import ConflictModel
    from .inputs.scenario import Scenario, load_scenario

    over = dict(overrides or {})
    if days is not None:
        over["days"] = days
    if isinstance(scenario, Scenario):
        if over:
            scenario = load_scenario(scenario.file, over)
    else:
        scenario = load_scenario(scenario, over)
    return ConflictModel(scenario, seed=seed, agents=False).run()
