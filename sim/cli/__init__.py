"""The command line: ``frontline`` (also ``python -m sim``). See sim.cli.main."""

from .main import main

__all__ = ["main"]
