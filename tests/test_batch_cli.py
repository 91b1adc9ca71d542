"""`frontline batch` and `frontline plot`: files written, resume, one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BUILTIN, DATA

from sim.cli import main

SPEC = f"""
scenario = "{BUILTIN}"
replicates = 5
seed = 2
[overrides]
days = 6
[design]
kind = "grid"
[design.parameters]
"factions.government.air" = [0.0, 1.0]
[[metrics]]
kind = "capture_day"
town = "Saraqib"
by = "opposition"
[[metrics]]
kind = "holds"
town = "Saraqib"
faction = "government"
"""


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    (tmp / "e.toml").write_text(SPEC)
    assert main(["batch", str(tmp / "e.toml"), "--workers", "1", "--out", str(tmp / "out"),
                 "--no-progress"]) == 0
    return tmp


def test_batch_writes_every_result(batch, capsys):
    out = batch / "out"
    for name in ("runs.parquet", "events.parquet", "series.parquet", "manifest.json",
                 "summary.csv"):
        assert (out / name).is_file(), name
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 10 and runs["run_id"].is_unique
    assert {"seed", "factions.government.air", "capture_day_Saraqib_by_opposition"} \
        <= set(runs.columns)
    import json
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and m["runs_done"] == 10
    assert set(m["run_status"].values()) == {"done"} and len(m["spec_hash"]) == 16
    assert "numpy" in m["versions"]
    # the same command again does nothing
    before = (out / "runs.parquet").stat().st_mtime_ns
    assert main(["batch", str(batch / "e.toml"), "--workers", "1", "--out", str(out),
                 "--no-progress"]) == 0
    assert "already done" in capsys.readouterr().err
    assert (out / "runs.parquet").stat().st_mtime_ns == before


def test_batch_summary_says_from_when_days_count(batch, tmp_path, capsys):
    """A capture day in the summary is a day of the scenario: the table says which date is
    day 0."""
    assert main(["batch", str(batch / "e.toml"), "--workers", "1", "--replicates", "2",
                 "--out", str(tmp_path / "o"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "capture_day" in out and "(day 0 = 2024-11-27, the scenario's first day)" in out
    assert "missing" in out and "('missing': the share of runs where the metric" in out


@pytest.mark.parametrize("kind, extra", [
    ("capture", ["--town", "Saraqib", "--by", "opposition"]),
    ("control", ["--faction", "opposition", "--day", "2024-11-30"]),
    ("fan", ["--faction", "government", "--measure", "population_share"]),
    ("whatif", ["--point", "1", "--base-point", "0"]),
])
def test_plots_write_png_and_svg(batch, kind, extra, capsys):
    stem = batch / "plots" / kind
    assert main(["plot", kind, str(batch / "out"), *extra, "--out", str(stem)]) == 0
    for ext in ("png", "svg"):
        p = stem.with_suffix(f".{ext}")
        assert p.is_file() and p.stat().st_size > 1000


def test_plot_keeps_a_file_it_did_not_write_and_replaces_its_own(batch, tmp_path, capsys):
    """`plot ... --out NAME` wrote over NAME.png, NAME.svg and NAME.pdf whoever had made
    them: a file without frontline's mark (the user's own, a picture another program or a
    plain matplotlib made) is refused before anything is drawn and left byte for byte; a
    picture an earlier plot wrote is replaced; so at the default names in RESULTS/plots."""
    import matplotlib.pyplot as plt
    fig, _ax = plt.subplots()
    fig.savefig(tmp_path / "theirs.pdf")                       # matplotlib's own marks only
    plt.close(fig)
    (tmp_path / "mine.svg").write_text("<svg>my drawing</svg>", encoding="utf-8")
    args = ["plot", "fan", str(batch / "out"), "--faction", "government",
            "--format", "png,svg,pdf"]
    for name in ("mine", "theirs"):
        before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
        assert main([*args, "--out", str(tmp_path / name)]) == 2
        out, err = capsys.readouterr()
        taken = next(p for p in tmp_path.iterdir() if p.stem == name)
        assert out == "" and err == (f"frontline: error: {taken}: --out: exists and is not "
                                     "known as a file frontline wrote, so it is kept: give "
                                     "another name, or move or delete the file yourself\n")
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    for _ in range(2):                                          # its own: written over
        assert main([*args, "--out", str(tmp_path / "again")]) == 0
    assert sorted(p.name for p in tmp_path.glob("again.*")) == ["again.pdf", "again.png",
                                                                 "again.svg"]
    default = batch / "out" / "plots" / "fan_government_territory_share.png"
    default.parent.mkdir(exist_ok=True)
    default.write_bytes(b"a picture of the user's")
    assert main(["plot", "fan", str(batch / "out"), "--faction", "government"]) == 2
    assert f"{default}: --out: exists and is not known" in capsys.readouterr().err
    assert default.read_bytes() == b"a picture of the user's"
    default.unlink()
    for _ in range(2):
        assert main(["plot", "fan", str(batch / "out"), "--faction", "government"]) == 0


@pytest.mark.parametrize("args, needle", [
    (["batch", "missing.toml"], "missing.toml: -: file not found"),
    (["batch", "{bad}", "--workers", "-1"], "--workers"),
    (["batch", "{bad}", "--scheduler", "tcp://x:1", "--dask-local", "2"], "not allowed"),
    (["plot", "fan", "{out}", "--faction", "isis"],
     "command line: --faction: unknown faction 'isis'"),
    (["plot", "fan", "{out}", "--faction", ""], "--faction: empty"),    # was the first faction
    (["plot", "control", "{out}", "--faction", "Opposition", "--day", "3"],
     "command line: --faction: unknown faction 'Opposition' (did you mean 'opposition'?)"),
    (["plot", "fan", "{out}", "--faction", "sna", "--measure", "territory"],
     "command line: --measure: 'territory': expected one of territory_share"),
    (["plot", "control", "{out}", "--faction", "sna", "--day", "40"], "--day"),
    # the day before the start was day -1, read as the last day (a date is not counted back)
    (["plot", "control", "{out}", "--faction", "sna", "--day", "2024-11-26"],
     "--day: outside the run"),
    (["plot", "sensitivity", "{out}"], "out: design.kind: sensitivity indices need a sobol or "
                                        "morris design; this batch's is 'grid'"),
    (["plot", "fan", "{tmp}"], "manifest.json"),
])
def test_errors_are_one_line_exit_2(batch, args, needle, capsys):
    args = [a.format(bad=batch / "e.toml", out=batch / "out", tmp=batch) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("frontline: error: ") and "\n" not in err and "Traceback" not in err
    assert needle in err


def test_bad_experiment_file(tmp_path, capsys):
    (tmp_path / "e.toml").write_text(SPEC.replace("replicates = 5", "replicates = -5"))
    assert main(["batch", str(tmp_path / "e.toml")]) == 2
    err = capsys.readouterr().err
    assert "e.toml: replicates:" in err


def test_plot_file_names_stay_in_the_results_folder(tmp_path, capsys):
    """A town called '../../Bravo' names a file inside RESULTS/plots, not two folders up."""
    import shutil

    from conftest import TINY, TINY_OFFENSIVE
    th = tmp_path / "tiny"
    shutil.copytree(TINY, th)
    towns = (th / "towns.csv").read_text(encoding="utf-8")
    (th / "towns.csv").write_text(towns.replace("\nBravo,,", "\n../../Bravo,Bravo,"),
                                  encoding="utf-8")
    (tmp_path / "s.toml").write_text(TINY_OFFENSIVE.read_text(encoding="utf-8"),
                                     encoding="utf-8")
    (tmp_path / "e.toml").write_text('scenario = "s.toml"\nreplicates = 2\n[overrides]\n'
                                     'days = 3\n')
    out = tmp_path / "deep" / "er" / "out"
    assert main(["batch", str(tmp_path / "e.toml"), "--workers", "1", "--out", str(out),
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["plot", "capture", str(out), "--town", "../../Bravo", "--format", "png"]) == 0
    written = Path(capsys.readouterr().out.strip())
    assert written.resolve().parent == (out / "plots").resolve() and written.is_file()
    assert not list((tmp_path / "deep").glob("*.png")) and not list(tmp_path.glob("*.png"))


def test_set_and_replicates_change_the_batch_and_its_folder_guard(batch, tmp_path, capsys):
    """`--set` and `--replicates` change every run of the experiment without a new file; the
    results say so (the manifest's spec), and a folder of the file's own batch refuses
    them rather than mixing the two."""
    import json
    out = tmp_path / "varied"
    assert main(["batch", str(batch / "e.toml"), "--workers", "1", "--out", str(out),
                 "--no-progress", "--replicates", "2", "--set", "days=4",
                 "--set", "factions.opposition.drones=0"]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 * 2                        # two design points x two replicates
    spec = json.loads((out / "manifest.json").read_text())["spec"]
    assert spec["overrides"]["days"] == 4 and spec["replicates"] == 2
    assert spec["overrides"]["factions.opposition.drones"] == 0
    capsys.readouterr()
    assert main(["batch", str(batch / "e.toml"), "--workers", "1", "--out",
                 str(batch / "out"), "--no-progress", "--set", "days=4"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("frontline: error: ") and "\n" not in err
    # the file did not change: the message said it had
    assert "(the experiment file or its --set, --params or --replicates changed since)" in err
    assert main(["batch", str(batch / "e.toml"), "--set", "no_such_param=1"]) == 2
    assert "no_such_param" in capsys.readouterr().err


def test_whatif_of_a_one_point_batch_says_why_not(tmp_path, capsys):
    from conftest import TINY_OFFENSIVE
    (tmp_path / "e.toml").write_text(f'scenario = "{TINY_OFFENSIVE.as_posix()}"\n'
                                     'replicates = 2\n[overrides]\ndays = 3\n')
    out = tmp_path / "out"
    assert main(["batch", str(tmp_path / "e.toml"), "--workers", "1", "--out", str(out),
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["plot", "whatif", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "design: this batch has one design point" in err
    assert "--base" in err


def test_whatif_shift_counts_the_runs_behind_each_mean(batch):
    """A capture day that is 'never' in some runs is averaged over the others: the table
    says over how many, so a plot of it cannot pass a mean of a few runs for one of all."""
    from sim.analysis.experiments import Experiment
    from sim.views.shifts import whatif_shift
    exp = Experiment.from_results(batch / "out")
    df = whatif_shift(exp, 1, 0).set_index("metric")
    runs = exp.runs
    for m in df.index:
        for point, col in ((0, "base_n"), (1, "n")):
            defined = int(runs.loc[runs["point"] == point, m].notna().sum())
            assert df.loc[m, col] == defined
        total = int((runs["point"] == 1).sum())
        assert df.loc[m, "never"] == pytest.approx(1 - df.loc[m, "n"] / total)


def test_fan_of_several_points_says_how_many_runs_each_fan_has(batch):
    """Each median and its bands come from one design point's runs: the title and the legend
    say so, not the total over the points (which no fan is drawn from)."""
    from sim.analysis.experiments import Experiment
    from sim.views.batchplots import fan_chart
    exp = Experiment.from_results(batch / "out")            # 2 points x 5 replicates
    ax = fan_chart(exp, "government").axes[0]
    assert "(5 runs per design point, 2 points)" in ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == 2 and all(t.endswith("(5 runs)") for t in labels), labels
    one = fan_chart(exp, "government", point=0).axes[0]
    assert one.get_title().endswith("(5 runs)")


@pytest.mark.parametrize("row, column, said", [
    ("2024-11-29,Saraqib,oposition", "new_controller", "oposition"),
    ("2024-11-29,Saraquib,opposition", "place", "unknown place 'Saraquib'"),
])
def test_plot_capture_checks_every_row_of_its_reported_file(batch, tmp_path, capsys, row,
                                                            column, said):
    """A faction the scenario does not have, or a place its theatre does not have (a
    misspelt town), on any row of --reported, is one line (the row was silently dropped
    from the plot before)."""
    rep = tmp_path / "reported.csv"
    rep.write_text(f"date,place,new_controller,source\n{row},a report\n", encoding="utf-8")
    assert main(["plot", "capture", str(batch / "out"), "--town", "Saraqib", "--by",
                 "opposition", "--reported", str(rep), "--format", "png"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"row 2, column {column}" in err[0] and said in err[0], err


def test_plot_capture_says_when_the_record_has_no_capture_of_the_town(batch, tmp_path):
    """A record without the town (or without its capture by --by) is said in the legend;
    a plot without the reported line looked like a plotting slip."""
    from sim.analysis.experiments import Experiment
    from sim.views.batchplots import capture_plot
    rep = tmp_path / "reported.csv"
    rep.write_text("date,place,new_controller,source\n2024-11-29,Saraqib,opposition,a report\n",
                   encoding="utf-8")
    exp = Experiment.from_results(batch / "out")
    labels = [t.get_text() for t in capture_plot([exp], "Aleppo", "opposition",
                                                 reported=rep).legends[0].get_texts()]
    assert any(t.startswith("no reported capture of Aleppo by opposition") for t in labels)
    labels = [t.get_text() for t in capture_plot([exp], "Saraqib", "opposition",
                                                 reported=rep).legends[0].get_texts()]
    assert any(t.startswith("reported capture") for t in labels)
    assert not any(t.startswith("no reported") for t in labels)


def test_capture_plot_title_counts_the_runs_of_each_scenario(batch, tmp_path):
    """Overlaid batches: the title summed every batch's runs after the scenario names
    ('Deter Aggression 2024 vs Campaign 2024 (6 runs)' for two curves of 3 runs each, and
    'Deter Aggression 2024 (13 runs)' for curves of 10 and 3). It counts the runs of each
    scenario now, and says when a batch pools design points (the fixture's two)."""
    from sim.analysis.experiments import Experiment
    from sim.views.batchplots import capture_plot
    campaign = BUILTIN.parent / "campaign_2024.toml"
    exps = {}
    for name, scen in (("da", BUILTIN), ("camp", campaign)):
        (tmp_path / f"{name}.toml").write_text(
            f'scenario = "{scen.as_posix()}"\nreplicates = 3\n[overrides]\ndays = 4\n'
            '[[metrics]]\nkind = "holds"\ntown = "Saraqib"\nfaction = "government"\n')
        assert main(["batch", str(tmp_path / f"{name}.toml"), "--workers", "1", "--out",
                     str(tmp_path / name), "--no-progress"]) == 0
        exps[name] = Experiment.from_results(tmp_path / name)
    pooled = Experiment.from_results(batch / "out")            # 2 points x 5 replicates

    def title(*es) -> str:
        return capture_plot(list(es), "Saraqib", "opposition")._suptitle.get_text()

    assert title(exps["da"], exps["camp"]) == ("Capture of Saraqib by opposition: Deter "
                                               "Aggression 2024 (3 runs) vs Campaign 2024 "
                                               "(3 runs)")
    assert title(pooled) == ("Capture of Saraqib by opposition: Deter Aggression 2024 (10 "
                             "runs, 2 design points pooled)")
    assert title(pooled, exps["da"], exps["camp"]) == (
        "Capture of Saraqib by opposition: Deter Aggression 2024 (2 batches, 10 and 3 runs, "
        "design points pooled) vs Campaign 2024 (3 runs)")


def test_capture_plot_of_one_design_point_uses_only_its_runs(batch, capsys):
    """`plot capture --point N` draws design point N's runs alone (the plot pooled every
    point's runs, and there was no way to draw one): the ECDF of point 1 is that of its own
    five runs, not of the ten, and the title names the point and its value."""
    from sim.analysis.experiments import Experiment
    from sim.views.batchplots import capture_plot
    exp = Experiment.from_results(batch / "out")               # 2 points x 5 replicates
    ev = exp.events[(exp.events["place"] == "Saraqib")
                    & (exp.events["new_controller"] == "opposition")]
    first = ev.groupby("run_id")["day"].min()

    def ecdf(ids) -> list[float]:
        days = first.reindex(ids).to_numpy(dtype=float)
        return [float((days <= d).sum()) / len(ids) for d in range(exp.scenario.days)]

    ids = exp.runs.loc[exp.runs["point"] == 1, "run_id"]
    want = ecdf(ids)
    assert len(ids) == 5 and want != ecdf(exp.runs["run_id"])  # the points differ here
    fig = capture_plot([exp], "Saraqib", "opposition", point=1)
    assert list(fig.axes[1].lines[0].get_ydata()) == pytest.approx(want)
    assert fig._suptitle.get_text() == ("Capture of Saraqib by opposition: Deter Aggression "
                                        "2024 (5 runs)\ndesign point 1 of 2: "
                                        "factions.government.air=1")
    stem = batch / "plots" / "capture_point1"
    assert main(["plot", "capture", str(batch / "out"), "--town", "Saraqib", "--by",
                 "opposition", "--point", "1", "--out", str(stem)]) == 0
    assert stem.with_suffix(".png").is_file() and stem.with_suffix(".svg").is_file()


@pytest.mark.parametrize("value", ["2", "-1", "x", "1.5"])
def test_capture_plot_refuses_a_point_the_batch_does_not_have(batch, tmp_path, capsys, value):
    """A --point that is not one of the batch's design points (0 and 1 here) is one line
    naming the flag and the valid range, status 2, and nothing is drawn."""
    stem = tmp_path / "cap"
    assert main(["plot", "capture", str(batch / "out"), "--town", "Saraqib", "--point", value,
                 "--out", str(stem)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == ("frontline: error: command line: --point: expected a "
                                 f"design point, an integer 0..1, got {value!r}\n")
    assert not list(tmp_path.iterdir())


def test_a_sweep_of_a_scenario_field_warns_once_on_any_number_of_workers(tmp_path):
    """A scenario warning (here: factions with neither rear nor stake) is one
    `frontline: warning:` line, also when pool workers rebuild the scenario for each swept
    value of a scenario field (they printed it again as raw Python warnings)."""
    import os
    import subprocess
    import sys

    from conftest import REPO, TINY_OFFENSIVE
    spec = tmp_path / "e.toml"
    spec.write_text(f'scenario = "{TINY_OFFENSIVE.as_posix()}"\nreplicates = 2\nseed = 1\n'
                    '[design]\nkind = "grid"\n[design.parameters]\n'
                    '"factions.government.morale" = [0.4, 0.6, 0.8]\n'
                    '[[metrics]]\nkind = "territory_share"\nfaction = "government"\n',
                    encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sim", "batch", str(spec), "--workers", "2",
                           "--out", str(tmp_path / "out"), "--no-progress"], cwd=REPO,
                          env={**os.environ, "MPLBACKEND": "Agg"}, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "ScenarioWarning" not in proc.stderr, proc.stderr
    assert proc.stderr.count("no off-map rear and no stake") == 1, proc.stderr


def test_whatif_plot_does_not_colour_a_shift_without_an_interval(batch, monkeypatch):
    """A shift whose interval cannot be computed (one run with a value on a side) was drawn
    as a blue dot, which the legend calls 'interval includes 0'; it is grey, with its own
    legend entry."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    from sim.analysis.experiments import Experiment
    from sim.views import shifts
    exp = Experiment.from_results(batch / "out")
    df = shifts.whatif_shift(exp, 1, 0)
    df.loc[0, ["shift", "low95", "high95"]] = [8.5, np.nan, np.nan]
    df["paired"] = False
    monkeypatch.setattr(shifts, "whatif_shift", lambda *a, **k: df)
    fig = shifts.whatif_plot(exp, 1, 0)
    dot = fig.axes[0].lines[0]
    assert to_hex(dot.get_color()) == shifts.NO_INTERVAL
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "no interval" in legend
    assert "not paired by seed" not in fig.axes[0].get_xlabel()
    plt.close(fig)


def _small_batch(tmp: Path, name: str, metrics: str, top: str = "") -> Path:
    (tmp / f"{name}.toml").write_text(f'scenario = "{BUILTIN}"\nreplicates = 2\nseed = 3\n'
                                      f'{top}[overrides]\ndays = 4\n{metrics}')
    out = tmp / name
    assert main(["batch", str(tmp / f"{name}.toml"), "--workers", "1", "--out", str(out),
                 "--no-progress"]) == 0
    return out


def test_whatif_against_a_base_compares_only_metrics_that_mean_the_same(tmp_path, capsys):
    """`plot whatif A --base B` with no metric in common was a traceback (a figure of no
    panels); a metric of one name measuring different things in the two batches (another
    town, another day) was drawn as a shift. Both are one line naming the base's field."""
    share = '[[metrics]]\nname = "m"\nkind = "territory_share"\nfaction = "government"\n'
    a = _small_batch(tmp_path, "a", share)
    same = _small_batch(tmp_path, "same", share)
    other_day = _small_batch(tmp_path, "other_day", share + "day = 1\n")
    other_name = _small_batch(tmp_path, "other_name", share.replace('"m"', '"n"'))
    capsys.readouterr()
    assert main(["plot", "whatif", str(a), "--base", str(same), "--out",
                 str(tmp_path / "ok")]) == 0
    for base, field in ((other_day, "metrics.m"), (other_name, "metrics")):
        capsys.readouterr()
        assert main(["plot", "whatif", str(a), "--base", str(base), "--out",
                     str(tmp_path / "w")]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"frontline: error: {base}: {field}: "), err
        assert "\n" not in err and "Traceback" not in err


def test_a_batch_without_events_or_series_says_so(tmp_path, capsys):
    """With events = false and series = false the batch said it wrote events.parquet and
    series.parquet, and a plot needing them said to run the experiment first (which would
    write them no more): the closing line lists what was written, the plot says why not."""
    out = _small_batch(tmp_path, "lean", '[[metrics]]\nkind = "front_length"\n',
                       top="events = false\nseries = false\n")
    err = capsys.readouterr().err
    wrote = [ln for ln in err.splitlines() if ln.startswith("wrote ")]
    assert wrote and "events.parquet" not in wrote[0] and "series.parquet" not in wrote[0]
    for args, table in ((["fan", "--faction", "government"], "series"),
                        (["capture", "--town", "Aleppo"], "events")):
        assert main(["plot", args[0], str(out), *args[1:]]) == 2
        msg = capsys.readouterr().err.strip()
        assert msg.startswith(f"frontline: error: {out}: {table}: this batch recorded no")
        assert f"{table} = false" in msg and "run the experiment first" not in msg


def test_a_swept_quantity_also_set_is_warned_about(tmp_path, capsys):
    """`--set NAME=V` on a quantity the design sweeps was silently ignored (each run takes
    the design's value): one warning line says so."""
    (tmp_path / "e.toml").write_text(SPEC.replace("replicates = 5", "replicates = 1"))
    assert main(["batch", str(tmp_path / "e.toml"), "--workers", "1", "--out",
                 str(tmp_path / "o"), "--set", "factions.government.air=0.5",
                 "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "frontline: warning: factions.government.air: swept by the design and also set" \
        in err
    runs = pd.read_parquet(tmp_path / "o" / "runs.parquet")
    assert sorted(runs["factions.government.air"]) == [0.0, 1.0]


def test_sweeping_a_doctrine_a_faction_sets_for_itself_is_warned_about(tmp_path, capsys):
    """A faction's own attack_ratio overrides the global one, so a sweep of the global one
    does not reach it: one warning line names the faction and what to sweep instead."""
    (tmp_path / "e.toml").write_text(
        SPEC.replace("replicates = 5", "replicates = 1").replace("days = 6", "days = 2")
        .replace('"factions.government.air" = [0.0, 1.0]', "attack_ratio = [1.5, 2.5]"))
    assert main(["batch", str(tmp_path / "e.toml"), "--workers", "1", "--out",
                 str(tmp_path / "o"), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert ("frontline: warning: attack_ratio: swept, but opposition sets its own value in the "
            "scenario, which the sweep does not change (sweep "
            "factions.opposition.attack_ratio for it)") in err


def test_plot_warns_when_the_scenario_changed_since_the_batch(tmp_path, capsys):
    """A plot reads the scenario file as it is now: after an edit it says so in one warning
    line (and not when nothing changed)."""
    import shutil
    shutil.copytree(DATA / "tiny", tmp_path / "tiny")
    scen = tmp_path / "s.toml"
    scen.write_text((DATA / "tiny_offensive.toml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    (tmp_path / "e.toml").write_text(
        'scenario = "s.toml"\nreplicates = 2\nseed = 1\n[overrides]\ndays = 3\n'
        '[[metrics]]\nkind = "territory_share"\nfaction = "government"\n')
    out = tmp_path / "o"
    assert main(["batch", str(tmp_path / "e.toml"), "--workers", "1", "--out", str(out),
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["plot", "fan", str(out), "--faction", "government"]) == 0
    assert "changed since" not in capsys.readouterr().err
    text = scen.read_text(encoding="utf-8")
    scen.write_text(text.replace("morale = 1.0", "morale = 0.8", 1), encoding="utf-8")
    assert main(["plot", "fan", str(out), "--faction", "government"]) == 0
    err = capsys.readouterr().err
    assert err.count("the scenario file changed since this batch ran") == 1
    assert "the plot reads the scenario and theatre as they are now" in err
    # and the batch itself will not resume into the folder, saying what changed
    assert main(["batch", str(tmp_path / "e.toml"), "--workers", "1", "--out", str(out),
                 "--no-progress"]) == 2
    assert "different experiment (the scenario file changed since)" in capsys.readouterr().err


def test_sweeping_a_parameter_a_params_event_sets_is_warned_about(tmp_path, capsys):
    """A params event's value replaces the swept one from its day on: one warning line
    says when (a teacher's review, 1 Dec 2026)."""
    import shutil
    shutil.copytree(DATA / "tiny", tmp_path / "tiny")
    text = (DATA / "tiny_offensive.toml").read_text(encoding="utf-8")
    (tmp_path / "s.toml").write_text(
        text + '\n[[events]]\nday = 1\nkind = "params"\nset = { kill_rate = 0.2 }\n',
        encoding="utf-8")
    (tmp_path / "e.toml").write_text(
        'scenario = "s.toml"\nreplicates = 1\nseed = 1\n[overrides]\ndays = 2\n'
        '[design]\nkind = "grid"\n[design.parameters]\nkill_rate = [0.05, 0.1]\n'
        '[[metrics]]\nkind = "territory_share"\nfaction = "government"\n')
    assert main(["batch", str(tmp_path / "e.toml"), "--workers", "1", "--out",
                 str(tmp_path / "o"), "--no-progress"]) == 0
    assert ("frontline: warning: kill_rate: swept, but a params event of the scenario sets "
            "it (day 1); from then on every run uses the event's value") \
        in capsys.readouterr().err
