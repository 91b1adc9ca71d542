"""Pictures of a calibration: reported against simulated change days; saving a figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..inputs.marks import marked
from .maps import _plt


def save_figure(fig, path: str | Path, dpi: int = 110) -> Path:
    """Write a figure and close it."""
    fig.savefig(path, dpi=dpi, **marked(path))
    _plt().close(fig)
    return Path(path)


def plot_fit(table, horizon: int, title: str = ""):
    """Reported against simulated change day: median with 10-90% band; 'never' at the top."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 6))
    never = horizon + 0.5
    y = table.sim_median.fillna(never).to_numpy()
    lo = table.sim_q10.fillna(never).to_numpy()
    hi = table.sim_q90.fillna(never).to_numpy()
    jitter = (np.arange(len(table)) % 7 - 3) * 0.04
    x = table.reported_day.to_numpy() + jitter
    ax.errorbar(x, y, yerr=[y - lo, hi - y], fmt="o", ms=4, alpha=0.7, capsize=2,
                label="simulated median, 10-90%")
    m = max(horizon, int(x.max()) + 1)
    ax.plot([0, m], [0, m], "k--", lw=1, label="simulated = reported")
    ax.axhline(never, color="grey", lw=0.8, ls=":")
    ax.text(0, never + 0.15, "never (within the run)", fontsize=8, color="grey")
    ax.set_xlabel("reported day of change")
    ax.set_ylabel("simulated day of change")
    ax.set_title(title or "Reported vs simulated control changes")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
