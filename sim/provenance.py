"""Where a result came from: package versions and a fingerprint of the model's code.

A batch refuses to resume into results made by different code; the fingerprint covers
every file a run's outcome depends on (``sim/core``, ``sim/inputs``, the event schema, the
metrics and the chunk runner), found by listing the folders, not by a hand-kept list.
"""

from __future__ import annotations

import hashlib
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

#: the package's version (``frontline --version``, ``sim.__version__``)
VERSION = "0.2.0"

PACKAGE = Path(__file__).resolve().parent
#: What a run's outcome depends on: whole folders, and single files outside them.
MODEL_FOLDERS = ("core", "inputs")
MODEL_FILES = ("records.py", "errors.py", "analysis/metrics.py", "analysis/batch.py")
PACKAGES = ("frontline", "mesa", "numpy", "scipy", "pandas", "pyarrow", "networkx",
            "pydantic", "dask", "distributed", "SALib", "numba")


def model_files(root: Path = PACKAGE) -> list[Path]:
    """Every source file the model's outcome depends on, in a fixed order."""
    files = [p for d in MODEL_FOLDERS for p in (root / d).rglob("*.py")]
    files += [root / f for f in MODEL_FILES if (root / f).is_file()]
    return sorted(set(files), key=lambda p: p.relative_to(root).as_posix())


def code_fingerprint(root: Path = PACKAGE) -> str:
    """sha256 (16 hex digits) of the model's source files, names and contents."""
    h = hashlib.sha256()
    for p in model_files(root):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


@cache
def versions() -> dict[str, str]:
    """Python and the versions of the packages a result depends on."""
    out = {}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    out["python"] = sys.version.split()[0]
    return out
