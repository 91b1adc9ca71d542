"""A batch's files at the byte level: checksums, atomic writes (temporary file, fsync,
rename) and checked reads of the manifest and the consolidated tables, so that a reader
never sees half a file and a foreign or damaged file is one InputError."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError
from ..inputs.files import read_json


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> tuple[str, int] | None:
    """(sha256, size) of a regular file, or None if it is missing or not a file."""
    try:
        if not path.is_file() or path.is_symlink():
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return sha256(data), len(data)


def temp_name(path: Path) -> Path:
    """A temporary name beside ``path`` that no file has: ``.NAME.K.tmp`` (K = 1, 2, ...),
    so a temporary file never overwrites a file someone else put there."""
    k = 1
    while (tmp := path.with_name(f".{path.name}.{k}.tmp")).exists() or tmp.is_symlink():
        k += 1
    return tmp


def is_temp_of(name: str, final: str) -> bool:
    """Is ``name`` a temporary name :func:`temp_name` gives for ``final``?"""
    head, _, k = name.removesuffix(".tmp").rpartition(".")
    return name.endswith(".tmp") and head == f".{final}" and k.isdigit()


def write_new(tmp: Path, data: bytes) -> None:
    """Create ``tmp`` (it must not exist) with ``data``, flushed to disk."""
    with open(tmp, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a new temporary file, fsync and a rename: a reader (or a resume after a
    crash) sees the old file or the new one, never half of one."""
    tmp = temp_name(path)
    try:
        write_new(tmp, data)
        os.replace(tmp, path)
    except BaseException:
        if tmp.is_file():
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically (see :func:`write_atomic`)."""
    write_atomic(path, (json.dumps(data, indent=1, default=str) + "\n").encode())


def fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def table_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The batch manifest in ``out`` (None if there is none); a manifest of the wrong shape
    is an InputError (the folder is then not treated as a batch folder)."""
    path = out / "manifest.json"
    if not path.exists():
        return None
    m = read_json(path, "a batch manifest (manifest.json)")
    need = {"experiment": str, "file": str, "spec": dict, "spec_hash": str, "code": str,
            "status": str, "runs_total": int}
    if not isinstance(m, dict):
        raise InputError(path, "-", "not a batch manifest (expected a JSON object)")
    for key, typ in need.items():
        if not isinstance(m.get(key), typ) or isinstance(m.get(key), bool):
            raise InputError(path, key, f"missing or not a {typ.__name__}; not a batch "
                                        "manifest (or an edited one)")
    tables = m.get("tables", {})
    if not isinstance(tables, dict) or not all(is_digest(v) for v in tables.values()):
        raise InputError(path, "tables", "not a table of checksums")
    return m


def is_digest(v: Any) -> bool:
    return (isinstance(v, dict) and isinstance(v.get("sha256"), str)
            and isinstance(v.get("bytes"), int))


# -- reading (plots, summaries) -----------------------------------------------------------
def read_table(path: Path, columns: dict[str, str], hint: str) -> Any:
    """A consolidated table as a DataFrame, checked: readable parquet, with ``columns``
    (name -> 'int', 'float' or 'str'). A truncated, empty or foreign file is an InputError."""
    import pandas as pd  # here: only reading results needs pandas
    if not path.is_file():
        raise InputError(path.parent, path.stem, f"no {path.name}; {hint}")
    try:
        df = pq.read_table(path).to_pandas()
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise InputError(path, "-", f"not a readable parquet table ({str(exc)[:120]}); "
                                    f"{hint}") from None
    for col, kind in columns.items():
        if col not in df.columns:
            raise InputError(path, col, f"column missing; not a batch's {path.stem} table")
        if kind == "any":
            continue
        ok = {"int": pd.api.types.is_integer_dtype, "float": pd.api.types.is_numeric_dtype,
              "str": lambda s: s.dtype == object or pd.api.types.is_string_dtype(s)}[kind]
        if not ok(df[col]):
            raise InputError(path, col, f"expected {kind} values, got {df[col].dtype}")
    return df
