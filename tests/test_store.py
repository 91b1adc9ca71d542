"""A batch's results folder is owned, locked and crash-safe (sim.analysis.store):

- concurrency: two batches started at once on one folder; one is refused with one line
  naming the holder's pid, the other completes; no row lost or duplicated;
- corruption: a truncated or edited chunk, or a consolidated table changed afterwards, is
  detected by its checksum, reported in one line, and its runs (only those) are redone;
- crash points: the batch is killed at every write of its write order in turn, then run
  again: no finished run is redone and the tables equal an uninterrupted batch's;
- ownership: a folder that is not a batch folder is refused untouched; files the store did
  not write are never deleted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import TINY_OFFENSIVE, assert_same

import sim.analysis.store as store_mod
from sim.analysis.executors import Executor
from sim.analysis.experiments import Experiment, execute
from sim.analysis.store import Store, StoreWarning
from sim.cli import main
from sim.errors import InputError

SPEC = f"""
scenario = "{TINY_OFFENSIVE.as_posix()}"
replicates = 3
seed = 4
chunk = 2
[overrides]
days = 4
[design]
kind = "grid"
[design.parameters]
kill_rate = [0.04, 0.08]
[[metrics]]
kind = "capture_day"
town = "Bravo"
by = "opposition"
[[metrics]]
kind = "holder"
town = "Charlie"
"""
TOTAL = 6


def make(tmp: Path, out: str = "out", text: str = SPEC) -> Experiment:
    (tmp / "e.toml").write_text(text)
    return Experiment.from_file(tmp / "e.toml", out=tmp / out)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("ref")
    execute(make(tmp), Executor(), progress=False)
    return tmp / "out"


class Counting(Executor):
    """A serial executor that counts the runs it does."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[int] = []

    def as_completed(self, fn, items, max_pending=None):
        for i, y in super().as_completed(fn, items):
            self.runs += [int(r) for r in y["ids"]]
            yield i, y


def recorded_ids(out: Path) -> set[int]:
    """Runs whose chunk is recorded in the chunk log (what counts as finished)."""
    log = out / "parts" / "chunks.jsonl"
    ids: set[int] = set()
    if log.is_file():
        for line in log.read_text().splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("op") == "chunk":
                ids |= {i for a, b in rec["ids"] for i in range(a, b + 1)}
    m = out / "manifest.json"
    if m.is_file() and json.loads(m.read_text()).get("status") == "complete":
        ids = set(range(TOTAL))
    return ids


# -- crash points ------------------------------------------------------------------------------
class Killed(BaseException):
    """A kill: no handler in the driver catches it (like SIGKILL, nothing is cleaned up
    that matters on disk)."""


WRITES = ("replace", "append", "save", "delete", "rmdir")


@pytest.fixture
def killer(monkeypatch):
    """Count every write the store makes (renames, log appends, manifest saves, deletions)
    and raise Killed at write number ``at``."""
    state = {"n": 0, "at": None}

    def step():
        state["n"] += 1
        if state["at"] is not None and state["n"] == state["at"]:
            raise Killed

    real_replace, real_append = os.replace, Store._append
    real_save, real_delete = Store.save, Store._delete

    def replace(a, b):
        step()
        return real_replace(a, b)

    def append(self, rec):
        step()
        return real_append(self, rec)

    def save(self, m):
        step()
        return real_save(self, m)

    def delete(self, p):
        step()
        return real_delete(self, p)

    monkeypatch.setattr(store_mod.os, "replace", replace)
    monkeypatch.setattr(store_mod, "write_atomic", _counted_write_atomic(step))
    monkeypatch.setattr(Store, "_append", append)
    monkeypatch.setattr(Store, "save", save)
    monkeypatch.setattr(Store, "_delete", delete)
    return state


def _counted_write_atomic(step):
    from sim.analysis import diskio

    def write_atomic(path, data):
        step()
        return diskio.write_atomic(path, data)
    return write_atomic


def test_every_crash_point_resumes_without_redoing_finished_runs(tmp_path, reference,
                                                                killer):
    exp = make(tmp_path, "count")
    execute(exp, Executor(), progress=False)
    points = killer["n"]                       # writes in an uninterrupted batch
    assert points >= 20, points
    for at in range(1, points + 1):
        exp.out = tmp_path / f"k{at}"
        killer.update(n=0, at=at)
        with pytest.raises(Killed):
            execute(exp, Executor(), progress=False)
        finished = recorded_ids(exp.out)
        killer.update(n=0, at=None)
        ex = Counting()
        execute(exp, ex, progress=False)
        assert sorted(ex.runs) == sorted(set(range(TOTAL)) - finished), f"kill at write {at}"
        assert_same(reference, exp.out)
        assert not (exp.out / "parts").exists(), f"kill at write {at}: parts left behind"


def test_killed_after_consolidation_before_complete_redoes_nothing(tmp_path, reference,
                                                                  monkeypatch):
    exp = make(tmp_path)
    real = Store.save

    def save(self, m):
        if m.get("status") == "complete":
            raise Killed
        return real(self, m)
    monkeypatch.setattr(Store, "save", save)
    with pytest.raises(Killed):
        execute(exp, Executor(), progress=False)
    assert (exp.out / "runs.parquet").is_file()          # consolidated, not yet complete
    monkeypatch.setattr(Store, "save", real)
    ex = Counting()
    execute(exp, ex, progress=False)
    assert ex.runs == []
    assert_same(reference, exp.out)


# -- corruption -------------------------------------------------------------------------------
def _killed_after_chunks(tmp: Path, n: int, out: str = "out") -> Experiment:
    exp = make(tmp, out)

    class Stop(Executor):
        def as_completed(self, fn, items, max_pending=None):
            for k, (i, y) in enumerate(super().as_completed(fn, items)):
                if k == n:
                    raise Killed
                yield i, y
    with pytest.raises(Killed):
        execute(exp, Stop(), progress=False)
    return exp


@pytest.mark.parametrize("table, how", [("runs", "truncate"), ("events", "truncate"),
                                        ("series", "edit"), ("runs", "empty")])
def test_a_corrupted_chunk_is_reported_and_only_its_runs_redone(tmp_path, reference, table,
                                                                how):
    exp = _killed_after_chunks(tmp_path, 2)
    part = sorted((exp.out / "parts").glob(f"*.{table}.parquet"))[0]
    data = part.read_bytes()
    part.write_bytes({"truncate": data[: len(data) // 2], "empty": b"",
                      "edit": data[:100] + bytes([data[100] ^ 1]) + data[101:]}[how])
    ex = Counting()
    with pytest.warns(StoreWarning, match="does not match its checksum") as rec:
        execute(exp, ex, progress=False)
    assert len(rec) == 1 and part.name in str(rec[0].message)
    assert sorted(ex.runs) == [0, 1, 4, 5]         # chunk 0 (runs 0-1) redone, and the rest
    assert_same(reference, exp.out)


def test_cli_reports_a_corrupted_chunk_in_one_line(tmp_path, reference, capsys):
    exp = _killed_after_chunks(tmp_path, 1)
    part = next((exp.out / "parts").glob("*.events.parquet"))
    part.write_bytes(part.read_bytes()[:-10])
    assert main(["batch", str(tmp_path / "e.toml"), "--workers", "1", "--out", str(exp.out),
                 "--no-progress"]) == 0
    err = capsys.readouterr().err
    warn = [ln for ln in err.splitlines() if ln.startswith("frontline: warning:")
            and "off-map rear" not in ln]      # the tiny theatre's own warning aside
    assert len(warn) == 1 and "checksum" in warn[0] and part.name in warn[0], err
    assert_same(reference, exp.out)


def test_a_changed_table_after_completion_is_detected_and_redone(tmp_path, reference):
    exp = make(tmp_path)
    execute(exp, Executor(), progress=False)
    runs = exp.out / "runs.parquet"
    runs.write_bytes(runs.read_bytes()[:-20])
    ex = Counting()
    with pytest.warns(StoreWarning, match="runs.parquet"):
        execute(exp, ex, progress=False)
    assert sorted(ex.runs) == list(range(TOTAL))
    assert_same(reference, exp.out)


def test_an_edited_chunk_log_only_costs_reruns(tmp_path, reference):
    exp = _killed_after_chunks(tmp_path, 2)
    log = exp.out / "parts" / "chunks.jsonl"
    lines = log.read_text().splitlines()
    log.write_text("\n".join(["{not json", '{"op": "chunk", "stem": "../../x", "ids": [[0, 99]],'
                              ' "files": {}}', *lines[1:]]) + "\n")
    ex = Counting()
    execute(exp, ex, progress=False)
    assert_same(reference, exp.out)
    assert len(ex.runs) < TOTAL


# -- ownership ----------------------------------------------------------------------------------
def _listing(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_a_folder_that_is_not_a_batch_folder_is_refused_untouched(tmp_path, capsys):
    (tmp_path / "e.toml").write_text(SPEC)
    mine = tmp_path / "mine"
    (mine / "parts").mkdir(parents=True)
    (mine / "parts" / "000000000-000000001.runs.parquet").write_bytes(b"my data")
    (mine / "parts" / "x.parquet.tmp").write_bytes(b"my temp")
    (mine / "notes.txt").write_text("keep me")
    before = _listing(mine)
    code = main(["batch", str(tmp_path / "e.toml"), "--workers", "1", "--out", str(mine),
                 "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0 and "not a batch results folder" in err
    assert _listing(mine) == before         # not even the batch's lock file is left there


def test_files_the_store_did_not_write_survive_a_batch(tmp_path, reference):
    exp = _killed_after_chunks(tmp_path, 1)
    foreign = {exp.out / "parts" / "000000004-000000005.runs.parquet": b"not ours",
               exp.out / "parts" / "readme.txt": b"mine",
               exp.out / "runs.parquet.tmp": b"also mine"}
    for p, data in foreign.items():
        p.write_bytes(data)
    execute(exp, Executor(), progress=False)
    for p, data in foreign.items():
        assert p.read_bytes() == data
    assert_same(reference, exp.out)


@pytest.mark.parametrize("where", ["file", "under_file"])
def test_out_is_checked_before_any_work(tmp_path, capsys, where):
    (tmp_path / "e.toml").write_text(SPEC)
    (tmp_path / "f").write_text("x")
    out = tmp_path / "f" if where == "file" else tmp_path / "f" / "sub"
    assert main(["batch", str(tmp_path / "e.toml"), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--out" in err and (tmp_path / "f").read_text() == "x"


# -- one writer at a time -------------------------------------------------------------------
def test_a_second_batch_is_refused_naming_the_holder(tmp_path, capsys):
    (tmp_path / "e.toml").write_text(SPEC)
    out = tmp_path / "out"
    with Store(out):                               # this process holds the folder
        code = main(["batch", str(tmp_path / "e.toml"), "--workers", "1", "--out", str(out),
                     "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and f"pid {os.getpid()}" in err
    assert not (out / "runs.parquet").exists()
    with Store(out), pytest.raises(InputError, match="another batch"):
        make(tmp_path).run(progress=False)


def test_two_batches_started_at_once(tmp_path, reference):
    """Design: one writer per folder. Started together, one holds the lock and completes;
    the other is refused at once with one line naming the holder's pid (or, if it starts
    after the first has finished, finds every run done). Never two writers."""
    spec = tmp_path / "e.toml"
    spec.write_text(SPEC.replace("replicates = 3", "replicates = 100"))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "batch", str(spec), "--workers", "1", "--out",
           str(out), "--no-progress"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [(p.pid, *p.communicate(timeout=120), p.returncode) for p in procs]
    codes = sorted(r[3] for r in results)
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["run_id"].tolist() == list(range(200))            # none lost, none twice
    assert len(pd.read_parquet(out / "series.parquet")) == 200 * 4 * 3
    if codes == [0, 2]:
        winner = next(r for r in results if r[3] == 0)
        loser = next(r for r in results if r[3] == 2)
        lines = loser[2].strip().splitlines()
        assert len(lines) == 1 and f"pid {winner[0]}" in lines[0], loser[2]
    else:
        assert codes == [0, 0]
        assert any("already done" in r[2] for r in results)
    assert not (out / ".frontline-batch.owner").exists()
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and m["runs_done"] == 200


def test_the_lock_dies_with_its_holder(tmp_path):
    """A holder killed with SIGKILL leaves no lock behind: the next batch proceeds."""
    code = ("import sys, time; from sim.analysis.store import Store; "
            f"s = Store({str(tmp_path / 'out')!r}).open(); print('locked', flush=True); "
            "time.sleep(60)")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "locked"
    with pytest.raises(InputError, match=f"pid {p.pid}"):
        Store(tmp_path / "out").open()
    p.kill()
    p.wait()
    deadline = time.time() + 10
    while True:
        try:
            Store(tmp_path / "out").open().close()
            break
        except InputError:
            assert time.time() < deadline
            time.sleep(0.1)
