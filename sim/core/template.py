"""What is the same for every run of a scenario, built once per process and kept.

A batch runs one scenario with many seeds, and parts of a run's set-up do not depend on the
seed. ``of(scenario)`` returns a dictionary that lives as long as the scenario object does
(scenarios are immutable; a changed parameter makes a new one), so such a part is computed on
the first run and reused by the next. One part uses it today: the deployment plan (which
towns each faction garrisons, in what proportion, where its brigades stage; sim.core.deploy).
"""

from __future__ import annotations

import weakref
from typing import Any

from ..inputs.scenario import Scenario

_KEPT: dict[int, tuple[weakref.ref, dict[str, Any]]] = {}


def of(scenario: Scenario) -> dict[str, Any]:
    """The scenario's store of seed-independent parts (empty at first)."""
    key = id(scenario)
    hit = _KEPT.get(key)
    if hit is not None and hit[0]() is scenario:
        return hit[1]
    store: dict[str, Any] = {}
    _KEPT[key] = (weakref.ref(scenario, lambda _, k=key: _KEPT.pop(k, None)), store)
    return store
