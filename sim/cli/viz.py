"""`frontline viz SCENARIO [--port P] [--host H] [--seed S]`: serve the interactive view.

The server listens on 127.0.0.1 (this machine only) unless ``--host`` names another
interface explicitly (``--host 0.0.0.0`` lets a classroom connect).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

from ..errors import InputError
from .args import int_arg


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", type=Path, help="scenario TOML file")
    parser.add_argument("--port", type=int_arg("--port", 0, 65535), default=8765,
                        help="port to serve on (default 8765; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to listen on (default 127.0.0.1, this machine only)")
    parser.add_argument("--seed", type=int_arg("--seed", 0),
                        help="initial seed (default: the scenario's)")


def server_command(host: str, port: int) -> list[str]:
    """The solara command line that serves :mod:`sim.views.viz_page`."""
    return [sys.executable, "-m", "solara", "run", "sim.views.viz_page", "--host", host,
            "--port", str(port), "--production", "--no-open", "--log-level", "warning"]


def run(args: argparse.Namespace) -> int:
    from ..inputs.scenario import load_scenario  # here: keeps `frontline --help` fast
    sc = load_scenario(args.scenario)          # a bad file fails here, in one line
    if find_spec("solara") is None:
        raise InputError("command line", "viz",
                         "the browser view needs the 'solara' package (pip install solara)")
    env = dict(os.environ)
    env["FRONTLINE_VIZ_SCENARIO"] = str(Path(args.scenario).resolve())
    env["FRONTLINE_VIZ_SEED"] = str(args.seed if args.seed is not None else sc.spec.seed)
    # sim must be importable by the server even when frontline is not installed
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    print(f"frontline viz: {sc.name} at http://{args.host}:{args.port}/ (Ctrl-C to stop)",
          flush=True)
    proc = subprocess.Popen(server_command(args.host, args.port), env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
        return 0
