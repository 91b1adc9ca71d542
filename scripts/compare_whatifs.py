"""Each what-if in scenarios/whatif/ against the scenario it extends, over many seeds.

Usage: python scripts/compare_whatifs.py [--seeds 100] [--batch-seed S] [--by FACTION]
[--town NAME ...] [FILES...]

Prints, per what-if and its base, the share of runs in which the opposition takes Aleppo and
Hama, the median capture day (day 0 = the scenario's start), and who holds Aleppo, Hama and
Aleppo airport on the last day. Both sides run on the same seeds (common random numbers):
by default seeds 0 to N-1, the runs of ``frontline run FILE --seeds 0-(N-1)``; with
``--batch-seed S`` the seeds of a ``frontline batch`` whose experiment has ``seed = S``
(replicate r runs ``run_seed(S, r)``, spawned from S), so its runs are the batch's. The
table's heading says which.
For a what-if of another theatre, name the capturing faction (--by) and the towns (--town,
repeatable): the same lines for each of them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

import sim
from sim.analysis.experiments import run_seed
from sim.analysis.metrics import capture_day, holder
from sim.cli.args import Parser, int_arg, integer
from sim.errors import InputError, run_script
from sim.inputs.files import read_toml
from sim.inputs.limits import MAX_RUNS

TOWNS = ("Aleppo", "Hama", "Aleppo International Airport")


def run_seeds(n: int, batch_seed: int | None = None) -> list[int]:
    """The seeds of ``n`` runs: 0 to n-1 (``frontline run --seeds``'), or with
    ``batch_seed`` those of replicates 0 to n-1 of a ``frontline batch`` with that seed."""
    return list(range(n)) if batch_seed is None else [run_seed(batch_seed, r) for r in range(n)]


def seeds_text(n: int, batch_seed: int | None = None) -> str:
    """Which seeds a table was run on, for its heading."""
    if batch_seed is None:
        return f"seeds 0-{n - 1}, as frontline run FILE --seeds 0-{n - 1}"
    return (f"{n} seeds: those of replicates 0-{n - 1} of a frontline batch with "
            f"seed = {batch_seed}")


def outcomes(path: Path, seeds: list[int], by: str = "opposition",
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
    for seed in seeds:
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
        out[f"{t} held by"] = ", ".join(f"{f} {n / len(seeds):.0%}"
                                        for f, n in held[t].most_common())
    return out


def main(argv: list[str] | None = None) -> int:
    return run_script("compare_whatifs.py", lambda: cli(argv))


def cli(argv: list[str] | None) -> None:
    """Parse the options (a mistake is one line) and print the tables."""
    ap = Parser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--seeds", type=integer, default=100,
                    help="runs per scenario (default 100): seeds 0 to N-1")
    ap.add_argument("--batch-seed", type=int_arg("--batch-seed", 0, 2**63 - 1), metavar="S",
                    help="run the seeds of a frontline batch whose experiment has seed = S "
                         "(its replicates 0 to N-1) instead")
    ap.add_argument("--by", default="opposition",
                    help="the capturing faction (default: opposition)")
    ap.add_argument("--town", action="append", default=None,
                    help="a town to report on (repeatable; default: Aleppo, Hama and "
                         "who holds Aleppo International Airport)")
    args = ap.parse_args(argv)
    if not 1 <= args.seeds <= MAX_RUNS:             # (a typo of 20 digits ran for ever)
        ap.error(f"--seeds: expected an integer in 1..{MAX_RUNS:,}, got {args.seeds}")
    towns = (tuple(args.town), ()) if args.town else (TOWNS[:2], TOWNS[2:])
    compare(args.files, args.seeds, args.by, *towns, batch_seed=args.batch_seed)


def compare(files: list[Path], seeds: int, by: str = "opposition",
            towns: tuple[str, ...] = TOWNS[:2], also_held: tuple[str, ...] = TOWNS[2:],
            batch_seed: int | None = None) -> None:
    """Print the table of each what-if against the scenario it extends, over ``seeds`` runs
    (:func:`run_seeds`)."""
    which = run_seeds(seeds, batch_seed)
    # the library's what-ifs, wherever the script is run from
    files = files or sorted((Path(__file__).resolve().parent.parent / "scenarios" / "whatif")
                            .glob("*.toml"))
    for f in files:
        extends = read_toml(f).get("extends")
        if not isinstance(extends, str):
            raise InputError(f, "extends", "a what-if names the scenario it extends "
                                           "(extends = \"../FILE.toml\")")
        base = (f.parent / extends).resolve()
        a, b = (outcomes(p, which, by, towns, also_held) for p in (base, f))
        print(f"\n### {f.stem}: {b['name']}  (base: {a['name']}, "
              f"{seeds_text(seeds, batch_seed)}; day 0 = {a['start']})")
        print("| measure | base | what-if |\n|---|---|---|")
        for k in a:
            if k not in ("name", "start", "days"):
                print(f"| {k} | {a[k]} | {b[k]} |")


if __name__ == "__main__":
    raise SystemExit(main())
