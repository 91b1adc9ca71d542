"""Bad input never crashes: property-based fuzzing of scenario and theatre files (two of the
ten input kinds; the others are in tests/test_fuzz_kinds.py and tests/test_fuzz_results.py,
the shared rule in tests/fuzzkit.py).

Hypothesis builds malformed scenarios (wrong types, out-of-range numbers, unknown towns and
factions, phases and events outside the run, unknown conditions, broken extends chains,
unknown keys), malformed theatres (bad cells, missing columns and files, junk) and junk
files (empty, binary, invalid TOML). Each runs through the CLI entry point in-process:
``sim.cli.main(["scenarios", "validate", path])`` must return 2 and print exactly one line,
``frontline: error: FILE: FIELD: MESSAGE``, that names the file (and the field where one is
known), with no traceback. Together the property tests run well over 500 examples. A few
subprocess checks cover the real console entry point.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import itertools
import shutil
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import RIVERLAND
from fuzzkit import cli, fuzz, obey, paths_of, to_toml
from hypothesis import given
from hypothesis import strategies as st

from sim.cli import main
from sim.inputs.theatre import normalise

FACTIONS = ("republic", "league", "highlanders")


_counter = itertools.count()


# -- the valid scenario every mutation starts from ----------------------------------------
def base_scenario() -> dict[str, Any]:
    """A small valid scenario on a copy of the Riverland theatre (folder ``theatre``)."""
    return {
        "name": "fuzz base",
        "theatre": "theatre",
        "start": dt.date(2031, 4, 1),
        "days": 6,
        "seed": 1,
        "params": {"kill_rate": 0.05},
        "factions": {
            "republic": {"strength": 6000.0, "morale": 0.6, "quality": 0.9, "air": 0.3,
                         "neutral": ["highlanders"], "supply": ["Valmora", "Portesca"]},
            "league": {"strength": 7000.0, "morale": 0.8, "drones": 0.4,
                       "neutral": ["highlanders"], "supply": ["Altavilla"]},
            "highlanders": {"strength": 500.0, "neutral": ["republic", "league"]},
        },
        "deployments": [{"faction": "league", "town": "Dorio", "strength": 2000.0,
                         "units": 1, "posture": "attack"}],
        "phases": [
            {"faction": "league", "kind": "offensive", "objectives": ["Valmora"], "start": 0},
            {"faction": "republic", "kind": "withdraw", "when": "captured:Ponte Centrale",
             "line": ["Valmora"], "duration": 2},
        ],
        "events": [
            {"day": 1, "kind": "reinforcement", "faction": "republic", "town": "Portesca",
             "strength": 1000.0, "note": "reinforcement"},
            {"when": "day>=2", "kind": "withdrawal", "faction": "republic", "towns": ["Riva"],
             "line": ["Valmora"], "note": "withdrawal"},
            {"day": 2, "kind": "handover", "towns": ["Castelmonte"], "to": "republic",
             "note": "handover"},
            {"day": 3, "kind": "support", "faction": "league", "drones": 0.5, "note": "support"},
            {"day": 4, "kind": "ceasefire", "note": "ceasefire"},
        ],
    }


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a copy of the Riverland theatre as ``theatre/``."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(RIVERLAND, root / "theatre")
    return root


_TOWN_ROWS = list(csv.DictReader(io.StringIO((RIVERLAND / "towns.csv").read_text("utf-8"))))
KNOWN_TOWNS = {normalise(r["name"]) for r in _TOWN_ROWS} | {
    normalise(a) for r in _TOWN_ROWS for a in r["alt_names"].split(";") if a}


def assert_one_error(argv: list[str], capsys: pytest.CaptureFixture[str], fname: str,
                     field: str | None = None) -> str:
    """Run the CLI in-process; check exit 2 and one ``frontline: error:`` line."""
    code = main(argv)
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert "Traceback" not in err, err
    assert code == 2, f"exit {code}, stderr: {err!r}"
    assert len(lines) == 1, f"expected one line, got {err!r}"
    assert lines[0].startswith("frontline: error: "), err
    assert fname in lines[0], f"{fname!r} not named in {lines[0]!r}"
    if field is not None:
        assert field in lines[0], f"field {field!r} not named in {lines[0]!r}"
    return lines[0]


def write_scenario(work: Path, data: dict[str, Any] | str | bytes) -> Path:
    path = work / f"fz_{next(_counter)}.toml"
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data if isinstance(data, str) else to_toml(data), encoding="utf-8")
    return path


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``a.b[0].c`` in nested data."""
    node: Any = data
    parts = path.replace("[", ".[").split(".")
    for part in parts[:-1]:
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    last = parts[-1]
    if last.startswith("["):
        node[int(last[1:-1])] = value
    else:
        node[last] = value


def _delete(data: dict[str, Any], path: str) -> None:
    node: Any = data
    parts = path.replace("[", ".[").split(".")
    for part in parts[:-1]:
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    del node[parts[-1]]


# -- strategies -------------------------------------------------------------------------------
WORD = string.ascii_letters + string.digits + " -_.'"
words = st.text(alphabet=WORD, min_size=1, max_size=20)
unknown_town = st.text(alphabet=WORD, min_size=0, max_size=24).filter(
    lambda s: normalise(s) not in KNOWN_TOWNS)
unknown_faction = st.from_regex(r"\A[a-z][a-z0-9_]{0,12}\Z").filter(lambda s: s not in FACTIONS)
not_number = st.one_of(
    words.map(lambda s: "x" + s), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from("abc"), st.integers(), max_size=2))
not_string = st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                       st.lists(st.integers(), min_size=1, max_size=3),
                       st.dictionaries(st.sampled_from("abc"), st.integers(), max_size=2))
not_list = st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                     words, st.dictionaries(st.sampled_from("abc"), st.integers(), max_size=2))
not_date = st.one_of(words.map(lambda s: "x" + s), st.lists(st.integers(), max_size=2),
                     st.dictionaries(st.sampled_from("ab"), st.integers(), max_size=2))
not_table = st.one_of(st.integers(), words, st.lists(st.integers(), max_size=3))
fractional = st.floats(min_value=0.1, max_value=1e6).filter(lambda x: x != int(x))

#: field -> strategy of values of the wrong type
WRONG_TYPE: dict[str, st.SearchStrategy[Any]] = {
    "days": st.one_of(not_number, fractional), "seed": st.one_of(not_number, fractional),
    "start": not_date, "name": not_string, "theatre": not_string, "description": not_string,
    "sources": not_list, "params": not_table, "factions": not_table,
    "deployments": not_list, "phases": not_list, "events": not_list,
    "factions.league": not_table,
    "factions.league.strength": not_number, "factions.league.morale": not_number,
    "factions.league.quality": not_number, "factions.league.air": not_number,
    "factions.league.drones": not_number, "factions.league.label": not_string,
    "factions.league.allies": not_list, "factions.league.supply": not_list,
    "factions.republic.neutral": not_list,
    "deployments[0]": not_table, "deployments[0].strength": not_number,
    "deployments[0].units": st.one_of(not_number, fractional),
    "deployments[0].posture": words.map(lambda s: "x" + s),
    "deployments[0].town": not_string, "deployments[0].faction": not_string,
    "phases[0].kind": words.map(lambda s: "x" + s), "phases[0].objectives": not_list,
    "phases[0].start": st.one_of(not_number, fractional), "phases[0].commitment": not_number,
    "phases[1].line": not_list, "phases[1].duration": st.one_of(not_number, fractional),
    "events[0].day": st.one_of(not_number, fractional),
    "events[0].kind": words.map(lambda s: "x" + s), "events[0].strength": not_number,
    "events[0].units": st.one_of(not_number, fractional), "events[1].towns": not_list,
    "events[2].to": not_string, "events[3].drones": not_number, "events[4].note": not_string,
}

#: field -> strategy of numbers outside the allowed range
OUT_OF_RANGE: dict[str, st.SearchStrategy[Any]] = {
    "days": st.one_of(st.integers(max_value=0), st.integers(min_value=3651)),
    "seed": st.integers(max_value=-1),
    "factions.league.strength": st.floats(max_value=0, allow_nan=False, allow_infinity=False),
    "factions.league.morale": st.one_of(st.floats(max_value=-1e-6, allow_infinity=False),
                                        st.floats(min_value=1.000001, allow_infinity=False)),
    "factions.republic.quality": st.one_of(st.floats(max_value=0, allow_infinity=False),
                                           st.floats(min_value=3.0001, allow_infinity=False)),
    "factions.republic.air": st.floats(min_value=1.0001, allow_infinity=False),
    "factions.league.drones": st.floats(max_value=-0.0001, allow_infinity=False),
    "factions.league.garrison_share": st.floats(min_value=1.0001, allow_infinity=False),
    "deployments[0].strength": st.floats(max_value=0, allow_infinity=False),
    "deployments[0].units": st.one_of(st.integers(max_value=0), st.integers(min_value=101)),
    "deployments[0].quality": st.floats(min_value=3.0001, allow_infinity=False),
    "phases[0].commitment": st.floats(min_value=1.0001, allow_infinity=False),
    "phases[0].start": st.integers(max_value=-1),
    "phases[1].duration": st.integers(max_value=0),
    "events[0].strength": st.floats(max_value=0, allow_infinity=False),
    "events[0].day": st.integers(max_value=-1),
    "events[3].drones": st.floats(min_value=1.0001, allow_infinity=False),
}

#: where a town name goes -> the field the error must name
TOWN_SLOTS = {
    "deployments[0].town": "deployments[0].town", "phases[0].objectives": "phases[0].objectives",
    "phases[1].line": "phases[1].line", "events[0].town": "events[0].town",
    "events[1].towns": "events[1].towns", "events[1].line": "events[1].line",
    "events[2].towns": "events[2].towns", "factions.republic.supply": "factions.republic.supply",
}
FACTION_SLOTS = {
    "deployments[0].faction": "deployments[0].faction", "phases[0].faction": "phases[0].faction",
    "events[0].faction": "events[0].faction", "events[2].to": "events[2].to",
    "factions.league.allies": "factions.league.allies",
    "factions.republic.neutral": "factions.republic.neutral",
    "events[4].factions": "events[4].factions",
}
LIST_SLOTS = {"phases[0].objectives", "phases[1].line", "events[1].towns", "events[1].line",
              "events[2].towns", "factions.republic.supply", "factions.league.allies",
              "factions.republic.neutral", "events[4].factions"}

bad_condition = st.one_of(
    unknown_town.map(lambda t: f"captured:{t}"),
    unknown_faction.map(lambda f: f"held:Valmora:{f}"),
    unknown_faction.map(lambda f: f"morale:{f}<0.4"),
    unknown_faction.map(lambda f: f"stalled:{f}:2"),
    words.map(lambda w: f"stalled:league:x{w}"),
    st.from_regex(r"\Azz[a-z]{0,10}\Z").map(lambda w: w),
    st.sampled_from(["", "   ", "day>>3", "day=3", "day>=x", "(day>=1", "day>=1)",
                     "day>=1 and", "or day>=1", "not", "()", "day>=1 or or day>=2",
                     "morale:league<<0.4", "held:Valmora", "captured:", "stalled:league",
                     "captured:Valmora:league:extra", "day >= 1 and (held:Riva:republic"]),
)
MISSING = {"theatre": "theatre", "start": "start", "days": "days", "factions": "factions",
           "factions.league.strength": "factions.league.strength",
           "deployments[0].town": "deployments[0].town",
           "deployments[0].strength": "deployments[0].strength",
           "phases[0].kind": "phases[0].kind", "phases[0].faction": "phases[0].faction",
           "events[0].kind": "events[0].kind", "events[0].strength": "events[0]",
           "events[0].day": "events[0]", "events[1].when": "events[1]",
           "events[2].to": "events[2]", "events[3].drones": "events[3]",
           "phases[1].line": "phases[1]"}
zz_key = st.from_regex(r"\Azz[a-z_]{1,10}\Z")


@st.composite
def bad_scenarios(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """One malformed scenario and the field its error must name."""
    data = base_scenario()
    kind = draw(st.sampled_from(["type", "range", "town", "faction", "outside", "condition",
                                 "missing", "unknown_key", "rules", "params", "theatre"]))
    if kind == "type":
        field = draw(st.sampled_from(sorted(WRONG_TYPE)))
        _set(data, field, draw(WRONG_TYPE[field]))
        return data, field
    if kind == "range":
        field = draw(st.sampled_from(sorted(OUT_OF_RANGE)))
        _set(data, field, draw(OUT_OF_RANGE[field]))
        return data, field
    if kind in ("town", "faction"):
        slots = TOWN_SLOTS if kind == "town" else FACTION_SLOTS
        slot = draw(st.sampled_from(sorted(slots)))
        name = draw(unknown_town if kind == "town" else unknown_faction)
        _set(data, slot, [name] if slot in LIST_SLOTS else name)
        return data, slots[slot]
    if kind == "outside":
        days = data["days"]
        which = draw(st.sampled_from(["phase_start", "event_day", "phase_end"]))
        if which == "phase_start":
            data["phases"][0]["start"] = draw(st.integers(days, days + 1000))
            return data, "phases[0].start"
        if which == "event_day":
            k = draw(st.sampled_from([0, 2, 3, 4]))
            data["events"][k]["day"] = draw(st.integers(days, days + 1000))
            return data, f"events[{k}].day"
        data["phases"][0]["start"] = start = draw(st.integers(0, days - 1))
        data["phases"][0]["end"] = draw(st.integers(0, start))
        return data, "phases[0]"
    if kind == "condition":
        where = draw(st.sampled_from(["phases[1].when", "events[1].when"]))
        _set(data, where, draw(bad_condition))
        return data, where
    if kind == "missing":
        field = draw(st.sampled_from(sorted(MISSING)))
        _delete(data, field)
        return data, MISSING[field]
    if kind == "unknown_key":
        key = draw(zz_key)
        where = draw(st.sampled_from(["", "factions.league", "deployments[0]", "phases[0]",
                                      "events[3]"]))
        node: Any = data
        if where:
            for part in where.replace("[", ".[").split("."):
                node = node[int(part[1:-1])] if part.startswith("[") else node[part]
        node[key] = draw(st.one_of(st.integers(), words))
        return data, key
    if kind == "rules":
        rule = draw(st.sampled_from(["day_and_when", "neither", "duration_no_when",
                                     "withdraw_no_goal", "to_and_line", "no_towns",
                                     "support_empty", "held_elsewhere", "region_bad"]))
        if rule == "day_and_when":
            data["events"][1]["day"] = 1
            return data, "events[1]"
        if rule == "neither":
            del data["events"][0]["day"]
            return data, "events[0]"
        if rule == "duration_no_when":
            data["phases"][0]["duration"] = draw(st.integers(1, 5))
            return data, "phases[0]"
        if rule == "withdraw_no_goal":
            del data["phases"][1]["line"]
            return data, "phases[1]"
        if rule == "to_and_line":
            data["events"][1]["to"] = "Olmeda"
            return data, "events[1]"
        if rule == "no_towns":
            del data["events"][draw(st.sampled_from([1, 2]))]["towns"]
            return data, "events["
        if rule == "support_empty":
            del data["events"][3]["drones"]
            return data, "events[3]"
        if rule == "held_elsewhere":   # a League group deployed in a Republic town
            data["deployments"][0]["town"] = draw(st.sampled_from(["Valmora", "Riva",
                                                                   "Portesca"]))
            return data, "deployments[0].town"
        data["events"][1]["region"] = draw(st.one_of(
            words.filter(lambda s: ":" not in s), zz_key.map(lambda c: f"{c}:north"),
            zz_key.map(lambda v: f"region:{v}")))
        del data["events"][1]["towns"]
        return data, "events[1].region"
    if kind == "params":
        which = draw(st.sampled_from(["unknown", "range", "type"]))
        if which == "unknown":
            key = draw(zz_key)
            data["params"] = {key: 1.0}
            return data, key
        if which == "range":
            data["params"] = {"kill_rate": draw(st.one_of(
                st.floats(max_value=0.0049, allow_infinity=False),
                st.floats(min_value=0.31, allow_infinity=False)))}
            return data, "kill_rate"
        data["params"] = {"combat_law": draw(words.map(lambda s: "x" + s))}
        return data, "combat_law"
    data["theatre"] = draw(words.map(lambda s: "nowhere_" + s))
    return data, "theatre"


@given(case=bad_scenarios())
@fuzz(320)
def test_malformed_scenarios(case: tuple[dict[str, Any], str], work: Path,
                             capsys: pytest.CaptureFixture[str], fuzz_count) -> None:
    fuzz_count["scenarios"] += 1
    data, field = case
    path = write_scenario(work, data)
    assert_one_error(["scenarios", "validate", str(path)], capsys, path.name, field)



# -- extends chains ---------------------------------------------------------------------------
@st.composite
def bad_chains(draw: st.DrawFn) -> tuple[list[tuple[str, dict[str, Any]]], str, str, str]:
    """Files (name, content); the entry file; the file and field its error must name."""
    tag = next(_counter)
    kind = draw(st.sampled_from(["cycle", "missing", "type", "drop", "additions", "child"]))
    base = (f"ex{tag}_base.toml", base_scenario())
    if kind == "cycle":
        n = draw(st.integers(1, 4))
        names = [f"ex{tag}_c{i}.toml" for i in range(n)]
        files = [(nm, {"extends": names[(i + 1) % n], "days": 5}) for i, nm in enumerate(names)]
        return files, names[0], names[0], "extends"
    child: dict[str, Any] = {"extends": base[0]}
    if kind == "missing":
        child["extends"] = f"ex{tag}_" + draw(words.map(lambda s: s.replace(" ", "_"))) + ".toml"
        return ([base, (f"ex{tag}_child.toml", child)], f"ex{tag}_child.toml",
                child["extends"], f"ex{tag}_child.toml: extends: ")
    if kind == "type":
        child["extends"] = draw(not_string)
        return ([base, (f"ex{tag}_child.toml", child)], f"ex{tag}_child.toml",
                f"ex{tag}_child.toml", "extends")
    if kind == "drop":
        child["drop_events"] = draw(st.one_of(
            st.lists(words.filter(lambda s: s not in {e["note"] for e in base[1]["events"]}),
                     min_size=1, max_size=3),
            not_list.filter(lambda v: not isinstance(v, list)),
            st.lists(st.integers(), min_size=1, max_size=2)))
        return ([base, (f"ex{tag}_child.toml", child)], f"ex{tag}_child.toml",
                f"ex{tag}_child.toml", "drop_events")
    if kind == "additions":
        key = draw(st.sampled_from(["add_events", "add_phases"]))
        child[key] = draw(st.one_of(st.integers(), words, st.dictionaries(
            st.sampled_from("ab"), st.integers(), min_size=1, max_size=2)))
        return ([base, (f"ex{tag}_child.toml", child)], f"ex{tag}_child.toml",
                f"ex{tag}_child.toml", key)
    # a child adds an event that names an unknown town: the child file is named, and the
    # event's own index there (not events[5] of the merged list)
    child["add_events"] = [{"day": 1, "kind": "handover", "to": "league",
                            "towns": [draw(unknown_town)], "note": "bad"}]
    return ([base, (f"ex{tag}_child.toml", child)], f"ex{tag}_child.toml",
                f"ex{tag}_child.toml", "add_events[0].towns")


@given(case=bad_chains())
@fuzz(60)
def test_malformed_extends(case, work: Path, capsys: pytest.CaptureFixture[str],
                           fuzz_count) -> None:
    fuzz_count["scenarios"] += 1
    files, entry, named, field = case
    for name, data in files:
        (work / name).write_text(to_toml(data), encoding="utf-8")
    assert_one_error(["scenarios", "validate", str(work / entry)], capsys, named, field)



# -- junk files -------------------------------------------------------------------------------
junk = st.one_of(
    st.just(b""), st.sampled_from([b" ", b"\n\n", b"\t \r\n"]),
    st.binary(min_size=1, max_size=200).map(lambda b: b"\xff\xfe" + b),
    st.binary(min_size=1, max_size=200).map(lambda b: b"x = 1\x00" + b),
    st.text(max_size=200).map(lambda t: ("= " + t).encode()),
    st.text(max_size=200).map(lambda t: ("[[[" + t).encode()),
    st.text(alphabet=WORD, max_size=50).map(lambda t: f'days = "{t}\n'.encode()),
)


@given(blob=junk)
@fuzz(60)
def test_junk_files(blob: bytes, work: Path, capsys: pytest.CaptureFixture[str],
                    fuzz_count) -> None:
    fuzz_count["scenarios"] += 1
    path = write_scenario(work, blob)
    assert_one_error(["scenarios", "validate", str(path)], capsys, path.name)



# -- theatres ---------------------------------------------------------------------------------
def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


TOWN_CELLS = {   # column -> bad values
    "lat": st.one_of(words.map(lambda s: "x" + s),
                     st.floats(min_value=90.001, max_value=1e6).map(str),
                     st.floats(max_value=-90.001, min_value=-1e6).map(str),
                     st.sampled_from(["nan", "inf", "-inf"])),
    "lon": st.one_of(words.map(lambda s: "x" + s),
                     st.floats(min_value=180.001, max_value=1e6).map(str)),
    "kind": st.from_regex(r"\Azz[a-z]{0,8}\Z"),
    "population": st.one_of(words.map(lambda s: "x" + s),
                            st.floats(max_value=-0.001, min_value=-1e9).map(str)),
    "fortification": st.one_of(st.floats(min_value=1.001, max_value=1e3).map(str),
                               st.floats(max_value=-0.001, min_value=-1e3).map(str),
                               words.map(lambda s: "x" + s)),
    "controller": unknown_faction.filter(lambda s: s not in ("none", "nobody")),
}
ROAD_CELLS = {
    "a": unknown_town.filter(lambda s: s.strip() != ""),
    "b": unknown_town.filter(lambda s: s.strip() != ""),
    "road": st.from_regex(r"\Azz[a-z]{0,8}\Z"),
    "km": st.one_of(st.floats(max_value=0.0, min_value=-1e6).map(str),
                    words.map(lambda s: "x" + s)),
}


@st.composite
def bad_theatres(draw: st.DrawFn):
    """A mutation: (file, function(folder) -> None, the field the error must name)."""
    kind = draw(st.sampled_from(["town_cell", "road_cell", "header", "dup_name", "self_road",
                                 "dup_road", "extra_field", "empty_name", "junk", "missing",
                                 "no_rows"]))
    n_towns, n_roads = 22, 33
    if kind in ("town_cell", "road_cell"):
        file, cells, n = (("towns.csv", TOWN_CELLS, n_towns) if kind == "town_cell"
                          else ("roads.csv", ROAD_CELLS, n_roads))
        col = draw(st.sampled_from(sorted(cells)))
        row, value = draw(st.integers(1, n)), draw(cells[col])

        def mutate(d: Path) -> None:
            rows = _rows(d / file)
            rows[row][rows[0].index(col)] = value
            _write_rows(d / file, rows)
        return file, mutate, f"row {row + 1}, column {col}"
    if kind == "header":
        file, col = draw(st.sampled_from([("towns.csv", c) for c in ("name", "lat", "lon",
                                                                       "controller")]
                                         + [("roads.csv", "a"), ("roads.csv", "b")]))

        def mutate(d: Path) -> None:
            rows = _rows(d / file)
            i = rows[0].index(col)
            _write_rows(d / file, [r[:i] + r[i + 1:] for r in rows])
        return file, mutate, "header"
    if kind in ("dup_name", "empty_name"):
        a, b = draw(st.lists(st.integers(1, n_towns), min_size=2, max_size=2, unique=True))

        def mutate(d: Path) -> None:
            rows = _rows(d / "towns.csv")
            rows[b][0] = rows[a][0] if kind == "dup_name" else " "
            _write_rows(d / "towns.csv", rows)
        row = max(a, b) if kind == "dup_name" else b
        return "towns.csv", mutate, f"row {row + 1}, column name"
    if kind == "self_road":
        row = draw(st.integers(1, n_roads))

        def mutate(d: Path) -> None:
            rows = _rows(d / "roads.csv")
            rows[row][1] = rows[row][0]
            _write_rows(d / "roads.csv", rows)
        return "roads.csv", mutate, f"row {row + 1}"
    if kind == "dup_road":
        row = draw(st.integers(1, n_roads))
        flip = draw(st.booleans())

        def mutate(d: Path) -> None:
            rows = _rows(d / "roads.csv")
            extra = list(rows[row])
            if flip:
                extra[0], extra[1] = extra[1], extra[0]
            _write_rows(d / "roads.csv", [*rows, extra])
        return "roads.csv", mutate, f"row {n_roads + 2}"
    if kind == "extra_field":
        file = draw(st.sampled_from(["towns.csv", "roads.csv"]))
        row = draw(st.integers(1, n_towns if file == "towns.csv" else n_roads))

        def mutate(d: Path) -> None:
            rows = _rows(d / file)
            rows[row].append("surplus")
            _write_rows(d / file, rows)
        return file, mutate, f"row {row + 1}"
    if kind == "junk":
        file = draw(st.sampled_from(["towns.csv", "roads.csv"]))
        blob = draw(st.one_of(st.just(b""), st.binary(max_size=100).map(lambda b: b"\xff" + b),
                              st.binary(max_size=100).map(lambda b: b"name,\x00" + b)))

        def mutate(d: Path) -> None:
            (d / file).write_bytes(blob)
        return file, mutate, None
    if kind == "no_rows":
        file = draw(st.sampled_from(["towns.csv", "roads.csv"]))

        def mutate(d: Path) -> None:
            _write_rows(d / file, _rows(d / file)[:1])
        return file, mutate, None
    # a missing file: roads.csv is named; without towns.csv the theatre folder is not found
    file = draw(st.sampled_from(["towns.csv", "roads.csv"]))

    def mutate(d: Path) -> None:
        (d / file).unlink()
    return (file, mutate, None) if file == "roads.csv" else ("SCENARIO", mutate, "theatre")


@given(case=bad_theatres())
@fuzz(120)
def test_malformed_theatres(case, work: Path, capsys: pytest.CaptureFixture[str],
                            fuzz_count) -> None:
    fuzz_count["theatre CSVs"] += 1
    file, mutate, field = case
    folder = work / f"th_{next(_counter)}"
    shutil.copytree(RIVERLAND, folder / "theatre")
    mutate(folder / "theatre")
    path = folder / "scenario.toml"
    path.write_text(to_toml(base_scenario()), encoding="utf-8")
    assert_one_error(["scenarios", "validate", str(path)], capsys,
                     path.name if file == "SCENARIO" else file, field)



# -- the base is valid, so every failure above comes from the mutation ---------------------------
def test_base_scenario_is_valid(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scenario(work, base_scenario())
    assert main(["scenarios", "validate", str(path)]) == 0, capsys.readouterr().err
    child = work / "ok_child.toml"
    child.write_text(to_toml({"extends": path.name, "days": 5,
                              "drop_events": ["ceasefire"],
                              "add_events": [{"day": 4, "kind": "ceasefire",
                                              "note": "later ceasefire"}]}), encoding="utf-8")
    assert main(["scenarios", "validate", str(child)]) == 0, capsys.readouterr().err
    assert main(["run", str(child), "--quiet"]) == 0, capsys.readouterr().err


def test_mutation_helpers_change_the_data() -> None:
    data = base_scenario()
    _set(data, "events[2].to", "x")
    _delete(data, "phases[1].line")
    assert data["events"][2]["to"] == "x" and "line" not in data["phases"][1]
    assert copy.deepcopy(base_scenario()) == base_scenario()


# -- the real console entry point ---------------------------------------------------------------
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("case", ["empty", "binary", "cycle", "bad_set", "unknown_town",
                                  "missing_theatre"])
def test_subprocess_errors(case: str, work: Path) -> None:
    folder = work / f"sub_{case}"
    folder.mkdir()
    shutil.copytree(RIVERLAND, folder / "theatre")
    good = folder / "good.toml"
    good.write_text(to_toml(base_scenario()), encoding="utf-8")
    args = ["scenarios", "validate"]
    target = folder / f"{case}.toml"
    data = base_scenario()
    if case == "empty":
        target.write_bytes(b"")
    elif case == "binary":
        target.write_bytes(bytes(range(256)))
    elif case == "cycle":
        target.write_text('extends = "other.toml"\n', encoding="utf-8")
        (folder / "other.toml").write_text(f'extends = "{target.name}"\n', encoding="utf-8")
    elif case == "bad_set":
        target, args = good, ["run", "--set", "kill_rate=abc"]
    elif case == "unknown_town":
        data["deployments"][0]["town"] = "Atlantis"
        target.write_text(to_toml(data), encoding="utf-8")
    else:
        data["theatre"] = "theatres/atlantis"
        target.write_text(to_toml(data), encoding="utf-8")
    proc = _cli(*args, str(target), cwd=folder)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("frontline: error: "), proc.stderr
    expected = "kill_rate" if case == "bad_set" else target.name
    assert expected in lines[0]


def test_subprocess_valid_file_passes(work: Path) -> None:
    folder = work / "sub_ok"
    folder.mkdir()
    shutil.copytree(RIVERLAND, folder / "theatre")
    good = folder / "good.toml"
    good.write_text(to_toml(base_scenario()), encoding="utf-8")
    proc = _cli("scenarios", "validate", str(good), cwd=folder)
    assert proc.returncode == 0, proc.stderr
    assert "ok" in proc.stdout


# -- anything anywhere: values of any type and size at any field ------------------------------
#: every field of the base scenario, as a dotted path


PATHS = sorted(set(paths_of(base_scenario())) | {
    "factions.league.attack_ratio", "factions.league.hold_ratio", "factions.league.colour",
    "factions.republic.garrison_share", "phases[0].end", "events[0].units"})
huge_text = st.builds(lambda c, n: c * n, st.sampled_from("x9( é\n"), st.integers(1, 50_000))
extreme_numbers = st.one_of(
    st.sampled_from([0, -0.0, 1e308, -1e308, 5e-324, 2**63, 2**64, -(2**63), 10**30, 1e9 + 1,
                     2_000_001.0, float("inf"), float("-inf"), float("nan")]),
    st.floats(), st.integers(min_value=-(2**70), max_value=2**70))
any_value = st.recursive(
    st.one_of(extreme_numbers, st.booleans(), st.text(max_size=30), huge_text,
              st.dates(), st.datetimes()),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(["a", "kind", "day", "town"]),
                                            inner, max_size=3)),
    max_leaves=8)


@given(path=st.sampled_from(PATHS), value=any_value)
@fuzz(220)
def test_any_value_at_any_field(path: str, value: Any, work: Path, fuzz_count) -> None:
    """Validate, and when the file is valid also run it: exit 0 or one error line."""
    data = base_scenario()
    _set(data, path, value)
    f = write_scenario(work, data)
    o = obey(cli(["scenarios", "validate", f]), file=f.name,
             counts=fuzz_count, kind="scenarios")
    if o.code == 0:
        obey(cli(["run", f, "--quiet", "--days", "3"]))


# -- dates and conditions: the bounds and the deep or long expressions -----------------------
GOOD_ATOMS = ["day>=1", "captured:Riva", "held:Valmora:republic", "morale:league<0.5",
              "stalled:league:2", "lost:league>0.2", "threatened:Riva"]
BAD_ATOMS = ["day==٣", "stalled:league:²", "day>=99999999999999999999", "captured:Nowhere",
             "x", "lost:league>7"]
atom = st.sampled_from(GOOD_ATOMS * 12 + BAD_ATOMS)


@st.composite
def conditions(draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from(["chain", "nest", "nots", "soup"]))
    n = draw(st.one_of(st.integers(1, 12), st.integers(1, 40), st.integers(200, 1500)))
    if shape == "chain":
        op = draw(st.sampled_from([" and ", " or "]))
        return op.join(draw(atom) for _ in range(n))
    if shape == "nest":
        return "(" * n + draw(atom) + ")" * draw(st.sampled_from([n, n - 1, n + 1]))
    if shape == "nots":
        return "not " * n + draw(atom)
    return " ".join(draw(st.lists(st.sampled_from(["(", ")", "and", "or", "not", "day>=2",
                                                   "captured:Riva"]), max_size=60)))


@given(start=st.one_of(st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)), st.dates()),
       days=st.one_of(st.integers(1, 30), st.integers(1, 3650)),
       when=st.one_of(st.none(), conditions()),
       where=st.sampled_from(["phases[1].when", "events[1].when"]))
@fuzz(160)
def test_dates_and_conditions(start: dt.date, days: int, when: str | None, where: str,
                              work: Path, fuzz_count) -> None:
    """Any start date and length; any condition shape (long chains, deep nesting): exit 0
    or one line, and a valid one runs without recursing too deep."""
    data = base_scenario()
    data["start"], data["days"] = start, days
    if when is not None:
        _set(data, where, when)
    f = write_scenario(work, data)
    o = obey(cli(["scenarios", "validate", f]), file=f.name,
             counts=fuzz_count, kind="scenarios")
    if o.code == 0:
        obey(cli(["run", f, "--quiet", "--days", "4"]))
        assert dt.date(1900, 1, 1) <= start
        assert start + dt.timedelta(days=days - 1) <= dt.date(2200, 12, 31)


# -- theatre cells: any text, any size, in any cell --------------------------------------------
cell_text = st.one_of(st.text(max_size=40), huge_text,
                      st.sampled_from(['"', '""', "a,b", "x\ny", "\r", "nan", "inf", "1e308",
                                       "-0", "  ", "\u2028", "\x1c", "0x10", "1_000"]))


@given(file=st.sampled_from(["towns.csv", "roads.csv"]), row=st.integers(0, 40),
       col=st.integers(0, 12), text=cell_text)
@fuzz(140)
def test_any_text_in_any_theatre_cell(file: str, row: int, col: int, text: str, work: Path,
                                      fuzz_count) -> None:
    folder = work / f"cell_{next(_counter)}"
    shutil.copytree(RIVERLAND, folder / "theatre")
    rows = _rows(folder / "theatre" / file)
    r = rows[row % len(rows)]
    if col < len(r):
        r[col] = text
    else:
        r.append(text)
    _write_rows(folder / "theatre" / file, rows)
    path = folder / "scenario.toml"
    path.write_text(to_toml(base_scenario()), encoding="utf-8")
    obey(cli(["scenarios", "validate", path]), counts=fuzz_count, kind="theatre CSVs")
