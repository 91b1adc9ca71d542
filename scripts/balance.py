"""Does an offensive stop? A check of the model's balance on synthetic theatres.

Usage:
    python scripts/balance.py [--towns N] [--theatres K] [--seeds S] [--days D]
                              [--stake M] [--rear] [--set name=value ...]

No real war is used: on K seeded random road graphs of N towns (sim.inputs.synthetic), blue
attacks red for D days, S seeds each, in two match-ups:
  favoured  the synthetic scenario as generated: blue has the better quality, morale and
            drones, red spreads more of its strength in garrisons and has some air support;
  even      red has blue's quality, morale, garrison share and attack ratio, and neither
            side has air or drones: only the offensive is blue's.
``--stake M`` declares each side's stake as M times the value it holds on the map (so its
morale measures losses against more than the drawn map); ``--rear`` gives each side an
off-map rear behind its edge (its supply source and where its units fall back to).

For each match-up: the share of its on-map places red still holds on days 7 and 14 and at
the end, the runs in which red loses every on-map place or every fighter, the places red
loses in the last ten days (a front that has stopped loses none), each side's fighters
lost, and how many of red's surrendered (cut off, or with nowhere to fall back to) rather
than fell in battle. A model whose offensives culminate without a script keeps the even
defender in being and slows the front to a crawl by the end.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np

from sim.cli.args import Parser, integer, number
from sim.core.model import ConflictModel
from sim.errors import InputError, run_script
from sim.inputs import synthetic
from sim.inputs.overrides import parse_set
from sim.inputs.scenario import ScenarioWarning, load_scenario

COLUMNS = ("kept_d7", "kept_d14", "kept_end", "lost_all", "no_fighters", "lost_last10",
           "blue_lost", "red_lost", "red_surrendered")


def one(n: int, theatre_seed: int, seeds: int, days: int, even: bool, stake: float | None,
        rear: bool, overrides: dict) -> np.ndarray:
    """Rows of COLUMNS (the first three as counts) for the runs on one synthetic theatre."""
    raw = synthetic.generate(n, theatre_seed)
    if rear:
        raw = synthetic.add_rear(raw)
    with tempfile.TemporaryDirectory(prefix="frontline-balance-") as tmp:
        d = Path(tmp)
        synthetic.write_theatre(raw, d / "theatre")
        path = d / "scenario.toml"
        path.write_text(synthetic.scenario_toml(raw, days, theatre_seed, even=even,
                                                stake=stake), encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioWarning)   # the no-rear, no-stake note
            sc = load_scenario(path, overrides)
    red, onmap = sc.factions.index("red"), sc.theatre.onmap
    start = int(((sc.initial_owner == red) & onmap).sum())
    rows = []
    for seed in range(seeds):
        m = ConflictModel(sc, seed=seed, agents=False)
        held = []
        while m.running:
            m.step()
            held.append(int(((m.state.owner == red) & onmap).sum()))
        f = m.state.forces
        alive = f.strength[:f.size][f.faction[:f.size] == red].sum()
        rows.append((held[min(6, days - 1)] / start, held[min(13, days - 1)] / start,
                     held[-1] / start, held[-1] == 0, alive < 1.0,
                     held[max(days - 11, 0)] - held[-1], m.state.losses[0], m.state.losses[1],
                     m.state.surrendered_strength[red]))
    return np.array(rows, dtype=float)


def main(argv: list[str] | None = None) -> int:
    return run_script("balance.py", lambda: report(argv))


def report(argv: list[str] | None) -> None:
    """Parse the options and print the table."""
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--towns", type=integer, default=40)
    ap.add_argument("--theatres", type=integer, default=12)
    ap.add_argument("--seeds", type=integer, default=10)
    ap.add_argument("--days", type=integer, default=30)
    ap.add_argument("--stake", type=number, default=None)
    ap.add_argument("--rear", action="store_true")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    a = ap.parse_args(argv)
    least = {"--towns": 4, "--theatres": 1, "--seeds": 1, "--days": 11}
    for flag, v in (("--towns", a.towns), ("--theatres", a.theatres), ("--seeds", a.seeds),
                    ("--days", a.days)):
        if v < least[flag]:
            raise InputError(flag, str(v), f"expected a whole number of at least {least[flag]}"
                             + (" (the last ten days are scored)" if flag == "--days" else ""))
    most = {"--towns": 10_000, "--days": 3650}      # a scenario runs at most 3650 days
    for flag, v in (("--towns", a.towns), ("--days", a.days)):
        if v > most[flag]:
            raise InputError(flag, str(v), f"expected a whole number of at most {most[flag]:,}")
    if a.stake is not None and not 0 < a.stake <= 1e6:
        raise InputError("--stake", str(a.stake), "expected a positive multiple (at most "
                                                  "1,000,000)")
    overrides = parse_set(a.overrides)
    print(f"{a.theatres} synthetic theatres of {a.towns} towns x {a.seeds} seeds, {a.days} "
          f"days; stake: {f'{a.stake:g} x on-map value' if a.stake else 'none declared'}; "
          f"off-map rear: {'yes' if a.rear else 'no'}"
          + (f"; --set {', '.join(a.overrides)}" if a.overrides else ""))
    print(f"{'match-up':10} {'red keeps d7':>12} {'d14':>5} {'end':>5} {'all lost':>9} "
          f"{'no fighters':>12} {'lost in last 10 d':>18} {'fighters lost blue/red':>23} "
          f"{'red surrendered':>16}")
    for label, even in (("favoured", False), ("even", True)):
        r = np.concatenate([one(a.towns, t, a.seeds, a.days, even, a.stake, a.rear, overrides)
                            for t in range(a.theatres)])
        m = r.mean(axis=0)
        print(f"{label:10} {m[0]:12.2f} {m[1]:5.2f} {m[2]:5.2f} {m[3]:9.0%} {m[4]:12.0%} "
              f"{m[5]:18.2f} {m[6]:11,.0f} / {m[7]:,.0f} {m[8]:16,.0f}")


if __name__ == "__main__":
    raise SystemExit(main())
