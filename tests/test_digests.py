"""Pinned results: a digest of events, daily control and per-faction series for every
library scenario at seeds 1-3. A change that alters any run, by a single bit, fails here.

A refactor must leave these unchanged. A deliberate model change re-pins them in a commit
of its own (``python tests/test_digests.py`` prints the new table) that says why.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, LIBRARY, SCENARIOS

PINS = DATA / "digests.json"
SEEDS = (1, 2, 3)


def digest(path: Path, seed: int) -> str:
    """sha256 (16 hex digits) of one run's events, control array and series array."""
    import sim
    r = sim.run(path, seed=seed)
    h = hashlib.sha256()
    h.update(r.events.to_csv(index=False).encode())
    h.update(np.ascontiguousarray(r.control_array, dtype=np.int16).tobytes())
    h.update(np.ascontiguousarray(r.series_array, dtype=np.float64).tobytes())
    return h.hexdigest()[:16]


def _key(path: Path, seed: int) -> str:
    return f"{path.relative_to(SCENARIOS).as_posix()}@{seed}"


CASES = [(p, s) for p in LIBRARY for s in SEEDS]


@pytest.mark.parametrize("path,seed", CASES, ids=[_key(p, s) for p, s in CASES])
def test_results_match_pinned_digest(path: Path, seed: int) -> None:
    pins = json.loads(PINS.read_text())
    key = _key(path, seed)
    assert key in pins, f"no pinned digest for {key}; run python tests/test_digests.py"
    assert digest(path, seed) == pins[key]


if __name__ == "__main__":          # print (and write) the table of pins
    table = {_key(p, s): digest(p, s) for p, s in CASES}
    PINS.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(json.dumps(table, indent=1, sort_keys=True))
