"""Numeric kernels (numpy, most compiled with numba): combat attrition and battle
bookkeeping, road routes, supply reach, the situation's picture, the planning loops,
movement, control, air interdiction, the daily series. No Mesa, no model objects: functions
of arrays (some update the arrays they are given in place: movement, battle settlement,
cut-off attrition, interdiction), tested on hand-built cases and, where one exists (the
attrition laws, route lengths), against a closed form.

Some compiled kernels call compiled kernels of another module of this package (a faction's
plan calls the route searches, say). numba's on-disk cache keys a function on its own
module's source file only, so after an edit of the module it calls, the caller's cached
machine code would still hold the old callee. Hence :func:`drop_stale_caches`, run on import:
the cache files of a module are deleted when a kernel module it imports (directly or not)
has changed since they were written, and numba compiles that module's kernels afresh.
"""

from __future__ import annotations

import ast
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _imports(source: str) -> set[str]:
    """The sibling modules a kernel module's source imports, in either form: ``from .routes
    import x`` and ``from . import routes``."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            out |= ({node.module.split(".")[0]} if node.module
                    else {a.name for a in node.names})
    return out


def _depends(here: Path = _HERE) -> dict[str, set[str]]:
    """Per kernel module: the kernel modules it imports, directly or through others."""
    direct = {p.stem: _imports(p.read_text(encoding="utf-8"))
              for p in here.glob("*.py") if p.stem != "__init__"}
    out = {}
    for mod in direct:
        seen, todo = set(), list(direct[mod])
        while todo:
            d = todo.pop()
            if d not in seen and d in direct:
                seen.add(d)
                todo += direct[d]
        out[mod] = seen
    return out


def drop_stale_caches(cache: Path = _HERE / "__pycache__") -> list[str]:
    """Delete the numba cache files (``MODULE.*.nbi``, ``.nbc``) of every kernel module
    whose cache is older than the source of a kernel module it depends on; return the
    modules whose caches went. A cache elsewhere (``NUMBA_CACHE_DIR``) is not looked at."""
    dropped = []
    try:
        for mod, deps in _depends().items():
            files = list(cache.glob(f"{mod}.*.nb[ic]"))
            index = [f.stat().st_mtime for f in files if f.suffix == ".nbi"]
            if not index or not deps:
                continue
            newest = max((_HERE / f"{d}.py").stat().st_mtime for d in deps)
            if min(index) < newest:
                for f in files:
                    f.unlink(missing_ok=True)
                dropped.append(mod)
    except OSError:          # a read-only or vanished cache: numba copes on its own
        pass
    return dropped


drop_stale_caches()
