"""Animated map of one run: control day by day, with the date and the day's changes on each
frame (``frontline plot animate RUN_DIR``).

Reads what ``frontline run --out RUN_DIR`` writes (control.csv, events.csv, meta.json) and the
scenario named in meta.json (for the theatre, colours and alliances). Writes a GIF with
matplotlib's PillowWriter, and an MP4 too when ``ffmpeg`` is on the PATH.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter
from tqdm import tqdm

from ..errors import InputError
from ..inputs.files import read_csv, read_json
from ..inputs.limits import ascii_number
from ..inputs.marks import MARK
from ..inputs.scenario import Scenario, load_scenario
from .maps import _plt, draw_theatre, front_segments, legend_handles, map_figure

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
            day = ascii_number(row["day"], int)
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


def _frame_figure(fr: RunFrames):
    """The figure of every frame: the map drawn once in the shared style (features, roads,
    labels, scale bar), shaped to the theatre so that it fills the image, and a side panel
    for the date, the legend and the day's changes. Returns (figure, update function)."""
    th = fr.scenario.theatre
    fig, ax, (sx, sy, sw, sh) = map_figure(th, height=7.0, side=3.9)
    drawn = draw_theatre(ax, th, fr.owner[0], fr.colours, fr.scenario.relation,
                         scenario=fr.scenario)
    ax.set_title(fr.scenario.name, fontsize=11, loc="left")
    side = fig.add_axes((sx, sy, sw, sh))
    side.axis("off")
    date = side.text(0.0, 1.0, "", transform=side.transAxes, ha="left", va="top",
                     fontsize=18, fontweight="bold")
    when = side.text(0.0, 0.93, "", transform=side.transAxes, ha="left", va="top",
                     fontsize=11)
    log = side.text(0.0, 0.86, "", transform=side.transAxes, ha="left", va="top", fontsize=8,
                    linespacing=1.4)
    legend = [None]

    def update(k: int) -> None:
        owner = fr.owner[k]
        drawn["towns"].set_facecolor([fr.colours[o] if o >= 0 else "#ffffff"
                                      for o in owner[th.onmap]])
        if drawn["front_lines"] is not None:
            drawn["front_lines"].set_segments(front_segments(th, owner, fr.scenario.relation))
        date.set_text(fr.dates[k])
        when.set_text("start (before day 0)" if k == 0 else f"end of day {k - 1}")
        lines = fr.changes[k][:MAX_LINES]
        if len(fr.changes[k]) > MAX_LINES:
            lines.append(f"… and {len(fr.changes[k]) - MAX_LINES} more")
        head = f"{len(fr.changes[k])} control changes:" if fr.changes[k] else (
            "no changes" if k else "initial control")
        log.set_text("\n".join([head, *lines]))
        held = [int((owner == i).sum()) for i in range(len(fr.factions))]
        if legend[0] is not None:
            legend[0].remove()
        legend[0] = side.legend(handles=legend_handles(fr.factions, fr.colours, drawn, held),
                                loc="lower left", fontsize=8.5, frameon=False)

    return fig, update


class MarkedGifWriter(PillowWriter):
    """matplotlib's GIF writer, whose GIF carries frontline's mark as its comment (so a later
    `frontline plot animate` may replace it, and never a GIF of the user's)."""

    def finish(self) -> None:
        self._frames[0].save(self.outfile, save_all=True, append_images=self._frames[1:],
                             duration=int(1000 / self.fps), loop=0, comment=MARK)


def animate(run_dir: str | Path, out: str | Path | None = None, fps: float = 1.5,
            progress: bool = True) -> Path:
    """Write ``RUN_DIR/animation.gif`` (or ``out``; an MP4 beside it when ffmpeg exists) and
    return the GIF's path. One frame for the start and one per day; the last is held. A
    progress bar (tqdm, on stderr) counts the frames written."""
    if not FPS[0] <= fps <= FPS[1]:
        raise InputError("command line", "--fps", f"expected {FPS[0]:g}..{FPS[1]:g} frames "
                                                  f"per second, got {fps}")
    fr = load_frames(run_dir)
    gif = Path(out) if out else Path(run_dir) / "animation.gif"
    if gif.suffix.lower() != ".gif":
        gif = gif.with_suffix(".gif")
    gif.parent.mkdir(parents=True, exist_ok=True)
    plt = _plt()
    fig, update = _frame_figure(fr)
    order = list(range(len(fr.owner))) + [len(fr.owner) - 1] * HOLD_LAST
    writers = [(gif, MarkedGifWriter(fps=fps), 110)]
    if shutil.which("ffmpeg"):
        writers.append((gif.with_suffix(".mp4"), FFMpegWriter(fps=fps, metadata={"comment": MARK}),
                        110))
    try:
        for path, writer, dpi in writers:
            bar = tqdm(total=len(order), unit="frame", desc=path.name, file=sys.stderr,
                       disable=not progress, leave=False)
            anim = FuncAnimation(fig, update, frames=order, repeat=False)
            anim.save(path, writer=writer, dpi=dpi,
                      progress_callback=lambda i, n, bar=bar: bar.update(1))
            bar.close()
    finally:
        plt.close(fig)
    return gif


# == `frontline plot animate` ====================================================================
