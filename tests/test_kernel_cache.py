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


def test_both_forms_of_a_sibling_import_are_read(tmp_path: Path) -> None:
    """``from . import routes`` makes a dependency as ``from .routes import x`` does (numba
    would otherwise keep the old callee's machine code in the caller's cache)."""
    (tmp_path / "a.py").write_text("from . import routes\nfrom .supply import cut_off\n")
    (tmp_path / "routes.py").write_text("import numpy as np\n")
    (tmp_path / "supply.py").write_text("from . import routes as r\n")
    deps = kernels._depends(tmp_path)
    assert deps["a"] == {"routes", "supply"} and deps["supply"] == {"routes"}
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
