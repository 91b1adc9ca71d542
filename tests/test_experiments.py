"""Experiments: designs, seeds, identical results on every backend, resume after a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BUILTIN, assert_same

from sim.analysis.executors import Executor, make_executor
from sim.analysis.experiments import Experiment, execute, run_seed
from sim.errors import InputError

SPEC = f"""
name = "t"
scenario = "{BUILTIN}"
replicates = 4
seed = 5
chunk = 3
[overrides]
days = 6
[design]
kind = "grid"
[design.parameters]
air_effect = [0.2, 1.5]
"factions.government.air" = {{ low = 0.0, high = 1.0, num = 2 }}
[[metrics]]
kind = "capture_day"
town = "Saraqib"
by = "opposition"
[[metrics]]
kind = "holder"
town = "Saraqib"
[[metrics]]
kind = "front_length"
"""


def make(tmp: Path, text: str = SPEC, name: str = "t.toml", out: str = "out") -> Experiment:
    (tmp / name).write_text(text)
    return Experiment.from_file(tmp / name, out=tmp / out)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The uninterrupted single-process batch every other backend must reproduce."""
    tmp = tmp_path_factory.mktemp("ref")
    make(tmp).run(workers=1, progress=False)
    return tmp / "out"


def test_seed_is_the_spawned_child():
    for k in (0, 1, 7):
        child = np.random.SeedSequence(42).spawn(k + 1)[k]
        assert run_seed(42, k) == int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))
    assert len({run_seed(1, k) for k in range(1000)}) == 1000


def test_plan_common_random_numbers(tmp_path):
    exp = make(tmp_path)
    plan = exp.plan()
    assert len(plan) == exp.n_runs == 16
    assert list(plan["run_id"]) == list(range(16))
    assert (plan.groupby("replicate")["seed"].nunique() == 1).all()
    exp2 = make(tmp_path, SPEC.replace("chunk = 3", "common_random_numbers = false"), "u.toml")
    assert exp2.plan()["seed"].nunique() == 16


def test_sampled_designs(tmp_path):
    base = SPEC.split("[design]")[0]
    lhs = make(tmp_path, base + '[design]\nkind = "lhs"\nsamples = 20\n[design.parameters]\n'
               'kill_rate = {}\nspeed_other_share = {low = 0.3, high = 0.6}\n', "l.toml")
    X = np.array(lhs.X)
    assert X.shape == (20, 2)
    assert X[:, 0].min() >= 0.005 and X[:, 0].max() <= 0.3        # the table's bounds
    strata = np.floor((X[:, 1] - 0.3) / 0.3 * 20)                 # one sample per stratum
    assert sorted(strata) == list(range(20))
    sob = make(tmp_path, base + '[design]\nkind = "sobol"\nsamples = 8\n[design.parameters]\n'
               'kill_rate = {}\nair_effect = {}\nbreakpoint = {}\n', "s.toml")
    assert len(sob.points) == 8 * (3 + 2)
    mor = make(tmp_path, base + '[design]\nkind = "morris"\nsamples = 3\n[design.parameters]\n'
               'kill_rate = {}\nair_effect = {}\n', "m.toml")
    assert len(mor.points) == 3 * (2 + 1)


@pytest.mark.parametrize("edit, field", [
    (("replicates = 4", "replicates = 0"), "replicates"),
    (("replicates = 4", "replicas = 4"), "replicas"),
    (("air_effect = [0.2, 1.5]", "air_effect = [0.2, 9.0]"), "design.parameters.air_effect"),
    (("air_effect = [0.2, 1.5]", "bogus = [1, 2]"), "design.parameters.bogus"),
    (("air_effect = [0.2, 1.5]", "air_effect = {values = [0.2], low = 0, high = 1, num = 3}"),
     "design.parameters.air_effect"),           # values and a range: which one was meant?
    (('kind = "grid"', 'kind = "sobol"\nsamples = 10'), "design.samples"),
    (('kind = "grid"', 'kind = "lhs"'), "design.parameters.air_effect"),
    (('town = "Saraqib"\nby', 'town = "Atlantis"\nby'), "metrics[0].town"),
    ((f'scenario = "{BUILTIN}"', 'scenario = "nope.toml"'), "scenario"),
])
def test_spec_errors_name_the_field(tmp_path, edit, field):
    with pytest.raises(InputError) as e:
        make(tmp_path, SPEC.replace(*edit))
    assert e.value.field == field
    assert Path(e.value.file).name in ("t.toml", "--set") or "t.toml" in e.value.file


def test_two_workers_equal_one(tmp_path, reference):
    exp = make(tmp_path)
    exp.run(workers=2, progress=False)
    assert_same(reference, tmp_path / "out")
    runs = exp.runs
    assert runs["run_id"].is_unique and len(runs) == 16
    s = exp.summary()
    assert set(s["metric"]) == set(exp.metrics.names) and len(s) == 4 * 3


class _StopAfter(Executor):
    """A serial executor that is 'killed' (KeyboardInterrupt) after n chunks."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def as_completed(self, fn, items, max_pending=None):
        for k, (i, y) in enumerate(super().as_completed(fn, items)):
            if k == self.n:
                raise KeyboardInterrupt
            yield i, y


def test_interrupt_then_resume_runs_only_the_rest(tmp_path, reference):
    exp = make(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        execute(exp, _StopAfter(2), progress=False)
    done = len(list((exp.out / "parts").glob("*.runs.parquet")))
    assert done == 2
    calls = []

    class Counting(Executor):
        def as_completed(self, fn, items, max_pending=None):
            for i, y in super().as_completed(fn, items):
                calls.append(len(y["ids"]))
                yield i, y

    execute(exp, Counting(), progress=False)
    assert sum(calls) == 16 - 2 * 3
    assert_same(reference, exp.out)


def test_sigkill_then_resume(tmp_path, reference):
    """Kill `frontline batch` with SIGKILL once some chunks are on disk; run it again."""
    spec = tmp_path / "t.toml"
    spec.write_text(SPEC.replace("chunk = 3", "chunk = 1"))
    cmd = [sys.executable, "-m", "sim", "batch", str(spec), "--workers", "1", "--out",
           str(tmp_path / "out"), "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = tmp_path / "out" / "parts"
    deadline = time.time() + 30
    while time.time() < deadline and len(list(parts.glob("*.runs.parquet"))) < 3:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "out" / "runs.parquet").exists()
    again = subprocess.run(cmd, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert_same(reference, tmp_path / "out")


def test_dask_equals_serial_and_survives_a_killed_worker(tmp_path, reference):
    exp = make(tmp_path, SPEC.replace("chunk = 3", "chunk = 1"))
    with make_executor(dask_local=2) as ex:
        pids = list(ex.client.run(os.getpid).values())
        assert len(pids) == 2
        # the workers loaded the compiled kernels before their first task
        warmed = ex.client.run(lambda: "sim.analysis.warmup" in sys.modules)
        assert all(warmed.values())

        class KillOne(Executor):
            backend = "dask"
            workers = 2

            def as_completed(self, fn, items, max_pending=None):
                for k, (i, y) in enumerate(ex.as_completed(fn, items)):
                    if k == 2:
                        os.kill(pids[0], signal.SIGKILL)
                    yield i, y

        execute(exp, KillOne(), progress=False)
    assert_same(reference, exp.out)
    assert exp.runs["run_id"].is_unique


def test_changed_experiment_refuses_to_mix(tmp_path, reference):
    exp = make(tmp_path)
    exp.run(progress=False)
    other = make(tmp_path, SPEC.replace("seed = 5", "seed = 6"), "t2.toml")
    with pytest.raises(InputError, match=r"different experiment \(the experiment file or its "
                                         r"--set, --params or --replicates changed since\)"):
        other.run(progress=False)


def test_morris_sensitivity(tmp_path):
    base = SPEC.split("[design]")[0]
    exp = make(tmp_path, base.replace("replicates = 4", "replicates = 2") +
               '[design]\nkind = "morris"\nsamples = 4\n[design.parameters]\n'
               'air_effect = {}\nattack_ratio = {}\n' + SPEC[SPEC.index("[[metrics]]"):],
               "m.toml")
    exp.run(progress=False)
    s = exp.sensitivity()
    num = s[s["index"] == "mu_star"]
    assert set(num["parameter"]) == {"air_effect", "attack_ratio"}
    assert (num["value"].dropna() >= 0).all()
    from sim.views.batchplots import save
    from sim.views.shifts import sensitivity_bars
    fig = sensitivity_bars(exp, s)
    labels = {t.get_text() for ax in fig.axes if ax.get_legend()
              for t in ax.get_legend().get_texts()}
    assert "mu*: mean absolute elementary effect" in labels      # the legend says what it is
    # sigma has no interval: its bars carry no error bar (a cap of length 0 read as "exact")
    for ax in fig.axes:
        if ax.get_legend() is None:
            continue
        bars = {c.get_label(): c for c in ax.containers if hasattr(c, "errorbar")}
        assert bars["sigma: spread (non-linearity, interactions)"].errorbar is None
        assert bars["mu*: mean absolute elementary effect"].errorbar is not None
    paths = save(fig, tmp_path / "sens")
    assert all(p.stat().st_size > 1000 for p in paths)
    # Sobol indices with intervals too wide to use: the figure carries the batch's caution
    wide = pd.DataFrame([(m, prm, i, v, 0.4) for m in ("a",) for prm in ("x", "y")
                         for i, v in (("S1", 0.2), ("ST", 0.5))],
                        columns=["metric", "parameter", "index", "value", "conf95"])
    title = sensitivity_bars(exp, wide)._suptitle.get_text()
    assert "caution: sensitivity indices too uncertain" in title


def test_fingerprint_lists_every_model_file_and_changes_with_any():
    """The batch fingerprint covers every file of sim/core and sim/inputs (found by
    listing, not a kept list), the record schema and the chunk runner."""
    from sim.provenance import PACKAGE, code_fingerprint, model_files
    names = {p.relative_to(PACKAGE).as_posix() for p in model_files()}
    for folder in ("core", "core/kernels", "inputs"):
        for p in (PACKAGE / folder).glob("*.py"):
            assert p.relative_to(PACKAGE).as_posix() in names
    assert {"records.py", "analysis/batch.py", "analysis/metrics.py"} <= names
    assert not any(n.startswith(("views/", "cli/")) for n in names)
    assert code_fingerprint() == code_fingerprint()


def test_resume_is_refused_after_a_model_file_changes(tmp_path):
    """A batch run with a copy of the package; one model file of the copy is changed; the
    same command again is refused with one line instead of mixing results."""
    import shutil
    import subprocess
    import sys

    from conftest import REPO, TINY_OFFENSIVE
    pkg = tmp_path / "pkg"
    shutil.copytree(REPO / "sim", pkg / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    exp = tmp_path / "exp.toml"
    exp.write_text(f'scenario = "{TINY_OFFENSIVE.as_posix()}"\nreplicates = 2\n'
                   '[[metrics]]\nkind = "capture_day"\ntown = "Bravo"\n', encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "batch", str(exp), "--workers", "1", "--out", str(out),
           "--no-progress"]
    # the copy would compile every numba kernel afresh (its own cache): run them as Python
    env = {"PYTHONPATH": str(pkg), "PATH": "/usr/bin:/bin", "NUMBA_DISABLE_JIT": "1"}
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    (out / "manifest.json").write_text((out / "manifest.json").read_text().replace(
        '"complete"', '"running"'))                        # as if killed before the end
    forces = pkg / "sim" / "core" / "forces.py"
    forces.write_text(forces.read_text() + "\n# a change to the model\n")
    second = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert second.returncode == 2
    errors = [ln for ln in second.stderr.splitlines() if ln.startswith("frontline: error:")]
    assert len(errors) == 1 and "different model code" in errors[0], second.stderr
    assert "Traceback" not in second.stderr


def test_an_unguarded_script_is_stopped_before_its_folder_is_made(tmp_path):
    """A script that calls ``run(workers=2)`` at module level stops with one line saying
    what to add, and leaves no results folder (nor a lock file) behind."""
    (tmp_path / "t.toml").write_text(SPEC)
    script = tmp_path / "go.py"
    script.write_text("from sim.analysis.experiments import Experiment\n"
                      f"Experiment.from_file({str(tmp_path / 't.toml')!r}, "
                      f"out={str(tmp_path / 'out')!r}).run(workers=2)\n")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "if __name__ == \"__main__\":" in lines[0], proc.stderr
    assert not (tmp_path / "out").exists()


def test_a_misspelt_swept_name_is_blamed_on_the_name_with_a_suggestion(tmp_path):
    text = SPEC.replace("air_effect = [0.2, 1.5]", "air_efect = [0.2, 1.5]")
    with pytest.raises(InputError) as exc:
        make(tmp_path, text)
    assert exc.value.field == "design.parameters.air_efect"
    assert exc.value.message.startswith("not a parameter or scenario field (did you mean "
                                        "'air_effect'")
    assert len(exc.value.message) < 200            # no list of every parameter


@pytest.mark.parametrize("name, values", [("days", "[3, 8]"), ("start", '["2024-11-28"]')])
def test_the_horizon_is_not_swept(tmp_path, name, values):
    """A design over `days` started, then failed in a worker ('<experiment>: metrics[0].day')
    when a point was shorter than a metric's day; one that ran longer wrote series its own
    plots refused as 'changed or copied from another batch' and captures the capture plot
    dropped. The horizon is refused before any work, naming the file and field."""
    text = SPEC.replace('air_effect = [0.2, 1.5]', f'{name} = {values}')
    with pytest.raises(InputError) as e:
        make(tmp_path, text)
    assert (Path(e.value.file).name, e.value.field) == ("t.toml", f"design.parameters.{name}")
    assert "--set" in e.value.message and not (tmp_path / "out").exists()


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (Linux /proc)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_pool_workers_end_when_the_parent_is_killed(tmp_path):
    """After a ``kill -9`` of the process that owns a pool, its workers exit within seconds
    (a README walk found them, the forkserver and the resource tracker still running 90 s
    later)."""
    script = tmp_path / "pool.py"
    script.write_text(
        "import os, time\n"
        "from sim.analysis.executors import PoolExecutor\n"
        "def pid(_):\n"
        "    time.sleep(0.2)\n"
        "    return os.getpid()\n"
        "if __name__ == '__main__':\n"
        "    ex = PoolExecutor(2)\n"
        "    print(*sorted({p for _, p in ex.as_completed(pid, range(8))}), flush=True)\n"
        "    time.sleep(120)\n")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                            cwd=tmp_path)
    try:
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert workers and all(_running(p) for p in workers)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    deadline = time.monotonic() + 20
    while any(_running(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_running(p) for p in workers)
