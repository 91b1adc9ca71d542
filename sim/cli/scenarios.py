"""`frontline scenarios list | show NAME [--json] | validate FILES...`: the scenario library.

``list`` wraps each description at word boundaries to the terminal's width; ``show`` prints a
readable summary (theatre, dates, factions, deployments, phases, events, parameters changed
from the table's defaults) and ``show --json`` the fully resolved scenario."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from pathlib import Path

from ..errors import InputError, from_os_error
from .args import Parser, drop_warnings, show_warnings


def add_arguments(s: argparse.ArgumentParser) -> None:
    s_sub = s.add_subparsers(dest="action", required=True, parser_class=Parser)
    s_sub.add_parser("list", help="table of the scenarios in a folder").add_argument(
        "folder", nargs="?", default="scenarios", type=Path)
    sh = s_sub.add_parser("show", help="a summary of a scenario (--json: the full dump)")
    sh.add_argument("name", help="a scenario file, or a name in scenarios/")
    sh.add_argument("--json", action="store_true", help="the fully resolved scenario as JSON")
    v = s_sub.add_parser("validate", help="validate scenario files")
    v.add_argument("files", nargs="+", type=Path)


def _scenario_files(folder: Path) -> list[Path]:
    """Scenario TOMLs in a folder and its immediate subfolders (what-ifs), theatres excluded
    (two levels only: listing a big folder such as ``/`` must not walk the whole disk)."""
    if not folder.is_dir():
        raise InputError(folder, "-", "not a folder of scenarios")
    files = [*folder.glob("*.toml"), *folder.glob("*/*.toml")]
    return sorted(p for p in files if "theatres" not in p.relative_to(folder).parts
                  and p.is_file())


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: keeps `frontline --help` and bad flags fast
    from ..inputs.files import read_toml
    from ..inputs.scenario import load_scenario
    if args.action == "list":
        files = _scenario_files(args.folder)
        if not files:
            raise InputError(args.folder, "-", "no scenario files (*.toml) here")
        rows = []
        for f in files:
            sc = load_scenario(f)
            end = sc.date(sc.days - 1)
            about = (sc.spec.description.strip().splitlines() or [""])[0]
            name = str(f.relative_to(args.folder).with_suffix(""))
            rows.append((name, sc.theatre.name, f"{sc.start}..{end}",
                         ",".join(sc.factions), about))
        head = ("name", "theatre", "dates", "factions", "about")
        widths = [max(len(r[i]) for r in [*rows, head]) for i in range(4)]
        cols = shutil.get_terminal_size((100, 24)).columns
        indent = sum(widths) + 2 * len(widths)
        room = cols - indent
        if room < 40:                    # too narrow: the description on lines of its own
            print("  ".join(c.ljust(w) for c, w in zip(head[:4], widths, strict=True)).rstrip())
            for r in rows:
                print("  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)).rstrip())
                for line in textwrap.wrap(r[4], max(cols - 4, 30)):
                    print("    " + line)
            return 0
        for r in [head, *rows]:
            lines = textwrap.wrap(r[4], room) or [""]
            print("  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  "
                  + lines[0])
            for more in lines[1:]:
                print(" " * indent + more)
        return 0
    if args.action == "show":
        path = Path(args.name)
        if not path.exists():
            path = Path("scenarios") / f"{args.name}.toml"
        if not path.exists():
            from ..errors import did_you_mean  # here: only this error needs it
            known = [p.stem for p in _scenario_files(Path("scenarios"))] \
                if Path("scenarios").is_dir() else []
            raise InputError(args.name, "-", f"no such scenario file or name in scenarios/"
                             f"{did_you_mean(Path(args.name).stem, known)}")
        sc = load_scenario(path)
        chain, f = [], sc.file
        while (parent := read_toml(f).get("extends")) is not None:   # the files it inherits
            f = (f.parent / parent).resolve()
            chain.append(str(f))
        if args.json:
            data = sc.spec.model_dump(mode="json")
            data["params"] = sc.params.as_dict()
            data["file"] = str(sc.file)
            data["extends"] = chain
            print(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            print(summary(sc, chain))
        return 0
    if args.action == "validate":
        return _validate(args.files, load_scenario)
    raise InputError("command line", args.action, "unknown action")


def _validate(files: list[Path], load_scenario) -> int:
    """Every file checked: a good one is its warnings and an ``ok`` line, a bad one its one
    error line (without its warnings); status 2 if any was bad."""
    bad = 0
    for f in files:
        try:
            sc = load_scenario(f)
        except (InputError, OSError) as exc:
            drop_warnings()
            err = from_os_error(exc) if isinstance(exc, OSError) else exc
            print(f"frontline: error: {err}", file=sys.stderr, flush=True)
            bad += 1
            continue
        show_warnings()
        print(f"{f}: ok ({sc.name}, {len(sc.factions)} factions, {places_said(sc.theatre)}, "
              f"{sc.days} days)", flush=True)
    return 2 if bad else 0


def places_said(th) -> str:
    """How many places a theatre has (the rows of its towns.csv), told apart as the model
    treats them: on the map, and off the map (kind ``offmap``, never taken)."""
    on = int(th.onmap.sum())
    off = th.n - on
    return f"{th.n} places, {on} on the map and {off} off-map" if off else \
        f"{th.n} places, all on the map"


def summary(sc, chain: list[str]) -> str:
    """A scenario on one screen: what, where, when, who, the plan and the changed
    parameters (the defaults are in `frontline params`)."""
    from ..inputs.params import PARAMS, settings_text  # here: keeps `frontline --help` fast
    width = min(shutil.get_terminal_size((100, 24)).columns, 100)

    def para(text: str, indent: str = "  ") -> str:
        return textwrap.fill(" ".join(str(text).split()), width, initial_indent=indent,
                             subsequent_indent=indent + "  ")

    sp, th = sc.spec, sc.theatre
    out = [f"{sc.name}  ({sc.file})"]
    if sp.description:
        out.append(para(sp.description))
    out.append(para(f"theatre {th.name}: {places_said(th)}; {len(th.edges)} roads; "
                    f"{sc.start} to {sc.date(sc.days - 1)} ({sc.days} days); seed {sp.seed}"))
    if chain:
        out.append(para("extends " + " <- ".join(chain)))
    out.append("\nfactions")
    for name, f in sp.factions.items():
        rel = "; ".join(x for x in (f"allies {', '.join(f.allies)}" if f.allies else "",
                                    f"neutral to {', '.join(f.neutral)}" if f.neutral else "")
                        if x)
        doctrine = ", ".join(f"{k} {getattr(f, k):g}" for k in
                             ("attack_ratio", "hold_ratio", "garrison_share")
                             if getattr(f, k) is not None)
        mine = sc.initial_owner == sc.factions.index(name)
        on, off = int((mine & th.onmap).sum()), int((mine & ~th.onmap).sum())
        value = float(th.value[mine].sum())
        stake = (f"stake {f.stake:,.0f}, declared" if f.stake is not None
                 else f"stake {value:,.0f}, by default what it holds")
        out.append(para(f"{name}: {f.strength:,.0f} fighters, quality {f.quality:g}, morale "
                        f"{f.morale:g}, air {f.air:g}, drones {f.drones:g}; holds {on} towns"
                        f"{f' and {off} off-map place' + ('s' if off > 1 else '') if off else ''}; "
                        f"value {value:,.0f}, "
                        f"{stake}{'; ' + rel if rel else ''}"
                        f"{'; ' + doctrine if doctrine else ''}; "
                        f"supply from {', '.join(f.supply) or '-'}"))
    if sp.deployments:
        per: dict[str, tuple[int, float]] = {}
        for d in sp.deployments:
            n, s = per.get(d.faction, (0, 0.0))
            per[d.faction] = (n + 1, s + d.strength)
        out.append("\ndeployments")
        for k, (n, s) in per.items():
            later = [f"day {d.day}: {d.town} {d.strength:,.0f}" for d in sp.deployments
                     if d.faction == k and d.day > 0]
            group = "group" if n == 1 else "groups"
            out.append(para(f"{k}: {n} {group}, {s:,.0f} fighters"
                            + (f" ({len(later)} of them enter later: {', '.join(later)})"
                               if later else "")))
    if sp.phases:
        out.append("\nphases")
        for i, ph in enumerate(sp.phases):
            when = f"when {ph.when}" + (f" for {ph.duration} days" if ph.duration else "") \
                if ph.when else f"days {ph.start}-{ph.end - 1 if ph.end else sc.days - 1}"
            goal = f"; objectives {', '.join(ph.objectives)}" if ph.objectives else ""
            dest = f"; to {ph.to}" if ph.to else (f"; line {', '.join(ph.line)}"
                                                  if ph.line else "")
            aim = f"; against {', '.join(ph.against)}" if ph.against else ""
            out.append(para(f"{i}. {ph.faction} {ph.kind}{aim}, {when}, commitment "
                            f"{ph.commitment:g}{goal}{dest}"))
    if sp.events:
        out.append("\nevents")
        for i, e in enumerate(sp.events):
            when = f"day {e.day}" if e.day is not None else f"when {e.when}"
            who = e.faction or ", ".join(e.factions)
            where = e.town or ", ".join(e.towns) or (e.region or "")
            extra = f" {e.strength:,.0f} fighters" if e.strength else ""
            extra += f" to {e.to}" if e.to else ""
            extra += " " + settings_text(e.set.items()) if e.set else ""
            note = f" ({e.note})" if e.note else ""
            out.append(para(f"{i}. {when}: {e.kind} {who}{extra}"
                            f"{' at ' + where if where else ''}{note}"))
    changed = {k: v for k, v in sc.params.as_dict().items() if v != PARAMS[k].default}
    out.append("\nparameters changed from the defaults (`frontline params`)")
    out.append(para(settings_text(changed.items()) or "none"))
    if sp.sources:
        out.append("\nsources")
        out += [para(s) for s in sp.sources]
    out.append("\n(full resolved scenario: frontline scenarios show NAME --json)")
    return "\n".join(out)
