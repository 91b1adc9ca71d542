"""The event record: one schema for the model's control changes and for reported ones.

README, "Files you hand in", Event record: ``date, place, new_controller,
previous_controller, cause, source``. A run's table adds ``day`` (days since the scenario's
start), a batch's adds ``run_id`` too. Reported files may leave ``previous_controller`` and
``cause`` empty.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Cause(StrEnum):
    """Why a place changed hands (the ``cause`` column)."""

    ASSAULT = "assault"              # taken in a battle fought that day
    WITHDRAWAL = "withdrawal"        # its defenders had left
    ENCIRCLEMENT = "encirclement"    # its cut-off garrison surrendered
    HANDOVER = "handover"            # a scheduled transfer (agreement, ceasefire terms)


CAUSES: tuple[str, ...] = tuple(c.value for c in Cause)

#: The columns every record has, in order.
COLUMNS: tuple[str, ...] = ("date", "place", "new_controller", "previous_controller", "cause",
                            "source")
#: A run's event table (``RunResult.events``, ``events.csv``).
RUN_COLUMNS: tuple[str, ...] = ("day", *COLUMNS)
#: A batch's event table (``events.parquet``).
BATCH_COLUMNS: tuple[str, ...] = ("run_id", *RUN_COLUMNS)

#: How 'no controller' is written in a record, and the words read as it.
NOBODY = ""
NOBODY_WORDS: tuple[str, ...] = ("", "none", "nobody")
#: The ``source`` of a change the model produced.
MODEL_SOURCE = "model"

#: A change as the model logs it: (day, town id, new faction, old faction or -1, cause).
LogRow = tuple[int, int, int, int, str]


def is_nobody(name: str) -> bool:
    """True for the words that mean 'no controller' (case-insensitive)."""
    return name.strip().lower() in NOBODY_WORDS


def arrow_schema() -> Any:
    """The Arrow schema of a batch's ``events.parquet`` (every column of BATCH_COLUMNS).

    pyarrow is imported here, not at the top, so that loading the model (and
    ``frontline --help``) does not load it."""
    import pyarrow as pa  # here: loading the model does not load pyarrow
    types = {"run_id": pa.int64(), "day": pa.int32()}
    return pa.schema([(c, types.get(c, pa.string())) for c in BATCH_COLUMNS])
