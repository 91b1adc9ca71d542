"""Worksheets: their shape, the `frontline exercises` command, and every command in every
worksheet run as a student would (in a scratch folder that links the repository's inputs)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXERCISES, REPO

from sim.cli import main
from sim.cli.worksheets import SECTIONS, commands, default_folder, sections, steps, worksheets

SHEETS = worksheets(EXERCISES)
#: a guard against a hung command, not a speed test: how long the worksheet commands take is
#: measured by benchmarks/bench_exercises.py (the teaching issue's target: under a minute)
HANG_S = 900.0
#: Tools a Windows shell (cmd, PowerShell) does not have, or has under the same name with
#: other options: a worksheet command must not use them.
UNIX_ONLY = ("grep", "egrep", "wc", "cut", "head", "tail", "cat", "cp", "mv", "rm", "ls",
             "sed", "awk", "sort", "uniq", "tee", "xargs", "touch", "less", "diff", "chmod",
             "which", "env", "export", "source", "bash", "sh")
#: Outside double quotes: pipes, redirection, chaining, globs, single quotes (cmd does not
#: know them), escapes, variables and line continuations mean different things (or nothing)
#: in cmd and PowerShell. Inside them: variables and history expansion of bash, cmd and
#: PowerShell ($, %, `, !) and escaped quotes.
SHELL_OUTSIDE = set("|&;<>*?'\\`$%^!(){}[]~,#@")
SHELL_INSIDE = set("$%`!\\")


def shell_problems(cmd: str) -> list[str]:
    """What stops ``cmd`` from working the same in bash, cmd and PowerShell."""
    if "\n" in cmd:
        return ["continued over several lines"]
    inside = re.findall(r'"([^"]*)"', cmd)
    outside = re.sub(r'"[^"]*"', " ", cmd)
    words = outside.split()
    out = []
    if '"' in outside:
        out.append("unbalanced double quotes")
    if not words or words[0] not in ("frontline", "python"):
        out.append("does not start with frontline or python")
    out += [f"Unix-only tool {w!r}" for w in words if w in UNIX_ONLY]
    out += [f"{c!r} outside double quotes" for c in sorted(SHELL_OUTSIDE & set(outside))]
    out += [f"{c!r} inside double quotes" for c in sorted(SHELL_INSIDE & set("".join(inside)))]
    return out


def test_at_least_eight_worksheets_in_netlogo_shape():
    assert len(SHEETS) >= 8
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


def test_steps_keep_the_order_and_the_expected_errors():
    text = ("```console\n$ a\nout\n```\n```console-error\n$ b\nfrontline: error: x\nmore\n```\n"
            "```console\n$ c\n```\n")
    assert steps(text) == [("a", None), ("b", "frontline: error: x"), ("c", None)]
    assert commands(text) == ["a", "c"]


@pytest.mark.parametrize("bad", [
    "cut -d, -f1-4 calibration/reported/nw_syria_2024.csv | head -12",
    "cat runs/x/params.toml", "head -5 runs/x/scores.csv", "cp -r a b",
    "grep -n Aleppo runs/x/events.csv", "wc -l runs/x/events.csv",
    "frontline run a.toml --out runs/a && frontline plot animate runs/a",
    "frontline run a.toml > out.txt", "frontline scenarios validate scenarios/*.toml",
    "frontline run a.toml \\\n  --seed 1", "python -c 'print(1)'",
    'python -c "import os; print(os.environ[\'HOME\'])" $HOME',
    'python -c "print(\'%d\' % 1)"', "ls runs"])
def test_shell_problems_catches_unix_only_commands(bad):
    assert shell_problems(bad), bad


def test_commands_are_portable():
    """Every command of every worksheet runs the same in bash, cmd and PowerShell: it starts
    with frontline or python, uses no Unix-only tool (no grep, wc, cut, head, cat, cp ...:
    read files with ``python -c "..."`` and single quotes inside), no pipe, redirection,
    chaining, glob or line continuation."""
    bad = {f"{w.path.name}: {cmd}": problems for w in SHEETS for cmd, _ in steps(w.text)
           if (problems := shell_problems(cmd))}
    assert not bad, bad


NUMBERS = {w: n for n, w in enumerate(["one", "two", "three", "four", "five", "six", "seven",
                                       "eight", "nine", "ten", "eleven", "twelve"], start=1)}


def test_parameter_counts_of_the_full_specs_are_right():
    """'`calibration/X.toml` ... (N parameters, ...)' in a worksheet or its input files says
    how many priors that spec has: it must be the number the spec holds."""
    from sim.inputs.calibration_spec import load_spec
    said = re.compile(r"(calibration/\w+\.toml)`?[^()]{0,200}\((\w+) parameters", re.S)
    texts = [(w.path.name, w.text) for w in SHEETS]
    texts += [(p.name, p.read_text(encoding="utf-8"))
              for p in sorted((EXERCISES / "inputs").glob("*.toml"))]
    found = 0
    for name, text in texts:
        for spec, count in said.findall(text):
            n = len(load_spec(REPO / spec).bounds)
            assert NUMBERS.get(count, count) in (n, str(n)), (name, spec, count, n)
            found += 1
    assert found >= 2


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


@pytest.mark.parametrize(("argv", "which"), [(["list"], "sheet"), (["show", "1"], "sheet"),
                                             (["show", "1", "--answers"], "answers")])
def test_a_worksheet_that_is_not_utf8_is_one_line(tmp_path, capsys, argv, which):
    """A worksheet or answer key saved in Latin-1 escaped as a UnicodeDecodeError."""
    (tmp_path / "answers").mkdir()
    sheet, key = tmp_path / "01-x.md", tmp_path / "answers" / "01-x.md"
    sheet.write_text("# 1. Ok\n", encoding="utf-8")
    key.write_text("# Key\n", encoding="utf-8")
    bad = sheet if which == "sheet" else key
    bad.write_bytes("# 1. Título\n".encode("latin-1"))
    assert main(["exercises", *argv, "--folder", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"frontline: error: {bad}: -: not UTF-8 text") and err.count("\n") == 1


def test_the_shipped_worksheets_have_numbers_of_their_own():
    numbers = [w.number for w in SHEETS]
    assert len(set(numbers)) == len(numbers), [w.path.name for w in SHEETS]


@pytest.mark.parametrize("argv", [["show", "3"], ["list"]])
def test_two_worksheets_of_one_number_are_one_line_naming_both(tmp_path, capsys, argv):
    """`exercises show 3` printed one of 03-a.md and 03-b.md, silently."""
    for name in ("01-x.md", "03-a.md", "03-b.md"):
        (tmp_path / name).write_text(f"# {name}\n", encoding="utf-8")
    assert main(["exercises", *argv, "--folder", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1, err
    assert err == (f"frontline: error: {tmp_path / '03-b.md'}: number: worksheet 3 is also "
                   "03-a.md; expected each worksheet to have a number of its own (rename "
                   "one)\n")


@pytest.mark.parametrize("sheet", SHEETS, ids=[w.path.stem for w in SHEETS])
def test_every_command_runs(sheet, tmp_path):
    """Each command, in order, from a scratch folder with the repository's input folders
    linked in; each must succeed (outputs go to the scratch ``runs/``), and
    each mistake shown on purpose must fail with the one line the worksheet shows."""
    for name in ("scenarios", "experiments", "calibration", "scripts"):
        (tmp_path / name).symlink_to(REPO / name)
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH"))
                                         if p), "MPLBACKEND": "Agg"}
    for cmd, error in steps(sheet.text):
        proc = subprocess.run(["bash", "-c", cmd], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=HANG_S)
        assert "Traceback" not in proc.stderr, f"{cmd}\n{proc.stderr[-2000:]}"
        if error is not None:       # a mistake shown on purpose: status 2 and that one line
            assert proc.returncode == 2, f"{cmd}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
            expected = ".*".join(re.escape(part) for part in error.split("..."))
            assert re.fullmatch(expected, proc.stderr.strip()), f"{cmd}\n{proc.stderr}"
            continue
        assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        assert proc.stdout.strip(), f"{cmd} printed nothing"
