"""Animated map of one run: control day by day, with the date and the day's changes on each
frame (``frontline plot animate RUN_DIR``).

Reads what ``frontline run --out RUN_DIR`` writes (control.csv, events.csv, meta.json) and the
scenario named in meta.json (for the theatre, colours and alliances). Writes a GIF with
matplotlib's PillowWriter, and an MP4 too when ``ffmpeg`` is on the PATH.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter
from tqdm import tqdm

from ..errors import InputError
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


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(path, "-", "file not found; expected the output of "
                                    "`frontline run --out DIR`")
    try:
        return pd.read_csv(path, keep_default_na=False, dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(path, "-", f"not a readable CSV file: {exc}") from None


def load_frames(run_dir: str | Path) -> RunFrames:
    """Read a run folder into frames (see :class:`RunFrames`)."""
    d = Path(run_dir)
    if not d.is_dir():
        raise InputError(d, "-", "not a folder; expected the output of `frontline run --out DIR`")
    meta_path = d / "meta.json"
    if not meta_path.is_file():
        raise InputError(meta_path, "-", "file not found; expected the output of "
                                         "`frontline run --out DIR`")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(meta_path, "-", f"not valid JSON: {exc}") from None
    if not isinstance(meta, dict) or not meta.get("scenario_file"):
        raise InputError(meta_path, "scenario_file", "missing; cannot find the theatre")
    sc_file = Path(meta["scenario_file"])
    if not sc_file.is_file():
        raise InputError(meta_path, "scenario_file",
                         f"{sc_file} not found (the run was made elsewhere?)")
    sc = load_scenario(sc_file)
    th = sc.theatre
    factions = list(meta.get("factions") or sc.factions)
    spec = sc.spec.factions
    colours = [spec[f].colour if f in spec else "#888888" for f in factions]
    index = {f: i for i, f in enumerate(factions)} | {"": -1}

    control = _read_csv(d / "control.csv")
    events = _read_csv(d / "events.csv")
    missing = [t for t in th.names if t not in control.columns]
    if "date" not in control.columns or missing:
        raise InputError(d / "control.csv", missing[0] if missing else "date",
                         f"column missing; expected the towns of theatre {th.name}")
    unknown = sorted(set(control[th.names].to_numpy().ravel()) - set(index))
    if unknown:
        raise InputError(d / "control.csv", "-", f"unknown controller {unknown[0]!r}; "
                         f"expected one of {', '.join(factions)}")
    ends = np.vectorize(index.__getitem__, otypes=[int])(control[list(th.names)].to_numpy())
    for col in ("day", "place", "new_controller", "previous_controller", "cause"):
        if col not in events.columns:
            raise InputError(d / "events.csv", col, "column missing")
    days = len(control)
    start = np.array(ends[0]) if days else np.array(
        [index.get(c, -1) for c in th.names])
    changes: list[list[str]] = [[] for _ in range(days + 1)]
    seen_day0: set[str] = set()
    for row in events.itertuples(index=False):
        day = int(row.day)
        if not 0 <= day < days:
            continue
        if day == 0 and row.place not in seen_day0:     # undo day-0 changes: the start
            seen_day0.add(row.place)
            t = th.find(row.place)
            if t is not None:
                start[t] = index.get(row.previous_controller, -1)
        prev = row.previous_controller or "-"
        changes[day + 1].append(f"{row.place}: {prev} → {row.new_controller} ({row.cause})")
    dates = [sc.start.isoformat(), *control["date"].tolist()]
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


def animate(run_dir: str | Path, out: str | Path | None = None, fps: float = 1.5,
            progress: bool = True) -> Path:
    """Write ``RUN_DIR/animation.gif`` (or ``out``; an MP4 beside it when ffmpeg exists) and
    return the GIF's path. One frame for the start and one per day; the last is held. A
    progress bar (tqdm, on stderr) counts the frames written."""
    if not fps > 0:
        raise InputError("command line", "--fps", f"expected a positive number, got {fps}")
    fr = load_frames(run_dir)
    gif = Path(out) if out else Path(run_dir) / "animation.gif"
    if gif.suffix.lower() != ".gif":
        gif = gif.with_suffix(".gif")
    gif.parent.mkdir(parents=True, exist_ok=True)
    plt = _plt()
    fig, update = _frame_figure(fr)
    order = list(range(len(fr.owner))) + [len(fr.owner) - 1] * HOLD_LAST
    writers = [(gif, PillowWriter(fps=fps), 110)]
    if shutil.which("ffmpeg"):
        writers.append((gif.with_suffix(".mp4"), FFMpegWriter(fps=fps), 110))
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
