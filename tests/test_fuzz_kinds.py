"""Fuzzing five input kinds through the CLI, in process: experiments (``frontline batch``),
calibration specs and reported events (``frontline calibrate``), ACLED exports and actor maps
(``frontline import acled``) and params files (``frontline run --params``).

Each generated input starts from a small valid one on the tiny theatre and changes one
thing: a value of any type or size at any field, a bound (dates, inf, nan, 1e308, huge
counts), a reserved name, a cell of any text and size. The rule (tests/fuzzkit.py): exit 0
with a sane result, or exit 2 with exactly one error line; no traceback, no run past 60 s.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import itertools
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import TINY, TINY_OFFENSIVE
from fuzzkit import cli, fuzz, obey, paths_of, set_path, to_toml
from hypothesis import given
from hypothesis import strategies as st

from sim.inputs.reported import read_rows
from sim.inputs.theatre import load_theatre

_n = itertools.count()

# -- values of any type and size ----------------------------------------------------------------
huge_text = st.builds(lambda c, n: c * n, st.sampled_from("x9( é\n,\""), st.integers(1, 40_000))
extreme = st.sampled_from([0, -1, 1, 0.5, -0.0, 1e308, -1e308, 5e-324, 2**31, 2**63, 2**64,
                           10**30, float("inf"), float("-inf"), float("nan"), 1e9 + 1])
scalar = st.one_of(extreme, st.floats(), st.integers(-(2**70), 2**70), st.booleans(),
                   st.text(max_size=20), huge_text, st.dates(), st.datetimes(),
                   st.sampled_from(["run_id", "seed", "point", "replicate", "kill_rate", ""]))
any_value = st.recursive(scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(["low", "high", "num", "values", "kind", "a"]), inner,
                    max_size=3)), max_leaves=6)




@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """The tiny theatre and scenario, a reported file, and a folder for outputs."""
    root = tmp_path_factory.mktemp("kinds")
    shutil.copytree(TINY, root / "tiny")
    (root / "tiny.toml").write_text(TINY_OFFENSIVE.read_text(encoding="utf-8"),
                                    encoding="utf-8")
    (root / "rep.csv").write_text(REPORTED, encoding="utf-8")
    return root


# == experiments ============================================================================
def base_experiment() -> dict[str, Any]:
    return {"scenario": "tiny.toml", "replicates": 2, "seed": 1, "overrides": {"days": 3},
            "design": {"kind": "grid", "parameters": {"kill_rate": [0.05, 0.06]}},
            "metrics": [{"kind": "capture_day", "town": "Bravo", "by": "opposition"},
                        {"kind": "holder", "town": "Bravo"}]}


EXP_PATHS = sorted(set(paths_of(base_experiment())) - {"replicates"} | {
    "metrics[0].name", "metrics[1].name", "metrics[0].day", "design.samples", "design.seed",
    "chunk", "common_random_numbers", "events", "series", "design.parameters.seed",
    "design.parameters.run_id", "design.parameters.days", "overrides.start",
    "design.parameters.factions.opposition.strength"})


@st.composite
def experiments(draw: st.DrawFn) -> dict[str, Any]:
    data = base_experiment()
    how = draw(st.sampled_from(["value", "name", "design", "size"]))
    if how == "value":
        set_path(data, draw(st.sampled_from(EXP_PATHS)), draw(any_value))
    elif how == "name":
        k = draw(st.sampled_from([0, 1]))
        data["metrics"][k]["name"] = draw(st.one_of(
            st.sampled_from(["run_id", "seed", "point", "replicate", "kill_rate", "x", "x"]),
            st.text(max_size=100)))
    elif how == "design":
        kind = draw(st.sampled_from(["grid", "lhs", "sobol", "morris", "replicates", "zz"]))
        name = draw(st.sampled_from(["kill_rate", "seed", "run_id", "point", "days",
                                     "combat_law", "factions.opposition.morale", "zz",
                                     "events[0].day", "start"]))
        rng = draw(st.one_of(
            st.lists(st.one_of(extreme, st.floats(0.0, 1.0), st.text(max_size=5)),
                     max_size=3),
            st.fixed_dictionaries({}, optional={"low": extreme, "high": extreme,
                                                "num": st.sampled_from([0, 1, 2, 10**5])})))
        data["design"] = {"kind": kind, "parameters": {name: rng},
                          "samples": draw(st.sampled_from([1, 2, 4, 3, 10**6, 2**40]))}
    else:
        data["replicates"] = draw(st.sampled_from([0, -1, 3, 10**6, 10**7, 2**63, 1.5]))
        if draw(st.booleans()):
            data["design"] = {"kind": "grid", "parameters": {
                "kill_rate": {"low": 0.01, "high": 0.2, "num": 10_000},
                "speed_highway": {"low": 5, "high": 50, "num": 10_000}}}
    return data


@given(data=experiments())
@fuzz(190)
def test_experiments(data: dict[str, Any], work: Path, fuzz_count) -> None:
    f = work / f"exp_{next(_n)}.toml"
    f.write_text(to_toml(data), encoding="utf-8")
    out = work / f"batch_{next(_n)}"
    o = obey(cli(["batch", f, "--workers", "1", "--out", out, "--no-progress"]),
             counts=fuzz_count, kind="experiments")
    if o.code == 0:                        # sane: every run once, columns not overwritten
        runs = pd.read_parquet(out / "runs.parquet")
        assert runs["run_id"].tolist() == list(range(len(runs)))
        assert runs["seed"].dtype.kind == "i" and runs["point"].dtype.kind == "i"


# == calibration specs and reported events ==================================================
REPORTED = """date,place,new_controller,previous_controller,cause,source
2024-01-02,Foxtrot,opposition,government,,test report one
2024-01-03,Bravo,opposition,government,assault,test report two
"""


def base_spec(reported: str = "rep.csv") -> dict[str, Any]:
    return {"scenario": "tiny.toml", "reported": reported, "until": dt.date(2024, 1, 4),
            "replicates": 1, "seed": 0, "params": {"kill_rate": [0.01, 0.2]},
            "loss": {"cap_days": 2.0, "unreported": 0.25},
            "optimiser": {"popsize": 2, "maxiter": 0, "seed": 1}, "forecast": {"replicates": 2},
            "assimilation": {"members": 16}}      # a small filter: the fuzz is about inputs


SPEC_PATHS = sorted(set(paths_of(base_spec())) - {"replicates", "optimiser.popsize",
                                                 "optimiser.maxiter", "assimilation.members"}
                    | {"params.kill_rate", "params.combat_law", "fixed.kill_rate",
                       "fixed.zz", "params.zz", "description"})


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    data = base_spec()
    how = draw(st.sampled_from(["value", "until", "loss", "budget", "bounds"]))
    if how == "value":
        set_path(data, draw(st.sampled_from(SPEC_PATHS)), draw(any_value))
    elif how == "until":
        data["until"] = draw(st.one_of(
            st.dates(), st.datetimes(), st.datetimes(timezones=st.just(dt.UTC)),
            st.sampled_from([dt.datetime(2024, 1, 3), dt.date(9999, 12, 31), "2024-01-03",
                             20240103, dt.time(1, 2)])))
    elif how == "loss":
        key = draw(st.sampled_from(["cap_days", "unreported"]))
        data["loss"][key] = draw(st.one_of(extreme, st.floats(), st.text(max_size=5)))
    elif how == "budget":
        key = draw(st.sampled_from(["optimiser.popsize", "optimiser.maxiter", "replicates",
                                    "forecast.replicates"]))
        set_path(data, key, draw(st.sampled_from([-1, 0, 1, 10**4, 10**5, 2**63, 1.5, "2"])))
    else:
        data["params"] = {draw(st.sampled_from(["speed_other", "kill_rate", "combat_law",
                                                "zz"])): draw(any_value)}
    return data


def _sane_fit(out: Path) -> None:
    text = (out / "params.toml").read_text(encoding="utf-8")
    assert "[params]" in text and "nan" not in text and "inf" not in text
    assert (out / "residuals.csv").is_file()


@given(data=specs())
@fuzz(140)
def test_calibration_specs(data: dict[str, Any], work: Path, fuzz_count) -> None:
    f = work / f"cal_{next(_n)}.toml"
    f.write_text(to_toml(data), encoding="utf-8")
    out = work / f"fit_{next(_n)}"
    o = obey(cli(["calibrate", f, "--workers", "1", "--out", out, "--quiet"]),
             counts=fuzz_count, kind="calibration specs")
    if o.code == 0:
        _sane_fit(out)


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


cell = st.one_of(st.text(max_size=30), huge_text, st.dates().map(str),
                 st.sampled_from(["2024-01-05", "9999-12-31", "0001-01-01", "2024-02-30",
                                  "opposition", "government", "sna", "", " ", "nobody", "Bravo",
                                  "Alfa", "Atlantis", "assault", "handover", "siege"]))


@st.composite
def reported_files(draw: st.DrawFn) -> str:
    rows = _rows(REPORTED)
    how = draw(st.sampled_from(["cell", "row", "header", "junk"]))
    if how == "cell":
        r, c = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, 6))
        if c < len(rows[r]):
            rows[r][c] = draw(cell)
        else:
            rows[r].append(draw(cell))
    elif how == "row":
        rows.append([draw(cell) for _ in range(draw(st.integers(0, 7)))])
    elif how == "header":
        rows[0] = draw(st.permutations(rows[0] + ["note", "date"]))[:draw(st.integers(0, 8))]
    else:
        return draw(st.one_of(st.text(max_size=200), huge_text))
    return _csv(rows)


@given(text=reported_files())
@fuzz(110)
def test_reported_events(text: str, work: Path, fuzz_count) -> None:
    name = f"rep_{next(_n)}.csv"
    (work / name).write_text(text, encoding="utf-8")
    f = work / f"calr_{next(_n)}.toml"
    f.write_text(to_toml(base_spec(name)), encoding="utf-8")
    out = work / f"fitr_{next(_n)}"
    o = obey(cli(["calibrate", f, "--workers", "1", "--out", out, "--quiet"]),
             counts=fuzz_count, kind="reported events")
    if o.code == 0:
        _sane_fit(out)


# == ACLED exports and actor maps ===========================================================
ACLED_HEADER = ["event_id_cnty", "event_date", "sub_event_type", "actor1", "assoc_actor_1",
                "actor2", "latitude", "longitude", "location", "source"]
ACLED_ROW = ["T1", "2024-01-03", "Non-state actor overtakes territory", "HTS fighters", "",
             "Army of the state", "36.00", "37.00", "Bravo", "SOHR"]
ACTORS = {"factions": {"opposition": ["hts*"], "government": ["army*"]}}
coordinate = st.one_of(st.floats().map(repr), extreme.map(str), st.text(max_size=8),
                       st.floats(-200, 200).map(str))


@st.composite
def acled_exports(draw: st.DrawFn) -> tuple[str, dict[str, Any] | str, list[str]]:
    rows = [ACLED_HEADER, list(ACLED_ROW)]
    actors: dict[str, Any] | str = copy.deepcopy(ACTORS)
    flags: list[str] = []
    how = draw(st.sampled_from(["coords", "cell", "dups", "actors", "actors_text", "flags"]))
    if how == "coords":
        rows[1][6], rows[1][7] = draw(coordinate), draw(coordinate)
    elif how == "cell":
        rows[1][draw(st.integers(0, 9))] = draw(cell)
    elif how == "dups":
        n = draw(st.sampled_from([2, 50, 3000]))
        src = draw(st.sampled_from(["SOHR", "S" * 400]))
        rows += [[f"T{i}", *ACLED_ROW[1:9], src] for i in range(n)]
    elif how == "actors":
        actors = {"factions": draw(st.dictionaries(
            st.one_of(st.sampled_from(["", " ", "opposition", " government", "a\nb"]),
                      st.text(max_size=10)),
            st.one_of(st.lists(st.one_of(st.text(max_size=8), st.sampled_from(["", "hts*",
                                                                              "["]))),
                      scalar), max_size=3))}
    elif how == "actors_text":
        actors = draw(st.one_of(st.text(max_size=80), st.just("factions = 3\n"),
                                st.just("[factions]\n")))
    else:
        flags = ["--max-km", draw(st.one_of(extreme.map(str), st.text(max_size=6)))]
    return _csv(rows), actors, flags


@given(case=acled_exports())
@fuzz(170)
def test_acled_exports_and_actor_maps(case, work: Path, fuzz_count) -> None:
    text, actors, flags = case
    k = next(_n)
    (work / f"acled_{k}.csv").write_text(text, encoding="utf-8")
    (work / f"actors_{k}.toml").write_text(actors if isinstance(actors, str)
                                           else to_toml(actors), encoding="utf-8")
    out = work / f"imported_{k}.csv"
    o = obey(cli(["import", "acled", work / f"acled_{k}.csv", "--theatre", work / "tiny",
                  "--actors", work / f"actors_{k}.toml", "--out", out, *flags]),
             counts=fuzz_count, kind="ACLED exports and actor maps")
    if o.code == 0:                 # sane: the one reader reads what the importer wrote
        header_only = len(out.read_text(encoding="utf-8").splitlines()) == 1
        _, rows = (None, []) if header_only else read_rows(out)
        towns = set(load_theatre(work / "tiny").names)
        for _line, r in rows:
            assert r["place"] in towns and r["new_controller"].strip()
            assert r["new_controller"] == r["new_controller"].strip()


# == params files ===========================================================================
@st.composite
def params_files(draw: st.DrawFn) -> str:
    how = draw(st.sampled_from(["table", "value", "junk"]))
    if how == "table":
        return to_toml({"params": draw(st.dictionaries(
            st.sampled_from(["kill_rate", "combat_law", "speed_other", "zz", "", "seed"]),
            any_value, max_size=3))})
    if how == "value":
        return to_toml({"params": draw(any_value)})
    return draw(st.one_of(st.text(max_size=100), st.just("[params]\n"),
                          st.just("[params]\nkill_rate = 0.05\n")))


@given(text=params_files())
@fuzz(110)
def test_params_files(text: str, work: Path, fuzz_count) -> None:
    f = work / f"params_{next(_n)}.toml"
    f.write_text(text, encoding="utf-8")
    o = obey(cli(["run", work / "tiny.toml", "--params", f, "--days", "2", "--quiet"]),
             counts=fuzz_count, kind="params files")
    if o.code == 0:
        assert "opposition" in o.out and "towns_end" in o.out


def test_the_starting_inputs_are_valid(work: Path) -> None:
    """Every mutation above starts from inputs that pass, so exit 2 comes from the
    mutation (and exit 0 paths are exercised)."""
    exp, spec = work / "base_exp.toml", work / "base_cal.toml"
    exp.write_text(to_toml(base_experiment()), encoding="utf-8")
    spec.write_text(to_toml(base_spec()), encoding="utf-8")
    (work / "base_acled.csv").write_text(_csv([ACLED_HEADER, ACLED_ROW]), encoding="utf-8")
    (work / "base_actors.toml").write_text(to_toml(ACTORS), encoding="utf-8")
    for argv in (["batch", exp, "--workers", "1", "--out", work / "base_batch", "--no-progress"],
                 ["calibrate", spec, "--workers", "1", "--out", work / "base_fit", "--quiet"],
                 ["import", "acled", work / "base_acled.csv", "--theatre", work / "tiny",
                  "--actors", work / "base_actors.toml", "--out", work / "base_rep.csv"]):
        o = cli(argv)
        assert o.code == 0, o.err
    assert len(read_rows(work / "base_rep.csv")[1]) == 1
