"""Animated map of one run: control day by day, with the date and the day's changes on each
frame (``frontline plot animate RUN_DIR``).

Reads what ``frontline run --out RUN_DIR`` writes (control.csv, events.csv, meta.json) and the
scenario named in meta.json (for the theatre, colours and alliances). Writes a GIF with
matplotlib's PillowWriter, and an MP4 too when ``ffmpeg`` is on the PATH.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter
from matplotlib.lines import Line2D

from ..errors import InputError
from ..inputs.files import read_csv, read_json
from ..inputs.scenario import Scenario, load_scenario
from .maps import _plt, draw_theatre

HOLD_LAST = 3          # extra frames showing the final day, so the loop pauses on it
MAX_LINES = 12         # changes listed on one frame; the rest are counted


@dataclass
class RunFrames:
    """Control at the start (frame 0) and at the end of every day, with each day's changes."""

    scenario: Scenario
    factions: list[str]
    colours: list[str]
    dates: list[str]                 # one per frame: the start date, then each day's date
    owner: np.ndarray                # (frames, n) controller index, -1 nobody
    changes: list[list[str]]         # per frame: "Town: old → new (cause)"


RUN_HINT = "expected the output of `frontline run --out DIR`"
#: Frames an animation may have (a run lasts at most 3650 days).
MAX_FRAMES = 3651
FPS = (0.1, 50.0)     # GIF delays are whole hundredths of a second: 50 fps is the fastest


def _meta(d: Path) -> tuple[Path, list[str] | None]:
    """The scenario file and faction list of a run folder's meta.json, type-checked."""
    meta_path = d / "meta.json"
    if not meta_path.is_file():
        raise InputError(meta_path, "-", f"file not found; {RUN_HINT}")
    meta = read_json(meta_path, "a run's meta.json")
    if not isinstance(meta, dict) or not meta.get("scenario_file"):
        raise InputError(meta_path, "scenario_file", "missing; cannot find the theatre")
    if not isinstance(meta["scenario_file"], str):
        raise InputError(meta_path, "scenario_file", "expected a file name (a string), got "
                         f"{meta['scenario_file']!r}")
    factions = meta.get("factions")
    if factions is not None and not (isinstance(factions, list) and factions
                                     and all(isinstance(f, str) for f in factions)):
        raise InputError(meta_path, "factions", f"expected a list of faction names, got "
                                                f"{factions!r}")
    return Path(meta["scenario_file"]), factions


def load_frames(run_dir: str | Path) -> RunFrames:
    """Read a run folder into frames (see :class:`RunFrames`); every file is checked (one
    InputError naming the file and the field for anything unexpected)."""
    d = Path(run_dir)
    if not d.is_dir():
        raise InputError(d, "-", f"not a folder; {RUN_HINT}")
    sc_file, factions = _meta(d)
    meta_path = d / "meta.json"
    if not sc_file.is_file():
        raise InputError(meta_path, "scenario_file",
                         f"{sc_file} not found (the run was made elsewhere?)")
    sc = load_scenario(sc_file)
    th = sc.theatre
    if factions is not None and list(factions) != list(sc.factions):
        raise InputError(meta_path, "factions", f"{factions} are not the factions of "
                         f"{sc_file.name} ({', '.join(sc.factions)}); was the scenario changed?")
    factions = list(sc.factions)
    spec = sc.spec.factions
    colours = [spec[f].colour for f in factions]
    index = {f: i for i, f in enumerate(factions)} | {"": -1}

    header, rows = read_csv(d / "control.csv", ("date",), allow_empty=True, extra_fields=False,
                            what=f"control.csv ({RUN_HINT})")
    missing = [t for t in th.names if t not in header]
    if missing:
        raise InputError(d / "control.csv", missing[0],
                         f"column missing; expected the towns of theatre {th.name}")
    if len(rows) >= MAX_FRAMES:
        raise InputError(d / "control.csv", "-", f"{len(rows):,} days; at most "
                                                 f"{MAX_FRAMES - 1:,}")
    ends = np.full((len(rows), th.n), -1, dtype=np.int64)
    for k, (line, row) in enumerate(rows):
        for t, town in enumerate(th.names):
            c = row.get(town, "")
            if c not in index:
                raise InputError(d / "control.csv", f"row {line}, column {town}",
                                 f"unknown controller {c!r}; expected one of "
                                 f"{', '.join(factions)} or empty")
            ends[k, t] = index[c]
    _, events = read_csv(d / "events.csv", ("day", "place", "new_controller",
                                            "previous_controller", "cause"),
                         allow_empty=True, extra_fields=False,
                         what=f"events.csv ({RUN_HINT})")
    days = len(rows)
    start = np.array(ends[0]) if days else np.array([index.get(c, -1) for c in th.controller])
    changes: list[list[str]] = [[] for _ in range(days + 1)]
    seen_day0: set[str] = set()
    for line, row in events:
        try:
            day = int(row["day"])
        except ValueError:
            raise InputError(d / "events.csv", f"row {line}, column day",
                             f"expected a whole day number, got {row['day']!r}") from None
        if not 0 <= day < days:
            continue
        if day == 0 and row["place"] not in seen_day0:     # undo day-0 changes: the start
            seen_day0.add(row["place"])
            t = th.find(row["place"])
            if t is not None:
                start[t] = index.get(row["previous_controller"], -1)
        prev = row["previous_controller"] or "-"
        changes[day + 1].append(f"{row['place']}: {prev} → {row['new_controller']} "
                                f"({row['cause']})")
    dates = [sc.start.isoformat(), *(row["date"] for _, row in rows)]
    owner = np.vstack([start[None, :], ends]) if days else start[None, :]
    return RunFrames(sc, factions, colours, dates, owner, changes)


def _draw(ax, side, fr: RunFrames, k: int) -> None:
    """Frame k: the map on the left; the date, towns held and the day's changes on the right."""
    ax.clear()
    side.clear()
    side.axis("off")
    draw_theatre(ax, fr.scenario.theatre, fr.owner[k], fr.colours, fr.scenario.relation)
    when = "start" if k == 0 else f"end of day {k - 1}"
    ax.set_title(fr.scenario.name, fontsize=11)
    held = [int((fr.owner[k] == i).sum()) for i in range(len(fr.factions))]
    handles = [Line2D([], [], marker="o", ls="", color=c, markeredgecolor="k",
                      label=f"{f} ({h} towns)")
               for f, c, h in zip(fr.factions, fr.colours, held, strict=True)]
    handles.append(Line2D([], [], color="red", lw=2, label="front line"))
    side.legend(handles=handles, loc="lower left", fontsize=9, frameon=False)
    side.text(0.0, 1.0, fr.dates[k], transform=side.transAxes, ha="left", va="top",
              fontsize=18, fontweight="bold")
    side.text(0.0, 0.93, when, transform=side.transAxes, ha="left", va="top", fontsize=11)
    lines = fr.changes[k][:MAX_LINES]
    if len(fr.changes[k]) > MAX_LINES:
        lines.append(f"… and {len(fr.changes[k]) - MAX_LINES} more")
    head = f"{len(fr.changes[k])} control changes:" if fr.changes[k] else (
        "no changes" if k else "initial control")
    side.text(0.0, 0.85, "\n".join([head, *lines]), transform=side.transAxes, ha="left",
              va="top", fontsize=8, linespacing=1.4)


def animate(run_dir: str | Path, out: str | Path | None = None, fps: float = 1.5) -> Path:
    """Write ``RUN_DIR/animation.gif`` (or ``out``; an MP4 beside it when ffmpeg exists) and
    return the GIF's path. One frame for the start and one per day; the last is held."""
    if not FPS[0] <= fps <= FPS[1]:
        raise InputError("command line", "--fps", f"expected {FPS[0]:g}..{FPS[1]:g} frames "
                                                  f"per second, got {fps}")
    fr = load_frames(run_dir)
    gif = Path(out) if out else Path(run_dir) / "animation.gif"
    if gif.suffix.lower() != ".gif":
        gif = gif.with_suffix(".gif")
    gif.parent.mkdir(parents=True, exist_ok=True)
    plt = _plt()
    fig, (ax, side) = plt.subplots(1, 2, figsize=(10, 7.5),
                                   gridspec_kw={"width_ratios": [1.5, 1]}, layout="constrained")
    order = list(range(len(fr.owner))) + [len(fr.owner) - 1] * HOLD_LAST
    try:
        anim = FuncAnimation(fig, lambda k: _draw(ax, side, fr, k), frames=order, repeat=False)
        anim.save(gif, writer=PillowWriter(fps=fps), dpi=90)
        if shutil.which("ffmpeg"):
            anim.save(gif.with_suffix(".mp4"), writer=FFMpegWriter(fps=fps), dpi=110)
    finally:
        plt.close(fig)
    return gif


# == `frontline plot animate` ====================================================================
