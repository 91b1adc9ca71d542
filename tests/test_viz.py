"""The classroom view's model side (sim.views.viz) and `frontline viz` argument handling; the page
in a real browser is tests/test_browser.py."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from conftest import BUILTIN, DATA, REPO, tiny_text

import sim
from sim.cli import main
from sim.cli.viz import server_command
from sim.errors import InputError
from sim.views.viz import (
    LEVERS,
    VizModel,
    about_markdown,
    charts_figure,
    day_text,
    export_events_csv,
    export_series_csv,
    lever_overrides,
    levers,
    log_markdown,
    map_picture,
    model_params,
    town_info,
    town_markdown,
)


def _run(model: VizModel) -> VizModel:
    while model.running:
        model.step()
    return model


def test_defaults_reproduce_frontline_run():
    for seed in (1, 2):
        m = _run(VizModel(scenario_path=str(BUILTIN), seed=seed))
        r = sim.run(BUILTIN, seed=seed)
        assert np.array_equal(m.result.control_array, r.control_array)
        assert m.result.log_rows == r.log_rows


def test_levers_of_builtin(builtin_scenario):
    lv = levers(builtin_scenario)
    assert lv.attacker == "opposition"
    assert lv.attack_ratio == 1.5            # the faction's own value, not the global default
    assert lv.reinforcements == 1
    assert lever_overrides(BUILTIN, air_effect=lv.air_effect, attack_ratio=1.5) == {}


def test_lever_overrides_reach_the_model():
    over = lever_overrides(BUILTIN, air_effect=0.0, morale_sensitivity=3.0, attack_ratio=3.0,
                           reinforcement=2.0, reinforcement_shift=-2)
    assert over["air_effect"] == 0.0 and over["morale_sensitivity"] == 3.0
    assert over["factions.opposition.attack_ratio"] == 3.0
    m = VizModel(scenario_path=str(BUILTIN), seed=1, air_effect=0.0, morale_sensitivity=3.0,
                 attack_ratio=3.0, reinforcement=2.0, reinforcement_shift=-2)
    assert m.params.air_effect == 0.0 and m.params.morale_sensitivity == 3.0
    assert m.factions[m.setup.factions.index("opposition")].attack_ratio == 3.0
    reinf = [e for e in m.setup.spec.events if e.kind == "reinforcement"]
    base = [e for e in sim.load_scenario(BUILTIN).spec.events if e.kind == "reinforcement"]
    assert [e.strength for e in reinf] == [2 * e.strength for e in base]
    assert [e.day for e in reinf] == [max(0, e.day - 2) for e in base]
    none = VizModel(scenario_path=str(BUILTIN), seed=1, reinforcement=0.0)
    assert not [e for e in none.setup.spec.events if e.kind == "reinforcement"]
    with pytest.raises(InputError):
        lever_overrides(BUILTIN, reinforcement=-1)


def test_every_attacking_faction_has_its_own_attack_ratio_lever():
    """November 2024 has two attackers, the opposition and the SNA: the attack-ratio lever
    went to the opposition only (the first), and the class could not change the SNA's. Each
    has a slider now, named after it, at its own value, and each acts on its faction only."""
    lv = levers(sim.load_scenario(BUILTIN))
    assert lv.attack_ratios == {"opposition": 1.5, "sna": 2.0}
    params = model_params(BUILTIN)
    assert params["attack_ratio"]["label"] == "Attack ratio (opposition)"
    assert params["attack_ratio_sna"]["label"] == "Attack ratio (sna)"
    assert params["attack_ratio_sna"]["value"] == 2.0
    assert lever_overrides(BUILTIN, attack_ratio=1.5, attack_ratio_sna=2.0) == {}
    assert lever_overrides(BUILTIN, attack_ratio_sna=3.0) == {"factions.sna.attack_ratio": 3.0}
    m = VizModel(scenario_path=str(BUILTIN), seed=1, attack_ratio_sna=3.0)
    ratio = {f.name: f.attack_ratio for f in m.factions}
    assert ratio["sna"] == 3.0 and ratio["opposition"] == 1.5
    assert m.lever_values["attack_ratio (sna)"] == 3.0
    assert m.lever_values["attack_ratio (opposition)"] == 1.5
    assert "the opposition, the sna, one slider each" in about_markdown(m.setup)
    with pytest.raises(InputError, match="attack_ratio_sdf: expected an attack ratio lever "
                       "of the scenario: attack_ratio [(]opposition[)], attack_ratio_sna"):
        VizModel(scenario_path=str(BUILTIN), attack_ratio_sdf=3.0)


def test_air_lever_changes_outcomes_over_seeds():
    """Statistical, not one lucky run: over 12 seeds, removing the air effect changes the
    run in some seeds (the lever is wired to the combat, not ignored)."""
    differs = 0
    for seed in range(12):
        a = _run(VizModel(scenario_path=str(BUILTIN), seed=seed))
        b = _run(VizModel(scenario_path=str(BUILTIN), seed=seed, air_effect=0.0))
        differs += not np.array_equal(a.result.control_array, b.result.control_array)
    assert differs >= 3


def test_pictures_and_text():
    m = VizModel(scenario_path=str(BUILTIN), seed=1)
    assert day_text(m) == "Start · 2024-11-27 · before day 0 (days 0–11)"
    assert log_markdown(m).startswith("_No control changes")
    for _ in range(3):
        m.step()
    assert day_text(m) == "End of day 2 · 2024-11-29 (days 0–11)"
    table = log_markdown(m)
    first = m.result.log_rows[-1]
    assert m.theatre.names[first[1]] in table.splitlines()[2]     # newest first
    assert table.count("\n") >= len(m.result.log_rows[-40:]) + 1
    fig, places = map_picture(m)
    assert len(places) == m.theatre.n
    assert all(0 <= x <= 1 and 0 <= y <= 1 for _t, x, y in places)
    assert fig.axes[0].get_xlabel().startswith("longitude")


def test_day_axis_matches_the_command_line():
    """After k steps the page shows the end of day k-1, and the charts' last point is
    series.csv's row for day k-1 (the command line's convention), for every chart."""
    r = sim.run(BUILTIN, seed=2)
    series = r.series
    m = VizModel(scenario_path=str(BUILTIN), seed=2)
    for k in (1, 4):
        while m.day < k:
            m.step()
        assert day_text(m).startswith(f"End of day {k - 1} · {r.date(k - 1)}")
        fig = charts_figure(m)
        axes = fig.axes
        assert len(axes) == 4
        for ax, col in zip(axes, ("towns", "strength", "morale", "losses"), strict=True):
            lines = ax.get_lines()
            assert len(lines) == len(m.setup.factions)
            for i, line in enumerate(lines):
                x, y = line.get_xdata(), line.get_ydata()
                assert list(x) == list(range(-1, k))              # -1 is the start
                want = series[(series["day"] == k - 1)
                              & (series["faction"] == m.setup.factions[i])][col].item()
                assert y[-1] == pytest.approx(want)


def test_charts_start_where_the_run_summary_starts():
    """The charts' first point (x = -1, the start) is the summary's towns_start (on-map places
    only, as series.csv counts them) and strength_start (this run's draw of
    force_uncertainty), so no line jumps between the start and day 0 for no reason."""
    r = sim.run(BUILTIN, seed=1)
    start = r.summary().set_index("faction")
    m = VizModel(scenario_path=str(BUILTIN), seed=1)
    m.step()
    fig = charts_figure(m)
    towns, strength = fig.axes[:2]
    assert "day 0 = 2024-11-27" in fig.get_supxlabel()
    for i, name in enumerate(m.setup.factions):
        assert towns.get_lines()[i].get_ydata()[0] == start.loc[name, "towns_start"]
        assert strength.get_lines()[i].get_ydata()[0] == pytest.approx(
            start.loc[name, "strength_start"])


@pytest.mark.parametrize("name", ["riverland_offensive", "deter_aggression_2024",
                                  "karabakh_2020"])
def test_map_picture_shows_all_of_its_legend_and_labels(name):
    """The page shows the map image as it is, so nothing may stick out of the figure (the
    legend was 7.2-7.7 in wide on a 6.4 in figure, cut on both sides); the legend counts the
    towns as the summary does (off-map places are not towns)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    m = VizModel(scenario_path=str(REPO / "scenarios" / f"{name}.toml"), seed=1)
    fig, places = map_picture(m)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    W, H = fig.get_size_inches()
    tb = fig.get_tightbbox(canvas.get_renderer())
    assert tb.x0 >= 0 and tb.y0 >= 0 and tb.x1 <= W and tb.y1 <= H, (tb.bounds, W, H)
    assert all(0 <= x <= 1 and 0 <= y <= 1 for _t, x, y in places)
    start = sim.run(REPO / "scenarios" / f"{name}.toml", seed=1, days=1).summary()
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    for faction, n in zip(start["faction"], start["towns_start"], strict=True):
        assert f"{faction} ({n} towns)" in texts, texts


def test_map_picture_keeps_its_size_from_the_first_picture_on():
    """The first picture of a map (where adjustText places the labels) has the size of every
    later one (where the placement is reused): the browser view's map grew by 4 px on its
    first Step when a label sat at the map's top edge."""
    from sim.views import labels
    labels._LABEL_CACHE.clear()
    m = VizModel(scenario_path=str(BUILTIN), seed=1)
    sizes = []
    for _ in range(3):
        fig, places = map_picture(m)
        sizes.append((tuple(fig.get_size_inches()), places))
    assert sizes[0] == sizes[1] == sizes[2]


def test_town_inspection_and_export():
    m = VizModel(scenario_path=str(BUILTIN), seed=1)
    for _ in range(3):
        m.step()
    f = m.forces
    for t in (m.theatre.id_of("Aleppo"), m.theatre.id_of("Saraqib")):
        info = town_info(m, t)
        assert info["holder"] == m.setup.factions[m.owner[t]]
        here = (f.town[: f.size] == t) & (f.strength[: f.size] > 0)
        assert sum(s for _n, s in info["garrison"].values()) == pytest.approx(
            f.strength[: f.size][here].sum())
        assert sum(n for n, _s in info["garrison"].values()) == int(here.sum())
        assert info["supplied"] == bool(m.supplied[m.owner[t], t])
        assert info["name"] in town_markdown(m, t)
    full = sim.run(BUILTIN, seed=1)
    ev = export_events_csv(m).splitlines()
    want = full.events.to_csv(index=False).splitlines()
    assert ev[0] == want[0] and ev[1:] == [w for w in want[1:] if int(w.split(",")[0]) < 3]
    se = export_series_csv(m).splitlines()
    assert len(se) == 1 + 3 * len(m.setup.factions)
    assert se == full.series.to_csv(index=False).splitlines()[: len(se)]


def test_information_panel_names_the_scenario_and_every_lever():
    sc = sim.load_scenario(BUILTIN)
    text = about_markdown(sc)
    assert sc.spec.description in text and "What it models" in text
    for key in ("seed", "air_effect", "morale_sensitivity", "attack_ratio", "reinforcement"):
        assert LEVERS[key] in text


def test_model_params_match_the_model_signature():
    params = model_params(BUILTIN, seed=4)
    sig = inspect.signature(VizModel.__init__).parameters
    extra = set(params) - set(sig)              # the other attackers' ratios, by keyword
    assert extra == {"attack_ratio_sna"}
    assert sig["attack_ratios"].kind == inspect.Parameter.VAR_KEYWORD
    assert params["seed"]["value"] == 4 and params["seed"]["type"] == "InputInt"
    assert params["attack_ratio"]["value"] == 1.5
    kwargs = {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}
    assert VizModel(**kwargs).seed == 4


def test_reset_with_the_keywords_mesa_passes():
    """Mesa 3.5's Reset rebuilds the model from the page's values and, for a model that takes
    keywords, adds its own ``scenario`` object; the model must not take that for a lever
    (the browser test's Reset hung on Mesa 3.5.1)."""
    import mesa
    params = model_params(BUILTIN, seed=4)
    kwargs = {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}
    kwargs["scenario"] = getattr(mesa.Model(), "scenario", None)
    assert VizModel(**kwargs).seed == 4


def test_cli_loopback_default_and_bad_input(capsys):
    cmd = server_command("127.0.0.1", 8765)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert "sim.views.viz_page" in cmd
    assert main(["viz", "nope.toml"]) == 2
    assert "nope.toml" in capsys.readouterr().err
    assert main(["viz", str(BUILTIN), "--port", "99999"]) == 2
    assert "--port" in capsys.readouterr().err


def test_cli_binds_loopback_unless_asked():
    from sim.cli.main import build_parser
    args = build_parser().parse_args(["viz", str(BUILTIN)])
    assert args.host == "127.0.0.1" and args.port == 8765
    assert build_parser().parse_args(["viz", str(BUILTIN), "--host", "0.0.0.0"]).host == "0.0.0.0"
    assert build_parser().parse_args(["viz", str(BUILTIN), "--seed", "123456"]).seed == 123456


def test_slider_bounds_come_from_the_parameter_table():
    from sim.inputs.params import PARAMS
    from sim.views.viz import model_params
    mp = model_params(BUILTIN)
    for name in ("air_effect", "morale_sensitivity", "attack_ratio"):
        assert (mp[name]["min"], mp[name]["max"]) == (PARAMS[name].low, PARAMS[name].high)


def test_map_picture_longitude_ticks_do_not_run_together(theatre_copy, tmp_path):
    """The classroom map is narrow: on a theatre 1.6 degrees wide west of Greenwich its
    longitude ticks ('40.8°W', every 0.2 degrees) ran into one another; they are spaced by
    the room their labels need."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    rows = tiny_text("towns.csv").splitlines()
    head = rows[0].split(",")
    la, lo = head.index("lat"), head.index("lon")
    moved = [rows[0]]
    for row in rows[1:]:
        cells = row.split(",")
        cells[la] = f"{44.4 + (float(cells[la]) - 36.0) * 5:.3f}"
        cells[lo] = f"{-40.8 + (float(cells[lo]) - 36.8) * 3.2:.3f}"
        moved.append(",".join(cells))
    theatre = theatre_copy(towns="\n".join(moved) + "\n", name="west")
    text = (DATA / "tiny_offensive.toml").read_text(encoding="utf-8")
    scenario = tmp_path / "west.toml"
    scenario.write_text(text.replace('theatre = "tiny"', f'theatre = "{theatre.as_posix()}"'),
                        encoding="utf-8")
    fig, _places = map_picture(VizModel(scenario_path=str(scenario), seed=1))
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    r = canvas.get_renderer()
    ticks = [t for t in fig.axes[0].get_xticklabels() if t.get_visible() and t.get_text()]
    assert len(ticks) >= 2 and ticks[0].get_text().endswith("°W")
    boxes = [t.get_window_extent(r) for t in ticks]
    assert not any(a.overlaps(b) for a, b in zip(boxes, boxes[1:], strict=False)), \
        [t.get_text() for t in ticks]
