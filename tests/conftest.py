"""Shared fixtures: paths to the repository's inputs and to the hand-built test data, and a
helper that copies the tiny theatre into a temporary folder so a test can break one file."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SCENARIOS = REPO / "scenarios"
THEATRES = SCENARIOS / "theatres"
CALIBRATION = REPO / "calibration"
EXERCISES = REPO / "experiments" / "exercises"
BUILTIN = SCENARIOS / "deter_aggression_2024.toml"
NW_SYRIA = THEATRES / "nw_syria"
RIVERLAND = THEATRES / "riverland"
TINY = DATA / "tiny"
TINY_OFFENSIVE = DATA / "tiny_offensive.toml"
TINY_EVENTS = DATA / "tiny_events.toml"
#: every scenario of the library: the top folder and the what-ifs
LIBRARY = sorted(SCENARIOS.glob("*.toml")) + sorted((SCENARIOS / "whatif").glob("*.toml"))


@pytest.fixture(autouse=True)
def _work_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in an empty folder of its own, so a command given a relative output
    name (fuzzed or not) can never write into the repository."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(scope="session")
def builtin_scenario():
    """The built-in scenario, loaded once (Scenario objects are immutable)."""
    import sim
    return sim.load_scenario(BUILTIN)


@pytest.fixture
def theatre_copy(tmp_path: Path) -> Callable[..., Path]:
    """``theatre_copy(towns=..., roads=..., name=...)`` -> a fresh copy of ``tests/data/tiny``
    in tmp_path; ``towns``/``roads`` replace a file's text (``None`` deletes the file,
    a ``bytes`` value is written as is)."""
    counter = iter(range(10_000))

    def make(towns: str | bytes | None | bool = True, roads: str | bytes | None | bool = True,
             name: str | None = None) -> Path:
        d = tmp_path / (name or f"theatre{next(counter)}")
        shutil.copytree(TINY, d)
        for fname, text in (("towns.csv", towns), ("roads.csv", roads)):
            if text is True:
                continue
            if text is None or text is False:
                (d / fname).unlink()
            elif isinstance(text, bytes):
                (d / fname).write_bytes(text)
            else:
                (d / fname).write_text(text, encoding="utf-8")
        return d

    return make


def tiny_text(fname: str) -> str:
    """The text of one of the tiny theatre's files."""
    return (TINY / fname).read_text(encoding="utf-8")


# -- counting the fuzz suite's generated inputs, per input kind ---------------------------------
_FUZZ: dict[str, int] = {}


@pytest.fixture
def fuzz_count(record_property):
    """A Counter the fuzz tests add each generated input to (``fuzz_count[kind] += 1``);
    the counts travel with the test report (so they add up across xdist workers) and are
    printed at the end of the session (and written to $FRONTLINE_FUZZ_COUNTS if set)."""
    from collections import Counter
    counts: Counter[str] = Counter()
    yield counts
    for kind, n in counts.items():
        record_property(f"fuzz:{kind}", n)


def pytest_runtest_logreport(report) -> None:
    if report.when == "teardown":
        for key, n in report.user_properties:
            if key.startswith("fuzz:"):
                _FUZZ[key[5:]] = _FUZZ.get(key[5:], 0) + int(n)


def pytest_terminal_summary(terminalreporter) -> None:
    import json
    import os
    if not _FUZZ or hasattr(terminalreporter.config, "workerinput"):
        return
    tr = terminalreporter
    tr.section("generated inputs per input kind (fuzz suite)")
    kinds = {k: n for k, n in _FUZZ.items() if "|" not in k}
    for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1]):
        exits = ", ".join(f"{k.split('|')[1]}: {v}" for k, v in sorted(_FUZZ.items())
                          if k.startswith(kind + "|"))
        tr.write_line(f"{n:6d}  {kind}" + (f"  ({exits})" if exits else ""))
    tr.write_line(f"{sum(kinds.values()):6d}  in total")
    if os.environ.get("FRONTLINE_FUZZ_COUNTS"):
        Path(os.environ["FRONTLINE_FUZZ_COUNTS"]).write_text(json.dumps(_FUZZ, indent=1))


def frames(out: Path) -> list:
    """The three consolidated tables of a batch folder (runs, events, series)."""
    import pandas as pd
    return [pd.read_parquet(out / f"{t}.parquet") for t in ("runs", "events", "series")]


def assert_same(a: Path, b: Path) -> None:
    """Two batch folders hold identical tables."""
    import pandas as pd
    for x, y in zip(frames(a), frames(b), strict=True):
        pd.testing.assert_frame_equal(x, y)

