"""Hand-built theatres for the mechanism tests, written as files the way a user would hand
them in: towns on a line (and a few side roads), each ``km`` apart."""

from __future__ import annotations

from pathlib import Path

import sim

KM_PER_DEG = 111.0

#: switch off every source of noise but the seed-free parts, for exact checks
QUIET = """
[params]
combat_noise = 0.0
intel_noise = 0.0
decision_noise = 0.0
force_uncertainty = 0.0
"""


def theatre(folder: Path, towns: list[tuple], roads: list[tuple]) -> Path:
    """``towns``: (name, x, y, kind, controller[, value]) with x, y in road steps of 15 km;
    ``roads``: (a, b[, crossing[, terrain[, km[, road class]]]])."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["name,lat,lon,kind,population,value,controller"]
    for name, x, y, kind, who, *rest in towns:
        value = rest[0] if rest else ""
        rows.append(f"{name},{35.0 + y * 15 / KM_PER_DEG:.5f},{36.0 + x * 15 / KM_PER_DEG:.5f},"
                    f"{kind},10000,{value},{who}")
    (folder / "towns.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    lines = ["a,b,km,road,crossing,terrain"]
    for a, b, *rest in roads:
        crossing = rest[0] if len(rest) > 0 else ""
        ground = rest[1] if len(rest) > 1 else "plain"
        km = rest[2] if len(rest) > 2 else 15
        cls = rest[3] if len(rest) > 3 else "other"
        lines.append(f"{a},{b},{km},{cls},{crossing},{ground}")
    (folder / "roads.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def line(n: int, owner_of, *, kinds: dict[int, str] | None = None, prefix: str = "T"
         ) -> tuple[list[tuple], list[tuple]]:
    """Towns T0..Tn-1 on one road, west to east; ``owner_of(i)`` holds Ti."""
    kinds = kinds or {}
    towns = [(f"{prefix}{i}", i, 0, kinds.get(i, "town"), owner_of(i)) for i in range(n)]
    roads = [(f"{prefix}{i}", f"{prefix}{i + 1}") for i in range(n - 1)]
    return towns, roads


def scenario(folder: Path, text: str, name: str = "s.toml") -> Path:
    """A scenario TOML beside the theatre folder."""
    p = folder.parent / name
    p.write_text(f'theatre = "{folder.name}"\nstart = 2030-01-01\n' + text, encoding="utf-8")
    return p


def runs(path: Path, seeds, **params) -> list[sim.RunResult]:
    sc = sim.load_scenario(path)
    if params:
        sc = sc.with_params(**params)
    return [sim.ConflictModel(sc, seed=s, agents=False).run() for s in seeds]


def furthest(result: sim.RunResult, faction: str, prefix: str = "T") -> int:
    """The highest i such that ``faction`` holds T{i} at the end."""
    th, f = result.theatre, result.factions.index(faction)
    held = [int(n[len(prefix):]) for i, n in enumerate(th.names)
            if n.startswith(prefix) and n[len(prefix):].isdigit()
            and result.control_array[-1, i] == f]
    return max(held, default=-1)
