"""What-if shifts and sensitivity indices: tables and pictures.

**Convention for "never"** (shared with the batch table, ``Experiment.summary``): a metric
that is undefined in a run (a town that never fell within the run: NaN) is left out of that
run's mean and counted in the share "never"; means are over the runs where the metric is
defined. So the base and what-if means of :func:`whatif_shift` are exactly the ``mean``
column of ``frontline batch``'s table, and every caption says so.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ..errors import InputError
from .batchplots import _point_label, num
from .maps import _plt

if TYPE_CHECKING:
    from ..analysis.experiments import Experiment

NEVER_NOTE = ("means over the runs where the metric is defined, as in the batch table; runs "
              "where a town never fell are left out of the mean and counted as 'never'")
SHIFTED, UNSHIFTED, NO_INTERVAL = "#d62728", "#1f77b4", "#7f7f7f"
#: a Sobol interval wider than this (95% half-width) means too few samples
SOBOL_MAX_CONF = 0.1


def whatif_shift(exp: Experiment, point: int, base_point: int = 0,
                 base: Experiment | None = None) -> pd.DataFrame:
    """Shift of every numeric metric from the base (another point of the same experiment,
    or point ``base_point`` of another experiment) to ``point``: difference of the means
    (the module's convention for "never") with a 95% normal interval. Runs are paired by
    seed (common random numbers) when both sides share seeds and the metric is defined in
    every run; otherwise compared as independent samples (Welch)."""
    if base is not None:
        _check_same_metrics(exp, base)
    base = base or exp
    a = exp.runs[exp.runs["point"] == point].set_index("seed")
    b = base.runs[base.runs["point"] == base_point].set_index("seed")
    same_seeds = len(a) == len(b) and a.index.sort_values().equals(b.index.sort_values())
    rows = []
    for m in exp.metrics:
        if not m.numeric or m.name not in b.columns:
            continue
        x, y = a[m.name].astype(float), b[m.name].astype(float)
        xo, yo = x.dropna(), y.dropna()
        paired = same_seeds and len(xo) == len(x) and len(yo) == len(y)
        if paired:
            d = (x - y.reindex(x.index)).to_numpy()
            se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan
        else:
            se = np.sqrt(xo.var(ddof=1) / max(len(xo), 1) + yo.var(ddof=1) / max(len(yo), 1)) \
                if len(xo) > 1 and len(yo) > 1 else np.nan
        mean = xo.mean() - yo.mean() if len(xo) and len(yo) else np.nan
        rows.append((m.name, m.unit, yo.mean() if len(yo) else np.nan,
                     xo.mean() if len(xo) else np.nan, mean, mean - 1.96 * se,
                     mean + 1.96 * se, 1 - len(yo) / max(len(y), 1),
                     1 - len(xo) / max(len(x), 1), paired, len(yo), len(xo)))
    return pd.DataFrame(rows, columns=["metric", "unit", "base_mean", "mean", "shift", "low95",
                                       "high95", "base_never", "never", "paired", "base_n",
                                       "n"])


def _meaning(exp: Experiment, m) -> str:
    """What a bound metric measures, in words that do not depend on its scenario's indices."""
    sc = exp.scenario
    names = sc.theatre.names
    parts = [m.kind]
    if m.town >= 0:
        parts.append(names[m.town])
    if m.towns:
        parts.append("+".join(names[t] for t in m.towns))
    if m.faction >= 0:
        parts.append(("by " if m.kind == "capture_day" else "") + sc.factions[m.faction])
    if m.kind not in ("capture_day", "first_day_all"):
        parts.append("on the last day" if m.day < 0 else f"on {sc.date(m.day)}")
    return " ".join(parts)


def _check_same_metrics(exp: Experiment, base: Experiment) -> None:
    """A batch compared with another (``--base``) shares numeric metrics with it, and a
    metric of one name measures the same thing in both: otherwise the 'shift' would be that
    of the metrics' definitions, not of the what-if."""
    theirs = {m.name: m for m in base.metrics if m.numeric}
    common = [m for m in exp.metrics if m.numeric and m.name in theirs]
    if not common:
        raise InputError(base.out, "metrics", "no numeric metric in common with "
                         f"{exp.out} (it records {', '.join(theirs) or 'none'}; "
                         f"{exp.out.name} records "
                         f"{', '.join(m.name for m in exp.metrics if m.numeric) or 'none'}); "
                         "compare batches that record the same metrics")
    for m in common:
        mine, other = _meaning(exp, m), _meaning(base, theirs[m.name])
        if mine != other:
            raise InputError(base.out, f"metrics.{m.name}", f"measures {other} here but "
                             f"{mine} in {exp.out}; compare batches whose metrics of one "
                             "name measure the same thing")


def whatif_plot(exp: Experiment, point: int, base_point: int = 0,
                base: Experiment | None = None):
    """One panel per metric: the shift from the base with its 95% interval, red when the
    interval excludes 0; the means (over the runs where the metric is defined, with their
    counts when some runs lack it) and the "never" shares under each panel."""
    plt = _plt()
    df = whatif_shift(exp, point, base_point, base)
    fig, axes = plt.subplots(len(df), 1, figsize=(9, 1.25 * len(df) + 2.0), squeeze=False)
    for ax, r in zip(axes[:, 0], df.itertuples(), strict=True):
        if np.isfinite(r.shift):
            shifted = r.low95 > 0 or r.high95 < 0
            known = bool(np.isfinite(r.low95) and np.isfinite(r.high95))
            err = [[r.shift - r.low95], [r.high95 - r.shift]] if known else None
            # no interval (a side with fewer than two runs): neither "a shift" nor "includes
            # 0", so neither colour
            ax.errorbar([r.shift], [0], xerr=err, fmt="o", capsize=4,
                        color=(SHIFTED if shifted else UNSHIFTED) if known else NO_INTERVAL)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_yticks([])
        ax.set_ylabel(r.metric, rotation=0, ha="right", va="center", fontsize=8)
        some = r.base_never > 0 or r.never > 0
        never = (f"; never {r.base_never:.0%} -> {r.never:.0%}" if some else "")
        over = f" (over the {r.base_n} -> {r.n} runs where it happened)" if some else ""
        ax.set_xlabel(f"shift ({r.unit}): {num(r.shift)} [{num(r.low95)}, {num(r.high95)}]; "
                      f"mean {num(r.base_mean)} -> {num(r.mean)}{over}{never}"
                      f"{'' if r.paired else '; compared as independent samples'}",
                      fontsize=8)
        ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    base_label = _point_label(base or exp, base_point)
    n = int((exp.runs["point"] == point).sum())
    caption = textwrap.fill(f"({n} runs each; mean shift with 95% interval; {NEVER_NOTE})",
                            100)
    fig.suptitle(f"{exp.scenario.name}: {_point_label(exp, point)} against {base_label}\n"
                 f"{caption}", fontsize=9)
    fig.legend(handles=[
        Line2D([], [], marker="o", color=SHIFTED, label="interval excludes 0 (a shift)"),
        Line2D([], [], marker="o", color=UNSHIFTED, label="interval includes 0"),
        *([Line2D([], [], marker="o", color=NO_INTERVAL,
                  label="no interval (a side has fewer than 2 runs with a value)")]
          if not (np.isfinite(df["low95"]) | ~np.isfinite(df["shift"])).all() else [])],
        loc="lower center", ncols=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


# -- sensitivity ------------------------------------------------------------------------------
def sensitivity_table(t: pd.DataFrame) -> pd.DataFrame:
    """The indices as one row per metric and parameter: each index with its 95% half-width
    (``S1``, ``S1_conf``, ``ST``, ``ST_conf``; or ``mu_star``, ``sigma``...)."""
    t = t[t["index"] != "constant"]
    wide = t.pivot_table(index=["metric", "parameter"], columns="index",
                         values=["value", "conf95"], sort=False)
    out = pd.DataFrame(index=wide.index)
    for idx in dict.fromkeys(t["index"]):
        out[idx] = wide[("value", idx)]
        if ("conf95", idx) in wide and wide[("conf95", idx)].notna().any():
            out[f"{idx}_conf"] = wide[("conf95", idx)]
    return out.reset_index()


def sensitivity_warning(t: pd.DataFrame, n_points: int) -> str | None:
    """One line when the Sobol indices are too uncertain for use, else None: a 95%
    half-width over :data:`SOBOL_MAX_CONF`, an S1 below 0 beyond its interval, or S1 above
    ST (impossible in theory; the estimators' noise at too few samples)."""
    if not {"S1", "ST"} <= set(t["index"]):
        return None
    w = sensitivity_table(t)
    why = []
    conf = np.nanmax(w[["S1_conf", "ST_conf"]].to_numpy()) if "S1_conf" in w else np.nan
    if conf > SOBOL_MAX_CONF:
        why.append(f"95% intervals up to +/-{num(conf, 2)}")
    if "S1_conf" in w and ((w["S1"] + w["S1_conf"]) < 0).any():
        neg = w[(w["S1"] + w["S1_conf"]) < 0]
        why.append("S1 < 0 beyond its interval (" + ", ".join(
            f"{r.parameter} on {r.metric}" for r in neg.itertuples()) + ")")
    if (w["S1"] > w["ST"]).any():
        bad = w[w["S1"] > w["ST"]]
        why.append("S1 > ST (" + ", ".join(f"{r.parameter} on {r.metric}"
                                          for r in bad.itertuples()) + ")")
    if not why:
        return None
    return (f"sensitivity indices too uncertain for {n_points} design points: "
            f"{'; '.join(why)}; raise design.samples (x4 halves the intervals)")


#: how the legend names each index (Sobol 2001; Morris 1991, Campolongo et al. 2007)
INDEX_NAMES = {"S1": "S1: first order (its effect alone)",
               "ST": "ST: total (with its interactions)",
               "mu_star": "mu*: mean absolute elementary effect",
               "sigma": "sigma: spread (non-linearity, interactions)"}


def sensitivity_bars(exp: Experiment, table: pd.DataFrame | None = None):
    """Per metric, bars of each parameter's indices (S1 and ST, or mu_star and sigma) with
    their 95% intervals; the title carries the batch's caution line when the Sobol indices
    are too uncertain (:func:`sensitivity_warning`)."""
    plt = _plt()
    t = exp.sensitivity() if table is None else table
    t = t[t["index"] != "constant"]
    metrics = list(dict.fromkeys(t["metric"]))
    if not metrics:
        raise InputError(exp.out, "sensitivity", "every metric is constant over the design")
    fig, axes = plt.subplots(len(metrics), 1, figsize=(9, 3 * len(metrics)), squeeze=False)
    for ax, m in zip(axes[:, 0], metrics, strict=True):
        tm = t[t["metric"] == m]
        params = list(dict.fromkeys(tm["parameter"]))
        kinds = list(dict.fromkeys(tm["index"]))
        w = 0.8 / len(kinds)
        for k, kind in enumerate(kinds):
            tk = tm[tm["index"] == kind].set_index("parameter").reindex(params)
            conf = tk["conf95"]        # none for Morris' sigma: no bar, not one of length 0
            ax.bar(np.arange(len(params)) + k * w, tk["value"], w,
                   yerr=None if conf.isna().all() else conf.fillna(0),
                   capsize=3, label=INDEX_NAMES.get(kind, kind),
                   color=("#4c72b0", "#dd8452")[k % 2])
        ax.set_xticks(np.arange(len(params)) + w * (len(kinds) - 1) / 2, params, fontsize=8)
        ax.set_ylabel("index" if exp.spec.design.kind == "sobol" else "elementary effect")
        ax.set_title(m, fontsize=9)
        ax.axhline(0, color="k", lw=0.6)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    caveat = sensitivity_warning(t, len(exp.points))
    fig.suptitle(f"{exp.scenario.name}: {exp.spec.design.kind} sensitivity "
                 f"({len(exp.runs)} runs; bars ± 95% interval"
                 f"{'' if exp.spec.design.kind == 'sobol' else ' (none for sigma)'})"
                 + ("\n" + textwrap.fill(f"caution: {caveat}", 110) if caveat else ""),
                 fontsize=10, color="k" if not caveat else "#a00000")
    fig.tight_layout()
    return fig
