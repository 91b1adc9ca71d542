"""Results of a batch on disk: an owned, locked folder whose chunks are checksummed and whose
every write is atomic, so that a batch killed at any point resumes without redoing a
finished run and without losing or duplicating one.

Layout of ``OUT/``::

    manifest.json            what the batch is (spec, hashes, versions) and how far it got
    parts/chunks.jsonl       the manifest's chunk log: one JSON line per finished chunk with
                             its run ids and the sha256 and size of each of its part files
    parts/<a>-<b>.<table>.parquet   the chunks' tables (runs, events, series)
    runs.parquet, events.parquet, series.parquet   the consolidated tables (at the end)
    .frontline-batch.lock, .frontline-batch.owner  the lock and its holder (pid, host)

Rules:

- Ownership: a batch writes only into a new or empty folder, or one whose manifest.json is a
  batch manifest; it deletes or overwrites only files it names and has recorded (in the
  chunk log or the manifest). Anything else in the folder is never touched.
- One writer: a lock (filelock: an OS-level lock, released by the kernel when its holder
  dies, even by SIGKILL) is held for the batch's lifetime; a second batch on the folder is
  refused with one line naming the holder's pid.
- Write order: a chunk is announced in the log (``begin``), its part files are written to
  temporary names, fsynced and renamed, then it is recorded with their checksums
  (``chunk``). When every run is done, the tables are written to temporary names and
  renamed (announced by ``consolidate``), then the manifest says ``complete`` with the
  tables' checksums, and only then are the parts and the log deleted. Every crash point
  leaves either a recorded chunk (kept), an announced one (its files deleted, its runs
  redone) or complete parts to consolidate again.
- Checks: on resume every recorded part is checked against its size and sha256; a
  truncated or edited chunk is reported in one line and its runs are redone. A complete
  batch's tables are checked the same way before the batch is called done.

filelock is used for the lock (a well-kept library, cross-platform, with a soft-lock
fallback on file systems without ``flock``); the rest is the standard library and pyarrow.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from ..errors import InputError
from ..inputs.files import check_out_dir
from .diskio import (
    file_digest,
    fsync_dir,
    is_digest,
    is_temp_of,
    read_manifest,
    sha256,
    table_bytes,
    temp_name,
    write_atomic,
    write_json_atomic,
    write_new,
)

TABLES = ("events", "series", "runs")
FORMAT = 2
LOCK = ".frontline-batch.lock"
OWNER = ".frontline-batch.owner"
LOG = "chunks.jsonl"
#: threads deleting the parts at the end: on a journalling file system each unlink of a
#: freshly fsynced file waits for a journal commit (about 3 ms on ext4 here); concurrent
#: unlinks share commits, so a batch's hundreds of parts go in a fraction of the time
_DELETERS = 16


class StoreWarning(UserWarning):
    """Something on disk was not as recorded (a corrupted chunk, say); it is being redone."""


class BatchLock:
    """The folder's lock for a batch's lifetime, with the holder's pid beside it."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._lock = FileLock(str(out / LOCK), timeout=0)
        self.owner = out / OWNER

    def acquire(self) -> None:
        try:
            self._lock.acquire()
        except Timeout:
            raise InputError(self.out, "--out", f"another batch ({self._holder()}) is "
                             "writing to this folder; wait for it to finish or choose "
                             "another --out") from None
        write_json_atomic(self.owner, {"pid": os.getpid(), "host": socket.gethostname(),
                                       "since": time.strftime("%Y-%m-%dT%H:%M:%S")})

    def _holder(self) -> str:
        for _ in range(20):                  # the holder writes its pid just after locking
            try:
                o = json.loads(self.owner.read_text())
                return f"pid {int(o['pid'])} on {o.get('host', '?')}"
            except (OSError, ValueError, KeyError, TypeError):
                time.sleep(0.05)
        return "pid unknown"

    def release(self) -> None:
        try:
            if json.loads(self.owner.read_text()).get("pid") == os.getpid():
                self.owner.unlink()
        except (OSError, ValueError, AttributeError):
            pass
        self._lock.release()


class Store:
    """One batch folder, opened for writing: ``open`` (lock, ownership, recovery), then
    ``write_chunk`` as chunks finish, ``save`` for the manifest, ``finish`` at the end."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.parts = self.out / "parts"
        self.log = self.parts / LOG
        self.lock = BatchLock(self.out)
        self.manifest: dict[str, Any] | None = None
        self.chunks: list[dict[str, Any]] = []     # recorded, verified chunks

    # -- opening --------------------------------------------------------------------------
    def open(self) -> Store:
        """Lock the folder and make sure it is ours (new, empty, or a batch folder)."""
        check_out_dir(self.out)
        self.out.mkdir(parents=True, exist_ok=True)
        had_lock = (self.out / LOCK).exists()
        self.lock.acquire()
        try:
            self._check_kinds()
            self.manifest = read_manifest(self.out)
            if self.manifest is None:
                foreign = sorted(p.name for p in self.out.iterdir()
                                 if p.name not in (LOCK, OWNER) and not any(
                                     is_temp_of(p.name, f) for f in (OWNER, "manifest.json")))
                if foreign:
                    raise InputError(self.out, "--out", f"not a batch results folder and not "
                                     f"empty (holds {foreign[0]!r}); choose a new or empty "
                                     "folder")
        except BaseException:
            self.lock.release()
            if not had_lock:           # a folder refused keeps nothing of this batch's
                with contextlib.suppress(OSError):
                    (self.out / LOCK).unlink()
            raise
        return self

    def _check_kinds(self) -> None:
        """The names the store writes must be free or hold what it writes there (a file, or
        the parts folder): anything else is someone's, and is left alone."""
        for name in ("manifest.json", *(f"{t}.parquet" for t in TABLES)):
            p = self.out / name
            if (p.exists() or p.is_symlink()) and (not p.is_file() or p.is_symlink()):
                raise InputError(p, "-", "not a regular file, but the batch writes one here; "
                                         "move it away or choose another --out")
        if (self.parts.exists() or self.parts.is_symlink()) and (
                not self.parts.is_dir() or self.parts.is_symlink()):
            raise InputError(self.parts, "-", "not a folder, but the batch keeps its chunks "
                                              "here; move it away or choose another --out")

    def close(self) -> None:
        self.lock.release()

    def __enter__(self) -> Store:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the chunk log ----------------------------------------------------------------------
    def _log_lines(self) -> list[dict[str, Any]]:
        if not self.log.is_file():
            return []
        out = []
        for line in self.log.read_bytes().decode("utf-8", "replace").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue                      # a line cut short by a crash
            if isinstance(rec, dict) and isinstance(rec.get("op"), str):
                out.append(rec)
        return out

    def _append(self, rec: dict[str, Any]) -> None:
        with open(self.log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def _rewrite_log(self) -> None:
        write_atomic(self.log, "".join(json.dumps(c) + "\n" for c in self.chunks).encode())

    def _delete(self, path: Path) -> None:
        """Delete a file the store named and recorded (never a folder or a link)."""
        if path.is_file() and not path.is_symlink():
            path.unlink()

    def recover(self) -> set[int]:
        """Check what the chunk log records: keep the chunks whose files match their
        checksums, delete the files of chunks begun but never recorded and of corrupted
        ones (reported in one line each), and return the ids of the runs done."""
        self.parts.mkdir(exist_ok=True)
        recs = self._log_lines()
        recorded = {r["stem"]: r for r in recs if r["op"] == "chunk" and _valid_chunk(r)}
        begun = [r.get("stem") for r in recs if r["op"] == "begin"]
        self.chunks = []
        for stem, rec in recorded.items():
            bad = [f"{stem}.{t}.parquet" for t, d in rec["files"].items()
                   if file_digest(self.parts / f"{stem}.{t}.parquet") != (d["sha256"],
                                                                          d["bytes"])]
            if bad:
                n = sum(b - a + 1 for a, b in rec["ids"])
                warnings.warn(f"{self.parts / bad[0]}: does not match its checksum in "
                              f"{self.log.name} (truncated or changed); its {n} run(s) will "
                              "be redone", StoreWarning, stacklevel=2)
                self._delete_chunk(stem)
            else:
                self.chunks.append(rec)
        for stem in begun:
            if isinstance(stem, str) and stem not in recorded:
                self._delete_chunk(stem)
        for r in recs:                        # temporary tables of a killed consolidation
            if r["op"] == "consolidate" and isinstance(r.get("tmp"), dict):
                for t, name in r["tmp"].items():
                    if t in TABLES and isinstance(name, str) and is_temp_of(
                            name, f"{t}.parquet"):
                        self._delete(self.out / name)
        self.chunks.sort(key=lambda r: r["ids"][0][0])
        self._rewrite_log()
        return {i for r in self.chunks for a, b in r["ids"] for i in range(a, b + 1)}

    def _delete_chunk(self, stem: str) -> None:
        if "/" in stem or "\\" in stem or stem.startswith("."):
            return                            # not a name this store writes
        for t in TABLES:
            for suffix in ("", ".tmp"):
                self._delete(self.parts / f"{stem}.{t}.parquet{suffix}")

    # -- writing ---------------------------------------------------------------------------
    def _stem(self, first: int, last: int) -> str:
        mine = {c["stem"] for c in self.chunks}
        k = 1
        while True:
            stem = f"{first:09d}-{last:09d}" + (f"-{k}" if k > 1 else "")
            taken = any((self.parts / f"{stem}.{t}.parquet{s}").exists()
                        for t in TABLES for s in ("", ".tmp"))
            if stem not in mine and not taken:
                return stem
            k += 1

    def write_chunk(self, tables: dict[str, pa.Table]) -> None:
        """Write one finished chunk (announce, write and rename each part, record)."""
        ids = tables["runs"].column("run_id").to_pylist()
        stem = self._stem(ids[0], ids[-1])
        self._append({"op": "begin", "stem": stem})
        files = {}
        for name in TABLES:
            table = tables.get(name)
            if table is None:
                continue
            data = table_bytes(table)
            final = self.parts / f"{stem}.{name}.parquet"
            write_new(final.with_name(final.name + ".tmp"), data)
            os.replace(final.with_name(final.name + ".tmp"), final)
            files[name] = {"sha256": sha256(data), "bytes": len(data)}
        rec = {"op": "chunk", "stem": stem, "ids": _ranges(ids), "files": files}
        self._append(rec)
        self.chunks.append(rec)

    def save(self, manifest: dict[str, Any]) -> None:
        """Write manifest.json atomically."""
        self.manifest = {**manifest, "format": FORMAT}
        write_json_atomic(self.out / "manifest.json", self.manifest)

    def consolidate(self) -> dict[str, dict[str, Any]]:
        """Join the recorded parts, in run-id order, into one file per table (temporary
        names, then renames); return each table's checksum. The parts stay until
        :meth:`cleanup` (after the manifest says complete)."""
        chunks = sorted(self.chunks, key=lambda r: r["ids"][0][0])
        tmps = {name: temp_name(self.out / f"{name}.parquet") for name in TABLES}
        self._append({"op": "consolidate", "tmp": {t: p.name for t, p in tmps.items()}})
        sums = {}
        for name in TABLES:
            files = [self.parts / f"{c['stem']}.{name}.parquet" for c in chunks
                     if name in c["files"]]
            if not files:
                continue
            tmp = tmps[name]
            tmp.touch(exist_ok=False)
            writer = None
            try:
                for f in files:
                    t = pq.read_table(f)
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, t.schema)
                    writer.write_table(t.cast(writer.schema))
            finally:
                if writer is not None:
                    writer.close()
            digest = file_digest(tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.out / f"{name}.parquet")
            sums[name] = {"sha256": digest[0], "bytes": digest[1]}
        fsync_dir(self.out)
        return sums

    def tables_intact(self) -> bool:
        """Do the consolidated tables match the checksums in the manifest?"""
        recorded = (self.manifest or {}).get("tables") or {}
        if not recorded:
            return False
        for name, d in recorded.items():
            if name not in TABLES:
                return False
            path = self.out / f"{name}.parquet"
            if file_digest(path) != (d["sha256"], d["bytes"]):
                warnings.warn(f"{path}: does not match its checksum in manifest.json (changed "
                              "after the batch finished); the batch will be run again",
                              StoreWarning, stacklevel=2)
                return False
        return True

    def cleanup(self) -> None:
        """After the manifest says complete: delete the recorded parts, then the log, then
        the parts folder if nothing else is in it."""
        with ThreadPoolExecutor(_DELETERS) as pool:   # see _DELETERS
            list(pool.map(self._delete_chunk, sorted(self._log_chunks())))
        self._delete(self.log)
        with contextlib.suppress(OSError):   # absent, or holds files that are not ours
            self.parts.rmdir()

    def _log_chunks(self) -> set[str]:
        stems = {c["stem"] for c in self.chunks}
        return stems | {r["stem"] for r in self._log_lines() if isinstance(r.get("stem"), str)}


def _ranges(ids: list[int]) -> list[list[int]]:
    """Sorted run ids as [first, last] ranges of consecutive ids."""
    out: list[list[int]] = []
    for i in ids:
        if out and i == out[-1][1] + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def _valid_chunk(r: dict[str, Any]) -> bool:
    """A chunk record of the expected shape (an edited log line is ignored: its runs are
    redone)."""
    ok = isinstance(r.get("stem"), str) and isinstance(r.get("ids"), list) and r["ids"] \
        and isinstance(r.get("files"), dict) and "runs" in r["files"]
    ok = ok and all(isinstance(x, list) and len(x) == 2 and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in x) and x[0] <= x[1]
        for x in r["ids"])
    return bool(ok and all(t in TABLES and is_digest(d) for t, d in r["files"].items()))
