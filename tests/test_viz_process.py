"""`frontline viz` as a process: SIGTERM (or SIGHUP) sent to it stops its Solara server, so
nothing is left listening; the server is started without Solara's update check and
telemetry (no network calls at start); bad hosts and ports are one line; ``--workers``
above the CPU count is lowered with one warning line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from conftest import REPO, TINY_OFFENSIVE

from sim.analysis.executors import cpu_count, make_executor
from sim.cli import main
from sim.cli.viz import QUIET_ENV, server_command


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def _start_server(stdout: int) -> tuple[int, subprocess.Popen]:
    """`frontline viz` on the tiny scenario in its own session, once it listens: (port,
    process); its output goes to ``stdout`` (DEVNULL, or PIPE as text with stderr in it)."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "sim", "viz", str(TINY_OFFENSIVE), "--port",
                             str(port)], cwd=REPO, env=env, stdout=stdout,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while not _listening(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            pytest.fail(f"frontline viz did not listen within 60 s (exit {proc.returncode})")
        time.sleep(0.2)
    return port, proc


@pytest.mark.parametrize("sig", [signal.SIGTERM])
def test_sigterm_stops_the_server(sig):
    port, proc = _start_server(subprocess.DEVNULL)
    try:
        os.kill(proc.pid, sig)                # to frontline only, not to its group
        assert proc.wait(timeout=20) == 128 + sig
        deadline = time.monotonic() + 10
        while _listening(port) or _group_alive(proc.pid):
            assert time.monotonic() < deadline, "the server outlived frontline viz"
            time.sleep(0.1)
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def test_the_server_prints_no_library_warnings():
    """A teacher's terminal shows the address, not blocks of Solara's developer warnings (its
    check of the hooks in Mesa's SolaraViz at start, its cookie note on the first page load
    over http)."""
    import urllib.request
    port, proc = _start_server(subprocess.PIPE)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:
            assert page.status == 200
        time.sleep(1)
        os.kill(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert f"127.0.0.1:{port}" in out
    for noise in ("Warning", "rules-of-hooks", "samesite", "Traceback"):
        assert noise not in out, out


def test_no_network_calls_at_start(monkeypatch):
    """Solara's version check is switched off by a flag its `run` command knows, and its
    telemetry by the setting its code reads."""
    from solara.__main__ import run as solara_run
    cmd = server_command("127.0.0.1", 1)
    assert "--no-check-version" in cmd
    flags = {o for p in solara_run.params for o in (*p.opts, *p.secondary_opts)}
    assert "--no-check-version" in flags
    for key, value in QUIET_ENV.items():
        monkeypatch.setenv(key, value)
    from solara.server.settings import Telemetry
    assert Telemetry().mixpanel_enable is False


@pytest.mark.parametrize("args, needle", [
    (["--host", "no such host .invalid"], "--host"),
    (["--port", "70000"], "--port"),
])
def test_bad_host_or_port_is_one_line(args, needle, capsys):
    assert main(["viz", str(TINY_OFFENSIVE), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err


def test_a_port_in_use_is_one_line(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["viz", str(TINY_OFFENSIVE), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--port" in err and str(port) in err


def test_workers_are_capped_at_the_cpu_count():
    with pytest.warns(UserWarning, match=f"using {cpu_count()}"), \
            make_executor(workers=cpu_count() + 1000) as ex:
        assert ex.workers == cpu_count()


def test_cli_warns_once_when_workers_exceed_the_cpus(tmp_path, capsys):
    (tmp_path / "e.toml").write_text(f'scenario = "{TINY_OFFENSIVE.as_posix()}"\n'
                                     'replicates = 2\n[overrides]\ndays = 2\n')
    assert main(["batch", str(tmp_path / "e.toml"), "--workers", "100000", "--out",
                 str(tmp_path / "out"), "--no-progress"]) == 0
    warns = [ln for ln in capsys.readouterr().err.splitlines()
             if "warning" in ln and "off-map rear" not in ln]   # the tiny theatre's aside
    assert len(warns) == 1 and "--workers 100000" in warns[0], warns
