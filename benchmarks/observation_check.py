"""Choose forecast settings (the filter's observation model, priors) without looking past any
forecast origin.

For every calibration spec with forecast origins (chosen as in ``forecast_suite.py``: one
that cannot be run is named in a warning line and under the tables, or stops the run when
``--only`` names it), the *check origins* are the report dates before the spec's first
forecast origin; from each, the filter assimilates the reports up to it and forecasts to
that first origin, and the forecast is scored on the reports in between only. Every score
therefore comes from reports the spec's real forecasts are allowed to be fitted on: this is
a hold-out inside the pre-origin record, so whatever it selects can be used at the forecast
origins honestly.

Each setting given with ``--setting`` is run at every check origin with the same seed: an
``[assimilation]`` value (``dependence=source``), a prior added or changed
(``prior.tempo_noise=0..0.8``), a model parameter fixed (``fixed.tempo_noise=0.3``), several
of these separated by spaces, or ``as-is`` (the spec unchanged). The table gives per spec
the mean, over its check origins, of CRPS (days), Brier and log score (controller of every
scored place on every scored day), right controller at the end, and spread/error, then the
mean of the specs' means. Lower is better except for ``right_end``.

    python benchmarks/observation_check.py --setting dependence=independent \\
        --setting dependence=source --workers 2
    python benchmarks/observation_check.py --setting as-is \\
        --setting prior.tempo_noise=0..0.8 --workers 2
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from forecast_suite import add_spec_options, chosen_specs, markdown, missing_note  # noqa: E402

from sim.analysis.executors import make_executor  # noqa: E402
from sim.analysis.forecast import forecast  # noqa: E402
from sim.cli.args import Parser  # noqa: E402
from sim.cli.forecast import with_members  # noqa: E402
from sim.errors import InputError, run_script  # noqa: E402
from sim.inputs.calibration_spec import AssimilationSpec  # noqa: E402
from sim.inputs.params import PARAMS, coerce  # noqa: E402
from sim.inputs.reported import read_reported  # noqa: E402
from sim.inputs.scenario import load_scenario  # noqa: E402

SCORES = ["crps", "brier", "log_score", "right_end", "spread_error"]


Change = Callable[[Any], Any]        # a calibration spec -> the spec with a setting applied


def _value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text                                    # a bare word: a string


def _one(token: str) -> Change:
    """One ``NAME=VALUE`` ([assimilation]), ``prior.NAME=LOW..HIGH`` or
    ``fixed.NAME=VALUE`` (a model parameter), checked."""
    name, sep, text = token.partition("=")
    kind, dot, par = name.partition(".")
    if not sep:
        raise argparse.ArgumentTypeError(f"{token!r}: expected NAME=VALUE")
    if dot and kind in ("prior", "fixed"):
        if par not in PARAMS or PARAMS[par].choices and kind == "prior":
            raise argparse.ArgumentTypeError(f"{name}: not a numeric model parameter "
                                             "(see `frontline params`)")
        try:
            if kind == "fixed":
                value = coerce(par, _value(text), file="--setting", field=name)
                return lambda spec: spec.with_(fixed={**spec.fixed, par: value})
            lo, sep2, hi = text.partition("..")
            lo, hi = (float(coerce(par, _value(v), file="--setting", field=name))
                      for v in (lo, hi))
        except InputError as exc:
            raise argparse.ArgumentTypeError(f"{name}: {exc.message}") from None
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{name}: {exc}") from None
        if not sep2 or not lo < hi:
            raise argparse.ArgumentTypeError(f"{name}: expected LOW..HIGH with LOW < HIGH")
        return lambda spec: spec.with_(bounds={**spec.bounds, par: (lo, hi)})
    if name not in AssimilationSpec.model_fields:
        raise argparse.ArgumentTypeError(
            f"{name}: expected prior.PARAM, fixed.PARAM or one of "
            f"{', '.join(AssimilationSpec.model_fields)}")
    try:
        checked = AssimilationSpec.model_validate({name: _value(text)})
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{name}: {exc.errors()[0]['msg']}") from None
    value = getattr(checked, name)
    return lambda spec: spec.with_(
        assimilation=spec.assimilation.model_copy(update={name: value}))


def setting(text: str) -> tuple[str, list[Change]]:
    """A setting to compare: ``as-is`` (the spec unchanged) or space-separated tokens
    (:func:`_one`), all applied together."""
    tokens = text.split()
    if not tokens:
        raise argparse.ArgumentTypeError("empty setting")
    if tokens == ["as-is"]:
        return text, []
    return text, [_one(t) for t in tokens]


def check_origins(spec) -> list:
    """The report dates before the spec's first forecast origin that have reports after
    them, up to that origin, to be scored on."""
    first = min(spec.origins)
    record = read_reported(spec.reported, load_scenario(spec.scenario))
    dates = sorted({e.date for e in record.events if e.date <= first})
    return [d for d in dates if d < first and any(d < x for x in dates)]


def main(argv: list[str] | None = None) -> int:
    """The tables; a bad flag or spec is one line ``observation_check.py: error: ...``,
    status 2 (argparse printed its usage first)."""
    return run_script("observation_check.py", lambda: check(argv))


def check(argv: list[str] | None) -> int:
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--setting", action="append", type=setting, required=True,
                    metavar="SETTING", help="a setting to compare: as-is, NAME=VALUE "
                    "([assimilation]), prior.PARAM=LOW..HIGH or fixed.PARAM=VALUE")
    add_spec_options(ap)
    a = ap.parse_args(argv)
    specs, missing = chosen_specs(ap, a)
    rows = []
    with make_executor(workers=a.workers) as ex:
        for spec in specs:
            spec = with_members(spec, a.members)
            first = min(spec.origins)
            for origin in check_origins(spec):
                for label, changes in a.setting:
                    s = spec
                    for change in changes:
                        s = change(s)
                    t0 = time.perf_counter()
                    res = forecast(s, origin, mapper=ex.map,
                                   horizon_days=(first - origin).days)
                    m = res.summary.set_index("method").loc["model"]
                    rows.append({"spec": spec.file.stem, "setting": label,
                                 "origin": origin.isoformat(),
                                 "origin_day": res.setup.origin, "to": first.isoformat(),
                                 "scored": len(res.setup.later),
                                 **{c: float(m[c]) for c in SCORES}})
                    print(f"  {spec.file.stem} {label} from {origin} to {first}: "
                          f"{len(res.setup.later)} reports scored, "
                          f"{time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    df = pd.DataFrame(rows)
    per_spec = df.groupby(["spec", "setting"], sort=False)[SCORES].mean().reset_index()
    overall = per_spec.groupby("setting", sort=False)[SCORES].mean().reset_index()
    print("per check origin (model scores on the reports between it and the spec's first "
          "forecast origin; day 0 = each scenario's first day):")
    print(markdown(df))
    print("\nmean over each spec's check origins:")
    print(markdown(per_spec))
    print("\nmean over the specs:")
    print(markdown(overall))
    if missing:
        print(missing_note(missing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
