"""Scenario events of kind "params": parameters changed from a day on (rain on the roads, a
doctrine relaxed), checked when the scenario loads, carried out by the daily step, and kept
through a particle filter's fork."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import TINY, TINY_OFFENSIVE

import sim
from sim.core.model import ConflictModel
from sim.errors import InputError


def _scenario(tmp_path, events: str, params: str = "") -> sim.Scenario:
    text = TINY_OFFENSIVE.read_text(encoding="utf-8").replace('theatre = "tiny"',
                                                              f'theatre = "{TINY}"')
    text = text.replace("[params]\n", f"[params]\n{params}", 1) + "\n" + events
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return sim.load_scenario(path)


def _event(day: int, table: str, extra: str = "") -> str:
    return f'[[events]]\nday = {day}\nkind = "params"\nset = {{ {table} }}\n{extra}'


def test_a_params_event_on_day_0_runs_as_the_same_value_in_params(tmp_path):
    """Nothing random is drawn with a parameter's value before day 0's step, so the value
    set by an event on day 0 and the same value under [params] give the same run."""
    by_event = _scenario(tmp_path, _event(0, "speed_highway = 12.0, kill_rate = 0.12"))
    by_params = _scenario(tmp_path, "", params="speed_highway = 12.0\nkill_rate = 0.12\n")
    a = ConflictModel(by_event, agents=False).run()
    b = ConflictModel(by_params, agents=False).run()
    assert np.array_equal(a.control_array, b.control_array)
    assert a.events.equals(b.events)


@pytest.mark.parametrize(("name", "value", "drawn", "z"), [
    ("intel_noise", 0.6, "intel", "intel_z"), ("decision_noise", 0.5, "resolve", "resolve_z"),
    ("tempo_noise", 0.5, "tempo", "tempo_z")])
def test_a_params_event_sets_the_noise_of_its_own_day(tmp_path, name, value, drawn, z):
    """The day's intelligence errors, resolve and tempo are drawn the evening before: an
    event changing their spread on day 0 gives the same draws (and run) as the value under
    [params], and one on day 2 gives day 2's draws that spread. They were drawn with the
    old value, so the event took effect a day late."""
    by_event = _scenario(tmp_path, _event(0, f"{name} = {value}"))
    by_params = _scenario(tmp_path, "").with_params(**{name: value})
    a = ConflictModel(by_event, agents=False)
    b = ConflictModel(by_params, agents=False)
    a.apply_scenario_events()
    for x in ("intel", "resolve", "tempo"):
        assert np.array_equal(getattr(a.state, x), getattr(b.state, x)), x
    ra = ConflictModel(by_event, agents=False).run()
    rb = ConflictModel(by_params, agents=False).run()
    assert np.array_equal(ra.control_array, rb.control_array) and ra.events.equals(rb.events)
    assert np.array_equal(ra.series_array, rb.series_array)
    later = ConflictModel(_scenario(tmp_path, _event(2, f"{name} = {value}")), agents=False)
    for _ in range(2):
        later.step()
    later.apply_scenario_events()
    log = np.log(getattr(later.state, drawn))
    shift = value * value / 2 if drawn == "tempo" else 0.0
    assert np.allclose(log, value * getattr(later.state, z) - shift)
    assert np.abs(log).max() > 0.0


def test_a_params_event_changes_the_run_from_its_day_on(tmp_path):
    """Roads turned to mud on day 2 (every speed at its floor): the first two days are the
    plain run's; afterwards the offensive is slower, so it holds less by the last day."""
    plain = ConflictModel(_scenario(tmp_path, ""), agents=False).run()
    mud = _scenario(tmp_path, _event(2, "speed_highway = 5.0, speed_other_share = 0.1"))
    model = ConflictModel(mud, agents=False)
    for _ in range(2):
        model.step()
    assert model.setup.params.speed_highway != 5.0
    model.step()
    assert model.setup.params.speed_highway == 5.0 and model.state.params.speed_highway == 5.0
    slow = model.run()
    assert np.array_equal(slow.control_array[:2], plain.control_array[:2])
    opp = 0
    taken = [(r.control_array[-1] == opp).sum() for r in (plain, slow)]
    assert taken[1] < taken[0], taken
    assert slow.meta["params"]["speed_highway"] == plain.meta["params"]["speed_highway"]


def test_a_fork_keeps_the_value_an_event_has_set(tmp_path):
    """A particle filter's fork gives a member new parameters (set_params); an event that has
    already fired keeps its value, the others take the member's; the run's metadata records
    the member's."""
    model = ConflictModel(_scenario(tmp_path, _event(1, "speed_highway = 7.0")), agents=False)
    model.step()
    model.step()
    twin = model.fork(seed=11)
    twin.set_params(speed_highway=40.0, kill_rate=0.09)
    assert twin.setup.params.speed_highway == 7.0 and twin.setup.params.kill_rate == 0.09
    assert twin.result.meta["params"]["speed_highway"] == 40.0
    assert twin.result.meta["params"]["kill_rate"] == 0.09
    # a parameter the fork leaves alone: the run's own value, not the event's (it was 7.0)
    other = ConflictModel(_scenario(tmp_path, _event(1, "speed_highway = 7.0")), agents=False)
    start = other.result.meta["params"]["speed_highway"]
    for _ in range(2):
        other.step()
    other = other.fork(seed=12)
    other.set_params(kill_rate=0.09)
    assert other.setup.params.speed_highway == 7.0
    assert other.result.meta["params"]["speed_highway"] == start != 7.0
    assert other.result.meta["params"]["kill_rate"] == 0.09
    early = ConflictModel(_scenario(tmp_path, _event(5, "speed_highway = 7.0")),
                          agents=False)
    early.set_params(speed_highway=40.0)
    assert early.setup.params.speed_highway == 40.0


@pytest.mark.parametrize(("table", "field", "expected"), [
    ("speed_higway = 5.0", "events[0].set.speed_higway", "did you mean 'speed_highway'"),
    ("speed_highway = -5.0", "events[0].set.speed_highway", "expected"),
    ("combat_law = 'cubic'", "events[0].set.combat_law", "expected one of"),
    ("force_uncertainty = 0.2", "events[0].set.force_uncertainty", "read once"),
    ("garrison_share = 0.2", "events[0].set.garrison_share", "read once"),
    # spreads the garrisons at deployment only: an event's value was silently ignored
    ("garrison_focus = 0.5", "events[0].set.garrison_focus", "read once"),
])
def test_a_bad_params_event_gets_one_line_naming_the_field(tmp_path, table, field, expected):
    with pytest.raises(InputError) as err:
        _scenario(tmp_path, _event(1, table))
    line = str(err.value)
    assert "\n" not in line and "scenario.toml" in line and field in line, line
    assert expected in line, line


@pytest.mark.parametrize(("table", "field", "expected"), [
    ("urban_stand_days = true", "events[0].set.urban_stand_days", "expected a number, got True"),
    ("kill_rate = [1, 2]", "events[0].set.kill_rate", "expected a number, got [1, 2]"),
    ("kill_rate = nan", "events[0].set.kill_rate", "expected a finite number, got nan"),
])
def test_a_params_event_value_is_checked_as_under_params(tmp_path, table, field, expected):
    """A value in ``set`` gets the check and the message a value under [params] gets: true
    was taken as 1 (urban_stand_days = true ran as 1 day), and a list or nan was named
    'events[0].set.NAME.float' with pydantic's words."""
    with pytest.raises(InputError) as err:
        _scenario(tmp_path, _event(1, table))
    line = str(err.value)
    assert f"{field}: {expected}" in line and "\n" not in line, line


@pytest.mark.parametrize(("events", "expected"), [
    ('[[events]]\nday = 1\nkind = "params"\n', "needs 'set'"),
    ('[[events]]\nday = 1\nkind = "ceasefire"\nset = { kill_rate = 0.1 }\n', "needs 'set'"),
    (_event(1, "kill_rate = 0.1", 'faction = "government"\n'), "every faction"),
])
def test_a_params_event_is_checked_as_a_whole(tmp_path, events, expected):
    with pytest.raises(InputError) as err:
        _scenario(tmp_path, events)
    assert expected in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(("value", "expected"), [
    ("abc", "expected a number, got 'abc'"), ("-3", "expected 0.0 <= value <= 5.0")])
def test_a_bad_value_given_by_set_to_a_params_event_names_set(tmp_path, capsys, value,
                                                               expected):
    """--set events[K].set.NAME=VALUE: a bad value is the flag's, not the file's (the
    file was named, though it holds no such value)."""
    from sim.cli import main
    _scenario(tmp_path, _event(3, "speed_highway = 12.0"))
    assert main(["run", str(tmp_path / "scenario.toml"), "--quiet",
                 "--set", f"events[0].set.urban_stand_days={value}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("frontline: error: --set: events[0].set.urban_stand_days: "), err
    assert expected in err and "\n" not in err and "scenario.toml" not in err, err


def test_scenarios_show_lists_what_a_params_event_sets(tmp_path, capsys):
    from sim.cli import main
    _scenario(tmp_path, _event(3, "speed_highway = 12.0", 'note = "rain"\n'))
    assert main(["scenarios", "show", str(tmp_path / "scenario.toml")]) == 0
    assert "day 3: params speed_highway = 12 (rain)" in capsys.readouterr().out


def test_a_forecast_says_what_a_params_event_it_leaves_out_would_have_set(tmp_path):
    from sim.analysis.as_of import scenario_as_of
    sc = _scenario(tmp_path, _event(5, "speed_highway = 12.0", 'note = "rain"\n')
                   + _event(1, "kill_rate = 0.1"))
    cut, notes = scenario_as_of(sc, 3)
    assert notes == ["event day 5 (2024-01-06) params speed_highway = 12 'rain'"]
    assert [e.day for e in cut.events] == [1]


def test_the_classroom_view_says_when_an_event_replaces_a_lever(tmp_path):
    from sim.views.viz import VizModel
    _scenario(tmp_path, _event(2, "air_effect = 0.0"))
    model = VizModel(str(tmp_path / "scenario.toml"), seed=1, air_effect=0.9)
    assert model.lever_values["air_effect"] == 0.9
    assert model.lever_values["then set by an event"] == "air_effect (day 2)"
    plain = VizModel(str(TINY_OFFENSIVE), seed=1)
    assert "then set by an event" not in plain.lever_values
