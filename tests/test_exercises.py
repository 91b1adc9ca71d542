"""Worksheets: their shape, the `frontline exercises` command, and every command in every
worksheet run as a student would (in a scratch folder that links the repository's inputs)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXERCISES, REPO

from sim.cli import main
from sim.cli.worksheets import SECTIONS, commands, default_folder, sections, worksheets

SHEETS = worksheets(EXERCISES)
LIMIT_S = 60.0          # the issue: every command runs in under a minute on a laptop


def test_at_least_six_worksheets_in_netlogo_shape():
    assert len(SHEETS) >= 6
    assert [w.number for w in SHEETS] == list(range(1, len(SHEETS) + 1))
    for w in SHEETS:
        heads = sections(w.text)
        assert [h for h in heads if h in SECTIONS] == list(SECTIONS), w.path.name
        assert commands(w.text), f"{w.path.name} has no commands"
        assert w.answers.is_file(), f"no answer key for {w.path.name}"
        key = w.answers.read_text(encoding="utf-8")
        assert "Answer key" in key.splitlines()[0]
        assert key.strip() not in w.text


def test_commands_parser_joins_continuations():
    text = "x\n```console\n$ a \\\n  b\nnot a command\n$ c\n```\n```\n$ d\n```\n"
    assert commands(text) == ["a \\\n  b", "c"]


def test_default_folder_from_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)
    assert default_folder().resolve() == EXERCISES.resolve()


def test_cli_list_and_show(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    assert main(["exercises", "list"]) == 0
    out = capsys.readouterr().out
    for w in SHEETS:
        assert f"{w.number:2d}  {w.title}" in out
    assert main(["exercises", "show", "1"]) == 0
    assert capsys.readouterr().out == SHEETS[0].text
    assert main(["exercises", "show", "1", "--answers"]) == 0
    assert capsys.readouterr().out == SHEETS[0].answers.read_text(encoding="utf-8")


@pytest.mark.parametrize("bad", [["show", "99"], ["show", "one"], ["list", "--folder", "nope"]])
def test_cli_bad_input_is_one_line(bad, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    assert main(["exercises", *bad]) == 2
    err = capsys.readouterr().err
    assert err.startswith("frontline: error: ") and err.count("\n") == 1


@pytest.mark.parametrize("sheet", SHEETS, ids=[w.path.stem for w in SHEETS])
def test_every_command_runs(sheet, tmp_path):
    """Each command, in order, from a scratch folder with the repository's input folders
    linked in; each must succeed within LIMIT_S (outputs go to the scratch ``runs/``)."""
    for name in ("scenarios", "experiments", "calibration"):
        (tmp_path / name).symlink_to(REPO / name)
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH"))
                                         if p), "MPLBACKEND": "Agg"}
    for cmd in commands(sheet.text):
        t0 = time.monotonic()
        proc = subprocess.run(["bash", "-c", cmd], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=LIMIT_S * 2)
        took = time.monotonic() - t0
        assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        assert "Traceback" not in proc.stderr, f"{cmd}\n{proc.stderr[-2000:]}"
        assert took < LIMIT_S, f"{cmd} took {took:.0f} s"
        assert proc.stdout.strip(), f"{cmd} printed nothing"
