"""Same-machine comparisons for the benchmarks: time the built-in run (or a batch) in this
source tree and in another one (a checkout of an earlier version, with its own venv), in
alternating subprocesses, so both figures come from one run on one machine and their ratio
holds even when the machine is shared and loaded.

Two measures:
- process CPU time (``time.process_time``) per run: what the run costs the processor, less
  sensitive to other load than wall-clock (but cache and memory-bus contention still
  inflate it on a busy machine, by up to 2x here; ratios of interleaved rounds cancel most
  of that);
- instructions per run under ``valgrind --tool=callgrind``: independent of load, a few
  minutes per tree. Instrumentation is switched on (``callgrind_control -i on``) after the
  imports and six warm-up runs and off again after the K measured runs, before the
  interpreter shuts down; before the window, ``gc.collect(); gc.freeze()``, so that a full
  collection of the import heap, which lands at a random point, is not counted as the
  model's (the cyclic collector's work on what the runs allocate is counted).

A tree's API is detected: ``ConflictModel(..., agents=False)`` where it exists (batches run
that way), plain ``ConflictModel(...)`` in older trees, which always kept Mesa agents.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILTIN = "scenarios/deter_aggression_2024.toml"

#: both scripts run in the other tree's interpreter: load its package and the scenario, and
#: warm up with WARM runs (numba caches, first-call costs) before anything is measured
PRELUDE = r'''
import gc, inspect, json, os, sys, time
sys.path.insert(0, sys.argv[1])
import sim
sc = sim.load_scenario(sys.argv[1] + "/" + sys.argv[2])
kw = {"agents": False} if "agents" in inspect.signature(sim.ConflictModel).parameters else {}
for s in range(WARM):
    sim.ConflictModel(sc, seed=10_000 + s, **kw).run()
'''

RUNS = PRELUDE.replace("WARM", "3") + r'''
cpu, wall = [], []
for s in range(int(sys.argv[4]), int(sys.argv[4]) + int(sys.argv[3])):
    c0, w0 = time.process_time(), time.perf_counter()
    sim.ConflictModel(sc, seed=s, **kw).run()
    cpu.append(time.process_time() - c0)
    wall.append(time.perf_counter() - w0)
print(json.dumps({"cpu": cpu, "wall": wall, "agents_off": bool(kw)}))
'''

COUNTED = PRELUDE.replace("WARM", "6") + r'''
gc.collect()
gc.freeze()
open(sys.argv[4] + ".ready", "w").close()
while not os.path.exists(sys.argv[4] + ".go"):
    time.sleep(0.05)
for s in range(int(sys.argv[3])):
    sim.ConflictModel(sc, seed=s, **kw).run()
open(sys.argv[4] + ".done", "w").close()
while not os.path.exists(sys.argv[4] + ".exit"):
    time.sleep(0.05)
'''


def python_of(tree: Path) -> str:
    """The interpreter of a source tree: its ``.venv`` if it has one, else this one."""
    venv = tree / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def run_times(tree: Path, runs: int, first: int = 0, scenario: str = BUILTIN) -> dict:
    """CPU and wall seconds of ``runs`` built-in runs (seeds ``first``...) in a fresh
    process of ``tree`` (after three warm-up runs)."""
    out = subprocess.run([python_of(tree), "-c", RUNS, str(tree), scenario, str(runs),
                          str(first)], capture_output=True, text=True, check=True,
                         cwd=tempfile.gettempdir())
    return json.loads(out.stdout.strip().splitlines()[-1])


def batch_seconds(tree: Path, runs: int, workers: int, folder: Path) -> float:
    """Wall seconds of the whole command ``frontline batch`` in ``tree`` (its own venv):
    ``runs`` replicates of the built-in scenario with one capture-day metric, on a pool of
    ``workers``, into a fresh folder under ``folder``."""
    out = folder / f"{tree.name}-{runs}-{time.monotonic_ns()}"
    spec = out.with_suffix(".toml")
    spec.write_text(f'name = "bench"\nscenario = "{tree / BUILTIN}"\nreplicates = {runs}\n'
                    'seed = 1\n[[metrics]]\nkind = "capture_day"\ntown = "Aleppo"\n'
                    'by = "opposition"\n')
    exe = Path(python_of(tree)).with_name("frontline")
    t0 = time.perf_counter()
    subprocess.run([str(exe), "batch", str(spec), "--workers", str(workers), "--out",
                    str(out), "--no-progress"], capture_output=True, text=True, check=True,
                   cwd=tree)
    secs = time.perf_counter() - t0
    shutil.rmtree(out, ignore_errors=True)
    return secs


def batch_interleaved(trees: dict[str, Path], runs: int, rounds: int,
                      workers: int = 2) -> dict[str, list[float]]:
    """Marginal batch throughput of each tree, in alternating rounds: per round and tree,
    ``(runs - 2) / (t(runs) - t(2))`` runs/s, where ``t(k)`` is the wall time of the whole
    ``frontline batch`` command for k runs; subtracting a 2-run batch removes what a
    command costs whatever its size (interpreter, imports, pool start-up, compiled
    kernels loaded, results consolidated)."""
    rates: dict[str, list[float]] = {k: [] for k in trees}
    with tempfile.TemporaryDirectory() as d:
        for _ in range(rounds):
            for name, tree in trees.items():
                small = batch_seconds(tree, 2, workers, Path(d))
                big = batch_seconds(tree, runs, workers, Path(d))
                rates[name].append((runs - 2) / max(big - small, 1e-9))
    return rates


def interleaved(trees: dict[str, Path], runs: int, rounds: int) -> dict[str, dict]:
    """Alternate the trees for ``rounds`` rounds of ``runs`` runs each (the same seeds in
    every tree); per tree the median and minimum CPU and wall ms per run over all runs."""
    cpu: dict[str, list[float]] = {k: [] for k in trees}
    wall: dict[str, list[float]] = {k: [] for k in trees}
    agents_off = {}
    for r in range(rounds):
        for name, tree in trees.items():
            t = run_times(tree, runs, first=r * runs)
            cpu[name] += t["cpu"]
            wall[name] += t["wall"]
            agents_off[name] = t["agents_off"]
    return {k: {"cpu_ms": 1e3 * statistics.median(cpu[k]), "cpu_min_ms": 1e3 * min(cpu[k]),
                "wall_ms": 1e3 * statistics.median(wall[k]), "agents_off": agents_off[k],
                "runs": len(cpu[k])} for k in trees}


def instructions(tree: Path, runs: int = 10, scenario: str = BUILTIN) -> float | None:
    """Instructions per built-in run of ``tree`` under callgrind (module docstring); None
    without valgrind."""
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        return None
    with tempfile.TemporaryDirectory() as d:
        flag, out = os.path.join(d, "flag"), os.path.join(d, "callgrind.out")
        proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                                 f"--callgrind-out-file={out}", python_of(tree), "-c", COUNTED,
                                 str(tree), scenario, str(runs), flag],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=d)

        def wait_for(suffix: str) -> None:
            while not os.path.exists(flag + suffix):
                if proc.poll() is not None:
                    raise RuntimeError(f"callgrind run of {tree} failed")
                time.sleep(0.2)

        def switch(state: str) -> None:
            subprocess.run(["callgrind_control", "-i", state, str(proc.pid)],
                           capture_output=True, check=True)

        wait_for(".ready")
        switch("on")
        Path(flag + ".go").touch()
        wait_for(".done")
        switch("off")
        Path(flag + ".exit").touch()
        proc.wait()
        text = "".join(Path(f).read_text(errors="replace") for f in Path(d).glob("callgrind.out*"))
    m = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.M)
    if not m:
        raise RuntimeError("no instruction total in the callgrind output")
    return int(m.group(1)) / runs
