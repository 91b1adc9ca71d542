"""`frontline viz SCENARIO [--port P] [--host H] [--seed S]`: serve the interactive view.

The server listens on 127.0.0.1 (this machine only) unless ``--host`` names another
interface explicitly (``--host 0.0.0.0`` lets a classroom connect). The host and port are
checked (by binding them) before the server starts; ``--port 0`` picks a free port.

The server is a child process (``solara run``). It makes no network calls at start: Solara's
update check is off (``--no-check-version``) and so is its usage telemetry
(``SOLARA_TELEMETRY_MIXPANEL_ENABLE=False``). SIGTERM, SIGHUP and SIGINT (Ctrl-C) sent to
``frontline viz`` stop the server before it exits (nothing is left listening); on Linux the
server is also told to stop if ``frontline viz`` dies without a chance to do so (SIGKILL),
through ``prctl(PR_SET_PDEATHSIG)``.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

from ..errors import InputError
from .args import int_arg, seed_arg, show_warnings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=Path, help="scenario TOML file")
    parser.add_argument("--port", type=int_arg("--port", 0, 65535), default=8765,
                        help="port to serve on (default 8765; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to listen on (default 127.0.0.1, this machine only)")
    parser.add_argument("--seed", type=seed_arg,
                        help="initial seed (default: the scenario's)")


def server_command(host: str, port: int) -> list[str]:
    """The solara command line that serves :mod:`sim.views.viz_page` (no update check)."""
    return [sys.executable, "-m", "solara", "run", "sim.views.viz_page", "--host", host,
            "--port", str(port), "--production", "--no-open", "--log-level", "warning",
            "--no-check-version"]


#: Environment for the server: no usage telemetry (a network call at start), no developer
#: warnings in the teacher's terminal (Solara's check of the hooks in Mesa's SolaraViz code,
#: a block of text at start), and no "runs on Solara" banner, which Solara pins over the
#: bottom right of the page, on the levers of a 1024x768 projector (Solara's own option; the
#: README credits Mesa's SolaraViz and Solara).
QUIET_ENV = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_CHECK_HOOKS": "off",
             "SOLARA_THEME_SHOW_BANNER": "False"}

#: Warnings the server would print on the first page load over plain http (its cookie falls
#: back to SameSite=Lax, which is what a classroom on http needs): ignored.
QUIET_WARNINGS = ("ignore:Cookies with samesite=none require https:UserWarning",)


def check_listen(host: str, port: int) -> int:
    """Bind ``host:port`` once to see that the server will be able to (``port`` 0: pick a
    free one); return the port."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, _, _, _, addr = infos[0]
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.bind(addr)
            return int(s.getsockname()[1])
    except (OSError, UnicodeError) as exc:
        flag = "--port" if isinstance(exc, OSError) and exc.errno in (98, 13, 48) else "--host"
        raise InputError("command line", flag, f"cannot listen on {host}:{port} "
                         f"({getattr(exc, 'strerror', None) or exc})") from None


class _Stop(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook that makes the child get SIGTERM when this process dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes  # here: only Linux needs it, for prctl
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None

    def hook() -> None:
        libc.prctl(1, signal.SIGTERM)          # PR_SET_PDEATHSIG
    return hook


def stop_server(proc: subprocess.Popen) -> None:
    """Terminate the server and wait for it (kill it if it does not stop within 10 s)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def run(args: argparse.Namespace) -> int:
    from ..inputs.scenario import load_scenario  # here: keeps `frontline --help` fast
    sc = load_scenario(args.scenario)          # a bad file fails here, in one line
    if find_spec("solara") is None:
        raise InputError("command line", "viz",
                         "the browser view needs the 'solara' package (pip install solara)")
    port = check_listen(args.host, args.port)
    show_warnings()                            # inputs and address are good: now warn
    env = {**os.environ, **QUIET_ENV}
    env["PYTHONWARNINGS"] = ",".join(w for w in (env.get("PYTHONWARNINGS"), *QUIET_WARNINGS)
                                     if w)
    env["FRONTLINE_VIZ_SCENARIO"] = str(Path(args.scenario).resolve())
    env["FRONTLINE_VIZ_SEED"] = str(args.seed if args.seed is not None else sc.spec.seed)
    # sim must be importable by the server even when frontline is not installed
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    print(f"frontline viz: {sc.name} at http://{args.host}:{port}/ (Ctrl-C to stop)",
          flush=True)

    def forward(signum: int, _frame: object) -> None:
        raise _Stop(signum)
    old = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGHUP)}
    proc = None
    try:
        proc = subprocess.Popen(server_command(args.host, port), env=env,
                                preexec_fn=_die_with_parent())
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    except _Stop as stop:
        return 128 + stop.signum
    finally:
        for s, h in old.items():                 # a second signal now ends this process;
            signal.signal(s, h)                  # the server then gets PR_SET_PDEATHSIG
        if proc is not None:
            stop_server(proc)
