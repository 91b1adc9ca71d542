"""Each what-if in scenarios/whatif/ against the scenario it extends, over many seeds.

Usage: python scripts/compare_whatifs.py [--seeds 100] [FILES...]

Prints, per what-if and its base, the share of runs in which the opposition takes Aleppo and
Hama, the median capture day (day 0 = the scenario's start), and who holds Aleppo, Hama and
Aleppo airport on the last day. Both sides run on the same seeds (common random numbers).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

import sim
from sim.analysis.metrics import capture_day, holder
from sim.cli.args import Parser
from sim.errors import InputError, run_script
from sim.inputs.files import read_toml
from sim.inputs.limits import MAX_RUNS

TOWNS = ("Aleppo", "Hama", "Aleppo International Airport")


def outcomes(path: Path, seeds: int) -> dict[str, object]:
    sc = sim.load_scenario(path)
    opp = sc.factions.index("opposition")
    ids = {t: sc.theatre.id_of(t) for t in TOWNS}
    days = {t: [] for t in TOWNS[:2]}
    held = {t: Counter() for t in TOWNS}
    for seed in range(seeds):
        r = sim.ConflictModel(sc, seed=seed, agents=False).run()
        for t in TOWNS[:2]:
            days[t].append(capture_day(r, ids[t], by=opp))
        for t in TOWNS:
            held[t][sc.factions[holder(r, ids[t])]] += 1
    out: dict[str, object] = {"name": sc.name, "start": sc.start, "days": sc.days}
    for t in TOWNS[:2]:
        a = np.array(days[t], float)
        taken = ~np.isnan(a)
        out[f"{t} taken"] = f"{taken.mean():.0%}"
        out[f"{t} median day"] = f"{np.median(a[taken]):.0f}" if taken.any() else "-"
    for t in TOWNS:
        out[f"{t} held by"] = ", ".join(f"{f} {n / seeds:.0%}" for f, n in held[t].most_common())
    return out


def main(argv: list[str] | None = None) -> int:
    return run_script("compare_whatifs.py", lambda: cli(argv))


def cli(argv: list[str] | None) -> None:
    """Parse the options (a mistake is one line) and print the tables."""
    ap = Parser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--seeds", type=int, default=100)
    args = ap.parse_args(argv)
    if not 1 <= args.seeds <= MAX_RUNS:             # (a typo of 20 digits ran for ever)
        ap.error(f"--seeds: expected an integer in 1..{MAX_RUNS:,}, got {args.seeds}")
    compare(args.files, args.seeds)


def compare(files: list[Path], seeds: int) -> None:
    """Print the table of each what-if against the scenario it extends."""
    files = files or sorted(Path("scenarios/whatif").glob("*.toml"))
    for f in files:
        extends = read_toml(f).get("extends")
        if not isinstance(extends, str):
            raise InputError(f, "extends", "a what-if names the scenario it extends "
                                           "(extends = \"../FILE.toml\")")
        base = (f.parent / extends).resolve()
        a, b = outcomes(base, seeds), outcomes(f, seeds)
        print(f"\n### {f.stem}: {b['name']}  (base: {a['name']}, {seeds} seeds, "
              f"day 0 = {a['start']})")
        print("| measure | base | what-if |\n|---|---|---|")
        for k in a:
            if k not in ("name", "start", "days"):
                print(f"| {k} | {a[k]} | {b[k]} |")


if __name__ == "__main__":
    raise SystemExit(main())
