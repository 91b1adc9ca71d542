"""Batch throughput and memory: runs per second with 1 and 2 local workers and a Dask
LocalCluster, and the peak memory of a large batch streamed to disk.

    python benchmarks/bench_batch.py [--runs 400] [--big 10000] [--baseline DIR]

Each throughput figure is a fresh batch of the built-in scenario's replicates (timed from the
first task to the last result, pool start-up excluded; metrics, events and daily series are
recorded and written as in `frontline batch`). Peak memory is the maximum resident set size of
the parent process (getrusage) and the peak summed resident memory of the parent and its
workers (psutil), measured in a subprocess that runs only the big batch.

With ``--baseline DIR`` it also times 2-worker batches in this tree and in DIR (an earlier
version with its own .venv) as whole `frontline batch` commands in alternating rounds, and
prints both marginal throughputs and their ratio (benchmarks/compare.batch_interleaved).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILTIN_REL = "scenarios/deter_aggression_2024.toml"
SCENARIO = ROOT / BUILTIN_REL
sys.path.insert(0, str(Path(__file__).resolve().parent))     # compare.py beside this file
sys.path.insert(0, str(ROOT))

from sim.cli.args import Parser, integer  # noqa: E402
from sim.errors import run_script  # noqa: E402


def spec(runs: int, path: Path) -> Path:
    path.write_text(f'name = "bench"\nscenario = "{SCENARIO}"\nreplicates = {runs}\nseed = 1\n'
                    '[[metrics]]\nkind = "capture_day"\ntown = "Aleppo"\nby = "opposition"\n'
                    '[[metrics]]\nkind = "holds"\ntown = "Hama"\nfaction = "government"\n'
                    '[[metrics]]\nkind = "front_length"\n')
    return path


def throughput(runs: int, tmp: Path, **where) -> tuple[float, float]:
    from sim.analysis.executors import make_executor
    from sim.analysis.experiments import Experiment, execute
    label = "-".join(f"{k}{v}" for k, v in where.items())
    exp = Experiment.from_file(spec(runs, tmp / f"{label}.toml"), out=tmp / label)
    with make_executor(**where) as ex:
        ex.map(abs, range(ex.workers * 4))        # workers up before the clock starts
        t0 = time.perf_counter()
        execute(exp, ex, progress=False)
        secs = time.perf_counter() - t0
    return runs / secs, secs


def big(runs: int, workers: int) -> None:
    """Run one big batch in this process; print the parent's peak RSS (getrusage) and the
    peaks of the summed RSS and of the summed PSS of the parent and all its descendants
    (psutil, sampled 4x/s). RSS counts pages the forked workers share with the forkserver
    once per process; PSS splits shared pages between them, so its sum is the memory the
    batch really occupies."""
    import psutil

    from sim.analysis.experiments import Experiment
    peak = [0, 0]
    stop = threading.Event()

    def sample() -> None:
        me = psutil.Process()
        while not stop.is_set():
            try:
                procs = [me, *me.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in procs)
                pss = sum(p.memory_full_info().pss for p in procs)
            except (psutil.Error, AttributeError):
                continue
            peak[0] = max(peak[0], rss)
            peak[1] = max(peak[1], pss)
            stop.wait(0.25)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    with tempfile.TemporaryDirectory() as d:
        exp = Experiment.from_file(spec(runs, Path(d) / "big.toml"), out=Path(d) / "out")
        t0 = time.perf_counter()
        exp.run(workers=workers, progress=False)
        secs = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in (Path(d) / "out").iterdir()) / 1e6
    stop.set()
    th.join()
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"runs": runs, "seconds": round(secs, 1), "parent_peak_mb": round(me),
                      "all_processes_peak_rss_mb": round(peak[0] / 2**20),
                      "all_processes_peak_pss_mb": round(peak[1] / 2**20),
                      "output_mb": round(size, 1)}))


def main(argv: list[str] | None = None) -> int:
    """A bad flag is one line ``bench_batch.py: error: ...``, status 2."""
    return run_script("bench_batch.py", lambda: bench(argv))


def bench(argv: list[str] | None) -> None:
    ap = Parser()
    ap.add_argument("--runs", type=integer, default=400)
    ap.add_argument("--big", type=integer, default=10_000)
    ap.add_argument("--big-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--baseline", type=Path, metavar="DIR",
                    help="also compare 2-worker batches with this source tree (an earlier "
                         "version with its own .venv), alternating whole commands")
    ap.add_argument("--rounds", type=integer, default=3, help="rounds of the --baseline comparison")
    a = ap.parse_args(argv)
    if a.baseline is not None and not (a.baseline / BUILTIN_REL).is_file():
        ap.error(f"--baseline: {a.baseline} has no {BUILTIN_REL}")
    if a.rounds < 1:
        ap.error("--rounds: expected an integer >= 1")
    if a.runs < 3 or a.big < 0:
        ap.error("--runs: expected an integer >= 3; --big: expected an integer >= 0")
    if a.big_only:
        big(a.big, 2)
        return
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        r1, s1 = throughput(a.runs, tmp, workers=1)
        print(f"1 worker (in process): {r1:6.1f} runs/s  ({a.runs} runs in {s1:.1f} s)")
        r2, s2 = throughput(a.runs, tmp, workers=2)
        print(f"2 workers (pool):      {r2:6.1f} runs/s  ({a.runs} runs in {s2:.1f} s); "
              f"parallel efficiency {r2 / (2 * r1):.0%}")
        rd, sd = throughput(a.runs, tmp, dask_local=2)
        print(f"Dask LocalCluster x2:  {rd:6.1f} runs/s  ({a.runs} runs in {sd:.1f} s); "
              f"{rd / r2:.0%} of the pool")
    if a.baseline is not None:
        from compare import batch_interleaved
        rates = batch_interleaved({"this tree": ROOT, "baseline": a.baseline.resolve()},
                                  a.runs, a.rounds)
        mine, base = (statistics.median(rates[k]) for k in ("this tree", "baseline"))
        print(f"2-worker pool, whole `frontline batch` commands alternating with {a.baseline} "
              f"({a.rounds} rounds of {a.runs} runs, minus a 2-run batch): "
              f"{mine:6.1f} against {base:6.1f} runs/s (medians), ratio {mine / base:.2f}; "
              f"rounds: {' '.join(f'{x:.0f}' for x in rates['this tree'])} against "
              f"{' '.join(f'{x:.0f}' for x in rates['baseline'])}")
    if a.big:
        out = subprocess.run([sys.executable, __file__, "--big-only", "--big", str(a.big)],
                             capture_output=True, text=True, check=True)
        print(f"{a.big}-run batch (2 workers, streamed to disk): {out.stdout.strip()}")


if __name__ == "__main__":
    raise SystemExit(main())
