"""Each what-if in scenarios/whatif/ against the scenario it extends, over many seeds.

Usage: python scripts/compare_whatifs.py [--seeds 100] [--by FACTION] [--town NAME ...]
[FILES...]

Prints, per what-if and its base, the share of runs in which the opposition takes Aleppo and
Hama, the median capture day (day 0 = the scenario's start), and who holds Aleppo, Hama and
Aleppo airport on the last day. Both sides run on the same seeds (common random numbers).
For a what-if of another theatre, name the capturing faction (--by) and the towns (--town,
repeatable): the same lines for each of them.
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


def outcomes(path: Path, seeds: int, by: str = "opposition",
             towns: tuple[str, ...] = TOWNS[:2], also_held: tuple[str, ...] = TOWNS[2:]
             ) -> dict[str, object]:
    """Capture share and median day of ``towns`` by ``by``; who holds them (and
    ``also_held``) at the end. A faction or town not in the scenario is one InputError
    naming the flag (the defaults are north-western Syria's)."""
    sc = sim.load_scenario(path)
    opp = sc.faction_index(by, path, "--by")
    ids = {t: sc.theatre.id_of(t, file=path, field="--town") for t in (*towns, *also_held)}
    days = {t: [] for t in towns}
    held = {t: Counter() for t in ids}
    for seed in range(seeds):
        r = sim.ConflictModel(sc, seed=seed, agents=False).run()
        for t in towns:
            days[t].append(capture_day(r, ids[t], by=opp))
        for t in ids:
            held[t][sc.factions[h] if (h := holder(r, ids[t])) >= 0 else "nobody"] += 1
    out: dict[str, object] = {"name": sc.name, "start": sc.start, "days": sc.days}
    for t in towns:
        a = np.array(days[t], float)
        taken = ~np.isnan(a)
        out[f"{t} taken"] = f"{taken.mean():.0%}"
        out[f"{t} median day"] = f"{np.median(a[taken]):.0f}" if taken.any() else "-"
    for t in ids:
        out[f"{t} held by"] = ", ".join(f"{f} {n / seeds:.0%}" for f, n in held[t].most_common())
    return out


def main(argv: list[str] | None = None) -> int:
    return run_script("compare_whatifs.py", lambda: cli(argv))


def cli(argv: list[str] | None) -> None:
    """Parse the options (a mistake is one line) and print the tables."""
    ap = Parser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--by", default="opposition",
                    help="the capturing faction (default: opposition)")
    ap.add_argument("--town", action="append", default=None,
                    help="a town to report on (repeatable; default: Aleppo, Hama and "
                         "who holds Aleppo International Airport)")
    args = ap.parse_args(argv)
    if not 1 <= args.seeds <= MAX_RUNS:             # (a typo of 20 digits ran for ever)
        ap.error(f"--seeds: expected an integer in 1..{MAX_RUNS:,}, got {args.seeds}")
    towns = (tuple(args.town), ()) if args.town else (TOWNS[:2], TOWNS[2:])
    compare(args.files, args.seeds, args.by, *towns)


def compare(files: list[Path], seeds: int, by: str = "opposition",
            towns: tuple[str, ...] = TOWNS[:2], also_held: tuple[str, ...] = TOWNS[2:]) -> None:
    """Print the table of each what-if against the scenario it extends."""
    files = files or sorted(Path("scenarios/whatif").glob("*.toml"))
    for f in files:
        extends = read_toml(f).get("extends")
        if not isinstance(extends, str):
            raise InputError(f, "extends", "a what-if names the scenario it extends "
                                           "(extends = \"../FILE.toml\")")
        base = (f.parent / extends).resolve()
        a, b = (outcomes(p, seeds, by, towns, also_held) for p in (base, f))
        print(f"\n### {f.stem}: {b['name']}  (base: {a['name']}, {seeds} seeds, "
              f"day 0 = {a['start']})")
        print("| measure | base | what-if |\n|---|---|---|")
        for k in a:
            if k not in ("name", "start", "days"):
                print(f"| {k} | {a[k]} | {b[k]} |")


if __name__ == "__main__":
    raise SystemExit(main())
