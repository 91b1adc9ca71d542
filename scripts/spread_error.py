"""Where is a forecast ensemble overconfident? Split its spread-to-error ratio over groups of
the later reported changes, from the ``changes.csv`` a ``frontline forecast`` wrote.

    python scripts/spread_error.py calibration/forecast/nw_syria_2024_2024-11-30 \
        --leave-out Damascus --leave-out "Qalaat al-Madiq"

Prints the ratio (ensemble spread over the RMSE of the ensemble mean, 'never' counted as the
day after the horizon, as ``frontline forecast`` scores it) over all changes; over the
changes at least half the members make and those most members never make; and, with
``--leave-out``, without and with only the named places' changes. A ratio well below 1 on the
changes the members never make, and near 1 on the rest, says the overconfidence is in what
the model gives no chance (a missing mechanism or front), not in the timing of what it does
make.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from sim.analysis.scores import spread_error_of  # noqa: E402
from sim.cli.args import Parser  # noqa: E402
from sim.errors import InputError, did_you_mean, run_script  # noqa: E402
from sim.inputs.files import read_csv  # noqa: E402

COLUMNS = ("place", "reported_day", "model_happened", "model_mean", "model_spread")


def main(argv: list[str] | None = None) -> int:
    """The table; a bad folder, file or place is one line and status 2."""
    return run_script("spread_error.py", lambda: report(argv))


def load(folder: Path) -> dict[str, np.ndarray]:
    """The per-change columns of ``folder/changes.csv`` as arrays, checked."""
    path = folder / "changes.csv"
    if not folder.is_dir():
        raise InputError(folder, "-", "expected a forecast folder (frontline forecast --out)")
    if not path.is_file():
        origins = sorted(q.name for q in folder.iterdir() if (q / "changes.csv").is_file())
        hint = (f" (a rolling forecast's folder: give one origin's subfolder, such as "
                f"{folder / origins[0]})" if origins else "")
        raise InputError(path, "-", "no changes.csv: expected a folder frontline forecast "
                                    f"wrote{hint}")
    _, rows = read_csv(path, COLUMNS, what="the per-change table of frontline forecast "
                                            "(a folder from before 2 Dec 2026 lacks the "
                                            "last two: forecast again)")
    out: dict[str, list] = {c: [] for c in COLUMNS}
    for line, row in rows:
        out["place"].append(row["place"])
        for c in COLUMNS[1:]:
            try:
                out[c].append(float(row[c]))
            except ValueError:
                raise InputError(path, f"row {line}: {c}",
                                 f"expected a number, got {row[c]!r}") from None
    return {c: np.array(v) for c, v in out.items()}


def line(label: str, t: dict[str, np.ndarray], mask: np.ndarray) -> str:
    if not mask.any():
        return f"  {label:44s} {0:3d} changes"
    se = spread_error_of(t["model_mean"][mask], t["model_spread"][mask],
                         t["reported_day"][mask])
    return (f"  {label:44s} {int(mask.sum()):3d} changes   spread {se['spread']:5.2f}   "
            f"RMSE {se['rmse']:5.2f}   spread/error {se['spread_error']:4.2f}")


def report(argv: list[str] | None) -> int:
    ap = Parser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path, help="a folder frontline forecast wrote")
    ap.add_argument("--leave-out", action="append", default=[], metavar="PLACE")
    args = ap.parse_args(argv)
    t = load(args.folder)
    places = set(t["place"])
    for p in args.leave_out:
        if p not in places:
            raise InputError("command line", "--leave-out",
                             f"no later change of {p!r} in {args.folder / 'changes.csv'}"
                             f"{did_you_mean(p, sorted(places))}")
    made = t["model_happened"] >= 0.5
    print(f"{args.folder}: spread/error of the change day ('never' = the day after the "
          "horizon; 1 calibrated, < 1 overconfident)")
    print(line("all later changes", t, np.ones(len(made), bool)))
    print(line("made by at least half the members", t, made))
    print(line("made by fewer than half", t, ~made))
    if args.leave_out:
        named = np.isin(t["place"], args.leave_out)
        print(line("without " + ", ".join(args.leave_out), t, ~named))
        print(line("only those", t, named))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
