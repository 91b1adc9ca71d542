"""numba's cache keys a kernel on its own module only: sim.core.kernels drops the cache of a
module whose kernels call another module's once that module has changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sim.core import kernels


def test_plan_depends_on_routes_and_assign_on_both() -> None:
    deps = kernels._depends()
    assert "routes" in deps["plan"]
    assert {"plan", "routes"} <= deps["assign"]
    assert deps["routes"] == set()


def test_a_cache_older_than_a_module_it_calls_is_dropped(tmp_path: Path) -> None:
    routes = Path(kernels.__file__).parent / "routes.py"
    old = routes.stat().st_mtime - 100
    stale = [tmp_path / "plan.reinforce-1.py311.nbi", tmp_path / "plan.reinforce-1.py311.1.nbc"]
    fresh = [tmp_path / "routes.walks-1.py311.nbi", tmp_path / "control.changes-1.py311.nbi"]
    for f in stale + fresh:
        f.write_bytes(b"x")
        os.utime(f, (old, old))
    assert kernels.drop_stale_caches(tmp_path) == ["plan"]
    assert not any(f.exists() for f in stale)
    assert all(f.exists() for f in fresh)          # no dependencies: numba's own stamp rules


def test_a_cache_newer_than_its_dependencies_is_kept(tmp_path: Path) -> None:
    f = tmp_path / "supply.supply-1.py311.nbi"
    f.write_bytes(b"x")
    now = time.time() + 10
    os.utime(f, (now, now))
    assert kernels.drop_stale_caches(tmp_path) == []
    assert f.exists()
