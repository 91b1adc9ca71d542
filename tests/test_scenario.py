"""Scenario files (sim.inputs.scenario): validation, name binding, --set overrides, extends."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY, TINY_EVENTS, TINY_OFFENSIVE, tiny_text

import sim
from sim.errors import InputError
from sim.inputs.overrides import apply_overrides, load_raw, parse_set
from sim.inputs.params import PARAMS
from sim.inputs.scenario import ScenarioWarning, load_scenario

BASE = TINY_OFFENSIVE.read_text(encoding="utf-8").replace('theatre = "tiny"',
                                                           f'theatre = "{TINY.as_posix()}"')


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def variant(old: str, new: str, text: str = BASE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def error(path: Path, overrides=None) -> InputError:
    with pytest.raises(InputError) as exc:
        load_scenario(path, overrides)
    return exc.value


# -- a good scenario ------------------------------------------------------------------------------
def test_tiny_scenario_binds_names_to_indices():
    sc = load_scenario(TINY_OFFENSIVE)
    th = sc.theatre
    assert sc.factions == ("opposition", "government", "sna")
    assert sc.name == "tiny offensive" and sc.days == 10 and sc.start == dt.date(2024, 1, 1)
    assert sc.date(3) == dt.date(2024, 1, 4)
    assert list(sc.initial_owner) == [0, 0, 1, 1, 1, 1, 2, 1, -1]
    # relations: opposition and sna allied, everyone else hostile
    assert sc.relation[0, 2] == sc.relation[2, 0] == 1
    assert sc.relation[0, 1] == sc.relation[1, 2] == -1
    assert list(sc.supply_sources[0]) == [th.id_of("Westgate")]
    # no explicit supply: every town the faction holds at the start is a source
    assert list(sc.supply_sources[2]) == [th.id_of("Sierra")]
    assert sc.phases[0].objectives == (th.id_of("Echo"),)
    assert sc.phases[0].end == sc.days
    assert sc.params.combat_noise == 0.0 and sc.params.kill_rate == PARAMS["kill_rate"].default


def test_with_params_and_with_seed_return_new_scenarios():
    sc = load_scenario(TINY_OFFENSIVE)
    sc2 = sc.with_params(kill_rate=0.1)
    assert sc2.params.kill_rate == 0.1 and sc.params.kill_rate == PARAMS["kill_rate"].default
    assert sc2.params.combat_noise == 0.0            # the rest is kept
    with pytest.raises(InputError, match="kill_rate"):
        sc.with_params(kill_rate=99)
    assert sc.with_seed(42).spec.seed == 42 and sc.spec.seed == 3


# -- unknown keys ---------------------------------------------------------------------------------
def test_unknown_top_level_key_lists_valid_keys(tmp_path):
    err = error(write(tmp_path, variant("seed = 3\n", "seed = 3\ncolour_scheme = 1\n")))
    assert err.file.endswith("s.toml")
    assert "colour_scheme" in err.message
    assert "valid:" in err.message
    for key in ("theatre", "start", "days", "factions", "phases", "events"):
        assert key in err.message


def test_unknown_faction_key_names_the_table(tmp_path):
    err = error(write(tmp_path, variant("[factions.sna]\n", "[factions.sna]\nmoral = 0.5\n")))
    assert err.field == "factions.sna.moral"
    assert "'moral'" in err.message and "morale" in err.message and "strength" in err.message
    assert "did you mean 'morale'?" in err.message      # the nearest key, before the list


def test_unknown_deployment_key(tmp_path):
    err = error(write(tmp_path, variant('town = "Alpha"\n', 'town = "Alpha"\nsize = 3\n')))
    assert err.field == "deployments[0].size"
    assert "'size'" in err.message and "units" in err.message


def test_unknown_parameter_in_params_table(tmp_path):
    err = error(write(tmp_path, variant("[params]\n", "[params]\nkill_rat = 0.1\n")))
    assert err.field == "params.kill_rat"
    assert "kill_rate" in err.message     # the valid names are listed


# -- unknown names --------------------------------------------------------------------------------
@pytest.mark.parametrize(("old", "new", "field", "what"), [
    ('faction = "opposition"\ntown = "Alpha"', 'faction = "rebels"\ntown = "Alpha"',
     "deployments[0].faction", "rebels"),
    ('allies = ["sna"]', 'allies = ["sma"]', "factions.opposition.allies", "sma"),
    ('objectives = ["Echo"]', 'objectives = ["Echo", "Zulu"]', "phases[0].objectives", "Zulu"),
    ('supply = ["Westgate"]', 'supply = ["Eastgate"]', "factions.opposition.supply",
     "Eastgate"),
    ('town = "Alpha"', 'town = "Alphaville"', "deployments[0].town", "Alphaville"),
    ('kind = "offensive"', 'kind = "offensive"\nto = "Nowhere"', "phases[0].to", "Nowhere"),
])
def test_unknown_faction_or_town_names(tmp_path, old, new, field, what):
    err = error(write(tmp_path, variant(old, new)))
    assert err.field == field
    assert what in err.message
    if field.endswith((".faction", ".allies")):
        assert "opposition, government, sna" in err.message       # the valid names


def test_a_faction_listing_itself_as_an_ally_is_an_error(tmp_path):
    err = error(write(tmp_path, variant('allies = ["sna"]', 'allies = ["sna", "opposition"]')))
    assert err.file.endswith("s.toml") and err.field == "factions.opposition.allies"
    assert "'opposition' lists itself" in err.message


def test_a_faction_listing_itself_as_neutral_is_an_error(tmp_path):
    text = variant('[factions.sna]\n', '[factions.sna]\nneutral = ["sna"]\n')
    err = error(write(tmp_path, text))
    assert err.field == "factions.sna.neutral" and "'sna' lists itself" in err.message


def test_an_ally_also_listed_as_neutral_is_an_error(tmp_path):
    text = variant('[factions.sna]\n', '[factions.sna]\nneutral = ["opposition"]\n')
    err = error(write(tmp_path, text))
    assert err.field == "factions.sna.neutral"
    assert "'opposition' is also an ally of 'sna'" in err.message


def test_neutral_factions_neither_fight_nor_ally(tmp_path):
    sc = load_scenario(write(tmp_path, variant('[factions.sna]\n',
                                               '[factions.sna]\nneutral = ["government"]\n')))
    g, s = sc.factions.index("government"), sc.factions.index("sna")
    assert sc.relation[g, s] == sc.relation[s, g] == 0


@pytest.mark.parametrize("key", ["attack_ratio", "hold_ratio", "counterattack_ratio"])
def test_a_factions_own_doctrine_value_is_checked_against_the_parameter_bounds(tmp_path, key):
    """A faction's own ratio is held to the parameter table's bounds (0.5-6), not only to
    the schema's wide 0-20."""
    text = variant('[factions.sna]\n', f'[factions.sna]\n{key} = 12.0\n')
    err = error(write(tmp_path, text))
    assert err.field == f"factions.sna.{key}" and "6" in err.message


def test_alt_names_are_accepted_in_scenarios(tmp_path):
    sc = load_scenario(write(tmp_path, variant('objectives = ["Echo"]',
                                               'objectives = ["charly", "KAFR HAMRA"]')))
    th = sc.theatre
    assert sc.phases[0].objectives == (th.id_of("Charlie"), th.id_of("Kafr Ḥamra"))


def test_unknown_controller_in_towns_csv(tmp_path, theatre_copy):
    d = theatre_copy(towns=tiny_text("towns.csv").replace("800,government", "800,rebels"))
    err = error(write(tmp_path, BASE.replace(TINY.as_posix(), d.as_posix())))
    assert err.file.endswith("towns.csv")
    assert err.field == "row 4, column controller"
    assert "rebels" in err.message and "opposition, government, sna" in err.message


def test_deployment_in_a_hostile_town(tmp_path):
    err = error(write(tmp_path, variant('town = "Alpha"', 'town = "Bravo"')))
    assert err.field == "deployments[0].town" and "Bravo" in err.message


# -- days -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("old", "new", "field"), [
    ("start = 0\n", "start = 10\n", "phases[0].start"),
    ("start = 0\n", "start = 2\nend = 11\n", "phases[0].end"),
])
def test_phases_outside_the_run(tmp_path, old, new, field):
    err = error(write(tmp_path, variant(old, new)))
    assert err.field == field
    assert "10" in err.message or "11" in err.message


@pytest.mark.parametrize(("day", "ok"), [(9, True), (10, False), (50, False)])
def test_events_outside_the_run(tmp_path, day, ok):
    text = BASE + (f'\n[[events]]\nday = {day}\nkind = "support"\nfaction = "sna"\n'
                   'drones = 0.5\n')
    p = write(tmp_path, text)
    if ok:
        assert load_scenario(p).events[0].day == day
    else:
        err = error(p)
        assert err.field == "events[0].day" and str(day) in err.message


@pytest.mark.parametrize(("old", "new", "field", "what"), [
    ("days = 10", "days = 0", "days", "0"),
    ("start = 2024-01-01", 'start = "yesterday"', "start", "yesterday"),
    ("strength = 500\n", "strength = -500\n", "factions.sna.strength", "-500"),
    ('kind = "offensive"', 'kind = "blitz"', "phases[0].kind", "blitz"),
    ('theatre = "', 'theatr = "', "theatr", "valid: name"),
])
def test_field_validation_names_the_field(tmp_path, old, new, field, what):
    err = error(write(tmp_path, variant(old, new)))
    assert err.field == field
    assert what in err.message


def test_missing_required_field(tmp_path):
    err = error(write(tmp_path, variant("days = 10\n", "")))
    assert err.field == "days" and "missing" in err.message


@pytest.mark.parametrize(("content", "what"), [
    ("days = ", "invalid TOML"), ("", "empty"), (b"\xff\xfe\x00binary", "UTF-8")])
def test_unreadable_scenario_files(tmp_path, content, what):
    p = tmp_path / "bad.toml"
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content)
    err = error(p)
    assert err.file.endswith("bad.toml") and what in err.message


@pytest.mark.parametrize("tail", ["seed = 3\n", ""])
def test_an_unclosed_array_names_its_own_line_and_key(tmp_path, tail):
    """The parser stops at the next key (or the end of the file); the error names the line
    and key where the '[' was opened, not the next key (`seed`, which was fine)."""
    p = tmp_path / "bad.toml"
    p.write_text(f'name = "x"\nstart = 2024-01-01\ndays = [30\n{tail}', encoding="utf-8")
    err = error(p)
    assert err.field == "line 3 (days)", err.field
    assert "unclosed array" in err.message and "line 3" in err.message


def test_missing_scenario_file(tmp_path):
    err = error(tmp_path / "nope.toml")
    assert err.file.endswith("nope.toml") and "not found" in err.message


def test_unknown_theatre(tmp_path):
    err = error(write(tmp_path, variant(f'theatre = "{TINY.as_posix()}"',
                                        'theatre = "atlantis"')))
    assert err.field == "theatre" and "atlantis" in err.message


# -- --set ----------------------------------------------------------------------------------------
def test_parse_set_values_are_toml_literals_or_strings():
    got = parse_set(["kill_rate=0.1", "days = 5", "combat_law=linear", "flag=true",
                     "factions.government.allies=['sdf']", 'name="a = b"'])
    assert got == {"kill_rate": 0.1, "days": 5, "combat_law": "linear", "flag": True,
                   "factions.government.allies": ["sdf"], "name": "a = b"}
    assert isinstance(got["days"], int)


@pytest.mark.parametrize("item", ["kill_rate", "=0.1", " = 3"])
def test_parse_set_needs_name_equals_value(item):
    with pytest.raises(InputError) as exc:
        parse_set([item])
    assert exc.value.file == "--set" and "name=value" in exc.value.message


def test_apply_overrides_routes_parameters_and_dotted_paths():
    data = {"days": 10, "factions": {"gov": {"morale": 0.5}}, "events": [{"day": 1}, {"day": 2}]}
    out = apply_overrides(data, {"kill_rate": 0.1, "days": 4, "factions.gov.morale": 0.3,
                                 "events[1].day": 7, "factions.new.strength": 5})
    assert out["params"] == {"kill_rate": 0.1}
    assert out["days"] == 4
    assert out["factions"]["gov"]["morale"] == 0.3
    assert out["events"] == [{"day": 1}, {"day": 7}]
    assert out["factions"]["new"] == {"strength": 5}
    assert data["days"] == 10 and "params" not in data            # the input is not changed


@pytest.mark.parametrize("key", ["events[5].day", "events[x].day", "days.value", "days[0]"])
def test_apply_overrides_bad_paths(key):
    data = {"days": 10, "events": [{"day": 1}]}
    with pytest.raises(InputError) as exc:
        apply_overrides(data, {key: 1})
    assert exc.value.file == "--set" and exc.value.field == key


def test_overrides_through_load_scenario():
    sc = load_scenario(TINY_OFFENSIVE, {"kill_rate": 0.1, "days": 5,
                                        "factions.government.morale": 0.3,
                                        "phases[0].start": 2})
    assert sc.params.kill_rate == 0.1
    assert sc.days == 5
    assert sc.spec.factions["government"].morale == 0.3
    assert sc.phases[0].start == 2


@pytest.mark.parametrize(("over", "field", "what"), [
    ({"kill_rate": 5}, "kill_rate", "0.3"),
    ({"kill_rate": "fast"}, "kill_rate", "number"),
    ({"combat_law": "cubic"}, "combat_law", "square"),
    ({"days": 0}, "days", "0"),
    ({"factions.sna.morale": 2}, "factions.sna.morale", "2"),
])
def test_bad_override_values(over, field, what):
    err = error(TINY_OFFENSIVE, over)
    assert err.field == field
    assert what in err.message


def test_unknown_override_name_is_reported():
    err = error(TINY_OFFENSIVE, {"kill_rat": 0.1})
    assert "kill_rat" in str(err)


# -- extends --------------------------------------------------------------------------------------
def test_extends_inherits_and_overrides():
    base, child = load_scenario(TINY_OFFENSIVE), load_scenario(TINY_EVENTS)
    assert child.name == "tiny events" and child.file == TINY_EVENTS.resolve()
    assert child.factions == base.factions
    for name, spec in child.spec.factions.items():              # tables merge
        assert spec.model_copy(update={"counterattacks": True}) == base.spec.factions[name]
        assert not spec.counterattacks
    assert child.params == base.params
    assert child.phases == () and len(base.phases) == 1         # arrays replace
    assert len(child.events) == 5
    assert child.theatre is base.theatre                         # resolved beside the base


def test_extends_from_another_folder_keeps_the_base_theatre(tmp_path):
    sub = tmp_path / "variants"
    sub.mkdir()
    p = write(sub, f'extends = "{TINY_OFFENSIVE.as_posix()}"\ndays = 4\n'
                   "[factions.government]\nmorale = 0.4\n", "short.toml")
    sc = load_scenario(p)
    assert sc.days == 4 and sc.theatre.name == "tiny"
    assert sc.spec.factions["government"].morale == 0.4
    assert sc.spec.factions["government"].strength == 2000      # inherited inside the table
    raw = load_raw(p)
    assert raw["__file__"] == str(p.resolve())


def test_extends_cycle_is_an_input_error(tmp_path):
    write(tmp_path, 'extends = "b.toml"\nname = "a"\n', "a.toml")
    write(tmp_path, 'extends = "a.toml"\nname = "b"\n', "b.toml")
    with pytest.raises(InputError) as exc:
        load_scenario(tmp_path / "a.toml")
    assert exc.value.field == "extends" and "cycle" in exc.value.message
    assert "a.toml" in exc.value.message and "b.toml" in exc.value.message
    write(tmp_path, 'extends = "self.toml"\n', "self.toml")
    with pytest.raises(InputError, match="cycle"):
        load_scenario(tmp_path / "self.toml")


def test_extends_missing_parent(tmp_path):
    with pytest.raises(InputError) as exc:
        load_scenario(write(tmp_path, 'extends = "ghost.toml"\n'))
    assert exc.value.file.endswith("s.toml") and exc.value.field == "extends"
    assert "ghost.toml" in exc.value.message


ADDED = """
[[add_events]]
day = 2
kind = "reinforcement"
faction = "government"
town = "Delta"
strength = 500

[[add_events]]
day = 3
kind = "reinforcement"
faction = "government"
town = "Atlantis"
strength = 500
"""


@pytest.mark.parametrize(("edit", "field", "what"), [
    (lambda t: t, "add_events[1].town", "unknown town 'Atlantis'"),             # binding
    (lambda t: t.replace("strength = 500\n\n", "strength = -5\n\n"), "add_events[0].strength",
     "greater than 0"),                                                         # the schema
    (lambda t: t.replace("day = 3", "day = 3\nwhen = 'captured:Nowhere'"), "add_events[1]",
     "exactly one of 'day' and 'when'"),
])
def test_an_error_in_an_added_event_names_the_what_if_and_its_own_index(tmp_path, edit, field,
                                                                         what):
    """The error named ``events[6]`` of the merged list, which is in neither file."""
    p = write(tmp_path, f'extends = "{TINY_EVENTS.as_posix()}"\n' + edit(ADDED), "whatif.toml")
    with pytest.raises(InputError) as exc:
        load_scenario(p)
    assert (exc.value.file, exc.value.field) == (str(p.resolve()), field), exc.value
    assert what in exc.value.message


def test_an_inherited_event_or_added_phase_is_named_where_it_is_written(tmp_path):
    """After a drop an inherited event's merged index is not its index in the base file, and
    an added phase is add_phases[j] of the what-if."""
    base = write(tmp_path, TINY_EVENTS.read_text(encoding="utf-8").replace(
        'extends = "tiny_offensive.toml"', f'extends = "{TINY_OFFENSIVE.as_posix()}"').replace(
        'to = "sna"\n', 'to = "sna"\nnote = "first"\n', 1), "base.toml")
    p = write(tmp_path, 'extends = "base.toml"\ndays = 5\ndrop_events = ["first"]\n',
              "whatif.toml")
    with pytest.raises(InputError) as exc:       # the base's last event is on day 5
        load_scenario(p)
    assert (exc.value.file, exc.value.field) == (str(base.resolve()), "events[4].day")
    p.write_text('extends = "base.toml"\n[[add_phases]]\nfaction = "sna"\n'
                 'kind = "offensive"\nobjectives = ["Atlantis"]\n', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_scenario(p)
    assert (exc.value.file, exc.value.field) == (str(p.resolve()), "add_phases[0].objectives")
    with pytest.raises(InputError) as exc:        # a list set by --set is named as --set
        load_scenario(p, {"phases[0].objectives": ["Atlantis"]})
    assert (exc.value.file, exc.value.field) == ("--set", "phases[0].objectives")


def test_run_api_accepts_a_loaded_scenario():
    r = sim.run(TINY_OFFENSIVE, seed=0, days=3)
    assert r.days == 3


def test_scenario_with_conditions_pickles_to_an_identical_run():
    """Scenarios travel to pool and Dask workers by pickle, conditions included."""
    import pickle

    scenarios = Path(__file__).parents[1] / "scenarios"
    sc = sim.load_scenario(scenarios / "riverland_counteroffensive.toml")
    assert any(ph.when is not None for ph in sc.phases)
    copy = pickle.loads(pickle.dumps(sc))
    a = sim.ConflictModel(sc, seed=5).run()
    b = sim.ConflictModel(copy, seed=5).run()
    assert a.log_rows == b.log_rows
    assert (a.control_array == b.control_array).all()


@pytest.mark.parametrize(("key", "value"), [("days", "abc"), ("factions.government.morale", 2)])
def test_a_bad_set_value_is_named_as_coming_from_set(key, value):
    scenarios = Path(__file__).parents[1] / "scenarios"
    with pytest.raises(InputError) as exc:
        sim.load_scenario(scenarios / "deter_aggression_2024.toml", {key: value})
    assert exc.value.file == "--set" and exc.value.field == key


# -- an offensive directed against named enemies ------------------------------------------------
def test_against_binds_the_enemies_an_offensive_targets(tmp_path):
    p = write(tmp_path, variant('objectives = ["Echo"]\n',
                                'objectives = ["Echo"]\nagainst = ["government"]\n'))
    sc = load_scenario(p)
    assert sc.phases[0].against == (sc.factions.index("government"),)


@pytest.mark.parametrize(("line", "field", "what"), [
    ('against = ["sna"]\n', "phases[0].against", "not hostile"),         # an ally
    ('against = ["rebels"]\n', "phases[0].against", "unknown faction"),
])
def test_against_names_an_enemy(tmp_path, line, field, what):
    err = error(write(tmp_path, variant('objectives = ["Echo"]\n',
                                        'objectives = ["Echo"]\n' + line)))
    assert err.field == field and what in err.message


def test_against_goes_with_an_offensive(tmp_path):
    text = variant('kind = "offensive"\nobjectives = ["Echo"]\n',
                   'kind = "defend"\nagainst = ["government"]\n')
    err = error(write(tmp_path, text))
    assert "against" in err.message and "offensive" in err.message


@pytest.mark.parametrize(("start", "field"), [
    ("2024-13-40", r"line \d+ \(start\)"), ("2024-02-30", r"line \d+ \(start\)"),
    ('"10 May 2024"', "start")])
def test_a_bad_start_date_names_its_line_or_field_and_the_format(tmp_path, start, field):
    """A date TOML cannot parse names its line and key; one it parses as text names the
    field; both say how dates are written."""
    err = error(write(tmp_path, variant("start = 2024-01-01", f"start = {start}")))
    assert re.fullmatch(field, err.field), err.field
    assert "YYYY-MM-DD" in err.message


@pytest.mark.parametrize("holder", ["red", ""])
def test_an_off_map_supply_source_the_faction_does_not_hold_is_refused(tmp_path, holder):
    """A new user's review: an off-map rear held by the enemy (or by nobody) named as a
    supply source got the warning 'supplies blue only once blue or an ally holds it', which
    is false: off-map places never change hands, so it would never supply. One line."""
    from mechanics_kit import scenario, theatre
    folder = theatre(tmp_path / "th", [("W", 0, 0, "town", "red"), ("X", 1, 0, "town", "blue"),
                                       ("R", 2, 0, "offmap", holder)], [("W", "X"), ("X", "R")])
    p = scenario(folder, 'days = 3\n[factions.red]\nstrength = 1000\nsupply = ["W"]\n'
                         '[factions.blue]\nstrength = 1000\nsupply = ["X", "R"]\n')
    err = error(p)
    assert err.field == "factions.blue.supply"
    assert err.message.startswith(f"'R' is an off-map place held by {holder or 'nobody'}; "
                                  "off-map places never change hands")


def test_a_supply_source_held_by_an_enemy_gets_a_warning(tmp_path):
    """Naming the enemy's town (or nobody's) as a supply source is allowed (it supplies once
    retaken) but said, in one line naming the field."""
    p = write(tmp_path, variant('supply = ["Westgate"]', 'supply = ["Westgate", "Echo"]'))
    with pytest.warns(ScenarioWarning, match=r"factions\.opposition\.supply: 'Echo' is "
                      r"held by government at the start"):
        sim.load_scenario(p)


@pytest.mark.parametrize("morale", ["0", "1e-300"])
def test_a_starting_morale_of_zero_is_refused_not_a_crash(morale, capsys):
    """morale = 0 (or one so small its power underflows) passed validation, then made the
    hold limit 0 and the first day's planning raised ZeroDivisionError; the model keeps
    morale at 0.05 or more every day, and a starting morale must be at least that."""
    from sim.cli import main
    argv = ["run", str(TINY_OFFENSIVE), "--days", "2", "--quiet",
            "--set", f"factions.government.morale={morale}"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "--set: factions.government.morale:" in err and "0.05" in err
    assert main([*argv[:-1], "factions.government.morale=0.05"]) == 0


@pytest.mark.parametrize("start", ["0", "86400", "1699920000"])
def test_a_number_as_the_start_date_is_refused_not_read_as_seconds_since_1970(tmp_path,
                                                                                 start):
    """`start = 0` was read as 1970-01-01 (pydantic takes a number of whole days in Unix
    seconds as a date; 1699920000 is 2023-11-14): a run of the wrong dates, silently."""
    p = write(tmp_path, variant("start = 2024-01-01", f"start = {start}"))
    exc = error(p)
    assert exc.field == "start" and "expected a date written YYYY-MM-DD" in exc.message
    exc = error(write(tmp_path, BASE), {"start": float(start)})
    assert exc.field == "start" and "expected a date" in exc.message


@pytest.mark.parametrize(("key", "old", "new"), [
    ("days", "days = 10", "days = true"),
    ("factions.opposition.quality", "quality = 1.0", "quality = true"),
])
def test_true_or_false_where_a_number_is_expected_is_refused(tmp_path, key, old, new):
    """`days = true` ran one day and `quality = false` was 0 (pydantic's lax mode takes a
    boolean as a number); `--params` refused the same value ('expected a number')."""
    exc = error(write(tmp_path, variant(old, new)))
    assert exc.field == key and exc.message == "expected a number, got true"
    sc = load_scenario(write(tmp_path, BASE), {"factions.opposition.counterattacks": False})
    assert sc.spec.factions["opposition"].counterattacks is False   # a boolean field: fine


def test_a_number_of_5000_digits_is_one_line_not_a_traceback(tmp_path, capsys):
    """Python converts at most 4,300 digits to an integer: such a number in any TOML file
    or a --set value escaped as a ValueError traceback."""
    from sim.cli import main
    huge = "1" * 5000
    p = write(tmp_path, variant("days = 10", f"days = {huge}"))
    exc = error(p)
    assert exc.field == f"line {BASE[:BASE.index('days = 10')].count(chr(10)) + 1}"
    assert "4300 digits" in exc.message and "\n" not in str(exc)
    assert main(["run", str(TINY_OFFENSIVE), "--quiet", "--set", f"kill_rate={huge}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("frontline: error: --set: kill_rate: a number of more than 4,300 "
                          "digits") and len(err.splitlines()) == 1


def test_a_number_where_true_or_false_is_expected_is_refused(tmp_path):
    """`counterattacks = 0` was taken as false (and 2 as true) by pydantic's lax mode."""
    exc = error(write(tmp_path, BASE), {"factions.opposition.counterattacks": 0})
    assert exc.field == "factions.opposition.counterattacks"
    assert exc.message == "expected true or false, got 0"


# -- deployments entering the map later -----------------------------------------------------------
LATE = variant('strength = 9000\nunits = 3\n', 'strength = 9000\nunits = 3\nday = 2\n')


def _opposition_strength(m) -> float:
    f = m.forces
    return float(f.strength[(f.faction == 0) & (f.strength > 0)].sum())


@pytest.mark.parametrize("force_uncertainty", [0.0, 0.3])
def test_a_deployment_with_a_day_enters_the_map_that_day_with_its_share_of_the_strength(
        tmp_path, force_uncertainty):
    """The opposition's attack group, deployed for day 2, is off the map on days 0 and 1 (no
    unit, no town changes hands) and enters Alpha on day 2 with the strength it would have
    had on day 0 (scaled by the run's force draw like every deployment)."""
    from sim.core.model import ConflictModel
    fu = f"force_uncertainty = {force_uncertainty}"
    late = load_scenario(write(tmp_path, LATE.replace("force_uncertainty = 0.0", fu), "l.toml"))
    now = load_scenario(write(tmp_path, BASE.replace("force_uncertainty = 0.0", fu), "n.toml"))
    m, ref = ConflictModel(late, seed=5), ConflictModel(now, seed=5)
    day0 = _opposition_strength(ref)
    assert day0 > 0 and (force_uncertainty == 0.0) == (day0 == 9000.0)
    owner0 = m.state.owner.copy()
    for _ in range(2):
        assert _opposition_strength(m) == 0.0
        m.step()
    assert (m.state.owner == owner0).all()
    m.step()
    assert _opposition_strength(m) == pytest.approx(day0)     # no fight on its first day


def test_a_deployment_day_past_the_run_is_refused(tmp_path):
    err = error(write(tmp_path, LATE.replace("day = 2\n", "day = 10\n")))
    assert err.field == "deployments[0].day" and "0 to 9" in err.message and "10" in err.message


def test_a_late_group_whose_town_has_fallen_enters_in_the_nearest_town_its_side_holds(
        tmp_path):
    """The government's 500 are deployed at Delta for day 2; Delta is handed to the opposition
    before then. The group must enter, whole, in a government town next to Delta that its
    supply reaches, not in Delta; with no such town left it does not enter at all."""
    from sim.core.model import ConflictModel
    text = variant('town = "Echo"\nstrength = 500\nposture = "hold"\n',
                   'town = "Delta"\nstrength = 500\nposture = "hold"\nday = 2\n')
    sc = load_scenario(write(tmp_path, text))
    names = list(sc.theatre.names)
    delta = names.index("Delta")
    opp, gov = sc.factions.index("opposition"), sc.factions.index("government")

    def late_group(m):
        f = m.forces
        return f.town[(f.faction == gov) & np.isclose(f.strength, 500.0)]

    m = ConflictModel(sc, seed=1)
    assert late_group(m).size == 0 and len(m.state.arrivals) == 1
    m.set_control([(delta, opp)])
    m.step()
    m.step()
    m.apply_scenario_events()                # day 2's first phase: it enters
    towns = late_group(m)
    assert not m.state.arrivals and towns.size == 1 and towns[0] != delta
    assert m.state.owner[towns[0]] == gov and m.state.supplied[gov, towns[0]]
    assert m.state.roads.adjacency[delta, towns[0]]          # next to Delta by road
    m = ConflictModel(sc, seed=1)
    m.set_control([(t, opp) for t in range(sc.theatre.n) if m.state.owner[t] == gov])
    m.step()
    m.step()
    m.apply_scenario_events()
    assert not m.state.arrivals and late_group(m).size == 0
