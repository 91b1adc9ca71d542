"""Animated map of a run folder (sim.views.animate): frames reconstruct the run, the GIF is written,
and a broken run folder is one InputError naming the file and field."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import BUILTIN

import sim
from sim.cli.main import main
from sim.errors import InputError
from sim.views.animate import animate, load_frames


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    result = sim.run(BUILTIN, seed=1)
    out = result.save(tmp_path_factory.mktemp("run"))
    return result, out


def test_frames_reconstruct_the_run(run_dir):
    result, out = run_dir
    fr = load_frames(out)
    assert fr.owner.shape == (result.days + 1, result.theatre.n)
    assert np.array_equal(fr.owner[0], result.initial)          # start rebuilt from day-0 events
    assert np.array_equal(fr.owner[1:], result.control_array)
    assert sum(len(c) for c in fr.changes) == len(result.log_rows)
    assert fr.changes[0] == []
    assert fr.dates[0] == "2024-11-27" and fr.dates[-1] == str(result.date(result.days - 1))


def test_gif_is_written_and_changes(run_dir, tmp_path):
    from PIL import Image
    _result, out = run_dir
    gif = animate(out, tmp_path / "a.gif", fps=4)
    assert gif == tmp_path / "a.gif" and gif.stat().st_size > 10_000
    with Image.open(gif) as im:
        assert im.n_frames >= 3
        first = np.asarray(im.convert("RGB")).copy()
        im.seek(im.n_frames - 1)
        last = np.asarray(im.convert("RGB"))
    assert first.shape == last.shape
    assert (first != last).any(axis=-1).mean() > 0.001


def test_cli_action(run_dir, tmp_path, capsys):
    _result, out = run_dir
    assert main(["plot", "animate", str(out), "--out", str(tmp_path / "b.gif"),
                 "--fps", "5"]) == 0
    got = capsys.readouterr()
    assert str(tmp_path / "b.gif") in got.out
    # without ffmpeg the promised MP4 is not silently missing
    assert ("no MP4 (ffmpeg is not on the PATH)" in got.err) == (shutil.which("ffmpeg") is None)


def test_animate_keeps_a_gif_it_did_not_write_and_replaces_its_own(run_dir, tmp_path, capsys):
    """`plot animate --out NAME.gif` (and RUN_DIR/animation.gif) wrote over any file of
    that name: the user's own is refused before a frame is drawn and left as it was; a GIF
    an earlier `plot animate` wrote (its comment says so) is replaced."""
    from PIL import Image
    _result, out = run_dir
    mine = tmp_path / "mine.gif"
    Image.new("RGB", (8, 8), "red").save(mine)
    before = mine.read_bytes()
    assert main(["plot", "animate", str(out), "--out", str(mine), "--fps", "5"]) == 2
    got = capsys.readouterr()
    assert got.out == "" and got.err.count("\n") == 1, got.err
    assert got.err.startswith(f"frontline: error: {mine}: --out: exists and is not known as "
                              "a file frontline wrote, so it is kept"), got.err
    assert mine.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["mine.gif"]
    ours = tmp_path / "ours.gif"
    for _ in range(2):
        assert main(["plot", "animate", str(out), "--out", str(ours), "--fps", "5"]) == 0
    with Image.open(ours) as im:
        assert im.info["comment"].decode().startswith("frontline")


def test_broken_run_folders(run_dir, tmp_path):
    _result, out = run_dir
    with pytest.raises(InputError, match="not a folder"):
        load_frames(tmp_path / "nope")
    bad = tmp_path / "bad"
    shutil.copytree(out, bad)
    meta = json.loads((bad / "meta.json").read_text())
    meta["scenario_file"] = str(tmp_path / "gone.toml")
    (bad / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(InputError) as exc:
        load_frames(bad)
    assert "scenario_file" in str(exc.value) and "gone.toml" in str(exc.value)
    (bad / "meta.json").unlink()
    with pytest.raises(InputError, match="meta.json"):
        load_frames(bad)
    shutil.copy(out / "meta.json", bad / "meta.json")
    (bad / "control.csv").write_text("date,Aleppo\n2024-11-27,government\n")
    with pytest.raises(InputError, match="control.csv"):
        load_frames(bad)
    with pytest.raises(InputError, match="--fps"):
        animate(out, tmp_path / "c.gif", fps=0)
