"""Bad input met as a new user meets it, through ``sim.cli.main``: each mistake is one line
``frontline: error: FILE: FIELD: MESSAGE`` naming where it was made, with exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TINY, TINY_OFFENSIVE

BASE = TINY_OFFENSIVE.read_text(encoding="utf-8").replace(
    'theatre = "tiny"', f'theatre = "{TINY.as_posix()}"')
LATE_EVENT = '\n[[events]]\nday = 8\nkind = "support"\nfaction = "sna"\ndrones = 0.5\n'


def scenario(tmp_path: Path, text: str, name: str = "s.toml") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def error_of(capsys, argv: list[str]) -> str:
    """The one error line of ``frontline ARGV`` (which must exit with status 2)."""
    from sim.cli import main
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("frontline: error: "), err
    return err.strip()


@pytest.mark.parametrize("days", ['"10"', "10.0"])
def test_days_shortens_a_file_that_writes_its_days_as_text_or_a_float(tmp_path, capsys, days):
    """``days = "10"`` (or ``10.0``) is read as 10 days; ``--days 2`` then leaves out a later
    event, as it does for ``days = 10``, instead of refusing the file's event as outside
    the run."""
    from sim.cli import main
    path = scenario(tmp_path, BASE.replace("days = 10", f"days = {days}") + LATE_EVENT)
    for flags in (["--days", "2"], ["--set", "days=2"]):
        assert main(["run", path, "--quiet", *flags]) == 0, capsys.readouterr().err
        capsys.readouterr()


@pytest.mark.parametrize("value, said", [("nan", "nan"), ("1e400", "inf")])
def test_a_parameter_set_to_nan_or_inf_names_set_not_the_scenario(tmp_path, capsys, value,
                                                                   said):
    """``--set kill_rate=nan`` was blamed on the scenario file (``FILE: params.kill_rate``),
    which holds no such value."""
    err = error_of(capsys, ["run", str(TINY_OFFENSIVE), "--set", f"kill_rate={value}"])
    assert err == f"frontline: error: --set: kill_rate: expected a finite number, got {said}"


def test_a_theatre_set_on_the_command_line_names_set_not_the_scenario(capsys):
    err = error_of(capsys, ["run", str(TINY_OFFENSIVE), "--set", "theatre=atlantis"])
    assert err.startswith("frontline: error: --set: theatre: no theatre folder 'atlantis'"), err


def test_too_many_days_names_the_days_flag_not_set(capsys):
    """``--days 100000`` was reported as ``--set: days: ...``, a flag the user never gave."""
    err = error_of(capsys, ["run", str(TINY_OFFENSIVE), "--days", "100000"])
    assert err == ("frontline: error: command line: --days: expected an integer <= 3650, "
                   "got 100000")


@pytest.mark.parametrize("command", [["calibrate"], ["forecast"],
                                     ["nowcast", "--date", "2024-01-02"]],
                         ids=lambda c: c[0])
@pytest.mark.parametrize("field", ["scenario", "reported"])
def test_a_spec_naming_a_file_that_is_not_there_names_the_spec_and_its_field(
        tmp_path, capsys, command, field):
    """A calibration spec whose ``scenario`` or ``reported`` file is missing was one line
    naming only the missing path (``nope.csv: -: file not found``), not the spec that
    names it."""
    files = {"scenario": TINY_OFFENSIVE.as_posix(), "reported": "reported.csv", field: "nope"}
    (tmp_path / "reported.csv").write_text("date,place,new_controller,source\n"
                                           "2024-01-02,Foxtrot,opposition,a report\n",
                                           encoding="utf-8")
    spec = scenario(tmp_path, f'scenario = "{files["scenario"]}"\nreported = '
                              f'"{files["reported"]}"\nuntil = 2024-01-02\n[params]\n'
                              'kill_rate = [0.01, 0.1]\n[assimilation]\nmembers = 4\n',
                    "spec.toml")
    err = error_of(capsys, [command[0], spec, *command[1:], "--quiet",
                            "--out", str(tmp_path / "out")])
    assert err.startswith(f"frontline: error: {spec}: {field}: no {field} file "), err
    assert "nope" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("sweep, said", [
    ("{ low = 0.0, high = 1.0, num = 0 }",
     "design.parameters.kill_rate.num: Input should be greater than or equal to 1, got 0"),
    ("{ low = 0.0, high = 1.0, nums = 3 }",
     "design.parameters.kill_rate.nums: unknown key 'nums' (did you mean 'num'?)"),
])
def test_a_bad_sweep_range_says_what_is_wrong_inside_it(tmp_path, capsys, sweep, said):
    """A swept range (``{low, high, num}``) with a bad ``num`` was refused as 'Input should
    be a valid list' at ``...kill_rate.list[union[float,str]]``: pydantic's first try of the
    field's two forms, not the mistake."""
    exp = scenario(tmp_path, f'scenario = "{TINY_OFFENSIVE.as_posix()}"\nreplicates = 1\n'
                             f'[design]\nkind = "grid"\n[design.parameters]\n'
                             f'kill_rate = {sweep}\n', "e.toml")
    err = error_of(capsys, ["batch", exp, "--workers", "1", "--no-progress",
                            "--out", str(tmp_path / "out")])
    assert err.startswith(f"frontline: error: {exp}: {said}"), err
    assert not (tmp_path / "out").exists()


def test_a_faction_only_set_made_is_named_as_set(capsys):
    """``--set factions.nobody.strength=100`` adds a faction the file never had; its bad
    name was blamed on the scenario file (``FILE: factions.nobody: ...``)."""
    err = error_of(capsys, ["run", str(TINY_OFFENSIVE), "--set", "factions.nobody.strength=100"])
    assert err.startswith("frontline: error: --set: factions.nobody: faction name 'nobody' "), err


@pytest.mark.parametrize("override, said", [
    ('kill_rate = "abc"', "overrides.kill_rate: expected a number, got 'abc'"),
    ("days = 0", "overrides.days: Input should be greater than or equal to 1, got 0"),
    ('"factions.nobody.air" = 0.5', "overrides.factions.nobody.air: no faction 'nobody'"),
])
def test_a_bad_value_in_an_experiments_overrides_names_the_experiment(tmp_path, capsys,
                                                                      override, said):
    """A bad value in an experiment's ``[overrides]`` was blamed on ``--set``, a flag the
    user never gave; a ``--set`` of the same name is still named as ``--set``."""
    exp = scenario(tmp_path, f'scenario = "{TINY_OFFENSIVE.as_posix()}"\nreplicates = 1\n'
                             f'[overrides]\n{override}\n', "e.toml")
    argv = ["batch", exp, "--workers", "1", "--no-progress", "--out", str(tmp_path / "out")]
    assert error_of(capsys, argv).startswith(f"frontline: error: {exp}: {said}")
    if override.startswith("kill_rate"):        # the value given with --set is --set's
        err = error_of(capsys, [*argv, "--set", "kill_rate=abc"])
        assert err == "frontline: error: --set: kill_rate: expected a number, got 'abc'"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("replicates, said", [
    ("2000000", "expected an integer <= 1000000, got 2000000"),
    ("600000", "600,000 replicates of "),
])
def test_too_many_replicates_names_the_replicates_flag_not_the_experiment(tmp_path, capsys,
                                                                          replicates, said):
    """``--replicates N`` beyond what a batch may run was blamed on the experiment file
    (``e.toml: replicates: ...`` or ``e.toml: design.parameters: ...``)."""
    exp = scenario(tmp_path, f'scenario = "{TINY_OFFENSIVE.as_posix()}"\nreplicates = 1\n'
                             '[design]\nkind = "grid"\n[design.parameters]\n'
                             'kill_rate = [0.05, 0.1]\n', "e.toml")
    err = error_of(capsys, ["batch", exp, "--workers", "1", "--no-progress",
                            "--replicates", replicates, "--out", str(tmp_path / "out")])
    assert err.startswith(f"frontline: error: command line: --replicates: {said}"), err
    assert not (tmp_path / "out").exists()


def test_params_markdown_takes_names_as_the_text_table_does(capsys):
    """``frontline params --markdown NAME`` printed the whole table and took any NAME, a
    misspelt one too, without a word."""
    from sim.cli import main
    assert main(["params", "--markdown", "kill_rate"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 3 and rows[2].startswith("| `kill_rate` |"), rows
    err = error_of(capsys, ["params", "--markdown", "kill_rat"])
    assert err.startswith("frontline: error: command line: kill_rat: unknown parameter"), err


def test_viz_refuses_a_seed_too_large_to_store_before_serving():
    """``frontline viz --seed N`` took any N >= 0 (``run --seed`` stops at 2**63 - 1) and
    started the server with it."""
    from sim.cli.main import parse
    from sim.errors import InputError
    with pytest.raises(InputError) as exc:
        parse(["viz", str(TINY_OFFENSIVE), "--seed", str(2**63)])
    assert str(exc.value) == "command line: --seed: expected an integer <= 9223372036854775807, " \
                             f"got {2**63}"


@pytest.mark.parametrize("flags", [["--cause", "assault"], ["--town", "Bravo"]])
def test_seeds_refuses_flags_it_would_ignore(capsys, flags):
    """``run --seeds 1-2 --cause assault`` (or ``--town``) printed the one line per seed and
    ignored the flag without a word."""
    err = error_of(capsys, ["run", str(TINY_OFFENSIVE), "--days", "2", "--seeds", "1-2",
                            *flags])
    assert err.startswith("frontline: error: command line: --seeds: give --seeds or "
                          "--seed/--out/--cause/--town, not both"), err
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(("argv", "key", "said"), [
    (["calibrate", "scenarios/deter_aggression_2024.toml"], "theatre",
     "this file is a scenario (it has `theatre`), not a calibration spec: run it with "
     "`frontline run`"),
    (["run", "calibration/nw_syria_2024.toml"], "reported",
     "this file is a calibration spec (it has `reported`), not a scenario: use it with "
     "`frontline calibrate`"),
    (["batch", "scenarios/deter_aggression_2024.toml"], "theatre",
     "this file is a scenario (it has `theatre`), not an experiment"),
    (["run", "experiments/aleppo_fall.toml"], "metrics",
     "this file is an experiment (it has `metrics`), not a scenario: run it with "
     "`frontline batch`"),
])
def test_a_file_of_another_kind_says_what_it_is_and_which_command_takes_it(
        tmp_path, capsys, argv, key, said):
    """A scenario handed to calibrate (or a spec to run, ...) said "unknown key 'name'",
    listing the other kind's keys; now one line names the file's kind and its command."""
    from conftest import REPO
    argv = [argv[0], str(REPO / argv[1])]
    if argv[0] == "batch":
        argv += ["--out", str(tmp_path / "out")]
    err = error_of(capsys, argv)
    assert f": {key}: {said}" in err, err
    assert not (tmp_path / "out").exists()



def test_a_field_set_gave_an_item_that_cannot_take_it_is_named_as_set(tmp_path, capsys):
    """``--set events[0].set.kill_rate=1`` gives a support event a ``set`` table, which only
    a params event takes; the file's event is fine, yet the error named the file."""
    path = scenario(tmp_path, BASE + LATE_EVENT)
    err = error_of(capsys, ["run", path, "--set", "events[0].set.kill_rate=1"])
    assert err.startswith("frontline: error: --set: events[0].set.kill_rate: a params event "
                          "needs 'set'"), err


def test_a_faction_set_made_without_a_town_is_named_as_set(capsys):
    """A faction that only ``--set`` made, holding no town and given no deployment, was
    blamed on the scenario file, and only when the model was built."""
    err = error_of(capsys, ["run", str(TINY_OFFENSIVE), "--set", "factions.newf.strength=100"])
    assert err == ("frontline: error: --set: factions.newf: the faction holds no town at the "
                   "start; give it deployments, or a town's controller"), err


def test_a_faction_the_file_gives_no_town_is_named_in_the_file(tmp_path, capsys):
    """The same mistake written in the file is the file's, caught when it is read."""
    text = BASE + '\n[factions.ghost]\nstrength = 500\n'
    path = scenario(tmp_path, text)
    err = error_of(capsys, ["run", path, "--quiet"])
    assert err == (f"frontline: error: {path}: factions.ghost: the faction holds no town at "
                   "the start; give it deployments, or a town's controller"), err
