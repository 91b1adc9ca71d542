"""The data checker (scripts/check_theatre_data.py): every theatre of the library passes with
the reported files its calibration specs name, and each fault it claims to find is found on a
broken copy of the tiny theatre."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import pytest
from conftest import REPO, THEATRES, tiny_text

_spec = importlib.util.spec_from_file_location("check_theatre_data",
                                               REPO / "scripts" / "check_theatre_data.py")
checker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(checker)
LIBRARY = checker.library()


def _quiet(folder: Path, reported: list[Path], **kw) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # a disconnected graph also warns on loading
        return checker.check(folder, reported, out=lambda *_: None, **kw)


@pytest.mark.parametrize("folder", sorted(LIBRARY), ids=lambda p: p.name)
def test_library_theatre_passes(folder: Path) -> None:
    assert _quiet(folder, LIBRARY[folder]) == []


def test_every_theatre_is_checked_and_the_real_ones_against_their_record() -> None:
    names = {p.name: rep for p, rep in LIBRARY.items()}
    assert set(names) == {d.name for d in THEATRES.iterdir() if (d / "towns.csv").is_file()}
    for real in ("nw_syria", "karabakh_2020", "iraq_2014"):
        assert names[real], f"{real}: no calibration spec names a reported file"
    assert names["riverland"] == []


def test_cli_all_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert checker.main(["--all"]) == 0
    assert "0 problem(s)" in capsys.readouterr().out


REPORTED = """date,place,new_controller,previous_controller,cause,source
2024-11-27,Bravo,opposition,government,assault,test
2024-11-28,Bravo,opposition,,assault,test
2024-11-28,Nowhere,opposition,,,test
2024-11-29,Charlie,opposition,sna,assault,test
2024-11-30,Delta,opposition,,shelled,test
2024-12-01,Echo,opposition,,,
2024-12-02,Alpha,government,,,test
2024-12-02,Alpha,government,,,test
2024-13-01,Alpha,government,,,test
2024-12-03,Rear,sna,,,test
"""


@pytest.fixture
def broken(theatre_copy, tmp_path: Path) -> tuple[Path, Path]:
    towns = tiny_text("towns.csv").replace("Echo,,36.00,37.30", "Echo,,3.60,37.30")
    towns += "Zulu,,36.02,37.05,village,,government,,Middle,test\n"
    towns += "Rear,,36.10,36.70,offmap,,,,West,test\n"
    roads = tiny_text("roads.csv").replace("Bravo,Charlie,10,", "Bravo,Charlie,40,")
    roads += "Rear,Westgate,,other,test\n"
    folder = theatre_copy(towns=towns, roads=roads)
    rep = tmp_path / "reported.csv"
    rep.write_text(REPORTED, encoding="utf-8")
    return folder, rep


@pytest.mark.parametrize("fault", [
    "Echo): 3.6000, 37.3000 outside the bounding box",      # coordinates
    "Bravo - Charlie: 40.0 km is",                            # road length
    "cut off from the rest of the road graph: Zulu",          # connected graph
    "Rear): an off-map place without a controller",           # off-map holder
    "row 3: 'Bravo' is already held by 'opposition'",         # chain: no change
    "row 4: place 'Nowhere' is not in the theatre",           # every place in the theatre
    "row 5: previous_controller 'sna', but 'Charlie' is held by 'government'",   # chain
    "row 6: cause 'shelled'",
    "row 7: empty source",
    "row 9: repeats an earlier report",
    "row 10: date '2024-13-01'",
    "row 11: 'Rear' is off-map",
])
def test_finds_each_fault(broken: tuple[Path, Path], fault: str) -> None:
    problems = _quiet(*broken[:1], [broken[1]])
    assert any(fault in p for p in problems), "\n".join(problems)


def test_reader_faults_are_reported_not_raised(theatre_copy) -> None:
    towns = tiny_text("towns.csv") + "Alpha,,36.5,37.0,town,,government,,West,dup\n"
    problems = _quiet(theatre_copy(towns=towns), [])
    assert len(problems) == 1 and "duplicate name 'Alpha'" in problems[0]


def test_bbox_option_and_derived_box(theatre_copy) -> None:
    folder = theatre_copy()
    assert _quiet(folder, []) == []
    problems = _quiet(folder, [], bbox=(35.0, 36.05, 36.0, 38.0))
    assert [p for p in problems if "Sierra" in p] and len(problems) == 1


def test_a_warning_on_loading_is_one_line_as_the_cli_shows_it(theatre_copy, capsys):
    """A town no road reaches: the loader's warning is one `warning:` line on stderr (it was a
    raw Python warning with its source line), the problem is listed, the status is 1."""
    d = theatre_copy(towns=tiny_text("towns.csv") + "Lonely,,36.5,37.0,town,100,sna,,West,x\n")
    assert checker.main([str(d)]) == 1
    out, err = capsys.readouterr()
    assert "cut off from the rest of the road graph: Lonely" in out
    assert err.splitlines() == [f"check_theatre_data.py: warning: {d}/roads.csv: road graph "
                                "has 2 disconnected parts; cut off from the largest: Lonely"]
