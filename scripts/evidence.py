"""Compare model settings on the reports *before* a forecast origin: for each setting, run the
particle filter of a calibration spec with those parameters held fixed and print the log
evidence (the filter's estimate of the record's log-likelihood under model and priors, Del
Moral 2004). A higher value means the record up to the origin is likelier under that setting.
Nothing dated after the spec's ``until`` is read, so a choice made on this table is not tuned
to what a forecast from that origin will be scored on.

    python scripts/evidence.py calibration/nw_syria_2024.toml \
        --setting combat_law=square --setting combat_law=helmbold \
        --setting "combat_law=helmbold stock_days=5" --workers 2

Each ``--setting`` is one or more NAME=VALUE pairs separated by spaces (added to the spec's
``[fixed]`` table). The estimate is noisy: run more members (``--members``) before reading a
difference of a nat or two.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.analysis.executors import make_executor  # noqa: E402
from sim.analysis.forecast import prepare, run_filter  # noqa: E402
from sim.cli.args import Parser, int_arg  # noqa: E402
from sim.cli.forecast import with_members  # noqa: E402
from sim.errors import InputError, run_script  # noqa: E402
from sim.inputs.calibration_spec import load_spec  # noqa: E402
from sim.inputs.params import coerce  # noqa: E402


def parse_setting(text: str) -> dict[str, object]:
    """``"a=1 b=x"`` -> {"a": 1.0, "b": "x"}, each value checked against the parameter table."""
    out: dict[str, object] = {}
    for pair in text.split():
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise InputError("command line", "--setting", f"expected NAME=VALUE, got {pair!r}")
        out[name] = coerce(name, value, file="command line", field=f"--setting {name}")
    return out


def main(argv: list[str] | None = None) -> int:
    """The table; a bad flag, spec or setting is one line, status 2, and warnings are one
    line each at the end (as the CLI shows them)."""
    return run_script("evidence.py", lambda: evidence(argv))


def evidence(argv: list[str] | None) -> int:
    ap = Parser(description=__doc__.split("\n\n")[0])
    ap.add_argument("spec", type=Path)
    ap.add_argument("--setting", action="append", default=[], metavar="'NAME=VALUE ...'")
    ap.add_argument("--members", type=int_arg("--members", 2))
    ap.add_argument("--workers", type=int_arg("--workers", 1), default=1)
    args = ap.parse_args(argv)
    spec = with_members(load_spec(args.spec), args.members)
    settings = [parse_setting(s) for s in args.setting] or [{}]
    if spec.until is None:
        raise InputError(spec.file, "until", "the spec names no origin (`until`)")
    print(f"{spec.file.name}: reports up to {spec.until}; "
          f"{spec.assimilation.members} members")
    with make_executor(workers=args.workers) as ex:
        for fixed in settings:
            t0 = time.perf_counter()
            setup = prepare(spec.with_(fixed={**spec.fixed, **fixed}), spec.until,
                            horizon_days=1)
            ens = run_filter(setup, mapper=ex.map)
            label = " ".join(f"{k}={v}" for k, v in fixed.items()) or "(defaults)"
            print(f"  {label:44s} log evidence {ens.trace[-1]['log_evidence']:9.2f}"
                  f"   ({time.perf_counter() - t0:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
