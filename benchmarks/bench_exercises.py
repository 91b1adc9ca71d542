"""How long each worksheet command takes, as a student would run it (the teaching issue's
target: every command in under a minute on a laptop).

    python benchmarks/bench_exercises.py            # every worksheet
    python benchmarks/bench_exercises.py --only 6 8

Each worksheet's commands run in order, in a scratch folder with the repository's input
folders linked in (as tests/test_exercises.py runs them, which checks that they work, not
how fast). Prints the wall-clock time of every command, the slowest, and how many exceed
the target. Wall-clock figures swing with whatever else the machine is doing. A command
that fails (other than a mistake the worksheet shows on purpose) is marked on its line and
counted, and the status is then 1: its time is not the time of the work it should do.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sim.cli.args import Parser, integer  # noqa: E402
from sim.cli.worksheets import steps, worksheets  # noqa: E402
from sim.errors import run_script  # noqa: E402

TARGET_S = 60.0


def main(argv: list[str] | None = None) -> int:
    """A bad flag is one line ``bench_exercises.py: error: ...``, status 2."""
    return run_script("bench_exercises.py", lambda: bench(argv))


def bench(argv: list[str] | None) -> int:
    ap = Parser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", type=integer, nargs="+", metavar="N", help="worksheet numbers")
    args = ap.parse_args(argv)
    every = worksheets(REPO / "experiments" / "exercises")
    sheets = [w for w in every if not args.only or w.number in args.only]
    unknown = sorted(set(args.only or ()) - {w.number for w in every})
    if unknown:
        ap.error(f"--only: no worksheet numbered {' '.join(map(str, unknown))} (the "
                 f"worksheets: {', '.join(str(w.number) for w in every)})")
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep
           + os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    times: list[tuple[float, str]] = []
    failed = 0
    for w in sheets:
        print(f"worksheet {w.number}: {w.title}")
        with tempfile.TemporaryDirectory() as tmp:
            for name in ("scenarios", "experiments", "calibration", "scripts"):
                (Path(tmp) / name).symlink_to(REPO / name)
            for cmd, error in steps(w.text):
                t0 = time.perf_counter()
                done = subprocess.run(["bash", "-c", cmd], cwd=tmp, env=env,
                                      capture_output=True)
                took = time.perf_counter() - t0
                times.append((took, f"{w.number}: {cmd}"))
                bad = done.returncode != 0 and error is None     # not a mistake shown
                failed += bad
                print(f"  {took:6.1f} s  {cmd[:100]}"
                      + (f"  (FAILED, status {done.returncode})" if bad else ""), flush=True)
    if times:
        slow = max(times)
        over = sum(t > TARGET_S for t, _ in times)
        print(f"{len(times)} commands; slowest {slow[0]:.1f} s ({slow[1][:80]}); "
              f"{over} over the {TARGET_S:.0f} s target"
              + (f"; {failed} failed (their times are not the work's)" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
